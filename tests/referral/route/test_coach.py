"""Referring to the coach of the wijk: routing by postcode, the coach's steps, the handover."""

import pytest
from sqlalchemy import select

from referral_app.db import get_engine, referrals

from ..conftest import NORDIC, PROVIDER, WALKING, drain_all, form_tokens, reference_of, submit
from .helpers import (
    COACH,
    FEIJENOORD,
    coach_page,
    coach_plan,
    csrf,
    mail_to,
    open_link,
    path_in,
    provider_status,
    refer_to_coach,
)


@pytest.mark.parametrize("pc4", FEIJENOORD[:-1])
def test_every_postcode_of_the_wijk_routes_to_its_coach(client, pc4):
    page = client.get(f"/verwijzen/coach/{pc4} AB")
    assert page.status_code == 200
    assert "Kevin Janssen" in page.text and "Anna Overlap" not in page.text
    assert 'action="/verwijzen/coach/rotterdam/feijenoord"' in page.text


def test_all_pc4_of_the_wijk_are_covered(app):
    coaches = app.extensions["beweegkaart_coaches"]
    coach = coaches.by_id()["rotterdam/feijenoord"]
    assert sorted(coach.pc4) == FEIJENOORD
    assert coach.wijken == ("Feijenoord",)


@pytest.mark.parametrize("where", ["3192", "3192 BM", "9999"])
def test_a_postcode_without_coach_gets_a_clear_page(client, where):
    page = client.get(f"/verwijzen/coach/{where}")
    assert page.status_code == 404
    assert f"Voor postcode {where[:4]} kennen we geen beweegcoach" in page.text


def test_two_coaches_overlapping_let_the_referrer_choose(client):
    page = client.get("/verwijzen/coach/3075")
    assert page.status_code == 200
    assert "Kies een beweegcoach" in page.text
    # both, by name, each with its own form link
    assert page.text.index("Anna Overlap") < page.text.index("Kevin Janssen")
    assert 'href="/verwijzen/coach/rotterdam/overlap"' in page.text
    assert 'href="/verwijzen/coach/rotterdam/feijenoord"' in page.text
    only_other = client.get("/verwijzen/coach/3076")
    assert "Anna Overlap" in only_other.text and "Kies een beweegcoach" not in only_other.text


def test_unknown_coach_id(client):
    page = client.get("/verwijzen/coach/rotterdam/bestaat-niet")
    assert page.status_code == 404
    assert "Deze beweegcoach kennen we niet" in page.text


def test_coach_referral_goes_to_the_coach_without_patient_data_in_the_mail(app, client, smtp):
    reference = refer_to_coach(client)
    drain_all(app)
    mail = mail_to(smtp, COACH, reference)
    assert "Truus" not in mail.as_string() and "06 12345678" not in mail.as_string()
    with get_engine(app).connect() as conn:
        row = conn.execute(select(referrals)).first()
    assert row.kind == "coach" and row.offer_id == "coach/rotterdam/feijenoord"
    assert row.consent_version == "coach-2026-1" and row.gemeente == "Rotterdam"
    # the private address never appears on the form page
    assert COACH not in client.get("/verwijzen/coach/3072").text


def test_missing_consent_is_refused(client):
    tokens = form_tokens(client, "/verwijzen/coach/rotterdam/feijenoord")
    page = client.post("/verwijzen/coach/rotterdam/feijenoord",
                       data={**tokens, "referrer_name": "Dr. X", "name": "Y"})
    assert page.status_code == 422
    assert "Zonder toestemming" in page.text


