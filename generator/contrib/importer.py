"""Import offers from a municipality's spreadsheet (CSV or XLSX) into one YAML file per row.

A mapping file says which column (or template of columns) fills which field, which values are
the same for every row, which values to translate or skip, where the data came from, and which
columns identify a row. Every row goes through the same validator as hand-written offers before
anything is written. Re-running an import updates the files it wrote before (found by the
row's key), so a catalogue never doubles; files a curator has reviewed are left alone.
"""

import csv
import datetime as dt
import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from ..catalogue.activities import activity_words
from ..catalogue.load import check_source, find_offer_files
from ..catalogue.paths import in_schema_order, set_path
from ..catalogue.problems import short_repr
from ..catalogue.reference import REFERENCE_DIR, load_reference
from ..catalogue.schema import Aanbod, check_postcode
from ..catalogue.vocab import DAGEN, slugify
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
WEBSITE_FIELDS = {"aanbieder.website"}
EMAIL_FIELDS = {"aanbieder.email", "verwijzen.email"}
DAY_NAMES = {**{d: d for d in DAGEN}, **{d[:2]: d for d in DAGEN}, **{d[:3]: d for d in DAGEN}}
SLOT = re.compile(r"^\s*([a-z]+)\.?\s+(\d{1,2}[:.]\d{2})\s*(?:-|–|tot)\s*(\d{1,2}[:.]\d{2})\s*$")
PLACEHOLDER = re.compile(r"\{([^{}]+)\}")
HOST = re.compile(r"^(?=.{4,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
MAPPING_KEYS = {"kolommen", "vast", "waarden", "overslaan", "scheidingsteken", "bron",
                "bron_datum", "sleutel"}
REFUSED_COLUMNS = ["importrij", "reden"]


class MappingError(Exception):
    """The mapping file itself is wrong: nothing is imported."""


class RowError(Exception):
    """One cell cannot be converted; the row is refused with this reason."""


class Skipped(Exception):
    """A row left out on purpose (an `overslaan` value left nothing to publish)."""


@dataclass
class ImportResult:
    """What an import did, per row and per file."""

    rows: int = 0
    added: list[Path] = field(default_factory=list)
    updated: list[Path] = field(default_factory=list)
    unchanged: list[Path] = field(default_factory=list)
    reviewed: list[Path] = field(default_factory=list)  # kept: a curator has checked them
    missing: list[Path] = field(default_factory=list)  # written before, row now gone
    removed: list[Path] = field(default_factory=list)
    refused: list[tuple[int, str]] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)
    refused_rows: list[dict] = field(default_factory=list)
    repairs: Counter = field(default_factory=Counter)
    activities: dict[str, str] = field(default_factory=dict)  # sheet value -> code or reason

    @property
    def written(self) -> list[Path]:
        """Files added or changed by this run."""
        return self.added + self.updated

    def reasons(self) -> Counter:
        """Refused rows counted per reason: the first problem's field and message, without the
        bad value, row numbers or distances (the per-row lines have those)."""
        counts: Counter = Counter()
        for _, reason in self.refused:
            first = re.sub(r" \((got|[0-9]+/).*$", "", reason.split("; ")[0])
            first = re.sub(r"\b(rij|postcode) \d+", r"\1 …", first)
            counts[re.sub(r"\d+(\.\d+)? km", "… km", first)] += 1
        return counts


@dataclass(frozen=True)
class Mapping:
    """A checked mapping file."""

    columns: dict[str, str]  # field -> column name or template
    fixed: dict
    translate: dict
    skip: dict[str, set[str]]
    separator: str
    source: str | None
    source_date: dt.date | None
    key: list[str]

    def used_columns(self) -> set[str]:
        """Every spreadsheet column the mapping reads."""
        names = set(self.key)
        for value in self.columns.values():
            names |= set(PLACEHOLDER.findall(value)) if is_template(value) else {value}
        return names


def columns_of(reason: str, mapping: Mapping) -> list[str]:
    """The sheet columns behind a refused row's field ('locatie.coordinaten.lat: ...' -> [Lat])."""
    field_name = reason.split(":", 1)[0]
    if field_name == "sleutel":
        return list(mapping.key)
    names: list[str] = []
    for dotted, value in mapping.columns.items():
        if dotted == field_name or dotted.startswith(field_name + "."):
            found = PLACEHOLDER.findall(value) if is_template(value) else [value]
            names += [n for n in found if n not in names]
    return names


def is_template(value: str) -> bool:
    """'{Sport} bij {Naam}' combines columns; 'Naam' names one column."""
    return bool(PLACEHOLDER.search(value))


