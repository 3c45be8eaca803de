"""Follow-up that asks: months after a participant joined, the provider (or the coach, for the
coach's own group) is asked "doet nog mee" or "gestopt" with a reason from the closed list.

`flask --app referral_app follow-ups` (daily) queues what is due; the outbox sends it. Running it
twice sends nothing twice: one row per referral and checkpoint (a unique constraint), created in
the same transaction as its mail, and reminders are claimed with a conditional update.
"""

import datetime as dt
import logging

import click
from flask import Blueprint, current_app, render_template, request
from flask.cli import with_appcontext
from flask_wtf import FlaskForm
from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError
from wtforms import RadioField, SelectField
from wtforms.validators import InputRequired, ValidationError

from . import clock, route, tokens
from .db import get_engine, referrals, status_events, transaction
from .forms import REASONS
from .links import live_row
from .mail import safe_header
from .outbox import enqueue_link
from .store import REASON_LABELS, token_hash
from .tables import follow_ups

bp = Blueprint("followup", __name__)
log = logging.getLogger("referral_app")
ENDED = {"gestopt", "niet_gestart", "afgerond"}


class AnswerForm(FlaskForm):
    """One click: still taking part, or stopped with a reason."""

    answer = RadioField("Doet de deelnemer nog mee?", choices=route.FOLLOW_UP_LABELS,
                        validators=[InputRequired("Kies een antwoord.")])
    # The "doet nog mee" button sends no reason: the choice is checked here instead.
    reason = SelectField("Reden van stoppen", choices=REASONS, validate_choice=False)

    def validate_reason(self, field) -> None:
        """Stopping needs a reason from the list."""
        if self.answer.data == "gestopt" and (not field.data or field.data not in REASONS):
            raise ValidationError("Kies een reden.")
        if self.answer.data != "gestopt":
            field.data = ""


def checkpoints(app) -> list[int]:
    """The follow-up months from the settings, ascending."""
    return sorted(int(m) for m in str(app.config["FOLLOW_UP_MONTHS"]).split(","))


def joined(conn) -> list:
    """(referral, first 'deelnemer geworden') for every referral whose participant joined."""
    first = (select(status_events.c.referral_id, func.min(status_events.c.created_at)
                    .label("joined_at"))
             .where(status_events.c.status == "deelnemer_geworden")
             .group_by(status_events.c.referral_id).subquery())
    return conn.execute(select(referrals, first.c.joined_at).join(
        first, first.c.referral_id == referrals.c.id).where(
        referrals.c.purged_at.is_(None)).order_by(referrals.c.id)).all()


def recipient(row) -> str | None:
    """Who is asked: the offer's provider, or the coach for the coach's own group."""
    if route.is_coach(row):
        coach = route.coaches().by_id().get(route.coach_id(row))
        return coach.data.verwijzen.email if coach else None
    offer = current_app.extensions["beweegkaart_offers"].get(row.offer_id)
    ref = offer.data.verwijzen if offer else None
    return ref.email if ref and ref.mogelijk else None


def queue_due(app) -> dict:
    """Create the follow-ups that are due, send reminders, close the unanswered. Returns counts."""
    now = clock.now(app)
    months = checkpoints(app)
    counts = {"asked": 0, "reminded": 0, "unanswered": 0, "skipped": 0}
    engine = get_engine(app)
    with engine.connect() as conn:
        rows = joined(conn)
        known = {(f.referral_id, f.months): f for f in conn.execute(select(follow_ups))}
    for row in rows:
        if row.status in ENDED:
            continue  # stopped or finished: nobody needs to be asked any more
        due = [m for m in months if clock.add_months(row.joined_at, m) <= now]
        if not due or any(known.get((row.id, m)) and known[(row.id, m)].answer == "gestopt"
                          for m in months):
            continue
        latest = due[-1]
        for m in due:
            if (row.id, m) in known:
                continue
            # A checkpoint long past (the command did not run for months) is not asked about.
            state = "open" if m == latest else "overgeslagen"
            counts["asked" if state == "open" else "skipped"] += _create(app, row, m, state, now)
    with engine.connect() as conn:
        open_rows = conn.execute(select(follow_ups).where(follow_ups.c.state == "open")).all()
    wait = dt.timedelta(days=int(app.config["FOLLOW_UP_REMINDER_DAYS"]))
    tries = int(app.config["FOLLOW_UP_TRIES"])
    for item in open_rows:
        if item.last_sent_at is None or item.last_sent_at + wait > now:
            continue
        if item.tries < tries:
            counts["reminded"] += _remind(app, item, now)
        else:
            with transaction(engine) as conn:
                done = conn.execute(update(follow_ups).where(
                    follow_ups.c.id == item.id, follow_ups.c.state == "open").values(
                    state="onbeantwoord", token_hash=None)).rowcount
            counts["unanswered"] += done
    return counts


def _create(app, row, months: int, state: str, now: dt.datetime) -> int:
    """One follow-up row and (when open) its mail, in one transaction; 0 if it already exists."""
    seed = tokens.new_seed()
    token = tokens.link_token(app.config["SECRET_KEY"], seed)
    to = recipient(row) if state == "open" else None
    if state == "open" and to is None:
        state = "overgeslagen"  # the offer or coach is gone: nobody to ask
    due = clock.add_months(row.joined_at, months)
    try:
        with transaction(get_engine(app)) as conn:
            conn.execute(insert(follow_ups).values(
                referral_id=row.id, months=months, due_at=due, state=state,
                tries=1 if state == "open" else 0, last_sent_at=now if state == "open" else None,
                token_hash=token_hash(token) if state == "open" else None,
                token_expires_at=now + _token_life(app)))
            if state == "open":
                _queue(conn, app, row, to, months, seed, now, reminder=False)
    except IntegrityError:
        return 0  # another run created it first
    return 1


