"""Issue 12: the home map's first view, clustered at build time and drawn from the page itself
before the search data is in, then replaced by the browser's own clustering (headless Chromium).

The first view must be the one the browser computes: the same markers, with the same numbers,
names and positions, at every zoom the page holds; otherwise the map would jump when the data
arrives, or show counts that are not true.
"""

import json
import re

import pytest
from playwright.sync_api import expect

from generator.catalogue.load import load_catalogue
from generator.pipeline import build_site
from generator.site.first_view import MARK, first_view, home_page
from tests.browser import axe_violations

from .conftest import GOLDEN, ROOT, TODAY, served
from .test_browser import map_total, wait_ready

# What a user sees of each marker on the map: its name, its number, where it is on screen.
MARKERS = """() => [...document.querySelectorAll('#bk-kaart .leaflet-marker-icon')].map(e => {
    const r = e.getBoundingClientRect();
    return [e.getAttribute('aria-label') || e.getAttribute('title') || e.getAttribute('alt'),
            e.textContent, e.className.includes('bk-cluster'),
            Math.round(r.x + r.width / 2), Math.round(r.y + r.height / 2)];
  }).sort()"""

# The page's first view, and what this browser's clustering makes of the data, for every zoom
# the page holds (the same library and code the page uses, on the data file it fetches).
COMPUTED = """async () => {
    const pre = JSON.parse(document.getElementById('bk-eerste-kaart').textContent);
    const raw = await (await fetch('data/zoek.json')).json();
    const cfg = JSON.parse(document.getElementById('beweegkaart-config').textContent);
    const C = window.bkClusters, D = C.decode(raw);
    const index = C.build(Supercluster, D, D.all, cfg.maxZoom);
    const zooms = {};
    for (const z of Object.keys(pre.zooms)) {
      zooms[z] = C.items(index, [-180, -90, 180, 90], Number(z), cfg.maxZoom);
    }
    return [pre, {bounds: C.bounds(D, D.all), shard: raw.shard, zooms: zooms}];
  }"""

# Positions agree to this many degrees (about 0.1 mm): Node's and Chromium's V8 may round the
# last bits of supercluster's inverse projection (atan, exp) differently. Leaflet places markers
# on whole pixels, so the markers on screen are the same (the first test compares them).
SAME_PLACE = 1e-9


def assert_same_view(pre: dict, computed: dict) -> None:
    """The page's first view equals the browser's: the same bounds and, at every zoom, the
    same markers in the same order, each with the same offers (n, ids or pin), key and split
    zoom, at the same place (to SAME_PLACE)."""
    assert pre["bounds"] == computed["bounds"] and pre["shard"] == computed["shard"]
    assert pre["zooms"].keys() == computed["zooms"].keys()
    for zoom, items in pre["zooms"].items():
        live = computed["zooms"][zoom]
        assert [{k: v for k, v in i.items() if k not in ("lat", "lon")} for i in items] == \
            [{k: v for k, v in i.items() if k not in ("lat", "lon")} for i in live]
        for a, b in zip(items, live, strict=True):
            assert abs(a["lat"] - b["lat"]) < SAME_PLACE and abs(a["lon"] - b["lon"]) < SAME_PLACE


@pytest.fixture(scope="module")
def offers():
    """The offers the site shows."""
    catalogue = load_catalogue([ROOT / "offers"], today=TODAY)
    return [o for o in catalogue.offers if not o.expired(TODAY)]


def hold_data(page) -> list:
    """Keep the search data back (the routes held, to be let through later)."""
    held = []
    page.route("**/data/zoek.json", lambda route: held.append(route))
    return held


def release(held: list) -> None:
    """Let the held data requests through."""
    for route in held:
        route.continue_()


def clusters_source(page) -> str:
    """Where the map's markers came from: "page" (the first view) or "live" (the data)."""
    return page.evaluate("document.documentElement.dataset.bkClusters")


