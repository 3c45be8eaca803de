"""The forms: validation in Dutch, clear pages for unusable offers, CSRF, receipt."""

import time

import pytest

from .conftest import EXPIRED, NO_REFERRALS, WALKING, form_tokens, reference_of, submit


def test_form_shows_offer_and_unticked_consent(client):
    page = client.get(f"/verwijzen/{WALKING}")
    assert page.status_code == 200
    assert "Walking football voor 60-plussers" in page.text
    assert 'name="consent" value="y" required' in page.text  # present and not checked
    assert 'name="feedback" value="y">' in page.text
    assert page.headers["Cache-Control"] == "no-store"
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]


@pytest.mark.parametrize(("field", "value", "message"), [
    ("referrer_name", "", "Vul je naam in."),
    ("referrer_role", "", "Kies je functie."),
    ("referrer_email", "geen-adres", "Vul een geldig e-mailadres in"),
    ("name", "", "Vul de naam in."),
    ("phone", "12345", "Vul een geldig telefoonnummer in"),
    ("email", "truus@", "Vul een geldig e-mailadres in"),
    ("note", "x" * 301, "Gebruik hoogstens 300 tekens."),
    ("consent", None, "Zonder toestemming kunnen we de gegevens niet doorsturen."),
    ("name", "Truus\r\nBcc: x@example.org", "Gebruik één regel tekst"),
    ("referrer_organisation", "=?utf-8?q?evil?=", "niet toegestaan"),
])
def test_bad_input_gets_dutch_message_beside_field(client, field, value, message):
    page = submit(client, **{field: value})
    assert page.status_code == 422
    assert message in page.text
    # The error is linked to its field and the first wrong field gets the focus.
    assert f'id="{field}-error"' in page.text
    assert f'aria-describedby="{field}-error"' in page.text or \
        f'-hint {field}-error"' in page.text
    assert "autofocus" in page.text
    assert page.text.count("autofocus") == 1


def test_phone_or_email_needed(client):
    page = submit(client, phone="", email="")
    assert page.status_code == 422
    assert "Vul een telefoonnummer of een e-mailadres in." in page.text


def test_phone_is_normalised(app, client):
    reference_of(submit(client, phone="+31612345678"), client)
    from sqlalchemy import select

    from referral_app.db import get_engine, referrals
    with get_engine(app).connect() as conn:
        assert conn.execute(select(referrals.c.phone)).scalar() == "06 12345678"


@pytest.mark.parametrize(("offer_id", "status", "text"), [
    ("rotterdam/bestaat-niet", 404, "Dit aanbod kennen we niet"),
    (NO_REFERRALS, 404, "neemt geen aanmeldingen via de beweegkaart aan"),
    (EXPIRED, 410, "Dit aanbod loopt niet meer"),
])
@pytest.mark.parametrize("kind", ["verwijzen", "aanmelden"])
def test_unusable_offers_get_a_clear_page(client, offer_id, status, text, kind):
    page = client.get(f"/{kind}/{offer_id}")
    assert page.status_code == status
    assert text in page.text
    assert "Traceback" not in page.text


def test_receipt_has_reference_and_no_personal_data_in_urls(client):
    answer = submit(client)
    assert answer.status_code == 302
    assert answer.headers["Location"] == "/ontvangen"
    receipt = client.get("/ontvangen")
    assert "Referentie:" in receipt.text
    assert "Truus" not in receipt.text
    assert receipt.headers["Cache-Control"] == "no-store"


def test_signup_form(client):
    answer = submit(client, kind="aanmelden")
    assert reference_of(answer, client).startswith("BK-")


def test_missing_csrf_gives_400(client):
    tokens = form_tokens(client, f"/verwijzen/{WALKING}")
    tokens.pop("csrf_token")
    page = submit(client, tokens=tokens)
    assert page.status_code == 400
    assert "Het formulier is verlopen" in page.text


def test_expired_csrf_gives_400(settings):
    from referral_app import create_app
    app = create_app({**settings, "WTF_CSRF_TIME_LIMIT": 1})
    client = app.test_client()
    tokens = form_tokens(client, f"/verwijzen/{WALKING}")
    time.sleep(2.1)
    page = submit(client, tokens=tokens)
    assert page.status_code == 400


def test_honeypot_stores_nothing(app, client):
    answer = submit(client, website="http://spam.example")
    assert answer.status_code == 302
    from sqlalchemy import func, select

    from referral_app.db import get_engine, referrals
    with get_engine(app).connect() as conn:
        assert conn.execute(select(func.count()).select_from(referrals)).scalar() == 0


def test_request_size_cap(client):
    page = submit(client, note="x" * 20_000)
    assert page.status_code == 413
    assert "te groot" in page.text
