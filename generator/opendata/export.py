"""Open-data export: a Frictionless Data Package (CSV), GeoJSON and OpenActive JSON-LD (jsonld.py).

Only public fields leave this module: the private `verwijzen` block is dropped first.
"""

import csv
import datetime as dt
import gc
import io
import json
import typing
import warnings
import zlib
from functools import cache, partial
from itertools import repeat
from operator import attrgetter
from pathlib import Path

from ..cache import key_of
from ..catalogue.offer import Offer
from ..catalogue.paths import submodel
from ..catalogue.reference import Reference
from ..catalogue.schema import PRIVATE_FIELDS, Aanbod
from ..jsontext import compact_json
from . import gzpieces
from .jsonld import offer_jsonld, offer_url

KEY = attrgetter("key")
LICENSE = {
    "name": "CC-BY-4.0",
    "title": "Creative Commons Attribution 4.0",
    "path": "https://creativecommons.org/licenses/by/4.0/",
}


def public_data(offer: Offer) -> dict:
    """The offer's own fields without private ones, as JSON-ready values."""
    return offer.data.model_dump(mode="json", exclude=PRIVATE_FIELDS, exclude_none=True)


def public_record(offer: Offer) -> dict:
    """Public fields plus the derived place (id, gemeente, wijk, coordinates)."""
    return {
        "id": offer.id,
        **public_data(offer),
        "gemeente_code": offer.gemeente_code,
        "gemeente": offer.gemeente,
        "wijk": offer.wijk,
        "lat": offer.lat,
        "lon": offer.lon,
    }


def flat_row(offer: Offer, ref: Reference) -> dict:
    """One CSV row: nested blocks joined with '_', lists joined with '; '."""
    row: dict = {}
    _flatten("", public_record(offer), row)
    row["activiteiten_openactive"] = "; ".join(
        ref.activities[code].openactive_id for code in offer.data.activiteiten
    )
    return row


def _flatten(prefix: str, record: dict, row: dict) -> None:
    """Put a record's values into row: nested blocks under their joined names, lists as
    text (the values of a JSON dump: plain dicts, lists and scalars)."""
    for key, value in record.items():
        name = f"{prefix}_{key}" if prefix else key
        kind = type(value)
        if kind is dict:
            _flatten(name, value, row)
        elif kind is list:
            row[name] = "; ".join([_item_text(v) for v in value])
        else:
            row[name] = value


def _item_text(value) -> str:
    """A list item as text: a schedule slot as 'dinsdag 10:00-11:00', a photo by its file."""
    if isinstance(value, dict):
        if "dag" in value:
            return f"{value['dag']} {value['van']}-{value['tot']}"
        if "bestand" in value:
            return value["bestand"]
        return ", ".join(f"{k}: {v}" for k, v in value.items())
    return str(value)


@cache
def public_columns() -> list[str]:
    """Every public column, in schema order, whether or not any offer fills it."""
    derived = [c for c in DERIVED_DESCRIPTIONS if c != "id"]

    def walk(model, prefix: str) -> list[str]:
        out = []
        for name, field in model.model_fields.items():
            if not prefix and name in PRIVATE_FIELDS:
                continue
            sub = submodel(field.annotation)
            key = f"{prefix}_{name}" if prefix else name
            is_list = typing.get_origin(field.annotation) is list
            out += walk(sub, key) if sub is not None and not is_list else [key]
            if key == "activiteiten":
                out.append("activiteiten_openactive")
        return out

    return ["id", *walk(Aanbod, ""), *derived]


SCALAR_TYPES = {bool: "boolean", int: "integer", float: "number"}


def _value_type(value) -> str | None:
    """The Table Schema type of one CSV value (None when empty)."""
    if value is None or value == "":
        return None
    kind = SCALAR_TYPES.get(type(value))
    if kind is not None:
        return kind
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and _is_date(value):
        return "date"
    return "string"


def type_signature(row: dict) -> str:
    """The types of a row's non-empty values as one text ('column=type;...'): offers share
    a handful of signatures, so the build reads each one once."""
    pairs = []
    for column, value in row.items():  # (_value_type, without a call for most values)
        if type(value) is str:
            if not value:
                continue
            kind = "date" if len(value) == 10 and value[4] == "-" and _is_date(value) \
                else "string"
        else:
            kind = SCALAR_TYPES.get(type(value)) or _value_type(value)
            if kind is None:
                continue
        pairs.append(f"{column}={kind}")
    return ";".join(pairs)


