"""The built example site: pages, privacy, origins, JSON-LD, sitemap, expiry and failed builds."""

import datetime as dt
import gzip
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup

from generator.catalogue.load import load_catalogue
from generator.pipeline import BuildError, build_site

from .conftest import ROOT, TILE_HOST, TODAY

TEXT_SUFFIXES = {".html", ".js", ".css", ".json", ".xml", ".csv", ".geojson", ".jsonld", ".txt",
                 ".svg", ".map"}
COMPRESSED_SUFFIX = ".gz"  # the big open-data downloads: read uncompressed
# URLs that appear as plain text inside vendor scripts, never fetched: namespaces and docs links.
# The theme bundle names a few URLs it fetches only for features this site does not use: repo
# facts (only with `repo_url`), mermaid diagrams (none here) and a ResizeObserver polyfill (only
# for browsers without ResizeObserver). Leaflet's default attribution prefix links to its home page
# (a link; we replace the prefix). The browser tests check that none is requested.
JS_TEXT_URLS = re.compile(r"^https?://(www\.w3\.org/|leafletjs\.com$|\$\{|api\.github\.com/(repos|users)/\$\{|"
                          r"unpkg\.com/mermaid@|unpkg\.com/resize-observer-polyfill$)")


@pytest.fixture(scope="session")
def catalogue():
    """The example catalogue, loaded as the build loads it."""
    return load_catalogue([ROOT / "offers"], today=TODAY)


@pytest.fixture(scope="session")
def visible(catalogue):
    """Offers the site shows (not expired)."""
    return [o for o in catalogue.offers if not o.expired(TODAY)]


def text_files(site_dir: Path):
    """Every text file in the built site with its content."""
    for path in site_dir.rglob("*"):
        if path.is_file() and path.suffix in TEXT_SUFFIXES:
            yield path, path.read_text(encoding="utf-8", errors="replace")
        elif path.is_file() and path.suffix == COMPRESSED_SUFFIX:
            yield path, gzip.decompress(path.read_bytes()).decode("utf-8", errors="replace")


def test_examples_exist(visible):
    """The example catalogue is not empty (the other tests would prove nothing)."""
    assert len(visible) >= 10


def test_every_offer_has_its_page(site_dir, visible):
    """/aanbod/<gemeente>/<slug>/ exists for each offer, with its title and photos."""
    for offer in visible:
        page = site_dir / "aanbod" / offer.id / "index.html"
        assert page.is_file(), offer.id
        html = page.read_text(encoding="utf-8")
        soup = BeautifulSoup(html, "html.parser")
        assert soup.h1.get_text(strip=True) == offer.data.titel
        assert soup.title.get_text().startswith(offer.data.titel)
        for photo in offer.data.fotos:
            assert (page.parent / photo.bestand).is_file()
            assert soup.find("img", src=photo.bestand)["alt"] == photo.alt


def test_offer_page_content(site_dir, visible):
    """Buttons go to the referral app with the offer id, only for offers that take referrals."""
    for offer in visible:
        soup = BeautifulSoup((site_dir / "aanbod" / offer.id / "index.html").read_text("utf-8"),
                             "html.parser")
        hrefs = [a["href"] for a in soup.find_all("a", href=True)]
        refer, signup = f"/app/verwijzen/{offer.id}", f"/app/aanmelden/{offer.id}"
        assert (refer in hrefs and signup in hrefs) == offer.accepts_referrals(), offer.id
        assert any(h.endswith(f"offers/{offer.id}.yaml") for h in hrefs), "edit link"
        assert any(h.startswith("mailto:beheer@") for h in hrefs), "curator link"
        text = soup.get_text(" ")
        assert "Laatst gecontroleerd op" in text
        assert offer.data.locatie.adres in text
        details = json.loads(soup.find(id="aanbod-gegevens").string)
        assert details["id"] == offer.id


def test_no_private_field_anywhere(site_dir, catalogue):
    """Referral inboxes (the private `verwijzen` block) never reach the built site."""
    secrets = {o.data.verwijzen.email for o in catalogue.offers
               if o.data.verwijzen and o.data.verwijzen.email}
    public = {o.data.aanbieder.email for o in catalogue.offers if o.data.aanbieder.email}
    secrets -= public  # a provider may publish the same address on purpose
    assert secrets, "the examples should have private referral addresses"
    for path, text in text_files(site_dir):
        for secret in secrets:
            assert secret not in text, f"{secret} in {path}"
        if path.name != "aanbod.schema.json":  # the schema describes the field, holds no data
            assert '"verwijzen"' not in text, path


