"""Journey: a GP refers a patient by postcode to the coach of the wijk; the coach plans an offer;
the provider says "deelnemer geworden"; months pass (an injectable clock, no sleeps); the
follow-ups are answered; the GP's overview shows every step; the Cijfers page shows the cohort.

The site and app run in this process (the demo's own pieces: static site, Mailbox, outbox
worker) so the test can move the app's clock.
"""

import re
import threading
import time
from urllib.parse import urlsplit

import pytest
from aiosmtpd.controller import Controller
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.serving import make_server

from generator.commands.demo import Mailbox, static_site
from generator.pipeline import build_site
from referral_app import create_app
from referral_app.outbox import run_worker
from tests.referral.route.helpers import Clock, csrf

from .conftest import ROOT, Demo, copy_offers, free_port, search_applied

POSTCODE = "3192 BM"  # Hoogvliet, Rotterdam
COACH = "coach.hoogvliet@sportbedrijf.example.org"
OFFER = "rotterdam/valpreventie-hoogvliet"
PROVIDER = "valpreventie@gc-hoogvliet.example.org"
GP = {"Je naam": "Dr. A. Visser", "Praktijk of organisatie": "Huisartsenpraktijk Hoogvliet",
      "Je e-mailadres op het werk": "a.visser@praktijk-hoogvliet.example.org"}
PATIENT = {"Naam": "Johanna Pietersen-Canary", "Telefoonnummer": "06 41234567"}
SYNTHETIC_OFFER = "rotterdam/walking-football-charlois"
SYNTHETIC_PROVIDER = "aanmelden@svcharloiszuid.example.org"


@pytest.fixture(scope="module")
def route_demo(tmp_path_factory):
    """The example site and the app with a movable clock, on one free port."""
    workdir = tmp_path_factory.mktemp("coach-route")
    offers = copy_offers(workdir / "offers")
    site = workdir / "site"
    build_site(offers, site, ROOT / "mkdocs.yml")
    mailbox = Mailbox(workdir / "instance" / "demo-mails")
    smtp = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    port = free_port()
    base = f"http://127.0.0.1:{port}/"
    clock = Clock()
    app = create_app({
        "OFFERS_DIR": str(offers), "COACHES_DIR": str(ROOT / "coaches"), "CLOCK": clock,
        "SMTP_HOST": "127.0.0.1", "SMTP_PORT": smtp.port, "SMTP_STARTTLS": "off",
        "PUBLIC_URL": f"{base}app", "SITE_URL": "/", "SECRET_KEY": "journey",
        "DATABASE_URL": f"sqlite:///{workdir / 'instance' / 'route.sqlite'}",
        "OUTBOX_BACKOFF_SECONDS": 0.5, "RATE_LIMIT_CLIENT": "1000 per minute",
        "RATE_LIMIT_OFFER": "1000 per minute",
    })
    server = make_server("127.0.0.1", port, DispatcherMiddleware(
        static_site(site.resolve()), {"/app": app}), threaded=True)
    stop = threading.Event()
    threads = [threading.Thread(target=server.serve_forever, daemon=True),
               threading.Thread(target=run_worker, args=(app, stop, 0.1), daemon=True)]
    for thread in threads:
        thread.start()
    log = workdir / "route.log"
    log.write_text("in-process demo\n")
    demo = Demo(base, workdir, site, offers, log, None)
    demo.app, demo.clock = app, clock
    yield demo
    stop.set()
    server.shutdown()
    for thread in threads:
        thread.join(timeout=10)
    smtp.stop()


def question(demo, to: str, reference: str, months: int):
    """The follow-up mail about `reference` at `months` (waits for it)."""
    for _ in range(100):
        for mail in demo.mails():
            body = mail.get_body(("plain",)).get_content()
            if to in mail["To"] and f"referentie {reference} nog mee" in body \
                    and f"nu {months} maanden" in body:
                return mail
        time.sleep(0.2)
    raise AssertionError(f"no {months}-month follow-up for {reference}")


