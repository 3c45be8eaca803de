"""The outbox with several workers: leases, batches, giving up, long outages, the backlog."""

import datetime as dt
import os
import subprocess
import sys
from email.message import EmailMessage

import pytest
from sqlalchemy import func, select

from referral_app import create_app
from referral_app.db import get_engine, outbox, transaction, utcnow
from referral_app.outbox import claim, drain, enqueue, mark_sent, retry

from .conftest import all_values, drain_all, link_in, submit


def queue(app, count: int) -> None:
    """Queue `count` numbered mails straight into the outbox."""
    with app.app_context(), transaction(get_engine(app)) as conn:
        for n in range(count):
            msg = EmailMessage()
            msg["From"], msg["To"], msg["Subject"] = "bk@example.org", "x@example.org", f"mail {n}"
            msg.set_content("hallo")
            enqueue(conn, None, "test", msg)


def states(app) -> dict:
    """How many mails are in each state."""
    with get_engine(app).connect() as conn:
        return dict(conn.execute(select(outbox.c.state, func.count())
                                 .group_by(outbox.c.state)).all())


class Clock:
    """A clock the test moves by hand."""

    def __init__(self):
        """Start now."""
        self.now = utcnow()

    def __call__(self) -> dt.datetime:
        """The current test time."""
        return self.now

    def advance(self, seconds: float) -> None:
        """Move the clock forward."""
        self.now += dt.timedelta(seconds=seconds)


def test_provider_link_is_never_stored(app, client, smtp):
    submit(client)
    assert "/verwijzing/" not in all_values(app)
    drain_all(app)
    token = link_in(smtp.messages[0]["message"]).rsplit("/", 1)[1]
    stored = all_values(app)
    assert token not in stored and "/verwijzing/" not in stored
    # Once sent, the seed is gone too: not even database + secret key rebuild the link.
    with get_engine(app).connect() as conn:
        assert conn.execute(select(outbox.c.token_seed)).scalar() is None
    assert app.test_client().get(f"/verwijzing/{token}").status_code == 200


def test_two_claims_never_share_a_mail(app):
    queue(app, 5)
    engine, now = get_engine(app), utcnow()
    lease_a, rows_a = claim(engine, now, 3, 60)
    lease_b, rows_b = claim(engine, now, 10, 60)
    assert len(rows_a) == 3 and len(rows_b) == 2
    assert not {r.id for r in rows_a} & {r.id for r in rows_b}
    assert claim(engine, now, 10, 60)[1] == []
    # When a lease has run out (a crashed worker), another worker takes the mails over.
    _lease, rows_c = claim(engine, now + dt.timedelta(seconds=61), 10, 60)
    assert len(rows_c) == 5


def test_a_worker_that_lost_its_lease_changes_nothing(app):
    queue(app, 1)
    engine, now = get_engine(app), utcnow()
    slow, (row,) = claim(engine, now, 10, 60)
    later = now + dt.timedelta(seconds=120)
    fast, (again,) = claim(engine, later, 10, 60)
    assert mark_sent(engine, again, fast, later)
    # The slow worker's late answers (sent, or failed) must not undo or repeat anything.
    assert not retry(engine, row, slow, OSError("late"), app.config, later)
    assert not mark_sent(engine, row, slow, later)
    with engine.connect() as conn:
        done = conn.execute(select(outbox)).one()
    assert (done.state, done.attempts, done.last_error) == ("sent", 1, None)


def test_a_batch_stops_before_its_lease_runs_out(settings, smtp):
    # Lease 60 s, one mail may take 8 x 1 s: a mail is sent only while 8 s of lease remain.
    app = create_app({**settings, "OUTBOX_LEASE_SECONDS": 60.0, "SMTP_TIMEOUT": 1.0})
    queue(app, 5)
    clock = Clock()
    start = clock.now

    def slow_clock():
        """Each mail received takes 20 s of test time."""
        return start + dt.timedelta(seconds=20 * len(smtp.messages))

    assert drain(app, clock=slow_clock) == (3, 0)  # at 0, 20, 40 s; not at 60 s
    with get_engine(app).connect() as conn:
        assert conn.execute(select(func.count()).where(
            outbox.c.locked_until.is_not(None))).scalar() == 0  # handed back at once
    assert drain(app) == (2, 0)
    assert sorted(m["message"]["Subject"] for m in smtp.messages) == [
        f"mail {n}" for n in range(5)]