def _column_type(kinds: set[str]) -> str:
    """The Table Schema type that fits every non-empty value of a column (given their types)."""
    if len(kinds) == 1 and next(iter(kinds)) != "string":
        return next(iter(kinds))
    if kinds and kinds <= {"integer", "number"}:
        return "number"
    return "string"


def _is_date(text: str) -> bool:
    """True for YYYY-MM-DD strings."""
    try:
        return len(text) == 10 and bool(dt.date.fromisoformat(text))
    except ValueError:
        return False


DERIVED_DESCRIPTIONS = {
    "id": "Vaste code van het aanbod: <gemeente>/<bestandsnaam>.",
    "gemeente_code": "CBS-code van de gemeente (afgeleid uit de postcode).",
    "gemeente": "Gemeente (afgeleid uit de postcode).",
    "wijk": "Wijk (afgeleid uit de plek, waar wijkgrenzen bekend zijn).",
    "lat": "Breedtegraad (WGS84).",
    "lon": "Lengtegraad (WGS84).",
}


def _description(column: str) -> str:
    """The schema's Dutch description for a flattened column name."""
    if column in DERIVED_DESCRIPTIONS:
        return DERIVED_DESCRIPTIONS[column]
    model, parts = Aanbod, column.split("_")
    # Longest-prefix match of field names, since field names themselves contain underscores.
    description = ""
    while parts and model is not None:
        for size in range(len(parts), 0, -1):
            name = "_".join(parts[:size])
            field = model.model_fields.get(name)
            if field is not None:
                description = field.description or description
                model = submodel(field.annotation)
                parts = parts[size:]
                break
        else:
            break
    return description


def offer_exports(offer: Offer, ref: Reference, site_url: str = "") -> dict:
    """One offer's part of each download, already serialised: its CSV line with the type of
    each value, its GeoJSON feature and its JSON-LD item (joined per build by export_files)."""
    row = flat_row(offer, ref)
    properties = {k: v for k, v in row.items() if k not in ("lat", "lon")}
    properties["url"] = offer_url(offer, site_url)
    feature = {
        "type": "Feature",
        "id": offer.id,
        "properties": properties,
        "geometry": {"type": "Point", "coordinates": [offer.lon, offer.lat]},
    }
    return {
        "csv": csv_line(row),
        "types": type_signature(row),
        "feature": compact_json(feature),
        "jsonld": compact_json(offer_jsonld(offer, ref, site_url)),
    }


def csv_line(row: dict) -> str:
    """A row as one CSV line in the order of public_columns(), empty where it has no value
    (as csv.DictWriter writes it, without making a writer for each offer)."""
    columns = public_columns()
    if not row.keys() <= public_column_set():
        unknown = sorted(row.keys() - public_column_set())
        raise ValueError(f"dict contains fields not in fieldnames: {unknown}")
    line = io.StringIO(newline="")
    csv.writer(line).writerow(list(map(row.get, columns, repeat("", len(columns)))))
    return line.getvalue()


@cache
def public_column_set() -> frozenset[str]:
    """public_columns() as a set."""
    return frozenset(public_columns())


def export_files(items: list[dict], created: str | None = None) -> dict[str, str]:
    """The text of every download (file name -> text) from the offers' export parts."""
    columns = public_columns()
    header = io.StringIO(newline="")
    csv.writer(header).writerow(columns)
    kinds: dict[str, set] = {c: set() for c in columns}
    for signature in {item["types"] for item in items}:
        for pair in filter(None, signature.split(";")):
            column, kind = pair.split("=")
            kinds[column].add(kind)
    package = data_package(kinds, created)
    return {
        "aanbod.csv": header.getvalue() + "".join(item["csv"] for item in items),
        "datapackage.json": package,
        "aanbod.geojson": '{"type":"FeatureCollection","features":['
        + ",".join(item["feature"] for item in items) + "]}",
        "aanbod.jsonld": "[" + ",".join(item["jsonld"] for item in items) + "]",
    }


