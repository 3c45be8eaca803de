"""The durable outbox: mails are stored in the same transaction as their referral, then sent
with retries and exponential backoff, so an SMTP outage loses nothing.

Several workers (processes, machines, overlapping cron runs) may drain one outbox. A worker
claims a batch under a lease (`FOR UPDATE SKIP LOCKED` where the database has it), sends a
claimed mail only while enough of its lease is left for the slowest possible send, and marks
a mail sent or retried only while the lease is still its own."""

import datetime as dt
import json
import logging
import secrets
import smtplib
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import parseaddr

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import insert, or_, select, update

from . import tokens
from .db import get_engine, outbox, referrals, transaction, utcnow
from .mail import Sender, build_message

log = logging.getLogger("referral_app.outbox")
# Errors of one mail; the connection itself is still good for the next.
MESSAGE_ERRORS = (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError,
                  smtplib.SMTPSenderRefused)
# SMTP commands one mail can need (connect, EHLO, STARTTLS, EHLO, AUTH, MAIL, RCPT, DATA), each
# bounded by SMTP_TIMEOUT: the longest one send can take.
COMMANDS_PER_MAIL = 8
Clock = Callable[[], dt.datetime]


@dataclass(frozen=True)
class Lease:
    """A worker's claim on a batch of mails: its id and the moment it runs out."""

    id: str
    until: dt.datetime


def enqueue(conn, referral_id: int | None, kind: str, msg: EmailMessage) -> None:
    """Store a ready mail for sending (inside the caller's transaction)."""
    now = utcnow()
    conn.execute(insert(outbox).values(
        referral_id=referral_id, kind=kind, recipient=msg["To"], message=msg.as_string(),
        state="pending", attempts=0, next_attempt_at=now, created_at=now))


def enqueue_link(conn, referral_id: int | None, kind: str, recipient: str, seed: str,
                 subject: str, template: str, path: str, **context) -> None:
    """Queue a mail with a link (follow-up, overview): stored as its template and context, the
    link made from the seed when the mail is sent, so the outbox never holds a working link.
    `context` must be plain JSON values without personal data."""
    now = utcnow()
    spec = {"subject": subject, "template": template, "path": path, "context": context}
    conn.execute(insert(outbox).values(
        referral_id=referral_id, kind=kind, recipient=recipient, message=json.dumps(spec),
        token_seed=seed, state="pending", attempts=0, next_attempt_at=now, created_at=now))


def enqueue_provider(conn, referral_id: int, recipient: str, seed: str) -> None:
    """Queue the provider's mail; it is built when sent, so no link is stored."""
    now = utcnow()
    conn.execute(insert(outbox).values(
        referral_id=referral_id, kind="provider", recipient=recipient, message="",
        token_seed=seed, state="pending", attempts=0, next_attempt_at=now, created_at=now))


def backoff(attempts: int, config) -> float:
    """Seconds to wait after the n-th failed attempt: doubling, with a ceiling."""
    base = float(config["OUTBOX_BACKOFF_SECONDS"])
    return min(base * 2 ** (attempts - 1), float(config["OUTBOX_BACKOFF_MAX_SECONDS"]))


def send_seconds(config) -> float:
    """The longest one mail can take to send (every command at its timeout)."""
    return COMMANDS_PER_MAIL * float(config["SMTP_TIMEOUT"])


def describe(exc: Exception) -> str:
    """A short error text without personal data (SMTP replies can echo addresses)."""
    code = getattr(exc, "smtp_code", None)
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        code = next(iter(exc.recipients.values()))[0]
    return f"{type(exc).__name__}{f' {code}' if code else ''}"


def claimable(now: dt.datetime):
    """Pending, due, and not under someone else's running lease."""
    return (outbox.c.state == "pending") & (outbox.c.next_attempt_at <= now) & \
        or_(outbox.c.locked_until.is_(None), outbox.c.locked_until < now)


def claim(engine, now: dt.datetime, limit: int, seconds: float) -> tuple[Lease, list]:
    """Lease up to `limit` due mails to this worker, oldest first; returns the lease and rows.
    Rows other workers are claiming at this moment are skipped, not waited for."""
    lease = Lease(secrets.token_hex(16), now + dt.timedelta(seconds=seconds))
    due = (select(outbox.c.id).where(claimable(now))
           .order_by(outbox.c.next_attempt_at, outbox.c.id).limit(limit)
           .with_for_update(skip_locked=True))  # SQLite has no row locks: ignored there
    with transaction(engine) as conn:
        # Two statements, not UPDATE ... WHERE id IN (subquery): PostgreSQL may run such a
        # subquery more than once, and SKIP LOCKED then finds other rows (more than `limit`).
        ids = conn.execute(due).scalars().all()
        # The lease condition is checked again: without row locks (SQLite) two workers may
        # pick the same ids, and only the first UPDATE may take each row.
        if ids:
            conn.execute(update(outbox).where(outbox.c.id.in_(ids), claimable(now))
                         .values(lease_id=lease.id, locked_until=lease.until))
        rows = conn.execute(select(outbox).where(outbox.c.lease_id == lease.id)
                            .order_by(outbox.c.next_attempt_at, outbox.c.id)).all()
    return lease, rows


def owned(row, lease: Lease):
    """This row is still under this worker's lease (nobody reclaimed it meanwhile)."""
    return (outbox.c.id == row.id) & (outbox.c.lease_id == lease.id) & \
        (outbox.c.state == "pending")


