"""Validate one offer file: strict YAML, no HTML, the schema, then the checks that need the
reference data, the file system or today's date. Every finding is a `Problem` at its line."""

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from geopy.distance import great_circle
from PIL import Image
from pydantic import ValidationError
from pydantic_core import PydanticCustomError

from .messages import dutch_message, unknown_postcode
from .paths import field_path
from .problems import Problem
from .reference import Postcode, Reference
from .schema import Aanbod, check_postcode, reference_context
from .vocab import slugify
from .yamlio import locate, read_yaml

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

SCRIPT_URL = re.compile(r"javascript\s*:")
HANDLER = re.compile(r"on[a-z]+\s*=")


def may_hold_html(text: str) -> bool:
    """What `HTML.search(text)` says, about ten times faster (it runs on every offer file):
    tags only where there is a '<', the rest on the lower-cased text."""
    if "<" in text and HTML.search(text):
        return True
    low = text.lower()
    if "javascript" in low and SCRIPT_URL.search(low):
        return True
    if "=" in low:
        for match in HANDLER.finditer(low):  # `\bon...`: not inside a word
            before = low[match.start() - 1] if match.start() else " "
            if not (before.isalnum() or before == "_"):
                return True
    return False


@dataclass(frozen=True)
class Parsed:
    """An offer file that passed the schema: the model and its text (for line numbers)."""

    model: Aanbod
    text: str


def parse(raw: bytes, shown: str, ref: Reference) -> tuple[Parsed | None, list[Problem]]:
    """Read the YAML and check it against the schema (no HTML anywhere)."""
    data, problems = read_yaml(raw, shown)
    if data is None:
        return None, problems
    text = raw.decode("utf-8-sig")
    if may_hold_html(text):  # cheap pre-check on the whole file; the walk finds the field
        problems += _html_problems(data, text, shown)
    try:
        model = Aanbod.model_validate(data, context=reference_context(ref))
    except ValidationError as exc:
        problems += [_schema_problem(err, text, shown) for err in exc.errors(include_url=False)]
        problems += _raw_postcode_problem(data, text, shown, ref)
        return None, sorted_problems(problems)
    if problems:
        return None, sorted_problems(problems)
    return Parsed(model, text), []


def sorted_problems(problems: list[Problem]) -> list[Problem]:
    """Problems in the order of the file."""
    return sorted(problems, key=lambda p: (p.line, p.column))


class Findings:
    """Collects problems at the line of a field of one parsed file."""

    def __init__(self, parsed: Parsed, shown: str):
        """Start empty for one file."""
        self.text, self.shown = parsed.text, shown
        self.problems: list[Problem] = []

    def add(self, loc: tuple, message: str, value=None, has_value=True, severity="error"):
        """One problem at the field `loc`."""
        line, column = locate(self.text, loc)
        self.problems.append(Problem(self.shown, line, column, field_path(loc), message, value,
                                     has_value, severity))


def check(parsed: Parsed, shown: str, oid: str, root: Path | None, folder: Path, ref: Reference,
          today: dt.date) -> list[Problem]:
    """The checks beyond the schema: id and folder, place, photos, review dates.

    `root` is the catalogue folder the id was taken from (None for a single loose file),
    `folder` the offer file's own folder (photos sit next to it).
    """
    found = Findings(parsed, shown)
    model = parsed.model
    _check_id(oid, root is not None and root.name == "offers", found)
    pc = ref.postcodes.get(model.locatie.postcode[:4])
    if pc is None:
        postcode = model.locatie.postcode
        found.add(("locatie", "postcode"), unknown_postcode(postcode), postcode)
        return sorted_problems(found.problems)
    _check_place(model, pc, oid if root is not None else None, found)
    for index, photo in enumerate(model.fotos):
        _check_photo(folder / photo.bestand, ("fotos", index, "bestand"), found.add)
    _check_dates(model, today, found)
    return sorted_problems(found.problems)


