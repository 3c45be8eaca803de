"""What a rebuild keeps between builds to go fast, and why none of it can serve stale bytes:
the light parts of the entries in segments, and stat-based memos of folder hashes."""

import dataclasses
import datetime as dt
import json
import marshal
import os
import zlib
from pathlib import Path
from typing import ClassVar

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from generator import cache as cache_module
from generator.cache import (
    BuildCache,
    _pack_rows,
    _unpack_rows,
    attributes,
    key_of,
    packed,
    segments,
)
from generator.catalogue.problems import Problem
from generator.pipeline import build_site

from .conftest import ROOT, TODAY
from .test_incremental import rebuild, snapshot


@dataclasses.dataclass
class Parts:
    """An entry's products, as OfferParts: some light, some LAZY."""

    key: str
    when: dt.date | None
    problems: list
    rows: list
    heavy: str = ""
    LAZY: ClassVar[tuple[str, ...]] = ("heavy",)


@dataclasses.dataclass
class Other(Parts):
    """Another class."""


def test_segment_keeps_every_light_value_also_those_marshal_cannot_store():
    """Dates and Problems (pickled apart), lists, tuples and dicts come back as they were;
    the LAZY parts and private attributes are left out."""
    warning = Problem("a.yaml", 3, 1, "titel", "kort", severity="warning")
    items = [Parts("k1", dt.date(2027, 1, 2), [warning], [("x", 1, 2.5)], "big"),
             Parts("k2", None, [], [{"a": [1, 2]}, (3,)], "big")]
    vars(items[1])["_load"] = print
    back = _unpack_rows(_pack_rows(items))
    assert [type(b) for b in back] == [Parts, Parts]
    assert [vars(b) for b in back] == [
        {"key": "k1", "when": dt.date(2027, 1, 2), "problems": [warning],
         "rows": [("x", 1, 2.5)]},
        {"key": "k2", "when": None, "problems": [], "rows": [{"a": [1, 2]}, (3,)]}]
    assert _pack_rows([items[0], Other("k3", None, [], [])]) is None


def test_segments_are_keyed_by_all_their_members():
    """Runs in the order given, cut before a key ending in 00; one member more, less or
    changed is another key for its own run only, and the other runs keep theirs."""
    keys = [f"{n:04x}{cut}" for n in range(12) for cut in ("00", "11", "22")]
    before = dict(segments(keys))
    assert list(before.values())[1] == ["000100", "000111", "000122"]
    assert len(before) == 12 and all(len(m) == 3 for m in before.values())
    for changed in (["000599"], ["000511", "000599"], []):  # changed, one added, removed
        after = dict(segments([*keys[:16], *changed, *keys[17:]]))
        assert set(before) - set(after) == {key_of("rows", members=keys[15:18])}
        assert list(after.values())[5] == ["000500", *changed, "000522"]
    merged = dict(segments([k for k in keys if k != "000500"]))
    assert set(before) - set(merged) == {key_of("rows", members=keys[12:15]),
                                         key_of("rows", members=keys[15:18])}
    assert ["000400", "000411", "000422", "000511", "000522"] in merged.values()


def test_a_rebuild_reads_the_light_parts_from_segments(project, monkeypatch):
    """The fresh build stored the segments: a rebuild reads no entry's light part alone."""
    monkeypatch.setattr(cache_module, "_light", None)  # would fail when called
    report = rebuild(project)
    assert (report["rendered"], report["reused"], report["written"]) == (0, 3, 0)


def test_segments_of_a_failed_lookup_are_stored_again(project, monkeypatch):
    """Without segments (an older cache), the entries are read one by one and the segments
    stored for the next build."""
    cache = BuildCache(project[2])
    cache.db.execute("delete from rows")
    cache.close()
    assert rebuild(project)["rendered"] == 0
    monkeypatch.setattr(cache_module, "_light", None)
    assert rebuild(project)["rendered"] == 0


