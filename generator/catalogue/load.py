"""Load offer files: find them, read them, and run each through validate -> enrich.

`load_catalogue` is the catalogue core's entry point, shared by the site build, the referral
app and the contributor tools. Big catalogues are checked in parallel processes.
"""

import datetime as dt
import gc
import os
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from .enrich import enrich
from .offer import Catalogue, Offer
from .problems import Problem
from .reference import REFERENCE_DIR, Reference, load_reference
from .validate import check, parse

OFFER_SUFFIXES = (".yaml", ".yml")
MISNAMED = "dit bestand wordt overgeslagen; geef het de extensie .yaml (kleine letters)"


def find_offer_files(paths: list[Path]) -> list[tuple[Path, Path | None]]:
    """Expand files and folders into (offer file, catalogue root or None), sorted."""
    found = []
    for path in paths:
        path = Path(path)
        if path.is_dir():
            # offers/rotterdam/ is checked as part of offers/, so ids keep their gemeente
            root = next((a for a in (path, *path.parents) if a.name == "offers"), path)
            files = [
                Path(folder, name)
                for folder, _dirs, names in os.walk(path)
                for name in names
                if name.endswith(OFFER_SUFFIXES) or _misnamed(Path(name))
            ]
            found += [(p, root) for p in sorted(files)]
        else:
            root = next((a for a in path.parents if a.name == "offers"), None)
            found.append((path, root))
    return found


def offer_id(path: Path, root: Path | None) -> str:
    """The id of an offer: '<gemeente folder>/<file name without .yaml>'."""
    if root is not None:
        full, base = str(path), str(root) + os.sep
        if full.startswith(base):  # the common case, without pathlib's parsing (50k files)
            return os.path.splitext(full[len(base):])[0].replace(os.sep, "/")
        return "/".join(path.relative_to(root).with_suffix("").parts)
    return f"{path.parent.name}/{path.stem}"


@dataclass(frozen=True)
class Source:
    """The bytes of one offer file, with where they came from."""

    path: Path
    root: Path | None
    raw: bytes
    id: str


def read_sources(paths: list[Path]) -> tuple[list[Source], list[Problem]]:
    """Read every offer file under `paths`; problems for skipped, unreadable or duplicate files."""
    items = find_offer_files(paths)
    sources, problems = [], _duplicate_ids(items)
    for path, root in items:
        if _misnamed(path):
            problems.append(Problem(str(path), 1, 1, "", MISNAMED))
            continue
        try:
            sources.append(Source(path, root, path.read_bytes(), offer_id(path, root)))
        except OSError as exc:
            problems.append(Problem(str(path), 1, 1, "",
                                    f"kan het bestand niet lezen: {exc.strerror}"))
    duplicate = {p.path for p in problems if "dubbele id" in p.message}
    return [s for s in sources if str(s.path) not in duplicate], problems


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


def _duplicate_ids(items: list[tuple[Path, Path | None]]) -> list[Problem]:
    """Two files that map to the same id (e.g. x.yaml and x.yml, or a different case)."""
    seen: dict[str, list[Path]] = defaultdict(list)
    for path, root in items:
        seen[offer_id(path, root).lower()].append(path)
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
    name = path.name.lower()
    return path.suffix not in OFFER_SUFFIXES and (
        path.suffix.lower() in OFFER_SUFFIXES or ".yaml." in name or ".yml." in name
    )
