"""'Mijn verwijzingen': a short-lived link to the work address, hashed at rest, rate-limited."""

import logging
import re

import pytest
from sqlalchemy import select

from referral_app.db import get_engine
from referral_app.tables import overview_links

from ..conftest import all_values, drain_all, reference_of, submit
from .helpers import (
    coach_page,
    coach_plan,
    csrf,
    mail_to,
    path_in,
    refer_to_coach,
)

GP = "jansen@praktijk.example.org"


def ask(client, email: str = GP):
    """Ask for the overview link."""
    page = client.get("/mijn-verwijzingen")
    return client.post("/mijn-verwijzingen", data={"csrf_token": csrf(page.text), "email": email})


def overview(app, client, smtp, email: str = GP) -> tuple[str, str]:
    """(link path, overview page)."""
    assert "Kijk in je mailbox" in ask(client, email).text
    drain_all(app)
    path = path_in(mail_to(smtp, email, "mijn verwijzingen"), "/overzicht/")
    confirm = client.get(path)
    assert "Overzicht bekijken" in confirm.text
    return path, client.post(path, data={"csrf_token": csrf(confirm.text)}).text


def test_overview_shows_own_referrals_with_consent_and_no_names(app, client, smtp):
    direct = reference_of(submit(client), client)
    routed = refer_to_coach(client)
    path, page = coach_page(app, client, smtp, routed)
    client.post(f"{path}/stap", data={"csrf_token": csrf(page), "step": "intake_gepland",
                                      "reason": ""})
    coach_plan(client, path, page)
    hidden = reference_of(submit(client, feedback=None), client)
    other = reference_of(submit(client, referrer_email="ander@praktijk.example.org"), client)
    _, text = overview(app, client, smtp, GP.upper())
    assert direct in text and routed in text and f"{routed}-2" in text
    assert "Intake gepland" in text and "Doorverwezen door de coach" in text
    assert "via de beweegcoach" in text
    assert hidden not in text and other not in text
    assert "Truus" not in text and "06 12345678" not in text and "rollator" not in text


def test_unknown_address_gets_the_same_answer_and_no_mail(app, client, smtp):
    reference_of(submit(client), client)
    before = len(smtp.messages)
    drain_all(app)
    assert "Kijk in je mailbox" in ask(client, "niemand@example.org").text
    drain_all(app)
    assert not [m for m in smtp.messages[before:] if "niemand@example.org" in m["to"]]


def test_link_expires_and_cannot_be_reused(app, client, smtp, clock):
    reference_of(submit(client), client)
    path, _ = overview(app, client, smtp)
    clock.advance(minutes=29)
    assert client.get(path).status_code == 200
    clock.advance(minutes=2)
    assert client.get(path).status_code == 410
    assert client.post(path, data={}).status_code in (400, 410)


def test_token_and_address_are_hashed_at_rest(app, client, smtp):
    reference_of(submit(client), client)
    ask(client)
    stored = all_values(app)  # before the mail is sent: the outbox holds no working link
    drain_all(app)
    path = path_in(mail_to(smtp, GP, "mijn verwijzingen"), "/overzicht/")
    token = path.rsplit("/", 1)[1]
    with get_engine(app).connect() as conn:
        rows = conn.execute(select(overview_links)).all()
    assert len(rows) == 1 and token not in repr(rows) and GP not in repr(rows)
    assert token not in stored and token not in all_values(app)


@pytest.fixture
def limited(settings):
    """Two link requests per hour."""
    return {**settings, "RATE_LIMIT_OVERVIEW": "2 per hour"}


def test_rate_limited(limited, smtp):
    from referral_app import create_app

    client = create_app(limited).test_client()
    assert ask(client).status_code == 200
    assert ask(client).status_code == 200
    refused = ask(client)
    assert refused.status_code == 429 and "Even wachten" in refused.text


def test_any_referral_page_offers_the_overview(client):
    for url in ("/verwijzen/coach/3072", "/verwijzen/rotterdam/walking-football-zuid"):
        assert re.search(r'href="/mijn-verwijzingen"', client.get(url).text), url
    receipt = submit(client)
    assert 'href="/mijn-verwijzingen"' in client.get(receipt.headers["Location"]).text


def test_tokens_of_follow_up_and_overview_links_are_not_logged(settings, caplog):
    import threading
    import urllib.error
    import urllib.request

    from werkzeug.serving import make_server

    from referral_app import create_app

    from ..conftest import free_port

    caplog.set_level(logging.INFO, logger="werkzeug")
    server = make_server("127.0.0.1", free_port(), create_app(settings))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    token = "Geheim" + "x" * 37
    try:
        for path in (f"/vervolg/{token}", f"/overzicht/{token}"):
            with pytest.raises(urllib.error.HTTPError):
                urllib.request.urlopen(f"http://127.0.0.1:{server.server_port}{path}")  # noqa: S310
    finally:
        server.shutdown()
        thread.join()
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name == "werkzeug")
    assert "/vervolg/…" in logged and "/overzicht/…" in logged
    assert token not in logged
