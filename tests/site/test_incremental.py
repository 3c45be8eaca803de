"""The build cache: a rebuild after one changed offer touches only what depends on it, and a
change to the schema, a template, the reference data or a setting rebuilds every offer."""

import csv
import datetime as dt
import gzip
import io
import json
import os
import shutil
import sqlite3
import time
from pathlib import Path

import pytest
import yaml

from generator import pipeline
from generator.catalogue import load
from generator.catalogue.reference import load_reference
from generator.forked import Forked
from generator.opendata.export import published_downloads
from generator.pipeline import BuildError, build_site
from generator.site import data, pages, render

from .conftest import GOLDEN, ROOT, TODAY


def snapshot(site: Path) -> dict[str, tuple[int, bytes]]:
    """Every file of a site with its mtime and bytes."""
    return {p.relative_to(site).as_posix(): (p.stat().st_mtime_ns, p.read_bytes())
            for p in site.rglob("*") if p.is_file()}


def config_copy(folder: Path, **extra) -> Path:
    """mkdocs.yml in `folder`, pointing at the repository's pages and theme, with extra settings."""
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text("utf-8"))
    config["docs_dir"] = str(ROOT / "content")
    config["theme"]["custom_dir"] = str(ROOT / "overrides")
    config["hooks"] = [str(ROOT / "generator" / "site" / "mkdocs_hooks.py")]
    config["extra"]["beweegkaart"].update(extra)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "node_modules").symlink_to(ROOT / "node_modules", target_is_directory=True)
    path = folder / "mkdocs.yml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return path


def rebuild(project, config=ROOT / "mkdocs.yml", today=TODAY):
    """Build the project again into the same site with the same cache."""
    offers, site, cache, _report = project
    return build_site(offers, site, config, today=today, cache_dir=cache)


def test_unchanged_rebuild_writes_nothing(project):
    """Nothing changed: no offer is validated or rendered again, no file is written."""
    before = snapshot(project[1])
    report = rebuild(project)
    assert (report["rendered"], report["reused"], report["written"]) == (0, 3, 0)
    assert snapshot(project[1]) == before


def test_changed_offer_changes_only_its_pages_and_the_data_files(project):
    """A new title: its page, the index pages listing it and the data files; nothing else."""
    offers, site, _cache, _report = project
    before = snapshot(site)
    path = offers / "rotterdam" / "stoelyoga-test.yaml"
    path.write_text(path.read_text("utf-8").replace("Stoelyoga in de test", "Stoelyoga nieuw"),
                    encoding="utf-8")
    report = rebuild(project)
    assert report["rendered"] == 1 and report["reused"] == 2
    after = snapshot(site)
    changed = {rel for rel in after if after[rel] != before.get(rel)}
    assert "aanbod/rotterdam/stoelyoga-test/index.html" in changed
    assert "Stoelyoga nieuw" in after["aanbod/rotterdam/stoelyoga-test/index.html"][1].decode()
    # the pages that list it (gemeente, activity and target-group pages, the gemeente's map)
    depends = {rel for rel, (_mtime, data) in before.items() if rel.endswith(".html")
               and b"/rotterdam/stoelyoga-test/" in data and "stoelyoga-test" not in rel}
    assert {"aanbod/rotterdam/index.html", "aanbod/rotterdam/kaart.html",
            "activiteit/stoelyoga/index.html", "doelgroep/artrose/index.html"} <= depends
    data = {rel for rel in changed if rel.startswith(("data/", "open-data/"))}
    assert changed == {"aanbod/rotterdam/stoelyoga-test/index.html", *depends, *data}
    assert data and all(after[rel][1] != before[rel][1] for rel in changed)
    assert "Stoelyoga nieuw" in after["data/details/0.json"][1].decode()


def first_view_of(site: Path) -> dict:
    """The home map's first view in the home page (generator/site/first_view.py)."""
    page = (site / "index.html").read_text("utf-8")
    start = page.index('<script id="bk-eerste-kaart" type="application/json">')
    return json.loads(page[page.index(">", start) + 1:page.index("</script>", start)])


def test_moved_offer_changes_the_home_maps_first_view(project):
    """A new address: the home page's first view follows (its clusters are memoised by the
    offers' positions, so a title change leaves the page alone: the test above)."""
    offers, site, _cache, _report = project
    before = first_view_of(site)
    path = offers / "rotterdam" / "walking-football-test.yaml"
    path.write_text(path.read_text("utf-8").replace("lat: 51.9010, lon: 4.4950",
                                                    "lat: 51.9050, lon: 4.4950"), encoding="utf-8")
    rebuild(project)
    after = first_view_of(site)
    assert after["bounds"][1][0] == 51.905
    assert after != before
    for items in after["zooms"].values():  # still every offer, at each zoom held
        assert sum(item["n"] for item in items) == 3


