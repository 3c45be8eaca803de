"""Golden output (Pelican style): the tiny catalogue in tests/golden/offers/ is built and every
page and data file made from the offers is compared with tests/golden/expected/ (the pages
written by hand in content/ are left out: they are not built from offers).

When a change to the output is meant, refresh the expected files and review the diff:

    make golden        # or: BEWEEGKAART_REFRESH_GOLDEN=1 .venv/bin/pytest tests/golden
"""

import datetime as dt
import difflib
import gzip
import os
import shutil
from pathlib import Path

import pytest

from generator.pipeline import build_site

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
EXPECTED = HERE / "expected"
TODAY = dt.date(2026, 11, 22)
# Theme assets, vendored libraries, reference tables and the schema are not built from offers.
SKIP = ("assets/", "schema/", "data/pc4.json", "data/plaatsen.json")
SUFFIXES = (".html", ".json", ".csv", ".geojson", ".jsonld", ".xml", ".png")
REFRESH = os.environ.get("BEWEEGKAART_REFRESH_GOLDEN") == "1"


def hand_written() -> set[str]:
    """Pages MkDocs renders from content/ (they do not depend on the offers)."""
    pages = {"404.html"}
    for md in (ROOT / "content").rglob("*.md"):
        rel = md.relative_to(ROOT / "content").with_suffix("").as_posix()
        pages.add("index.html" if rel == "index" else f"{rel.removesuffix('/index')}/index.html")
    return pages


def outputs(folder: Path) -> dict[str, bytes]:
    """The generated files of a built site, by path."""
    found, skip = {}, hand_written()
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        if (path.is_file() and rel.endswith(SUFFIXES) and not rel.startswith(SKIP)
                and rel not in skip):
            found[rel] = path.read_bytes()
        elif path.is_file() and rel.endswith(".gz"):  # kept unpacked, so diffs are readable
            found[rel.removesuffix(".gz")] = gzip.decompress(path.read_bytes())
    return found


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict[str, bytes]:
    """The tiny catalogue built once, with its own cache."""
    out = tmp_path_factory.mktemp("golden")
    build_site(HERE / "offers", out / "site", ROOT / "mkdocs.yml", today=TODAY,
               cache_dir=out / "cache")
    return outputs(out / "site")


def test_output_matches_the_expected_files(built):
    """Every generated file is byte for byte the committed one, and none is missing or extra."""
    if REFRESH:
        shutil.rmtree(EXPECTED, ignore_errors=True)
        for rel, data in built.items():
            (EXPECTED / rel).parent.mkdir(parents=True, exist_ok=True)
            (EXPECTED / rel).write_bytes(data)
        pytest.skip("expected output refreshed; review `git diff tests/golden/expected`")
    expected = outputs(EXPECTED)
    assert sorted(built) == sorted(expected), "files differ; see `make golden` to refresh"
    for rel, data in built.items():
        if data != expected[rel]:
            diff = difflib.unified_diff(expected[rel].decode("utf-8", "replace").splitlines(),
                                        data.decode("utf-8", "replace").splitlines(),
                                        f"expected/{rel}", f"built/{rel}", lineterm="", n=1)
            pytest.fail(f"{rel} differs (refresh with `make golden` if meant):\n"
                        + "\n".join(list(diff)[:40]))


def test_golden_catalogue_covers_the_pages(built):
    """The fixture exercises offer, index, overview, data and open-data outputs."""
    for rel in ("aanbod/rotterdam/walking-football-test/index.html",
                "aanbod/rotterdam/walking-football-test/veld.png",
                "aanbod/maastricht/index.html", "activiteit/zwemmen/index.html",
                "doelgroep/ouderen/index.html", "aanbod/index.html", "data/zoek.json",
                "data/details/0.json", "open-data/aanbod.csv", "sitemap.xml"):
        assert rel in built