def read_mapping(path: Path) -> Mapping:
    """Read and check the mapping file; every mistake is a MappingError naming the key."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise MappingError(f"{path}: cannot read the mapping file: {exc}") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("kolommen"), dict):
        raise MappingError(f"{path}: expected a 'kolommen:' block mapping fields to column names")
    unknown = set(raw) - MAPPING_KEYS
    if unknown:
        raise MappingError(
            f"{path}: unknown key(s) {sorted(unknown)}; expected one of {sorted(MAPPING_KEYS)}"
        )
    for key in ("vast", "waarden", "overslaan"):
        if not isinstance(raw.get(key) or {}, dict):
            raise MappingError(f"{path}: '{key}' must be a block of field: value lines")
    skip = {}
    for name, values in (raw.get("overslaan") or {}).items():
        values = values if isinstance(values, list) else [values]
        skip[name] = {str(v).strip().lower() for v in values}
    key = raw.get("sleutel") or []
    key = [key] if isinstance(key, str) else key
    if not isinstance(key, list) or not all(isinstance(k, str) for k in key):
        raise MappingError(f"{path}: 'sleutel' must be a column name or a list of column names")
    source_date = raw.get("bron_datum")
    if source_date is not None and not isinstance(source_date, dt.date):
        raise MappingError(f"{path}: 'bron_datum' must be a date as YYYY-MM-DD, "
                           f"got {source_date!r}")
    if raw.get("bron") is None and "controle.gecontroleerd_op" not in (raw.get("vast") or {}):
        raise MappingError(f"{path}: say where the data comes from with 'bron:' (and "
                           "'bron_datum:'), or give 'controle' in 'vast' for reviewed data")
    return Mapping(
        columns={k: str(v) for k, v in raw["kolommen"].items()},
        fixed=raw.get("vast") or {},
        translate=raw.get("waarden") or {},
        skip=skip,
        separator=raw.get("scheidingsteken") or r"[;,]",
        source=str(raw["bron"]) if raw.get("bron") is not None else None,
        source_date=source_date,
        key=key,
    )


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


def cell(row: dict, column: str) -> str | None:
    """A column's text, None when empty."""
    text = row.get(column)
    return text if text not in (None, "") else None


def fill(value: str, row: dict) -> str | None:
    """A column's text, or a template with every placeholder filled (None if one is empty)."""
    if not is_template(value):
        return cell(row, value)
    parts = {name: cell(row, name) for name in PLACEHOLDER.findall(value)}
    if any(text is None for text in parts.values()):
        return None
    return PLACEHOLDER.sub(lambda m: parts[m.group(1)], value)


def repair_website(text: str, repairs: Counter) -> str:
    """'www.club.nl' -> 'https://www.club.nl'; http becomes https; the host must be valid."""
    url = text.strip()
    if not re.match(r"^[a-z][a-z0-9+.-]*://", url, re.IGNORECASE):
        url = f"https://{url}"
        repairs["aanbieder.website: https:// toegevoegd"] += 1
    elif url.lower().startswith("http://"):
        url = "https://" + url[len("http://"):]
        repairs["aanbieder.website: http:// veranderd in https://"] += 1
    host = (urlsplit(url).hostname or "") if " " not in url else ""
    if not HOST.match(host):
        raise RowError(f"aanbieder.website: geen geldig webadres (got {text!r})")
    return url


def normalise(name: str, text: str, mapping: Mapping, repairs: Counter) -> object:
    """Turn one spreadsheet cell into the value the schema expects."""
    translate = mapping.translate.get(name) or {}
    if name in LIST_FIELDS:
        items = [i.strip() for i in re.split(mapping.separator, text) if i.strip()]
        out = []
        for item in items:
            value = translate.get(item, item)
            out += value if isinstance(value, list) else [value]
        return out
    text = translate.get(text, text)
    if not isinstance(text, str):
        return text
    if name in WEBSITE_FIELDS:
        return repair_website(text, repairs)
    if name in EMAIL_FIELDS and text.lower().startswith("mailto:"):
        repairs[f"{name}: mailto: weggehaald"] += 1
        return text[len("mailto:"):]
    if name in NUMBER_FIELDS:
        cleaned = text.replace("€", "").replace(" ", "").replace(",", ".")
        try:
            number = float(cleaned)
        except ValueError:
            return text  # the validator reports it with the bad value
        return int(number) if number.is_integer() and name != "kosten.bedrag" else number
    if name == "rooster":
        return parse_schedule(text, mapping.separator)
    if name == "locatie.postcode":
        return re.sub(r"\s+", " ", text.upper())
    return text