def test_first_view_is_drawn_before_the_data_and_stays_the_same(page, site_url, offers):
    """Without the search data, the map already shows every offer in clusters that are named
    and can be used; when the data is in, the live clusters are exactly those markers."""
    held = hold_data(page)
    page.goto(site_url)
    page.wait_for_selector("#bk-kaart .bk-cluster")
    assert held, "the search data was requested"
    assert clusters_source(page) == "page"
    assert page.evaluate("document.documentElement.dataset.bkReady") is None  # no data yet
    assert map_total(page) == len(offers)
    shown = page.evaluate(MARKERS)
    assert all(re.fullmatch(r"\d+ activiteiten(?: op deze plek)?: klik (?:om in te zoomen|voor "
                            r"de lijst)", name) for name, _n, cluster, _x, _y in shown if cluster)
    assert axe_violations(page) == []
    release(held)
    wait_ready(page)
    assert clusters_source(page) == "live"
    assert page.evaluate(MARKERS) == shown  # same names, numbers and places
    assert page.inner_text("#bk-aantal") == f"{len(offers)} activiteiten gevonden."


def test_precomputed_clusters_equal_the_browsers_at_every_zoom(page, site_url):
    """The first view in the page equals what supercluster in this browser makes of the data
    file: the bounds, and every item (position, offers, split zoom, ids) at each zoom held,
    including the zoom of this viewport (see assert_same_view)."""
    page.goto(site_url)
    wait_ready(page)
    pre, computed = page.evaluate(COMPUTED)
    assert_same_view(pre, computed)
    zooms = pre["zooms"]
    assert page.evaluate("document.querySelector('#bk-kaart').dataset.zoom") in zooms


def test_phone_gets_the_first_view_too(context_factory, site_url):
    """A phone's smaller map box has a lower first zoom: the page holds that one as well."""
    context = context_factory(viewport={"width": 360, "height": 740}, is_mobile=True,
                              has_touch=True)
    phone = context.new_page()
    held = hold_data(phone)
    phone.goto(site_url)
    phone.wait_for_selector("#bk-kaart .bk-cluster")
    assert clusters_source(phone) == "page"
    release(held)
    wait_ready(phone)
    assert clusters_source(phone) == "live"


FIRST_SOURCE = """
new MutationObserver(function () {
  const source = document.documentElement.dataset.bkClusters;
  if (source && !window.bkFirstSource) { window.bkFirstSource = source; }
}).observe(document, {subtree: true, attributes: true, attributeFilter: ['data-bk-clusters']});
"""


def test_a_search_in_the_link_never_shows_the_first_view(page, site_url, offers):
    """A shared link with a filter opens on its own results: the first view (every offer) is
    not drawn first, not even for a moment."""
    group = offers[0].data.doelgroepen[0]
    page.add_init_script(FIRST_SOURCE)
    page.goto(f"{site_url}?dg={group}")
    wait_ready(page)
    assert page.evaluate("window.bkFirstSource") == "live"
    wanted = sum(1 for o in offers if group in o.data.doelgroepen)
    assert map_total(page) == wanted < len(offers)


def test_zooming_in_before_the_data_is_kept(page, site_url):
    """A click on a first-view cluster zooms in at once; the data arriving later fills that
    view with live markers instead of jumping back to the whole country."""
    held = hold_data(page)
    page.goto(site_url)
    cluster = page.locator("#bk-kaart .bk-cluster").first
    before = int(page.locator("#bk-kaart").get_attribute("data-zoom"))
    cluster.click()
    page.wait_for_function(f"Number(document.querySelector('#bk-kaart').dataset.zoom) > {before}")
    zoom = page.locator("#bk-kaart").get_attribute("data-zoom")
    release(held)
    wait_ready(page)
    assert clusters_source(page) == "live"
    assert page.locator("#bk-kaart").get_attribute("data-zoom") == zoom
    assert page.locator("#bk-kaart .leaflet-marker-icon").count() >= 1