def test_new_title_does_not_run_node_for_the_first_view(project, monkeypatch):
    """The first view is memoised by the offers' positions: after a title change the rebuild
    takes it from the cache (Node is not run) and the home page keeps it."""
    offers, site, _cache, _report = project
    before = first_view_of(site)

    def no_node(*args):
        raise AssertionError("the first view was made again")

    monkeypatch.setattr(render, "start_first_view", no_node)
    path = offers / "rotterdam" / "walking-football-test.yaml"
    path.write_text(path.read_text("utf-8").replace("titel: ", "titel: Nieuw ", 1),
                    encoding="utf-8")
    assert rebuild(project)["rendered"] == 1
    assert first_view_of(site) == before


def test_removed_offer_leaves_no_page_behind(project):
    """A deleted offer file: its page and photo folder go, the rest stays."""
    offers, site, _cache, _report = project
    (offers / "rotterdam" / "walking-football-test.yaml").unlink()
    report = rebuild(project)
    assert report["removed"] >= 2
    assert not (site / "aanbod" / "rotterdam" / "walking-football-test").exists()
    assert (site / "aanbod" / "rotterdam" / "stoelyoga-test" / "index.html").is_file()


def test_changed_photo_is_copied_and_rechecked(project):
    """A photo replaced by a non-image is found even though the offer file did not change."""
    offers, site, _cache, _report = project
    (offers / "rotterdam" / "veld.png").write_bytes(b"not an image at all")
    with pytest.raises(BuildError) as caught:
        rebuild(project)
    assert any("geen echte" in p.message for p in caught.value.errors)


def test_invalid_offer_keeps_the_last_good_site(project):
    """A broken edit stops the build and leaves the published files as they were."""
    offers, site, _cache, _report = project
    before = snapshot(site)
    (offers / "maastricht" / "zwemmen-test.yaml").write_text("titel: [\n", encoding="utf-8")
    with pytest.raises(BuildError):
        rebuild(project)
    assert snapshot(site) == before


def test_a_deleted_site_file_is_written_again(project):
    """The cache never trusts a file that is not on disk as the last build left it."""
    site = project[1]
    page = site / "aanbod" / "maastricht" / "zwemmen-test" / "index.html"
    good = page.read_bytes()
    page.write_bytes(b"edited by hand")
    os.utime(page, ns=(1, 1))
    rebuild(project)
    assert page.read_bytes() == good


def everything_rebuilt(report) -> bool:
    """True when no offer came from the cache."""
    return report["reused"] == 0 and report["rendered"] == 3


def test_changed_schema_rebuilds_everything(project, monkeypatch):
    """The schema is part of every entry's key."""
    changed = {**pipeline.json_schema(load_reference()), "description": "a different schema"}
    monkeypatch.setattr(pipeline, "json_schema", lambda ref: changed)
    assert everything_rebuilt(rebuild(project))


def test_changed_template_rebuilds_everything(project, monkeypatch, tmp_path):
    """A template edit shows on every offer page."""
    templates = tmp_path / "templates"
    shutil.copytree(pages.TEMPLATES, templates)
    offer = templates / "offer.html"
    offer.write_text(offer.read_text("utf-8") + "<p>sjabloon gewijzigd</p>\n", encoding="utf-8")
    monkeypatch.setattr(pages, "TEMPLATES", templates)
    assert everything_rebuilt(rebuild(project))
    page = project[1] / "aanbod" / "maastricht" / "zwemmen-test" / "index.html"
    assert "sjabloon gewijzigd" in page.read_text("utf-8")


def test_changed_reference_data_rebuilds_everything(project, tmp_path):
    """A new activity label (reference/activiteiten.csv) reaches every page."""
    reference = tmp_path / "reference"
    shutil.copytree(ROOT / "reference", reference)
    table = reference / "activiteiten.csv"
    table.write_text(table.read_text("utf-8").replace(",Zwemmen,", ",Baantjes zwemmen,"),
                     encoding="utf-8")
    config = config_copy(tmp_path / "project", reference_dir=str(reference))
    assert everything_rebuilt(rebuild(project, config))
    page = project[1] / "aanbod" / "maastricht" / "zwemmen-test" / "index.html"
    assert "Baantjes zwemmen" in page.read_text("utf-8")


