"""The build, one stage after another: load -> validate -> enrich -> render -> export.

    sources = read_sources(offers)                         load      (catalogue/load.py)
    offer   = check_source(source)                         validate, enrich (catalogue/)
    parts   = OfferRenderer.render(offer) + offer_exports  render, export per offer
    site    = render_site(parts) + export_site(parts)      render, export per build

Per-offer work is cached by content (generator/cache.py): a rebuild validates and renders
only the offers whose file changed, and writes only the files whose content changed. MkDocs
renders the theme and the hand-written pages once per theme change (site/adapter.py).
"""

import datetime as dt
import hashlib
import json
import os
import shutil
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

from .cache import BuildCache, entry_key, hash_tree, pack_rows, packed_entry
from .catalogue.coaches import load_coaches
from .catalogue.load import Source, check_source, gc_paused, read_sources
from .catalogue.problems import Problem
from .catalogue.reference import Reference, load_reference
from .catalogue.schema import json_schema
from .forked import Done, Forked
from .opendata.export import (
    check_package,
    memo_names,
    offer_exports,
    published_downloads,
    run_memos,
    runs_to_make,
    starts_run,
)
from .site import adapter, pages
from .site.adapter import Theme, drop_shells, plain_settings, start_theme, theme_in
from .site.data import REFERENCE_FILES, reference_files
from .site.output import Output
from .site.render import OfferParts, OfferRenderer, render_site
from .site.settings import Paths, Settings, read_settings
from .site.staging import publish, staging_folder, write_offer_files

PARALLEL_FROM = 1000  # offers to (re)build before worker processes pay off
CHUNK = 500
OPEN_DATA_DIR = "open-data"
VALIDATE_OPEN_DATA_UP_TO = 500  # Frictionless validation is slow; `beweegkaart export` validates


class BuildError(Exception):
    """The offers did not validate; `problems` holds every problem found."""

    def __init__(self, problems: list[Problem]):
        """Keep the problems for printing."""
        errors = [p for p in problems if p.severity == "error"]
        super().__init__(f"{len(errors)} fout(en) in de aanbod-bestanden")
        self.problems = problems
        self.errors = errors


@dataclass(frozen=True)
class Build:
    """The inputs of one build."""

    settings: Settings
    paths: Paths
    theme: Theme | None  # None until the pending theme of `run` is there
    site_dir: Path
    today: dt.date
    progress: object = None
    clean: bool = True  # empty site_dir first when the cache knows nothing about it
    jobs: int = os.cpu_count() or 1
    theme_key: str = ""  # the theme's key (when `theme` is still pending)


def build_site(offers_dir: Path, site_dir: Path, config_file: Path = Path("mkdocs.yml"),
               today: dt.date | None = None, progress=None, cache_dir: Path | None = None,
               jobs: int | None = None) -> dict:
    """Build the site for `offers_dir` into `site_dir`; return a build report.

    Raises BuildError (before anything is written into site_dir) when an offer is invalid.
    """
    started = time.perf_counter()
    settings, paths = read_settings(config_file)
    paths = replace(paths, offers_dir=Path(offers_dir).resolve(),
                    cache_dir=Path(cache_dir).resolve() if cache_dir else paths.cache_dir)
    cache = BuildCache(paths.cache_dir)
    jobs = jobs or (os.cpu_count() or 1)
    try:  # (MkDocs renders the theme in a child while the offer files are read)
        key, theme = start_theme(Path(config_file), paths.cache_dir, cache.stamps, jobs > 1)
    except BaseException:
        cache.close()
        raise
    build = Build(settings, paths, None, Path(site_dir), today or dt.date.today(), progress,
                  jobs=jobs, theme_key=key)
    with gc_paused():  # the whole build: the objects made here live until it ends
        report = run(build, cache, theme)
    return {**report, "total_s": time.perf_counter() - started}


def build_after_mkdocs(config) -> dict:
    """The pipeline inside a plain `mkdocs build` or `mkdocs serve` (called by the hook)."""
    settings, paths = plain_settings(config)
    site_dir = Path(config.site_dir)
    theme = theme_in(site_dir)
    drop_shells(site_dir)
    with gc_paused():
        return run(Build(settings, paths, theme, site_dir, dt.date.today(), clean=False))


