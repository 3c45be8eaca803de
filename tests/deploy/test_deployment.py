"""The deployed service, used as people use it: over HTTPS through nginx, in headless Chromium.

A clinician refers from an offer page, a resident signs up, the provider opens the link and sets
a status; every mail arrives at the SMTP server, the database is PostgreSQL, the limits live in
Redis, and neither access log holds a provider token or anyone's personal data."""

import re
from urllib.parse import urlsplit

import pytest
import sqlalchemy

from tests.browser import TILE_HOST

REFERRER = {"Je naam": "Dr. Wilhelmina Oosterhuis",
            "Praktijk of organisatie": "Gezondheidscentrum Kralingen",
            "Je e-mailadres op het werk": "w.oosterhuis@gc-kralingen.example.org"}
PATIENT = {"Naam": "Gerrit Zwanenburg", "Telefoonnummer": "06 19283746",
           "E-mailadres": "gerrit.zwanenburg@example.org"}
RESIDENT = {"Naam": "Fatima El Idrissi", "Telefoonnummer": "06 56473829",
            "E-mailadres": "fatima.elidrissi@example.org"}
NOTE = "Liever niet op maandag bellen."
REFERENCE = re.compile(r"BK-[A-Z0-9]{4}-[A-Z0-9]{4}")
TOKEN_LINK = re.compile(r"/verwijzing/(?!\[token\])[A-Za-z0-9_-]{20,}")


@pytest.fixture
def page(browser, deployment):
    """A fresh browser tab that accepts the throw-away certificate and blocks other origins."""
    context = browser.new_context(ignore_https_errors=True, locale="nl-NL")
    own = urlsplit(deployment.base).netloc
    foreign = []

    def route(route):
        """Own origin through; tiles and anything else blocked (no network here)."""
        host = urlsplit(route.request.url).netloc
        if host == own:
            route.continue_()
        else:
            if host != TILE_HOST:
                foreign.append(route.request.url)
            route.abort()

    context.route(re.compile(r"^https?://"), route)
    tab = context.new_page()
    yield tab
    context.close()
    assert foreign == [], f"requests to other origins: {foreign}"


def personal_values() -> list[str]:
    """Every personal value the tests type, in the forms a log might hold them."""
    values = [*REFERRER.values(), *PATIENT.values(), *RESIDENT.values(), NOTE]
    return values + [v.replace(" ", "") for v in values] + [v.replace(" ", "+") for v in values]


def fill_referral(page) -> None:
    """The clinician fills in the referral form."""
    for label, value in {**REFERRER, **PATIENT}.items():
        page.get_by_label(re.compile(f"^{label}")).fill(value)
    page.get_by_label("Je functie").select_option("huisarts")
    page.get_by_label("Wanneer kan de aanbieder het beste bellen?").select_option("ochtend")
    page.get_by_label("Korte praktische opmerking").fill(NOTE)
    page.get_by_label(re.compile("^De deelnemer heeft toestemming")).check()
    page.get_by_label(re.compile("^De deelnemer vindt het goed")).check()