def test_an_entry_made_again_for_a_changed_photo_refreshes_its_segment(project):
    """A new photo (same offer file, so the same entry key) makes the entry again once; the
    segment then holds the new photo's stamp, so the next build makes nothing again."""
    offers, site, _cache, _report = project
    photo = offers / "rotterdam" / "veld.png"
    Image.new("RGB", (40, 30), (200, 30, 30)).save(photo)
    report = rebuild(project)
    assert report["rendered"] == 1
    copied = site / "aanbod" / "rotterdam" / "walking-football-test" / "veld.png"
    assert copied.read_bytes() == photo.read_bytes()
    before = snapshot(site)
    again = rebuild(project)
    assert (again["rendered"], again["written"]) == (0, 0)
    assert snapshot(site) == before


def test_segment_rows_are_the_entries(project):
    """Each segment holds exactly the light parts of its members' entries."""
    cache = BuildCache(project[2])
    keys = [k for (k,) in cache.db.execute("select key from entries")]
    from_rows = cache.parts(keys)
    cache.db.execute("delete from rows")
    from_entries = cache.parts(keys)
    assert len(keys) == 3
    assert {k: attributes(p) for k, p in from_rows.items()} == \
        {k: attributes(p) for k, p in from_entries.items()}
    assert all("exports" not in attributes(p) for p in from_rows.values())
    assert [json.loads(p.detail)["id"] for p in from_rows.values()] == \
        [p.id for p in from_rows.values()]  # (kept with the light parts)
    assert all(p.exports["csv"].startswith(p.id) for p in from_rows.values())  # (read now)
    cache.close()
    assert all(Path(p.photos[0][0]).is_file() for p in from_rows.values() if p.photos)


def test_folder_hash_from_stamps_sees_a_same_size_edit_with_the_mtime_set_back(tmp_path,
                                                                                 monkeypatch):
    """A file whose stamp was recorded is not read again; an edit of the same size with its
    mtime restored still changes the hash (the ctime changed), as a new or removed file does."""
    monkeypatch.setattr(cache_module, "SETTLE_NS", 0)
    folder = tmp_path / "code"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.py").write_text("x = 1\n")
    (folder / "sub" / "b.html").write_text("<p>b</p>\n")
    plain = cache_module.hash_tree([folder])
    stamps = cache_module.Stamps({})
    first = cache_module.hash_tree([folder], stamps=stamps)
    assert first == plain and len(stamps.seen) == 2
    again = cache_module.Stamps(stamps.seen)
    real = cache_module.file_digest
    monkeypatch.setattr(cache_module, "file_digest", None)  # nothing is read now
    assert cache_module.hash_tree([folder], stamps=again) == first
    monkeypatch.setattr(cache_module, "file_digest", real)
    path = folder / "a.py"
    old = path.stat()
    path.write_text("x = 2\n")
    os.utime(path, ns=(old.st_atime_ns, old.st_mtime_ns))
    assert path.stat().st_size == old.st_size
    edited = cache_module.hash_tree([folder], stamps=cache_module.Stamps(again.seen))
    assert edited != first and edited == cache_module.hash_tree([folder])
    (folder / "sub" / "c.css").write_text("")
    assert cache_module.hash_tree([folder], stamps=cache_module.Stamps(again.seen)) != edited


def test_a_young_file_is_not_recorded(tmp_path):
    """A file written within SETTLE_NS is read every time until it is older (a second write
    in the same clock tick would keep its stamp)."""
    (tmp_path / "a.py").write_text("x = 1\n")
    stamps = cache_module.Stamps({})
    cache_module.hash_tree([tmp_path], stamps=stamps)
    assert stamps.seen == {}


