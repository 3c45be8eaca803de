"""Load offer files: find them, read them, and run each through validate -> enrich.

`load_catalogue` is the catalogue core's entry point, shared by the site build, the referral
app and the contributor tools. Big catalogues are checked in parallel processes.
"""

import datetime as dt
import gc
import hashlib
import os
import time
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from operator import itemgetter
from pathlib import Path
from typing import NamedTuple

from .enrich import enrich
from .offer import Catalogue, Offer
from .problems import Problem
from .reference import REFERENCE_DIR, Reference, load_reference
from .validate import check, parse

OFFER_SUFFIXES = (".yaml", ".yml")
MISNAMED = "dit bestand wordt overgeslagen; geef het de extensie .yaml (kleine letters)"


def find_offer_files(paths: list[Path]) -> list[tuple[Path, Path | None]]:
    """Expand files and folders into (offer file, catalogue root or None), sorted."""
    return [(Path(file), root) for file, root in offer_files(paths)]


def offer_files(paths: list[Path]) -> list[tuple[str, Path | None]]:
    """`find_offer_files` with each file as a plain string (no Path per file: 50k files)."""
    found: list[tuple[str, Path | None]] = []
    for path in paths:
        path = Path(path)
        if path.is_dir():
            # offers/rotterdam/ is checked as part of offers/, so ids keep their gemeente
            root = next((a for a in (path, *path.parents) if a.name == "offers"), path)
            files: list[str] = []
            _sorted_walk(str(path), files)
            found += [(f, root) for f in files]
        else:
            root = next((a for a in path.parents if a.name == "offers"), None)
            found.append((str(path), root))
    return found


def _sorted_walk(folder: str, out: list[str]) -> None:
    """The offer files under `folder` in the order of sorted Paths (component by component:
    "a/b.yaml" before "a-b/c.yaml", a folder's files where its name sorts), as os.walk
    finds them (symbolic links to folders are not followed)."""
    with os.scandir(folder) as found:
        entries = sorted(found, key=lambda entry: entry.name)
    for entry in entries:
        if entry.is_dir():
            if not entry.is_symlink():
                _sorted_walk(entry.path, out)
        elif entry.name.endswith(OFFER_SUFFIXES) or _misnamed_name(entry.name):
            out.append(entry.path)


def offer_id(path: Path | str, root: Path | None) -> str:
    """The id of an offer: '<gemeente folder>/<file name without .yaml>'."""
    if root is not None:
        full, base = str(path), str(root) + os.sep
        if full.startswith(base):  # the common case, without pathlib's parsing (50k files)
            return os.path.splitext(full[len(base):])[0].replace(os.sep, "/")
        return "/".join(Path(path).relative_to(root).with_suffix("").parts)
    path = Path(path)
    return f"{path.parent.name}/{path.stem}"


def offer_ids(items: list[tuple[str, Path | None]]) -> list[str]:
    """`offer_id` of each (file, root), the common case without a call per file (50k files)."""
    bases = {root: str(root) + os.sep for root in set(map(itemgetter(1), items))
             if root is not None}
    ids = []
    sep = os.sep
    for file, root in items:
        base = bases.get(root)
        if base is not None and file.startswith(base):
            rel = file[len(base):]
            # (os.path.splitext without a call: a name that does not start with a dot)
            if rel.endswith(".yaml") and rel[rel.rfind(sep) + 1] != "." and sep == "/":
                ids.append(rel[:-5])
            else:
                ids.append(os.path.splitext(rel)[0].replace(sep, "/"))
        else:
            ids.append(offer_id(file, root))
    return ids


class Source(NamedTuple):
    """One offer file: where it is, its id and the digest of its bytes. The bytes themselves
    are read only when they are needed (`raw`): a file whose stat matches the file index
    (see `read_sources`) is not read at all when its cache entry is present."""

    file: str
    root: Path | None
    id: str
    digest: str
    data: bytes | None = None  # the bytes, when they were read already

    @property
    def path(self) -> Path:
        """The file as a Path."""
        return Path(self.file)

    @property
    def raw(self) -> bytes:
        """The file's bytes; read now when needed, and refused when they are no longer the
        bytes the digest (and so the cache key) was made from."""
        if self.data is not None:
            return self.data
        data = Path(self.file).read_bytes()
        if source_digest(data) != self.digest:
            raise OSError(f"{self.file} veranderde tijdens de build; bouw opnieuw")
        return data


