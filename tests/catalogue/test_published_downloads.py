"""The site's downloads: gzip files joined from pieces compressed per run of offers, byte for
byte the texts of export_files once unpacked; a changed offer compresses only its run again."""

import gzip
import os
import random
import subprocess
import zlib
from pathlib import Path
from types import SimpleNamespace

import pytest

from generator.catalogue.load import load_catalogue
from generator.catalogue.reference import load_reference
from generator.opendata import export, gzpieces
from generator.opendata.export import export_files, offer_exports, packed_package

from .conftest import TODAY

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "offers"
CREATED = "2026-11-22T00:00:00Z"


def test_joined_pieces_are_one_valid_gzip_file(tmp_path):
    """Any pieces, empty ones included: gunzip checks the combined CRC-32 and length."""
    rng = random.Random(12)
    for _ in range(20):
        texts = [rng.randbytes(rng.randrange(3000)) + b"ab" * rng.randrange(40000)
                 for _ in range(rng.randrange(6))]
        data = gzpieces.joined([gzpieces.piece(text, 1) for text in texts])
        assert gzip.decompress(data) == b"".join(texts)
        (tmp_path / "x.gz").write_bytes(data)
        subprocess.run(["gzip", "-t", str(tmp_path / "x.gz")], check=True)


def test_crc32_combine():
    for _ in range(50):
        a, b = os.urandom(random.randrange(500)), os.urandom(random.randrange(70000))
        assert gzpieces.crc32_combine(zlib.crc32(a), zlib.crc32(b), len(b)) == zlib.crc32(a + b)


@pytest.fixture(scope="module")
def items():
    """The golden offers' export parts, as the build's parts carry them."""
    ref = load_reference()
    offers = load_catalogue([GOLDEN], today=TODAY).offers
    return [SimpleNamespace(id=o.id, key=f"key-{o.id}", exports=offer_exports(o, ref))
            for o in offers]


def counting_memo(store: dict, made: list):
    """A memo in a dict that notes the keys it had to make."""
    def memo(key, make):
        if key not in store:
            made.append(key)
            store[key] = make()
        return store[key]
    return memo


@pytest.mark.parametrize("run_every", [1, 2, 1024])
def test_downloads_are_the_export_texts(items, monkeypatch, run_every):
    """Whatever the runs, the unpacked downloads are export_files' texts."""
    monkeypatch.setattr(export, "RUN_EVERY", run_every)
    texts = export_files([item.exports for item in items], CREATED)
    published = export.published_downloads(items, CREATED, counting_memo({}, []))
    assert published["datapackage.json"] == packed_package(texts["datapackage.json"]).encode()
    for name in export.COMPRESSED:
        assert gzip.decompress(published[f"{name}.gz"]) == texts[name].encode()
    assert set(published) == {"datapackage.json", *(f"{n}.gz" for n in export.COMPRESSED)}


def test_a_changed_offer_compresses_only_its_run(items, monkeypatch):
    """Every offer its own run: one changed offer, one piece per download made again."""
    monkeypatch.setattr(export, "RUN_EVERY", 1)
    store, made = {}, []
    export.published_downloads(items, CREATED, counting_memo(store, made))
    assert len(made) == 4 * len(items)  # the types and three pieces per run
    made.clear()
    changed = [*items[:1], SimpleNamespace(**{**vars(items[1]), "key": "new"}), *items[2:]]
    export.published_downloads(changed, CREATED, counting_memo(store, made))
    assert len(made) == 4 and all(key.endswith(export.key_of(members=["new"])) for key in made)


@pytest.mark.parametrize("run_every", [1, 2, 1024])
def test_memo_names_are_the_names_the_downloads_ask_for(items, monkeypatch, run_every):
    """The build looks the pieces up before it forks the export (the child has no cache):
    memo_names must name exactly what published_downloads asks its memo for."""
    monkeypatch.setattr(export, "RUN_EVERY", run_every)
    asked: list = []
    export.published_downloads(items, CREATED, counting_memo({}, asked))
    assert sorted(export.memo_names(items)) == sorted(asked)