# The downloads the site publishes gzip-compressed. At national scale they are among the biggest
# files of the site (per offer about 2 KB of JSON-LD, 1.2 KB of GeoJSON and 0.6 KB of CSV;
# 50,000 offers: 185 MB, compressed 23 MB). The data package names the packed CSV with
# `"compression": "gz"` (Frictionless reads and validates it so); `beweegkaart export` writes
# them plain.
COMPRESSED = ("aanbod.csv", "aanbod.geojson", "aanbod.jsonld")
GZIP_LEVEL = 1  # ISA-L level 1: as small as zlib level 1, a quarter of its time (every build)
# The offers are compressed in runs (gzpieces.py), each memoised by the keys of its offers; a
# run ends before an offer whose id hashes to 0 modulo RUN_EVERY, so an offer added, removed
# or changed changes its own run only.
RUN_EVERY = 256  # (a rebuild compresses the run of a changed offer again: keep it short)


def starts_run(offer_id: str) -> bool:
    """True when a run begins at the offer with this id (about one in RUN_EVERY)."""
    return zlib.crc32(offer_id.encode()) % RUN_EVERY == 0


def offer_runs(items: list) -> list[list]:
    """Items (with `id`) in runs of about RUN_EVERY, cut where an id says so."""
    runs: list[list] = []
    for item in items:
        if not runs or starts_run(item.id):
            runs.append([])
        runs[-1].append(item)
    return runs


def run_memos(items: list) -> dict[str, bytes]:
    """What `published_downloads` memoises for the runs of `items` (name -> bytes): each
    run's column types and its compressed pieces, named as they are for a run that is not
    the first of the downloads. A build worker makes them for its chunk of offers, cut where
    a run begins: the pieces of runs that are runs of the whole build are then made on all
    cores (a run that is not, e.g. cut short by an invalid offer, has other members, so
    another key, and is made by `published_downloads` itself)."""
    made: dict[str, bytes] = {}
    for run in offer_runs(items):
        key = key_of(members=map(KEY, run))
        made[_kinds_name(key)] = run_kinds(run)
        for part, between in BETWEEN.items():
            made[_piece_name(part, bool(between), key)] = run_piece(run, part, between, between)
    return made


def memo_names(items: list) -> list[str]:
    """The names `published_downloads` asks its memo for, for these items."""
    keys = [key_of(members=map(KEY, run)) for run in offer_runs(items)]
    return [name for number, key in enumerate(keys) for name in _run_names(number, key)]


def runs_to_make(items: list, found: set[str]) -> list[list]:
    """The runs of `items` of which `published_downloads` makes something: those with a memo
    name (`memo_names`) that is not in `found`."""
    return [run for number, run in enumerate(offer_runs(items))
            if not found.issuperset(_run_names(number, key_of(members=map(KEY, run))))]


def _run_names(number: int, run_key: str) -> list[str]:
    """The memo names of the run with this number (0: the first) and key."""
    return [_kinds_name(run_key), *(_piece_name(part, bool(number and between), run_key)
                                    for part, between in BETWEEN.items())]


def _kinds_name(run_key: str) -> str:
    """The memo name of a run's column types."""
    return f"kinds:{run_key}"


def _piece_name(part: str, lead: bool, run_key: str) -> str:
    """The memo name of a run's compressed piece of one download."""
    return f"gz:{part}:{lead}:{run_key}"


BETWEEN = {"csv": "", "feature": ",", "jsonld": ","}  # export part -> what is between two


def published_downloads(items: list, created: str, memo) -> dict[str, bytes]:
    """The downloads as the site publishes them (path under open-data/ -> bytes), from items
    with `id`, `key` (their cache entry) and `exports` (offer_exports): datapackage.json and
    the files in COMPRESSED as <name>.gz, byte for byte the texts of `export_files` once
    unpacked. `memo(key, make)` keeps each run's compressed pieces between builds."""
    runs = offer_runs(items)
    keys = [key_of(members=map(KEY, run)) for run in runs]
    kinds: dict[str, set] = {c: set() for c in public_columns()}
    for run, key in zip(runs, keys, strict=True):
        found = json.loads(memo(_kinds_name(key), partial(run_kinds, run)))
        for column, names in found.items():
            kinds[column].update(names)
    package = packed_package(data_package(kinds, created))
    header = io.StringIO(newline="")
    csv.writer(header).writerow(public_columns())
    texts = {  # name: (before the offers, what is between two offers, after them, export part)
        "aanbod.csv": (header.getvalue(), BETWEEN["csv"], "", "csv"),
        "aanbod.geojson": ('{"type":"FeatureCollection","features":[', BETWEEN["feature"], "]}",
                           "feature"),
        "aanbod.jsonld": ("[", BETWEEN["jsonld"], "]", "jsonld"),
    }
    out = {"datapackage.json": package.encode("utf-8")}
    for name, (before, between, after, part) in texts.items():
        pieces = [gzpieces.piece(before.encode(), GZIP_LEVEL)]
        for number, (run, key) in enumerate(zip(runs, keys, strict=True)):
            lead = between if number else ""
            make = partial(run_piece, run, part, lead, between)
            pieces.append(memo(_piece_name(part, bool(lead), key), make))
        pieces.append(gzpieces.piece(after.encode(), GZIP_LEVEL))
        out[f"{name}.gz"] = gzpieces.joined(pieces)
    return out