def _fetched_urls(path: Path, text: str) -> list[str]:
    """URLs a browser would fetch from this file (not plain links)."""
    if path.suffix == ".html":
        soup = BeautifulSoup(text, "html.parser")
        urls = [t.get("src") for t in soup.find_all(src=True)]
        urls += [t.get("href") for t in soup.find_all("link", href=True)
                 if "canonical" not in (t.get("rel") or [])]
        urls += [u.split()[0] for t in soup.find_all(srcset=True) for u in t["srcset"].split(",")]
        urls += re.findall(r"url\(\s*['\"]?([^'\")]+)", text)
        return urls
    if path.suffix == ".css":
        return (re.findall(r"url\(\s*['\"]?([^'\")]+)", text)
                + re.findall(r"@import\s+['\"]([^'\"]+)", text))
    if path.suffix == ".js":
        code = re.sub(r"/\*[\s\S]*?\*/|^\s*//.*$", "", text, flags=re.MULTILINE)
        urls = re.findall(r"https?://[^\s'\"`)<>\\]+", code)
        return [u for u in urls if not JS_TEXT_URLS.match(u)]
    return []


def test_no_other_origin(site_dir):
    """No page, script or stylesheet loads anything from another origin except the tiles."""
    bad = []
    for path, text in text_files(site_dir):
        for url in _fetched_urls(path, text):
            host = urlsplit(url).netloc
            if url.startswith(("http://", "https://", "//")) and host != TILE_HOST:
                bad.append((str(path.relative_to(site_dir)), url))
    assert bad == []
    home = (site_dir / "index.html").read_text("utf-8")
    config = json.loads(BeautifulSoup(home, "html.parser").find(id="beweegkaart-config").string)
    assert config["tiles"] == ("https://service.pdok.nl/brt/achtergrondkaart/wmts/v2_0/standaard/"
                               "EPSG:3857/{z}/{x}/{y}.png")
    assert config["attribution"] == "Kaartgegevens © Kadaster"
    assert "fonts.googleapis.com" not in home


def test_jsonld_once_per_offer_in_the_open_data(site_dir, visible):
    """The OpenActive items are published once, in the open data: one per visible offer; the
    offer pages do not repeat them (at 50,000 offers that copy alone was 85 MB)."""
    items = json.loads(gzip.decompress((site_dir / "open-data" / "aanbod.jsonld.gz").read_bytes()))
    by_id = {item["identifier"]: item for item in items}
    assert sorted(by_id) == sorted(o.id for o in visible)
    for offer in visible:
        item = by_id[offer.id]
        # weekly times: a SessionSeries; by appointment only: an EventSeries (no schedule)
        assert item["@type"] == ("SessionSeries" if offer.data.rooster else "EventSeries")
        assert item["url"].endswith(f"/aanbod/{offer.id}/")
        page = (site_dir / "aanbod" / offer.id / "index.html").read_text("utf-8")
        assert "application/ld+json" not in page


def test_sitemap_lists_every_page(site_dir):
    """sitemap.xml names every page of the site (all index.html files), and nothing missing."""
    sitemap = (site_dir / "sitemap.xml").read_text("utf-8")
    listed = set(re.findall(r"<loc>https://beweegkaart\.example\.org/([^<]*)</loc>", sitemap))
    pages = {str(p.parent.relative_to(site_dir)) + "/" for p in site_dir.rglob("index.html")}
    pages = {"" if p == "./" else p for p in pages}
    assert pages == listed
    assert not (site_dir / "sjabloon").exists()


def test_index_pages_without_javascript(site_dir, visible):
    """Per gemeente, activity and target group, plain links to every offer."""
    for offer in visible:
        for index in (f"aanbod/{offer.gemeente_slug}", f"activiteit/{offer.data.activiteiten[0]}"):
            html = (site_dir / index / "index.html").read_text("utf-8")
            soup = BeautifulSoup(html, "html.parser")
            assert soup.find("a", href=f"../../aanbod/{offer.id}/"), (index, offer.id)
    for page in ("404.html", "privacy/index.html", "over-de-gegevens/index.html",
                 "doelgroep/index.html", "activiteit/index.html", "aanbod/index.html"):
        assert (site_dir / page).is_file(), page


def test_open_data_linked(site_dir):
    """The data sources page links the open-data downloads, and they exist."""
    soup = BeautifulSoup((site_dir / "over-de-gegevens" / "index.html").read_text("utf-8"),
                         "html.parser")
    links = [a["href"] for a in soup.find_all("a", href=True) if "open-data/" in a["href"]]
    assert len(links) >= 4
    for href in links:
        assert (site_dir / "over-de-gegevens" / href).resolve().is_file(), href
    text = soup.get_text(" ")
    for source in ("GeoNames", "OpenActive", "Kadaster", "CBS", "PDOK", "CC BY 4.0"):
        assert source in text