def parse_schedule(text: str, separator: str) -> list:
    """'di 10:00-11:00; do 19:00-20:00' -> schedule slots."""
    slots = []
    for part in [p for p in re.split(separator, text) if p.strip()]:
        match = SLOT.match(part.lower())
        day = DAY_NAMES.get(match.group(1)) if match else None
        if day is None:
            raise RowError(
                f"rooster: kan '{part.strip()}' niet lezen; schrijf tijden als "
                "'di 10:00-11:00; do 19:30-20:30'"
            )
        slots.append({"dag": day, "van": match.group(2).replace(".", ":"),
                      "tot": match.group(3).replace(".", ":")})
    return slots


def resolve_activities(values: list[str], words, seen: dict[str, str]) -> list[str]:
    """Sheet words -> activity codes by meaning; a known word without a code refuses the row."""
    codes = []
    for value in values:
        match = words.resolve(value)
        if match.code:
            seen[value] = match.code
            codes.append(match.code)
        elif match.how == "buiten-lijst":
            seen[value] = f"niet in de lijst: {match.note}"
            raise RowError(f"activiteiten: '{value}' {match.note}")
        else:
            seen[value] = "onbekend"
            codes.append(value)  # the validator refuses it, with a spelling hint
    return list(dict.fromkeys(codes))


def row_to_offer(row: dict, mapping: Mapping, result: ImportResult, words) -> dict:
    """Build the offer's fields from one row, the fixed values and the mapping's rules."""
    offer: dict = {}
    for dotted, value in mapping.fixed.items():
        set_path(offer, dotted, value)
    skipped = []
    for dotted, column in mapping.columns.items():
        text = fill(column, row)
        if text is None:
            continue
        skip = mapping.skip.get(dotted, set())
        if dotted in LIST_FIELDS and skip:
            kept = [i for i in re.split(mapping.separator, text) if i.strip().lower() not in skip]
            skipped += [i.strip() for i in re.split(mapping.separator, text)
                        if i.strip().lower() in skip]
            text = ";".join(kept) if kept else None
        elif text.strip().lower() in skip:
            skipped.append(text.strip())
            text = None
        if text is None:
            continue
        value = normalise(dotted, text, mapping, result.repairs)
        if dotted == "activiteiten":
            value = resolve_activities(value, words, result.activities)
        set_path(offer, dotted, value)
    if skipped and not offer.get("activiteiten") and "activiteiten" in mapping.columns:
        raise Skipped(f"activiteiten: overgeslagen ({', '.join(skipped)})")
    if mapping.source:
        offer["bron"] = {"naam": mapping.source}
        if mapping.source_date:
            offer["bron"]["datum"] = mapping.source_date
        offer["bron"]["sleutel"] = row_key(row, mapping)
    return in_schema_order(offer, Aanbod)


def row_key(row: dict, mapping: Mapping) -> str:
    """The row's stable key: the key columns' values, or a hash of every mapped column."""
    if mapping.key:
        values = [cell(row, column) for column in mapping.key]
        empty = [c for c, v in zip(mapping.key, values, strict=True) if v is None]
        if empty:
            raise RowError(f"sleutel: kolom {', '.join(repr(c) for c in empty)} is leeg")
        return "/".join(re.sub(r"\s+", " ", v).strip().lower() for v in values)
    text = "\x1f".join(f"{c}={cell(row, c) or ''}" for c in sorted(mapping.used_columns()))
    return "rij-" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def written_before(out_dir: Path, source: str | None) -> tuple[dict[str, Path], set[Path]]:
    """Files an earlier import of this source wrote ({key: path}) and every offer file there."""
    keys: dict[str, Path] = {}
    files = {path for path, _root in find_offer_files([out_dir])} if out_dir.exists() else set()
    if source is None:
        return keys, files
    for path in files:
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError):
            continue
        origin = data.get("bron") if isinstance(data, dict) else None
        if isinstance(origin, dict) and origin.get("naam") == source and origin.get("sleutel"):
            keys[str(origin["sleutel"])] = path
    return keys, files


