"""Maintenance commands: purge, erase and stats (init-db and send-outbox live with their code)."""

import csv
import sys
from collections import defaultdict

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from . import clock, figures, store
from .db import get_engine, referrals, status_events

STATS_COLUMNS = ["offer_id", "gemeente", "month", "referred", "contacted", "trial", "joined",
                 "not_started", "stopped"]
# Which recorded statuses count in which column (a referral counts once per column).
COUNTS = {
    "contacted": {"contact_opgenomen", "proefles_gepland", "deelnemer_geworden", "gestopt"},
    "trial": {"proefles_gepland"},
    "joined": {"deelnemer_geworden"},
    "not_started": {"niet_gestart"},
    "stopped": {"gestopt"},
}


@click.command("purge")
@with_appcontext
@click.option("--days", type=int, default=None, help="Retention in days (default: setting).")
def purge_command(days: int | None):
    """Remove personal data after the retention period; anonymous rows stay for the figures."""
    days = days if days is not None else int(current_app.config["RETENTION_DAYS"])
    count = store.purge(days, clock.now())
    click.echo(f"purged personal data of {count} referral(s) older than {days} days")


@click.command("erase")
@with_appcontext
@click.argument("reference")
def erase_command(reference: str):
    """Remove the personal data of one referral now (a person's request)."""
    if not store.erase(reference):
        click.echo(f"unknown reference: {reference}", err=True)
        sys.exit(1)
    click.echo(f"erased personal data of {reference.strip().upper()}")


def stats_rows(engine) -> list[dict]:
    """Anonymous counts per offer, gemeente and month of referral."""
    with engine.connect() as conn:
        rows = conn.execute(select(referrals.c.id, referrals.c.offer_id, referrals.c.gemeente,
                                   referrals.c.created_at)).all()
        events = conn.execute(select(status_events.c.referral_id, status_events.c.status)).all()
    reached = defaultdict(set)
    for referral_id, status in events:
        reached[referral_id].add(status)
    table: dict[tuple, dict] = {}
    for row in rows:
        key = (row.offer_id, row.gemeente, row.created_at.strftime("%Y-%m"))
        counts = table.setdefault(key, dict.fromkeys(STATS_COLUMNS[3:], 0))
        counts["referred"] += 1
        for column, statuses in COUNTS.items():
            counts[column] += bool(reached[row.id] & statuses)
    return [dict(zip(STATS_COLUMNS[:3], key, strict=True), **counts)
            for key, counts in sorted(table.items())]


@click.command("stats")
@with_appcontext
@click.option("--figures", "kind", type=click.Choice(["referrals", "retention"]),
              default="referrals", show_default=True,
              help="referrals: counts per offer, gemeente and month of referral; retention: "
                   "the Cijfers figures (cohort retention at 3 and 6 months, stop reasons, "
                   "route direct or via the coach), small cells as '< 5'.")
def stats_command(kind: str):
    """Print anonymous counts as CSV."""
    if kind == "retention":
        sys.stdout.write(figures.write_csv(
            [row for part in figures.published().values() for row in part]))
        return
    writer = csv.DictWriter(sys.stdout, fieldnames=STATS_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(stats_rows(get_engine()))


def init_app(app) -> None:
    """Register the commands."""
    for command in (purge_command, erase_command, stats_command):
        app.cli.add_command(command)