def test_build_key_reads_no_unchanged_code_or_reference_file(project, monkeypatch):
    """A rebuild hashes the code, templates, theme sources and reference data from their
    stamps (recorded once settled); an edited template still changes every page (see
    test_incremental: test_changed_template_rebuilds_everything)."""
    monkeypatch.setattr(cache_module, "SETTLE_NS", 0)
    rebuild(project)  # records the stamps
    reads = []
    real = cache_module.file_digest
    monkeypatch.setattr(cache_module, "file_digest", lambda p: reads.append(p) or real(p))
    assert rebuild(project)["rendered"] == 0
    assert reads == []


def test_an_index_compressed_by_an_older_version_is_read(tmp_path):
    """Indexes were stored zlib-compressed; they are stored plain now and read either way."""
    import marshal
    import zlib

    cache = BuildCache(tmp_path)
    value = {"a.yaml": ((1, 2, 3, 4, 5), "d" * 32)}
    cache.db.execute("insert into indexes values (?, ?)",
                     ("files", zlib.compress(marshal.dumps(value), 1)))
    assert cache.files == value
    cache.files["b.yaml"] = ((1, 2, 3, 4, 6), "e" * 32)
    cache.close()
    again = BuildCache(tmp_path)
    assert again.files == {**value, "b.yaml": ((1, 2, 3, 4, 6), "e" * 32)}
    again.close()


def test_a_map_follows_its_spots_not_its_memo(project):
    """The gemeente map's key is memoised by its offers' entries; a moved offer (another
    entry, other spots) gets a new map, a changed description (other entry, same spots) none."""
    offers, site, _cache, _report = project
    kaart = site / "aanbod" / "rotterdam" / "kaart.html"
    before = kaart.read_bytes()
    path = offers / "rotterdam" / "stoelyoga-test.yaml"
    text = path.read_text("utf-8")
    assert "Na afloop is er thee." in text
    path.write_text(text.replace("Na afloop is er thee.", "Na afloop is er koffie."), "utf-8")
    assert rebuild(project)["rendered"] == 1
    assert kaart.read_bytes() == before
    path.write_text(text.replace("Stoelyoga in de test", "Stoelyoga verhuisd"), "utf-8")
    rebuild(project)
    assert b"Stoelyoga verhuisd" in kaart.read_bytes() and kaart.read_bytes() != before


def test_offer_ids_without_a_call_per_file_are_offer_id(tmp_path):
    """The fast path of offer_ids gives what offer_id (os.path.splitext) gives, also for
    names with more dots, a leading dot or another suffix."""
    from generator.catalogue.load import offer_id, offer_ids

    root = tmp_path / "offers"
    names = ["g/a.yaml", "g/a.b.yaml", "g/x.yml", "g/.yaml", "g/..yaml", "g/a..yaml",
             "g/.a.yaml", "g/x.YAML", "g/x.yaml.txt", "g.h/y.yaml", "yaml"]
    items = [(str(root / name), root) for name in names] + [(str(tmp_path / "z.yaml"), None)]
    assert offer_ids(items) == [offer_id(file, root) for file, root in items]
    assert offer_ids(items)[:4] == ["g/a", "g/a.b", "g/x", "g/.yaml"]


def test_duplicate_ids_by_case_are_found(tmp_path):
    """The one-pass check for duplicates still finds ids that differ in case only."""
    from generator.catalogue.load import _duplicate_ids

    root = tmp_path / "offers"
    items = [(str(root / "g" / "Zwemmen.yaml"), root), (str(root / "g" / "zwemmen.yml"), root),
             (str(root / "g" / "yoga.yaml"), root)]
    found = _duplicate_ids(items)
    assert sorted(p.path for p in found) == sorted(f for f, _root in items[:2])
    assert _duplicate_ids(items[1:]) == []