def test_coach_steps_plan_and_handover(app, client, smtp):
    reference = refer_to_coach(client)
    path, page = coach_page(app, client, smtp, reference)
    assert "Truus de Vries" in page and "Plan: kies aanbod" in page
    for step in ("intake_gepland", "intake_gehad"):
        saved = client.post(f"{path}/stap", data={"csrf_token": csrf(page), "step": step,
                                                       "reason": ""})
        assert "De stap is opgeslagen" in saved.text
    assert "Intake gehad" in saved.text
    # the offer list holds the gemeente's offers that take referrals
    assert "Walking football voor 60-plussers" in page and "Nordic walking" not in page
    assert "Stoelyoga" not in page
    planned = coach_plan(client, path, page)
    assert "Het plan is opgeslagen" in planned.text
    assert f"{reference}-2" in planned.text
    drain_all(app)
    provider_mail = mail_to(smtp, PROVIDER, f"{reference}-2")
    assert "Truus" not in provider_mail.as_string()
    # the provider records a status; the coach sees it on the coach page and by mail
    provider_status(app.test_client(), path_in(provider_mail), "deelnemer_geworden")
    drain_all(app)
    assert "Deelnemer geworden" in mail_to(smtp, COACH, f"{reference}-2")\
        .get_body(("plain",)).get_content()
    again = client.post(path, data={"csrf_token": csrf(page)})
    assert "Deelnemer geworden" in again.text
    # planning the same offer twice hands over once
    coach_plan(client, path, page)
    with get_engine(app).connect() as conn:
        rows = conn.execute(select(referrals.c.reference).order_by(referrals.c.id)).scalars().all()
    assert rows == [reference, f"{reference}-2"]


def test_a_plan_needs_a_choice_and_only_offers_of_the_list(app, client, smtp):
    reference = refer_to_coach(client)
    path, page = coach_plan_page = coach_page(app, client, smtp, reference)
    assert coach_plan_page
    empty = coach_plan(client, path, page, offers=())
    assert empty.status_code == 422 and "Kies een aanbod of de eigen groep" in empty.text
    foreign = coach_plan(client, path, page, offers=(NORDIC,))
    assert foreign.status_code == 422
    own = coach_plan(client, path, page, offers=(), own_group=True)
    assert "Plan: eigen groep van de coach" in own.text


def test_the_referrer_hears_each_step_with_consent_only(app, client, smtp):
    reference = refer_to_coach(client)
    path, page = coach_page(app, client, smtp, reference)
    client.post(f"{path}/stap", data={"csrf_token": csrf(page), "step": "intake_gepland",
                                          "reason": ""})
    drain_all(app)
    body = mail_to(smtp, "jansen@praktijk.example.org", reference).get_body(("plain",))
    assert "Intake gepland" in body.get_content()
    quiet = refer_to_coach(client, feedback=None, referrer_email="stil@praktijk.example.org")
    path, page = coach_page(app, client, smtp, quiet)
    client.post(f"{path}/stap", data={"csrf_token": csrf(page), "step": "intake_gepland",
                                          "reason": ""})
    drain_all(app)
    assert not [m for m in smtp.messages if "stil@praktijk.example.org" in m["to"]]


def test_stopping_needs_a_reason(app, client, smtp):
    reference = refer_to_coach(client)
    path, page = coach_page(app, client, smtp, reference)
    page = client.post(f"{path}/stap", data={"csrf_token": csrf(page), "step": "gestopt",
                                              "reason": ""})
    assert page.status_code == 422 and "Kies een reden" in page.text


def test_a_coach_link_is_not_a_provider_status_form(app, client, smtp):
    reference = refer_to_coach(client)
    path, page = coach_page(app, client, smtp, reference)
    answer = client.post(f"{path}/status", data={"csrf_token": csrf(page),
                                                 "status": "deelnemer_geworden"})
    assert answer.status_code == 404


def test_a_provider_link_is_not_a_coach_step_form(app, client, smtp):
    reference = reference_of(submit(client), client)
    drain_all(app)
    path = path_in(mail_to(smtp, PROVIDER, reference))
    page = open_link(client, path)
    for action, data in (("stap", {"step": "intake_gepland", "reason": ""}),
                         ("plan", {"offers": [WALKING]})):
        answer = client.post(f"{path}/{action}", data={"csrf_token": csrf(page), **data})
        assert answer.status_code == 404, action
    with get_engine(app).connect() as conn:
        row = conn.execute(select(referrals).where(referrals.c.reference == reference)).one()
    assert row.status == "nieuw"  # nothing recorded through the wrong form


def test_medical_check_is_shown_in_the_referral_form(app, client, offers_dir):
    path = offers_dir / f"{WALKING}.yaml"
    path.write_text(path.read_text() + "medische_check: [hart- en vaatziekten, diabetes]\n")
    from referral_app import create_app

    fresh = create_app({**app.config, "CLOCK": app.config["CLOCK"]})
    page = fresh.test_client().get(f"/verwijzen/{WALKING}")
    assert "Eerst een medische check" in page.text
    assert "hart- en vaatziekten, diabetes" in page.text
