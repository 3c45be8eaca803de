"""The database: tables declared once with SQLAlchemy Core, so any SQLAlchemy URL works."""

import datetime as dt
import threading
from contextlib import contextmanager, nullcontext

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    event,
    inspect,
    text,
)
from sqlalchemy.engine import Engine

metadata = MetaData()
_WRITE_LOCKS: dict[int, threading.Lock] = {}

# One row per referral or sign-up. Columns marked PERSONAL are emptied by purge and erase;
# the rest is anonymous and kept for the figures curators need.
referrals = Table(
    "referrals", metadata,
    Column("id", Integer, primary_key=True),
    Column("reference", String(16), nullable=False, unique=True),
    Column("submission_key", String(64), unique=True),
    Column("kind", String(16), nullable=False),  # verwijzing | aanmelding
    Column("offer_id", String(200), nullable=False),
    Column("offer_title", String(200), nullable=False),
    Column("gemeente", String(100), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    Column("status", String(32), nullable=False),
    Column("consent_version", String(32), nullable=False),
    Column("consent_at", DateTime, nullable=False),
    Column("feedback_consent", Boolean, nullable=False, default=False),
    Column("feedback_consent_version", String(32)),
    Column("token_hash", String(64), unique=True),
    Column("token_expires_at", DateTime),
    Column("opened_at", DateTime),
    Column("purged_at", DateTime),
    # PERSONAL
    Column("referrer_name", String(100)),
    Column("referrer_role", String(40)),
    Column("referrer_organisation", String(120)),
    Column("referrer_email", String(254)),
    Column("name", String(100)),
    Column("phone", String(40)),
    Column("email", String(254)),
    Column("contact_moment", String(40)),
    Column("note", Text),
)
PERSONAL = ("referrer_name", "referrer_role", "referrer_organisation", "referrer_email", "name",
            "phone", "email", "contact_moment", "note")

# Status history: anonymous except the provider's optional note.
status_events = Table(
    "status_events", metadata,
    Column("id", Integer, primary_key=True),
    Column("referral_id", Integer, ForeignKey("referrals.id", ondelete="CASCADE"), nullable=False,
           index=True),
    Column("status", String(32), nullable=False),
    Column("reason", String(40)),
    Column("note", Text),  # PERSONAL (free text)
    Column("created_at", DateTime, nullable=False),
)

# The durable outbox: a mail is stored with its referral and sent later, with retries.
outbox = Table(
    "outbox", metadata,
    Column("id", Integer, primary_key=True),
    Column("referral_id", Integer, ForeignKey("referrals.id", ondelete="CASCADE"), index=True),
    Column("kind", String(32), nullable=False),
    Column("recipient", String(254), nullable=False),
    # The whole mail; empty for a provider mail, which is built when it is sent (its link
    # comes from token_seed and the secret key, so the outbox never holds a working link).
    Column("message", Text, nullable=False),
    Column("token_seed", String(64)),  # emptied once the mail is sent
    Column("state", String(16), nullable=False, default="pending"),  # pending | sent | failed
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", DateTime, nullable=False, index=True),
    Column("locked_until", DateTime),
    Column("lease_id", String(32)),  # which worker's claim locked_until belongs to
    Column("last_error", String(200)),
    Column("created_at", DateTime, nullable=False),
    Column("sent_at", DateTime),
)


def utcnow() -> dt.datetime:
    """The current time in UTC, without tzinfo (portable across databases)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def make_engine(url: str) -> Engine:
    """An engine; SQLite gets WAL, a busy timeout and foreign keys."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def sqlite_pragmas(dbapi_connection, _record):
            """Concurrent readers, one writer, enforced foreign keys."""
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.execute("PRAGMA secure_delete=ON")  # erased data is overwritten, not kept
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


@contextmanager
def transaction(engine: Engine):
    """A write transaction. SQLite allows one writer: threads of one process queue on a lock
    here instead of in SQLite's busy handler, which sleeps in steps of up to 100 ms."""
    lock = _WRITE_LOCKS.setdefault(id(engine), threading.Lock()) \
        if engine.dialect.name == "sqlite" else nullcontext()
    with lock, engine.begin() as conn:
        yield conn


def get_engine(app=None) -> Engine:
    """The app's engine, created on first use (after a fork, in each worker)."""
    app = app or current_app
    engine = app.extensions.get("beweegkaart_engine")
    if engine is None:
        engine = app.extensions["beweegkaart_engine"] = make_engine(app.config["DATABASE_URL"])
    return engine


def compact(engine: Engine) -> None:
    """After erasing: move the write-ahead log into the file so no old copy lingers."""
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


def init_schema(engine: Engine) -> list[str]:
    """Create missing tables and add missing columns; safe to run again. Returns what changed."""
    changes = []
    existing = set(inspect(engine).get_table_names())
    metadata.create_all(engine, checkfirst=True)
    changes += [f"created table {t}" for t in metadata.tables if t not in existing]
    inspector = inspect(engine)
    with engine.begin() as conn:
        for table in metadata.sorted_tables:
            if table.name not in existing:
                continue
            have = {c["name"] for c in inspector.get_columns(table.name)}
            for column in table.columns:
                if column.name not in have:
                    kind = column.type.compile(dialect=engine.dialect)
                    ddl = f'ALTER TABLE {table.name} ADD COLUMN "{column.name}" {kind}'
                    conn.execute(text(ddl))
                    changes.append(f"added column {table.name}.{column.name}")
    return changes


@click.command("init-db")
@with_appcontext
def init_db_command():
    """Create or migrate the database schema (safe to run again)."""
    changes = init_schema(get_engine())
    for change in changes:
        click.echo(change)
    click.echo("database is up to date")


def init_app(app) -> None:
    """Register the command; SQLite databases are created on start so a fresh clone just runs."""
    app.cli.add_command(init_db_command)
    if app.config["DATABASE_URL"].startswith("sqlite"):
        init_schema(get_engine(app))
