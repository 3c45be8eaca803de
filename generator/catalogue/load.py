"""The catalogue pipeline shared by the site generator and the referral app.

load (read YAML) -> validate (schema + checks) -> enrich (coordinates, gemeente, wijk).
"""

import datetime as dt
import gc
import os
import re
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from geopy.distance import great_circle
from pydantic import ValidationError
from pydantic_core import PydanticCustomError

from .messages import dutch_message
from .paths import field_path
from .problems import Problem
from .reference import REFERENCE_DIR, Reference, load_reference
from .schema import Aanbod, check_postcode
from .vocab import slugify
from .yamlio import locate, read_yaml

OFFER_SUFFIXES = (".yaml", ".yml")
ID_PART = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# A rough box around the Netherlands (WGS84), including the Wadden islands and south Limburg.
NL_BOX = {"lat": (50.70, 53.60), "lon": (3.30, 7.25)}
MAX_DISTANCE_KM = 5.0
MAX_PHOTO_BYTES = 2 * 1024 * 1024
HTML = re.compile(
    r"<\s*/?\s*[a-zA-Z][a-zA-Z0-9-]*(?:\s|/|>|$)|<!--|<\?|javascript\s*:|"
    r"\bon[a-z]+\s*=",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Offer:
    """A valid offer with its derived place: what the site and the referral app read."""

    id: str
    path: Path
    data: Aanbod
    lat: float
    lon: float
    gemeente_code: str
    gemeente: str
    wijk: str | None

    @property
    def gemeente_slug(self) -> str:
        """The gemeente part of the id and of URLs."""
        return slugify(self.gemeente)

    @property
    def slug(self) -> str:
        """The file-name part of the id."""
        return self.id.rsplit("/", 1)[-1]

    def expired(self, today: dt.date) -> bool:
        """True when the offer's 'geldig_tot' date has passed."""
        until = self.data.controle.geldig_tot
        return until is not None and until < today

    def accepts_referrals(self) -> bool:
        """True when the provider takes referrals and has an inbox for them."""
        ref = self.data.verwijzen
        return bool(ref and ref.mogelijk and ref.email)


@dataclass
class Catalogue:
    """The result of loading: the valid offers and every problem found."""

    offers: list[Offer] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    files: int = 0

    @property
    def errors(self) -> list[Problem]:
        """Problems that make the catalogue invalid."""
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        """Problems worth showing that do not block a build."""
        return [p for p in self.problems if p.severity == "warning"]

    def by_id(self) -> dict[str, Offer]:
        """Offers keyed by id."""
        return {offer.id: offer for offer in self.offers}


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
        parts = path.relative_to(root).with_suffix("").parts
        return "/".join(parts)
    return f"{path.parent.name}/{path.stem}"


def check_file(
    path: Path, root: Path | None, ref: Reference, today: dt.date, display: str | None = None
) -> tuple[Offer | None, list[Problem]]:
    """Load, validate and enrich one offer file."""
    shown = display or str(path)
    if _misnamed(path):
        return None, [
            Problem(
                shown,
                1,
                1,
                "",
                "dit bestand wordt overgeslagen; geef het de extensie .yaml (kleine letters)",
            )
        ]
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return None, [Problem(shown, 1, 1, "", f"kan het bestand niet lezen: {exc.strerror}")]
    data, problems = read_yaml(raw, shown)
    if data is None:
        return None, problems
    text = raw.decode("utf-8-sig")
    if HTML.search(text):  # cheap pre-check on the whole file; the walk finds the field
        problems += _html_problems(data, text, shown)
    try:
        model = Aanbod.model_validate(data)
    except ValidationError as exc:
        problems += [_schema_problem(err, text, shown) for err in exc.errors(include_url=False)]
        problems += _raw_postcode_problem(data, text, shown, ref)
        return None, _sorted(problems)
    if problems:
        return None, _sorted(problems)
    offer, more = _enrich(path, root, model, text, shown, ref, today)
    return offer, _sorted(more)


def _sorted(problems: list[Problem]) -> list[Problem]:
    """Problems in the order of the file."""
    return sorted(problems, key=lambda p: (p.line, p.column))


def _raw_postcode_problem(data: dict, text: str, shown: str, ref: Reference) -> list[Problem]:
    """Report an unknown postcode even when other fields failed the schema."""
    place = data.get("locatie")
    code = place.get("postcode") if isinstance(place, dict) else None
    try:
        postcode = check_postcode(code) if code is not None else None
    except PydanticCustomError:
        return []  # the schema already reported the malformed postcode
    if postcode is None or postcode[:4] in ref.postcodes:
        return []
    line, column = locate(text, ("locatie", "postcode"))
    return [
        Problem(shown, line, column, "locatie.postcode", unknown_postcode(postcode), code, True)
    ]


def unknown_postcode(postcode: str) -> str:
    """The message for a postcode missing from the PC4 table."""
    return f"postcode {postcode[:4]} staat niet in de postcodelijst; controleer de postcode"


def _schema_problem(error: dict, text: str, shown: str) -> Problem:
    """One pydantic error as a Problem at the line of the field."""
    loc = tuple(error["loc"])
    line, column = locate(text, loc)
    has_value = error["type"] not in ("missing",) and not isinstance(error.get("input"), dict)
    return Problem(
        shown, line, column, field_path(loc), dutch_message(error), error.get("input"), has_value
    )


def _html_problems(data: object, text: str, shown: str, loc: tuple = ()) -> list[Problem]:
    """Raw HTML, script or event handlers in any text are refused (content is untrusted)."""
    if isinstance(data, str):
        if HTML.search(data):
            snippet = HTML.search(data).group(0)
            line, column = _line_of(text, snippet, *locate(text, loc))
            return [
                Problem(
                    shown,
                    line,
                    column,
                    field_path(loc),
                    "HTML en scripts zijn niet toegestaan; gebruik gewone tekst of "
                    "eenvoudige Markdown",
                    snippet,
                    True,
                )
            ]
        return []
    items = (
        data.items()
        if isinstance(data, dict)
        else enumerate(data)
        if isinstance(data, list)
        else []
    )
    problems = []
    for key, value in items:
        problems += _html_problems(value, text, shown, (*loc, key))
    return problems


def _line_of(text: str, snippet: str, line: int, column: int) -> tuple[int, int]:
    """The first line at or after the field's line that contains `snippet` (multi-line text)."""
    lines = text.splitlines()
    for number in range(line, len(lines) + 1):
        found = lines[number - 1].lower().find(snippet.lower())
        if found >= 0:
            return number, found + 1
    return line, column


def _enrich(
    path: Path,
    root: Path | None,
    model: Aanbod,
    text: str,
    shown: str,
    ref: Reference,
    today: dt.date,
) -> tuple[Offer | None, list[Problem]]:
    """Checks that need reference data, then coordinates, gemeente and wijk."""
    problems: list[Problem] = []

    def problem(loc: tuple, message: str, value=None, has_value=True, severity="error"):
        line, column = locate(text, loc)
        problems.append(
            Problem(shown, line, column, field_path(loc), message, value, has_value, severity)
        )

    oid = offer_id(path, root)
    for part in oid.split("/"):
        if not ID_PART.match(part):
            problem(
                (),
                "gebruik in map- en bestandsnamen alleen kleine letters, cijfers en "
                "streepjes, zoals walking-football-zuid.yaml",
                part,
            )
    if root is not None and root.name == "offers" and oid.count("/") != 1:
        problems.append(
            Problem(
                shown,
                1,
                1,
                "",
                "zet het aanbod in de map van zijn gemeente: offers/<gemeente>/<naam>.yaml",
            )
        )
    postcode = model.locatie.postcode
    pc = ref.postcodes.get(postcode[:4])
    if pc is None:
        problem(("locatie", "postcode"), unknown_postcode(postcode), postcode)
        return None, problems
    lat, lon = pc.lat, pc.lon
    coords = model.locatie.coordinaten
    if coords is not None:
        lat, lon = coords.lat, coords.lon
        if not _in_nl(lat, lon):
            hint = " Staan lat en lon omgedraaid?" if _in_nl(lon, lat) else ""
            problem(
                ("locatie", "coordinaten"),
                f"de plek ligt buiten Nederland.{hint}",
                {"lat": lat, "lon": lon},
            )
        else:
            km = great_circle((lat, lon), (pc.lat, pc.lon)).km
            if km > MAX_DISTANCE_KM:
                problem(
                    ("locatie", "coordinaten"),
                    f"de plek ligt {km:.1f} km van het midden van "
                    f"postcode {pc.pc4} (meer dan {MAX_DISTANCE_KM:g} km); klopt de postcode?",
                    {"lat": lat, "lon": lon},
                )
    folder = oid.split("/")[0] if "/" in oid and root is not None else None
    if folder is not None and folder != slugify(pc.gemeente):
        problem(
            ("locatie", "postcode"),
            f"postcode {pc.pc4} ligt in gemeente {pc.gemeente}; "
            f"zet het bestand in de map '{slugify(pc.gemeente)}' in plaats van '{folder}'",
            postcode,
        )
    for index, photo in enumerate(model.fotos):
        _check_photo(path.parent / photo.bestand, ("fotos", index, "bestand"), problem)
    control = model.controle
    if control.gecontroleerd_op > today:
        problem(
            ("controle", "gecontroleerd_op"), "datum ligt in de toekomst", control.gecontroleerd_op
        )
    elif control.gecontroleerd_op < today - dt.timedelta(days=365):
        problem(
            ("controle", "gecontroleerd_op"),
            "al meer dan 12 maanden niet gecontroleerd",
            control.gecontroleerd_op,
            severity="warning",
        )
    if control.geldig_tot is not None:
        if control.geldig_tot < today:
            problem(
                ("controle", "geldig_tot"),
                "aanbod is verlopen en wordt niet getoond",
                control.geldig_tot,
                severity="warning",
            )
        elif control.geldig_tot <= today + dt.timedelta(days=30):
            problem(
                ("controle", "geldig_tot"),
                "aanbod verloopt binnen 30 dagen",
                control.geldig_tot,
                severity="warning",
            )
    if any(p.severity == "error" for p in problems):
        return None, problems
    wijk = ref.wijk_at(pc.gemeente_code, lat, lon)
    return Offer(oid, path, model, lat, lon, pc.gemeente_code, pc.gemeente, wijk), problems


def _check_photo(photo: Path, loc: tuple, problem) -> None:
    """A photo must exist next to the offer, inside its folder, and not be huge."""
    if ".." in photo.parts:
        problem(loc, "een foto moet in de map van het aanbod staan", str(photo.name))
    elif not photo.is_file():
        problem(loc, f"foto niet gevonden; zet het bestand in {photo.parent}", photo.name)
    elif photo.stat().st_size > MAX_PHOTO_BYTES:
        problem(loc, "foto is groter dan 2 MB; verklein hem eerst", photo.name)
    elif not _is_image(photo):
        problem(loc, "dit bestand is geen echte jpg-, png- of webp-foto", photo.name)


def _is_image(path: Path) -> bool:
    """True when the file starts like a JPEG, PNG or WebP image."""
    with path.open("rb") as f:
        head = f.read(12)
    return (
        head.startswith(b"\xff\xd8\xff")
        or head.startswith(b"\x89PNG\r\n\x1a\n")
        or (head[:4] == b"RIFF" and head[8:12] == b"WEBP")
    )


def _in_nl(lat: float, lon: float) -> bool:
    """True when a point lies inside the box around the Netherlands."""
    return (
        NL_BOX["lat"][0] <= lat <= NL_BOX["lat"][1] and NL_BOX["lon"][0] <= lon <= NL_BOX["lon"][1]
    )


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
    with _gc_paused():
        return _load(
            paths,
            reference_dir,
            today or dt.date.today(),
            jobs or (os.cpu_count() or 1),
            progress,
            keep_offers,
        )


@contextmanager
def _gc_paused():
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