def test_search_data_is_compact(site_dir, visible):
    """The home page's data file holds every visible offer in a few bytes each."""
    data = json.loads((site_dir / "data" / "zoek.json").read_text("utf-8"))
    assert data["n"] == len(visible)
    assert all(len(data[c]) == len(visible) for c in "yxagtkflj")
    shards = sorted((site_dir / "data" / "details").glob("*.json"))
    ids = [r["id"] for s in shards for r in json.loads(s.read_text("utf-8"))]
    assert sorted(ids) == sorted(o.id for o in visible)


def test_print_stylesheet_hides_navigation_and_maps(site_dir):
    """One print stylesheet, loaded on every page, hides navigation and interactive maps."""
    css = (site_dir / "assets" / "beweegkaart" / "site.css").read_text("utf-8")
    block = css[css.index("@media print"):]
    for selector in (".md-header", ".md-tabs", ".md-sidebar", ".leaflet-container", ".bk-kaart"):
        assert selector in block
    for page in site_dir.rglob("index.html"):
        assert "assets/beweegkaart/site.css" in page.read_text("utf-8"), page


def test_expired_offers_are_left_out(tmp_path, catalogue):
    """An offer past its 'geldig_tot' date gets no page and is not in the search data."""
    later = max(o.data.controle.geldig_tot for o in catalogue.offers if o.data.controle.geldig_tot)
    today = later + dt.timedelta(days=1)
    build_site(ROOT / "offers", tmp_path / "site", ROOT / "mkdocs.yml", today=today)
    expired = [o for o in catalogue.offers if o.expired(today)]
    assert expired
    for offer in expired:
        assert not (tmp_path / "site" / "aanbod" / offer.id).exists()
    data = json.loads((tmp_path / "site" / "data" / "zoek.json").read_text("utf-8"))
    assert data["n"] == len(catalogue.offers) - len(expired)


def test_build_stops_on_invalid_offer(tmp_path):
    """A broken offer stops `beweegkaart build` with the validator's file:line message."""
    offers = tmp_path / "offers"
    shutil.copytree(ROOT / "offers" / "rotterdam", offers / "rotterdam")
    broken = offers / "rotterdam" / "walking-football-charlois.yaml"
    text = broken.read_text("utf-8").replace("dag: dinsdag", "dag: dinsdga", 1)
    broken.write_text(text, encoding="utf-8")
    with pytest.raises(BuildError) as info:
        build_site(offers, tmp_path / "site", ROOT / "mkdocs.yml", today=TODAY)
    assert any("dinsdga" in p.format() for p in info.value.problems)
    result = subprocess.run([sys.executable, "-m", "generator", "build",  # noqa: S603
                             "--offers", str(offers),
                             "--site-dir", str(tmp_path / "site2"), "--today", TODAY.isoformat()],
                            capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert result.returncode == 1
    line = next(i for i, t in enumerate(text.splitlines(), 1) if "dinsdga" in t)
    where = rf"walking-football-charlois\.yaml:{line}:\d+: rooster\[0\]\.dag:"
    assert re.search(where, result.stdout)
    assert not (tmp_path / "site2").exists()


def test_plain_mkdocs_build_uses_the_adapter(tmp_path):
    """`mkdocs build` (what `mkdocs serve` runs) produces the same offer pages via the hook."""
    result = subprocess.run([str(Path(sys.executable).parent / "mkdocs"), "build",  # noqa: S603
                             "-q", "-f",
                             str(ROOT / "mkdocs.yml"), "-d", str(tmp_path / "site")],
                            capture_output=True, text=True, cwd=ROOT, timeout=180)
    assert result.returncode == 0, result.stderr
    offer = tmp_path / "site" / "aanbod" / "rotterdam" / "walking-football-charlois"
    assert (offer / "index.html").is_file()
    assert (tmp_path / "site" / "data" / "zoek.json").is_file()


def test_json_schema_is_published(site_dir):
    """Editors can point their `$schema` at the site: the same schema as the repository's."""
    published = json.loads((site_dir / "schema" / "aanbod.schema.json").read_text("utf-8"))
    committed = json.loads((ROOT / "schema" / "aanbod.schema.json").read_text("utf-8"))
    assert published == committed
    assert "titel" in published["properties"]


def test_404_page_helps(site_dir):
    """The 404 page is Dutch and links back to the search and the offers, from any depth."""
    soup = BeautifulSoup((site_dir / "404.html").read_text("utf-8"), "html.parser")
    assert "bestaat niet" in soup.h1.get_text()
    hrefs = {a["href"] for a in soup.select("article a, .md-content a")}
    assert {"/.", "/aanbod/"} <= hrefs