def test_changed_setting_rebuilds_everything(project, tmp_path):
    """A new curator address (mkdocs.yml extra.beweegkaart) reaches every page."""
    config = config_copy(tmp_path / "project", curator_email="nieuw@beheer.example.org")
    assert everything_rebuilt(rebuild(project, config))
    page = project[1] / "aanbod" / "rotterdam" / "stoelyoga-test" / "index.html"
    assert "nieuw@beheer.example.org" in page.read_text("utf-8")


def test_another_day_rebuilds_everything(project):
    """Warnings and expiry depend on the date, so the date is part of the key."""
    assert everything_rebuilt(rebuild(project, today=TODAY + dt.timedelta(days=1)))


def settled_rebuild(project, monkeypatch):
    """Let the offer files' index record the files (they are only seconds old), rebuild
    once so it does, and wait past the file system's clock tick."""
    monkeypatch.setattr(load, "SETTLE_NS", 0)
    time.sleep(0.02)
    rebuild(project)
    time.sleep(0.02)


def test_same_size_edit_with_restored_mtime_is_rebuilt(project, monkeypatch):
    """The files' index never hides an edit: same size, mtime set back, the page changes."""
    offers, site, _cache, _report = project
    settled_rebuild(project, monkeypatch)
    path = offers / "rotterdam" / "stoelyoga-test.yaml"
    old = os.stat(path)
    path.write_text(path.read_text("utf-8").replace("Stoelyoga in de test", "Stoelyoga in de TEST"),
                    encoding="utf-8")
    os.utime(path, ns=(old.st_atime_ns, old.st_mtime_ns))
    report = rebuild(project)
    assert (report["rendered"], report["reused"]) == (1, 2)
    page = site / "aanbod" / "rotterdam" / "stoelyoga-test" / "index.html"
    assert "Stoelyoga in de TEST" in page.read_text("utf-8")
    assert (rebuild(project)["rendered"], rebuild(project)["written"]) == (0, 0)


def test_renamed_offer_moves_its_page(project, monkeypatch):
    """A renamed file: a new id and page, the old page gone, the index pages follow."""
    offers, site, _cache, _report = project
    settled_rebuild(project, monkeypatch)
    (offers / "maastricht" / "zwemmen-test.yaml").rename(offers / "maastricht" / "baantjes.yaml")
    report = rebuild(project)
    assert report["rendered"] == 1 and report["removed"] >= 1
    assert (site / "aanbod" / "maastricht" / "baantjes" / "index.html").is_file()
    assert not (site / "aanbod" / "maastricht" / "zwemmen-test").exists()
    listing = (site / "activiteit" / "zwemmen" / "index.html").read_text("utf-8")
    assert "maastricht/baantjes/" in listing and "zwemmen-test" not in listing


def test_offer_that_changes_group_leaves_the_old_index_page(project, monkeypatch):
    """Another activity: the offer leaves its old activity page and joins the new one."""
    offers, site, _cache, _report = project
    settled_rebuild(project, monkeypatch)
    path = offers / "rotterdam" / "stoelyoga-test.yaml"
    path.write_text(path.read_text("utf-8").replace("activiteiten: [stoelyoga]",
                                                    "activiteiten: [zwemmen]"), encoding="utf-8")
    rebuild(project)
    assert not (site / "activiteit" / "stoelyoga").exists()
    assert "stoelyoga-test/" in (site / "activiteit" / "zwemmen" / "index.html").read_text()
    search = json.loads((site / "data" / "zoek.json").read_text("utf-8"))
    codes = [code for code, _label in search["activiteiten"]]
    assert codes.index("zwemmen") in search["a"] and codes.index("stoelyoga") not in search["a"]
    text = gzip.decompress((site / "open-data" / "aanbod.csv.gz").read_bytes()).decode()
    rows = {row["id"]: row for row in csv.DictReader(io.StringIO(text))}
    assert rows["rotterdam/stoelyoga-test"]["activiteiten"] == "zwemmen"


def leftovers(site: Path) -> list[str]:
    """Staging or old folders a build left beside the site folder."""
    return sorted(p.name for p in site.parent.iterdir() if p.name.startswith(f".{site.name}."))


def test_fresh_build_replaces_a_folder_the_cache_does_not_know(tmp_path):
    offers, site = tmp_path / "offers", tmp_path / "site"
    shutil.copytree(GOLDEN, offers)
    (site / "oud").mkdir(parents=True)
    (site / "oud" / "pagina.html").write_text("van een ander programma", encoding="utf-8")
    report = build_site(offers, site, ROOT / "mkdocs.yml", today=TODAY,
                        cache_dir=tmp_path / "cache")
    assert not (site / "oud").exists()
    pages_on_disk = list(site.glob("aanbod/*/*/index.html"))
    assert len(pages_on_disk) == report["offers"] > 0
    assert leftovers(site) == []


