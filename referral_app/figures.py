"""Anonymous figures: inflow, throughput and retention per gemeente ("Cijfers").

Everything is computed from columns that purge and erase keep (kind, offer, gemeente, dates,
statuses, follow-up answers, route links), so the figures survive both. Counts under
SMALL_CELL are shown as "< 5" everywhere: on the page, in its tables and charts, in the CSV
and in the Frictionless package. Served by the app (live from the database, no personal data
leaves it); `flask --app referral_app figures --out DIR` writes the open-data package.
"""

import csv
import datetime as dt
import io
import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import click
from flask import Blueprint, Response, abort, current_app, render_template, send_from_directory
from flask.cli import with_appcontext
from sqlalchemy import select

from generator.catalogue.vocab import slugify

from . import clock
from .db import get_engine, referrals, status_events
from .forms import REASONS
from .tables import follow_ups, route_links

bp = Blueprint("figures", __name__)
SMALL_CELL = 5
SUPPRESSED = "< 5"
ANCHOR = 50  # % still active after six months in "Bewegen op recept bij de sport"
CHART_JS = Path(__file__).resolve().parents[1] / "node_modules" / "chart.js" / "dist"
ROUTES = {"direct": "Direct naar het aanbod", "coach": "Via de beweegcoach",
          "zelf": "Zelf aangemeld"}
FUNNEL = [("referred", "Verwezen of aangemeld"), ("joined", "Deelnemer geworden"),
          ("active_3", "Doet mee na 3 maanden"), ("active_6", "Doet mee na 6 maanden")]
CSV_FIELDS = ["gemeente", "onderdeel", "periode", "categorie", "aantal", "percentage"]


def cell(count: int) -> str:
    """A count as published: the number, or '< 5' for small cells (including 0)."""
    return str(count) if count >= SMALL_CELL else SUPPRESSED


def percent(part: int, whole: int) -> str:
    """A percentage, only where both counts are large enough to publish."""
    if part < SMALL_CELL or whole < SMALL_CELL or (whole - part) < SMALL_CELL and part != whole:
        return ""
    return f"{round(100 * part / whole)}"


@dataclass
class Participant:
    """One route (a direct referral, a sign-up, or a referral via the coach), anonymous."""

    gemeente: str
    route: str
    referred_at: dt.datetime
    joined_at: dt.datetime | None = None
    stops: list[tuple[dt.datetime, str]] = field(default_factory=list)
    answers: dict[int, str] = field(default_factory=dict)  # months -> doet_mee | gestopt

    def at(self, months: int, now: dt.datetime) -> str:
        """actief | gestopt | nog_niet | onbekend, `months` after joining."""
        if self.joined_at is None:
            return "nog_niet"
        moment = clock.add_months(self.joined_at, months)
        if any(m >= months and a == "doet_mee" for m, a in self.answers.items()):
            return "actief"
        if any(when <= moment for when, _reason in self.stops) or self.answers.get(months) \
                == "gestopt":
            return "gestopt"
        return "nog_niet" if moment > now else "onbekend"


def participants(engine) -> list[Participant]:
    """Every route, built from the anonymous columns only."""
    with engine.connect() as conn:
        rows = conn.execute(select(referrals.c.id, referrals.c.kind, referrals.c.gemeente,
                                   referrals.c.created_at)).all()
        links = dict(conn.execute(select(route_links.c.referral_id, route_links.c.route_id)).all())
        events = conn.execute(select(status_events.c.referral_id, status_events.c.status,
                                     status_events.c.reason, status_events.c.created_at)
                              .order_by(status_events.c.id)).all()
        answers = conn.execute(select(follow_ups.c.referral_id, follow_ups.c.months,
                                      follow_ups.c.answer).where(
            follow_ups.c.answer.is_not(None))).all()
    people: dict[int, Participant] = {}
    for row in rows:
        if row.id in links:
            continue
        kind = {"coach": "coach", "aanmelding": "zelf"}.get(row.kind, "direct")
        people[row.id] = Participant(row.gemeente, kind, row.created_at)
    start = {rid: links.get(rid, rid) for rid, *_ in rows}
    for referral_id, status, reason, at in events:
        person = people.get(start.get(referral_id))
        if person is None:
            continue
        if status == "deelnemer_geworden" and (person.joined_at is None or at < person.joined_at):
            person.joined_at = at
        if status in ("gestopt", "niet_gestart"):
            person.stops.append((at, reason or "anders"))
    for referral_id, months, answer in answers:
        person = people.get(start.get(referral_id))
        if person is not None:
            person.answers[months] = answer
    return list(people.values())


