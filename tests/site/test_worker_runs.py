"""The download runs made by the build workers (pipeline.make_chunk -> export.run_memos)."""

import gzip
import json
import os
import sqlite3
from pathlib import Path

from generator import pipeline
from generator.cache import BuildCache
from generator.catalogue.load import read_sources
from generator.contrib.synth import synth_catalogue
from generator.opendata import export
from generator.pipeline import build_site, chunked

from .conftest import ROOT, TODAY


def downloads(site) -> dict[str, bytes]:
    """The open-data files of a built site."""
    return {p.name: p.read_bytes() for p in (site / "open-data").iterdir()}


def expire(source) -> None:
    """Make an offer file's offer expired (not shown, not in the downloads)."""
    path = Path(source.file)
    path.write_text(path.read_text("utf-8").replace("door:", "geldig_tot: 2026-01-01, door:"),
                    "utf-8")


def build(offers, tmp_path, name: str, jobs: int):
    """A fresh build of `offers` into tmp_path/name (with its own cache); the site folder."""
    site = tmp_path / name
    build_site(offers, site, ROOT / "mkdocs.yml", today=TODAY, cache_dir=tmp_path / f"{name}-c",
               jobs=jobs)
    return site


def record_made(monkeypatch) -> list[str]:
    """The memo entries the export step makes itself (not found ahead), recorded."""
    made: list[str] = []
    export_site = pipeline.export_site

    def record(files, used, *args):
        made.extend(key for key, value in used.items() if value is not None)
        return export_site(files, used, *args)

    monkeypatch.setattr(pipeline, "export_site", record)
    return made


def test_runs_made_by_the_workers_give_the_downloads_of_one_process(tmp_path, monkeypatch):
    """A parallel fresh build makes the downloads' runs in its workers, cut where runs
    begin: the files are byte for byte those of a build on one core, and the export step
    itself makes only what a worker cannot know (the first run's pieces without a lead). An
    expired offer inside a chunk is left out of its worker's runs, as out of the downloads."""
    offers = tmp_path / "offers"
    synth_catalogue(40, offers, seed=3, today=TODAY)
    monkeypatch.setattr(export, "RUN_EVERY", 3)  # (about a dozen runs)
    monkeypatch.setattr(pipeline, "CHUNK", 6)
    sources, _problems = read_sources([offers])
    inside = chunked([(source, "") for source in sources])[2][1][0]
    expire(inside)
    serial = build(offers, tmp_path, "serial", jobs=1)
    monkeypatch.setattr(pipeline, "PARALLEL_FROM", 1)
    made_now = record_made(monkeypatch)
    site = build(offers, tmp_path, "site", jobs=2)
    assert downloads(site) == downloads(serial)
    assert sorted(name.split(":")[1] for name in made_now) == ["feature", "jsonld"]
    text = gzip.decompress(downloads(site)["aanbod.csv.gz"]).decode()
    assert text.count("aanbod-") == 39 and f"{inside.id}," not in text


def test_a_run_cut_short_in_a_worker_is_made_again_whole(tmp_path, monkeypatch):
    """An expired offer at the start of a chunk leaves a worker with a run that is not a run
    of the whole build (the offers before it, in another chunk, belong to the same run): its
    pieces have other members, so another key, and the export step makes that run whole."""
    offers = tmp_path / "offers"
    synth_catalogue(30, offers, seed=5, today=TODAY)
    monkeypatch.setattr(export, "RUN_EVERY", 3)
    monkeypatch.setattr(pipeline, "PARALLEL_FROM", 1)
    monkeypatch.setattr(pipeline, "CHUNK", 4)
    sources, _problems = read_sources([offers])
    chunks = chunked([(source, "") for source in sources])
    # an offer that begins a chunk and a run, with no run beginning at the next offer
    first = next(chunk[0][0] for chunk in chunks[1:]
                 if len(chunk) > 1 and not export.starts_run(chunk[1][0].id))
    assert export.starts_run(first.id)
    expire(first)
    serial = build(offers, tmp_path, "serial", jobs=1)
    made_now = record_made(monkeypatch)
    readers = tmp_path / "readers"  # the processes that read export parts from the cache
    heavy = BuildCache._heavy

    def read(self, key):
        with readers.open("a") as f:
            f.write(f"{os.getpid()}\n")
        return heavy(self, key)

    monkeypatch.setattr(BuildCache, "_heavy", read)
    site = build(offers, tmp_path, "site", jobs=2)
    assert downloads(site) == downloads(serial)
    assert len(made_now) > 2  # (the run around the expired offer, made whole)
    # the parent kept no export parts in memory: it read those of the runs it made (not
    # a forked child, with the parent's connection), and only those
    pids = readers.read_text().split()
    assert set(pids) == {str(os.getpid())} and 0 < len(pids) < 20
    csv_text = gzip.decompress(downloads(site)["aanbod.csv.gz"]).decode()
    assert f"{first.id}," not in csv_text and csv_text.count("aanbod-") == 29
    # the pieces of the worker's short run are not kept for the next build
    visible = [s for s in sources if s.id != first.id]
    with sqlite3.connect(tmp_path / "site-c" / "cache.sqlite") as db:
        kept = db.execute("select count(*) from blobs where key like 'gz:csv:%'").fetchone()[0]
    assert kept == len(export.offer_runs(visible))


def test_chunks_begin_where_runs_begin(monkeypatch):
    """Chunks hold whole runs (cut at a run's first offer once half a chunk is full), and
    never more than twice CHUNK offers."""
    monkeypatch.setattr(pipeline, "CHUNK", 10)

    class Item:
        def __init__(self, oid):
            self.id = oid

    todo = [(Item(f"g/aanbod-{n}"), "key") for n in range(400)]
    first = next(item for item in todo if export.starts_run(item[0].id))
    todo.insert(0, first)  # (a run begins at the first offer: no empty chunk before it)
    chunks = chunked(todo)
    assert [item for chunk in chunks for item in chunk] == todo
    assert len(chunks) > 10
    for before, chunk in zip(chunks, chunks[1:], strict=False):
        assert 5 <= len(before) <= 20
        assert export.starts_run(chunk[0][0].id) or len(before) == 20


def test_run_memos_are_the_memos_of_the_downloads_for_runs_after_the_first():
    """What a worker makes for its runs is what published_downloads would make for them."""

    class Item:
        def __init__(self, number):
            self.id = f"g/aanbod-{number}"
            self.key = f"k{number}"
            self.exports = {"csv": f"{number},x\r\n", "feature": json.dumps({"n": number}),
                            "jsonld": json.dumps({"@id": number}),
                            "types": "id=string;lat=number"}

    items = [Item(n) for n in range(2000)]
    made: dict[str, bytes] = {}

    def memo(name, make):
        made[name] = value = make()
        return value

    export.published_downloads(items, "2026-12-01T00:00:00Z", memo)
    runs = export.offer_runs(items)
    assert len(runs) > 3
    first = len(runs[0])
    ahead = export.run_memos(items[first:])  # (a chunk that begins where run 2 begins)
    assert ahead and all(made[name] == value for name, value in ahead.items())
    assert len(ahead) == 4 * (len(runs) - 1)
