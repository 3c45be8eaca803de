"""The build cache: content-addressed products of each offer, and what the last build wrote.

An entry's key is a hash of everything its products depend on: the offer file's bytes and id,
and the build key (the generator's code, templates and static files, the reference data, the
settings, the theme's pages and today's date). A change to any of those is a different key, so
a stale entry can never be used. Photos are checked by size and mtime when an entry is read.
"""

import dataclasses
import hashlib
import marshal
import os
import pickle  # noqa: S403 (the cache is written and read by this program only, locally)
import sqlite3
import struct
import threading
import time
import zlib
from collections.abc import Iterable
from functools import lru_cache, partial
from operator import attrgetter
from pathlib import Path

from isal import isal_zlib

SCHEMA = """
drop table if exists offers;
create table if not exists entries (key text primary key, light blob, heavy blob, page blob);
create table if not exists blobs (key text primary key, value blob);
create table if not exists indexes (name text primary key, value blob);
create table if not exists products (key text primary key, digest text, value blob);
create table if not exists rows (key text primary key, value blob);
"""
LOOKUP = 500  # keys per `select ... where key in (...)`
# SQLite's page cache (KiB; its default is 2 MB): a fresh build inserts ~10 KB per offer in
# random key order, and with the default cache half the insert time went to re-reading pages
# of the key index (50,000 offers: 2.6 s -> 1.3 s of the parent's time).
CACHE_KIB = 64 * 1024
# The light parts of all entries are also kept in segments (`BuildCache.parts`): runs of about
# 256 entries in the order of the offer files, stored together under a hash of their keys, so
# a rebuild reads one row (marshal) per run instead of one pickle per offer, and makes the
# objects in the order of the files (the site's pages are written in that order).
SEGMENT_CUT = "00"


# Files younger than this (mtime or ctime) are not recorded in a stamp index: a second write
# within the same clock tick would keep the stamp (as catalogue.load.SETTLE_NS).
SETTLE_NS = 3_000_000_000


def hash_tree(paths: list[Path], salt: str = "", stamps: "Stamps | None" = None) -> str:
    """A hash of the names and bytes of every file under `paths` (files or folders).

    With `stamps` (kept between builds), a file whose stat stamp (size, mtime, ctime, inode,
    device) is the recorded one is taken to have the recorded digest without being read, as
    the offer files are (catalogue/load.py): any write, rename or utime changes the ctime."""
    h = hashlib.blake2b(salt.encode(), digest_size=16)
    for root in paths:
        files = sorted(p for p in Path(root).rglob("*") if p.is_file()) if Path(root).is_dir() \
            else [Path(root)] if Path(root).is_file() else []
        for path in files:
            if "__pycache__" in path.parts:
                continue
            h.update(str(path.relative_to(root) if path != root else path.name).encode())
            h.update(b"\0")
            h.update(stamps.digest(str(path)) if stamps is not None
                     else file_digest(str(path)).encode())
    return h.hexdigest()


def file_digest(path: str) -> str:
    """The content address of a file's bytes."""
    with open(path, "rb") as f:
        return digest(f.read())


class Stamps:
    """path -> (stat stamp, digest of the bytes): the files the build key and the theme key
    are hashed from, so that unchanged files are not read every build."""

    def __init__(self, known: dict):
        """Start from the index the last build left (`known`)."""
        self.known = known
        self.seen: dict[str, tuple] = {}
        self.settled = time.time_ns() - SETTLE_NS

    def digest(self, path: str) -> bytes:
        """The digest of one file's bytes (as bytes to hash), read only when its stamp is new."""
        st = os.stat(path)
        mark = (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev)
        old = self.seen.get(path) or self.known.get(path)
        if old is not None and old[0] == mark:
            found = old[1]
        else:
            found = file_digest(path)
        if st.st_mtime_ns < self.settled and st.st_ctime_ns < self.settled:
            self.seen[path] = (mark, found)
        return found.encode()


def packed(data: bytes, level: int = 1) -> bytes:
    """Bytes compressed for the cache: a zlib stream (`unpacked` reads it back). Made by
    ISA-L at `level` 1 to 3 (at 1 a third of zlib's time at 1, ~2 % larger: the products of a
    fresh 50k build, 67 MB, 0.42 s -> 0.13 s); stored as they are at 0 (compressed already)."""
    return isal_zlib.compress(data, level) if level else zlib.compress(data, 0)


