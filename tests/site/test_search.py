"""Issue 13 in headless Chromium: place search, complaint tree, phone first, history, map, sheet."""

import csv
import re

import pytest
from geopy.distance import great_circle
from shapely.geometry import Point

from generator.catalogue.load import load_catalogue
from generator.catalogue.reference import REFERENCE_DIR, load_reference
from tests.browser import axe_violations

from .conftest import ROOT, TODAY

HILLESLUIS = "rotterdam/beweeggroep-ouderen-hillesluis"


@pytest.fixture(scope="module")
def offers():
    """The offers the site shows."""
    catalogue = load_catalogue([ROOT / "offers"], today=TODAY)
    return [o for o in catalogue.offers if not o.expired(TODAY)]


def wait_ready(page, count: int = 1):
    """Wait until the search page has applied its state `count` times since loading."""
    page.wait_for_function(f"Number(document.documentElement.dataset.bkReady || 0) >= {count}")


def applied(page):
    """How often the page has applied a search."""
    return page.evaluate("Number(document.documentElement.dataset.bkReady || 0)")


def search(page, text: str):
    """Type a place and press Enter; wait for the search to be applied."""
    before = applied(page)
    page.fill("#bk-q", text)
    page.press("#bk-q", "Enter")
    wait_ready(page, before + 1)


def listed_ids(page) -> list[str]:
    """Offer ids in the result list, in order."""
    return page.eval_on_selector_all("#bk-lijst > li", "els => els.map(e => e.dataset.id)")


def centre(page) -> tuple[float, float]:
    """The point the page searched around."""
    lat, lon = page.evaluate("document.documentElement.dataset.bkCentre").split(",")
    return float(lat), float(lon)


