"""The site's JSON-LD, `beweegkaart export` and every HTML page pass the official validators.

Both validators run offline: the OpenActive activity list comes from reference/, the Nu HTML
Checker is a local jar on Debian's Java.
"""

import datetime as dt
import gzip
import json
from pathlib import Path

import pytest

from generator.commands.cli import main
from generator.pipeline import build_site

from .conftest import ROOT, failures, openactive_check, vnu_check

TODAY = dt.date(2026, 11, 22)
SITE_URL = "https://beweegkaart.example.org/"  # site_url in mkdocs.yml


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, Path]:
    """The example catalogue built as a site, and exported with `beweegkaart export`."""
    out = tmp_path_factory.mktemp("opendata")
    build_site(ROOT / "offers", out / "site", ROOT / "mkdocs.yml", today=TODAY)
    code = main(["export", str(ROOT / "offers"), "--out", str(out / "export"),
                 "--today", TODAY.isoformat()])
    assert code == 0
    return out / "site", out / "export"


def test_site_and_export_json_ld_pass_the_openactive_validator(built):
    """0 failures on the site's JSON-LD download and on the exported aanbod.jsonld."""
    site, export = built
    pages = sorted((site / "aanbod").glob("*/*/index.html"))
    assert len(pages) == 44
    published = export.parent / "site-aanbod.jsonld"  # the site's copy, unpacked
    published.write_bytes(gzip.decompress((site / "open-data" / "aanbod.jsonld.gz").read_bytes()))
    report = openactive_check([published, export / "aanbod.jsonld"])
    assert report["items"] == 2 * len(pages)
    assert failures(report) == []


def test_export_reads_site_url_from_mkdocs_yml(built):
    """Without --site-url, the export's ids and URLs are absolute, like the site's own."""
    _site, export = built
    items = json.loads((export / "aanbod.jsonld").read_text("utf-8"))
    assert all(item["url"].startswith(SITE_URL) for item in items)
    assert all(item["@id"].startswith(SITE_URL) for item in items)
    features = json.loads((export / "aanbod.geojson").read_text("utf-8"))["features"]
    assert all(f["properties"]["url"].startswith(SITE_URL) for f in features)


def test_every_page_passes_the_nu_html_checker(built):
    """0 errors from vnu on every HTML page of the site."""
    site, _export = built
    assert len(list(site.rglob("*.html"))) > 100
    errors = vnu_check(site)
    assert [f"{e.get('url', '')}: {e['message']}" for e in errors] == []


def test_the_validators_do_report_problems(tmp_path):
    """The offline set-up really checks: a broken item and a broken page are reported."""
    item = {"@context": "https://openactive.io/", "@type": "SessionSeries", "@id": "x",
            "activity": [{"@type": "Concept", "@id": "https://openactive.io/activity-list#nope",
                          "prefLabel": "Schaken", "inScheme": "https://openactive.io/activity-list"}]}
    (tmp_path / "bad.jsonld").write_text(json.dumps([item]), encoding="utf-8")
    report = openactive_check([tmp_path / "bad.jsonld"])
    types = {p["type"] for p in report["problems"] if p["severity"] == "failure"}
    assert "activity_not_in_activity_list" in types  # the cached activity list was read
    assert "missing_required_field" in types
    pages = tmp_path / "pages"
    pages.mkdir()
    (pages / "index.html").write_text(
        '<!doctype html><html lang="nl"><title>x</title>'
        '<input type="checkbox" autocomplete="off"></html>', encoding="utf-8")
    assert len(vnu_check(pages)) == 1
