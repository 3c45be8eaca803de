"""`beweegkaart new`: ask the questions of the issue form and write a valid offer file."""

import datetime as dt
import sys
from pathlib import Path

import yaml
from pydantic import ValidationError

from ..catalogue.load import check_file
from ..catalogue.messages import dutch_message
from ..catalogue.reference import load_reference
from ..catalogue.schema import Aanbod, reference_context
from ..catalogue.vocab import slugify
from ..contrib.questions import (
    QUESTIONS,
    AnswerError,
    Question,
    answers_from_issue,
    build_offer,
    check_answer,
    offer_yaml,
    question_for,
)
from .common import date_arg

HELP = "ask the questions for a new offer (or read them from a file) and write the offer file"


def add_arguments(parser):
    """Arguments of `beweegkaart new`."""
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--answers", type=Path, metavar="FILE.yaml",
                        help="read the answers from a YAML file (keys: field names such as "
                             "locatie.postcode) instead of asking")
    source.add_argument("--issue", type=Path, metavar="FILE.md",
                        help="read the answers from the text of a filled-in issue form")
    parser.add_argument("--offers", type=Path, default=Path("offers"),
                        help="the offers folder to write into (default: offers/)")
    parser.add_argument("--today", type=date_arg, help="review date to write (default: today)")


def run(args) -> int:
    """Collect answers, build the offer, write it and check the written file."""
    today = args.today or dt.date.today()
    ref = load_reference()
    if args.answers or args.issue:
        answers = read_answers(args.answers, args.issue)
        if answers is None:
            return 1
        clean, errors = check_all(answers, ref)
        if errors:
            for line in errors:
                print(line, file=sys.stderr)
            print(f"{len(errors)} antwoord(en) kloppen niet; er is niets geschreven.",
                  file=sys.stderr)
            return 1
    else:
        try:
            clean = ask_all(ref)
        except EOFError:
            print("\nGestopt; er is niets geschreven.", file=sys.stderr)
            return 1
    data = build_offer(clean, today)
    try:
        Aanbod.model_validate(data, context=reference_context(ref))
    except ValidationError as exc:
        for error in exc.errors(include_url=False):
            q = question_for(error["loc"])
            print(f"{_name(q) if q else 'aanbod'}: {dutch_message(error)}", file=sys.stderr)
        return 1
    return write_offer(data, clean, args.offers, ref, today)


def _name(q: Question) -> str:
    """How an answer is named in messages: the question and its field name."""
    return f"'{q.label}' ({q.key})"


def read_answers(answers_file: Path | None, issue_file: Path | None) -> dict | None:
    """Answers from a YAML file or an issue text; None (after a message) when unreadable."""
    path = answers_file or issue_file
    try:
        text = path.read_text("utf-8")
    except OSError as exc:
        print(f"kan {path} niet lezen: {exc.strerror}", file=sys.stderr)
        return None
    if issue_file:
        return answers_from_issue(text)
    try:
        answers = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        print(f"{path}: geen geldige YAML: {exc}", file=sys.stderr)
        return None
    if not isinstance(answers, dict):
        print(f"{path}: verwacht velden zoals 'titel: ...'", file=sys.stderr)
        return None
    return answers


def check_all(answers: dict, ref) -> tuple[dict, list[str]]:
    """Check every answer from a file; return (clean answers, Dutch error lines)."""
    known = {q.key for q in QUESTIONS}
    errors = [f"onbekende vraag '{key}'; gebruik een van: {', '.join(sorted(known))}"
              for key in answers if key not in known]
    clean: dict = {}
    failed: set[str] = set()
    for q in QUESTIONS:
        if not q.applies(clean) or q.when.lstrip("!") in failed:
            continue
        raw = answers.get(q.key)
        try:
            value = check_answer(q, raw, ref)
        except AnswerError as exc:
            errors.append(f"{_name(q)}: {exc} (kreeg {raw!r})")
            failed.add(q.key)
            continue
        if value is None and q.required:
            errors.append(f"{_name(q)}: verplicht; vul dit in")
        elif value is not None:
            clean[q.key] = value
    return clean, errors


def ask_all(ref) -> dict:
    """Ask every question in the terminal, re-asking until the answer fits."""
    print("Nieuw aanbod voor de beweegkaart.\n"
          "Weet je iets niet? Druk dan op Enter, of typ: onbekend. Op de kaart staat dan:\n"
          "'Onbekend: vraag het de aanbieder.' Vragen met (verplicht) moet je wel invullen.\n")
    clean: dict = {}
    for q in QUESTIONS:
        if q.applies(clean):
            value = ask(q, ref)
            if value is not None:
                clean[q.key] = value
    return clean


def ask(q: Question, ref):
    """Ask one question until the answer is valid; return the clean value or None."""
    print(f"{q.label}{' (verplicht)' if q.required else ''}\n  {q.description}")
    if q.kind in ("choice", "janee") or (q.kind == "choices" and len(q.choices()) <= 20):
        print("  Kies uit: " + ", ".join(label for _, label in q.choices()))
    elif q.kind == "choices":
        print("  Typ ? voor de lijst. Meer dan één? Scheid ze met komma's.")
    while True:
        raw = _read(q)
        if raw.strip() == "?" and q.choices():
            print("  " + "\n  ".join(f"{code}  ({label})" for code, label in q.choices()))
            continue
        try:
            value = check_answer(q, raw, ref)
        except AnswerError as exc:
            print(f"  Dat klopt niet: {exc}")
            continue
        if value is None and q.required:
            print("  Dit moet je invullen; 'onbekend' kan hier niet.")
            continue
        print()
        return value


def _read(q: Question) -> str:
    """One answer; a description or a schedule may take several lines, ended by an empty line."""
    if q.kind in ("textarea", "rooster"):
        print("  (Meer regels mogelijk; sluit af met een lege regel.)")
        lines = []
        while (line := input("> ")).strip():
            lines.append(line)
        return "\n".join(lines)
    return input("> ")


def write_offer(data: dict, clean: dict, offers: Path, ref, today: dt.date) -> int:
    """Write offers/<gemeente>/<slug>.yaml (never overwriting) and validate the written file."""
    gemeente = ref.postcodes[clean["locatie.postcode"][:4]].gemeente
    folder = offers / slugify(gemeente)
    path = folder / f"{slugify(clean['titel'])}.yaml"
    existing = [p for p in (path, path.with_suffix(".yml")) if p.exists()]
    if existing:
        print(f"{existing[0]} bestaat al; er is niets geschreven. Kies een andere titel, of "
              "pas het bestaande bestand aan.", file=sys.stderr)
        return 1
    folder.mkdir(parents=True, exist_ok=True)
    path.write_text(offer_yaml(data), encoding="utf-8")
    _, problems = check_file(path, offers, ref, today)
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        path.unlink()
        for problem in errors:
            print(problem.format(), file=sys.stderr)
        return 1
    print(f"Geschreven: {path}")
    print("Volgende stap: open een pull request met dit bestand, of stuur het naar de curator.")
    return 0
