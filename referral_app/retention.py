"""Retention of the coach route: personal data is kept while a route is running (the coach's
steps, the follow-ups months later) and purged when the whole route has been quiet for the
retention period, counted from its last change (such as the last follow-up answer)."""

import datetime as dt

from sqlalchemy import func, select, update

from .clock import add_months
from .db import referrals, status_events
from .tables import follow_ups, route_links

ENDED = {"gestopt", "niet_gestart", "afgerond"}
# Hold data for a follow-up at most this long after its checkpoint (if the daily command
# never ran, the data must still go in the end).
GRACE_MONTHS = 3


def routes_of(conn, ids: set[int]) -> dict[int, set[int]]:
    """Route start -> every referral of that route, for the routes these referrals are in."""
    links = dict(conn.execute(select(route_links.c.referral_id, route_links.c.route_id)).all())
    starts = {links.get(i, i) for i in ids}
    routes = {start: {start} for start in starts}
    for child, start in links.items():
        if start in routes:
            routes[start].add(child)
    return routes


def waiting_for_follow_up(conn, ids: set[int], last_checkpoint: int,
                          now: dt.datetime) -> set[int]:
    """Referrals whose participant joined and whose last follow-up is still to be settled."""
    joined = {rid for rid, at in conn.execute(
        select(status_events.c.referral_id, func.min(status_events.c.created_at)).where(
            status_events.c.referral_id.in_(ids),
            status_events.c.status == "deelnemer_geworden").group_by(
            status_events.c.referral_id)).all()
        if add_months(at, last_checkpoint + GRACE_MONTHS) > now}
    if not joined:
        return set()
    ended = set(conn.execute(select(referrals.c.id).where(
        referrals.c.id.in_(joined), referrals.c.status.in_(ENDED))).scalars())
    settled = set(conn.execute(select(follow_ups.c.referral_id).where(
        follow_ups.c.referral_id.in_(joined), follow_ups.c.months == last_checkpoint,
        follow_ups.c.state != "open")).scalars())
    return joined - ended - settled


def purgeable(conn, old: list[int], last_checkpoint: int, now: dt.datetime) -> list[int]:
    """Of the referrals quiet long enough, those whose whole route is quiet and finished."""
    old_set = set(old)
    out = []
    for members in routes_of(conn, old_set).values():
        if members <= old_set and not waiting_for_follow_up(conn, members, last_checkpoint, now):
            out += sorted(members)
    return out


def with_route(conn, ids: list[int]) -> list[int]:
    """These referrals and every other referral of their routes (erase takes the route)."""
    return sorted(set().union(*routes_of(conn, set(ids)).values())) if ids else []


def forget(conn, ids: list[int]) -> None:
    """The route tables' part of forgetting: follow-up links stop working."""
    conn.execute(update(follow_ups).where(follow_ups.c.referral_id.in_(ids))
                 .values(token_hash=None))