def source_digest(raw: bytes) -> str:
    """The content address of an offer file's bytes (part of its cache entry's key)."""
    return hashlib.blake2b(raw, digest_size=16).hexdigest()


# The file index: path -> (stat stamp, digest), as git's index does for its work tree. A
# file whose stamp (size, mtime, ctime, inode, device) is the one recorded is taken to have
# the recorded digest without being read. The ctime cannot be set back by a program (unlike
# the mtime, e.g. `touch -d` or a restored backup), so any write, rename or utime on the file
# changes the stamp. A file is only recorded when its mtime and ctime are SETTLE_NS older
# than the moment it was stat'ed: a write in the same clock tick as the recorded stamp would
# otherwise leave the stamp as it was ("racy git"). Such a young file is read every build
# until it is older. The digest, not the stamp, stays the cache key.
SETTLE_NS = 3_000_000_000


def read_sources(paths: list[Path], index: dict | None = None
                 ) -> tuple[list[Source], list[Problem]]:
    """Every offer file under `paths`; problems for skipped, unreadable or duplicate files.

    `index` (path -> (stamp, digest), kept by the caller between builds) lets unchanged files
    go unread; it is updated in place to the files found now. A file is read only when the
    index does not know its stamp (size, mtime, ctime, inode, device)."""
    index = {} if index is None else index
    items = offer_files(paths)
    ids = offer_ids(items)
    sources, problems = [], _duplicate_ids(items, ids)
    seen: dict = {}
    settled = time.time_ns() - SETTLE_NS
    stat, known_as, new = os.stat, index.get, tuple.__new__  # (one loop, no call per file)
    for (file, root), oid in zip(items, ids, strict=True):
        if not file.endswith(OFFER_SUFFIXES) and _misnamed_name(os.path.basename(file)):
            problems.append(Problem(file, 1, 1, "", MISNAMED))
            continue
        try:
            st = stat(file)
            mark = (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev)
            known = known_as(file)
            if known is not None and known[0] == mark:
                source = new(Source, (file, root, oid, known[1], None))
            else:
                with open(file, "rb") as f:
                    data = f.read()
                source = new(Source, (file, root, oid, source_digest(data), data))
        except OSError as exc:
            problems.append(Problem(file, 1, 1, "",
                                    f"kan het bestand niet lezen: {exc.strerror}"))
            continue
        sources.append(source)
        if st.st_mtime_ns < settled and st.st_ctime_ns < settled:
            seen[file] = (mark, source.digest)
    if seen != index:
        index.clear()
        index.update(seen)
    duplicate = {p.path for p in problems if "dubbele id" in p.message}
    return [s for s in sources if s.file not in duplicate], problems


def check_file(
    path: Path, root: Path | None, ref: Reference, today: dt.date, display: str | None = None
) -> tuple[Offer | None, list[Problem]]:
    """Read one offer file, then validate and enrich it."""
    shown = display or str(path)
    if _misnamed(path):
        return None, [Problem(shown, 1, 1, "", MISNAMED)]
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return None, [Problem(shown, 1, 1, "", f"kan het bestand niet lezen: {exc.strerror}")]
    return check_source(path, root, raw, ref, today, shown)


def check_source(path: Path, root: Path | None, raw: bytes, ref: Reference, today: dt.date,
                 shown: str) -> tuple[Offer | None, list[Problem]]:
    """validate -> enrich for the bytes of one offer file."""
    parsed, problems = parse(raw, shown, ref)
    if parsed is None:
        return None, problems
    oid = offer_id(path, root)
    problems = check(parsed, shown, oid, root, path.parent, ref, today)
    if any(p.severity == "error" for p in problems):
        return None, problems
    return enrich(oid, path, parsed.model, ref), problems


