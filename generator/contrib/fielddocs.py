"""Field documentation generated from the offer schema, so the docs cannot drift from the code.

Every field and sub-field of `Aanbod` becomes one table row: its dotted name, the Dutch
description, the kind of value, the allowed values of a closed list, whether it is required,
and an example taken from the offer template.
"""

import datetime as dt
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from pydantic import BaseModel, EmailStr, HttpUrl
from pydantic.fields import FieldInfo

from ..catalogue.reference import REFERENCE_DIR, read_activities
from ..catalogue.schema import (
    Aanbod,
    check_activity,
    check_phone,
    check_postcode,
    check_time,
    parse_ja_nee,
)
from ..catalogue.yamlio import OfferLoader

# Examples for fields the template leaves commented out (the template must stay copy-valid).
EXTRA_EXAMPLES = {
    "alleen_voor": "vrouwen",
    "locatie.coordinaten": {"lat": 51.9023, "lon": 4.4941},
    "locatie.coordinaten.lat": 51.9023,
    "locatie.coordinaten.lon": 4.4941,
    "fotos": [{"bestand": "walking-football.jpg", "alt": "Zes mannen spelen wandelend voetbal."}],
    "fotos.bestand": "walking-football.jpg",
    "medische_check": ["hart- en vaatziekten", "diabetes"],
    "fotos.alt": "Zes mannen spelen wandelend voetbal op een kunstgrasveld.",
    "bron": {"naam": "Sportlijst gemeente Voorbeeld", "datum": "2019-06-01"},
    "bron.naam": "Sportlijst gemeente Voorbeeld",
    "bron.datum": "2019-06-01",
    "bron.sleutel": "12345678/handbal",
}

# Validator functions that tell what kind of text a field holds.
KIND_BY_VALIDATOR = {
    parse_ja_nee: "ja/nee",
    check_time: "tijd (UU:MM, tussen aanhalingstekens)",
    check_postcode: "postcode",
    check_phone: "telefoonnummer",
}

BLOCK_TITLES = {
    "": "Algemeen",
    "aanbieder": "Aanbieder",
    "verwijzen": "Verwijzen, privé",
    "leeftijd": "Leeftijd",
    "locatie": "Locatie",
    "locatie.coordinaten": "Coördinaten",
    "rooster": "Rooster",
    "kosten": "Kosten",
    "kosten.vergoeding": "Vergoeding",
    "toegankelijkheid": "Toegankelijkheid",
    "fotos": "Foto's",
    "controle": "Controle",
    "bron": "Bron (bij een import)",
}


@dataclass
class FieldDoc:
    """What the docs say about one field."""

    name: str
    description: str
    kind: str
    required: bool
    default: object = None
    choices: list[str] = field(default_factory=list)
    example: object = None
    model: type[BaseModel] | None = None
    is_list: bool = False

    @property
    def block(self) -> str:
        """The dotted name of the block this field sits in ('' for the top level)."""
        return self.name.rpartition(".")[0]


