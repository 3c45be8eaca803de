"""Follow-up that asks, months after joining: once per checkpoint, reminders, answers, purge."""

from sqlalchemy import select

from referral_app.db import get_engine, referrals, status_events
from referral_app.tables import follow_ups

from ..conftest import PROVIDER, all_values, drain_all, link_in, reference_of, submit
from .helpers import (
    COACH,
    answer_follow_up,
    coach_page,
    coach_plan,
    csrf,
    mail_to,
    path_in,
    provider_status,
    refer_to_coach,
    run_follow_ups,
)

GP = "jansen@praktijk.example.org"


def joined_direct(app, client, smtp) -> tuple[str, str]:
    """A direct referral whose provider recorded 'deelnemer geworden'; (reference, path)."""
    reference = reference_of(submit(client), client)
    drain_all(app)
    path = link_in(smtp.messages[-1]["message"])
    provider_status(app.test_client(), path, "deelnemer_geworden")
    drain_all(app)
    return reference, path


def follow_up_mails(smtp, to: str = PROVIDER) -> list:
    """The follow-up questions sent to `to`."""
    return [m["message"] for m in smtp.messages
            if to in m["to"] and "nog mee?" in m["message"]["Subject"]]


def test_follow_ups_are_sent_once_when_the_command_runs_twice(app, client, smtp, runner, clock):
    reference, _ = joined_direct(app, client, smtp)
    assert "0 asked" in run_follow_ups(runner)  # not due yet
    clock.advance(days=93)
    assert "1 asked" in run_follow_ups(runner)
    assert "0 asked" in run_follow_ups(runner)
    stored = all_values(app)
    drain_all(app)
    drain_all(app)
    mails = follow_up_mails(smtp)
    assert len(mails) == 1
    token = path_in(mails[0], "/vervolg/").rsplit("/", 1)[1]
    assert token not in stored and token not in all_values(app)  # only its hash is kept
    body = mails[0].get_body(("plain",)).get_content()
    assert reference in body and "3 maanden" in body and "Truus" not in mails[0].as_string()


def test_answers_and_the_referrer_hears_the_outcome(app, client, smtp, runner, clock):
    reference, _ = joined_direct(app, client, smtp)
    clock.advance(days=93)
    run_follow_ups(runner)
    drain_all(app)
    path = path_in(follow_up_mails(smtp)[-1], "/vervolg/")
    page = client.get(path)
    assert "Doet nog mee" in page.text and "Gestopt" in page.text
    saved = answer_follow_up(client, path, "doet_mee")
    assert "Bedankt, het antwoord is opgeslagen" in saved.text
    drain_all(app)
    outcome = mail_to(smtp, GP, "Na 3 maanden").get_body(("plain",)).get_content()
    assert "doet nog mee" in outcome and reference in outcome
    # a second click changes nothing
    assert "Doet nog mee" in client.post(path, data={"csrf_token": csrf(page.text),
                                                     "answer": "gestopt"}).text
    clock.advance(days=92)
    assert "1 asked" in run_follow_ups(runner)
    drain_all(app)
    path6 = path_in(follow_up_mails(smtp)[-1], "/vervolg/")
    refused = answer_follow_up(client, path6, "gestopt", "")
    assert refused.status_code == 422 and "Kies een reden" in refused.text
    answer_follow_up(client, path6, "gestopt", "te_duur")
    drain_all(app)
    outcome = mail_to(smtp, GP, "Na 6 maanden").get_body(("plain",)).get_content()
    assert "gestopt" in outcome and "Te duur" in outcome
    with get_engine(app).connect() as conn:
        row = conn.execute(select(referrals)).first()
        assert row.status == "gestopt"
        assert conn.execute(select(status_events.c.reason).where(
            status_events.c.status == "gestopt")).scalar() == "te_duur"
    clock.advance(days=365)
    assert "0 asked" in run_follow_ups(runner)


def test_reminder_once_then_unanswered(app, client, smtp, runner, clock):
    joined_direct(app, client, smtp)
    clock.advance(days=93)
    run_follow_ups(runner)
    clock.advance(days=7)
    assert "0 reminded" in run_follow_ups(runner)
    clock.advance(days=8)
    assert "1 reminded" in run_follow_ups(runner)
    assert "0 reminded" in run_follow_ups(runner)
    drain_all(app)
    mails = follow_up_mails(smtp)
    assert len(mails) == 2 and mails[1]["Subject"].startswith("Herinnering")
    # the first link stopped working with the reminder
    assert client.get(path_in(mails[0], "/vervolg/")).status_code == 404
    clock.advance(days=15)
    assert "1 closed without answer" in run_follow_ups(runner)
    clock.advance(days=30)
    output = run_follow_ups(runner)
    assert "0 reminded" in output and "0 closed" in output
    drain_all(app)
    assert len(follow_up_mails(smtp)) == 2
    with get_engine(app).connect() as conn:
        assert conn.execute(select(follow_ups.c.state)).scalar() == "onbeantwoord"