def gemeente_figures(people: list[Participant], now: dt.datetime) -> dict:
    """The raw counts of one gemeente (not yet suppressed)."""
    funnel = Counter()
    cohorts: dict[str, Counter] = defaultdict(Counter)
    reasons = Counter()
    routes = Counter()
    for p in people:
        funnel["referred"] += 1
        routes[p.route] += 1
        for _when, reason in p.stops[:1]:
            reasons[reason] += 1
        if p.joined_at is None:
            continue
        funnel["joined"] += 1
        month = p.joined_at.strftime("%Y-%m")
        cohorts[month]["joined"] += 1
        for months in (3, 6):
            state = p.at(months, now)
            cohorts[month][f"{state}_{months}"] += 1
            funnel[f"active_{months}"] += state == "actief"
    return {"funnel": funnel, "cohorts": dict(sorted(cohorts.items())), "reasons": reasons,
            "routes": routes}


def all_figures(engine, now: dt.datetime) -> dict[str, dict]:
    """Raw counts per gemeente name."""
    by_gemeente: dict[str, list[Participant]] = defaultdict(list)
    for person in participants(engine):
        by_gemeente[person.gemeente].append(person)
    return {name: gemeente_figures(people, now) for name, people in sorted(by_gemeente.items())}


def rows_for(name: str, figures: dict) -> list[dict]:
    """The published (suppressed) rows of one gemeente, as in the CSV."""
    out = []

    def add(part, period, category, count, pct=""):
        out.append({"gemeente": name, "onderdeel": part, "periode": period,
                    "categorie": category, "aantal": cell(count), "percentage": pct})

    funnel = figures["funnel"]
    for key, text in FUNNEL:
        add("instroom-en-behoud", "totaal", text, funnel[key],
            percent(funnel[key], funnel["referred"]) if key != "referred" else "")
    for month, c in figures["cohorts"].items():
        add("behoud-per-maand", month, "Deelnemer geworden", c["joined"])
        for months in (3, 6):
            known = c[f"actief_{months}"] + c[f"gestopt_{months}"]
            add("behoud-per-maand", month, f"Doet mee na {months} maanden",
                c[f"actief_{months}"], percent(c[f"actief_{months}"], known))
            add("behoud-per-maand", month, f"Gestopt binnen {months} maanden",
                c[f"gestopt_{months}"])
            add("behoud-per-maand", month, f"Onbekend na {months} maanden",
                c[f"onbekend_{months}"])
            add("behoud-per-maand", month, f"Nog geen {months} maanden", c[f"nog_niet_{months}"])
    for reason, count in sorted(figures["reasons"].items(), key=lambda kv: (-kv[1], kv[0])):
        add("stopredenen", "totaal", REASONS.get(reason, reason), count)
    for key, text in ROUTES.items():
        add("route", "totaal", text, figures["routes"][key],
            percent(figures["routes"][key], funnel["referred"]))
    return out


def published(now: dt.datetime | None = None) -> dict[str, list[dict]]:
    """Suppressed rows per gemeente name."""
    now = now or clock.now()
    return {name: rows_for(name, f) for name, f in all_figures(get_engine(), now).items()}


def write_csv(rows: list[dict]) -> str:
    """The rows as CSV text."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_FIELDS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def datapackage(resource_path: str = "cijfers.csv") -> dict:
    """The Frictionless descriptor of the figures (Table Schema with the '< 5' rule)."""
    return {
        "name": "beweegkaart-cijfers",
        "title": "Beweegkaart: anonieme cijfers over verwijzen, meedoen en behoud",
        "licenses": [{"name": "CC-BY-4.0", "path": "https://creativecommons.org/licenses/by/4.0/",
                      "title": "Creative Commons Attribution 4.0"}],
        "description": ("Aantallen per gemeente. Aantallen onder de 5 staan er als '< 5' "
                        "(kleine aantallen zijn herleidbaar tot personen). Geen "
                        "persoonsgegevens."),
        "resources": [{
            "name": "cijfers", "path": resource_path, "format": "csv", "mediatype": "text/csv",
            "encoding": "utf-8",
            "schema": {"fields": [
                {"name": "gemeente", "type": "string", "constraints": {"required": True}},
                {"name": "onderdeel", "type": "string", "constraints": {"enum": [
                    "instroom-en-behoud", "behoud-per-maand", "stopredenen", "route"]}},
                {"name": "periode", "type": "string",
                 "description": "Maand van deelnemer worden (JJJJ-MM), of 'totaal'.",
                 "constraints": {"pattern": r"^(\d{4}-\d{2}|totaal)$"}},
                {"name": "categorie", "type": "string"},
                {"name": "aantal", "type": "string",
                 "description": "Aantal, of '< 5' voor 0 tot en met 4.",
                 "constraints": {"pattern": r"^(\d+|< 5)$"}},
                {"name": "percentage", "type": "string",
                 "description": "Percentage (afgerond); leeg als een aantal te klein is.",
                 "constraints": {"pattern": r"^(\d{1,3})?$"}},
            ]},
        }],
    }


def export(out: Path, now: dt.datetime | None = None) -> Path:
    """Write cijfers.csv and datapackage.json into `out`; returns the descriptor's path."""
    out.mkdir(parents=True, exist_ok=True)
    rows = [row for part in published(now).values() for row in part]
    (out / "cijfers.csv").write_text(write_csv(rows), encoding="utf-8")
    path = out / "datapackage.json"
    path.write_text(json.dumps(datapackage(), ensure_ascii=False, indent=2), encoding="utf-8")
    return path


