"""`beweegkaart report`: per gemeente, the offers a curator should look at."""

import csv
import datetime as dt
import io
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from ..catalogue.completeness import completeness
from ..catalogue.load import load_catalogue
from ..catalogue.offer import Offer
from .common import add_paths_argument, date_arg

HELP = "list per gemeente the offers that need a curator's attention (table, markdown or csv)"

REVIEW_DAYS = 365
EXPIRY_DAYS = 30
SHORT_DESCRIPTION = 120  # characters
QUALIFIED_LEVELS = ("MBO-3", "MBO-4", "HBO", "fysiotherapeut", "oefentherapeut")
FIRST_AID = ("EHBO", "reanimatie en AED")
VAGUE_ALT = {"afbeelding", "plaatje", "image", "photo", "picture", "foto's"}


@dataclass(frozen=True)
class Finding:
    """One point of attention for one offer."""

    offer: Offer
    code: str
    text: str


def findings(offer: Offer, today: dt.date) -> list[Finding]:
    """Everything a curator should look at for one offer, in a fixed order."""
    data = offer.data
    out = []

    def add(code: str, text: str) -> None:
        out.append(Finding(offer, code, text))

    control = data.controle
    if control is None:
        when = f", {data.bron.datum.isoformat()}" if data.bron.datum else ""
        add("bron", f"nog niet gecontroleerd (gegevens uit: {data.bron.naam}{when})")
    elif control.gecontroleerd_op < today - dt.timedelta(days=REVIEW_DAYS):
        add("controle", f"niet gecontroleerd sinds {control.gecontroleerd_op.isoformat()}")
    until = control.geldig_tot if control else None
    if until is not None and until < today:
        add("verlopen", f"verlopen op {until.isoformat()}")
    elif until is not None and until <= today + dt.timedelta(days=EXPIRY_DAYS):
        add("verloopt", f"verloopt op {until.isoformat()}")
    complete = completeness(data)
    if complete.missing:
        add("onbekend", f"{complete.score} bekend; nog onbekend: "
            + ", ".join(fact.label for fact in complete.missing))
    if not data.fotos:
        add("foto", "geen foto")
    for photo in data.fotos:
        alt = photo.alt.strip().lower()
        if alt in VAGUE_ALT or alt in (photo.bestand.lower(), Path(photo.bestand).stem.lower()):
            add("alt", f"foto {photo.bestand} zonder echte beschrijving (alt)")
    if not offer.accepts_referrals():
        add("verwijzen", "geen adres voor aanmeldingen (verwijzen)")
    guidance = data.begeleiding  # empty is unknown: reported above, not as "without"
    if guidance and not any(g in FIRST_AID for g in guidance):
        add("ehbo", "begeleiding zonder EHBO")
    if guidance and not any(g.startswith(QUALIFIED_LEVELS) for g in guidance):
        add("opleiding", "begeleiding zonder MBO/HBO-opleiding")
    cost = data.kosten
    if cost is not None and cost.gratis_proefles is False:
        add("proefles", "geen gratis proefles")
    refund = cost.vergoeding if cost else None
    if cost is not None and cost.gratis is not True and not (
        refund and (refund.zorgverzekeraar or refund.stadspas)
    ):
        add("vergoeding", "geen informatie over vergoeding (zorgverzekeraar of stadspas)")
    if len(data.beschrijving) < SHORT_DESCRIPTION:
        add("beschrijving", f"korte beschrijving ({len(data.beschrijving)} tekens)")
    return out


def collect(offers: list[Offer], today: dt.date) -> dict[str, list[Finding]]:
    """Findings grouped by gemeente name, gemeenten and offers sorted."""
    grouped: dict[str, list[Finding]] = defaultdict(list)
    for offer in sorted(offers, key=lambda o: (o.gemeente, o.id)):
        grouped[offer.gemeente] += findings(offer, today)
    return {g: items for g, items in sorted(grouped.items()) if items}


