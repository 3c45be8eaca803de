"""The questions for a new offer, shared by the issue form and `beweegkaart new`.

Each question fills one schema field (its dotted name is the key). Answers are checked with
the schema's own validators, so the messages are the validator's messages. The issue form
`.github/ISSUE_TEMPLATE/nieuw-aanbod.yml` is generated from this list (`beweegkaart docs`).
"""

import datetime as dt
import difflib
import re
from dataclasses import dataclass
from functools import cache

import yaml
from pydantic import BaseModel, TypeAdapter, ValidationError
from pydantic_core import PydanticCustomError

from ..catalogue.messages import dutch_message, unknown_postcode
from ..catalogue.paths import in_schema_order, set_path
from ..catalogue.reference import Reference, load_reference
from ..catalogue.schedule import ScheduleError, parse_schedule
from ..catalogue.schema import Aanbod, parse_ja_nee, reference_context
from ..catalogue.vocab import ONBEKEND
from .fielddocs import activity_labels, field_docs

ISSUE_FORM_NAME = "Nieuw aanbod aanmelden"
TEXT_KINDS = ("text", "textarea")
# Unknown is an answer: an empty answer or one of these words leaves the field out (unknown).
UNKNOWN = ONBEKEND | {"weet ik niet", "niet bekend"}
# The schedule answer for offers without fixed times (op_afspraak: ja).
BY_APPOINTMENT = "op afspraak"


@dataclass(frozen=True)
class Question:
    """One question: the schema field it fills, how it is asked, and when."""

    key: str
    label: str
    kind: str = "text"  # text, textarea, choice, choices, janee, rooster
    required: bool = False
    help: str = ""
    placeholder: str = ""
    when: str = ""  # "veld": asked when that answer is given (ja); "!veld": unless it is ja
    private: bool = False  # not asked in the public issue form

    @property
    def id(self) -> str:
        """The id in the issue form (letters, digits, '-' and '_' only)."""
        return self.key.replace(".", "-")

    @property
    def description(self) -> str:
        """The explanation under the question: our own help or the schema's description."""
        return self.help or fields()[self.key].description

    def applies(self, answers: dict) -> bool:
        """True when the question is asked, given the answers so far."""
        if not self.when:
            return True
        value = answers.get(self.when.lstrip("!"))
        if self.when.startswith("!"):
            return value is not True  # after 'nee' or 'onbekend'
        return value is not None and value is not False

    def choices(self) -> list[tuple[str, str]]:
        """(value, label) pairs for a choice question."""
        if self.kind == "janee":
            return [("ja", "ja"), ("nee", "nee"), ("onbekend", "onbekend")]
        values = fields()[self.key].choices
        if self.key == "activiteiten":
            labels = activity_labels()
            return [(v, labels.get(v, v)) for v in values]
        return [(v, v) for v in values]


