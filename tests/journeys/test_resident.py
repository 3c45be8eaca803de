"""Journey 2: a resident on a phone uses their location, filters on a free trial lesson and signs
up; the confirmation mail arrives."""

import re

from geopy.distance import great_circle

from generator.catalogue.load import load_catalogue

from .conftest import ARTIFACTS, search_applied

HERE = {"latitude": 50.8489, "longitude": 5.6887}  # Vrijthof, Maastricht
RADIUS_KM = 10
PHONE = {"viewport": {"width": 360, "height": 740}, "device_scale_factor": 2, "is_mobile": True,
         "has_touch": True, "geolocation": HERE, "permissions": ["geolocation"]}
RESIDENT = {"Naam": "Gerrit Canary-Smeets", "E-mailadres": "gerrit.canary@example.org",
            "Telefoonnummer": "06 23456789"}


def expected_offers(offers_dir) -> list:
    """Offers with a free trial lesson within the radius, nearest first (without the site's JS)."""
    here = (HERE["latitude"], HERE["longitude"])
    offers = [o for o in load_catalogue([offers_dir]).offers
              if o.data.kosten.gratis_proefles
              and great_circle(here, (o.lat, o.lon)).km <= RADIUS_KM]
    assert offers, "the examples have no offer with a free trial lesson near Maastricht"
    return sorted(offers, key=lambda o: great_circle(here, (o.lat, o.lon)).km)


def test_resident_signs_up_on_a_phone(demo, journey_factory):
    """Location, 'gratis proefles', offer page, sign-up form, receipt, confirmation mail."""
    j = journey_factory("resident", demo.base, **PHONE)
    page = j.page
    offers = expected_offers(demo.offers_dir)
    offer = next(o for o in offers if o.accepts_referrals())

    page.goto(demo.base)
    page.wait_for_function("Number(document.documentElement.dataset.bkReady || 0) >= 1")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, "page wider than phone"
    j.step("home")

    search_applied(page, page.get_by_role("button", name="Gebruik mijn locatie").tap)
    assert "van jouw locatie" in page.inner_text("#bk-aantal")
    assert "loc=50.849%2C5.689" in page.url
    j.step("my-location")

    page.locator("#bk-filters > summary").tap()
    page.locator("#bk-meer-filters > summary").tap()
    search_applied(page, page.get_by_role("checkbox", name=re.compile("^Gratis proefles")).tap)
    assert "proef=1" in page.url
    listed = page.eval_on_selector_all("#bk-lijst > li", "els => els.map(e => e.dataset.id)")
    assert len(listed) == min(len(offers), 20) and set(listed) <= {o.id for o in offers}
    costs = page.eval_on_selector_all("#bk-lijst > li", "els => els.map(e => e.innerText)")
    assert all("gratis proefles" in text for text in costs)
    j.step("free-trial-filter")

    page.locator(f"#bk-lijst > li[data-id='{offer.id}'] h3 a").tap()
    page.wait_for_url(f"**/aanbod/{offer.id}/")
    assert page.get_by_role("heading", level=1).inner_text() == offer.data.titel
    if offer.data.verwijzen.email != offer.data.aanbieder.email:  # some share one address
        assert offer.data.verwijzen.email not in page.content()
    j.step("offer-page")

    page.get_by_role("link", name="Aanmelden voor een proefles").tap()
    page.wait_for_url(f"**/app/aanmelden/{offer.id}")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, "form wider than phone"
    j.step("signup-form")

    for label, value in RESIDENT.items():
        page.get_by_label(re.compile(f"^{label}")).fill(value)
    page.get_by_label("Wanneer kan de aanbieder het beste bellen?").select_option("avond")
    page.get_by_label(re.compile("^Ik geef toestemming")).check()
    j.step("signup-filled")
    page.get_by_role("button", name="Aanmelding versturen").tap()
    page.wait_for_url("**/app/ontvangen")
    reference = re.search(r"BK-[A-Z0-9]{4}-[A-Z0-9]{4}", page.inner_text("main")).group(0)
    j.step("signup-sent")

    confirmation = demo.wait_for_mail(RESIDENT["E-mailadres"], reference)
    (ARTIFACTS / "resident" / "mail-confirmation.eml").write_bytes(bytes(confirmation))
    assert offer.data.titel in confirmation.get_body(("plain",)).get_content()
    provider = demo.wait_for_mail(offer.data.verwijzen.email, reference)
    for secret in RESIDENT.values():
        assert secret not in provider.as_string(), f"personal data in the provider's mail: {secret}"

    assert j.errors == [], f"JavaScript errors: {j.errors}"
    assert j.tiles, "the map asked for no tiles: is the tile check still working?"
    j.check_origins()
    j.check_urls_free_of(*RESIDENT.values())
    j.check_accessible()
