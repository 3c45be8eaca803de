"""The build cache: content-addressed products of each offer, and what the last build wrote.

An entry's key is a hash of everything its products depend on: the offer file's bytes and id,
and the build key (the generator's code, templates and static files, the reference data, the
settings, the theme's pages and today's date). A change to any of those is a different key, so
a stale entry can never be used. Photos are checked by size and mtime when an entry is read.
"""

import hashlib
import marshal
import pickle  # noqa: S403 (the cache is written and read by this program only, locally)
import sqlite3
import struct
import zlib
from collections.abc import Iterable
from functools import partial
from pathlib import Path

SCHEMA = """
drop table if exists offers;
create table if not exists entries (key text primary key, light blob, heavy blob, page blob);
create table if not exists blobs (key text primary key, value blob);
create table if not exists indexes (name text primary key, value blob);
create table if not exists products (key text primary key, digest text, value blob);
"""
LOOKUP = 500  # keys per `select ... where key in (...)`
# SQLite's page cache (KiB; its default is 2 MB): a fresh build inserts ~10 KB per offer in
# random key order, and with the default cache half the insert time went to re-reading pages
# of the key index (50,000 offers: 2.6 s -> 1.3 s of the parent's time).
CACHE_KIB = 64 * 1024


def hash_tree(paths: list[Path], salt: str = "") -> str:
    """A hash of the names and bytes of every file under `paths` (files or folders)."""
    h = hashlib.blake2b(salt.encode(), digest_size=16)
    for root in paths:
        files = sorted(p for p in Path(root).rglob("*") if p.is_file()) if Path(root).is_dir() \
            else [Path(root)] if Path(root).is_file() else []
        for path in files:
            if "__pycache__" in path.parts:
                continue
            h.update(str(path.relative_to(root) if path != root else path.name).encode())
            h.update(path.read_bytes())
    return h.hexdigest()


def digest(data: bytes) -> str:
    """The content address of some bytes (as the site writer's)."""
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def key_of(*parts: str, members: Iterable[str] = ()) -> str:
    """A hash of some strings and of the keys of the members a file is made from: the memo
    key of that file."""
    h = hashlib.blake2b("\0".join(parts).encode(), digest_size=16)
    h.update(b"\1")
    h.update("\0".join(members).encode())
    return h.hexdigest()


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
    after the others: `BuildCache.parts` reads them only when they are asked for. The page is
    kept as it is: compressing it cost more time per offer than storing the extra bytes."""
    light = dict(vars(parts))
    heavy = {name: light.pop(name) for name in getattr(type(parts), "LAZY", ()) if name in light}
    first = pickle.dumps((type(parts), light), pickle.HIGHEST_PROTOCOL)
    blob = SIZE.pack(len(first)) + first + pickle.dumps(heavy, pickle.HIGHEST_PROTOCOL)
    return key, blob, page


SIZE = struct.Struct("<I")  # the length of the first pickle in a packed entry


def unpack_parts(blob: bytes) -> object:
    """The products in a cache row's pickled parts."""
    view = memoryview(blob)
    size = SIZE.unpack_from(view)[0]
    parts = _light(view[SIZE.size:SIZE.size + size])
    vars(parts).update(pickle.loads(view[SIZE.size + size:]))  # noqa: S301 (our own cache)
    return parts


def _light(blob) -> object:
    """The products without the LAZY ones."""
    cls, light = pickle.loads(blob)  # noqa: S301 (our own cache file)
    parts = cls.__new__(cls)
    vars(parts).update(light)
    return parts


