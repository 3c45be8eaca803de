"""The municipal fixture end to end: imported, built, and searched in headless Chromium."""

import functools
import http.server
import re
import threading
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from generator.catalogue.load import load_catalogue
from generator.contrib.importer import import_spreadsheet
from generator.pipeline import build_site
from tests.browser import TILE_HOST, axe_violations

from .conftest import ROOT, TODAY, QuietHandler

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
    handler = functools.partial(QuietHandler, directory=str(root / "site"))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/", root, result
    server.shutdown()
    server.server_close()


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
    assert html.count("activiteiten op deze plek") == len(shared)
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