def test_gives_up_after_the_maximum_attempts(settings, smtp):
    app = create_app({**settings, "OUTBOX_MAX_ATTEMPTS": 3})
    queue(app, 1)
    smtp.handler.mode = "5xx"
    for _ in range(6):
        drain(app)
    with get_engine(app).connect() as conn:
        row = conn.execute(select(outbox)).one()
    assert (row.state, row.attempts, row.last_error) == ("failed", 3, "SMTPDataError 554")
    smtp.handler.mode = "ok"
    assert drain(app) == (0, 0)
    assert smtp.messages == []


def test_a_long_smtp_outage_backs_off_then_delivers(settings, smtp, client):
    # A day without SMTP, on the test clock: retries double up to the ceiling, none early.
    app = create_app({**settings, "OUTBOX_BACKOFF_SECONDS": 30.0,
                      "OUTBOX_BACKOFF_MAX_SECONDS": 3600.0, "OUTBOX_MAX_ATTEMPTS": 40})
    submit(app.test_client())
    smtp.stop()
    clock = Clock()
    tries = []
    while clock.now - tries[0] < dt.timedelta(hours=24) if tries else True:
        assert drain(app, clock=clock) == (0, 1)
        tries.append(clock.now)
        with get_engine(app).connect() as conn:
            due = conn.execute(select(outbox.c.next_attempt_at)).scalar()
        clock.now = due - dt.timedelta(seconds=1)
        assert drain(app, clock=clock) == (0, 0)  # not before its time
        clock.now = due
    gaps = [round((b - a).total_seconds()) for a, b in zip(tries, tries[1:], strict=False)]
    assert gaps[:8] == [30, 60, 120, 240, 480, 960, 1920, 3600]
    assert set(gaps[8:]) == {3600}
    assert states(app) == {"pending": 1}
    smtp.start()
    assert drain(app, clock=clock) == (1, 0)
    assert drain(app, clock=clock) == (0, 0)
    assert len(smtp.messages) == 1


def worker_env(settings: dict, **extra) -> dict:
    """The environment of a separate `flask send-outbox` process with these settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BEWEEGKAART_")}
    for key, value in {**settings, **extra}.items():
        if key != "TESTING":
            env[f"BEWEEGKAART_{key}"] = str(value)
    return env


def test_backlog_three_workers_each_mail_delivered_once(settings, smtp):
    # The cron case: a backlog drained by three overlapping processes, in small batches (the
    # lease running out mid-batch is test_a_batch_stops_before_its_lease_runs_out).
    app = create_app(settings)
    queue(app, 1000)
    env = worker_env(settings, OUTBOX_LEASE_SECONDS=20, SMTP_TIMEOUT=2, OUTBOX_BATCH_SIZE=25)
    flask = [sys.executable, "-m", "flask", "--app", "referral_app", "send-outbox", "--once"]
    workers = [subprocess.Popen(flask, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True) for _ in range(3)]
    results = [w.communicate(timeout=180) for w in workers]
    assert all(w.returncode == 0 for w in workers), results
    sent = [int(out.split()[1].rstrip(",")) for out, _err in results]
    subjects = [m["message"]["Subject"] for m in smtp.messages]
    assert len(subjects) == 1000 and len(set(subjects)) == 1000, results
    assert sum(sent) == 1000, sent
    assert sum(1 for n in sent if n) >= 2, sent  # they did overlap (start-up times vary)
    assert states(app) == {"sent": 1000}


def test_smtp_down_stops_the_round_after_one_attempt(app, smtp):
    # A refused connection says nothing about the mail: the others keep their attempts.
    queue(app, 3)
    smtp.stop()
    assert drain(app) == (0, 1)
    with get_engine(app).connect() as conn:
        attempts = conn.execute(select(outbox.c.attempts).order_by(outbox.c.id)).scalars().all()
        leased = conn.execute(select(func.count()).where(
            outbox.c.lease_id.is_not(None))).scalar()
    assert attempts == [1, 0, 0] and leased == 0


@pytest.mark.parametrize(("changes", "message"), [
    ({"OUTBOX_LEASE_SECONDS": 8.0, "SMTP_TIMEOUT": 1.0}, "BEWEEGKAART_OUTBOX_LEASE_SECONDS"),
    ({"OUTBOX_BATCH_SIZE": 0}, "BEWEEGKAART_OUTBOX_BATCH_SIZE"),
])
def test_impossible_outbox_settings_are_refused(settings, changes, message):
    with pytest.raises(ValueError, match=message):
        create_app({**settings, **changes})