def test_refer_sign_up_and_set_status_over_https(deployment, page):
    """The whole flow through nginx + gunicorn + PostgreSQL + Redis + outbox worker + SMTP."""
    offers = deployment.referral_offers()
    referred, signed_up = offers[0], offers[-1]
    smtp = deployment.smtp

    # A shared search link carries a postcode and a complaint in its query string, and a
    # link to a form may carry one too: neither may reach an access log.
    page.goto(f"{deployment.base}?loc=3192+BM&dg=artrose")
    page.goto(f"{deployment.base}app/verwijzen/{referred.id}?loc=3192+BM")

    # The clinician: offer page on the static site, then the app's form, then the receipt.
    page.goto(f"{deployment.base}aanbod/{referred.id}/")
    assert page.get_by_role("heading", level=1).inner_text() == referred.data.titel
    page.get_by_role("link", name=re.compile("^Doorverwijzen")).click()
    page.wait_for_url(f"{deployment.base}app/verwijzen/{referred.id}")
    fill_referral(page)
    page.get_by_role("button", name="Verwijzing versturen").click()
    page.wait_for_url(f"{deployment.base}app/ontvangen")
    assert "Het formulier is verlopen" not in page.inner_text("main")
    referral = REFERENCE.search(page.inner_text("main")).group(0)

    # The resident signs up for a trial lesson from another offer page.
    page.goto(f"{deployment.base}aanbod/{signed_up.id}/")
    page.get_by_role("link", name="Aanmelden voor een proefles").click()
    page.wait_for_url(f"{deployment.base}app/aanmelden/{signed_up.id}")
    for label, value in RESIDENT.items():
        page.get_by_label(re.compile(f"^{label}")).fill(value)
    page.get_by_label("Wanneer kan de aanbieder het beste bellen?").select_option("avond")
    page.get_by_label(re.compile("^Ik geef toestemming")).check()
    page.get_by_role("button", name="Aanmelding versturen").click()
    page.wait_for_url(f"{deployment.base}app/ontvangen")
    signup = REFERENCE.search(page.inner_text("main")).group(0)
    assert signup != referral

    # The outbox worker (its own process) delivers the mails.
    provider_mail = smtp.wait_for(referred.data.verwijzen.email, referral)
    smtp.wait_for(signed_up.data.verwijzen.email, signup)
    confirmation = smtp.wait_for(RESIDENT["E-mailadres"], signup)
    assert signed_up.data.titel in confirmation["message"].get_body(("plain",)).get_content()
    link = re.search(rf"{re.escape(deployment.base)}app/verwijzing/\S+",
                     provider_mail["message"].get_body(("plain",)).get_content()).group(0)

    # The provider opens the link (GET shows nothing), asks for the details, sets a status.
    page.goto(link)
    assert PATIENT["Naam"] not in page.content()
    page.get_by_role("button", name="Gegevens bekijken").click()
    page.wait_for_selector("dl.details")
    assert PATIENT["Naam"] in page.inner_text("main")
    page.get_by_label("Nieuwe status").select_option(label="Proefles gepland")
    page.get_by_role("button", name="Status opslaan").click()
    page.get_by_role("status").filter(has_text="De status is opgeslagen").wait_for()
    status_mail = smtp.wait_for(REFERRER["Je e-mailadres op het werk"], referral)
    assert "Proefles gepland" in status_mail["message"].get_body(("plain",)).get_content()

    # PostgreSQL holds both, with the status; every mail left the outbox.
    engine = sqlalchemy.create_engine(deployment.env["BEWEEGKAART_DATABASE_URL"])
    with engine.connect() as conn:
        rows = dict(conn.execute(sqlalchemy.text(
            "SELECT reference, status FROM referrals WHERE reference IN (:a, :b)"),
            {"a": referral, "b": signup}).all())
        states = conn.execute(sqlalchemy.text(
            "SELECT o.state FROM outbox o JOIN referrals r ON r.id = o.referral_id "
            "WHERE r.reference IN (:a, :b)"), {"a": referral, "b": signup}).scalars().all()
    engine.dispose()
    assert rows == {referral: "proefles_gepland", signup: "nieuw"}
    assert states == ["sent"] * 4, states  # 2 provider mails, a confirmation, a status mail

    # The access logs saw all of it, but no token and nothing personal.
    logs = deployment.access_logs()
    assert "POST /app/verwijzen/" in logs and "POST /app/aanmelden/" in logs
    assert "/app/verwijzing/[token]" in deployment.nginx_access_log.read_text()
    assert TOKEN_LINK.findall(logs) == [], "a provider token in an access log"
    assert link.rsplit("/", 1)[1] not in logs
    assert "3192" not in logs and "loc=" not in logs, "a query string in an access log"
    assert "127.0.0.1" not in deployment.nginx_access_log.read_text(), "full client address"
    leaked = [v for v in personal_values() if v in logs]
    assert leaked == [], f"personal data in an access log: {leaked}"
    errors = deployment.nginx.error_log.read_text() + deployment.app.stderr.read_text()
    assert TOKEN_LINK.findall(errors) == [] and "Traceback" not in errors


def test_forms_over_https_set_a_secure_session_cookie(deployment):
    """The form's session cookie is Secure and SameSite=Lax behind the TLS proxy."""
    offer = deployment.referral_offers()[0]
    status, headers, _ = deployment.get(f"/app/verwijzen/{offer.id}")
    assert status == 200
    cookie = headers["Set-Cookie"]
    assert "Secure" in cookie and "SameSite=Lax" in cookie, cookie


def test_the_app_runs_as_deployed(deployment):
    """3 gunicorn workers (deploy/gunicorn.conf.py), the mail worker as a process of its own."""
    booted = deployment.app.stderr.read_text().count("Booting worker")
    assert booted >= 3, f"{booted} gunicorn worker(s)"
    assert deployment.worker.running() and deployment.app.running()