@click.command("figures")
@with_appcontext
@click.option("--out", type=click.Path(path_type=Path), required=True,
              help="Folder for cijfers.csv and datapackage.json (e.g. site/open-data/cijfers).")
def figures_command(out: Path):
    """Write the anonymous figures as a Frictionless data package (small cells as '< 5')."""
    path = export(out)
    click.echo(f"wrote {path} and {out / 'cijfers.csv'}")


def by_slug() -> dict[str, str]:
    """Gemeente slug -> name, for the gemeenten with figures."""
    with get_engine().connect() as conn:
        names = conn.execute(select(referrals.c.gemeente).distinct()).scalars().all()
    return {slugify(n): n for n in sorted(names)}


@bp.route("/cijfers/")
def index():
    """The gemeenten with figures."""
    return render_template("figures_index.html", gemeenten=by_slug())


@bp.route("/cijfers/<slug>/")
def page(slug: str):
    """Charts with a table beside each, for one gemeente."""
    name = by_slug().get(slug)
    if name is None:
        abort(404)
    rows = published().get(name, [])
    parts = defaultdict(list)
    for row in rows:
        parts[row["onderdeel"]].append(row)
    charts = chart_data(parts)
    return render_template("figures.html", name=name, slug=slug, parts=parts, anchor=ANCHOR,
                           charts=charts, small=SMALL_CELL)


def chart_data(parts: dict) -> dict:
    """What the charts draw: suppressed cells become gaps (null), never a made-up number."""
    def value(text):
        return None if text == SUPPRESSED else int(text)

    retention = [r for r in parts["behoud-per-maand"]
                 if r["categorie"] == "Doet mee na 6 maanden"]
    return {
        "funnel": {"labels": [r["categorie"] for r in parts["instroom-en-behoud"]],
                   "values": [value(r["aantal"]) for r in parts["instroom-en-behoud"]]},
        "retention": {"labels": [r["periode"] for r in retention],
                      "values": [int(r["percentage"]) if r["percentage"] else None
                                 for r in retention], "anchor": ANCHOR},
        "reasons": {"labels": [r["categorie"] for r in parts["stopredenen"]],
                    "values": [value(r["aantal"]) for r in parts["stopredenen"]]},
    }


@bp.route("/cijfers/<slug>/cijfers.csv")
def csv_file(slug: str):
    """The figures of one gemeente as CSV (the same suppressed values as the page)."""
    name = by_slug().get(slug)
    if name is None:
        abort(404)
    return Response(write_csv(published().get(name, [])), mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename=cijfers-{slug}.csv"})


@bp.route("/cijfers/cijfers.csv")
def csv_all():
    """The figures of every gemeente as CSV (the resource of the data package)."""
    rows = [row for part in published().values() for row in part]
    return Response(write_csv(rows), mimetype="text/csv")


@bp.route("/cijfers/datapackage.json")
def package():
    """The Frictionless descriptor of /cijfers/cijfers.csv."""
    return current_app.response_class(json.dumps(datapackage(), ensure_ascii=False, indent=2),
                                      mimetype="application/json")


@bp.route("/static/vendor/chart.umd.min.js")
def chart_js():
    """Chart.js from npm (package.json), served from our own origin."""
    return send_from_directory(CHART_JS, "chart.umd.min.js", max_age=86400)