def test_a_checkpoint_long_past_is_skipped(app, client, smtp, runner, clock):
    joined_direct(app, client, smtp)
    clock.advance(days=200)
    output = run_follow_ups(runner)
    assert "1 asked" in output and "1 skipped" in output
    drain_all(app)
    mails = follow_up_mails(smtp)
    assert len(mails) == 1 and "6 maanden" in mails[0].get_body(("plain",)).get_content()


def test_follow_up_link_expires(app, client, smtp, runner, clock):
    joined_direct(app, client, smtp)
    clock.advance(days=93)
    run_follow_ups(runner)
    drain_all(app)
    path = path_in(follow_up_mails(smtp)[-1], "/vervolg/")
    clock.advance(days=31)
    assert client.get(path).status_code == 410
    assert client.get("/vervolg/" + "x" * 40).status_code == 404


def test_the_coach_is_asked_for_the_own_group(app, client, smtp, runner, clock):
    reference = refer_to_coach(client)
    path, page = coach_page(app, client, smtp, reference)
    coach_plan(client, path, page, offers=(), own_group=True)
    client.post(f"{path}/stap", data={"csrf_token": csrf(page), "step": "deelnemer_geworden",
                                      "reason": ""})
    clock.advance(days=93)
    assert "1 asked" in run_follow_ups(runner)
    drain_all(app)
    assert follow_up_mails(smtp, COACH)


def test_handed_over_route_asks_the_provider(app, client, smtp, runner, clock):
    reference = refer_to_coach(client)
    path, page = coach_page(app, client, smtp, reference)
    coach_plan(client, path, page)
    drain_all(app)
    provider_status(app.test_client(), path_in(mail_to(smtp, PROVIDER, f"{reference}-2")),
                    "deelnemer_geworden")
    clock.advance(days=93)
    run_follow_ups(runner)
    drain_all(app)
    question = follow_up_mails(smtp)[-1]
    assert f"{reference}-2" in question.get_body(("plain",)).get_content()
    answer_follow_up(client, path_in(question, "/vervolg/"), "doet_mee")
    drain_all(app)
    # the GP (the first referrer of the route) hears it, under the route's reference
    assert "doet nog mee" in mail_to(smtp, GP, "Na 3 maanden").get_body(("plain",)).get_content()


def test_purge_waits_for_the_end_of_the_route(app, client, smtp, runner, clock):
    reference = refer_to_coach(client, name="Truus Kwikstaart")
    path, page = coach_page(app, client, smtp, reference)
    coach_plan(client, path, page)
    drain_all(app)
    provider_status(app.test_client(), path_in(mail_to(smtp, PROVIDER, f"{reference}-2")),
                    "deelnemer_geworden")
    # 4 months on: past the 90-day retention, but the 6-month question is still to come
    clock.advance(days=123)
    run_follow_ups(runner)
    assert "purged personal data of 0" in runner.invoke(args=["purge"]).output
    drain_all(app)
    answer_follow_up(client, path_in(follow_up_mails(smtp)[-1], "/vervolg/"), "doet_mee")
    clock.advance(days=62)
    run_follow_ups(runner)
    drain_all(app)
    answer_follow_up(client, path_in(follow_up_mails(smtp)[-1], "/vervolg/"), "gestopt",
                     "geen_tijd")
    # the retention period counts from the last answer
    clock.advance(days=80)
    assert "purged personal data of 0" in runner.invoke(args=["purge"]).output
    assert "Kwikstaart" in all_values(app)
    clock.advance(days=11)
    assert "purged personal data of 2" in runner.invoke(args=["purge"]).output
    assert "Kwikstaart" not in all_values(app)
    # the anonymous figures survive
    figures = runner.invoke(args=["stats", "--figures", "retention"]).output
    assert "Rotterdam,route,totaal,Via de beweegcoach,< 5," in figures


def test_purge_does_not_wait_forever_for_a_follow_up(app, client, smtp, runner, clock):
    joined_direct(app, client, smtp)
    clock.advance(days=200)
    assert "purged personal data of 0" in runner.invoke(args=["purge"]).output
    clock.advance(days=100)  # six months + three months of grace, no follow-up ever ran
    assert "purged personal data of 1" in runner.invoke(args=["purge"]).output


def test_erase_takes_the_whole_route(app, client, smtp, runner):
    reference = refer_to_coach(client, name="Truus Kwikstaart")
    path, page = coach_page(app, client, smtp, reference)
    coach_plan(client, path, page)
    assert runner.invoke(args=["erase", reference]).exit_code == 0
    assert "Kwikstaart" not in all_values(app)
    with get_engine(app).connect() as conn:
        purged = conn.execute(select(referrals.c.purged_at)).scalars().all()
    assert len(purged) == 2 and all(purged)


def test_nobody_is_asked_after_the_provider_recorded_a_stop(app, client, smtp, runner, clock):
    _, path = joined_direct(app, client, smtp)
    provider_status(app.test_client(), path, "gestopt", "te_zwaar")
    clock.advance(days=200)
    output = run_follow_ups(runner)
    assert "0 asked" in output and "0 skipped" in output