def test_without_a_first_view_the_data_draws_the_same_map(context_factory, page, site_url,
                                                          site_dir, offers):
    """A page without a first view (built without Node) still shows every offer, once the
    data is in, in the view and with the markers a page with a first view shows."""
    other = context_factory(viewport={"width": 1280, "height": 900}).new_page()
    other.goto(site_url)
    wait_ready(other)
    with_first_view = other.evaluate(MARKERS)
    html = (site_dir / "index.html").read_text("utf-8")
    plain = re.sub(r'(<script id="bk-eerste-kaart" type="application/json">).*?(</script>)',
                   r"\1null\2", html, flags=re.S)
    assert plain != html
    page.route(site_url, lambda route: route.fulfill(body=plain, content_type="text/html"))
    page.add_init_script(FIRST_SOURCE)
    page.goto(site_url)
    wait_ready(page)
    assert page.evaluate("window.bkFirstSource") == "live"
    assert map_total(page) == len(offers)
    assert page.evaluate(MARKERS) == with_first_view


@pytest.fixture(scope="module")
def tiny_site(tmp_path_factory):
    """The golden tests' three offers (two in Rotterdam, one in Maastricht), built and served:
    a first view with a pin of its own."""
    root = tmp_path_factory.mktemp("tiny")
    build_site(GOLDEN, root / "site", ROOT / "mkdocs.yml",
               today=TODAY, cache_dir=root / "cache")
    with served(root / "site") as url:
        yield url


def test_first_view_pins_are_named_and_open_before_the_data(browser, tiny_site):
    """A pin of the first view is named for its offer and opens its popup before the search
    data is in (the details come from their own file)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.route("**/*", lambda route: route.continue_()
                  if route.request.url.startswith(tiny_site) else route.abort())
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    held = hold_data(page)
    page.goto(tiny_site)
    pin = page.locator("#bk-kaart .leaflet-marker-icon:not(.bk-cluster)")
    expect(pin).to_have_attribute("title", "Aangepast zwemmen in de test, Zwembad Test")
    assert clusters_source(page) == "page"
    pin.click()
    expect(page.locator(".leaflet-popup-content a")).to_have_text("Aangepast zwemmen in de test")
    release(held)
    wait_ready(page)
    context.close()
    assert errors == []


def test_first_view_without_node_or_offers_is_null(monkeypatch, tmp_path):
    """No Node, or no offers: no first view (the page then draws from the data)."""
    empty = {"n": 0, "scale": 10_000, "shard": 256, "y": [], "x": []}
    assert first_view(empty, 19, tmp_path) == "null"
    monkeypatch.setattr("shutil.which", lambda name: None)
    one = {"n": 1, "scale": 10_000, "shard": 256, "y": [519_000], "x": [44_000]}
    assert first_view(one, 19, tmp_path) == "null"


def test_home_page_keeps_the_json_inside_its_script():
    """The first view goes into its placeholder, with no way to end the script early."""
    page = f"<main>{MARK}</main>"
    out = home_page(page, '{"a":"</script><b>"}')
    assert out == ('<main><script id="bk-eerste-kaart" type="application/json">'
                   '{"a":"\\u003c/script>\\u003cb>"}</script></main>')
    assert json.loads(out.split(">", 2)[2].rsplit("<", 2)[0]) == {"a": "</script><b>"}


@pytest.mark.parametrize("offers_at", [1, 3])
def test_first_view_of_a_single_spot(tmp_path, offers_at):
    """One spot (one offer, or several at one place): the view is that spot, up close."""
    from generator.site.first_view import SCRIPTS

    assets = tmp_path / "assets"
    for rel, source in zip(SCRIPTS, ("node_modules/supercluster/dist/supercluster.min.js",
                                     "generator/site/static/clusters.js"), strict=True):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes((ROOT / source).read_bytes())
    positions = {"n": offers_at, "scale": 10_000, "shard": 256,
                 "y": [519_000] + [0] * (offers_at - 1), "x": [44_000] + [0] * (offers_at - 1)}
    view = json.loads(first_view(positions, 19, assets.parent))
    assert view["bounds"] == [[51.9, 4.4], [51.9, 4.4]]
    (zoom, items), = view["zooms"].items()
    assert zoom == "14"  # fitBounds' maxZoom for one point
    item, = items
    assert item["n"] == offers_at and (item["lat"], item["lon"]) == (51.9, 4.4)
    assert item.get("ids", [item.get("i")]) == list(range(offers_at))
