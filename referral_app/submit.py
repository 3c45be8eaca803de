"""The forms: a professional refers (/verwijzen/<id>), a resident signs up (/aanmelden/<id>)."""

import logging

from flask import (
    Blueprint,
    abort,
    current_app,
    make_response,
    redirect,
    render_template,
    session,
    url_for,
)

from . import consent, store
from .forms import ReferralForm, SignupForm
from .offers import find_offer
from .security import client_limit, limiter, offer_key, offer_limit

bp = Blueprint("submit", __name__)
log = logging.getLogger("referral_app")


def usable_offer(offer_id: str):
    """The offer, or a clear Dutch page: unknown (404), expired (410), no referrals (404)."""
    found = find_offer(offer_id)
    if found.problem is None:
        return found.offer
    status = 410 if found.problem == "expired" else 404
    abort(make_response(render_template(
        "offer_unavailable.html", problem=found.problem, offer=found.offer,
        site_url=current_app.config["SITE_URL"]), status))


def handle(kind: str, form, offer_id: str):
    """Show the form, or validate, store, and redirect to the receipt."""
    offer = usable_offer(offer_id)
    if form.validate_on_submit():
        if form.website.data:
            log.info("honeypot field filled: submission dropped")
            session["receipt"] = {"reference": None, "offer": offer.data.titel}
            return redirect(url_for("submit.receipt"))
        key = form.submission.data or form.csrf_token.current_token
        data = {name: field.data for name, field in form._fields.items()}
        data = _rename(kind, data)
        reference = store.create(kind, offer, data, key[:64])
        log.info("stored %s %s for offer %s", kind, reference, offer.id)
        session["receipt"] = {"reference": reference, "offer": offer.data.titel, "kind": kind}
        return redirect(url_for("submit.receipt"))
    form.new_submission_key()
    status = 422 if form.errors else 200
    return render_template(f"{kind}.html", form=form, offer=offer, texts=consent.TEXTS,
                           consent_version=form.CONSENT_VERSION), status


def _rename(kind: str, data: dict) -> dict:
    """Form fields to database columns."""
    out = {key: data.get(key) for key in ("name", "phone", "email", "contact_moment", "note")}
    if kind == "verwijzing":
        out.update(referrer_name=data["referrer_name"], referrer_role=data["referrer_role"],
                   referrer_organisation=data["referrer_organisation"],
                   referrer_email=data["referrer_email"], feedback=data["feedback"])
    return out


@bp.route("/verwijzen/<path:offer_id>", methods=["GET", "POST"])
@limiter.limit(client_limit, methods=["POST"])
@limiter.limit(offer_limit, key_func=offer_key, methods=["POST"])
def refer(offer_id: str):
    """A professional refers a participant to an offer."""
    return handle("verwijzing", ReferralForm(), offer_id)


@bp.route("/aanmelden/<path:offer_id>", methods=["GET", "POST"])
@limiter.limit(client_limit, methods=["POST"])
@limiter.limit(offer_limit, key_func=offer_key, methods=["POST"])
def signup(offer_id: str):
    """A resident signs up for an offer."""
    return handle("aanmelding", SignupForm(), offer_id)


@bp.route("/ontvangen")
def receipt():
    """The receipt with the reference; the reference travels in the session, not the URL."""
    data = session.get("receipt")
    if data is None:
        return redirect(current_app.config["SITE_URL"])
    return render_template("receipt.html", receipt=data)


@bp.route("/")
def index():
    """The app has no home page of its own: send people to the map."""
    return redirect(current_app.config["SITE_URL"])
