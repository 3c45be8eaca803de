"""The durable outbox: mails are stored in the same transaction as their referral, then sent
with retries and exponential backoff, so an SMTP outage loses nothing."""

import datetime as dt
import logging
import smtplib
import time
from email.message import EmailMessage
from email.utils import parseaddr

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import and_, insert, or_, select, update

from .db import get_engine, outbox, transaction, utcnow
from .mail import Sender

log = logging.getLogger("referral_app.outbox")
LEASE_SECONDS = 120  # a worker owns a claimed mail this long; others leave it alone
# Errors of one mail; the connection itself is still good for the next.
MESSAGE_ERRORS = (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError,
                  smtplib.SMTPSenderRefused)


def enqueue(conn, referral_id: int | None, kind: str, msg: EmailMessage) -> None:
    """Store a mail for sending (inside the caller's transaction)."""
    now = utcnow()
    conn.execute(insert(outbox).values(
        referral_id=referral_id, kind=kind, recipient=msg["To"], message=msg.as_string(),
        state="pending", attempts=0, next_attempt_at=now, created_at=now))


def backoff(attempts: int, config) -> float:
    """Seconds to wait after the n-th failed attempt: doubling, with a ceiling."""
    base = float(config["OUTBOX_BACKOFF_SECONDS"])
    return min(base * 2 ** (attempts - 1), float(config["OUTBOX_BACKOFF_MAX_SECONDS"]))


def describe(exc: Exception) -> str:
    """A short error text without personal data (SMTP replies can echo addresses)."""
    code = getattr(exc, "smtp_code", None)
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        code = next(iter(exc.recipients.values()))[0]
    return f"{type(exc).__name__}{f' {code}' if code else ''}"


def claim(engine, now: dt.datetime, limit: int) -> list:
    """Due mails that this worker now owns (a lease stops two workers sending one mail)."""
    with transaction(engine) as conn:
        rows = conn.execute(
            select(outbox.c.id, outbox.c.recipient, outbox.c.message, outbox.c.attempts)
            .where(outbox.c.state == "pending", outbox.c.next_attempt_at <= now,
                   or_(outbox.c.locked_until.is_(None), outbox.c.locked_until < now))
            .order_by(outbox.c.next_attempt_at, outbox.c.id).limit(limit)).all()
    owned = []
    lease = now + dt.timedelta(seconds=LEASE_SECONDS)
    for row in rows:
        with transaction(engine) as conn:
            result = conn.execute(update(outbox).where(and_(
                outbox.c.id == row.id, outbox.c.state == "pending",
                or_(outbox.c.locked_until.is_(None), outbox.c.locked_until < now)))
                .values(locked_until=lease))
        if result.rowcount == 1:
            owned.append(row)
    return owned


def drain(app, limit: int = 200) -> tuple[int, int]:
    """Send the due mails once; returns (sent, failed attempts). Stops early if SMTP is down."""
    config = app.config
    engine = get_engine(app)
    sender_address = parseaddr(config["MAIL_FROM"])[1]
    sender = Sender(config)
    sent = failed = 0
    rows = claim(engine, utcnow(), limit)
    untried = {row.id for row in rows}
    try:
        for row in rows:
            untried.discard(row.id)
            try:
                sender.send(row.message.encode("utf-8"), sender_address, row.recipient)
            except MESSAGE_ERRORS as exc:
                failed += 1
                _retry(engine, row, exc, config)
            except (smtplib.SMTPException, OSError) as exc:
                failed += 1
                sender.reset()
                _retry(engine, row, exc, config)
                break
            else:
                sent += 1
                with transaction(engine) as conn:
                    conn.execute(update(outbox).where(outbox.c.id == row.id).values(
                        state="sent", sent_at=utcnow(), attempts=row.attempts + 1,
                        locked_until=None, last_error=None))
                log.debug("sent mail %d", row.id)
    finally:
        sender.close()
        _release(engine, untried)
    if sent or failed:
        log.info("outbox round: %d sent, %d failed", sent, failed)
    return sent, failed


def _retry(engine, row, exc: Exception, config) -> None:
    """Schedule the next attempt, or give up after the maximum."""
    attempts = row.attempts + 1
    give_up = attempts >= int(config["OUTBOX_MAX_ATTEMPTS"])
    when = utcnow() + dt.timedelta(seconds=backoff(attempts, config))
    with transaction(engine) as conn:
        conn.execute(update(outbox).where(outbox.c.id == row.id).values(
            attempts=attempts, next_attempt_at=when, locked_until=None,
            state="failed" if give_up else "pending", last_error=describe(exc)))
    log.warning("mail %d not sent (attempt %d%s): %s", row.id, attempts,
                ", giving up" if give_up else "", describe(exc))


def _release(engine, ids: set[int]) -> None:
    """Hand back claimed mails not tried in this round (after an early stop)."""
    if ids:
        with transaction(engine) as conn:
            conn.execute(update(outbox).where(outbox.c.id.in_(ids)).values(locked_until=None))


def run_worker(app, stop=None, interval: float | None = None) -> None:
    """Send due mails until `stop` (a threading.Event) is set."""
    interval = float(interval if interval is not None else app.config["OUTBOX_INTERVAL_SECONDS"])
    while stop is None or not stop.is_set():
        try:
            sent, _failed = drain(app)
        except Exception as exc:  # noqa: BLE001  (keep the worker alive; retry next round)
            # Only the type: database errors can quote row values (personal data) in their text.
            log.error("outbox round failed: %s", type(exc).__name__)
            sent = 0
        if sent == 0:
            if stop is None:
                time.sleep(interval)
            elif stop.wait(interval):
                break


@click.command("send-outbox")
@with_appcontext
@click.option("--once", is_flag=True, help="Send what is due and stop (for cron).")
def send_outbox_command(once: bool):
    """Send queued mails, retrying failures with backoff (a loop; --once for cron)."""
    app = current_app._get_current_object()
    if once:
        sent, failed = drain(app, limit=10_000)
        click.echo(f"sent {sent}, failed {failed}")
        return
    click.echo("sending outbox; stop with Ctrl-C")
    run_worker(app)
