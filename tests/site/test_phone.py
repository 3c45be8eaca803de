"""Phone-first behaviour in Chromium: the form paints before the map and list are filled, the
advice sheet does not shift, photos keep their place, stacked offers share one marker."""

import shutil

import pytest

from generator.pipeline import build_site
from tests.browser import axe_violations

from .conftest import GOLDEN, ROOT, TODAY, served

PHONE = {"viewport": {"width": 412, "height": 823}, "is_mobile": True, "has_touch": True}
SHIFTS = """window.__shifts = [];
new PerformanceObserver(list => { for (const e of list.getEntries()) {
  if (!e.hadRecentInput) { window.__shifts.push(e.value); } } })
  .observe({type: "layout-shift", buffered: true});"""


@pytest.fixture
def phone(context_factory):
    """A phone-sized page that records layout shifts."""
    context = context_factory(**PHONE)
    page = context.new_page()
    page.add_init_script(SHIFTS)
    yield page
    assert context.bk_requests.foreign == []


FRAME_MS = 1000 / 60


def test_form_paints_before_the_map_and_list_are_filled(phone, site_url):
    """The search starts only after the first contentful paint (nothing blocks the form)."""
    phone.goto(site_url)
    phone.wait_for_function("Number(document.documentElement.dataset.bkReady || 0) >= 1")
    paint, start = phone.evaluate("""() => [
        performance.getEntriesByName('first-contentful-paint')[0].startTime,
        performance.getEntriesByName('bk-start')[0].startTime]""")
    # The first paint's time is when the compositor showed the frame, which can be a fraction
    # of a millisecond after the main thread went on to the next task; a search that ran
    # before the paint would have held it back by its whole first task (100 ms and more).
    assert start >= paint - FRAME_MS
    head = phone.evaluate("[...document.head.querySelectorAll('script[src], link[rel=stylesheet]')]"
                          ".map(e => e.src || e.href)")
    assert not [u for u in head if "leaflet" in u]  # no map code or styles before the form


def test_advice_sheet_does_not_shift(phone, site_url, site_dir):
    """Three offers on the sheet: it fills without moving anything in view (CLS 0)."""
    ids = sorted(p.parent.relative_to(site_dir / "aanbod").as_posix()
                 for p in (site_dir / "aanbod").glob("*/*/index.html"))[:3]
    phone.goto(site_url + "beweegadvies/?" + "&".join(f"id={i}" for i in ids))
    phone.wait_for_function("document.documentElement.dataset.bkAdvies === '3'")
    phone.wait_for_timeout(300)
    assert sum(phone.evaluate("window.__shifts")) < 0.01
    assert phone.locator(".bk-advies-notitie").is_visible()
    assert axe_violations(phone) == []


def test_photos_have_their_size(site_dir):
    """Every photo on an offer page says how big it is, so text does not jump when it loads."""
    from bs4 import BeautifulSoup

    images = [img for page in (site_dir / "aanbod").glob("*/*/index.html")
              for img in BeautifulSoup(page.read_text("utf-8"), "html.parser").select("img")]
    assert images
    assert all(img.get("width", "").isdigit() and img.get("height", "").isdigit()
               for img in images)


def test_offer_pages_are_light(site_dir):
    """Offer pages share the theme's files and carry a small chrome (under 3.5 KB around the
    article; the article itself is the offer's own text and data)."""
    pages = [p.read_text("utf-8") for p in (site_dir / "aanbod").glob("*/*/index.html")]
    for page in pages:
        start, end = page.index("<article"), page.index("</article>")
        assert len(page[:start].encode()) + len(page[end:].encode()) <= 3.5 * 1024
        assert "md-sidebar" not in page and "md-tabs" not in page  # one short menu instead
        assert "bundle." not in page  # no theme script on light pages


@pytest.fixture(scope="module")
def stacked(tmp_path_factory):
    """The golden offers plus a second offer at exactly the same spot, built and served."""
    root = tmp_path_factory.mktemp("stacked")
    offers = root / "offers"
    shutil.copytree(GOLDEN, offers)
    twin = offers / "rotterdam" / "stoelyoga-tweede.yaml"
    twin.write_text((offers / "rotterdam" / "stoelyoga-test.yaml").read_text("utf-8")
                    .replace("Stoelyoga in de test", "Tweede stoelyoga"), encoding="utf-8")
    build_site(offers, root / "site", ROOT / "mkdocs.yml", today=TODAY, cache_dir=root / "cache")
    with served(root / "site") as url:
        yield url


def test_offers_at_one_spot_open_a_list(browser, stacked):
    """At the deepest zoom two offers at one spot are one marker; it opens a list of both."""
    context = browser.new_context(locale="nl-NL", **PHONE)
    context.route("**/*", lambda r: r.continue_() if r.request.url.startswith(stacked)
                  else r.abort())
    page = context.new_page()
    page.goto(stacked)
    page.wait_for_function("Number(document.documentElement.dataset.bkReady || 0) >= 1")
    spot = page.locator(".bk-cluster[title^='2 activiteiten op deze plek']")
    for _ in range(14):  # zoom in on the pair until clusters cannot split it any more
        if spot.count():
            break
        page.locator(".bk-cluster").first.click()
        page.wait_for_timeout(150)
    assert spot.count() == 1
    spot.click()
    links = page.locator(".bk-plek-lijst a")
    links.first.wait_for()
    assert sorted(links.all_text_contents()) == ["Stoelyoga in de test", "Tweede stoelyoga"]
    context.close()


def test_show_on_map_opens_the_list_of_a_shared_spot(browser, stacked):
    """'Toon op de kaart' for an offer that shares its spot focuses that spot's one marker,
    which counts both offers and lists them."""
    context = browser.new_context(locale="nl-NL", **PHONE)
    context.route("**/*", lambda r: r.continue_() if r.request.url.startswith(stacked)
                  else r.abort())
    page = context.new_page()
    page.goto(stacked + "?r=0")
    page.wait_for_function("Number(document.documentElement.dataset.bkReady || 0) >= 1")
    item = page.locator("#bk-lijst > li", has_text="Tweede stoelyoga")
    item.locator(".bk-op-kaart").click()
    links = page.locator(".leaflet-popup .bk-plek-lijst a")
    links.first.wait_for()
    assert sorted(links.all_text_contents()) == ["Stoelyoga in de test", "Tweede stoelyoga"]
    spot = page.locator(".bk-cluster[title='2 activiteiten op deze plek: klik voor de lijst']")
    assert spot.count() == 1
    # the focus is on that marker, or (once the list is filled) on the list's first link
    assert page.evaluate("""() => document.activeElement.classList.contains('bk-cluster')
        || !!document.activeElement.closest('.bk-plek-lijst')""")
    context.close()
