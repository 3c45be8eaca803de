"""Render the site: per offer, its page and rows (cached); per build, everything made from them.

`render_offer` turns one valid offer into its `OfferParts` and page; it runs once per changed
offer. `render_site` writes the offer pages, index and overview pages, data files and sitemap
from the parts of all offers, through an `Output` that skips unchanged files. Nothing here keeps
state between calls, so workers can be started any way (fork, spawn or forkserver).
"""

import datetime as dt
import json
import marshal
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from html import escape
from operator import attrgetter
from pathlib import Path
from typing import ClassVar

from ..cache import key_of, packed
from ..catalogue.coaches import coaches_file
from ..catalogue.offer import Offer
from ..catalogue.problems import Problem
from ..catalogue.reference import Reference
from ..forked import Forked, Later
from ..jsontext import compact_json, compact_json_bytes
from ..opendata.export import offer_runs
from . import gemeentekaart
from .adapter import Theme
from .coaches import coach_section
from .data import (
    COLUMNS,
    SHARD_SIZE,
    detail_record,
    positions,
    reference_files,
    search_file,
    search_order,
    search_row,
)
from .first_view import home_page, start_first_view
from .gemeentekaart import gemeente_map
from .output import Output, digest
from .overview import groupings, overview_bodies
from .pages import PageRenderer, Shell, offer_description
from .settings import Settings
from .sitemap import sitemap_files
from .texts import summary


@dataclass(slots=True)
class OfferParts:
    """Everything the site and the downloads need from one offer, without the offer itself
    (slots: a rebuild goes over the parts of every offer many times)."""

    key: str
    id: str
    gemeente_slug: str
    gemeente: str
    titel: str
    lat: float
    lon: float
    activities: list[str]
    doelgroepen: list[str]
    expires: dt.date | None
    page_key: str
    photos: list[tuple[str, str, int, int]]  # (source path, file name, size, mtime_ns)
    list_row: str
    search: dict
    detail: bytes  # the record of the detail shards, as compact JSON
    exports: dict = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    _load: object = field(default=None, repr=False, compare=False)  # reads the LAZY parts

    # Read from the cache only when asked for (generator/cache.py): a build needs them for the
    # download runs it makes again (a fresh build's workers make most runs: see
    # pipeline.start_export), not for every offer. (The detail records are needed for every
    # shard made again, and kept with the light parts.)
    LAZY: ClassVar[tuple[str, ...]] = ("exports",)

    def __getattr__(self, name: str):
        """A LAZY product of an entry from the cache, read now (only for unset attributes)."""
        load = self._load if name in OfferParts.LAZY else None
        if load is None:
            raise AttributeError(name)
        for lazy, value in load().items():
            setattr(self, lazy, value)
        self._load = None
        return getattr(self, name)

    def expired(self, today: dt.date) -> bool:
        """True when the offer's 'geldig_tot' date has passed."""
        return self.expires is not None and self.expires < today


class OfferRenderer:
    """Renders one offer's page and rows (templates compiled once per renderer)."""

    def __init__(self, settings: Settings, ref: Reference, offer_shell: Shell,
                 compiled_dir: Path | None = None):
        """Compile the templates (or read them from `compiled_dir`); keep the shell offer
        pages are stamped into."""
        self.pages = PageRenderer(settings, ref, compiled_dir)
        self.shell = offer_shell
        self.codes = sorted(ref.activities)

    def render(self, key: str, offer: Offer) -> tuple[OfferParts, bytes, bytes]:
        """The parts, the full page and the page as the cache keeps it (`stored_page`) of one
        offer."""
        data = offer.data
        texts = summary(data)  # (the page, its row and its records show the same texts)
        detail = detail_record(offer, self.pages.labels, texts)
        filled = (data.titel, offer_description(offer, texts),
                  self.pages.offer_body(offer, texts, detail))
        page = self.shell.stamp(*filled).encode("utf-8")
        parts = OfferParts(
            key=key, id=offer.id, gemeente_slug=offer.gemeente_slug, gemeente=offer.gemeente,
            titel=data.titel, lat=offer.lat, lon=offer.lon,
            activities=list(data.activiteiten), doelgroepen=list(data.doelgroepen),
            expires=data.controle.geldig_tot if data.controle else None, page_key=digest(page),
            photos=[photo_stamp(offer.path.parent / p.bestand) for p in data.fotos],
            list_row=self.pages.list_row(offer, "../../", texts),
            search=search_row(offer, self.codes),
            detail=compact_json_bytes(detail),
        )
        return parts, page, marshal.dumps(filled)


