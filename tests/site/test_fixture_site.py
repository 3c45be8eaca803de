"""The municipal fixture end to end: imported, built, and searched in headless Chromium."""

import re
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from generator.catalogue.load import load_catalogue
from generator.contrib.importer import import_spreadsheet
from generator.pipeline import build_site
from tests.browser import TILE_HOST, axe_violations

from .conftest import ROOT, TODAY, served
from .test_browser import map_total

FIXTURES = ROOT / "tests" / "fixtures"


@pytest.fixture(scope="module")
def imported_site(tmp_path_factory):
    """The fixture sheet imported into an empty catalogue, built, and served on localhost."""
    root = tmp_path_factory.mktemp("gemeentelijst")
    result = import_spreadsheet(FIXTURES / "sportaanbieders-gemeentelijst.xlsx",
                                FIXTURES / "sportaanbieders-mapping.yaml", root / "offers",
                                today=TODAY)
    build_site(root / "offers", root / "site", ROOT / "mkdocs.yml", today=TODAY,
               cache_dir=root / "cache")
    with served(root / "site") as url:
        yield url, root, result


@pytest.fixture
def fixture_page(browser, imported_site):
    """A page that may only talk to the local site (tiles are blocked)."""
    url, _root, _result = imported_site
    own = urlsplit(url).netloc
    context = browser.new_context(locale="nl-NL", viewport={"width": 1280, "height": 900})
    foreign, errors = [], []

    def route(route):
        """Own origin through; tiles and everything else blocked (and noted)."""
        host = urlsplit(route.request.url).netloc
        if host == own or route.request.url.startswith(("data:", "blob:")):
            route.continue_()
            return
        if host != TILE_HOST:
            foreign.append(route.request.url)
        route.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    context.close()
    assert foreign == [] and errors == []


def applied(page) -> int:
    """How often the search page has applied a search."""
    return page.evaluate("Number(document.documentElement.dataset.bkReady || 0)")


def after(page, action) -> None:
    """Do something on the search page and wait until it has applied it."""
    before = applied(page)
    action()
    page.wait_for_function(f"Number(document.documentElement.dataset.bkReady || 0) > {before}")


def test_search_the_imported_city_by_place_and_activity(fixture_page, imported_site):
    """Amsterdam finds the imported clubs; the activity filter keeps only handbal."""
    url, root, _result = imported_site
    offers = load_catalogue([root / "offers"], today=TODAY).offers
    page = fixture_page
    page.goto(url)
    page.wait_for_function("Number(document.documentElement.dataset.bkReady || 0) >= 1")
    after(page, lambda: (page.fill("#bk-q", "Amsterdam"), page.press("#bk-q", "Enter")))
    count = page.inner_text("#bk-aantal")
    found = int(re.match(r"(\d+) activiteiten gevonden", count).group(1))
    assert found > 300
    handbal = [o for o in offers if "handbal" in o.data.activiteiten and o.gemeente == "Amsterdam"]
    assert handbal
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    after(page, lambda: page.select_option("#bk-act", "handbal"))
    titles = page.eval_on_selector_all("#bk-lijst > li", "els => els.map(e => e.innerText)")
    assert titles and all("Handbal" in t for t in titles)
    assert len(titles) <= len(handbal)


def test_free_filter_does_not_match_unknown_prices(fixture_page, imported_site):
    """No price in the sheet: 'Gratis' finds nothing, and the filter says why."""
    url, _root, _result = imported_site
    page = fixture_page
    page.goto(url)
    page.wait_for_function("Number(document.documentElement.dataset.bkReady || 0) >= 1")
    after(page, lambda: (page.fill("#bk-q", "Amsterdam"), page.press("#bk-q", "Enter")))
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    assert "alleen bij \"Alle bedragen\"" in page.inner_text("#bk-kosten-uitleg")
    after(page, lambda: page.check("input[name=kosten][value=gratis]"))
    assert page.inner_text("#bk-aantal").startswith("Geen activiteiten gevonden")
    assert page.eval_on_selector_all("#bk-lijst > li", "els => els.length") == 0


def test_imported_offer_page_is_honest_and_accessible(fixture_page, imported_site):
    """The page names its source, says what is unknown, links https, and passes axe."""
    url, root, _result = imported_site
    offer = next(o for o in load_catalogue([root / "offers"], today=TODAY).offers
                 if o.data.aanbieder.website)
    page = fixture_page
    page.goto(f"{url}aanbod/{offer.id}/")
    text = page.inner_text("main")
    assert "Bron: Sportaanbieders gemeente (testbestand, 2019), 01-06-2019." in text
    assert "Laatst gecontroleerd" not in text
    assert "Nog niet alles bekend over dit aanbod" in text
    assert "Onbekend: vraag het de aanbieder." in text
    assert "€" not in text and "Gratis" not in text
    href = page.get_attribute("a[rel=noopener]", "href")
    assert href.startswith("https://")
    assert axe_violations(page) == []


def test_offers_at_one_spot_share_one_marker_on_the_gemeente_map(imported_site):
    """Clubs with several sports at one venue: one marker that lists them all."""
    _url, root, _result = imported_site
    html = (root / "site" / "aanbod" / "amsterdam" / "kaart.html").read_text("utf-8")
    offers = [o for o in load_catalogue([root / "offers"], today=TODAY).offers
              if o.gemeente == "Amsterdam"]
    spots = Counter((round(o.lat, 5), round(o.lon, 5)) for o in offers)
    assert len(spots) < len(offers)
    shared = [n for n in spots.values() if n > 1]
    assert shared
    assert html.count("activiteiten op deze plek: open de lijst") == len(shared)
    assert html.count('"coordinates"') == len(spots)