def run(build: Build, cache: BuildCache | None = None, theme: Forked | Done | None = None
        ) -> dict:
    """load -> validate -> enrich -> render -> export, with the cache (opened here unless
    given; closed at the end). `theme`: the task giving the Theme when build.theme is None
    (see adapter.start_theme)."""
    say = build.progress or (lambda message: None)
    cache = cache or BuildCache(build.paths.cache_dir)
    try:
        ref = load_reference(build.paths.reference_dir)
    except BaseException:
        cache.close()
        if theme is not None:
            theme.cancel()
        raise
    previous = cache.manifest(build.site_dir)
    # A fresh build writes into a folder beside site/ (workers write offer pages meanwhile).
    staging = staging_folder(build.site_dir) if build.clean and not previous else None
    downloads = reference = None
    try:
        with gc_paused():
            key = cache.build_key = build_key(build, ref, cache)
            # a fresh build makes the reference data's files while the offer files are read
            reference = start_reference_files(ref, cache, fork=staging is not None
                                              and build.jobs > 1)
            sources, problems = read_sources([build.paths.offers_dir], cache.files)
            if theme is not None:
                build = replace(build, theme=theme.result())
            cache.remember(reference.result())
            parts, more, counts, files = offer_parts(sources, key, ref, build, cache, staging)
        coaches = load_coaches([build.paths.coaches_dir], build.paths.reference_dir, build.today)
        problems = [*problems, *more, *coaches.problems]
        if any(p.severity == "error" for p in problems):
            raise BuildError(problems)
        say(f"{len(parts)} aanbod gecontroleerd ({counts['rendered']} opnieuw); site bouwen...")
        visible = [p for p in parts if not p.expired(build.today)]
        out = open_output(build, previous, staging)
        out.adopt(files)
        many = counts["rendered"] >= PARALLEL_FROM and build.jobs > 1
        downloads = start_export(visible, build, cache, many, cache.rows_to_save(parts))
        report = render_site(visible, ref, build.settings, build.theme, out, cache,
                             coaches.coaches, fork=many)
        files, used, rows = downloads.result()
        export_site(files, used, out, cache, len(visible))
        report["removed"] = out.remove_stale()
        report["written"] = out.written
        if staging is not None:
            publish(staging, build.site_dir)
        cache.save_manifest(build.site_dir, out.manifest)
        cache.store_rows(rows)
        cache.keep_only({p.key for p in parts})
    except BaseException:
        for task in (theme, reference, downloads):
            if task is not None:
                task.cancel()
        if staging is not None and staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
        raise
    finally:
        cache.close()
    return {**report, **counts, "problems": problems,
            "warnings": [p for p in problems if p.severity == "warning"]}


def build_key(build: Build, ref: Reference, cache: BuildCache | None = None) -> str:
    """A hash of everything every offer's products depend on besides its own file: the code,
    the templates, the schema, the reference data, the settings, the theme and the date (the
    files hashed with the cache's stamp index, when given)."""
    stamps = cache.stamps if cache is not None else None
    code = hash_tree([Path(__file__).parent, pages.TEMPLATES, adapter.STATIC], stamps=stamps)
    h = hashlib.blake2b(digest_size=16)
    for part in (code, schema_text(ref), hash_tree([ref.folder], stamps=stamps),
                 repr(build.settings), build.theme_key or build.theme.key,
                 build.today.isoformat()):
        h.update(part.encode())
        h.update(b"\0")
    return h.hexdigest()


_SCHEMAS: dict = {}  # (json_schema, id(ref)) -> (ref, text), in this process


def schema_text(ref: Reference) -> str:
    """The JSON Schema as text (for the build key), made once per process for each schema
    function and Reference object (the schema is made from the code and the reference's
    activity codes; a Reference is not changed after loading)."""
    memo = (json_schema, id(ref))
    found = _SCHEMAS.get(memo)
    if found is None or found[0] is not ref:
        found = _SCHEMAS[memo] = (ref, json.dumps(json_schema(ref), sort_keys=True))
    return found[1]


def offer_parts(sources: list[Source], key: str, ref: Reference, build: Build,
                cache: BuildCache, staging: Path | None = None
                ) -> tuple[list[OfferParts], list[Problem], dict, list[tuple]]:
    """Each offer's parts: from the cache when its file is unchanged, else built (validated,
    enriched, rendered, exported) and stored; with the files written into `staging` (the
    pages of the offers built here, when the build is fresh)."""
    keys = [entry_key(key, s.id, s.digest) for s in sources]
    cached = {k: p for k, p in cache.parts(keys).items() if photos_unchanged(p)}
    todo = [(s, k) for s, k in zip(sources, keys, strict=True) if k not in cached]
    made, files = make_parts(todo, ref, build, cache, staging)
    fresh = {p.key: p for p, _problems in made if p is not None}
    parts = [cached.get(k) or fresh[k] for k in keys if k in cached or k in fresh]
    problems = [q for p in cached.values() for q in p.problems]
    problems += [q for _p, found in made for q in found]
    problems.sort(key=lambda p: (p.path, p.line, p.column))
    return parts, problems, {"reused": len(cached), "rendered": len(fresh)}, files


