"""Purge, erase, stats and init-db, checked in the real database (and SQLite's file)."""

import datetime as dt
import re
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import update

from referral_app.config import DEFAULTS, settings_table
from referral_app.db import get_engine, referrals

from .conftest import NORDIC, all_values, drain_all, link_in, reference_of, submit

CANARY = "Kwikstaart-3X"


def dump(app) -> str:
    """Every value in every table of the database, as one text."""
    return all_values(app)


def file_bytes(app, tmp_path) -> bytes:
    """SQLite: the raw database files (main file and write-ahead log). PostgreSQL keeps
    deleted rows in its files until VACUUM reuses the space (see README)."""
    if get_engine(app).dialect.name != "sqlite":
        return b""
    return b"".join(p.read_bytes() for p in tmp_path.glob("referrals.sqlite*"))


def referral_with_status(app, client, smtp, **fields) -> str:
    """A delivered referral whose provider recorded a status with a note."""
    reference = reference_of(submit(client, **fields), client)
    drain_all(app)
    path = link_in(smtp.messages[-1]["message"])
    provider = app.test_client()
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', provider.get(path).text).group(1)
    provider.post(path, data={"csrf_token": csrf})
    provider.post(f"{path}/status", data={"csrf_token": csrf, "status": "gestopt",
                                          "reason": "geen_tijd", "reason_note": f"Zei {CANARY}"})
    return reference


def personal(app, client, smtp):
    """Fields holding the canary."""
    return {"name": f"Anna {CANARY}", "email": f"{CANARY.lower()}@example.org",
            "note": CANARY, "referrer_name": f"Dr {CANARY}"}


def test_purge_removes_personal_data_after_retention(app, client, smtp, runner, tmp_path):
    old = referral_with_status(app, client, smtp, **personal(app, client, smtp))
    fresh = reference_of(submit(client, name="Bert Recent", offer_id=NORDIC), client)
    with get_engine(app).begin() as conn:
        conn.execute(update(referrals).where(referrals.c.reference == old)
                     .values(updated_at=dt.datetime(2000, 1, 1)))
    assert CANARY in dump(app)
    result = runner.invoke(args=["purge"])
    assert "purged personal data of 1 referral(s)" in result.output
    text = dump(app)
    assert CANARY not in text and CANARY.lower() not in text
    assert "Bert Recent" in text and fresh in text  # within the retention period
    assert old in text  # the anonymous row stays for the figures
    # Nothing left in the file itself either (SQLite keeps deleted pages unless vacuumed).
    assert CANARY.encode() not in file_bytes(app, tmp_path)
    assert runner.invoke(args=["purge"]).output.startswith("purged personal data of 0")


def test_erase_one_reference(app, client, smtp, runner, tmp_path):
    reference = referral_with_status(app, client, smtp, **personal(app, client, smtp))
    other = reference_of(submit(client, name="Bert Blijft"), client)
    result = runner.invoke(args=["erase", reference.lower()])
    assert result.exit_code == 0, result.output
    text = dump(app)
    assert CANARY not in text and CANARY.lower() not in text
    assert "Bert Blijft" in text and other in text
    assert CANARY.encode() not in file_bytes(app, tmp_path)
    # The provider's link no longer works.
    assert app.test_client().get(link_in(smtp.messages[0]["message"])).status_code == 404
    assert runner.invoke(args=["erase", "BK-XXXX-XXXX"]).exit_code == 1


def test_stats_counts_per_offer_gemeente_month(app, client, smtp, runner):
    referral_with_status(app, client, smtp)
    reference_of(submit(client, offer_id=NORDIC), client)
    result = runner.invoke(args=["stats"])
    lines = result.output.strip().splitlines()
    month = dt.date.today().strftime("%Y-%m")
    assert lines[0] == "offer_id,gemeente,month,referred,contacted,trial,joined,not_started,stopped"
    assert f"maastricht/nordic-walking-jekerdal,Maastricht,{month},1,0,0,0,0,0" in lines
    assert f"rotterdam/walking-football-zuid,Rotterdam,{month},1,1,0,0,0,1" in lines
    assert "Truus" not in result.output


def test_init_db_is_safe_to_run_again(app, runner, client):
    reference = reference_of(submit(client), client)
    for _ in range(2):
        result = runner.invoke(args=["init-db"])
        assert "database is up to date" in result.output
    with get_engine(app).connect() as conn:
        assert conn.execute(referrals.select()).first().reference == reference


@pytest.mark.one_database
def test_init_db_adds_missing_columns(settings, tmp_path):
    path = tmp_path / "old.sqlite"
    with sqlite3.connect(path) as conn:
        conn.execute("create table outbox (id integer primary key, kind varchar(32))")
    from referral_app import create_app
    app = create_app({**settings, "DATABASE_URL": f"sqlite:///{path}"})
    with sqlite3.connect(path) as conn:
        columns = {r[1] for r in conn.execute("pragma table_info(outbox)")}
    assert {"recipient", "next_attempt_at", "state"} <= columns
    assert app.test_cli_runner().invoke(args=["init-db"]).exit_code == 0


def test_every_setting_is_documented():
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    for key in DEFAULTS:
        assert f"BEWEEGKAART_{key}" in readme, key
    # The table is the one config.py describes, default and meaning included.
    assert settings_table() in readme, "README settings table differs from config.settings_table()"


def test_erase_removes_the_residents_confirmation_mail(app, client, runner):
    # The confirmation mail holds the resident's address: erase must not leave it in the outbox.
    address = f"{CANARY.lower()}@example.org"
    reference = reference_of(submit(client, kind="aanmelden", email=address), client)
    assert address in dump(app)  # queued, not sent yet (SMTP could be down)
    assert runner.invoke(args=["erase", reference]).exit_code == 0
    assert address not in dump(app)


def test_purge_cut_off_is_the_retention_period(app, client, runner):
    # One day past the retention period: purged; one day before it: kept.
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    days = DEFAULTS["RETENTION_DAYS"][0]
    ages = {"Oud Genoeg": days + 1, "Net Niet": days - 1}
    for name, age in ages.items():
        reference = reference_of(submit(client, name=name, kind="aanmelden"), client)
        with get_engine(app).begin() as conn:
            conn.execute(update(referrals).where(referrals.c.reference == reference)
                         .values(updated_at=now - dt.timedelta(days=age)))
    assert "purged personal data of 1 referral(s)" in runner.invoke(args=["purge"]).output
    text = dump(app)
    assert "Oud Genoeg" not in text and "Net Niet" in text


def test_purge_drops_mails_sent_more_than_a_day_ago(app, client, smtp, runner):
    # A sent mail is needed by no one; the referral itself stays for its retention period.
    from sqlalchemy import func, select

    from referral_app.db import outbox

    reference_of(submit(client, kind="aanmelden"), client)
    drain_all(app)
    assert len(smtp.messages) == 2  # provider and confirmation
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    with get_engine(app).begin() as conn:
        conn.execute(update(outbox).values(sent_at=now - dt.timedelta(hours=25)))
    runner.invoke(args=["purge"])
    with get_engine(app).connect() as conn:
        assert conn.execute(select(func.count()).select_from(outbox)).scalar() == 0
        assert conn.execute(select(func.count()).select_from(referrals)).scalar() == 1