def stored_page(shell: Shell, stored: bytes) -> bytes:
    """An offer's page from what the cache keeps of it: its title, description and body
    (marshalled), stamped into the offer shell. The shell is the same for every offer page
    (and part of the build key): kept once, not once per entry, the cache is a fifth smaller
    and a fresh build moves a fifth fewer bytes from the workers into it."""
    return shell.stamp(*marshal.loads(stored)).encode("utf-8")  # noqa: S302 (our own cache)


KEY = attrgetter("key")  # an entry's key, for memo keys
SEARCH = attrgetter("search")


def photo_stamp(path: Path) -> tuple[str, str, int, int]:
    """A photo's source, name, size and mtime (a changed photo makes its entry stale)."""
    stat = os.stat(path)
    return str(path), path.name, stat.st_size, stat.st_mtime_ns


def render_site(parts: list[OfferParts], ref: Reference, settings: Settings, theme: Theme,
                out: Output, cache, coaches=(), fork: bool = False) -> dict:
    """Write the whole site from the offers' parts; return counts for the build report.

    `cache` gives `page(key)` (an offer's rendered page) and `memo(key, make)` (bytes made once).
    `fork`: make the index pages and gemeente maps that are not in the cache in a forked child
    while this process writes the rest (a big fresh build: see `write_products`).
    """
    if theme.folder.resolve() != out.site_dir.resolve():  # plain `mkdocs build` wrote them there
        for rel in theme.files:
            if rel != HOME:
                out.copy(rel, theme.folder / rel)
    ordered = search_order(parts)
    renderer = PageRenderer(settings, ref, cache.compiled_dir)
    # grouped in the order of the index pages' lists (by title), so no list is sorted again
    groups = groupings(sorted(parts, key=lambda p: (p.titel.lower(), p.id)), ref)
    plan = index_pages(groups, renderer, theme.shells[2], cache, coaches)
    plan += gemeente_maps(groups["aanbod"], settings, cache)
    # (the child is forked before Node is started in a thread: a child forked later would
    # hold the pipe to Node's input open, and Node would wait for its end while this process
    # waits for Node, not reading what the child sends)
    products = write_products(plan, out, cache, fork)
    if fork:  # (threads only after the last fork)
        cache.write_out_soon()
    try:
        finish_home_page = write_home_page(ordered, settings, theme, out, cache)
        offer_page = partial(stored_page, theme.shells[3])
        out.write_many([(f"aanbod/{item.id}/index.html", item.page_key, item.key)
                        for item in parts], lambda key: offer_page(cache.page(key)))
        for item in parts:
            for source, name, _size, _mtime in item.photos:
                out.copy(f"aanbod/{item.id}/{name}", Path(source))
        for rel, body in overview_bodies(len(parts), groups).items():
            out.write(rel, theme.overviews[rel].stamp("", "", body))
        sizes = write_data_files(ordered, ref, coaches, out, cache)
        made = products.result()
        finish_home_page()
    except BaseException:
        products.cancel()
        raise
    adopt_products(made, out, cache)
    urls = [rel.removesuffix("index.html") for rel, _key, _make in plan
            if rel.endswith("/index.html")]
    pages = [rel for rel in theme.files if rel.endswith("index.html")]
    pages += list(theme.overviews)
    urls = [*(p.removesuffix("index.html") for p in pages), *urls,
            *(f"aanbod/{item.id}/" for item in parts)]
    for name, text in sitemap_files(settings.site_url, urls).items():
        out.write(name, text)
    return {"offers": len(parts), "pages": len(urls), "data": sizes}


HOME = "index.html"


def write_home_page(ordered: list[OfferParts], settings: Settings, theme: Theme, out: Output,
                    cache) -> Callable[[], None]:
    """Begin the home page with its map's first view (first_view.py), made again only when
    the offers' positions (or the code) changed; return the function that writes it. Node
    makes a new first view while the build writes the other files."""
    if HOME not in theme.files:
        return lambda: None
    rows = [item.search for item in ordered]
    memo_key = key_of("eerste-kaart", cache.build_key, str(settings.tiles_max_zoom),
                      members=(f"{row['y']},{row['x']}" for row in rows))
    made = None
    if cache.lookup(memo_key) is None:
        made = start_first_view(positions(rows), settings.tiles_max_zoom, theme.folder)

    def finish() -> None:
        view = cache.memo(memo_key, lambda: made().encode("utf-8"))
        page = (theme.folder / HOME).read_text("utf-8")
        out.write(HOME, home_page(page, view.decode("utf-8")))

    return finish