def unpacked(data: bytes) -> bytes:
    """The bytes `packed` compressed (or any zlib stream), by ISA-L: about twice as fast."""
    return isal_zlib.decompress(data)


def digest(data: bytes) -> str:
    """The content address of some bytes: the files the site writer writes, the products.
    (SHA-256, cut to 128 bits: on a CPU with SHA instructions, as x86 CPUs have had since
    2017-19, twice as fast as BLAKE2b on an offer page, 4.4 against 8.8 µs, and every page of
    a build is hashed.)"""
    return hashlib.sha256(data).hexdigest()[:32]


def key_of(*parts: str, members: Iterable[str] = ()) -> str:
    """A hash of some strings and of the keys of the members a file is made from: the memo
    key of that file."""
    h = hashlib.blake2b("\0".join(parts).encode(), digest_size=16)
    h.update(b"\1")
    h.update("\0".join(members).encode())
    return h.hexdigest()


def segments(keys: Iterable[str]) -> list[tuple[str, list[str]]]:
    """Entry keys (in the order of the offer files) in runs, each with its own key: a hash of
    its members' keys. A run ends before a key that ends in SEGMENT_CUT (one in 256), so an
    offer added, removed or changed changes its own run only (or merges two)."""
    runs: list[list[str]] = []
    members: list[str] = []
    for key in keys:
        if members and key.endswith(SEGMENT_CUT):
            runs.append(members)
            members = []
        members.append(key)
    if members:
        runs.append(members)
    return [(key_of("rows", members=members), members) for members in runs]


def entry_key(build_key: str, offer_id: str, digest: str) -> str:
    """The key of one offer's products (`digest`: the content address of the file's bytes,
    catalogue.load.source_digest)."""
    h = hashlib.blake2b(build_key.encode(), digest_size=16)
    h.update(offer_id.encode())
    h.update(b"\0")
    h.update(digest.encode())
    return h.hexdigest()


def packed_entry(key: str, parts: object, page: bytes) -> tuple[str, bytes, bytes]:
    """One offer's cache row: (key, pickled products, page). The products named in their
    class's LAZY (the big ones, needed only for the files being made again) are pickled apart,
    after the others: `BuildCache.parts` reads them only when they are asked for. The page
    (what render.stored_page makes a page of) is kept as it is: compressing it cost more time
    per offer than storing the extra bytes."""
    cls = type(parts)
    # A dataclass's light values go as a tuple in the order of its RowPlan, made again by
    # calling the class: a third less time to read back than a dict set attribute by
    # attribute (what the parent of a fresh build does for every offer), and a fifth smaller.
    if dataclasses.is_dataclass(cls):
        plan = row_plan(cls)
        light = plan.row(parts)
        heavy = {name: value for name in plan.lazy
                 if (value := getattr(parts, name, UNSET)) is not UNSET}
    else:
        light = attributes(parts)
        heavy = {name: light.pop(name) for name in getattr(cls, "LAZY", ()) if name in light}
    first = pickle.dumps((cls, light), pickle.HIGHEST_PROTOCOL)
    blob = SIZE.pack(len(first)) + first + pickle.dumps(heavy, pickle.HIGHEST_PROTOCOL)
    return key, blob, page


SIZE = struct.Struct("<I")  # the length of the first pickle in a packed entry


def attributes(obj: object) -> dict:
    """The attributes of an object that are set (its __dict__, or its slots read through their
    descriptors, so no LAZY part is loaded), without private ones (`_load`)."""
    found = getattr(obj, "__dict__", None)
    if found is not None:
        return {name: value for name, value in found.items() if not name.startswith("_")}
    out = {}
    for name, slot in _slots(type(obj)):
        try:
            out[name] = slot.__get__(obj)
        except AttributeError:  # not set
            pass
    return out


@lru_cache(maxsize=16)
def _slots(cls: type) -> list[tuple[str, object]]:
    """The public slots of a class (with their descriptors)."""
    return [(name, vars(c)[name]) for c in cls.__mro__ for name in vars(c).get("__slots__", ())
            if not name.startswith("_")]


def restore(cls: type, state: dict) -> object:
    """An object of `cls` with these attributes (no __init__)."""
    obj = cls.__new__(cls)
    add(obj, state)
    return obj