def link(demo, mail, prefix: str) -> str:
    """The link in a mail."""
    body = mail.get_body(("plain",)).get_content()
    return re.search(rf"{re.escape(demo.base)}app/{prefix}/\S+", body).group(0)


def follow_ups(demo) -> str:
    """The daily command, as cron runs it."""
    result = demo.app.test_cli_runner().invoke(args=["follow-ups"])
    assert result.exit_code == 0, result.output
    return result.output


def app_path(url: str) -> str:
    """An app URL as a test-client path."""
    return urlsplit(url).path.removeprefix("/app")


def synthetic_referrals(demo, count: int, join: int) -> list[str]:
    """Referrals made (through the app, by the test client) to fill the cohort; the first
    `join` become participants. Returns their references."""
    client = demo.app.test_client()
    references = []
    for n in range(count):
        page = client.get(f"/verwijzen/{SYNTHETIC_OFFER}")
        hidden = dict(re.findall(r'name="(csrf_token|submission)" value="([^"]*)"', page.text))
        response = client.post(f"/verwijzen/{SYNTHETIC_OFFER}", data={
            **hidden, "referrer_name": "Dr. Synthetisch", "referrer_role": "poh",
            "referrer_organisation": "Praktijk Test", "referrer_email": "poh@test.example.org",
            "name": f"Deelnemer {n}", "phone": "0612345678", "contact_moment": "ochtend",
            "consent": "y"})
        assert response.status_code == 302
        receipt = client.get(response.headers["Location"]).text
        references.append(re.search(r"BK-[A-Z0-9]{4}-[A-Z0-9]{4}", receipt).group(0))
    provider = demo.app.test_client()
    for reference in references[:join]:
        mail = demo.wait_for_mail(SYNTHETIC_PROVIDER, reference)
        path = app_path(link(demo, mail, "verwijzing"))
        token = csrf(provider.get(path).text)
        provider.post(path, data={"csrf_token": token})
        provider.post(f"{path}/status", data={"csrf_token": token,
                                              "status": "deelnemer_geworden", "reason": ""})
    return references


def answer_synthetic(demo, references: list[str], months: int, stops: dict[str, str]) -> None:
    """The provider answers the synthetic follow-ups: stopped (with reason) or still there."""
    client = demo.app.test_client()
    for reference in references:
        mail = question(demo, SYNTHETIC_PROVIDER, reference, months)
        path = app_path(link(demo, mail, "vervolg"))
        token = csrf(client.get(path).text)
        reason = stops.get(reference)
        client.post(path, data={"csrf_token": token, "answer": "gestopt" if reason else "doet_mee",
                                "reason": reason or ""})


