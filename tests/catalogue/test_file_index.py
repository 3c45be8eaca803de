"""The offer files' index (catalogue.load.read_sources): a file whose stat stamp is the
recorded one is not read again; any change to a file is still noticed."""

import os
import shutil
import time
from pathlib import Path

import pytest

from generator.catalogue import load
from generator.catalogue.load import read_sources, source_digest

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "offers"


@pytest.fixture
def offers(tmp_path):
    """A copy of the tiny catalogue."""
    folder = tmp_path / "offers"
    shutil.copytree(GOLDEN, folder)
    return folder


def by_id(sources):
    """Sources by offer id."""
    return {s.id: s for s in sources}


def settled(monkeypatch):
    """Treat files as old enough to be recorded (the tests wrote them a moment ago)."""
    monkeypatch.setattr(load, "SETTLE_NS", 0)
    time.sleep(0.02)  # past the file system's clock tick


def test_unchanged_files_are_not_read_again(offers, monkeypatch):
    """The second scan takes the digests from the index; the bytes are read on demand."""
    settled(monkeypatch)
    index: dict = {}
    first, _ = read_sources([offers], index)
    assert all(s.data is not None for s in first) and len(index) == 3
    second, _ = read_sources([offers], index)
    assert all(s.data is None for s in second)
    assert [(s.id, s.digest) for s in second] == [(s.id, s.digest) for s in first]
    assert all(s.raw == Path(s.file).read_bytes() for s in second)


def test_young_files_are_read_every_time(offers):
    """A file changed within SETTLE_NS is not recorded: a second write in the same clock
    tick would leave its stamp as it was."""
    index: dict = {}
    read_sources([offers], index)
    assert index == {}
    again, _ = read_sources([offers], index)
    assert all(s.data is not None for s in again)


def test_same_size_edit_with_restored_mtime_is_noticed(offers, monkeypatch):
    """The ctime is in the stamp: a program can set the mtime back, not the ctime."""
    settled(monkeypatch)
    index: dict = {}
    read_sources([offers], index)
    path = offers / "rotterdam" / "stoelyoga-test.yaml"
    old = os.stat(path)
    text = path.read_bytes()
    path.write_bytes(text.replace(b"Stoelyoga in de test", b"Stoelyoga in de TEST"))
    os.utime(path, ns=(old.st_atime_ns, old.st_mtime_ns))
    assert (os.stat(path).st_size, os.stat(path).st_mtime_ns) == (old.st_size, old.st_mtime_ns)
    source = by_id(read_sources([offers], index)[0])["rotterdam/stoelyoga-test"]
    assert source.data is not None and b"TEST" in source.raw
    assert source.digest == source_digest(path.read_bytes())


def test_moved_and_deleted_files(offers, monkeypatch):
    """A moved file is a new path (read, new id); a deleted one leaves the index."""
    settled(monkeypatch)
    index: dict = {}
    read_sources([offers], index)
    (offers / "delft").mkdir()
    os.rename(offers / "rotterdam" / "stoelyoga-test.yaml", offers / "delft" / "stoelyoga.yaml")
    (offers / "maastricht" / "zwemmen-test.yaml").unlink()
    sources = by_id(read_sources([offers], index)[0])
    assert set(sources) == {"delft/stoelyoga", "rotterdam/walking-football-test"}
    assert sources["delft/stoelyoga"].data is not None
    assert sources["rotterdam/walking-football-test"].data is None
    assert not any("maastricht" in path or "stoelyoga-test" in path for path in index)


def test_bytes_read_late_must_match_the_digest(offers, monkeypatch):
    """A file changed between the scan and the moment its bytes are needed is refused, so a
    cache entry can never hold the products of other bytes than its key says."""
    settled(monkeypatch)
    index: dict = {}
    read_sources([offers], index)
    source = by_id(read_sources([offers], index)[0])["maastricht/zwemmen-test"]
    Path(source.file).write_bytes(Path(source.file).read_bytes() + b"\n# later\n")
    with pytest.raises(OSError, match="veranderde tijdens de build"):
        _ = source.raw


def test_files_are_found_in_the_order_of_sorted_paths(tmp_path):
    """Component by component, as sorted Paths: ids and problems keep their order."""
    names = ["a/b.yaml", "a-b/c.yaml", "a.yaml", "a/a.yml", "A/x.yaml", "a b/x.YAML", "z/q/r.yaml",
             "z/q.yaml", "z/q.yaml.txt", "z/x.txt", "z/.yaml"]
    for name in names:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("titel: x\n", encoding="utf-8")
    (tmp_path / "link").symlink_to(tmp_path / "z", target_is_directory=True)
    found = [path for path, _root in load.find_offer_files([tmp_path])]
    expected = sorted(tmp_path / n for n in names if n != "z/x.txt")  # (misnamed ones too)
    assert found == expected
    items = load.offer_files([tmp_path, tmp_path / "z"])
    assert load.offer_ids(items) == [load.offer_id(file, root) for file, root in items]
