"""The build cache: content-addressed products of each offer, and what the last build wrote.

An entry's key is a hash of everything its products depend on: the offer file's bytes and id,
and the build key (the generator's code, templates and static files, the reference data, the
settings, the theme's pages and today's date). A change to any of those is a different key, so
a stale entry can never be used. Photos are checked by size and mtime when an entry is read.
"""

import hashlib
import pickle  # noqa: S403 (the cache is written and read by this program only, locally)
import sqlite3
import zlib
from pathlib import Path

SCHEMA = """
create table if not exists offers (key text primary key, parts blob, page blob);
create table if not exists blobs (key text primary key, value blob);
create table if not exists manifests (site text primary key, manifest blob);
"""


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


def entry_key(build_key: str, offer_id: str, raw: bytes) -> str:
    """The key of one offer's products."""
    h = hashlib.blake2b(build_key.encode(), digest_size=16)
    h.update(offer_id.encode())
    h.update(b"\0")
    h.update(raw)
    return h.hexdigest()


def packed_entry(key: str, parts: object, page: bytes) -> tuple[str, bytes, bytes]:
    """One offer's cache row: (key, pickled products, compressed page)."""
    return key, pickle.dumps(parts, pickle.HIGHEST_PROTOCOL), zlib.compress(page, 1)


def unpack_parts(blob: bytes) -> object:
    """The products in a cache row's pickled parts."""
    return pickle.loads(blob)  # noqa: S301 (our own cache file)


class BuildCache:
    """Offer products and output manifests in one SQLite file (or in memory, without a folder)."""

    def __init__(self, folder: Path | None):
        """Open (or create) the cache in `folder`; None keeps nothing between builds."""
        if folder is not None:
            Path(folder).mkdir(parents=True, exist_ok=True)
            path = str(Path(folder) / "cache.sqlite")
        else:
            path = ":memory:"
        self.db = sqlite3.connect(path, timeout=60)
        self.db.executescript(SCHEMA)
        self.used_blobs: set[str] = set()
        self.fresh_pages: dict[str, bytes] = {}  # key -> compressed page, made by this build
        self.build_key = ""  # set by the pipeline: memo keys of build-wide files include it

    def parts(self, keys: list[str]) -> dict[str, object]:
        """The cached products for those keys that are present."""
        found: dict[str, object] = {}
        rows = self.db.execute("select key, parts from offers")
        wanted = set(keys)
        for key, blob in rows:
            if key in wanted:
                found[key] = unpack_parts(blob)
        return found

    def page(self, key: str) -> bytes:
        """The rendered page of one entry (from memory when this build made it)."""
        packed = self.fresh_pages.pop(key, None)
        if packed is None:
            row = self.db.execute("select page from offers where key = ?", (key,)).fetchone()
            packed = row[0]
        return zlib.decompress(packed)

    def put(self, items: list[tuple[str, object, bytes]]) -> None:
        """Store (key, products, page) entries."""
        self.put_packed([packed_entry(k, p, page) for k, p, page in items])

    def put_packed(self, entries: list[tuple[str, bytes, bytes]]) -> None:
        """Store entries made by `packed_entry` (in worker processes: the parent only inserts);
        their pages stay in memory until this build has written them."""
        self.db.executemany("insert or replace into offers values (?, ?, ?)", entries)
        self.fresh_pages.update((key, page) for key, _parts, page in entries)

    def memo(self, key: str, make) -> bytes:
        """The bytes stored under `key`, made (and stored) by `make()` the first time."""
        self.used_blobs.add(key)
        row = self.db.execute("select value from blobs where key = ?", (key,)).fetchone()
        if row is not None:
            return zlib.decompress(row[0])
        value = make()
        self.db.execute("insert or replace into blobs values (?, ?)",
                        (key, zlib.compress(value, 1)))
        return value

    def keep_only(self, keys: set[str]) -> None:
        """Forget entries this build did not use (old versions of changed offers and maps)."""
        for table, used in (("offers", keys), ("blobs", self.used_blobs)):
            old = [(k,) for (k,) in self.db.execute(f"select key from {table}")  # noqa: S608
                   if k not in used]
            if old:
                self.db.executemany(f"delete from {table} where key = ?", old)  # noqa: S608

    def manifest(self, site_dir: Path) -> dict[str, tuple[str, int, int]]:
        """What the last build wrote into `site_dir` (path -> digest, size, mtime)."""
        row = self.db.execute("select manifest from manifests where site = ?",
                              (str(Path(site_dir).resolve()),)).fetchone()
        return pickle.loads(zlib.decompress(row[0])) if row else {}  # noqa: S301 (our own)

    def save_manifest(self, site_dir: Path, manifest: dict[str, tuple[str, int, int]]) -> None:
        """Remember what this build wrote into `site_dir`."""
        blob = zlib.compress(pickle.dumps(manifest, pickle.HIGHEST_PROTOCOL), 1)
        self.db.execute("insert or replace into manifests values (?, ?)",
                        (str(Path(site_dir).resolve()), blob))

    def commit(self) -> None:
        """Make this build's changes durable."""
        self.db.commit()

    def close(self) -> None:
        """Commit and close."""
        self.db.commit()
        self.db.close()