def test_one_pass_groupings_are_the_three_groupings():
    """groupings gives, in one pass, each group with its items in the order given: the
    gemeenten by slug, the activities by label, the target groups in the Dutch list's order
    (a broad group's page also lists the offers of its narrower terms)."""
    from types import SimpleNamespace

    from generator.catalogue.reference import load_reference
    from generator.catalogue.vocab import DOELGROEPEN, doelgroep_with_narrower, slugify
    from generator.site import overview

    ref = load_reference()
    codes = sorted(ref.activities)[:7]
    terms = [*DOELGROEPEN[:4], "artrose", "reuma", "COPD/longklachten", "gewrichtsklachten"]
    items = [SimpleNamespace(gemeente_slug=f"g{n % 5}", gemeente=f"G {n % 5}",
                             activities=[codes[n % 7], codes[(n + 1 + n % 3) % 7]][:1 + n % 2],
                             doelgroepen=terms[n % 8:n % 8 + n % 3]) for n in range(60)]
    got = overview.groupings(items, ref)
    slugs = sorted({item.gemeente_slug for item in items})
    used = sorted({c for item in items for c in item.activities},
                  key=lambda c: ref.activities[c].label.lower())
    targets = {g: [item for item in items
                   if set(item.doelgroepen) & set(doelgroep_with_narrower(g))]
               for g in DOELGROEPEN}
    want = {
        "aanbod": {slug: (f"G {slug[1:]}", [i for i in items if i.gemeente_slug == slug])
                   for slug in slugs},
        "activiteit": {c: (ref.activities[c].label, [i for i in items if c in i.activities])
                       for c in used},
        "doelgroep": {slugify(g): (g, found) for g, found in targets.items() if found},
    }
    assert got == want
    assert [list(g) for g in got.values()] == [list(g) for g in want.values()]
    assert len(got["doelgroep"]["gewrichtsklachten"][1]) > \
        sum("gewrichtsklachten" in item.doelgroepen for item in items)  # (narrower terms too)


def test_sitemap_escapes_when_it_must():
    """URLs without &, < or > are written as they are; otherwise every one is escaped."""
    from generator.site.sitemap import sitemap_files

    plain = sitemap_files("https://x.example/", ["", "a/", "b/c/"])["sitemap.xml"]
    assert "<loc>https://x.example/b/c/</loc>" in plain
    odd = sitemap_files("https://x.example/", ["a&b/", "c/"])["sitemap.xml"]
    assert "<loc>https://x.example/a&amp;b/</loc>" in odd
    assert "<loc>https://x.example/c/</loc>" in odd


def test_search_file_from_runs_is_the_search_file(monkeypatch):
    """zoek.json joined from memoised runs is byte for byte the one made from all rows, for
    any runs (one per offer, a few, one) and after an offer changed, came or went."""
    import random
    from types import SimpleNamespace

    from generator.catalogue.reference import load_reference
    from generator.opendata import export
    from generator.site import render

    ref = load_reference()
    rng = random.Random(5)
    codes = len(ref.activities)

    def offer(n):
        return SimpleNamespace(id=f"g/o{n}", key=f"k{n}-{rng.random()}", search={
            "y": rng.randrange(500000, 540000), "x": rng.randrange(30000, 70000),
            "a": rng.randrange(codes) if n % 3 else [1, rng.randrange(codes)],
            "g": rng.randrange(1 << 20), "t": rng.randrange(1 << 22), "k": rng.randrange(-1, 40),
            "f": rng.randrange(1024), "l": rng.randrange(8), "j": rng.randrange(1 << 14)})

    items = [offer(n) for n in range(40)]
    store: dict = {}
    cache = SimpleNamespace(build_key="b", memo=lambda key, make: store.get(key) or
                            store.setdefault(key, make()))
    for run_every in (1, 3, 1024):
        monkeypatch.setattr(export, "RUN_EVERY", run_every)
        for version in (items, [*items[:7], offer(99), *items[8:]], items[1:], [], items[:1]):
            assert render.search_json_from_runs(version, ref, cache) == \
                render.search_json(version, ref)