def test_fixture_build_has_exact_places(imported_site):
    """Imported coordinates are used, not the postcode-area centre."""
    _url, root, _result = imported_site
    offers = load_catalogue([root / "offers"], today=TODAY).offers
    exact = [o for o in offers if o.data.locatie.coordinaten]
    assert all((o.lat, o.lon) == (o.data.locatie.coordinaten.lat, o.data.locatie.coordinaten.lon)
               for o in exact)
    assert len({(o.lat, o.lon) for o in exact}) > 100
    assert Path(root / "site" / "aanbod" / "amsterdam").is_dir()



def biggest_spot(root: Path, gemeente: str = "Amsterdam") -> list:
    """The offers at the spot that holds the most of them (exact coordinates from the sheet)."""
    offers = [o for o in load_catalogue([root / "offers"], today=TODAY).offers
              if o.gemeente == gemeente]
    spots: dict = {}
    for o in offers:
        spots.setdefault((round(o.lat, 5), round(o.lon, 5)), []).append(o)
    return max(spots.values(), key=len)


def test_home_map_counts_every_offer_of_shared_spots(fixture_page, imported_site):
    """Untouched, the home map's clusters and markers together count every offer once, also
    where several offers share a spot inside a cluster (a cluster's number counts offers)."""
    url, root, _result = imported_site
    offers = load_catalogue([root / "offers"], today=TODAY).offers
    assert max(Counter((round(o.lat, 5), round(o.lon, 5)) for o in offers).values()) >= 3
    page = fixture_page
    page.goto(url)
    page.wait_for_function("Number(document.documentElement.dataset.bkReady || 0) >= 1")
    assert page.locator(".bk-cluster").count() >= 1
    assert map_total(page) == len([o for o in offers if not o.expired(TODAY)])


def test_home_maps_first_view_equals_the_browsers_clustering(fixture_page, imported_site):
    """A city's 518 offers, close together: the first view in the page (made at build time)
    equals what supercluster in this browser makes of the data file, at every zoom held, with
    the split zooms and spot lists that only the deepest zooms decide."""
    from .test_first_view import COMPUTED, assert_same_view

    url, _root, _result = imported_site
    page = fixture_page
    page.goto(url)
    page.wait_for_function("Number(document.documentElement.dataset.bkReady || 0) >= 1")
    pre, computed = page.evaluate(COMPUTED)
    assert_same_view(pre, computed)
    assert pre["zooms"]


def test_offers_at_one_spot_are_one_marker_on_the_home_map(fixture_page, imported_site):
    """'Toon op de kaart' with the keyboard on an offer that shares its spot: one marker, its
    list names and links every offer there; Escape gives the focus back to the marker."""
    url, root, _result = imported_site
    spot = biggest_spot(root)
    assert len(spot) >= 3 and all(o.data.locatie.coordinaten for o in spot)
    page = fixture_page
    page.goto(f"{url}?q={spot[0].data.locatie.postcode[:4]}&r=1")
    page.wait_for_function("Number(document.documentElement.dataset.bkReady || 0) >= 1")
    page.focus(f".bk-op-kaart[aria-label='Toon op de kaart: {spot[-1].data.titel}']")
    page.keyboard.press("Enter")
    page.wait_for_function("document.activeElement.closest('.bk-plek-lijst') !== null")
    marker = page.locator(f".bk-cluster[title^='{len(spot)} activiteiten op deze plek']")
    assert marker.count() == 1
    for offer in spot:  # no pin of its own next to the shared marker
        assert page.locator(f"img.leaflet-marker-icon[alt^='{offer.data.titel},']").count() == 0
    links = page.eval_on_selector_all(".bk-plek-lijst a", "els => els.map(a => a.href)")
    assert sorted(links) == sorted(f"{url}aanbod/{o.id}/" for o in spot)
    assert page.inner_text(".leaflet-popup").startswith(f"{len(spot)} activiteiten op deze plek")
    assert axe_violations(page) == []
    page.keyboard.press("Escape")
    page.wait_for_function("document.activeElement.classList.contains('bk-cluster')")
    page.wait_for_selector(".leaflet-popup", state="detached")


def test_offers_at_one_spot_are_one_marker_on_the_gemeente_map(fixture_page, imported_site):
    """The gemeente page's map: one keyboard marker per spot; Enter opens the list of links."""
    url, root, _result = imported_site
    spot = biggest_spot(root)
    offers = [o for o in load_catalogue([root / "offers"], today=TODAY).offers
              if o.gemeente == "Amsterdam"]
    spots = Counter((round(o.lat, 5), round(o.lon, 5)) for o in offers)
    page = fixture_page
    page.goto(f"{url}aanbod/amsterdam/kaart.html")
    page.wait_for_selector(".bk-plek")
    assert page.locator(".bk-plek[tabindex='0'][role=button]").count() == len(spots)
    shared = page.locator(".bk-plek[aria-label$='activiteiten op deze plek: open de lijst']")
    assert shared.count() == sum(1 for n in spots.values() if n > 1)
    marker = page.locator(f".bk-plek[aria-label='{len(spot)} activiteiten op deze plek: "
                          "open de lijst']")
    marker.focus()
    page.keyboard.press("Enter")
    page.wait_for_function("document.activeElement.closest('.leaflet-popup') !== null")
    links = page.eval_on_selector_all(".leaflet-popup-content a", "els => els.map(a => a.href)")
    assert sorted(links) == sorted(f"{url}aanbod/{o.id}/" for o in spot)
    assert axe_violations(page) == []
    page.keyboard.press("Escape")
    page.wait_for_function("document.activeElement.classList.contains('bk-plek')")
    page.goto(f"{url}aanbod/amsterdam/")
    assert axe_violations(page) == []
