"""'Mijn verwijzingen': a professional's overview, without accounts.

The professional gives the work address used when referring; a short-lived link goes to that
address (whether or not it has referrals, the page says the same, so nobody learns who refers).
Only hashes are stored: of the token, and of the address (keyed with SECRET_KEY). The page shows
referrals with feedback consent: date, offer or coach, reference, each step with its date and
stop reasons from the closed list; never the participant's name (PRODUCT.md).
"""

import datetime as dt
import hashlib
import hmac
import logging

from flask import (
    Blueprint,
    current_app,
    render_template,
    request,
)
from flask_wtf import FlaskForm
from sqlalchemy import delete, insert, select

from . import clock, route, tokens
from .db import get_engine, referrals, transaction
from .forms import email_field
from .links import live_row
from .mail import safe_header
from .outbox import enqueue_link
from .security import limiter
from .store import token_hash
from .tables import overview_links, route_links

bp = Blueprint("overview", __name__)
log = logging.getLogger("referral_app")


class RequestForm(FlaskForm):
    """The work address the professional used when referring."""

    email = email_field("Je e-mailadres op het werk", required=True)


def email_hash(address: str) -> str:
    """A keyed hash of a normalised address: equal addresses match, the address stays unknown."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, address.strip().lower().encode(), hashlib.sha256).hexdigest()


def overview_limit() -> str:
    """Link requests per client and per address (configurable)."""
    return current_app.config["RATE_LIMIT_OVERVIEW"]


def address_key() -> str:
    """Rate-limit key: the address asked for, whoever asks."""
    return "overview:" + email_hash(request.form.get("email", ""))


@bp.route("/mijn-verwijzingen", methods=["GET", "POST"])
@limiter.limit(overview_limit, methods=["POST"])
@limiter.limit(overview_limit, key_func=address_key, methods=["POST"])
def request_link():
    """Ask for a link to the overview."""
    form = RequestForm()
    if form.validate_on_submit():
        send_link(form.email.data)
        return render_template("overview_sent.html",
                               minutes=current_app.config["OVERVIEW_LINK_MINUTES"])
    return render_template("overview_request.html", form=form), 422 if form.errors else 200


def referrals_of(conn, address: str, now: dt.datetime) -> list:
    """Direct and coach referrals made from this address, with feedback consent, recent first."""
    since = now - dt.timedelta(days=31 * int(current_app.config["OVERVIEW_MONTHS"]))
    linked = select(route_links.c.referral_id)
    rows = conn.execute(select(referrals).where(
        referrals.c.feedback_consent.is_(True), referrals.c.purged_at.is_(None),
        referrals.c.kind != "aanmelding", referrals.c.created_at >= since,
        referrals.c.id.not_in(linked)).order_by(referrals.c.created_at.desc())).all()
    wanted = address.strip().lower()
    return [r for r in rows if (r.referrer_email or "").strip().lower() == wanted]


def send_link(address: str) -> None:
    """Store a hashed link and mail it, if this address has referrals to show."""
    now = clock.now()
    minutes = int(current_app.config["OVERVIEW_LINK_MINUTES"])
    with transaction(get_engine()) as conn:
        conn.execute(delete(overview_links).where(overview_links.c.expires_at < now))
        if not referrals_of(conn, address, now):
            log.info("overview asked for an address without referrals")
            return
        seed = tokens.new_seed()
        token = tokens.link_token(current_app.config["SECRET_KEY"], seed)
        conn.execute(insert(overview_links).values(
            token_hash=token_hash(token), email_hash=email_hash(address), created_at=now,
            expires_at=now + dt.timedelta(minutes=minutes)))
        enqueue_link(conn, None, "overview", safe_header(address), seed,
                     "Je overzicht 'mijn verwijzingen'", "mail/overview.txt", "/overzicht/",
                     minutes=minutes)
    log.info("overview link queued")


def link_for(token: str):
    """The link row, or a Dutch 404 (unknown) or 410 (expired: it cannot be used again)."""
    return live_row(overview_links, token, "expires_at")


@bp.route("/overzicht/<token>", methods=["GET"])
def confirm(token: str):
    """Mail scanners follow links: a GET shows only a button."""
    link_for(token)
    return render_template("overview_confirm.html", token=token)


@bp.route("/overzicht/<token>", methods=["POST"])
def show(token: str):
    """The overview itself."""
    link = link_for(token)
    now = clock.now()
    with get_engine().connect() as conn:
        rows = [r for r in conn.execute(select(referrals).where(
            referrals.c.feedback_consent.is_(True), referrals.c.purged_at.is_(None))).all()
            if r.referrer_email and email_hash(r.referrer_email) == link.email_hash]
        items = []
        for row in referrals_of(conn, rows[0].referrer_email, now) if rows else []:
            items.append({"row": row, "steps": route.timeline(conn, row),
                          "made": [(c, route.timeline(conn, c))
                                   for c in route.children(conn, row.id)]})
    return render_template("overview.html", items=items, label=route.label,
                           expires=link.expires_at, months=current_app.config["OVERVIEW_MONTHS"])
