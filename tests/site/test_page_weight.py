"""Page weight: at 50,000 offers every byte an offer adds counts 50,000 times (issue 12: offer
pages at most about 8 KB, the whole site under 400 MB). Bounds on the built example site."""

import gc
import gzip
import json
import re
import warnings

from bs4 import BeautifulSoup

MAX_OFFER_PAGE = 8 * 1024  # bytes; the example offers are 6.1-7.8 KB
MAX_CHROME = int(2.6 * 1024)  # bytes of light shell around the article (was 3.3 KB)


def offer_pages(site_dir):
    """(path, text) of every offer page."""
    return [(p, p.read_text("utf-8")) for p in sorted((site_dir / "aanbod").glob("*/*/index.html"))]


def test_offer_pages_stay_under_8_kb(site_dir):
    """No offer page of the example catalogue is heavier than 8 KB."""
    pages = offer_pages(site_dir)
    assert len(pages) >= 10
    heavy = {p.parent.name: p.stat().st_size for p, _text in pages
             if p.stat().st_size > MAX_OFFER_PAGE}
    assert heavy == {}


def test_offer_page_chrome_is_small_and_shared(site_dir):
    """The shell around the article is small; the logo is a shared file, there is no empty
    footer and no theme component markup (no theme script reads it on light pages)."""
    for path, text in offer_pages(site_dir):
        start, end = text.index("<article"), text.index("</article>")
        assert len(text[:start].encode()) + len(text[end:].encode()) <= MAX_CHROME, path
        assert "<svg" not in text and "assets/beweegkaart/logo.svg" in text
        assert "md-footer" not in text and "data-md-component" not in text
    assert (site_dir / "assets" / "beweegkaart" / "logo.svg").is_file()


def test_offer_pages_carry_no_copies(site_dir):
    """No JSON-LD copy of the open data in the pages, and the advice-sheet record without
    empty values (its facts are still all there for the sheet)."""
    for path, text in offer_pages(site_dir):
        assert "application/ld+json" not in text, path
        soup = BeautifulSoup(text, "html.parser")
        record = json.loads(soup.find(id="aanbod-gegevens").string)
        assert {"id", "titel", "activiteiten", "plek", "adres", "postcode", "plaats", "wanneer",
                "kosten", "aanbieder"} <= set(record), path
        assert all(value not in (None, [], False, "") for value in record.values()), path


def test_downloads_are_compressed(site_dir):
    """The open-data downloads are published gzip-compressed and unpack to what they claim;
    the data package names the packed table, and Frictionless validates it as it is."""
    import frictionless

    folder = site_dir / "open-data"
    for name in ("aanbod.csv", "aanbod.geojson", "aanbod.jsonld"):
        assert not (folder / name).exists()
        packed = (folder / f"{name}.gz").read_bytes()
        text = gzip.decompress(packed)
        assert len(packed) * 2 < len(text), name  # (more at national scale: 5-10x)
        assert packed[4:8] == b"\0\0\0\0", name  # no timestamp: same content, same bytes
        if name == "aanbod.csv":
            assert re.match(rb"id,titel,", text)
        else:
            json.loads(text)
    package = json.loads((folder / "datapackage.json").read_text("utf-8"))
    assert package["resources"][0]["path"] == "aanbod.csv.gz"
    assert package["resources"][0]["compression"] == "gz"
    with warnings.catch_warnings():  # see check_package: Frictionless leaves the file open
        warnings.simplefilter("ignore", ResourceWarning)
        report = frictionless.validate(str(folder / "datapackage.json"))
        gc.collect()
    assert report.valid, report.flatten(["type", "message"])[:5]
    assert report.tasks[0].stats["rows"] >= 10  # it really read the packed rows