def write_data_files(ordered: list[OfferParts], ref: Reference, coaches, out: Output,
                     cache) -> dict[str, int]:
    """data/: the search file and the detail shards (each made again only when its offers'
    entries changed), the reference files and coaches.json; return two files' sizes."""
    memo = lambda name, make: cache.memo(f"{name}:{cache.build_key}", make)  # noqa: E731
    files = {**reference_files(ref, memo),
             "coaches.json": compact_json_bytes(coaches_file(list(coaches)))}
    for rel, data in files.items():
        out.write(f"data/{rel}", data)
    made = {"zoek.json": (partial(search_json_from_runs, ordered, ref, cache), ordered)}
    for start in range(0, len(ordered), SHARD_SIZE):
        members = ordered[start:start + SHARD_SIZE]
        made[f"details/{start // SHARD_SIZE}.json"] = (partial(details_json, members), members)
    for rel, (make, members) in made.items():
        memo_key = key_of(rel.split("/")[0], cache.build_key, members=map(KEY, members))
        out.write_known(f"data/{rel}", *cache.product(memo_key, make))
    return {name: out.manifest[f"data/{name}"][1] for name in ("zoek.json", "pc4.json")}


def search_json(ordered: list[OfferParts], ref: Reference) -> bytes:
    """data/zoek.json from the offers in search order."""
    return compact_json_bytes(search_file(list(map(SEARCH, ordered)), ref))


def search_json_from_runs(ordered: list[OfferParts], ref: Reference, cache) -> bytes:
    """`search_json`, joined from the columns of runs of offers (in search order, cut as the
    download runs are), each memoised by its offers' entries: a changed offer makes only its
    run's columns again. The y and x columns are delta-coded across runs, so each run keeps
    its first and last coordinates and the deltas after its first offer."""
    head = compact_json(search_file([], ref))
    if not head.endswith(EMPTY_COLUMNS):  # (the columns must come last, in this order)
        return search_json(ordered, ref)
    columns: dict[str, list[str]] = {name: [] for name in COLUMNS}
    last = {"y": 0, "x": 0}
    for run in offer_runs(ordered):
        memo_key = key_of("zoek-run", cache.build_key, members=map(KEY, run))
        found = json.loads(cache.memo(memo_key, partial(search_run, run)))
        for name in COLUMNS:
            if name in last:
                first, end, rest = found[name]
                columns[name].append(f"{first - last[name]}{rest}")
                last[name] = end
            else:
                columns[name].append(found[name])
    body = ",".join(f'"{name}":[{",".join(columns[name])}]' for name in COLUMNS)
    text = head[:-len(EMPTY_COLUMNS)].replace('"n":0,', f'"n":{len(ordered)},', 1)
    return f"{text}{body}}}".encode()


EMPTY_COLUMNS = ",".join(f'"{name}":[]' for name in COLUMNS) + "}"


def search_run(run: list[OfferParts]) -> bytes:
    """One run's search columns as JSON: for y and x [first, last, ",delta,..."] (absolute
    coordinates of the run's first and last offer, the deltas after the first), the others
    as the text between a column's brackets."""
    rows = [item.search for item in run]
    out: dict[str, object] = {}
    for name in COLUMNS:
        values = [row[name] for row in rows]
        if name in ("y", "x"):
            deltas = [v - p for v, p in zip(values[1:], values[:-1], strict=True)]
            out[name] = [values[0], values[-1], "".join(f",{d}" for d in deltas)]
        else:
            out[name] = compact_json(values)[1:-1]
    return compact_json_bytes(out)


def details_json(members: list[OfferParts]) -> bytes:
    """One detail shard: the JSON list of its offers' records (each kept as JSON)."""
    return b"[" + b",".join([item.detail for item in members]) + b"]"


MAP_FRAME = ('<iframe class="bk-gemeentekaart" src="kaart.html" loading="lazy" '
             'title="Kaart van het aanbod in {}"></iframe>')
INDEXES = [
    ("aanbod", "Aanbod in gemeente {}", "Alle activiteiten in gemeente {} op de beweegkaart."),
    ("activiteit", "{}", "Alle plekken waar je kunt doen aan: {}."),
    ("doelgroep", "Aanbod bij {}", "Activiteiten die extra geschikt zijn bij: {}."),
]


def index_pages(groups: dict[str, dict], renderer: PageRenderer, shell: Shell, cache,
                coaches=()) -> list[tuple[str, str, Callable[[], bytes]]]:
    """The index pages per gemeente, activity and target group (their offers listed in the
    order of the groups, by title), as (path, memo key, make) each: a page is made again only
    when the entries it lists (or its coach box) changed."""
    plan = []
    for prefix, title, lead in INDEXES:
        for key, (label, members) in groups[prefix].items():
            coach = ""
            if prefix == "aanbod":  # the coach box: the gemeente's coaches and their wijken
                coach = coach_section([c for c in coaches if c.gemeente == label],
                                      renderer.settings.referral_url)
            memo_key = key_of("index", cache.build_key, prefix, key, label, coach,
                              members=map(KEY, members))
            make = partial(index_page, prefix, title, lead, label, coach, members, renderer,
                           shell)
            plan.append((f"{prefix}/{key}/index.html", memo_key, make))
    return plan