def test_invalid_offer_in_a_fresh_build_leaves_the_folder_as_it_was(tmp_path):
    offers, site = tmp_path / "offers", tmp_path / "site"
    shutil.copytree(GOLDEN, offers)
    broken = sorted(offers.glob("*/*.yaml"))[0]
    broken.write_text(broken.read_text("utf-8").replace("titel:", "tietel:", 1), "utf-8")
    site.mkdir()
    (site / "index.html").write_text("de vorige site", encoding="utf-8")
    with pytest.raises(BuildError):
        build_site(offers, site, ROOT / "mkdocs.yml", today=TODAY, cache_dir=tmp_path / "cache")
    assert [p.name for p in site.iterdir()] == ["index.html"]
    assert (site / "index.html").read_text("utf-8") == "de vorige site"
    assert leftovers(site) == []


def test_pages_written_by_the_workers_are_the_pages_of_a_serial_build(tmp_path, monkeypatch):
    """Worker processes write the offer pages of a fresh build; the result is the same site,
    and the next build knows every file (nothing is written again). An expired offer gets
    no page from either."""
    offers, later = tmp_path / "offers", dt.date(2027, 10, 15)  # walking football expired
    shutil.copytree(GOLDEN, offers)
    serial = tmp_path / "serial"
    build_site(offers, serial, ROOT / "mkdocs.yml", today=later, cache_dir=tmp_path / "c1",
               jobs=1)
    monkeypatch.setattr(pipeline, "PARALLEL_FROM", 1)
    monkeypatch.setattr(pipeline, "CHUNK", 1)  # (chunks of 1 or 2)
    parallel = tmp_path / "parallel"
    report = build_site(offers, parallel, ROOT / "mkdocs.yml", today=later,
                        cache_dir=tmp_path / "c2", jobs=2)
    assert report["rendered"] == 3 and report["offers"] == 2  # (one expired)
    one, two = snapshot(serial), snapshot(parallel)
    assert report["written"] == len(two)  # every file once: the workers' pages not again
    assert sorted(one) == sorted(two)
    assert "aanbod/rotterdam/walking-football-test/index.html" not in two
    assert "aanbod/rotterdam/stoelyoga-test/index.html" in two
    assert {k: v[1] for k, v in one.items()} == {k: v[1] for k, v in two.items()}
    again = build_site(offers, parallel, ROOT / "mkdocs.yml", today=later,
                       cache_dir=tmp_path / "c2", jobs=2)
    assert again["written"] == 0
    assert snapshot(parallel) == two


def test_changed_coach_reaches_the_gemeente_page(project, tmp_path):
    """The coach box is part of a gemeente page's memo key (coaches are not in the build key)."""
    coaches = tmp_path / "coaches"
    shutil.copytree(ROOT / "coaches", coaches)
    config = config_copy(tmp_path / "project", coaches_dir=str(coaches))
    rebuild(project, config)
    path = coaches / "rotterdam" / "hoogvliet.yaml"
    path.write_text(path.read_text("utf-8").replace("Samira El Amrani", "Samira Nieuw"),
                    encoding="utf-8")
    report = rebuild(project, config)
    assert report["rendered"] == 0
    page = (project[1] / "aanbod" / "rotterdam" / "index.html").read_text("utf-8")
    assert "Samira Nieuw (voorbeeld)" in page


def test_rebuild_makes_only_the_changed_products_again(project, monkeypatch):
    """Index pages, detail shards and download pieces of unchanged offers come from the cache:
    with one offer changed, only what lists it is made again."""
    offers, site, _cache, _report = project
    made = []
    real = pages.PageRenderer.list_body
    monkeypatch.setattr(pages.PageRenderer, "list_body",
                        lambda self, html, rows: made.append(len(rows)) or real(self, html, rows))
    path = offers / "maastricht" / "zwemmen-test.yaml"
    path.write_text(path.read_text("utf-8").replace("titel: ", "titel: Nieuw ", 1), "utf-8")
    rebuild(project)
    listing = [p for p in site.glob("*/*/index.html")  # gemeente, activity, target group
               if b"/maastricht/zwemmen-test/" in p.read_bytes()]
    assert len(listing) >= 3 and len(made) == len(listing)
    assert all("Nieuw" in p.read_text("utf-8") for p in listing)
    made.clear()
    rebuild(project)
    assert made == []