def _unwrap(annotation, metadata: list) -> tuple[object, list, bool]:
    """Strip Optional and Annotated; return (base type, all metadata, is a list)."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        base, *meta = typing.get_args(annotation)
        return _unwrap(base, [*metadata, *meta])
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return _unwrap(args[0], metadata)
    if origin is list:
        base, meta, _ = _unwrap(typing.get_args(annotation)[0], metadata)
        return base, meta, True
    return annotation, metadata, False


def _kind(base, metadata: list) -> tuple[str, list[str], type[BaseModel] | None]:
    """A Dutch name for the kind of value, the allowed values, and the block model if any."""
    for meta in metadata:
        schema = getattr(meta, "json_schema", None)
        if isinstance(schema, dict) and "enum" in schema:
            return "keuze uit een lijst", list(schema["enum"]), None
        func = getattr(meta, "func", None)
        if func is check_activity:  # the schema takes its codes from the reference data
            return "keuze uit een lijst", list(activity_labels()), None
        if func in KIND_BY_VALIDATOR:
            return KIND_BY_VALIDATOR[func], [], None
    if isinstance(base, type) and issubclass(base, BaseModel):
        return "blok met velden", [], base
    simple = {str: "tekst", int: "heel getal", float: "getal (met een punt)", bool: "ja/nee",
              dt.date: "datum (JJJJ-MM-DD)", HttpUrl: "webadres (https://...)",
              EmailStr: "e-mailadres"}
    return simple.get(base, "tekst"), [], None


def field_docs(model: type[BaseModel] = Aanbod, examples: dict | None = None,
               prefix: str = "") -> list[FieldDoc]:
    """Every field of `model` and its blocks, depth first, in schema order."""
    examples = examples or {}
    docs = []
    for name, info in model.model_fields.items():
        docs += _field_doc(f"{prefix}{name}", info, examples)
    return docs


def _field_doc(name: str, info: FieldInfo, examples: dict) -> list[FieldDoc]:
    """The doc of one field, followed by the docs of its sub-fields."""
    base, metadata, is_list = _unwrap(info.annotation, list(info.metadata))
    kind, choices, model = _kind(base, metadata)
    if is_list:
        kind = "lijst van blokken" if model else f"lijst ({kind})"
    default = None if info.is_required() else info.get_default(call_default_factory=True)
    doc = FieldDoc(name, info.description or "", kind, info.is_required(), default, choices,
                   examples.get(name, EXTRA_EXAMPLES.get(name)), model, is_list)
    docs = [doc]
    if model is not None:
        docs += field_docs(model, examples, prefix=f"{name}.")
    return docs


def all_field_names(model: type[BaseModel] = Aanbod) -> list[str]:
    """The dotted names of every field and sub-field, e.g. 'kosten.gratis_proefles'."""
    return [doc.name for doc in field_docs(model)]


def template_examples(template: Path) -> dict:
    """Example values per dotted field name, read from the offer template."""
    data = yaml.load(template.read_text("utf-8"), Loader=OfferLoader)  # noqa: S506 (safe loader)
    examples: dict = {}

    def walk(value, name: str) -> None:
        if name:
            examples[name] = value
        if isinstance(value, dict):
            for key, sub in value.items():
                walk(sub, f"{name}.{key}" if name else str(key))
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            for key, sub in value[0].items():
                walk(sub, f"{name}.{key}")

    walk(data, "")
    return examples


def yaml_value(value: object) -> str:
    """A value the way it is written in an offer file, on one line."""
    if value is True:
        return "ja"
    if value is False:
        return "nee"
    if isinstance(value, str) and ":" in value and len(value) <= 5:
        return f'"{value}"'
    if isinstance(value, float):
        return f"{value:.2f}" if round(value, 2) == value else repr(value)
    if isinstance(value, str):
        return value.strip().splitlines()[0] + (" ..." if "\n" in value.strip() else "")
    text = yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, sort_keys=False,
                          width=1000).strip()
    return text.removesuffix("\n...").replace("true", "ja").replace("false", "nee")


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return text.replace("|", "\\|").replace("\n", " ")


def _choices_text(doc: FieldDoc) -> str:
    """'Kies uit: ...' for a closed list; activities also show their Dutch label."""
    if not doc.choices:
        return ""
    if doc.name == "activiteiten":
        labels = activity_labels()
        items = [f"`{c}` ({labels[c]})" if c in labels else f"`{c}`" for c in doc.choices]
    else:
        items = [f"`{c}`" for c in doc.choices]
    return " Kies uit: " + ", ".join(items) + "."


def activity_labels() -> dict[str, str]:
    """Activity code -> Dutch label."""
    return {a.code: a.label for a in read_activities(REFERENCE_DIR / "activiteiten.csv").values()}


# Blocks the schema requires one of (Aanbod.reviewed_or_sourced): neither is optional alone.
ONE_OF = {"controle": "bron", "bron": "controle"}


def _required_text(doc: FieldDoc) -> str:
    """'ja', 'nee', 'nee (standaard: ...)', or which other block may take its place."""
    if doc.name in ONE_OF:
        return f"ja, of anders `{ONE_OF[doc.name]}`"
    if doc.required:
        return "ja" if "." not in doc.name else "ja, als het blok er staat"
    if doc.default in (None, [], "") or doc.model is not None:
        return "nee"
    return f"nee (standaard: {yaml_value(doc.default)})"


def _example_text(doc: FieldDoc) -> str:
    """The example cell of a field."""
    if doc.model is not None:
        return "zie hieronder"
    if doc.example is None:
        return ""
    return f"`{_cell(yaml_value(doc.example))}`"


def render_markdown(docs: list[FieldDoc], level: int = 3) -> str:
    """The field reference as Markdown: one table per block."""
    hashes = "#" * level
    blocks: dict[str, list[FieldDoc]] = {}
    for doc in docs:
        blocks.setdefault(doc.block, []).append(doc)
    by_name = {doc.name: doc for doc in docs}
    out = []
    for block, rows in blocks.items():
        title = BLOCK_TITLES.get(block, block)
        heading = f"{hashes} {title}" + (f" (`{block}`)" if block else "")
        out += [heading, ""]
        if block:
            parent = by_name[block]
            extra = " Een lijst: zet elk onderdeel op een eigen regel die begint met `- `." \
                if parent.is_list else ""
            out += [f"{parent.description}{extra}", ""]
        out += ["| Veld | Uitleg | Soort | Verplicht | Voorbeeld |",
                "|---|---|---|---|---|"]
        for doc in rows:
            explain = _cell(doc.description + _choices_text(doc))
            out.append(f"| `{doc.name}` | {explain} | {doc.kind} | {_required_text(doc)} "
                       f"| {_example_text(doc)} |")
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def field_reference(template: Path, level: int = 3) -> str:
    """The Markdown field reference with examples from the template."""
    return render_markdown(field_docs(examples=template_examples(template)), level)