def _check_id(oid: str, in_offers: bool, found: Findings) -> None:
    """Folder and file names make the id: lower case, digits and dashes, one gemeente folder."""
    for part in oid.split("/"):
        if not ID_PART.match(part):
            found.add((), "gebruik in map- en bestandsnamen alleen kleine letters, cijfers en "
                          "streepjes, zoals walking-football-zuid.yaml", part)
    if in_offers and oid.count("/") != 1:
        found.problems.append(Problem(
            found.shown, 1, 1, "",
            "zet het aanbod in de map van zijn gemeente: offers/<gemeente>/<naam>.yaml"))


def _check_place(model: Aanbod, pc: Postcode, oid: str | None, found: Findings) -> None:
    """Coordinates inside the Netherlands and near the postcode; the folder is the gemeente."""
    coords = model.locatie.coordinaten
    if coords is not None:
        lat, lon = coords.lat, coords.lon
        if not in_nl(lat, lon):
            hint = " Staan lat en lon omgedraaid?" if in_nl(lon, lat) else ""
            found.add(("locatie", "coordinaten"), f"de plek ligt buiten Nederland.{hint}",
                      {"lat": lat, "lon": lon})
        else:
            km = great_circle((lat, lon), (pc.lat, pc.lon)).km
            if km > MAX_DISTANCE_KM:
                found.add(("locatie", "coordinaten"),
                          f"de plek ligt {km:.1f} km van het midden van postcode {pc.pc4} "
                          f"(meer dan {MAX_DISTANCE_KM:g} km); klopt de postcode?",
                          {"lat": lat, "lon": lon})
    folder = oid.split("/")[0] if oid and "/" in oid else None
    if folder is not None and folder != slugify(pc.gemeente):
        found.add(("locatie", "postcode"),
                  f"postcode {pc.pc4} ligt in gemeente {pc.gemeente}; zet het bestand in de map "
                  f"'{slugify(pc.gemeente)}' in plaats van '{folder}'", model.locatie.postcode)


def _check_dates(model: Aanbod, today: dt.date, found: Findings) -> None:
    """Review date not in the future and not older than a year; expiry warnings."""
    control, source = model.controle, model.bron
    if control is None:  # imported, not yet reviewed: the source's date must be plausible
        if source.datum is not None and source.datum > today:
            found.add(("bron", "datum"), "datum ligt in de toekomst", source.datum)
        elif source.datum is None or source.datum < today - dt.timedelta(days=365):
            found.add(("bron", "datum"), "nog niet gecontroleerd, en de gegevens uit de bron "
                      "zijn ouder dan 12 maanden of hebben geen datum", source.datum,
                      severity="warning")
        return
    if control.gecontroleerd_op > today:
        found.add(("controle", "gecontroleerd_op"), "datum ligt in de toekomst",
                  control.gecontroleerd_op)
    elif control.gecontroleerd_op < today - dt.timedelta(days=365):
        found.add(("controle", "gecontroleerd_op"), "al meer dan 12 maanden niet gecontroleerd",
                  control.gecontroleerd_op, severity="warning")
    if control.geldig_tot is not None:
        if control.geldig_tot < today:
            found.add(("controle", "geldig_tot"), "aanbod is verlopen en wordt niet getoond",
                      control.geldig_tot, severity="warning")
        elif control.geldig_tot <= today + dt.timedelta(days=30):
            found.add(("controle", "geldig_tot"), "aanbod verloopt binnen 30 dagen",
                      control.geldig_tot, severity="warning")


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


def _schema_problem(error: dict, text: str, shown: str) -> Problem:
    """One pydantic error as a Problem at the line of the field."""
    loc = tuple(error["loc"])
    named = (error.get("ctx") or {}).get("field")
    if named:  # a check on a whole block says which of its fields it is about
        loc = (*loc, named)
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


def _check_photo(photo: Path, loc: tuple, problem: Callable) -> None:
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
    """True when the file is a JPEG, PNG or WebP image that Pillow can read."""
    try:
        with Image.open(path) as image:
            image.verify()
            return image.format in ("JPEG", "PNG", "WEBP")
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        return False


def in_nl(lat: float, lon: float) -> bool:
    """True when a point lies inside the box around the Netherlands."""
    return (
        NL_BOX["lat"][0] <= lat <= NL_BOX["lat"][1] and NL_BOX["lon"][0] <= lon <= NL_BOX["lon"][1]
    )