def test_a_map_follows_every_offer_on_it(project):
    """Not only the first offer of a gemeente: a later one's new title reaches its map."""
    offers, site, _cache, _report = project
    path = offers / "rotterdam" / "walking-football-test.yaml"
    path.write_text(path.read_text("utf-8").replace("Walking football in de test",
                                                    "Walking football verplaatst"), "utf-8")
    rebuild(project)
    kaart = (site / "aanbod" / "rotterdam" / "kaart.html").read_text("utf-8")
    assert "Walking football verplaatst" in kaart and "Stoelyoga in de test" in kaart


def test_rebuilt_site_from_many_segments_is_the_fresh_site(project, tmp_path, monkeypatch):
    """With every entry a segment of its own, the unchanged offers come from segments (their
    LAZY parts read for the shard made again), and the site is the fresh one."""
    monkeypatch.setattr(cache_module, "SEGMENT_CUT", "")  # every key ends with ""
    offers, site, _cache, _report = project
    rebuild(project)  # stores one segment per entry
    path = offers / "rotterdam" / "stoelyoga-test.yaml"
    path.write_text(path.read_text("utf-8").replace("Stoelyoga in de test", "Stoelyoga nieuw"),
                    encoding="utf-8")
    read = []
    real = cache_module._light
    monkeypatch.setattr(cache_module, "_light", lambda blob: read.append(1) or real(blob))
    report = rebuild(project)
    assert (report["rendered"], report["reused"], len(read)) == (1, 2, 1)  # (the new entry)
    fresh = tmp_path / "fresh"
    build_site(offers, fresh, ROOT / "mkdocs.yml", today=TODAY, cache_dir=tmp_path / "c2")
    built = {rel: data for rel, (_mtime, data) in snapshot(site).items()}
    assert built == {rel: data for rel, (_mtime, data) in snapshot(fresh).items()}


def test_lookups_of_many_keys_go_in_batches_and_miss_none(monkeypatch):
    """Products, memo entries and offer entries are looked up LOOKUP keys per query: every
    stored key is found, also past the first batch."""
    from generator import cache as cache_module

    monkeypatch.setattr(cache_module, "LOOKUP", 2)
    cache = cache_module.BuildCache(None)
    keys = [f"k{i}" for i in range(5)]
    cache.store_products([(k, f"d{k}", zlib.compress(k.encode())) for k in keys])
    cache.remember({k: k.encode() for k in keys})
    assert cache.product_digests([*keys, "nee"]) == {k: f"d{k}" for k in keys}
    assert cache.lookup_many([*keys, "nee"]) == {k: k.encode() for k in keys}
    cache.close()


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=5000), st.integers(min_value=0, max_value=3))
def test_packed_bytes_are_a_zlib_stream_of_the_bytes(data, level):
    """What the cache stores (ISA-L) is read back with zlib, at every level it uses."""
    assert zlib.decompress(packed(data, level)) == data


def test_packed_pages_are_compressed_and_stored_as_they_are_at_level_0():
    page = ("<li><a href='../x/'>Wandelen in het park</a> maandag 10:00</li>" * 400).encode()
    assert len(packed(page)) < len(page) / 10
    assert len(packed(page, 0)) > len(page)  # (level 0: the bytes as they are, framed)
    product = BuildCache(None)
    digest_, read = product.product("k", lambda: page)
    assert read() == page and product.product_bytes("k") == page


@dataclasses.dataclass
class OneLight:
    """A class with one light field (and a LAZY one)."""

    key: str
    heavy: str = ""
    LAZY: ClassVar[tuple[str, ...]] = ("heavy",)


def test_segment_of_a_class_with_one_light_field():
    items = [OneLight("k1", "big"), OneLight("k2")]
    again = _unpack_rows(_pack_rows(items))
    assert [item.key for item in again] == ["k1", "k2"]
    assert all("heavy" not in attributes(item) for item in again)


def test_segment_written_uncompressed_by_an_older_version_is_not_read():
    """`parts` reads the entries instead (it takes a ValueError as another version)."""
    with pytest.raises(ValueError, match="another version"):
        _unpack_rows(marshal.dumps((b"", ("key",), [("k1",)], b"")))
