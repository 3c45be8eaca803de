"""Delivery through the outbox to a real SMTP server, the provider's link and status mails."""

import datetime as dt
import re

import pytest
from sqlalchemy import select, update

from referral_app.db import get_engine, outbox, referrals
from referral_app.outbox import drain

from .conftest import (
    NORDIC,
    OTHER_PROVIDER,
    PROVIDER,
    REFERRAL,
    WALKING,
    drain_all,
    form_tokens,
    link_in,
    reference_of,
    submit,
)

PERSONAL_VALUES = ["Truus", "de Vries", "06 12345678", "0612345678", "truus@example.org",
                   "rollator", "Jansen"]


def test_referral_reaches_the_right_provider_without_patient_data(app, client, smtp):
    reference = reference_of(submit(client), client)
    other = reference_of(submit(client, offer_id=NORDIC), client)
    drain_all(app)
    assert len(smtp.messages) == 2
    by_to = {m["to"][0]: m for m in smtp.messages}
    assert set(by_to) == {PROVIDER, OTHER_PROVIDER}
    mail = by_to[PROVIDER]
    assert mail["message"]["Subject"] == f"Nieuwe verwijzing {reference}"
    assert other in by_to[OTHER_PROVIDER]["message"]["Subject"]
    raw = mail["raw"].decode() + mail["message"].get_body(("plain",)).get_content()
    assert "Walking football voor 60-plussers" in raw
    for value in PERSONAL_VALUES:
        assert value not in raw
    # The link carries an unguessable token of at least 128 bits.
    token = link_in(mail["message"]).rsplit("/", 1)[1]
    assert len(token) >= 43


def test_link_get_reveals_nothing_post_shows_details(app, client, smtp):
    submit(client)
    drain_all(app)
    path = link_in(smtp.messages[0]["message"])
    provider = app.test_client()
    for _ in range(3):  # mail scanners may follow a link several times
        page = provider.get(path)
        assert page.status_code == 200
        assert "Gegevens bekijken" in page.text
        assert "Truus" not in page.text
    with get_engine(app).connect() as conn:
        assert conn.execute(select(referrals.c.opened_at)).scalar() is None
    tokens = dict(re.findall(r'name="(csrf_token)" value="([^"]+)"', page.text))
    shown = provider.post(path, data=tokens)
    assert shown.status_code == 200
    assert "Truus de Vries" in shown.text and "06 12345678" in shown.text
    assert shown.headers["Cache-Control"] == "no-store"
    with get_engine(app).connect() as conn:
        assert conn.execute(select(referrals.c.opened_at)).scalar() is not None
    # Without a CSRF token the POST reveals nothing.
    assert app.test_client().post(path).status_code == 400


def provider_session(app, path):
    """A provider who opened the link and pressed the button; returns (client, csrf)."""
    provider = app.test_client()
    page = provider.get(path)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    assert provider.post(path, data={"csrf_token": csrf}).status_code == 200
    return provider, csrf


def set_status(provider, path, csrf, status, reason="", note=""):
    """Post a status change."""
    return provider.post(f"{path}/status", data={"csrf_token": csrf, "status": status,
                                                 "reason": reason, "reason_note": note})


def test_status_reaches_referrer_with_consent_without_name(app, client, smtp):
    reference = reference_of(submit(client), client)
    drain_all(app)
    provider, csrf = provider_session(app, link_in(smtp.messages[0]["message"]))
    path = link_in(smtp.messages[0]["message"])
    assert set_status(provider, path, csrf, "proefles_gepland").status_code == 200
    answer = set_status(provider, path, csrf, "gestopt", "te_duur", "Truus vond het te duur")
    assert "De status is opgeslagen." in answer.text
    drain_all(app)
    status_mails = [m for m in smtp.messages if m["to"] == [REFERRAL["referrer_email"]]]
    assert len(status_mails) == 2
    bodies = [m["message"].get_body(("plain",)).get_content() for m in status_mails]
    assert "Proefles gepland" in bodies[0]
    assert "Gestopt" in bodies[1] and "Te duur" in bodies[1]
    for body in bodies:
        assert reference in body and "Walking football voor 60-plussers" in body
        assert "Truus" not in body and "Vries" not in body


def test_no_status_mail_without_feedback_consent(app, client, smtp):
    submit(client, feedback=None)
    drain_all(app)
    provider, csrf = provider_session(app, link_in(smtp.messages[0]["message"]))
    set_status(provider, link_in(smtp.messages[0]["message"]), csrf, "deelnemer_geworden")
    drain_all(app)
    assert [m["to"] for m in smtp.messages] == [[PROVIDER]]


def test_stopping_needs_a_reason(app, client, smtp):
    submit(client)
    drain_all(app)
    path = link_in(smtp.messages[0]["message"])
    provider, csrf = provider_session(app, path)
    answer = set_status(provider, path, csrf, "gestopt")
    assert answer.status_code == 422
    assert "Kies een reden." in answer.text