def test_gp_refers_to_the_coach_and_follows_the_route(route_demo, journey_factory):
    """Home page coach box, coach form, coach steps and plan, provider, two follow-ups, the
    GP's overview, the Cijfers page; axe on every page."""
    demo = route_demo
    j = journey_factory("coach-route", demo.base, viewport={"width": 1280, "height": 900})
    page = j.page

    # The home page: the coach box for the patient's postcode, also without any results.
    page.goto(demo.base)
    page.wait_for_function("Number(document.documentElement.dataset.bkReady || 0) >= 1")
    page.get_by_label("Postcode of plaats").fill(POSTCODE)
    page.get_by_label("Afstand", exact=True).select_option("2")
    page.get_by_label("Activiteit", exact=True).select_option("zwemmen")
    search_applied(page, page.get_by_role("button", name="Zoeken", exact=True).click)
    box = page.locator("#bk-coach")
    box.wait_for(state="visible")
    assert "De beweegcoach van jouw wijk helpt" in box.inner_text()
    assert "Samira El Amrani" in box.inner_text() and "010 200 3001" in box.inner_text()
    assert page.locator("#bk-leeg").is_visible(), "expected the empty state with this filter"
    assert COACH not in page.content()
    j.step("home-empty-coach-box")

    # The advice sheet carries the coach box for the same postcode.
    advice = page.locator("[data-advies-link]").get_attribute("href")
    assert "pc=3192" in advice

    box.get_by_role("link", name=re.compile("Verwijs naar de beweegcoach")).click()
    page.wait_for_url("**/app/verwijzen/coach/3192")
    assert "Samira El Amrani" in page.inner_text("main")
    j.step("coach-form")
    for label, value in {**GP, **PATIENT}.items():
        page.get_by_label(re.compile(f"^{label}")).fill(value)
    page.get_by_label("Je functie").select_option("huisarts")
    page.get_by_label(re.compile("^De deelnemer heeft toestemming")).check()
    page.get_by_label(re.compile("^De deelnemer vindt het goed")).check()
    page.get_by_role("button", name="Verwijzing versturen").click()
    page.wait_for_url("**/app/ontvangen")
    reference = re.search(r"BK-[A-Z0-9]{4}-[A-Z0-9]{4}", page.inner_text("main")).group(0)
    j.step("coach-referral-sent")

    # The coach: mail link, confirm, details, intake, plan with an offer.
    mail = demo.wait_for_mail(COACH, reference)
    assert PATIENT["Naam"] not in mail.as_string()
    page.goto(link(demo, mail, "verwijzing"))
    j.step("coach-confirm")
    page.get_by_role("button", name="Gegevens bekijken").click()
    assert PATIENT["Naam"] in page.inner_text("main")
    j.step("coach-details")
    for step in ("Intake gepland", "Intake gehad"):
        page.get_by_label("Stap", exact=True).select_option(label=step)
        page.get_by_role("button", name="Stap opslaan").click()
        page.get_by_role("status").filter(has_text="De stap is opgeslagen").wait_for()
    page.get_by_label(re.compile("^Valpreventie In Balans")).check()
    j.step("coach-plan")
    page.get_by_role("button", name="Plan opslaan").click()
    page.get_by_role("status").filter(has_text="Het plan is opgeslagen").wait_for()
    assert f"{reference}-2" in page.inner_text("main")

    # The provider: the usual mail and "deelnemer geworden".
    provider_mail = demo.wait_for_mail(PROVIDER, f"{reference}-2")
    assert PATIENT["Naam"] not in provider_mail.as_string()
    page.goto(link(demo, provider_mail, "verwijzing"))
    page.get_by_role("button", name="Gegevens bekijken").click()
    page.get_by_label("Nieuwe status").select_option(label="Deelnemer geworden")
    page.get_by_role("button", name="Status opslaan").click()
    page.get_by_role("status").filter(has_text="De status is opgeslagen").wait_for()
    j.step("provider-joined")
    assert "Deelnemer geworden" in demo.wait_for_mail(COACH, f"{reference}-2")\
        .get_body(("plain",)).get_content()

    # Enough other participants in the same month to pass the small-cell rule.
    synthetic = synthetic_referrals(demo, 13, join=11)
    joined = synthetic[:11]

    # Three months on: the follow-up mail arrives and is answered "doet nog mee".
    demo.clock.advance(days=92)
    assert "12 asked" in follow_ups(demo)
    assert "0 asked" in follow_ups(demo)  # a second run sends nothing twice
    page.goto(link(demo, question(demo, PROVIDER, f"{reference}-2", 3), "vervolg"))
    j.step("follow-up-3")
    page.get_by_role("button", name="Doet nog mee").click()
    page.get_by_role("status").filter(has_text="het antwoord is opgeslagen").wait_for()
    j.step("follow-up-3-answered")
    answer_synthetic(demo, joined, 3, {joined[0]: "vervoer"})

    # Six months: "gestopt" with a reason.
    demo.clock.advance(days=92)
    assert "11 asked" in follow_ups(demo)
    page.goto(link(demo, question(demo, PROVIDER, f"{reference}-2", 6), "vervolg"))
    page.get_by_label("Reden van stoppen").select_option(label="Geen tijd")
    j.step("follow-up-6")
    page.get_by_role("button", name="Gestopt", exact=True).click()
    page.get_by_role("status").filter(has_text="het antwoord is opgeslagen").wait_for()
    j.step("follow-up-6-answered")
    answer_synthetic(demo, joined[1:], 6, {r: "geen_tijd" for r in joined[1:5]})

    # The GP's overview: every step, no name.
    page.goto(f"{demo.base}app/mijn-verwijzingen")
    j.step("overview-request")
    address = GP["Je e-mailadres op het werk"]
    page.get_by_label(re.compile("^Je e-mailadres op het werk")).fill(address)
    page.get_by_role("button", name="Stuur mij de link").click()
    page.get_by_role("heading", name="Kijk in je mailbox").wait_for()
    overview_mail = demo.wait_for_mail(address, "mijn verwijzingen")
    page.goto(link(demo, overview_mail, "overzicht"))
    page.get_by_role("button", name="Overzicht bekijken").click()
    text = page.inner_text("main")
    for seen in (reference, f"{reference}-2", "via de beweegcoach", "Intake gepland",
                 "Intake gehad", "Plan gemaakt", "Doorverwezen door de coach",
                 "Valpreventie In Balans", "Deelnemer geworden",
                 "Na 3 maanden: Doet nog mee", "Na 6 maanden: Gestopt", "Geen tijd"):
        assert seen in text, seen
    assert "Johanna" not in text and "Pietersen" not in text
    j.step("overview")

    # The Cijfers page: the cohort, small cells as "< 5", a chart and a table each.
    page.goto(f"{demo.base}app/cijfers/rotterdam/")
    page.wait_for_function("document.documentElement.dataset.cijfers === '1'")
    cohort = page.locator("#tabel-behoud").inner_text()
    facts = table_rows(page, "#tabel-trechter")
    retention = table_rows(page, "#tabel-behoud")
    reasons = table_rows(page, "#tabel-redenen")
    routes = table_rows(page, "#tabel-route")
    assert facts["Verwezen of aangemeld"][0] == "14"
    assert facts["Deelnemer geworden"][0] == "12"
    assert facts["Doet mee na 6 maanden"][0] == "6"
    month = next(iter(retention))
    assert retention[month]["Doet mee na 6 maanden"] == ["6", "50 %"]
    assert retention[month]["Gestopt binnen 6 maanden"][0] == "6"
    assert reasons["Geen tijd"][0] == "5" and reasons["Vervoer of afstand"][0] == "< 5"
    assert routes["Via de beweegcoach"][0] == "< 5"
    assert "< 5" in cohort
    for chart in ("grafiek-trechter", "grafiek-behoud", "grafiek-redenen"):
        assert page.locator(f"#{chart}").evaluate("c => c.width > 0")
    j.step("cijfers")
    save_figures(demo, facts, retention, reasons, routes)

    assert j.errors == [], f"JavaScript errors: {j.errors}"
    j.check_origins()
    j.check_urls_free_of(PATIENT["Naam"], "06 41234567", "0641234567")
    j.check_accessible()


def table_rows(page, selector: str) -> dict:
    """A figures table as {category: [count, percent]} or {month: {category: [...]}}."""
    rows = page.eval_on_selector_all(
        f"{selector} tbody tr", "rows => rows.map(r => [...r.children].map(c => c.innerText))")
    if rows and re.fullmatch(r"\d{4}-\d{2}", rows[0][0]):
        out: dict = {}
        for month, category, *values in rows:
            out.setdefault(month, {})[category] = values
        return out
    return {category: values for category, *values in rows}


def save_figures(demo, *tables) -> None:
    """Keep the figures as the page shows them (for the closing note)."""
    from .conftest import ARTIFACTS

    folder = ARTIFACTS / "coach-route"
    folder.mkdir(parents=True, exist_ok=True)
    names = ("trechter", "behoud", "stopredenen", "route")
    (folder / "cijfers.txt").write_text(
        "\n".join(f"{name}: {table}" for name, table in zip(names, tables, strict=True)),
        encoding="utf-8")
