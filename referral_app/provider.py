"""The provider's link: GET shows a confirm page only; the details appear after a POST."""

import logging

from flask import Blueprint, abort, render_template

from . import coach, route, store
from .db import referrals
from .forms import NEEDS_REASON, StatusForm
from .links import live_row
from .security import client_limit, limiter, link_key, status_limit

bp = Blueprint("provider", __name__)
log = logging.getLogger("referral_app")


def referral_for(token: str):
    """The referral behind the link, or a Dutch 404 (unknown) or 410 (expired) page."""
    return live_row(referrals, token, "token_expires_at")


@bp.route("/verwijzing/<token>", methods=["GET"])
def confirm(token: str):
    """Mail scanners follow links: a GET reveals nothing and changes nothing."""
    row = referral_for(token)
    return render_template("provider_confirm.html", token=token, offer_title=row.offer_title,
                           kind=row.kind)


@bp.route("/verwijzing/<token>", methods=["POST"])
def details(token: str):
    """Show the details (and the status form) after the provider pressed the button."""
    row = referral_for(token)
    store.mark_opened(row.id)
    log.info("provider opened %s", row.reference)
    if route.is_coach(row):
        return coach.show(row, token)
    return show(row, token, StatusForm(formdata=None, status=_next_status(row.status)))


@bp.route("/verwijzing/<token>/status", methods=["POST"])
@limiter.limit(status_limit, key_func=link_key)
@limiter.limit(client_limit)
def status(token: str):
    """Record a status change."""
    row = referral_for(token)
    if route.is_coach(row):
        abort(404)  # a coach records steps, not provider statuses
    form = StatusForm()
    if not form.validate():
        return show(row, token, form, 422)
    reason = form.reason.data if form.status.data in NEEDS_REASON else None
    store.record_status(row, form.status.data, reason, form.reason_note.data)
    log.info("status of %s set to %s", row.reference, form.status.data)
    return show(store.by_token(token), token, StatusForm(formdata=None, status=form.status.data),
                saved=True)


def show(row, token: str, form, code: int = 200, saved: bool = False):
    """The details page with the status history."""
    return render_template("provider_details.html", row=row, token=token, form=form,
                           history=store.history(row.id), saved=saved,
                           labels=store.STATUS_LABELS, reasons=store.REASON_LABELS), code


def _next_status(current: str) -> str:
    """Preselect the likely next step."""
    order = ["nieuw", "contact_opgenomen", "proefles_gepland", "deelnemer_geworden"]
    if current in order[:-1]:
        return order[order.index(current) + 1]
    return current
