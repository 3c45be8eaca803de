"""The route of one participant: a referral, the coach's steps, the referrals the coach made,
the follow-ups. Shared by the coach's page, the follow-ups, the overview and the figures."""

from flask import current_app
from sqlalchemy import insert, select, update

from . import clock
from .db import get_engine, referrals, status_events, transaction
from .mail import build_message
from .outbox import enqueue
from .store import REASON_LABELS, STATUS_LABELS
from .tables import follow_ups, route_links

COACH_STEPS = {
    "intake_gepland": "Intake gepland",
    "intake_gehad": "Intake gehad",
    "plan": "Plan gemaakt",
    "plan_eigen_groep": "Plan: eigen groep van de coach",
    "deelnemer_geworden": "Deelnemer geworden (eigen groep)",
    "evaluatie": "Evaluatie na 12 weken",
    "afgerond": "Afgerond",
    "gestopt": "Gestopt",
}
FOLLOW_UP_LABELS = {"doet_mee": "Doet nog mee", "gestopt": "Gestopt"}
LABELS = {**STATUS_LABELS, **COACH_STEPS, "deelnemer_geworden": "Deelnemer geworden"}


def is_coach(row) -> bool:
    """True for a referral to a coach (the start of a coach route)."""
    return row.kind == "coach"


def coach_id(row) -> str:
    """'coach/rotterdam/hoogvliet' -> 'rotterdam/hoogvliet'."""
    return row.offer_id.removeprefix("coach/")


def label(status: str) -> str:
    """The Dutch label of any status or step."""
    return LABELS.get(status, status.replace("_", " "))


def record_step(row, status: str, reason: str | None = None, notify: bool = True) -> None:
    """Save a step (at the app's clock); with feedback consent the referrer hears of it."""
    now = clock.now()
    with transaction(get_engine()) as conn:
        conn.execute(insert(status_events).values(
            referral_id=row.id, status=status, reason=reason or None, created_at=now))
        conn.execute(update(referrals).where(referrals.c.id == row.id).values(
            status=status, updated_at=now))
        if notify:
            notify_referrer(conn, row, label(status), reason)


def notify_referrer(conn, row, status_label: str, reason: str | None) -> None:
    """The status mail to the first referrer of the route, only with feedback consent."""
    first = route_start(conn, row)
    if not (first.feedback_consent and first.referrer_email):
        return
    # Reference, offer, status and a reason from the closed list: never a name or free text.
    msg = build_message(first.referrer_email, f"Terugkoppeling verwijzing {first.reference}",
                        "mail/status.txt", reference=first.reference,
                        offer_title=row.offer_title, status=status_label,
                        reason=REASON_LABELS.get(reason or ""))
    enqueue(conn, first.id, "status", msg)


def route_start(conn, row):
    """The first referral of the route this referral belongs to (itself when direct)."""
    route_id = conn.execute(select(route_links.c.route_id).where(
        route_links.c.referral_id == row.id)).scalar()
    if route_id is None:
        return row
    return conn.execute(select(referrals).where(referrals.c.id == route_id)).first()


def children(conn, route_id: int) -> list:
    """The referrals a coach made within a route, oldest first."""
    return conn.execute(select(referrals).join(
        route_links, route_links.c.referral_id == referrals.c.id).where(
        route_links.c.route_id == route_id).order_by(referrals.c.id)).all()


def members(conn, ids: list[int]) -> set[int]:
    """These referrals with every other referral of their routes."""
    if not ids:
        return set()
    ids = set(ids)
    starts = set(conn.execute(select(route_links.c.route_id).where(
        route_links.c.referral_id.in_(ids))).scalars()) | ids
    linked = set(conn.execute(select(route_links.c.referral_id).where(
        route_links.c.route_id.in_(starts))).scalars())
    return ids | starts | linked


def timeline(conn, row) -> list[dict]:
    """Every step of one referral with its date: statuses, coach steps, follow-up answers."""
    events = [{"at": e.created_at, "status": e.status, "label": label(e.status),
               "reason": REASON_LABELS.get(e.reason or "")}
              for e in conn.execute(select(status_events).where(
                  status_events.c.referral_id == row.id).order_by(status_events.c.id))]
    for f in conn.execute(select(follow_ups).where(follow_ups.c.referral_id == row.id)
                          .order_by(follow_ups.c.months)):
        if f.answered_at is not None:
            events.append({"at": f.answered_at, "status": f"vervolg_{f.answer}",
                           "label": f"Na {f.months} maanden: {FOLLOW_UP_LABELS[f.answer]}",
                           "reason": REASON_LABELS.get(f.reason or "")})
        elif f.state == "onbeantwoord":
            events.append({"at": f.last_sent_at, "status": "vervolg_onbekend",
                           "label": f"Na {f.months} maanden: onbekend (geen antwoord)",
                           "reason": None})
    return sorted(events, key=lambda e: e["at"])


def coaches():
    """The coaches the app knows (loaded at start-up)."""
    return current_app.extensions["beweegkaart_coaches"]