def photos_unchanged(parts: OfferParts) -> bool:
    """True when every photo still has the size and mtime it had when the entry was made."""
    for source, _name, size, mtime in parts.photos:
        try:
            stat = os.stat(source)
        except OSError:
            return False
        if (stat.st_size, stat.st_mtime_ns) != (size, mtime):
            return False
    return True


def make_parts(todo: list[tuple[Source, str]], ref: Reference, build: Build,
               cache: BuildCache, staging: Path | None) -> tuple[list[tuple], list[tuple]]:
    """Build and store the parts of the offers in `todo`, in worker processes when there are
    many; the cache rows are made by the workers and stored as each chunk comes back. With a
    staging folder, the workers write the offer pages there too; their manifest entries are
    returned with the parts."""
    if not todo:
        return [], []
    args = (ref.folder, build.settings, build.theme.shells[3], build.today, staging,
            cache.build_key, cache.compiled_dir)
    if len(todo) < PARALLEL_FROM or build.jobs < 2:
        return store(make_chunk((todo, *args)), cache, staging is None)
    chunks = [(chunk, *args) for chunk in chunked(todo)]
    say = build.progress or (lambda message: None)
    made: list[tuple] = []
    files: list[tuple] = []
    with ProcessPoolExecutor(max_workers=build.jobs) as pool:
        results = pool.map(make_chunk, chunks)  # every chunk is submitted here
        premake_reference_files(ref, cache)  # while the workers run
        # the coaches, whose first load reads the wijk outlines (memoised for the call in run)
        load_coaches([build.paths.coaches_dir], build.paths.reference_dir, build.today)
        for chunk in results:
            chunk_made, chunk_files = store(chunk, cache, staging is None)
            made += chunk_made
            files += chunk_files
            say(f"aanbod controleren en opmaken: {len(made)}/{len(todo)}")
    return made, files