QUESTIONS = [
    Question("titel", "Naam van het aanbod", required=True,
             placeholder="Walking football voor 60-plussers"),
    Question("beschrijving", "Beschrijving", "textarea", required=True,
             help="Wat ga je doen, en hoe voelt het? Schrijf het zoals je het aan een buurvrouw "
                  "vertelt. Minstens 20 tekens, geen HTML."),
    Question("aanbieder.naam", "Naam van de club of organisatie", required=True),
    Question("aanbieder.website", "Website", placeholder="https://"),
    Question("aanbieder.telefoon", "Telefoonnummer voor vragen (openbaar)",
             placeholder="010 123 4567"),
    Question("aanbieder.email", "E-mailadres voor vragen (openbaar)"),
    Question("activiteiten", "Activiteit", "choices", required=True,
             help="Eén tot vijf activiteiten uit de lijst."),
    Question("doelgroepen", "Voor wie is het extra geschikt?", "choices"),
    Question("niveau", "Hoe zwaar is het?", "choice"),
    Question("leeftijd.van", "Minimumleeftijd", help="Laat leeg als er geen grens is."),
    Question("leeftijd.tot", "Maximumleeftijd", help="Laat leeg als er geen grens is."),
    Question("alleen_voor", "Alleen voor vrouwen of alleen voor mannen?", "choice",
             help="Laat leeg als iedereen mag meedoen."),
    Question("locatie.naam", "Naam van de plek", required=True, placeholder="Sportpark Zuid"),
    Question("locatie.adres", "Straat en huisnummer", required=True, placeholder="Sportlaan 1"),
    Question("locatie.postcode", "Postcode", required=True, placeholder="3072 AB"),
    Question("locatie.plaats", "Plaats", required=True, placeholder="Rotterdam"),
    Question("rooster", "Vaste tijden", "rooster",
             help="Eén regel per vaste tijd in de week, zoals: dinsdag 10:00-11:00. "
                  "Geen vaste tijden? Schrijf: op afspraak. Weet je het niet? Laat het leeg.",
             placeholder="dinsdag 10:00-11:00"),
    Question("seizoen", "Seizoen", placeholder="september tot en met juni"),
    Question("kosten.gratis", "Is meedoen gratis?", "janee",
             help="Ja, nee of onbekend. Weet je het niet? Dan staat er op de kaart: "
                  "onbekend, vraag het de aanbieder."),
    Question("kosten.bedrag", "Bedrag in euro", when="!kosten.gratis",
             help="Als meedoen niet gratis is. Met een punt: 5.50. "
                  "Weet je het niet? Laat het leeg.", placeholder="5.00"),
    Question("kosten.per", "Bedrag per", "choice", required=True, when="kosten.bedrag",
             help="Alleen als je een bedrag hebt ingevuld: per les, week, maand, kwartaal of "
                  "jaar."),
    Question("kosten.gratis_proefles", "Is er een gratis proefles?", "janee",
             help="Ja, nee of onbekend."),
    Question("kosten.vergoeding.zorgverzekeraar", "Betaalt de zorgverzekeraar mee?",
             help="Leg kort uit welke verzekering wat betaalt. Laat leeg als dat niet zo is."),
    Question("kosten.vergoeding.stadspas", "Korting of vergoeding met een stadspas?",
             help="Bijvoorbeeld: gratis met de Rotterdampas. Laat leeg als dat niet zo is."),
    Question("begeleiding", "Opleiding en diploma's van de begeleiding", "choices",
             help="Zorgverleners verwijzen eerder als ze zien dat de begeleiding goed "
                  "opgeleid is, bijvoorbeeld met EHBO en een sportopleiding."),
    Question("talen", "Talen die de begeleiding spreekt", "choices",
             help="Laat leeg als het alleen Nederlands is."),
    Question("toegankelijkheid.rolstoel", "Kun je er komen met een rolstoel?", "janee"),
    Question("toegankelijkheid.openbaar_vervoer", "Hoe kom je er met het openbaar vervoer?",
             placeholder="bus 38, halte Sportlaan"),
    Question("verwijzen.mogelijk", "Wil je aanmeldingen ontvangen via de beweegkaart?", "janee",
             required=True,
             help="Zorgverleners en inwoners kunnen je dan via de site een aanmelding sturen. "
                  "Het e-mailadres voor aanmeldingen vragen we apart; dit formulier is openbaar."),
    Question("verwijzen.email", "E-mailadres voor aanmeldingen (wordt niet gepubliceerd)",
             required=True, when="verwijzen.mogelijk", private=True),
]


@cache
def fields() -> dict:
    """Field docs of the schema by dotted name."""
    return {doc.name: doc for doc in field_docs()}


def question(key: str) -> Question:
    """The question for a dotted field name."""
    return next(q for q in QUESTIONS if q.key == key)


class AnswerError(ValueError):
    """An answer that does not fit; the message is Dutch and shown as is."""


def nearest(value: str, choices: list[tuple[str, str]], n: int = 3) -> list[str]:
    """Up to `n` choice values whose value or label looks like `value`."""
    names = {}
    for code, label in choices:
        names.setdefault(code.lower(), code)
        names.setdefault(label.lower(), code)
    found = difflib.get_close_matches(value.lower(), list(names), n=n * 2, cutoff=0.5)
    contained = [k for k in names if value.lower() in k and len(value) >= 3]
    out = []
    for key in found + contained:
        if names[key] not in out:
            out.append(names[key])
    return out[:n]