def add(obj: object, state: dict) -> None:
    """Set attributes of an object."""
    found = getattr(obj, "__dict__", None)
    if found is not None:
        found.update(state)
    else:
        for name, value in state.items():
            setattr(obj, name, value)


def unpack_light(blob: bytes) -> object:
    """The products in a cache row's pickled parts without the LAZY ones."""
    return _light(memoryview(blob)[SIZE.size:SIZE.size + SIZE.unpack_from(blob)[0]])


def _light(blob) -> object:
    """The products without the LAZY ones."""
    cls, light = pickle.loads(blob)  # noqa: S301 (our own cache file)
    if type(light) is tuple:  # (a dataclass's values, in the order of its RowPlan)
        return row_plan(cls).make(light)
    return restore(cls, light)


UNSET = object()  # (an attribute that is not set)


class RowPlan:
    """How the light parts of a class are stored in a segment: as a tuple of `names`, made
    again by calling the class (a dataclass: fast) with None for the LAZY fields, which are then
    unset again, or else set one by one."""

    def __init__(self, cls: type):
        """The plan for `cls` (a dataclass)."""
        self.cls = cls
        self.lazy = tuple(getattr(cls, "LAZY", ()))
        init = [f.name for f in dataclasses.fields(cls) if f.init]
        public = [n for n in init if not n.startswith("_")]
        self.names = tuple(n for n in public if n not in self.lazy)
        # Called with the light values and None for the LAZY fields in between: only when
        # those sit together among the public fields and the private ones come last.
        at = [public.index(n) for n in self.lazy if n in public]
        together = at == list(range(at[0], at[0] + len(at))) if at else True
        self.cut = (at[0] if at else len(public)) \
            if together and init[:len(public)] == public else None
        self.gap = (None,) * len(at)
        # the light values of one object, in the plan's order (a tuple, made in C)
        self.row = attrgetter(*self.names) if len(self.names) > 1 else \
            lambda item: (getattr(item, self.names[0]),)

    def make(self, values: tuple) -> object:
        """An object again from `row`'s values (its LAZY fields unset)."""
        if self.cut is None:
            return restore(self.cls, dict(zip(self.names, values, strict=True)))
        cut = self.cut
        item = self.cls(*values[:cut], *self.gap, *values[cut:])
        for name in self.lazy:
            delattr(item, name)
        return item


@lru_cache(maxsize=16)
def row_plan(cls: type) -> RowPlan:
    """The RowPlan of a class (made once)."""
    return RowPlan(cls)


def _pack_rows(items: list) -> bytes | None:
    """One segment: the light parts of some entries (all of one dataclass), marshalled (the
    values marshal cannot store, dates, Problems, pickled apart, per entry) and compressed
    (`packed`: a fresh build writes them all last, and the commit waits for the disk). None
    for mixed or other classes."""
    cls = type(items[0])
    if not dataclasses.is_dataclass(cls) or any(type(item) is not cls for item in items):
        return None
    plan = row_plan(cls)
    rows = [plan.row(item) for item in items]
    head = pickle.dumps(cls, pickle.HIGHEST_PROTOCOL)
    try:
        return packed(marshal.dumps((head, plan.names, rows, b"")))
    except ValueError:  # some entry holds a value marshal cannot store
        odd = {}
        plain = []
        for number, row in enumerate(rows):
            try:
                marshal.dumps(row)
                plain.append(row)
            except ValueError:
                odd[number] = row
                plain.append(None)
        return packed(marshal.dumps((head, plan.names, plain,
                                     pickle.dumps(odd, pickle.HIGHEST_PROTOCOL))))


def pack_rows(todo: list[tuple[str, list]]) -> list[tuple[str, bytes | None]]:
    """The segments `BuildCache.rows_to_save` gives, packed (`_pack_rows`; a big build does
    it in a forked child: see pipeline.start_export)."""
    return [(segment, _pack_rows(items)) for segment, items in todo]


def _unpack_rows(blob: bytes) -> list:
    """The objects of a segment packed by `_pack_rows` (without their LAZY parts)."""
    try:
        blob = unpacked(blob)
    except isal_zlib.error:  # (not compressed: written by an older version)
        raise ValueError("segment of another version of the cache") from None
    head, names, rows, odd = marshal.loads(blob)  # noqa: S302 (our own cache file)
    plan = row_plan(pickle.loads(head))  # noqa: S301 (our own cache file)
    if tuple(names) != plan.names:  # the class has other fields now: not these rows
        raise ValueError("segment of another version of the class")
    if odd:
        odd = pickle.loads(odd)  # noqa: S301 (our own cache file)
        rows = [odd[number] if row is None else row for number, row in enumerate(rows)]
    make = plan.make
    return [make(row) for row in rows]