def _remind(app, item, now: dt.datetime) -> int:
    """Ask once more with a fresh link (the old one stops working); 0 if another run did."""
    seed = tokens.new_seed()
    token = tokens.link_token(app.config["SECRET_KEY"], seed)
    engine = get_engine(app)
    with transaction(engine) as conn:
        claimed = conn.execute(update(follow_ups).where(
            follow_ups.c.id == item.id, follow_ups.c.tries == item.tries,
            follow_ups.c.state == "open").values(
            tries=item.tries + 1, last_sent_at=now, token_hash=token_hash(token),
            token_expires_at=now + _token_life(app))).rowcount
        if not claimed:
            return 0
        row = conn.execute(select(referrals).where(referrals.c.id == item.referral_id)).first()
        to = recipient(row)
        if to is None:
            conn.execute(update(follow_ups).where(follow_ups.c.id == item.id)
                         .values(state="overgeslagen", token_hash=None))
            return 0
        _queue(conn, app, row, to, item.months, seed, now, reminder=True)
    return 1


def _token_life(app) -> dt.timedelta:
    """How long a follow-up link works."""
    return dt.timedelta(days=int(app.config["FOLLOW_UP_TOKEN_DAYS"]))


def _queue(conn, app, row, to: str, months: int, seed: str, now: dt.datetime,
           reminder: bool) -> None:
    """The short question mail: reference, offer and a link; never the participant's name.
    The link is made when the mail is sent (see outbox.enqueue_link)."""
    subject = f"{'Herinnering: ' if reminder else ''}Doet {row.reference} nog mee?"
    enqueue_link(conn, row.id, "follow_up", safe_header(to), seed, subject,
                 "mail/follow_up.txt", "/vervolg/", reference=row.reference,
                 offer_title=row.offer_title, months=months, reminder=reminder,
                 expires=(now + _token_life(app)).strftime("%d-%m-%Y"))


@click.command("follow-ups")
@with_appcontext
def follow_ups_command():
    """Queue the follow-up questions that are due (run daily; safe to run twice)."""
    counts = queue_due(current_app._get_current_object())
    click.echo(f"follow-ups: {counts['asked']} asked, {counts['reminded']} reminded, "
               f"{counts['unanswered']} closed without answer, {counts['skipped']} skipped")


def follow_up_for(token: str):
    """The open follow-up behind a link, with its referral, or a Dutch 404/410 page."""
    row = live_row(follow_ups, token, "token_expires_at")
    with get_engine().connect() as conn:
        referral = conn.execute(select(referrals).where(
            referrals.c.id == row.referral_id)).first()
    return row, referral


@bp.route("/vervolg/<token>", methods=["GET", "POST"])
def answer(token: str):
    """The one-click page: GET shows the question (mail scanners change nothing), POST saves."""
    item, referral = follow_up_for(token)
    if item.answered_at is not None:
        return render_template("follow_up.html", item=item, referral=referral, form=None,
                               done=True, reasons=REASON_LABELS, labels=route.FOLLOW_UP_LABELS)
    form = AnswerForm()
    if request.method == "POST" and form.validate():
        save_answer(item, referral, form.answer.data, form.reason.data or None)
        item, referral = follow_up_for(token)
        return render_template("follow_up.html", item=item, referral=referral, form=None,
                               done=True, saved=True, reasons=REASON_LABELS,
                               labels=route.FOLLOW_UP_LABELS)
    code = 422 if form.errors else 200
    return render_template("follow_up.html", item=item, referral=referral, form=form,
                           done=False), code


def save_answer(item, referral, answer: str, reason: str | None) -> None:
    """Store the answer; a stop is also the referral's status; the referrer hears (consent)."""
    now = clock.now()
    with transaction(get_engine()) as conn:
        saved = conn.execute(update(follow_ups).where(
            follow_ups.c.id == item.id, follow_ups.c.answered_at.is_(None)).values(
            answer=answer, reason=reason, answered_at=now, state="beantwoord")).rowcount
        if not saved:
            return  # answered twice (a double click): the first answer counts
        values = {"updated_at": now}  # purge counts from the last answer
        if answer == "gestopt":
            conn.execute(insert(status_events).values(
                referral_id=referral.id, status="gestopt", reason=reason, created_at=now))
            values["status"] = "gestopt"
            # later checkpoints are not needed any more
            conn.execute(update(follow_ups).where(
                follow_ups.c.referral_id == referral.id, follow_ups.c.state == "open",
                follow_ups.c.id != item.id).values(state="overgeslagen", token_hash=None))
        conn.execute(update(referrals).where(referrals.c.id == referral.id).values(**values))
        route.notify_referrer(conn, referral, f"Na {item.months} maanden: "
                              f"{route.FOLLOW_UP_LABELS[answer].lower()}", reason)
    log.info("follow-up %d months of %s answered: %s", item.months, referral.reference, answer)