def _check_chunk(args) -> list[tuple[Offer | None, list[Problem]]]:
    """Worker: check a list of files (runs in a separate process for big catalogues)."""
    items, reference_dir, today, keep_offers = args
    ref = load_reference(reference_dir)
    results = [check_file(path, root, ref, today) for path, root in items]
    # Sending offers back costs the parent time; a plain validation only needs the problems.
    return results if keep_offers else [(None, problems) for _offer, problems in results]


def load_catalogue(
    paths: list[Path],
    reference_dir: Path = REFERENCE_DIR,
    today: dt.date | None = None,
    jobs: int | None = None,
    progress=None,
    keep_offers: bool = True,
) -> Catalogue:
    """Load every offer under `paths` and report all problems at once.

    Big catalogues are checked in parallel processes. With `keep_offers=False` (a validation
    that only reports) the offers themselves are not kept, which saves time at scale.
    """
    with gc_paused():
        return _load(
            paths,
            reference_dir,
            today or dt.date.today(),
            jobs or (os.cpu_count() or 1),
            progress,
            keep_offers,
        )


@contextmanager
def gc_paused():
    """Pause the cyclic garbage collector while loading: the objects built here live on, and
    repeated collections over a growing heap cost more than the loading itself at 50k offers."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _load(paths, reference_dir, today, jobs, progress, keep_offers) -> Catalogue:
    """The body of load_catalogue."""
    items = find_offer_files(paths)
    results: list[tuple[Offer | None, list[Problem]]] = []
    if len(items) >= 2000 and jobs > 1:
        size = 500
        chunks = [
            (items[i : i + size], reference_dir, today, keep_offers)
            for i in range(0, len(items), size)
        ]
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            for chunk in pool.map(_check_chunk, chunks):
                results += chunk
                if progress:
                    progress(len(results), len(items))
    else:
        ref = load_reference(reference_dir)
        for path, root in items:
            results.append(check_file(path, root, ref, today))
            if progress and len(results) % 500 == 0:
                progress(len(results), len(items))
    catalogue = Catalogue(files=len(items))
    for offer, problems in results:
        catalogue.problems += problems
        if offer is not None and keep_offers:
            catalogue.offers.append(offer)
    catalogue.problems += _duplicate_ids(items)
    duplicate = {p.path for p in catalogue.problems if "dubbele id" in p.message}
    catalogue.offers = [o for o in catalogue.offers if str(o.path) not in duplicate]
    return catalogue


def _duplicate_ids(items: list[tuple[Path | str, Path | None]],
                   ids: list[str] | None = None) -> list[Problem]:
    """Two files that map to the same id (e.g. x.yaml and x.yml, or a different case)."""
    seen: dict[str, list[Path | str]] = defaultdict(list)
    ids = ids if ids is not None else [offer_id(path, root) for path, root in items]
    if len(set(map(str.lower, ids))) == len(ids):  # (the common case, in one pass)
        return []
    for (path, _root), oid in zip(items, ids, strict=True):
        seen[oid.lower()].append(path)
    problems = []
    for oid, paths in seen.items():
        if len(paths) > 1:
            for path in paths:
                others = ", ".join(str(p) for p in paths if p != path)
                problems.append(
                    Problem(
                        str(path),
                        1,
                        1,
                        "",
                        f"dubbele id '{oid}': ook gebruikt "
                        f"door {others}; geef elk aanbod een eigen bestandsnaam",
                    )
                )
    return problems


def _misnamed(path: Path) -> bool:
    """Files meant as offers that would be skipped by name (.YAML, .yaml.txt)."""
    return _misnamed_name(path.name)


def _misnamed_name(name: str) -> bool:
    """`_misnamed` for a file name."""
    suffix = os.path.splitext(name)[1]
    lower = name.lower()
    return suffix not in OFFER_SUFFIXES and (
        suffix.lower() in OFFER_SUFFIXES or ".yaml." in lower or ".yml." in lower
    )