def cbs_point(kind: str, name: str, gemeente: str) -> tuple[float, float]:
    """A wijk's point straight from the CBS file (independent of the gazetteer code)."""
    column = "wijknaam" if kind == "wijk" else "buurtnaam"
    with (REFERENCE_DIR / f"cbs2014-{kind}en.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row[column].endswith(" " + name) and row["gemeentenaam"] == gemeente:
                return float(row["lat"]), float(row["lon"])
    raise AssertionError(f"{name} not in the CBS {kind} file")


def within(offers, point, km=10) -> list[str]:
    """Offer ids within km of point, nearest first."""
    near = [(great_circle(point, (o.lat, o.lon)).km, o.id) for o in offers]
    return [oid for d, oid in sorted(near) if d <= km]


@pytest.mark.parametrize("typed, wijk, shown", [
    ("Delfshaven", "Delfshaven", "Delfshaven, Rotterdam"),
    ("Feijenoord", "Feijenoord", "Feijenoord, Rotterdam"),
    ("delfshavn", "Delfshaven", "Delfshaven, Rotterdam"),  # a typo
    ("DELFSHAVEN", "Delfshaven", "Delfshaven, Rotterdam"),
    ("Wijk 03 Delfshaven", "Delfshaven", "Delfshaven, Rotterdam"),
])
def test_wijk_names_find_the_right_place(page, site_url, offers, typed, wijk, shown):
    """A Rotterdam wijk, typed as people type it, centres the search on that wijk."""
    page.goto(site_url)
    wait_ready(page)
    search(page, typed)
    point = cbs_point("wijk", wijk, "Rotterdam")
    assert great_circle(centre(page), point).km < 0.1
    expected = within(offers, point)
    assert page.inner_text("#bk-aantal") == (
        f"{len(expected)} activiteiten gevonden binnen 10 km van {shown}.")
    assert listed_ids(page)[:3] == expected[:3]
    assert page.get_attribute("#bk-q", "aria-invalid") is None
    if typed == "delfshavn":
        assert page.inner_text("#bk-q-hulp") == f"Bedoel je {shown}? We zoeken daar."


def test_den_haag_is_the_hague(page, site_url, offers):
    """'Den Haag' (not the official name) is found; no offers there: a clear way further out."""
    page.goto(site_url)
    wait_ready(page)
    search(page, "Den Haag")
    hague = next(g for code, name, g in load_reference().gemeente_shapes if name == "'s-Gravenhage")
    lat, lon = centre(page)
    assert hague.contains(Point(lon, lat))
    assert page.inner_text("#bk-aantal") == "Geen activiteiten gevonden binnen 10 km van Den Haag."
    assert within(offers, (lat, lon)) == []
    assert page.is_visible("#bk-leeg")
    page.click("#bk-leeg-tips button:has-text('binnen 25 km')")
    wait_ready(page, 3)
    assert listed_ids(page)[:2] == within(offers, (lat, lon), 25)[:2]
    assert page.evaluate("document.activeElement.id") == "bk-aantal"  # focus kept meaningful


def test_unknown_postcode_clear_message_no_stale_count(page, site_url):
    """A postcode that does not exist: a clear message, no count and no old results."""
    page.goto(site_url)
    wait_ready(page)
    search(page, "3072 AB")
    assert re.match(r"\d+ activiteiten gevonden binnen 10 km van postcode 3072\.$",
                    page.inner_text("#bk-aantal"))
    search(page, "1234 XY")  # a placeholder row in the source table (Lemiers), removed
    message = "Postcode 1234 bestaat niet. Kijk of de cijfers kloppen, of typ je woonplaats."
    assert page.inner_text("#bk-q-fout") == message
    assert page.inner_text("#bk-aantal") == message
    assert page.get_attribute("#bk-q", "aria-invalid") == "true"
    assert listed_ids(page) == []
    assert page.locator("#bk-kaart .leaflet-marker-icon").count() == 0
    search(page, "123")
    assert "4 cijfers en 2 letters" in page.inner_text("#bk-aantal")
    assert not re.search(r"\d+ activiteit", page.inner_text("#bk-aantal"))


def test_9999_gives_a_clear_message_and_no_count(page, site_url):
    """9999 is Stitswerd (Groningen): the placeholder rows are gone, the real one says clearly
    that nothing is near, without a number."""
    page.goto(site_url)
    wait_ready(page)
    search(page, "3072")
    search(page, "9999")
    text = page.inner_text("#bk-aantal")
    assert text == "Geen activiteiten gevonden binnen 10 km van postcode 9999."
    assert not re.search(r"\d+ activiteit", text)
    lat, lon = centre(page)
    assert lat > 53.3  # in the far north, not in Roermond, Someren, Rotterdam or Zwolle
    assert listed_ids(page) == []


def test_pc6_is_its_pc4(page, site_url):
    """3072 AB searches from postcode 3072."""
    page.goto(site_url)
    wait_ready(page)
    search(page, "3072AB")
    six = listed_ids(page)
    search(page, "3072")
    assert listed_ids(page) == six and six


def test_suggestions_combobox_by_keyboard(page, site_url):
    """Suggestions as you type (ARIA 1.2 combobox): arrows, Enter chooses, Escape closes."""
    page.goto(site_url)
    wait_ready(page)
    page.focus("#bk-q")
    page.keyboard.type("delfsh")
    page.wait_for_selector("#bk-q-lijst [role=option]")
    field = page.locator("#bk-q")
    assert field.get_attribute("role") == "combobox"
    assert field.get_attribute("aria-expanded") == "true"
    assert field.get_attribute("aria-controls") == "bk-q-lijst"
    options = page.locator("#bk-q-lijst [role=option]").all_inner_texts()
    assert any(o.startswith("Delfshaven") and "wijk in Rotterdam" in o for o in options)
    page.wait_for_function("document.getElementById('bk-q-status').textContent.includes('suggestie')")
    assert axe_violations(page) == []
    target = next(i for i, o in enumerate(options) if o.startswith("Delfshaven"))
    for _ in range(target + 1):
        page.keyboard.press("ArrowDown")
    active = field.get_attribute("aria-activedescendant")
    assert page.get_attribute(f"#{active}", "aria-selected") == "true"
    page.keyboard.press("Enter")
    wait_ready(page, 2)
    assert field.input_value() == "Delfshaven, Rotterdam"
    assert field.get_attribute("aria-expanded") == "false"
    assert "van Delfshaven, Rotterdam" in page.inner_text("#bk-aantal")
    page.keyboard.type("x")
    page.keyboard.press("Escape")
    assert page.locator("#bk-q-lijst").is_hidden()


def test_complaints_tree_and_several_at_once(page, site_url, offers):
    """Knieklachten + artrose together, and the broad term alone, both find Hillesluis."""
    page.goto(site_url)
    wait_ready(page)
    page.check("#bk-dg input[value='knieklachten']")
    wait_ready(page, 2)
    knee = set(listed_ids(page))
    assert HILLESLUIS not in knee  # it lists artrose, not knieklachten
    page.check("#bk-dg input[value='artrose']")
    wait_ready(page, 3)
    both = set(listed_ids(page))
    assert HILLESLUIS in both and knee <= both
    assert "dg=artrose%2Cknieklachten" in page.url  # both in the shareable link
    page.uncheck("#bk-dg input[value='knieklachten']")
    page.uncheck("#bk-dg input[value='artrose']")
    page.check("#bk-dg input[value='gewrichtsklachten']")
    wait_ready(page, 6)
    broad = set(listed_ids(page))
    narrower = {"artrose", "reuma", "knieklachten", "heupklachten", "rug- en nekklachten",
                "chronische pijn", "gewrichtsklachten"}
    assert HILLESLUIS in broad
    assert broad == {o.id for o in offers if narrower & set(o.data.doelgroepen)}
    label = page.inner_text("#bk-dg input[value='gewrichtsklachten'] + label")
    assert label == f"gewrichtsklachten ({len(broad)})"
    assert page.inner_text("#bk-filters-actief") == "(1 actief)"
    # the narrower terms sit under their broad term
    order = page.eval_on_selector_all("#bk-dg input", "els => els.map(e => e.value)")
    assert order.index("artrose") == order.index("gewrichtsklachten") + 1


def test_phone_search_shows_the_count(context_factory, site_url):
    """On a 360x740 phone the result count is in view and focused after 'Zoeken'."""
    context = context_factory(viewport={"width": 360, "height": 740}, is_mobile=True,
                              has_touch=True)
    page = context.new_page()
    page.goto(site_url)
    wait_ready(page)
    assert not page.locator("#bk-filters").evaluate("d => d.open")  # filters folded away
    page.fill("#bk-q", "Feijenoord")
    page.tap("#bk-zoek")
    wait_ready(page, 2)
    box = page.locator("#bk-aantal").bounding_box()
    assert box["y"] >= 0 and box["y"] + box["height"] <= 740
    assert page.evaluate("document.activeElement.id") == "bk-aantal"
    first = page.locator("#bk-lijst > li").first.bounding_box()
    assert first["y"] < 740  # the first result starts on screen
    # a filter in the panel, then "Toon de resultaten"
    page.evaluate("window.scrollTo(0, 0)")
    page.tap("#bk-filters > summary")
    page.tap("#bk-dg input[value='ouderen'] + label")
    wait_ready(page, 3)
    assert page.inner_text("#bk-filters-actief") == "(1 actief)"
    assert axe_violations(page) == []
    page.tap("#bk-toon")
    box = page.locator("#bk-aantal").bounding_box()
    assert box["y"] >= 0 and box["y"] + box["height"] <= 740
    assert not page.locator("#bk-filters").evaluate("d => d.open")
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 360


def test_one_history_entry_per_search(page, site_url):
    """Arrow keys in a dropdown, typing and suggestions add no entries; each commit adds one."""
    page.goto(site_url)
    wait_ready(page)
    start = page.evaluate("history.length")
    search(page, "3072")
    assert page.evaluate("history.length") == start + 1
    page.focus("#bk-act")
    for _ in range(4):  # four arrow keys: four live updates, one history entry
        before = applied(page)
        page.keyboard.press("ArrowDown")
        wait_ready(page, before + 1)
    assert page.evaluate("history.length") == start + 2
    page.focus("#bk-q")
    page.keyboard.type("Rotter")  # typing and suggestions: nothing yet
    assert page.evaluate("history.length") == start + 2
    before = applied(page)
    page.check("#bk-dag-0")
    wait_ready(page, before + 1)
    assert page.evaluate("history.length") == start + 3
    page.go_back()
    wait_ready(page, before + 2)
    assert not page.is_checked("#bk-dag-0")


def test_scroll_restored_on_back(page, site_url):
    """Back from an offer page returns to the same place in the result list."""
    page.goto(site_url + "?r=0")
    wait_ready(page)
    item = page.locator("#bk-lijst > li").nth(12)
    item.scroll_into_view_if_needed()
    page.wait_for_timeout(400)  # the position is saved while scrolling
    y = page.evaluate("window.scrollY")
    assert y > 1000
    item.locator("h3 a").click()
    page.wait_for_url("**/aanbod/**")
    page.go_back()
    wait_ready(page)
    page.wait_for_function(f"Math.abs(window.scrollY - {y}) < 50")


def test_map_wheel_controls_and_names(page, site_url):
    """The wheel scrolls the page until a click or Ctrl; Dutch controls; named pins and clusters."""
    page.goto(site_url + "?q=3083&r=2")
    wait_ready(page)
    assert page.get_attribute(".leaflet-control-zoom-in", "title") == "Inzoomen"
    assert page.get_attribute(".leaflet-control-zoom-out", "title") == "Uitzoomen"
    zoom = "Number(document.getElementById('bk-kaart').dataset.zoom)"
    before = page.evaluate(zoom)
    page.mouse.move(640, page.locator("#bk-kaart").bounding_box()["y"] + 150)
    page.mouse.wheel(0, -300)
    page.wait_for_timeout(400)
    assert page.evaluate(zoom) == before  # the page scrolled, the map did not zoom
    page.keyboard.down("Control")
    page.mouse.wheel(0, -100)
    page.keyboard.up("Control")
    page.wait_for_function(f"{zoom} > {before}")
    pins = "#bk-kaart .leaflet-marker-icon:not(.bk-cluster)"
    page.wait_for_function(f"""() => [...document.querySelectorAll('{pins}')]
        .every(e => !e.alt.includes('geladen'))""")
    names = page.eval_on_selector_all(pins, "els => els.map(e => e.alt)")
    assert "Walking football voor 55-plussers, Sportpark Charlois, veld 3" in names
    clusters = page.eval_on_selector_all("#bk-kaart .bk-cluster",
                                         "els => els.map(e => e.getAttribute('aria-label'))")
    assert all(re.fullmatch(r"\d+ activiteiten: klik om in te zoomen", c) for c in clusters)
    # the controls stay under the sticky header
    assert page.evaluate("""() => {
        const z = e => Number(getComputedStyle(e).zIndex) || 0;
        const header = document.querySelector('.md-header');
        return z(document.getElementById('bk-kaart')) < z(header); }""")


def test_advice_sheet_new_advice_print_and_idle(page, site_url):
    """'Nieuw advies' empties the sheet; so do printing and 15 minutes without use."""
    ids = [HILLESLUIS, "rotterdam/walking-football-charlois", "maastricht/aangepast-zwemmen-scharn"]
    page.goto(site_url)
    wait_ready(page)
    page.evaluate("ids => bkAdvies.save(ids)", ids)
    page.goto(site_url + "beweegadvies/")
    page.wait_for_function("document.documentElement.dataset.bkAdvies === '3'")
    sheet = page.inner_text("#bk-advies")
    assert "Stadspas: Met de Rotterdampas is meedoen gratis." in sheet
    assert "Meer Bewegen voor Ouderen (MBvO), EHBO" in sheet
    assert "Zwemkleding, een handdoek en slippers." in sheet
    page.emulate_media(media="print")
    smallest = page.evaluate("""() => Math.min(...[...document.querySelectorAll(
        '.md-content p, .md-content dt, .md-content dd, .md-content li, .md-content strong')]
        .filter(e => e.offsetParent !== null && e.textContent.trim())
        .map(e => parseFloat(getComputedStyle(e).fontSize)))""")
    assert smallest * 0.75 >= 12  # every printed text at least 12 pt
    pdf = page.pdf(format="A4", print_background=True)
    assert len(re.findall(rb"/Type\s*/Page(?!s)", pdf)) == 1  # three offers, one A4 page
    page.emulate_media(media="screen")
    # printing fired afterprint: the picks are gone from the page, the URL and the storage
    page.wait_for_function("document.documentElement.dataset.bkAdvies === '0'")
    assert page.evaluate("bkAdvies.load()") == []
    assert page.inner_text("#bk-advies") == ""
    assert "afgedrukt en van dit apparaat gewist" in page.inner_text("#bk-advies-melding")
    page.reload()
    page.wait_for_function("document.documentElement.dataset.bkAdvies === '0'")
    # "Nieuw advies"
    page.evaluate("ids => bkAdvies.save(ids)", ids[:2])
    page.goto(site_url + "beweegadvies/?id=" + ids[0])
    page.wait_for_function("document.documentElement.dataset.bkAdvies === '1'")
    page.click("button:has-text('Nieuw advies')")
    assert page.evaluate("document.documentElement.dataset.bkAdvies") == "0"
    assert "?" not in page.url and page.evaluate("bkAdvies.load()") == []
    assert page.inner_text("#bk-advies") == ""
    assert axe_violations(page) == []
    # idle: picks older than 15 minutes are not shown
    page.evaluate("""ids => localStorage.setItem('beweegkaart.beweegadvies',
        JSON.stringify({ids: ids, at: Date.now() - 16 * 60000}))""", ids)
    page.goto(site_url)
    wait_ready(page)
    assert page.evaluate("bkAdvies.load()") == []
    assert page.locator("[data-advies-link]").is_hidden()


@pytest.mark.parametrize("path", ["?q=Feijenoord&dg=gewrichtsklachten", "beweegadvies/",
                                  "voor-aanbieders/", "doelgroep/gewrichtsklachten/"])
def test_changed_pages_accessible(page, site_url, path):
    """axe-core finds no WCAG 2.1 A/AA violation on the pages this issue changed."""
    page.goto(site_url + path)
    if path.startswith("?"):
        wait_ready(page)
    assert axe_violations(page) == []


def test_voor_aanbieders_plain_dutch_with_screenshots(site_dir, browser, tmp_path):
    """Admonitions are rendered, jargon is explained, the editor's steps are shown as images."""
    from .editor_mock import OUT, pages, take_editor_screenshots

    text = (site_dir / "voor-aanbieders" / "index.html").read_text("utf-8")
    assert "!!!" not in text
    assert text.count('<div class="admonition ') == 2  # tip and warning
    plain = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", text))
    for explained in ["GitHub: een website waar je teksten samen kunt bijhouden",
                      "(GitHub noemt dat een pull request)", "AED in de buurt (een apparaat",
                      "Markdown gebruiken: een eenvoudige manier"]:
        assert explained in plain
    images = re.findall(r'<img alt="([^"]+)" src="([^"]+)"', text)
    assert len(images) == 4 and all(alt.startswith("Stap ") for alt, _src in images)
    for _alt, src in images:
        assert (site_dir / "voor-aanbieders" / src).is_file()
    assert sorted(p.name for p in OUT.glob("*.png")) == sorted(pages())
    fresh = take_editor_screenshots(browser, tmp_path)
    assert [p.name for p in fresh] == list(pages())
    assert all(p.stat().st_size > 5_000 for p in fresh)


def test_focus_stays_meaningful_after_map_actions(page, site_url):
    """'Toon op de kaart' focuses the pin (popup open); a cluster's click focuses the map."""
    page.goto(site_url + "?q=3083&r=2")
    wait_ready(page)
    first = page.locator("#bk-lijst > li").first
    title = first.locator("h3").inner_text()
    first.locator(".bk-op-kaart").click()
    page.wait_for_function("document.activeElement.classList.contains('leaflet-marker-icon')")
    assert page.evaluate("document.activeElement.alt").startswith(title + ", ")
    assert page.locator(".leaflet-popup").count() == 1
    page.goto(site_url + "?r=0")
    wait_ready(page)
    cluster = page.locator("#bk-kaart .bk-cluster").first
    cluster.focus()
    page.keyboard.press("Enter")
    page.wait_for_function("document.activeElement.id === 'bk-kaart'")


def test_broad_term_index_page_lists_narrower_terms(site_dir, offers):
    """Without JavaScript, the page for 'gewrichtsklachten' lists the artrose group too."""
    text = (site_dir / "doelgroep" / "gewrichtsklachten" / "index.html").read_text("utf-8")
    assert 'href="../../aanbod/' + HILLESLUIS + '/"' in text