def match_choice(value: str, q: Question) -> str:
    """The choice value meant by `value` (code or label, any case), or an AnswerError."""
    choices = q.choices()
    for code, label in choices:
        if value.strip().lower() in (code.lower(), label.lower()):
            return code
    hint = nearest(value, choices)
    tip = f" Bedoelde je: {', '.join(hint)}?" if hint else " Typ ? voor de lijst."
    raise AnswerError(f"'{value.strip()}' staat niet in de lijst.{tip}")


def _is_empty(value) -> bool:
    """True for a missing, blank or 'onbekend' answer (and the issue form's '_No response_')."""
    if isinstance(value, str):
        return value.strip().lower() in {"", "_no response_"} | UNKNOWN
    return value is None or value == []


def parse_answer(q: Question, value):
    """Turn a raw answer into the value for the offer file, or raise AnswerError."""
    if _is_empty(value):
        return None
    if q.kind == "janee":
        try:
            return parse_ja_nee(value) if isinstance(value, str) else bool(value)
        except PydanticCustomError as exc:
            raise AnswerError(str(exc)) from None
    if q.kind == "choice":
        return match_choice(str(value), q)
    if q.kind == "choices":
        items = value if isinstance(value, list) else re.split(r"[,\n]", str(value))
        chosen, wrong = [], []
        for item in filter(str.strip, map(str, items)):
            try:
                code = match_choice(item, q)
            except AnswerError as exc:
                wrong.append(str(exc))
                continue
            if code not in chosen:
                chosen.append(code)
        if wrong:
            raise AnswerError(" ".join(wrong))
        return chosen or None
    if q.kind == "rooster":
        if value.strip().lower().rstrip(".") == BY_APPOINTMENT:
            return BY_APPOINTMENT
        try:
            return parse_schedule(value) or None
        except ScheduleError as exc:
            raise AnswerError(str(exc)) from None
    return value.strip() if isinstance(value, str) else value


def _schema_field(key: str):
    """The pydantic FieldInfo of a dotted field name."""
    block, _, name = key.rpartition(".")
    model: type[BaseModel] = fields()[block].model if block else Aanbod
    return model.model_fields[name]


def check_answer(q: Question, value, ref: Reference | None = None):
    """Parse and validate one answer with the schema's own rules; return the clean value."""
    parsed = parse_answer(q, value)
    if parsed is None or parsed is BY_APPOINTMENT:
        return parsed
    ref = ref or load_reference()
    adapter = TypeAdapter(_schema_field(q.key).rebuild_annotation())
    try:
        checked = adapter.validate_python(parsed, context=reference_context(ref))
        clean = adapter.dump_python(checked, mode="json")
    except ValidationError as exc:
        error = exc.errors(include_url=False)[0]
        where = error["loc"]
        prefix = f"regel {where[0] + 1}: " if q.kind == "rooster" and where else ""
        raise AnswerError(prefix + dutch_message(error)) from None
    if q.key == "locatie.postcode":
        if clean[:4] not in ref.postcodes:
            raise AnswerError(unknown_postcode(clean))
    return clean


def build_offer(answers: dict, today: dt.date) -> dict:
    """The offer data from clean answers, in schema order, ready to write."""
    data: dict = {}
    for q in QUESTIONS:
        value = answers.get(q.key)
        if value == BY_APPOINTMENT and q.kind == "rooster":
            data["op_afspraak"] = True  # no fixed times; no answer at all leaves it unknown
        elif value is not None and q.applies(answers):
            set_path(data, q.key, value)
    data["controle"] = {"gecontroleerd_op": today,
                        "door": f"{answers.get('aanbieder.naam', 'aanbieder')} (eigen opgave)"}
    return in_schema_order(data, Aanbod)