def test_rebuilt_site_is_the_fresh_site(project, tmp_path):
    """After changes (an edit, a new offer, a removed one), the site built from the cache is
    byte for byte the site built from nothing: no memoised product or lazily read part of an
    entry is stale."""
    offers, site, _cache, _report = project
    path = offers / "rotterdam" / "stoelyoga-test.yaml"
    path.write_text(path.read_text("utf-8").replace("Stoelyoga in de test", "Stoelyoga nieuw")
                    .replace("doelgroepen: [ouderen, artrose]", "doelgroepen: [ouderen]"),
                    encoding="utf-8")
    shutil.copy(offers / "maastricht" / "zwemmen-test.yaml", offers / "maastricht" / "baan.yaml")
    (offers / "rotterdam" / "walking-football-test.yaml").unlink()
    rebuild(project)
    fresh = tmp_path / "fresh"
    build_site(offers, fresh, ROOT / "mkdocs.yml", today=TODAY, cache_dir=tmp_path / "c2")
    built = {rel: data for rel, (_mtime, data) in snapshot(site).items()}
    assert built == {rel: data for rel, (_mtime, data) in snapshot(fresh).items()}


def test_downloads_made_in_a_forked_child_are_kept_in_the_cache(tmp_path, monkeypatch):
    """A big fresh build makes the open-data pieces in a forked child: the parent stores
    them, so the next build of the same offers makes none again, and the files are those of
    a build in one process."""
    offers = tmp_path / "offers"
    shutil.copytree(GOLDEN, offers)
    serial = tmp_path / "serial"
    build_site(offers, serial, ROOT / "mkdocs.yml", today=TODAY, cache_dir=tmp_path / "c1",
               jobs=1)
    monkeypatch.setattr(pipeline, "PARALLEL_FROM", 1)
    forked = []
    monkeypatch.setattr(pipeline, "Forked", lambda work: forked.append(1) or Forked(work))
    site = tmp_path / "site"
    build_site(offers, site, ROOT / "mkdocs.yml", today=TODAY, cache_dir=tmp_path / "c2", jobs=2)
    assert forked == [1, 1]  # (the reference data's files, then the downloads)
    for name in ("datapackage.json", "aanbod.csv.gz", "aanbod.geojson.gz", "aanbod.jsonld.gz"):
        assert (site / "open-data" / name).read_bytes() == \
            (serial / "open-data" / name).read_bytes()
    db = sqlite3.connect(tmp_path / "c2" / "cache.sqlite")
    stored = db.execute("select count(*) from blobs where key like 'gz:%' or key like 'kinds:%'"
                        ).fetchone()[0]
    db.close()
    assert stored == 4  # one run: its column types and a piece for each of three downloads
    made = []
    monkeypatch.setattr(pipeline, "published_downloads", lambda items, created, memo:
                        made.append(1) or published_downloads(items, created, lambda k, m: memo(
                            k, lambda: made.append(k) or m())))
    again = build_site(offers, site, ROOT / "mkdocs.yml", today=TODAY, cache_dir=tmp_path / "c2",
                       jobs=2)
    assert again["written"] == 0 and made == [1]


def test_reference_files_made_in_a_forked_child_while_the_offers_are_read(tmp_path,
                                                                          monkeypatch):
    """A fresh build on more cores makes pc4.json and plaatsen.json in a forked child: the
    files are those of a build in one process, the parent stores them (the next fresh build
    into another folder with this cache forks no child for them), and REFERENCE_FILES names
    every file reference_files makes."""
    from generator.site.data import REFERENCE_FILES, reference_files

    names = []
    reference_files(load_reference(), lambda name, make: names.append(name) or b"")
    assert tuple(names) == REFERENCE_FILES
    offers = tmp_path / "offers"
    shutil.copytree(GOLDEN, offers)
    serial = tmp_path / "serial"
    build_site(offers, serial, ROOT / "mkdocs.yml", today=TODAY, cache_dir=tmp_path / "c1",
               jobs=1)
    started = []
    monkeypatch.setattr(pipeline, "Forked", lambda work: started.append(work) or Forked(work))
    here = []  # (what the child makes is not seen here)
    monkeypatch.setattr(data, "pc4_file", lambda ref, make=data.pc4_file: here.append(1) or
                        make(ref))
    site = tmp_path / "site"
    build_site(offers, site, ROOT / "mkdocs.yml", today=TODAY, cache_dir=tmp_path / "c2", jobs=2)
    assert len(started) == 1 and here == []
    for name in REFERENCE_FILES:
        assert (site / "data" / name).read_bytes() == (serial / "data" / name).read_bytes()
    build_site(offers, tmp_path / "other", ROOT / "mkdocs.yml", today=TODAY,
               cache_dir=tmp_path / "c2", jobs=2)
    assert len(started) == 1