def mark_sent(engine, row, lease: Lease, now: dt.datetime) -> bool:
    """Record a sent mail, and forget its link seed; False if the lease was lost."""
    with transaction(engine) as conn:
        result = conn.execute(update(outbox).where(owned(row, lease)).values(
            state="sent", sent_at=now, attempts=row.attempts + 1, locked_until=None,
            lease_id=None, last_error=None, token_seed=None))
    if result.rowcount != 1:
        log.warning("mail %d was sent after its lease ran out", row.id)
    return result.rowcount == 1


def retry(engine, row, lease: Lease, exc: Exception, config, now: dt.datetime) -> bool:
    """Schedule the next attempt, or give up after the maximum; False if the lease was lost."""
    attempts = row.attempts + 1
    give_up = attempts >= int(config["OUTBOX_MAX_ATTEMPTS"])
    when = now + dt.timedelta(seconds=backoff(attempts, config))
    with transaction(engine) as conn:
        result = conn.execute(update(outbox).where(owned(row, lease)).values(
            attempts=attempts, next_attempt_at=when, locked_until=None, lease_id=None,
            state="failed" if give_up else "pending", last_error=describe(exc)))
    log.warning("mail %d not sent (attempt %d%s): %s", row.id, attempts,
                ", giving up" if give_up else "", describe(exc))
    return result.rowcount == 1


def release(engine, lease: Lease, ids: set[int]) -> None:
    """Hand back claimed mails not tried in this round."""
    if ids:
        with transaction(engine) as conn:
            conn.execute(update(outbox).where(outbox.c.id.in_(ids),
                                              outbox.c.lease_id == lease.id)
                         .values(locked_until=None, lease_id=None))


def message_of(app, engine, row) -> bytes:
    """The mail as stored, or a mail with a link built now (the provider's from its referral,
    the others from their stored template and context)."""
    if not row.token_seed:
        return row.message.encode("utf-8")
    if row.kind != "provider":  # queued by enqueue_link
        spec = json.loads(row.message)
        token = tokens.link_token(app.config["SECRET_KEY"], row.token_seed)
        with app.app_context():
            msg = build_message(row.recipient, spec["subject"], spec["template"],
                                link=f"{app.config['PUBLIC_URL']}{spec['path']}{token}",
                                **spec["context"])
        return msg.as_bytes()
    with engine.connect() as conn:
        referral = conn.execute(select(referrals).where(
            referrals.c.id == row.referral_id)).one()
    token = tokens.link_token(app.config["SECRET_KEY"], row.token_seed)
    if referral.token_hash != tokens.token_hash(token):  # the secret key changed meanwhile
        with transaction(engine) as conn:
            conn.execute(update(referrals).where(referrals.c.id == referral.id)
                         .values(token_hash=tokens.token_hash(token)))
    details = referral._mapping if app.config["MAIL_DETAILS_IN_BODY"] else None
    with app.app_context():
        msg = build_message(
            row.recipient, f"Nieuwe {referral.kind} {referral.reference}", "mail/provider.txt",
            kind=referral.kind, offer_title=referral.offer_title,
            reference=referral.reference, details=details,
            link=f"{app.config['PUBLIC_URL']}/verwijzing/{token}",
            expires=referral.token_expires_at.date())
    return msg.as_bytes()


def drain(app, limit: int | None = None, clock: Clock = utcnow) -> tuple[int, int]:
    """Claim one batch of due mails and send it; returns (sent, failed attempts).
    Stops early if SMTP is down or the lease is running out."""
    config = app.config
    engine = get_engine(app)
    sender_address = parseaddr(config["MAIL_FROM"])[1]
    sender = Sender(config)
    sent = failed = 0
    lease, rows = claim(engine, clock(), int(limit or config["OUTBOX_BATCH_SIZE"]),
                        float(config["OUTBOX_LEASE_SECONDS"]))
    untried = {row.id for row in rows}
    try:
        for row in rows:
            if clock() + dt.timedelta(seconds=send_seconds(config)) > lease.until:
                log.info("outbox lease running out: %d mail(s) handed back", len(untried))
                break
            untried.discard(row.id)
            try:
                sender.send(message_of(app, engine, row), sender_address, row.recipient)
            except MESSAGE_ERRORS as exc:
                failed += 1
                retry(engine, row, lease, exc, config, clock())
            except (smtplib.SMTPException, OSError) as exc:
                failed += 1
                sender.reset()
                retry(engine, row, lease, exc, config, clock())
                break
            else:
                sent += 1
                mark_sent(engine, row, lease, clock())
                log.debug("sent mail %d", row.id)
    finally:
        sender.close()
        release(engine, lease, untried)
    if sent or failed:
        log.info("outbox round: %d sent, %d failed", sent, failed)
    return sent, failed


def drain_due(app, clock: Clock = utcnow) -> tuple[int, int]:
    """Send everything that is due now, batch by batch; returns (sent, failed attempts)."""
    total_sent = total_failed = 0
    while True:
        sent, failed = drain(app, clock=clock)
        total_sent, total_failed = total_sent + sent, total_failed + failed
        if not sent:  # nothing due, SMTP down, or only failures left
            return total_sent, total_failed


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
@click.option("--once", is_flag=True, help="Send what is due and stop (for cron; overlapping "
                                           "runs share the work, none sends a mail twice).")
def send_outbox_command(once: bool):
    """Send queued mails, retrying failures with backoff (a loop; --once for cron)."""
    app = current_app._get_current_object()
    if once:
        sent, failed = drain_due(app)
        click.echo(f"sent {sent}, failed {failed}")
        return
    click.echo("sending outbox; stop with Ctrl-C")
    run_worker(app)
