"""Journey 1: a clinician finds an offer near the patient, prints advice and refers; the provider
confirms and plans a trial lesson; the referrer hears how it went."""

import re

import pypdfium2
import zxingcpp
from geopy.distance import great_circle

from generator.catalogue.load import load_catalogue
from generator.catalogue.reference import load_reference

from .conftest import ARTIFACTS, search_applied

POSTCODE = "3192 BM"  # Hoogvliet, Rotterdam
GROUP, DAY = "artrose", "dinsdag"
RADIUS_KM = 10
REFERRER = {"Je naam": "Dr. A. Visser", "Praktijk of organisatie": "Huisartsenpraktijk Hoogvliet",
            "Je e-mailadres op het werk": "a.visser@praktijk-hoogvliet.example.org"}
PATIENT = {"Naam": "Johanna Pietersen-Canary", "Telefoonnummer": "06 41234567",
           "E-mailadres": "johanna.canary@example.org"}
NOTE = "Komt met de rollator, graag in de middag."


def expected_offers(offers_dir) -> list:
    """The offers the search must find, computed without the site's JavaScript."""
    centre = load_reference().postcodes[POSTCODE[:4]]
    found = [o for o in load_catalogue([offers_dir]).offers
             if great_circle((centre.lat, centre.lon), (o.lat, o.lon)).km <= RADIUS_KM
             and GROUP in o.data.doelgroepen and any(s.dag == DAY for s in o.data.rooster)]
    assert found, "the examples have no artrose offer on Tuesday near Hoogvliet"
    return found


def wait_ready(page, count: int = 1) -> None:
    """Wait until the search page has applied its state `count` times."""
    page.wait_for_function(f"Number(document.documentElement.dataset.bkReady || 0) >= {count}")


def pdf_facts(pdf: bytes) -> tuple[str, list[str]]:
    """The text of the printed sheet and the links in the QR codes found on its rendered page."""
    document = pypdfium2.PdfDocument(pdf)
    assert len(document) == 1, "the advice must fit on one sheet"
    page = document[0]
    text = page.get_textpage().get_text_range()
    codes = zxingcpp.read_barcodes(page.render(scale=2).to_pil())
    document.close()
    return text, [c.text for c in codes if c.format == zxingcpp.BarcodeFormat.QRCode]