def per_offer(items: list[Finding]) -> list[tuple[Offer, list[Finding]]]:
    """Findings of one gemeente grouped by offer, in order."""
    grouped: dict[str, list[Finding]] = {}
    for item in items:
        grouped.setdefault(item.offer.id, []).append(item)
    return [(found[0].offer, found) for found in grouped.values()]


def render_table(report: dict[str, list[Finding]]) -> str:
    """A plain-text table per gemeente with aligned columns, for the terminal."""
    lines = []
    for gemeente, items in report.items():
        grouped = per_offer(items)
        header = ("aanbod", "titel", "aandachtspunten")
        rows = [header, tuple("-" * len(h) for h in header)]
        for offer, found in grouped:
            # One finding per line; the offer's id and title only on its first line.
            rows += [(offer.id if i == 0 else "", offer.data.titel if i == 0 else "", f.text)
                     for i, f in enumerate(found)]
        widths = [max(len(r[i]) for r in rows) for i in range(2)]
        rows[1] = ("-" * widths[0], "-" * widths[1], rows[1][2])
        lines += [f"{gemeente} ({len(grouped)} aanbod)", ""]
        lines += [f"  {a:<{widths[0]}}  {b:<{widths[1]}}  {c}" for a, b, c in rows]
        lines.append("")
    return "\n".join(lines) if lines else "Geen aandachtspunten.\n"


def _md(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return text.replace("|", "\\|")


def render_markdown(report: dict[str, list[Finding]], today: dt.date) -> str:
    """Markdown for an issue: a heading and a table per gemeente."""
    lines = [f"# Aanbod om na te kijken ({today.isoformat()})", ""]
    if not report:
        return "\n".join([*lines, "Geen aandachtspunten."]) + "\n"
    for gemeente, items in report.items():
        lines += [f"## {_md(gemeente)}", "", "| Aanbod | Titel | Aandachtspunten |",
                  "|---|---|---|"]
        for offer, found in per_offer(items):
            points = "<br>".join(_md(f.text) for f in found)
            lines.append(f"| `{offer.id}` | {_md(offer.data.titel)} | {points} |")
        lines.append("")
    return "\n".join(lines)


def _cell(value: str) -> str:
    """A CSV cell that a spreadsheet will not run as a formula (offer text is untrusted)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def render_csv(report: dict[str, list[Finding]]) -> str:
    """One CSV row per finding."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["gemeente", "aanbod", "titel", "bestand", "soort", "aandachtspunt"])
    for gemeente, items in report.items():
        for f in items:
            writer.writerow([_cell(v) for v in (gemeente, f.offer.id, f.offer.data.titel,
                                                str(f.offer.path), f.code, f.text)])
    return out.getvalue()


def add_arguments(parser):
    """Arguments of `beweegkaart report`."""
    add_paths_argument(parser)
    parser.add_argument("--format", choices=["table", "markdown", "csv"], default="table",
                        help="output format (default: table)")
    parser.add_argument("--today", type=date_arg,
                        help="date to compare review and end dates with, YYYY-MM-DD "
                             "(default: today)")


def run(args) -> int:
    """Print the report; files with errors are counted, not listed (run validate for those)."""
    missing = [p for p in args.paths if not p.exists()]
    if missing:
        print(f"beweegkaart: not found: {', '.join(map(str, missing))}", file=sys.stderr)
        return 2
    today = args.today or dt.date.today()
    catalogue = load_catalogue(args.paths, today=today)
    report = collect(catalogue.offers, today)
    if args.format == "csv":
        sys.stdout.write(render_csv(report))
    elif args.format == "markdown":
        sys.stdout.write(render_markdown(report, today))
    else:
        sys.stdout.write(render_table(report))
    bad = len({p.path for p in catalogue.errors})
    if bad:
        print(f"{bad} bestand(en) met fouten overgeslagen; zie `beweegkaart validate`.",
              file=sys.stderr)
    return 0