def _rows_with_keys(db: sqlite3.Connection, columns: str, keys: list[str]) -> Iterable[tuple]:
    """`select <columns> where key in (...)` for many keys, LOOKUP keys per query (`columns`:
    the columns and the table, e.g. "key, value from blobs")."""
    for start in range(0, len(keys), LOOKUP):
        chunk = keys[start:start + LOOKUP]
        marks = ",".join("?" * len(chunk))
        yield from db.execute(f"select {columns} where key in ({marks})", chunk)  # noqa: S608


def _lookup(db: sqlite3.Connection, key: str) -> bytes | None:
    """A memo entry's bytes, or None."""
    row = db.execute("select value from blobs where key = ?", (key,)).fetchone()
    return None if row is None else unpacked(row[0])


class BuildCache:
    """Offer products and output manifests in one SQLite file (or in memory, without a folder)."""

    def __init__(self, folder: Path | None):
        """Open (or create) the cache in `folder`; None keeps nothing between builds."""
        if folder is not None:
            Path(folder).mkdir(parents=True, exist_ok=True)
            path = str(Path(folder) / "cache.sqlite")
        else:
            path = ":memory:"
        self.path = None if folder is None else path
        # compiled page templates (site/pages.py: Jinja's bytecode cache), None without a folder
        self.compiled_dir = None if folder is None else Path(folder) / "templates"
        self.db = sqlite3.connect(path, timeout=60)
        self.db.execute(f"pragma cache_size = -{CACHE_KIB}")
        self.db.executescript(SCHEMA)
        self.used_blobs: set[str] = set()
        self.used_products: set[str] = set()
        self.used_rows: set[str] = set()
        self.read_rows: set[str] = set()  # segments `parts` found whole in the rows table
        self._segments: tuple[list, list] = ([], [])  # the keys `parts` was asked for, in runs
        self.put_keys: set[str] = set()  # entries stored by this build
        self.fresh_pages: dict[str, bytes] = {}  # key -> stored page, made by this build
        self.build_key = ""  # set by the pipeline: memo keys of build-wide files include it
        self._files: dict | None = None  # the offer files' index, loaded when first asked for
        self._stamps: Stamps | None = None
        self._loaded: dict[str, bytes] = {}  # the indexes as they were loaded
        self._flusher: threading.Thread | None = None  # see write_out_soon

    @property
    def files(self) -> dict:
        """The offer files' index (path -> (stat stamp, digest), catalogue.load.read_sources
        reads and updates it); saved when the cache is closed."""
        if self._files is None:
            self._files = self._index("files")
        return self._files

    @property
    def stamps(self) -> Stamps:
        """The index of the files the build key and theme key are hashed from (`hash_tree`);
        saved when the cache is closed, with the files hashed in this build only."""
        if self._stamps is None:
            self._stamps = Stamps(self._index("stamps"))
        return self._stamps

    def _index(self, name: str) -> dict:
        """A dict stored by `_save_index` (empty when there is none)."""
        row = self.db.execute("select value from indexes where name = ?", (name,)).fetchone()
        if row is None:
            return {}
        data = row[0]  # (zlib-compressed by older versions: a zlib stream starts with 0x78)
        self._loaded[name] = zlib.decompress(data) if data[:1] == b"x" else data
        return marshal.loads(self._loaded[name])  # noqa: S302 (our own file)

    def _save_index(self, name: str, value: dict) -> None:
        """Store a dict of plain values (marshal: many times faster to load than pickle;
        not compressed: the manifest of a big site is saved every build), unless it is what
        was loaded."""
        data = marshal.dumps(value)
        if self._loaded.get(name) != data:
            self.db.execute("insert or replace into indexes values (?, ?)", (name, data))

    def parts(self, keys: list[str]) -> dict[str, object]:
        """The cached products for those keys that are present; the LAZY products of each
        are read from the cache when first asked for (while the cache is open). The light
        parts come from the segments `store_rows` stored, else from the entries one by one."""
        found: dict[str, object] = {}
        missing: list[str] = []
        keys = list(dict.fromkeys(keys))
        self._segments = (keys, segments(keys))
        for segment, members in self._segments[1]:
            row = self.db.execute("select value from rows where key = ?", (segment,)).fetchone()
            if row is None:
                missing += members
                continue
            try:
                made = _unpack_rows(row[0])
            except ValueError:  # (rows of another version of the class: read the entries)
                missing += members
                continue
            self.read_rows.add(segment)
            for key, parts in zip(members, made, strict=True):
                parts._load = partial(self._heavy, key)
                found[key] = parts
        for key, blob in _rows_with_keys(self.db, "key, light from entries", missing):
            parts = found[key] = _light(blob)
            parts._load = partial(self._heavy, key)
        return found

    def rows_to_save(self, parts: list) -> list[tuple[str, list]]:
        """The segments of this build's entries (objects with `key`) to store for the next
        build, each with its members: those `parts` did not find whole, or in which an entry
        was stored again (e.g. made again for a changed photo). All count as used."""
        keys = [item.key for item in parts]
        known, runs = self._segments
        if keys != known:  # (the segments `parts` found are those of these keys, mostly)
            runs = segments(keys)
        todo, start = [], 0
        for segment, members in runs:
            end = start + len(members)
            self.used_rows.add(segment)
            if segment not in self.read_rows or not self.put_keys.isdisjoint(members):
                todo.append((segment, parts[start:end]))
            start = end
        return todo

    def store_rows(self, packed: list[tuple[str, bytes | None]]) -> None:
        """Store segments packed by `pack_rows`."""
        self.db.executemany("insert or replace into rows values (?, ?)",
                            [(segment, blob) for segment, blob in packed if blob is not None])

    def stored(self, key: str, blob: bytes) -> object:
        """The products of an entry just stored (`put_packed`), as `parts` gives them: the
        LAZY ones are read from the cache when first asked for (and not kept in memory by a
        build that does not need them)."""
        parts = unpack_light(blob)
        parts._load = partial(self._heavy, key)
        return parts

    def _heavy(self, key: str) -> dict:
        """The LAZY products of one entry."""
        row = self.db.execute("select heavy from entries where key = ?", (key,)).fetchone()
        return pickle.loads(row[0])  # noqa: S301 (our own cache file)

    def page(self, key: str) -> bytes:
        """The page of one entry as it was stored (render.stored_page makes the page of it;
        from memory when this build made it)."""
        packed = self.fresh_pages.pop(key, None)
        if packed is None:
            row = self.db.execute("select page from entries where key = ?", (key,)).fetchone()
            packed = row[0]
        return packed

    def put(self, items: list[tuple[str, object, bytes]]) -> None:
        """Store (key, products, page) entries."""
        self.put_packed([packed_entry(k, p, page) for k, p, page in items])

    def put_packed(self, entries: list[tuple[str, bytes, bytes]], keep_pages: bool = True) -> None:
        """Store entries made by `packed_entry` (in worker processes: the parent only inserts);
        their pages stay in memory until this build has written them (unless the workers
        wrote them already: keep_pages False)."""
        rows = []
        for key, blob, page in entries:
            view = memoryview(blob)
            end = SIZE.size + SIZE.unpack_from(view)[0]
            rows.append((key, view[SIZE.size:end], view[end:], page))
        self.db.executemany("insert or replace into entries values (?, ?, ?, ?)", rows)
        self.put_keys.update(key for key, _parts, _page in entries)
        if keep_pages:
            self.fresh_pages.update((key, page) for key, _parts, page in entries)

    def memo(self, key: str, make, level: int = 1) -> bytes:
        """The bytes stored under `key`, made (and stored) by `make()` the first time (its
        `level` 0 for bytes that are compressed already, 1 to 3 else: see `packed`)."""
        self.used_blobs.add(key)
        value = self.lookup(key)
        if value is None:
            value = make()
            self.remember({key: value}, level)
        return value

    def lookup(self, key: str) -> bytes | None:
        """The bytes stored under `key` by `memo`, or None."""
        return _lookup(self.db, key)

    def lookup_many(self, keys: list[str]) -> dict[str, bytes]:
        """The memo entries present among `keys` (key -> bytes)."""
        return {k: unpacked(v)
                for k, v in _rows_with_keys(self.db, "key, value from blobs", keys)}

    def store_memos(self, made: dict[str, bytes]) -> None:
        """Store memo entries made ahead, elsewhere (a build worker's download pieces, which
        are compressed already): found by `lookup` and `lookup_many` from now on, but kept
        after this build only when asked for (`remember`) by it."""
        self._store_blobs(made, 0)

    def remember(self, made: dict[str, bytes | None], level: int = 1) -> None:
        """Mark memo entries as used by this build, storing those made now (`None`: found in
        the cache, nothing to store)."""
        self.used_blobs.update(made)
        self._store_blobs({key: value for key, value in made.items() if value is not None},
                          level)

    def _store_blobs(self, made: dict[str, bytes], level: int) -> None:
        """Insert memo entries, compressed at `level` (see `packed`)."""
        if made:
            self.db.executemany("insert or replace into blobs values (?, ?)",
                                [(key, packed(value, level)) for key, value in made.items()])

    def product(self, key: str, make) -> tuple[str, object]:
        """A build-wide file stored under `key` (a hash of all it is made from): its digest,
        and a function that gives its bytes. Made (and stored) by `make()` the first time;
        after that its bytes are only read when the file has to be written."""
        self.used_products.add(key)
        row = self.db.execute("select digest from products where key = ?", (key,)).fetchone()
        if row is not None:
            return row[0], lambda: self.product_bytes(key)
        value = make()
        found = digest(value)
        self.db.execute("insert or replace into products values (?, ?, ?)",
                        (key, found, packed(value)))
        return found, lambda: value

    def product_bytes(self, key: str) -> bytes:
        """The stored bytes of a product."""
        row = self.db.execute("select value from products where key = ?", (key,)).fetchone()
        return unpacked(row[0])

    def product_digests(self, keys: list[str]) -> dict[str, str]:
        """The digests of the products stored under any of `keys` (key -> digest); every key
        asked for counts as used by this build (those not found are about to be stored)."""
        self.used_products.update(keys)
        return dict(_rows_with_keys(self.db, "key, digest from products", keys))

    def store_products(self, rows: list[tuple[str, str, bytes]]) -> None:
        """Store products made elsewhere: (key, digest, bytes compressed by `packed`) each."""
        self.used_products.update(key for key, _digest, _packed in rows)
        self.db.executemany("insert or replace into products values (?, ?, ?)", rows)

    def keep_only(self, keys: set[str]) -> None:
        """Forget entries this build did not use (old versions of changed offers and maps)."""
        for table, used in (("entries", keys), ("blobs", self.used_blobs),
                            ("products", self.used_products), ("rows", self.used_rows)):
            old = [(k,) for (k,) in self.db.execute(f"select key from {table}")  # noqa: S608
                   if k not in used]
            if old:
                self.db.executemany(f"delete from {table} where key = ?", old)  # noqa: S608

    def manifest(self, site_dir: Path) -> dict[str, tuple[str, int, int]]:
        """What the last build wrote into `site_dir` (path -> digest, size, mtime)."""
        return self._index(f"manifest:{Path(site_dir).resolve()}")

    def save_manifest(self, site_dir: Path, manifest: dict[str, tuple[str, int, int]]) -> None:
        """Remember what this build wrote into `site_dir`."""
        self._save_index(f"manifest:{Path(site_dir).resolve()}", manifest)

    def commit(self) -> None:
        """Make this build's changes durable."""
        self.db.commit()

    def write_out_soon(self) -> None:
        """Start writing what SQLite has handed to the file system so far out to the disk, in
        a thread, while the build goes on (after the workers' entries are in: most of a fresh
        build's cache file). The commit at `close` then waits only for the rest: at 50,000
        offers its fsync took ~0.5 s, with both cores idle. SQLite's own syncs are unchanged;
        this only does part of their work sooner."""
        if self.path is None or self._flusher is not None:
            return
        self._flusher = threading.Thread(target=_fsync, args=(self.path,),
                                         name="cache-fsync", daemon=True)
        self._flusher.start()

    def close(self) -> None:
        """Save the offer files' index, commit and close."""
        if self._files is not None:
            self._save_index("files", self._files)
        if self._stamps is not None:
            self._save_index("stamps", self._stamps.seen)
        if self._flusher is not None:
            self._flusher.join()
        self.db.commit()
        self.db.close()


def _fsync(path: str) -> None:
    """Write a file's pages out to the disk (errors are left to SQLite's own sync)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