def chunked(todo: list[tuple[Source, str]]) -> list[list[tuple[Source, str]]]:
    """The offers to build in chunks of about CHUNK for the workers, cut where a run of the
    downloads begins (so a worker makes the pieces of whole runs: `run_memos`), or else at
    twice CHUNK."""
    chunks: list[list] = [[]]
    for item in todo:
        size = len(chunks[-1])
        if size and (size >= 2 * CHUNK or (size >= CHUNK // 2 and starts_run(item[0].id))):
            chunks.append([])
        chunks[-1].append(item)
    return chunks


def store(chunk: tuple[list[tuple], dict], cache: BuildCache,
          keep_pages: bool) -> tuple[list[tuple], list[tuple]]:
    """Put a chunk's cache rows and the download pieces made with them into the cache;
    return its (parts, problems) and the files its worker wrote (keep_pages: keep the pages
    in memory for render_site to write)."""
    chunk, memos = chunk
    cache.store_memos(memos)
    cache.put_packed([entry for entry, _problems, _files in chunk if entry is not None],
                     keep_pages)
    made = [(cache.stored(entry[0], entry[1]) if entry else None, problems)
            for entry, problems, _files in chunk]
    return made, [f for _entry, _problems, files in chunk for f in files]


def start_reference_files(ref: Reference, cache: BuildCache, fork: bool):
    """Begin the data files made from the reference data alone (memoised by the build key):
    in a forked child when `fork` and they are not in the cache (a fresh build: while this
    process reads the offer files, the other core is free). Its `result()`: the memo entries
    made now (key -> bytes), for `cache.remember`."""
    suffix = f":{cache.build_key}"
    if not fork or len(cache.lookup_many([name + suffix for name in REFERENCE_FILES])) \
            == len(REFERENCE_FILES):
        return Done({})

    def work() -> dict[str, bytes]:
        made: dict[str, bytes] = {}

        def memo(name: str, make) -> bytes:
            made[name + suffix] = value = make()
            return value

        reference_files(ref, memo)
        return made

    return Forked(work)


def premake_reference_files(ref: Reference, cache: BuildCache) -> None:
    """Make (and memoise) the data files that depend on the reference data only."""
    reference_files(ref, lambda name, make: cache.memo(f"{name}:{cache.build_key}", make))


def make_chunk(args) -> tuple[list[tuple], dict[str, bytes]]:
    """validate -> enrich -> render -> export for a list of files: (cache row or None,
    problems, files written) each, the row pickled here so the parent process only stores
    it (the parts travel once, inside the row); and the memo entries of the downloads'
    runs among the visible offers (`run_memos`, keyed as `start_export` looks them up).
    With a staging folder, the pages of visible offers are written there."""
    todo, reference_dir, settings, shell, today, staging, build_key, compiled_dir = args
    ref = load_reference(reference_dir)
    renderer = offer_renderer(build_key, settings, reference_dir, shell, compiled_dir)
    with gc_paused():  # (the objects made here are either kept or freed at the end)
        made = [make_one(source, key, ref, renderer, today, staging) for source, key in todo]
        visible = [parts for _entry, _problems, _files, parts in made
                   if parts is not None and not parts.expired(today)]
        memos = {f"{name}:{build_key}": value for name, value in run_memos(visible).items()}
    return [(entry, problems, files) for entry, problems, files, _parts in made], memos


@lru_cache(maxsize=4)
def offer_renderer(build_key: str, settings: Settings, reference_dir: Path,
                   shell, compiled_dir: Path | None = None) -> OfferRenderer:
    """A renderer for these inputs, made once per process and build key (its templates take
    ~40 ms to compile when `compiled_dir` does not hold them yet, and a worker gets many
    chunks; the build key changes with the templates, so a changed template is never
    rendered from an old compile)."""
    return OfferRenderer(settings, load_reference(reference_dir), shell, compiled_dir)


def make_one(source: Source, key: str, ref: Reference, renderer: OfferRenderer,
             today: dt.date, staging: Path | None) -> tuple:
    """One offer's (cache row or None, problems, files written, parts or None)."""
    path = source.path
    offer, problems = check_source(path, source.root, source.raw, ref, today, str(path))
    if offer is None:
        return None, problems, [], None
    parts, page, stored = renderer.render(key, offer)
    parts.exports = offer_exports(offer, ref, renderer.pages.settings.site_url)
    parts.problems = problems
    files = []
    if staging is not None and not parts.expired(today):
        files = write_offer_files(staging, parts.id, page, parts.photos, parts.page_key)
    return packed_entry(parts.key, parts, stored), problems, files, parts


def open_output(build: Build, previous: dict, staging: Path | None) -> Output:
    """The writer for site_dir (or for the staging folder of a fresh build)."""
    if staging is not None:
        return Output(staging, {})
    build.site_dir.mkdir(parents=True, exist_ok=True)
    return Output(build.site_dir, previous)


def start_export(parts: list[OfferParts], build: Build, cache: BuildCache, fork: bool,
                 rows: list[tuple[str, list]] = ()):
    """Begin the open-data downloads: in a forked child, while this process renders the site,
    when many offers were made now (their compressed pieces are new); else here. The cache's
    segments `rows` (BuildCache.rows_to_save) are packed with them: the same copy of the
    parts, and a fresh build's last step otherwise. Its `result()`: (files, memo entries used:
    key -> bytes made now, or None if found, the rows packed for BuildCache.store_rows)."""
    created = f"{build.today.isoformat()}T00:00:00Z"
    # (the build key in the memo key: changed code must not serve bytes packed by old code)
    suffix = f":{cache.build_key}"
    found = cache.lookup_many([name + suffix for name in memo_names(parts)])
    # The offers' export parts are read from the cache where a run is made (not in a forked
    # child: it must not use the cache's connection)
    for run in runs_to_make(parts, {key.removesuffix(suffix) for key in found}):
        for item in run:
            item.exports  # noqa: B018 (read now)

    def work() -> tuple[dict[str, bytes], dict[str, bytes | None], list]:
        used: dict[str, bytes | None] = {}

        def memo(name: str, make) -> bytes:
            key = name + suffix
            if key in found:
                used[key] = None
                return found[key]
            used[key] = value = make()
            return value

        return published_downloads(parts, created, memo), used, pack_rows(rows)

    return Forked(work) if fork else Done(work())


def export_site(files: dict[str, bytes], used: dict[str, bytes | None], out: Output,
                cache: BuildCache, count: int) -> None:
    """The open-data downloads into site/open-data/ (validated with Frictionless when small):
    the files and memo entries `start_export` gives."""
    cache.remember(used, 0)  # (level 0: the pieces are compressed already)
    changed = False
    for name, data in files.items():
        changed |= out.write(f"{OPEN_DATA_DIR}/{name}", data)
    if changed and count <= VALIDATE_OPEN_DATA_UP_TO:
        check_package(out.site_dir / OPEN_DATA_DIR / "datapackage.json")