def run_piece(run: list, part: str, lead: str, between: str) -> bytes:
    """The compressed piece of one run's export parts (after `lead`, joined by `between`)."""
    text = lead + between.join(item.exports[part] for item in run)
    return gzpieces.piece(text.encode("utf-8"), GZIP_LEVEL)


def run_kinds(run: list) -> bytes:
    """The Table Schema types found per column in a run's CSV rows (JSON)."""
    kinds: dict[str, set] = {}
    for signature in {item.exports["types"] for item in run}:
        for pair in filter(None, signature.split(";")):
            column, kind = pair.split("=")
            kinds.setdefault(column, set()).add(kind)
    return json.dumps({column: sorted(found) for column, found in kinds.items()}).encode()


def data_package(kinds: dict[str, set], created: str | None) -> str:
    """datapackage.json for the CSV, given the types found in each column."""
    fields = [{"name": c, "type": _column_type(kinds[c]), "description": _description(c)}
              for c in public_columns()]
    created = created or dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
    package = {
        "name": "beweegkaart-aanbod",
        "title": "Beweegkaart: laagdrempelig beweegaanbod",
        "description": "Openbare gegevens van het beweegaanbod op de beweegkaart.",
        "licenses": [LICENSE],
        "created": created,
        "resources": [
            {
                "name": "aanbod",
                "path": "aanbod.csv",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "schema": {"fields": fields, "primaryKey": ["id"]},
            }
        ],
    }
    return json.dumps(package, ensure_ascii=False, indent=2)


def packed_package(text: str) -> str:
    """datapackage.json for the compressed files: each resource's path with .gz."""
    package = json.loads(text)
    for resource in package["resources"]:
        if resource["path"] in COMPRESSED:
            resource["path"] += ".gz"
            resource["compression"] = "gz"
    return json.dumps(package, ensure_ascii=False, indent=2)


FILE_KEYS = {"csv": "aanbod.csv", "datapackage": "datapackage.json",
             "geojson": "aanbod.geojson", "jsonld": "aanbod.jsonld"}


def export_catalogue(
    offers: list[Offer], out_dir: Path, ref: Reference, site_url: str = "",
    validate: bool = True, created: str | None = None,
) -> dict[str, Path]:
    """Write aanbod.csv + datapackage.json, aanbod.geojson and aanbod.jsonld into out_dir."""
    out_dir.mkdir(parents=True, exist_ok=True)
    files = export_files([offer_exports(o, ref, site_url) for o in offers], created)
    for name, text in files.items():
        (out_dir / name).write_text(text, encoding="utf-8", newline="")
    if validate:
        check_package(out_dir / "datapackage.json")
    return {key: out_dir / name for key, name in FILE_KEYS.items()}


def geojson(offers: list[Offer], ref: Reference, site_url: str = "") -> dict:
    """A GeoJSON FeatureCollection with the public fields as properties."""
    return {"type": "FeatureCollection",
            "features": [json.loads(offer_exports(o, ref, site_url)["feature"]) for o in offers]}


class ExportError(Exception):
    """The exported data package did not pass Frictionless validation."""


def check_package(package_path: Path) -> None:
    """Validate a data package with Frictionless; raise ExportError listing the problems."""
    import frictionless

    with warnings.catch_warnings():
        # Frictionless 5 leaves the file of a gzip-compressed resource open (a ResourceWarning
        # when it is collected); collect it here, where the warning is known and harmless.
        warnings.simplefilter("ignore", ResourceWarning)
        report = frictionless.validate(str(package_path))
        gc.collect()
    if not report.valid:
        messages = [error.message for task in report.tasks for error in task.errors][:20]
        messages += [error.message for error in report.errors][:20]
        raise ExportError("open-data package is invalid:\n" + "\n".join(messages))