def test_clinician_refers_and_hears_back(demo, journey_factory):
    """Search, offer page, advice sheet as PDF, referral, provider mail, confirm, status mail."""
    j = journey_factory("clinician", demo.base, viewport={"width": 1280, "height": 900})
    page = j.page
    offers = expected_offers(demo.offers_dir)
    offer = next(o for o in offers if o.accepts_referrals())
    private = offer.data.verwijzen.email

    page.goto(demo.base)
    wait_ready(page)
    j.step("home")

    page.get_by_label("Postcode of plaats").fill(POSTCODE)
    page.get_by_role("checkbox", name=re.compile(f"^{GROUP} ")).check()
    page.get_by_role("checkbox", name=re.compile(f"^{DAY}", re.I)).check()
    search_applied(page, page.get_by_role("button", name="Zoeken", exact=True).click)
    assert "binnen 10 km van postcode 3192" in page.inner_text("#bk-aantal")
    listed = page.eval_on_selector_all("#bk-lijst > li", "els => els.map(e => e.dataset.id)")
    assert set(listed) == {o.id for o in offers}
    assert "dg=artrose" in page.url and "dag=di" in page.url
    j.step("search-results")

    page.locator(f"#bk-lijst > li[data-id='{offer.id}'] h3 a").click()
    page.wait_for_url(f"**/aanbod/{offer.id}/")
    assert page.get_by_role("heading", level=1).inner_text() == offer.data.titel
    if private != offer.data.aanbieder.email:  # some providers publish the same address
        assert private not in page.content()
    j.step("offer-page")

    page.get_by_role("button", name="Zet op beweegadvies").click()
    assert page.get_by_role("button", name=re.compile("Staat op beweegadvies")).count() == 1
    page.get_by_role("link", name=re.compile("Beweegadvies bekijken en printen")).click()
    page.wait_for_function("document.documentElement.dataset.bkAdvies === '1'")
    j.step("advice-sheet")
    page.emulate_media(media="print")
    j.step("advice-sheet-print")
    pdf = page.pdf(format="A4", print_background=True)
    page.emulate_media(media="screen")
    (ARTIFACTS / "clinician" / "beweegadvies.pdf").write_bytes(pdf)
    text, codes = pdf_facts(pdf)
    assert offer.data.titel in text
    assert codes == [f"{demo.base}aanbod/{offer.id}/"]

    page.go_back()
    page.wait_for_url(f"**/aanbod/{offer.id}/")
    page.get_by_role("link", name=re.compile("^Doorverwijzen")).click()
    page.wait_for_url(f"**/app/verwijzen/{offer.id}")
    assert offer.data.titel in page.inner_text("main")
    j.step("referral-form")

    for label, value in {**REFERRER, **PATIENT}.items():
        page.get_by_label(re.compile(f"^{label}")).fill(value)
    page.get_by_label("Je functie").select_option("huisarts")
    page.get_by_label("Wanneer kan de aanbieder het beste bellen?").select_option("middag")
    page.get_by_label("Korte praktische opmerking").fill(NOTE)
    page.get_by_label(re.compile("^De deelnemer heeft toestemming")).check()
    page.get_by_label(re.compile("^De deelnemer vindt het goed")).check()
    j.step("referral-filled")
    page.get_by_role("button", name="Verwijzing versturen").click()
    page.wait_for_url("**/app/ontvangen")
    reference = re.search(r"BK-[A-Z0-9]{4}-[A-Z0-9]{4}", page.inner_text("main")).group(0)
    assert reference not in page.url
    j.step("referral-sent")

    mail = demo.wait_for_mail(private, reference)
    (ARTIFACTS / "clinician" / "mail-provider.eml").write_bytes(bytes(mail))
    raw = mail.as_string()
    for secret in [*PATIENT.values(), "06 41234567".replace(" ", ""), "Pietersen", NOTE,
                   REFERRER["Je naam"]]:
        assert secret not in raw, f"patient or referrer data in the provider's mail: {secret}"
    assert offer.data.titel in raw
    link = re.search(rf"{re.escape(demo.base)}app/verwijzing/\S+", raw).group(0)

    page.goto(link)
    assert PATIENT["Naam"] not in page.content()
    assert page.get_by_role("button", name="Gegevens bekijken").is_visible()
    j.step("provider-confirm")

    page.get_by_role("button", name="Gegevens bekijken").click()
    page.wait_for_selector("dl.details")
    details = page.inner_text("main")
    assert PATIENT["Naam"] in details and reference in details
    j.step("provider-details")

    page.get_by_label("Nieuwe status").select_option(label="Proefles gepland")
    page.get_by_role("button", name="Status opslaan").click()
    page.get_by_role("status").filter(has_text="De status is opgeslagen").wait_for()
    j.step("provider-status-saved")

    status = demo.wait_for_mail(REFERRER["Je e-mailadres op het werk"], reference)
    (ARTIFACTS / "clinician" / "mail-referrer.eml").write_bytes(bytes(status))
    body = status.get_body(("plain",)).get_content()
    assert offer.data.titel in body and "Proefles gepland" in body
    assert "Johanna" not in status.as_string() and "Pietersen" not in status.as_string()

    assert j.errors == [], f"JavaScript errors: {j.errors}"
    assert j.tiles, "the map asked for no tiles: is the tile check still working?"
    j.check_origins()
    j.check_urls_free_of(*PATIENT.values(), *REFERRER.values(), NOTE)
    j.check_accessible()