def test_expired_and_unknown_links(app, client, smtp):
    submit(client)
    drain_all(app)
    path = link_in(smtp.messages[0]["message"])
    assert app.test_client().get(path + "x").status_code == 404
    with get_engine(app).begin() as conn:
        conn.execute(update(referrals).values(
            token_expires_at=dt.datetime(2000, 1, 1)))
    page = app.test_client().get(path)
    assert page.status_code == 410
    assert "Deze link is verlopen" in page.text


def test_resident_gets_confirmation(app, client, smtp):
    reference = reference_of(submit(client, kind="aanmelden"), client)
    drain_all(app)
    to = sorted(m["to"][0] for m in smtp.messages)
    assert to == sorted([PROVIDER, "kees@example.org"])
    confirmation = next(m for m in smtp.messages if m["to"] == ["kees@example.org"])
    assert reference in confirmation["message"]["Subject"]


def test_details_in_body_setting(settings, smtp):
    from referral_app import create_app
    app = create_app({**settings, "MAIL_DETAILS_IN_BODY": True})
    client = app.test_client()
    submit(client)
    drain_all(app)
    assert "Truus de Vries" in smtp.messages[0]["message"].get_body(("plain",)).get_content()


def test_double_submit_gives_one_referral(app, client, smtp):
    tokens = form_tokens(client, f"/verwijzen/{WALKING}")
    first = reference_of(submit(client, tokens=tokens), client)
    second = reference_of(submit(client, tokens=tokens), client)
    assert first == second
    drain_all(app)
    assert len(smtp.messages) == 1
    with get_engine(app).connect() as conn:
        assert len(conn.execute(select(referrals.c.id)).all()) == 1


@pytest.mark.parametrize("fault", ["down", "4xx", "5xx", "hang"])
def test_every_referral_delivered_exactly_once_after_outage(app, client, smtp, fault):
    if fault == "down":
        smtp.stop()
    else:
        smtp.handler.mode = fault
    references = [reference_of(submit(client), client) for _ in range(3)]
    for _ in range(2):
        drain(app)
    assert smtp.messages == []
    with get_engine(app).connect() as conn:
        rows = conn.execute(select(outbox.c.state, outbox.c.attempts, outbox.c.last_error)).all()
    assert all(row.state == "pending" and row.attempts >= 1 for row in rows[:1])
    assert all("Truus" not in (row.last_error or "") for row in rows)
    if fault == "down":
        smtp.start()
    else:
        smtp.handler.mode = "ok"
    drain_all(app)
    drain_all(app)
    subjects = sorted(m["message"]["Subject"] for m in smtp.messages)
    assert subjects == sorted(f"Nieuwe verwijzing {r}" for r in references)


def test_backoff_doubles(settings, smtp):
    from referral_app import create_app
    app = create_app({**settings, "OUTBOX_BACKOFF_SECONDS": 30.0})
    client = app.test_client()
    submit(client)
    smtp.handler.mode = "4xx"
    delays = []
    for _ in range(3):
        drain(app)
        with get_engine(app).begin() as conn:
            row = conn.execute(select(outbox)).one()
            delays.append((row.next_attempt_at - dt.datetime.now(dt.UTC).replace(tzinfo=None))
                          .total_seconds())
            conn.execute(update(outbox).values(next_attempt_at=dt.datetime(2000, 1, 1)))
    assert [round(d / 10) * 10 for d in delays] == [30, 60, 120]
    assert row.last_error == "SMTPDataError 451"


def test_starttls_required_but_not_offered_sends_nothing(settings, smtp):
    from referral_app import create_app
    app = create_app({**settings, "SMTP_STARTTLS": "required"})
    submit(app.test_client())
    assert drain(app) == (0, 1)
    assert smtp.messages == []
    with get_engine(app).connect() as conn:
        assert conn.execute(select(outbox.c.last_error)).scalar() == "SMTPNotSupportedError"


def test_links_expire_after_token_days(settings, smtp):
    from referral_app import create_app
    app = create_app({**settings, "TOKEN_DAYS": 2})
    submit(app.test_client())
    drain_all(app)
    with get_engine(app).connect() as conn:
        row = conn.execute(select(referrals.c.created_at, referrals.c.token_expires_at)).one()
    assert row.token_expires_at - row.created_at == dt.timedelta(days=2)
    body = smtp.messages[0]["message"].get_body(("plain",)).get_content()
    until = (row.created_at + dt.timedelta(days=2)).strftime("%d-%m-%Y")
    assert f"De link werkt tot en met {until}." in body


def test_link_token_needs_the_secret_key():
    from referral_app.tokens import link_token, new_seed
    seed = new_seed()
    assert link_token("sleutel-a", seed) == link_token("sleutel-a", seed)
    assert link_token("sleutel-a", seed) != link_token("sleutel-b", seed)
    assert link_token("sleutel-a", seed) != link_token("sleutel-a", new_seed())
    assert len(link_token("sleutel-a", seed)) >= 43  # 256 bits, at least 128 needed
