"""Import offers from a municipality's spreadsheet (CSV or XLSX) into one YAML file per row.

A mapping file says which column fills which field, and which values are the same for every row.
Each written file goes through the same validator as hand-written offers; a row that fails is
reported with its spreadsheet row number and reason, and no file is left behind for it.
"""

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ..catalogue.load import check_file
from ..catalogue.paths import in_schema_order, set_path
from ..catalogue.reference import REFERENCE_DIR, load_reference
from ..catalogue.schedule import ScheduleError, parse_schedule
from ..catalogue.schema import Aanbod, check_postcode
from ..catalogue.vocab import slugify
from .synth import SCHEMA_LINE

LIST_FIELDS = {"activiteiten", "doelgroepen", "begeleiding", "talen"}
NUMBER_FIELDS = {
    "kosten.bedrag",
    "groepsgrootte",
    "leeftijd.van",
    "leeftijd.tot",
    "locatie.coordinaten.lat",
    "locatie.coordinaten.lon",
}
MAPPING_KEYS = {"kolommen", "vast", "waarden", "scheidingsteken"}


class MappingError(Exception):
    """The mapping file itself is wrong: nothing is imported."""


class RowError(Exception):
    """One cell cannot be converted; the row is refused with this reason."""


@dataclass
class ImportResult:
    """What an import did: files written and rows refused, with reasons."""

    written: list[Path] = field(default_factory=list)
    refused: list[tuple[int, str]] = field(default_factory=list)
    rows: int = 0


def read_mapping(path: Path) -> dict:
    """Read and check the mapping file (kolommen, vast, waarden, scheidingsteken)."""
    try:
        mapping = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise MappingError(f"{path}: cannot read the mapping file: {exc}") from None
    if not isinstance(mapping, dict) or not isinstance(mapping.get("kolommen"), dict):
        raise MappingError(f"{path}: expected a 'kolommen:' block mapping fields to column names")
    unknown = set(mapping) - MAPPING_KEYS
    if unknown:
        raise MappingError(
            f"{path}: unknown key(s) {sorted(unknown)}; expected one of {sorted(MAPPING_KEYS)}"
        )
    for key in ("vast", "waarden"):
        if not isinstance(mapping.get(key) or {}, dict):
            raise MappingError(f"{path}: '{key}' must be a block of field: value lines")
    return mapping


def read_rows(path: Path) -> list[tuple[int, dict[str, str | None]]]:
    """(spreadsheet row number, {column: text}) for every data row of a CSV or XLSX file."""
    from frictionless import Detector, Resource

    detector = Detector(field_type="any", field_missing_values=["", " "])
    with Resource(str(path), detector=detector) as resource:
        return [
            (row.row_number, {k: _cell_text(v) for k, v in row.items()})
            for row in resource.row_stream
        ]


def _cell_text(value) -> str | None:
    """A cell as trimmed text: spreadsheets give numbers (15.0), dates and strings."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()[:10]
    return str(value).strip()


def normalise(field_name: str, text: str, separator: str, translate: dict) -> object:
    """Turn one spreadsheet cell into the value the schema expects."""
    if field_name in LIST_FIELDS:
        items = [i.strip() for i in re.split(separator, text) if i.strip()]
        return [translate.get(i, i) for i in items]
    text = translate.get(text, text)
    if field_name in NUMBER_FIELDS and isinstance(text, str):
        cleaned = text.replace("€", "").replace(" ", "").replace(",", ".")
        try:
            number = float(cleaned)
        except ValueError:
            return text  # the validator reports it with the bad value
        return int(number) if number.is_integer() and field_name != "kosten.bedrag" else number
    if field_name == "rooster":
        try:
            return parse_schedule(text, separator)
        except ScheduleError as exc:
            raise RowError(f"rooster: {exc}") from None
    if field_name == "locatie.postcode":
        return re.sub(r"\s+", " ", text.upper())
    return text


def row_to_offer(row: dict, mapping: dict) -> dict:
    """Build the offer's fields from one row, the fixed values and the value translations."""
    separator = mapping.get("scheidingsteken") or r"[;,]"
    translations = mapping.get("waarden") or {}
    offer: dict = {}
    for dotted, value in (mapping.get("vast") or {}).items():
        set_path(offer, dotted, value)
    for dotted, column in mapping["kolommen"].items():
        text = row.get(column)
        if text is None or text == "":
            continue
        set_path(offer, dotted, normalise(dotted, text, separator, translations.get(dotted, {})))
    return in_schema_order(offer, Aanbod)


def import_spreadsheet(
    source: Path,
    mapping_path: Path,
    out_dir: Path,
    reference_dir: Path = REFERENCE_DIR,
    today: dt.date | None = None,
    progress=None,
) -> ImportResult:
    """Convert every row; write valid ones, report the others with row number and reason."""
    mapping = read_mapping(mapping_path)
    rows = read_rows(source)
    missing = sorted({c for c in mapping["kolommen"].values()} - set(rows[0][1] if rows else {}))
    if rows and missing:
        raise MappingError(
            f"{mapping_path}: column(s) not in {source.name}: {missing}; "
            f"columns are: {sorted(rows[0][1])}"
        )
    ref, today = load_reference(reference_dir), today or dt.date.today()
    result = ImportResult(rows=len(rows))
    used: set[Path] = {p for p in out_dir.rglob("*.yaml")} if out_dir.exists() else set()
    for number, row in rows:
        try:
            offer = row_to_offer(row, mapping)
        except RowError as exc:
            result.refused.append((number, str(exc)))
            continue
        reason = _place_problem(offer, ref)
        if reason:
            result.refused.append((number, reason))
            continue
        path = _free_path(out_dir, offer, ref, used)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(
            SCHEMA_LINE + yaml.safe_dump(offer, allow_unicode=True, sort_keys=False),
            encoding="utf-8",
        )
        _, problems = check_file(path, out_dir, ref, today)
        errors = [p for p in problems if p.severity == "error"]
        if errors:
            path.unlink()
            result.refused.append(
                (
                    number,
                    "; ".join(
                        f"{p.field}: {p.message}" + (f" (got {p.value!r})" if p.has_value else "")
                        for p in errors
                    ),
                )
            )
        else:
            used.add(path)
            result.written.append(path)
        if progress:
            progress(len(result.written) + len(result.refused), len(rows))
    return result


def _place_problem(offer: dict, ref) -> str | None:
    """Why the row's postcode cannot place the offer, or None."""
    raw = (offer.get("locatie") or {}).get("postcode")
    if raw is None:
        return "locatie.postcode: verplicht veld ontbreekt"
    try:
        postcode = check_postcode(raw)
    except Exception:  # noqa: BLE001  (pydantic's custom error: report the value instead)
        return f"locatie.postcode: moet een postcode zijn als 1234 AB (got {raw!r})"
    if postcode[:4] not in ref.postcodes:
        return (f"locatie.postcode: postcode {postcode[:4]} staat niet in de postcodelijst "
                f"(got {raw!r})")
    offer["locatie"]["postcode"] = postcode
    return None


def _free_path(out_dir: Path, offer: dict, ref, used: set[Path]) -> Path:
    """out_dir/<gemeente>/<slug of the title>.yaml, numbered when the name is taken."""
    gemeente = slugify(ref.postcodes[offer["locatie"]["postcode"][:4]].gemeente)
    base = slugify(str(offer.get("titel") or "aanbod"))[:60].strip("-") or "aanbod"
    candidate, number = out_dir / gemeente / f"{base}.yaml", 2
    while candidate in used or candidate.exists():
        candidate, number = out_dir / gemeente / f"{base}-{number}.yaml", number + 1
    return candidate
