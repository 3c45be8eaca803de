"""Refer to the coach of the patient's wijk, and the coach's own page: steps and the plan.

/verwijzen/coach/<postcode or coach id> finds the coach whose werkgebied holds the postcode.
Where two coaches cover one postcode, the referrer chooses (both are shown, by name).
The coach's mail link is the usual /verwijzing/<token>; its page shows the route.
"""

import logging
import re
from dataclasses import dataclass
from pathlib import Path

from flask import (
    Blueprint,
    current_app,
    redirect,
    render_template,
    session,
    url_for,
)
from flask_wtf import FlaskForm
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from wtforms import BooleanField, SelectField, SelectMultipleField
from wtforms.validators import ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from generator.catalogue.coaches import load_coaches

from . import clock, consent, route, store
from .db import get_engine, referrals, transaction
from .forms import REASONS, ReferralForm
from .links import live_row, unavailable
from .offers import find_offer
from .security import client_limit, limiter
from .tables import route_links

bp = Blueprint("coach", __name__)
log = logging.getLogger("referral_app")
POSTCODE = re.compile(r"^\s*([1-9]\d{3})\s*([A-Za-z]{2})?\s*$")
STEP_CHOICES = {key: route.COACH_STEPS[key] for key in (
    "intake_gepland", "intake_gehad", "deelnemer_geworden", "evaluatie", "afgerond", "gestopt")}


@dataclass(frozen=True)
class CoachData:
    """The offer-shaped view of a coach that store.create and the mails read."""

    titel: str
    verwijzen: object


@dataclass(frozen=True)
class CoachTarget:
    """A coach as the target of a referral (id 'coach/<gemeente>/<naam>')."""

    id: str
    data: CoachData
    gemeente: str


def target(coach) -> CoachTarget:
    """The referral target for a coach."""
    title = f"{coach.data.functie.capitalize()} {coach.data.naam}"
    return CoachTarget(f"coach/{coach.id}", CoachData(title, coach.data.verwijzen),
                       coach.gemeente)


class CoachReferralForm(ReferralForm):
    """A professional refers a participant to the coach (the coach chooses the offer)."""

    CONSENT_VERSION = consent.COACH


class StepForm(FlaskForm):
    """The coach records a step of the route."""

    step = SelectField("Stap", choices=STEP_CHOICES)
    reason = SelectField("Reden (bij gestopt)", choices=REASONS)

    def validate_reason(self, field) -> None:
        """Stopping needs a reason from the list."""
        if self.step.data == "gestopt" and not field.data:
            raise ValidationError("Kies een reden.")
        if self.step.data != "gestopt":
            field.data = ""


class PlanForm(FlaskForm):
    """The coach and the participant choose one or more offers, or the coach's own group."""

    offers = SelectMultipleField("Aanbod", choices={}, validate_choice=True,
                                 widget=ListWidget(prefix_label=False),
                                 option_widget=CheckboxInput())
    own_group = BooleanField("De eigen groep van de coach")

    def validate_offers(self, field) -> None:
        """A plan needs at least one choice."""
        if not field.data and not self.own_group.data:
            raise ValidationError("Kies een aanbod of de eigen groep.")


def init_app(app) -> None:
    """Load the coaches with the generator's loader (files with errors are left out)."""
    folder = Path(app.config["COACHES_DIR"])
    coaches = load_coaches([folder])
    if coaches.errors:
        log.warning("%d coach file(s) with errors left out", len({p.path for p in coaches.errors}))
    app.extensions["beweegkaart_coaches"] = coaches


@bp.route("/verwijzen/coach/<path:where>", methods=["GET", "POST"])
@limiter.limit(client_limit, methods=["POST"])
def refer(where: str):
    """Refer to the coach of a postcode, or to one coach by id."""
    coaches = route.coaches()
    match = POSTCODE.match(where)
    if match:
        found = coaches.for_pc4(match.group(1))
        if not found:
            unavailable("coach_none.html", 404, pc4=match.group(1))
        if len(found) > 1:
            return render_template("coach_choose.html", coaches=found, pc4=match.group(1))
        coach = found[0]
    else:
        coach = coaches.by_id().get(where.strip("/"))
        if coach is None:
            unavailable("coach_none.html", 404, pc4=None)
    form = CoachReferralForm()
    if form.validate_on_submit():
        if form.website.data:
            log.info("honeypot field filled: submission dropped")
            session["receipt"] = {"reference": None, "offer": coach.data.naam}
            return redirect(url_for("submit.receipt"))
        key = (form.submission.data or form.csrf_token.current_token)[:64]
        data = {name: field.data for name, field in form._fields.items()}
        reference = store.create("coach", target(coach), _columns(data), key)
        log.info("stored coach referral %s for %s", reference, coach.id)
        session["receipt"] = {"reference": reference, "offer": target(coach).data.titel,
                              "kind": "coach"}
        return redirect(url_for("submit.receipt"))
    form.new_submission_key()
    return render_template("coach_form.html", form=form, coach=coach, texts=consent.TEXTS,
                           consent_version=form.CONSENT_VERSION), 422 if form.errors else 200


