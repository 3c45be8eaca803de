"""Referrals in the database: create (with their mails, in one transaction), update, forget."""

import datetime as dt
import secrets

from flask import current_app
from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from . import consent, retention, tokens
from .db import PERSONAL, compact, get_engine, outbox, referrals, status_events, transaction, utcnow
from .forms import REASONS, STATUSES
from .mail import build_message, one_address
from .outbox import enqueue, enqueue_provider

REFERENCE_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"  # no 0/O, 1/I/L, U: easy to read aloud
STATUS_LABELS = {"nieuw": "Nieuw", **STATUSES}
REASON_LABELS = {key: label for key, label in REASONS.items() if key}


def new_reference() -> str:
    """A short random reference such as BK-7KQ2-M9XD (says nothing about the person)."""
    chars = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))
    return f"BK-{chars[:4]}-{chars[4:]}"


token_hash = tokens.token_hash


def create(kind: str, offer, data: dict, submission_key: str, reference: str | None = None) -> str:
    """Store a referral or sign-up and queue its mails; a repeated submission key returns the
    reference of the first one. `kind` is verwijzing, aanmelding or coach (a referral to a
    coach, whose `offer` is the coach); `reference` is given for a step of a coach's route.
    Returns the reference."""
    engine = get_engine()
    given = reference
    for _ in range(5):
        reference, seed = given or new_reference(), tokens.new_seed()
        token = tokens.link_token(current_app.config["SECRET_KEY"], seed)
        try:
            with transaction(engine) as conn:
                found = conn.execute(select(referrals.c.reference).where(
                    referrals.c.submission_key == submission_key)).scalar()
                if found:
                    return found
                referral_id = _insert(conn, kind, offer, data, submission_key, reference, token)
                _queue_new(conn, referral_id, kind, offer, data, reference, seed)
            return reference
        except IntegrityError:
            # Either a concurrent double submit (same key) or, very rarely, a reference clash.
            with engine.connect() as conn:
                found = conn.execute(select(referrals.c.reference).where(
                    referrals.c.submission_key == submission_key)).scalar()
            if found:
                return found
    raise RuntimeError("could not store the referral")


def _insert(conn, kind, offer, data, submission_key, reference, token) -> int:
    """Insert the referral row; returns its id."""
    now = utcnow()
    # A coach follows the participant for months: the coach's link lives as long.
    days = int(current_app.config["COACH_TOKEN_DAYS" if kind == "coach" else "TOKEN_DAYS"])
    feedback = bool(data.get("feedback")) and kind != "aanmelding"
    values = dict(
        reference=reference, submission_key=submission_key, kind=kind, offer_id=offer.id,
        offer_title=offer.data.titel, gemeente=offer.gemeente, created_at=now, updated_at=now,
        status="nieuw", consent_at=now, consent_version=consent.BY_KIND[kind],
        feedback_consent=feedback,
        feedback_consent_version=consent.FEEDBACK if feedback else None,
        token_hash=token_hash(token), token_expires_at=now + dt.timedelta(days=days),
        **{key: data.get(key) or None for key in PERSONAL})
    return conn.execute(insert(referrals).values(**values)).inserted_primary_key[0]


def _queue_new(conn, referral_id, kind, offer, data, reference, seed) -> None:
    """The provider's mail (built when sent, see outbox.message_of), and a confirmation for a
    resident who gave an e-mail address."""
    enqueue_provider(conn, referral_id, one_address(offer.data.verwijzen.email), seed)
    if kind == "aanmelding" and data.get("email"):
        msg = build_message(data["email"], f"Je aanmelding {reference} is ontvangen",
                            "mail/confirmation.txt", offer=offer, reference=reference)
        enqueue(conn, referral_id, "confirmation", msg)


def by_token(token: str):
    """The referral behind a provider link, or None."""
    with get_engine().connect() as conn:
        return conn.execute(select(referrals).where(
            referrals.c.token_hash == token_hash(token))).first()


def by_reference(reference: str):
    """The referral with this reference, or None."""
    with get_engine().connect() as conn:
        return conn.execute(select(referrals).where(
            referrals.c.reference == reference)).first()


def mark_opened(referral_id: int) -> None:
    """Remember the first time the provider opened the details."""
    with transaction(get_engine()) as conn:
        conn.execute(update(referrals).where(referrals.c.id == referral_id,
                                             referrals.c.opened_at.is_(None))
                     .values(opened_at=utcnow()))


def history(referral_id: int) -> list:
    """Status changes of a referral, oldest first."""
    with get_engine().connect() as conn:
        return conn.execute(select(status_events).where(
            status_events.c.referral_id == referral_id).order_by(status_events.c.id)).all()


def record_status(row, status: str, reason: str | None, note: str | None) -> None:
    """Save a status change; with feedback consent, queue a mail to the referrer."""
    now = utcnow()
    with transaction(get_engine()) as conn:
        conn.execute(insert(status_events).values(
            referral_id=row.id, status=status, reason=reason or None, note=note or None,
            created_at=now))
        conn.execute(update(referrals).where(referrals.c.id == row.id).values(
            status=status, updated_at=now))
        if row.feedback_consent and row.referrer_email:
            # Reference, offer, status and the reason from the closed list: never the name,
            # and never the provider's free text (it could hold anything).
            msg = build_message(row.referrer_email, f"Terugkoppeling verwijzing {row.reference}",
                                "mail/status.txt", reference=row.reference,
                                offer_title=row.offer_title, status=STATUS_LABELS[status],
                                reason=REASON_LABELS.get(reason or ""))
            enqueue(conn, row.id, "status", msg)


def forget(conn, ids: list[int]) -> None:
    """Remove every personal value of these referrals; the anonymous rows stay."""
    if not ids:
        return
    conn.execute(update(referrals).where(referrals.c.id.in_(ids)).values(
        token_hash=None, submission_key=None, purged_at=utcnow(),
        **{key: None for key in PERSONAL}))
    conn.execute(update(status_events).where(status_events.c.referral_id.in_(ids))
                 .values(note=None))
    conn.execute(delete(outbox).where(outbox.c.referral_id.in_(ids)))
    retention.forget(conn, ids)


def purge(retention_days: int, now: dt.datetime | None = None) -> int:
    """Forget referrals whose last change is older than the retention period; returns count."""
    now = now or utcnow()
    cutoff = now - dt.timedelta(days=retention_days)
    with transaction(get_engine()) as conn:
        ids = list(conn.execute(select(referrals.c.id).where(
            referrals.c.purged_at.is_(None), referrals.c.updated_at < cutoff)).scalars())
        # A coach route is purged as a whole, after its last follow-up (see retention.py).
        last = max(int(m) for m in str(current_app.config["FOLLOW_UP_MONTHS"]).split(","))
        ids = retention.purgeable(conn, ids, last, now)
        forget(conn, ids)
        # Sent mails are no longer needed by anyone.
        conn.execute(delete(outbox).where(outbox.c.state == "sent",
                                          outbox.c.sent_at < now - dt.timedelta(days=1)))
    compact(get_engine())
    return len(ids)


def erase(reference: str) -> bool:
    """Forget one referral now (a request by the person); False if the reference is unknown."""
    with transaction(get_engine()) as conn:
        ids = list(conn.execute(select(referrals.c.id).where(
            referrals.c.reference == reference.strip().upper())).scalars())
        ids = retention.with_route(conn, ids)  # a coach route is one person's data
        forget(conn, ids)
    compact(get_engine())
    return bool(ids)
