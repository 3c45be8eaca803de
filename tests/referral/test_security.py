"""Rate limits, header injection (property test), quiet logs, strict headers."""

import logging
import sqlite3

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from referral_app import create_app

from .conftest import NORDIC, PROVIDER, REFERRAL, SIGNUP, WALKING, drain_all, reference_of, submit


def test_over_the_client_limit_gives_429(settings):
    app = create_app({**settings, "RATE_LIMIT_CLIENT": "3 per minute"})
    client = app.test_client()
    answers = [submit(client).status_code for _ in range(4)]
    assert answers == [302, 302, 302, 429]
    page = submit(client)
    assert page.status_code == 429
    assert "Even wachten" in page.text
    # Viewing the form is not limited.
    assert client.get(f"/verwijzen/{WALKING}").status_code == 200


def test_over_the_offer_limit_gives_429_for_any_client(settings):
    app = create_app({**settings, "RATE_LIMIT_OFFER": "2 per minute"})
    clients = [app.test_client() for _ in range(3)]
    answers = [submit(c).status_code for c in clients]
    assert answers == [302, 302, 429]
    # Another offer still works.
    assert submit(app.test_client(), offer_id=NORDIC).status_code == 302


INJECTIONS = st.sampled_from([
    "\r\nBcc: evil@attacker.example", "\nTo: evil@attacker.example", "\rCc: evil@attacker.example",
    "=?utf-8?q?evil=0D=0ABcc:_evil@attacker.example?=", "\r\n\r\nBody", "\x00", "\u2028Bcc: x",
    "\x85Bcc: evil@attacker.example", "%0d%0aBcc: evil@attacker.example",
    ">, evil@attacker.example", ", evil@attacker.example",
])
REFERRAL_FIELDS = [k for k in REFERRAL if k not in ("consent", "feedback")]


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kind=st.sampled_from(["verwijzen", "aanmelden"]), data=st.data(),
       prefix=st.text(alphabet="abc@.xyz ", max_size=8), payload=INJECTIONS)
def test_header_injection_in_any_field_sends_nothing_extra(app, smtp, kind, data, prefix, payload):
    fields = REFERRAL_FIELDS if kind == "verwijzen" else [k for k in SIGNUP if k != "consent"]
    field = data.draw(st.sampled_from(fields))
    base = REFERRAL if kind == "verwijzen" else SIGNUP
    smtp.handler.messages.clear()
    client = app.test_client()
    value = base[field] + prefix + payload if base[field] else prefix + payload
    answer = submit(client, kind=kind, **{field: value})
    assert answer.status_code in (302, 422)
    drain_all(app)
    allowed = {PROVIDER, SIGNUP["email"]}
    for mail in smtp.messages:
        assert len(mail["to"]) == 1 and mail["to"][0] in allowed
        headers = mail["raw"].split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
        assert b"attacker" not in headers and b"Bcc" not in headers and b"Cc:" not in headers
        assert len(mail["message"].get_all("To")) == 1
    assert len(smtp.messages) <= 2


CANARY = "Zwaluwstaart-7Q"


def test_canary_never_in_logs(settings, smtp, caplog, capfd, tmp_path):
    caplog.set_level(logging.DEBUG)
    app = create_app({**settings, "RATE_LIMIT_CLIENT": "2 per minute"})
    client = app.test_client()
    canary_mail = f"{CANARY.lower()}@example.org"
    fields = {"name": f"Truus {CANARY}", "note": f"Notitie {CANARY}", "email": canary_mail,
              "referrer_name": f"Dr {CANARY}"}
    reference_of(submit(client, **fields), client)
    submit(client, **{**fields, "phone": f"06 {CANARY}"})  # a validation error
    submit(client, **fields)  # over the limit
    smtp.handler.mode = "5xx"
    drain_all(app, rounds=2)
    smtp.handler.mode = "ok"
    drain_all(app)
    path = smtp.messages[0]["message"].get_body(("plain",)).get_content()
    assert "/verwijzing/" in path
    out, err = capfd.readouterr()
    logged = caplog.text + out + err + "".join(r.getMessage() for r in caplog.records)
    assert "stored verwijzing" in logged  # the log does work
    assert CANARY not in logged and CANARY.lower() not in logged


def test_error_pages_do_not_echo_input(client):
    page = client.get(f"/verwijzen/rotterdam/{CANARY.lower()}")
    assert page.status_code == 404
    assert CANARY.lower() not in page.text


@pytest.mark.one_database
def test_database_is_a_real_sqlite_file(app, client, tmp_path):
    reference_of(submit(client), client)
    with sqlite3.connect(tmp_path / "referrals.sqlite") as conn:
        assert conn.execute("select count(*) from referrals").fetchone()[0] == 1


def test_status_posts_are_limited_per_link(settings, smtp):
    # Each status change mails the referrer: a leaked link must not become a mail cannon.
    from .conftest import link_in
    from .test_delivery import provider_session, set_status

    app = create_app({**settings, "RATE_LIMIT_STATUS": "3 per hour"})
    client = app.test_client()
    reference_of(submit(client), client)
    reference_of(submit(client), client)
    drain_all(app)
    first, second = (link_in(m["message"]) for m in smtp.messages)
    provider, csrf = provider_session(app, first)
    answers = [set_status(provider, first, csrf, "contact_opgenomen").status_code
               for _ in range(4)]
    assert answers == [200, 200, 200, 429]
    drain_all(app)
    assert len([m for m in smtp.messages if m["to"] == [REFERRAL["referrer_email"]]]) == 3
    # Another link (another referral) is not affected.
    other, csrf = provider_session(app, second)
    assert set_status(other, second, csrf, "contact_opgenomen").status_code == 200


@pytest.mark.parametrize("key", ["change-me", "dev-only-not-secret", "kort-en-geheim", ""])
def test_production_refuses_a_missing_short_or_published_secret_key(settings, key):
    # The example file's value would let anyone forge sessions and provider links.
    with pytest.raises(ValueError, match="BEWEEGKAART_SECRET_KEY") as refused:
        create_app({**settings, "PRODUCTION": True, "SECRET_KEY": key})
    assert not key or key not in str(refused.value)  # a secret is never echoed


def test_production_accepts_a_long_random_secret_key(settings):
    app = create_app({**settings, "PRODUCTION": True, "SECRET_KEY": "q" * 8 + "Z" * 40})
    assert app.config["SECRET_KEY"] == "q" * 8 + "Z" * 40