def index_page(prefix: str, title: str, lead: str, label: str, coach: str, members: list,
               renderer: PageRenderer, shell: Shell) -> bytes:
    """One index page: its lead, the map and coach box of a gemeente, the offers' rows."""
    text = lead.format(label)
    # (own name: `intro` is the template of the next page of this kind)
    html = f"<p>{escape(text)}</p>" + (MAP_FRAME.format(escape(label))
                                         if prefix == "aanbod" else "") + coach
    body = renderer.list_body(html, [item.list_row for item in members])
    return shell.stamp(title.format(label), text, body).encode("utf-8")


def gemeente_maps(gemeenten: dict[str, tuple[str, list]], settings: Settings, cache
                  ) -> list[tuple[str, str, Callable[[], bytes]]]:
    """aanbod/<gemeente>/kaart.html with folium, made once per set of a gemeente's spots:
    (path, memo key, make) each."""
    tiles = (settings.tiles_url, settings.tiles_attribution, settings.tiles_max_zoom)
    # The map code is part of the key: a changed map module must not serve old maps.
    code = Path(gemeentekaart.__file__).read_bytes()
    plan = []
    for key, (_name, found) in gemeenten.items():
        # The key of a map (by its spots, so it outlives a new build key) is itself memoised
        # by the entries of the gemeente's offers: unchanged entries have the same spots.
        members = key_of("kaart", cache.build_key, repr(tiles), members=map(KEY, found))
        memo_key = cache.memo(members, partial(map_key, found, tiles, code)).decode()
        make = partial(lambda found: gemeente_map(found, *tiles).encode(), found)
        plan.append((f"aanbod/{key}/kaart.html", memo_key, make))
    return plan


FORK_FROM = 100  # products to make before a forked child pays off (~2 ms each)


def write_products(plan: list[tuple[str, str, Callable[[], bytes]]], out: Output, cache,
                   fork: bool) -> Forked | Later:
    """Write the files of a plan (path, memo key, make) that the cache holds; the task that
    makes the others (and stores them). With `fork` and enough of them, a forked child makes
    and writes them while this process goes on: the child has no cache connection, so it
    sends them back (`make_products`) for `adopt_products`. Else they are made here when the
    task's result is asked for."""
    found = cache.product_digests([key for _rel, key, _make in plan])
    todo = []
    for rel, key, make in plan:
        if key in found:
            out.write_known(rel, found[key], partial(cache.product_bytes, key))
        else:
            todo.append((rel, key, make))
    if fork and len(todo) >= FORK_FROM:
        return Forked(partial(make_products, todo, out))
    return Later(partial(make_here, todo, out, cache))


def make_here(todo: list[tuple[str, str, Callable[[], bytes]]], out: Output, cache) -> list:
    """`make_products` in this process (`out` notes the files as it writes them), the
    products stored at once; nothing is left for `adopt_products`."""
    made = make_products(todo, out)
    cache.store_products([(key, entry[0], packed) for _rel, key, entry, _w, packed in made])
    return []


def adopt_products(made: list[tuple], out: Output, cache) -> None:
    """Store the products a forked child made (`make_products`) and take its files into the
    manifest."""
    cache.store_products([(key, entry[0], packed) for _rel, key, entry, _w, packed in made])
    out.adopt([(rel, *entry) for rel, _key, entry, wrote, _p in made if wrote])
    out.adopt([(rel, *entry) for rel, _key, entry, wrote, _p in made if not wrote],
              written=False)


def make_products(todo: list[tuple[str, str, Callable[[], bytes]]], out: Output) -> list[tuple]:
    """In a forked child: make each file and write it through (the child's copy of) `out`,
    which leaves a file alone that is on disk as the last build wrote it; (path, memo key,
    manifest entry, whether written, the bytes compressed for the cache) each."""
    made = []
    for rel, key, make in todo:
        data = make()
        wrote = out.write(rel, data)
        made.append((rel, key, out.manifest[rel], wrote, packed(data)))
    return made


def map_key(found: list[OfferParts], tiles: tuple, code: bytes) -> bytes:
    """The memo key of a gemeente map: its spots, the tiles and the map code."""
    spots = sorted((p.id, p.titel, p.lat, p.lon) for p in found)
    return ("kaart:" + digest(repr((tiles, spots)).encode("utf-8") + code)).encode()