def _columns(data: dict) -> dict:
    """Form fields to database columns."""
    keys = ("name", "phone", "email", "contact_moment", "note", "referrer_name", "referrer_role",
            "referrer_organisation", "referrer_email", "feedback")
    return {key: data.get(key) for key in keys}


def coach_of(row):
    """The coach of a coach referral (None when the file was removed since)."""
    return route.coaches().by_id().get(route.coach_id(row))


def plan_choices(row) -> dict[str, str]:
    """Offers of the coach's gemeente that take referrals, by title."""
    offers = current_app.extensions["beweegkaart_offers"].values()
    usable = [o for o in offers if o.gemeente == row.gemeente
              and find_offer(o.id, clock.now().date()).problem is None]
    return {o.id: o.data.titel for o in sorted(usable, key=lambda o: o.data.titel.lower())}


def show(row, token: str, step_form=None, plan_form=None, code: int = 200, saved: str = ""):
    """The coach's page: participant, referrer, steps, the referrals made, forms."""
    coach = coach_of(row)
    plan_form = plan_form or PlanForm(formdata=None)
    plan_form.offers.choices = plan_choices(row)
    offers = current_app.extensions["beweegkaart_offers"]
    with get_engine().connect() as conn:
        made = [(child, route.timeline(conn, child)) for child in route.children(conn, row.id)]
        steps = route.timeline(conn, row)
    return render_template(
        "coach_details.html", row=row, token=token, coach=coach, steps=steps, made=made,
        step_form=step_form or StepForm(formdata=None), plan_form=plan_form, saved=saved,
        offers=offers, label=route.label), code


def coach_referral(token: str):
    """The coach referral behind a link, or the Dutch 404/410 page of provider links."""
    return live_row(referrals, token, "token_expires_at", accept=route.is_coach)


@bp.route("/verwijzing/<token>/stap", methods=["POST"])
def step(token: str):
    """Record a step of the route."""
    row = coach_referral(token)
    form = StepForm()
    if not form.validate():
        return show(row, token, step_form=form, code=422)
    route.record_step(row, form.step.data, form.reason.data or None)
    log.info("coach step %s for %s", form.step.data, row.reference)
    return show(store.by_token(token), token, saved="De stap is opgeslagen.")


@bp.route("/verwijzing/<token>/plan", methods=["POST"])
def plan(token: str):
    """Record the plan and hand the participant over to each chosen offer's provider."""
    row = coach_referral(token)
    form = PlanForm()
    form.offers.choices = plan_choices(row)
    if not form.validate():
        return show(row, token, plan_form=form, code=422)
    route.record_step(row, "plan")
    if form.own_group.data:
        route.record_step(row, "plan_eigen_groep", notify=False)
    for offer_id in form.offers.data:
        handover(row, find_offer(offer_id).offer)
    return show(store.by_token(token), token, saved="Het plan is opgeslagen.")


def handover(row, offer) -> str:
    """A linked referral to the offer's provider: the route's reference with a number, the
    participant's details, the coach as referrer (the coach then hears how it goes)."""
    coach = coach_of(row)
    with get_engine().connect() as conn:
        number = len(route.children(conn, row.id)) + 2
    data = {"name": row.name, "phone": row.phone, "email": row.email,
            "contact_moment": row.contact_moment, "note": row.note,
            "referrer_name": coach.data.naam if coach else row.offer_title,
            "referrer_role": "leefstijlcoach",
            "referrer_organisation": coach.data.organisatie if coach else "",
            "referrer_email": coach.data.verwijzen.email if coach else None,
            "feedback": True}  # the coach consent covers the provider telling the coach
    key = f"route-{row.id}-{offer.id}"[:64]
    reference = store.create("verwijzing", offer, data, key, reference=f"{row.reference}-{number}")
    child = store.by_reference(reference)
    try:
        with transaction(get_engine()) as conn:
            if conn.execute(select(route_links).where(
                    route_links.c.referral_id == child.id)).first() is None:
                conn.execute(insert(route_links).values(
                    referral_id=child.id, route_id=row.id, created_at=clock.now()))
    except IntegrityError:
        pass  # a second request linked it at the same moment
    log.info("coach route %s handed over to %s as %s", row.reference, offer.id, reference)
    return reference