def _lookup(db: sqlite3.Connection, key: str) -> bytes | None:
    """A memo entry's bytes, or None."""
    row = db.execute("select value from blobs where key = ?", (key,)).fetchone()
    return None if row is None else zlib.decompress(row[0])


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
        self.db = sqlite3.connect(path, timeout=60)
        self.db.execute(f"pragma cache_size = -{CACHE_KIB}")
        self.db.executescript(SCHEMA)
        self.used_blobs: set[str] = set()
        self.used_products: set[str] = set()
        self.fresh_pages: dict[str, bytes] = {}  # key -> compressed page, made by this build
        self.build_key = ""  # set by the pipeline: memo keys of build-wide files include it
        self._files: dict | None = None  # the offer files' index, loaded when first asked for
        self._loaded: dict[str, bytes] = {}  # the indexes as they were loaded

    @property
    def files(self) -> dict:
        """The offer files' index (path -> (stat stamp, digest), catalogue.load.read_sources
        reads and updates it); saved when the cache is closed."""
        if self._files is None:
            self._files = self._index("files")
        return self._files

    def _index(self, name: str) -> dict:
        """A dict stored by `_save_index` (empty when there is none)."""
        row = self.db.execute("select value from indexes where name = ?", (name,)).fetchone()
        if row is None:
            return {}
        self._loaded[name] = zlib.decompress(row[0])
        return marshal.loads(self._loaded[name])  # noqa: S302 (our own file)

    def _save_index(self, name: str, value: dict) -> None:
        """Store a dict of plain values (marshal: many times faster to load than pickle),
        unless it is what was loaded."""
        data = marshal.dumps(value)
        if self._loaded.get(name) != data:
            self.db.execute("insert or replace into indexes values (?, ?)",
                            (name, zlib.compress(data, 1)))

    def parts(self, keys: list[str]) -> dict[str, object]:
        """The cached products for those keys that are present; the LAZY products of each
        are read from the cache when first asked for (while the cache is open)."""
        found: dict[str, object] = {}
        keys = list(dict.fromkeys(keys))
        for start in range(0, len(keys), LOOKUP):
            chunk = keys[start:start + LOOKUP]
            marks = ",".join("?" * len(chunk))
            query = f"select key, light from entries where key in ({marks})"  # noqa: S608
            for key, blob in self.db.execute(query, chunk):
                parts = found[key] = _light(blob)
                vars(parts)["_load"] = partial(self._heavy, key)
        return found

    def _heavy(self, key: str) -> dict:
        """The LAZY products of one entry."""
        row = self.db.execute("select heavy from entries where key = ?", (key,)).fetchone()
        return pickle.loads(row[0])  # noqa: S301 (our own cache file)

    def page(self, key: str) -> bytes:
        """The rendered page of one entry (from memory when this build made it)."""
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
        if keep_pages:
            self.fresh_pages.update((key, page) for key, _parts, page in entries)

    def memo(self, key: str, make, level: int = 1) -> bytes:
        """The bytes stored under `key`, made (and stored) by `make()` the first time (zlib
        `level` 0 for bytes that are compressed already)."""
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
        found: dict[str, bytes] = {}
        for start in range(0, len(keys), LOOKUP):
            chunk = keys[start:start + LOOKUP]
            marks = ",".join("?" * len(chunk))
            query = f"select key, value from blobs where key in ({marks})"  # noqa: S608
            found.update((k, zlib.decompress(v)) for k, v in self.db.execute(query, chunk))
        return found

    def remember(self, made: dict[str, bytes | None], level: int = 1) -> None:
        """Mark memo entries as used by this build, storing those made now (`None`: found in
        the cache, nothing to store)."""
        self.used_blobs.update(made)
        new = [(key, zlib.compress(value, level)) for key, value in made.items()
               if value is not None]
        if new:
            self.db.executemany("insert or replace into blobs values (?, ?)", new)

    def product(self, key: str, make) -> tuple[str, object]:
        """A build-wide file stored under `key` (a hash of all it is made from): its digest,
        and a function that gives its bytes. Made (and stored) by `make()` the first time;
        after that its bytes are only read when the file has to be written."""
        self.used_products.add(key)
        row = self.db.execute("select digest from products where key = ?", (key,)).fetchone()
        if row is not None:
            return row[0], lambda: self._product_bytes(key)
        value = make()
        found = digest(value)
        self.db.execute("insert or replace into products values (?, ?, ?)",
                        (key, found, zlib.compress(value, 1)))
        return found, lambda: value

    def _product_bytes(self, key: str) -> bytes:
        """The stored bytes of a product."""
        row = self.db.execute("select value from products where key = ?", (key,)).fetchone()
        return zlib.decompress(row[0])

    def keep_only(self, keys: set[str]) -> None:
        """Forget entries this build did not use (old versions of changed offers and maps)."""
        for table, used in (("entries", keys), ("blobs", self.used_blobs),
                            ("products", self.used_products)):
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

    def close(self) -> None:
        """Save the offer files' index, commit and close."""
        if self._files is not None:
            self._save_index("files", self._files)
        self.db.commit()
        self.db.close()