def import_spreadsheet(
    source: Path,
    mapping_path: Path,
    out_dir: Path,
    reference_dir: Path = REFERENCE_DIR,
    today: dt.date | None = None,
    progress=None,
    remove_missing: bool = False,
) -> ImportResult:
    """Convert every row; add or update valid ones; report the others with row and reason."""
    mapping = read_mapping(mapping_path)
    rows = read_rows(source)
    columns = set(rows[0][1]) if rows else set()
    missing = sorted(mapping.used_columns() - columns)
    if rows and missing:
        raise MappingError(
            f"{mapping_path}: column(s) not in {source.name}: {missing}; "
            f"columns are: {sorted(columns)}"
        )
    ref, today = load_reference(reference_dir), today or dt.date.today()
    words = activity_words(Path(reference_dir))
    result = ImportResult(rows=len(rows))
    before, taken = written_before(out_dir, mapping.source)
    seen: dict[str, int] = {}
    for number, row in rows:
        try:
            key = row_key(row, mapping)
            if key in seen:
                raise RowError(f"sleutel: dezelfde sleutel als rij {seen[key]} ({key})")
            seen[key] = number
            offer = row_to_offer(row, mapping, result, words)
            _place_problem(offer, ref)
            _write(offer, before.get(key), out_dir, ref, today, taken, result)
        except Skipped as exc:
            result.skipped.append((number, str(exc)))
        except RowError as exc:
            result.refused.append((number, str(exc)))
            result.refused_rows.append({"importrij": number, "reden": str(exc), **row})
        if progress:
            progress(len(seen), len(rows))
    for key, path in sorted(before.items()):
        if key not in seen:
            result.missing.append(path)
            if remove_missing and not _reviewed(path):
                path.unlink()
                result.removed.append(path)
                _remove_empty_folder(path.parent, out_dir)
    return result


def _write(offer: dict, path: Path | None, out_dir: Path, ref, today: dt.date,
           taken: set[Path], result: ImportResult) -> None:
    """Validate the offer in memory, then add it, update its earlier file, or leave it."""
    if path is not None and _reviewed(path):
        result.reviewed.append(path)  # a curator checked it: the import does not overwrite it
        return
    target = path or _free_path(out_dir, offer, ref, taken)
    text = SCHEMA_LINE + yaml.safe_dump(offer, allow_unicode=True, sort_keys=False)
    _, problems = check_source(target, out_dir, text.encode("utf-8"), ref, today, str(target))
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise RowError("; ".join(_reason(p) for p in errors))
    if path is not None and path.read_text(encoding="utf-8") == text:
        result.unchanged.append(path)
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    taken.add(target)
    (result.updated if path is not None else result.added).append(target)


def _reason(problem) -> str:
    """'field: message (got value)' for a refused row; the field is always named when known."""
    got = f" (got {short_repr(problem.value)})" if problem.has_value else ""
    return f"{problem.field or 'bestand'}: {problem.message}{got}"


def _reviewed(path: Path) -> bool:
    """True when the file has a `controle` block (a curator has reviewed it)."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return True  # unreadable: never overwrite what we cannot read
    return isinstance(data, dict) and data.get("controle") is not None


def _place_problem(offer: dict, ref) -> None:
    """Refuse a row whose postcode cannot place the offer (it decides the folder)."""
    raw = (offer.get("locatie") or {}).get("postcode")
    if raw is None:
        raise RowError("locatie.postcode: verplicht veld ontbreekt")
    try:
        postcode = check_postcode(raw)
    except Exception:  # noqa: BLE001  (pydantic's custom error: report the value instead)
        raise RowError(
            f"locatie.postcode: moet een postcode zijn als 1234 AB (got {raw!r})"
        ) from None
    if postcode[:4] not in ref.postcodes:
        raise RowError(f"locatie.postcode: postcode {postcode[:4]} staat niet in de "
                       f"postcodelijst (got {raw!r})")
    offer["locatie"]["postcode"] = postcode


def _free_path(out_dir: Path, offer: dict, ref, taken: set[Path]) -> Path:
    """out_dir/<gemeente>/<slug of the title>.yaml, numbered when the name is taken."""
    gemeente = slugify(ref.postcodes[offer["locatie"]["postcode"][:4]].gemeente)
    base = slugify(str(offer.get("titel") or "aanbod"))[:60].strip("-") or "aanbod"
    candidate, number = out_dir / gemeente / f"{base}.yaml", 2
    while candidate in taken or candidate.exists():
        candidate, number = out_dir / gemeente / f"{base}-{number}.yaml", number + 1
    return candidate


def _remove_empty_folder(folder: Path, out_dir: Path) -> None:
    """Remove a gemeente folder the import emptied (never out_dir itself)."""
    if folder != out_dir and folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()


def write_refused(result: ImportResult, path: Path, columns: list[str]) -> Path:
    """The refused rows as a CSV with the sheet's columns: fix them and import this file again."""
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=[*REFUSED_COLUMNS, *columns], extrasaction="ignore")
        writer.writeheader()
        for row in result.refused_rows:
            writer.writerow({k: ("" if v is None else v) for k, v in row.items()})
    return path