def question_for(loc: tuple) -> Question | None:
    """The question that answers the field at a pydantic error location."""
    parts = [str(p) for p in loc if not isinstance(p, int)]
    key = ".".join(parts)
    best = [q for q in QUESTIONS if key == q.key or key.startswith(q.key + ".")]
    if best:
        return max(best, key=lambda q: len(q.key))
    inside = [q for q in QUESTIONS if q.key.startswith(key + ".")] if key else []
    return inside[-1] if inside else None


class OfferDumper(yaml.SafeDumper):
    """YAML output for people: block text for long descriptions, ja/nee for booleans."""


OfferDumper.add_representer(
    str, lambda d, s: d.represent_scalar("tag:yaml.org,2002:str", s,
                                         style="|" if "\n" in s else None))
OfferDumper.add_representer(
    list, lambda d, items: d.represent_sequence(
        "tag:yaml.org,2002:seq", items, flow_style=all(isinstance(i, str) for i in items)))
OfferDumper.add_representer(
    bool, lambda d, b: d.represent_scalar("tag:yaml.org,2002:str", "ja" if b else "nee"))


def without_empty(value):
    """Drop None values from nested dicts and lists."""
    if isinstance(value, dict):
        return {k: without_empty(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [without_empty(v) for v in value]
    return value


def offer_yaml(data: dict) -> str:
    """The text of a new offer file, starting with the schema line for editors."""
    data = without_empty(data)
    if isinstance(data.get("beschrijving"), str):
        text = "\n".join(line.rstrip() for line in data["beschrijving"].strip().splitlines())
        data = {**data, "beschrijving": text + "\n" if "\n" in text else text}
    body = yaml.dump(data, Dumper=OfferDumper, sort_keys=False, allow_unicode=True, width=90)
    return "# yaml-language-server: $schema=../../schema/aanbod.schema.json\n" + body


def issue_form() -> dict:
    """The GitHub issue form 'Nieuw aanbod aanmelden', built from QUESTIONS."""
    body: list[dict] = [{"type": "markdown", "attributes": {"value": (
        "Met dit formulier meld je een beweegaanbod aan voor de beweegkaart. Een curator "
        "maakt er een aanbod van en neemt contact met je op.\n\n"
        "**Let op:** dit formulier is openbaar. Vul geen gegevens van deelnemers in. "
        "Het e-mailadres waarop je aanmeldingen wilt ontvangen, vragen we apart.")}}]
    for q in QUESTIONS:
        if q.private:
            continue
        element: dict = {"type": {"text": "input", "textarea": "textarea", "rooster": "textarea",
                                  "choice": "dropdown", "choices": "dropdown",
                                  "janee": "dropdown"}[q.kind],
                         "id": q.id,
                         "attributes": {"label": q.label, "description": q.description}}
        if q.placeholder:
            element["attributes"]["placeholder"] = q.placeholder
        if q.kind in ("choice", "choices", "janee"):
            element["attributes"]["options"] = [label for _, label in q.choices()]
            if q.kind == "choices":
                element["attributes"]["multiple"] = True
        element["validations"] = {"required": q.required and not q.when}
        body.append(element)
    return {"name": ISSUE_FORM_NAME,
            "description": "Meld een sport- of beweegaanbod aan voor de beweegkaart.",
            "title": "Nieuw aanbod: ", "labels": ["nieuw aanbod"], "body": body}


def issue_form_yaml() -> str:
    """The issue form as YAML text, with a note that it is generated."""
    header = ("# Generated by `beweegkaart docs` from generator/contrib/questions.py; "
              "do not edit.\n"
              "# The same questions are asked by `beweegkaart new`.\n")
    return header + yaml.safe_dump(issue_form(), sort_keys=False, allow_unicode=True, width=100)


def answers_from_issue(body: str) -> dict:
    """Answers keyed by question key, read from the Markdown body of a filled-in issue form."""
    by_label = {q.label: q.key for q in QUESTIONS}
    answers = {}
    for block in re.split(r"^### ", body, flags=re.MULTILINE)[1:]:
        label, _, value = block.partition("\n")
        if label.strip() in by_label:
            answers[by_label[label.strip()]] = value.strip()
    return answers
