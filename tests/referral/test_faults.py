"""Faults at the app level, on the real engines: PostgreSQL down and back, Redis down and back.
(The same faults through nginx and three gunicorn workers: tests/deploy/test_faults.py; SMTP
down for a day: tests/referral/test_outbox.py.)"""

import threading
import time

import pytest
from sqlalchemy import func, select

from referral_app import create_app
from referral_app.db import get_engine, referrals
from referral_app.outbox import run_worker

from .conftest import PROVIDER, WALKING, form_tokens, reference_of, submit

RETRY = "probeer het zo nog eens"


@pytest.mark.postgresql_only
def test_postgres_down_a_dutch_503_then_the_same_form_is_stored_once(settings, smtp,
                                                                     postgres_server):
    app = create_app({**settings, "OUTBOX_INTERVAL_SECONDS": 0.2})
    client = app.test_client()
    stop = threading.Event()
    worker = threading.Thread(target=run_worker, args=(app, stop), daemon=True)
    worker.start()
    tokens = form_tokens(client, f"/verwijzen/{WALKING}")  # the form needs no database
    postgres_server.stop()
    try:
        answers = [submit(client, tokens=tokens) for _ in range(2)]
        time.sleep(1)  # the mail worker's rounds fail meanwhile; it must keep going
    finally:
        postgres_server.start()
    for answer in answers:
        assert answer.status_code == 503
        assert RETRY in answer.text and "Traceback" not in answer.text
        assert "psycopg" not in answer.text and "OperationalError" not in answer.text
        assert answer.headers["Retry-After"] == "30"
    # The visitor goes back and sends the same form again (twice, impatient): one referral.
    first = reference_of(submit(client, tokens=tokens), client)
    assert reference_of(submit(client, tokens=tokens), client) == first
    deadline = time.monotonic() + 30
    while not smtp.messages and time.monotonic() < deadline:
        time.sleep(0.1)
    stop.set()
    worker.join(timeout=30)
    assert [m["to"] for m in smtp.messages] == [[PROVIDER]]
    assert first in smtp.messages[0]["message"]["Subject"]
    with get_engine(app).connect() as conn:
        assert conn.execute(select(func.count()).select_from(referrals)).scalar() == 1


@pytest.mark.one_database
def test_redis_down_limits_count_in_memory_until_it_is_back(settings, redis_server, redis_url):
    # Fail open, not unlimited: while Redis is down each worker counts on its own.
    app = create_app({**settings, "RATELIMIT_STORAGE_URI": redis_url,
                      "RATE_LIMIT_CLIENT": "3 per minute"})
    client = app.test_client()
    assert submit(client).status_code == 302
    assert redis_server.command("DBSIZE") != ":0"  # counted in Redis
    redis_server.stop()
    try:
        start = time.monotonic()
        answers = [submit(client).status_code for _ in range(4)]
        took = time.monotonic() - start
    finally:
        redis_server.start()
    assert answers == [302, 302, 302, 429]
    assert took < 10, f"{took:.1f} s for 4 forms: waiting for Redis on every request?"
    # Back: the limits are counted in Redis again (the app checks after 1, 2, 4... s).
    deadline = time.monotonic() + 20
    while redis_server.command("DBSIZE") == ":0":
        assert time.monotonic() < deadline, "the limits did not go back to Redis"
        submit(app.test_client(), offer_id=WALKING)
        time.sleep(0.5)
