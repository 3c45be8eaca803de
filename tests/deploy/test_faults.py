"""Faults in the deployed configuration: PostgreSQL down and restarted while forms are sent, Redis
down, the SMTP server away for a while; status changes limited across all workers. Forms go over
HTTPS through nginx to the 3 gunicorn workers; the mail worker is a process of its own."""

import http.cookiejar
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import sqlalchemy

HIDDEN = re.compile(r'<input type="hidden" name="(csrf_token|submission)" value="([^"]*)">')
REFERENCE = re.compile(r"BK-[A-Z0-9]{4}-[A-Z0-9]{4}")
FIELDS = {"referrer_name": "Dr. Storing", "referrer_role": "huisarts",
          "referrer_organisation": "Praktijk Storing",
          "referrer_email": "storing@praktijk.example.org",
          "name": "Test Deelnemer", "phone": "06 12345678", "email": "deelnemer@example.org",
          "contact_moment": "ochtend", "note": "", "consent": "y", "feedback": "y"}
RETRY = "probeer het zo nog eens"


class Visitor:
    """One browser-like client (cookies, Origin) that sends referral forms over HTTPS."""

    def __init__(self, deployment):
        """A cookie jar and a TLS context that trusts the deployment's throw-away CA."""
        self.deployment = deployment
        self.origin = deployment.base.rstrip("/")
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
            urllib.request.HTTPSHandler(context=deployment.tls()))

    def open(self, path: str, data: dict | None = None) -> tuple[int, str]:
        """GET or POST (following redirects); returns (status, body)."""
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(self.deployment.base + path.lstrip("/"), data=body,
                                         headers={"Origin": self.origin} if body else {})
        try:
            with self.opener.open(request, timeout=60) as answer:
                return answer.status, answer.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode("utf-8", "replace")

    def refer(self, offer_id: str, **fields) -> tuple[int, str, str | None]:
        """Fill in and send the referral form; returns (status, body, reference or None)."""
        status, page = self.open(f"/app/verwijzen/{offer_id}")
        if status != 200:
            return status, page, None
        status, body = self.open(f"/app/verwijzen/{offer_id}",
                                 {**FIELDS, **fields, **dict(HIDDEN.findall(page))})
        found = REFERENCE.search(body) if status == 200 else None
        return status, body, found.group(0) if found else None


def stored(deployment, references: list[str]) -> set[str]:
    """Which of these references are in the database."""
    engine = sqlalchemy.create_engine(deployment.env["BEWEEGKAART_DATABASE_URL"])
    with engine.connect() as conn:
        found = conn.execute(sqlalchemy.text("SELECT reference FROM referrals")).scalars().all()
    engine.dispose()
    return set(found) & set(references)


def assert_plain_answers(answers: list[tuple[int, str, str | None]]) -> None:
    """Every answer is a receipt or the Dutch 'try again soon' page with 503; no traceback."""
    for status, body, reference in answers:
        assert "Traceback" not in body and "psycopg" not in body and "sqlalchemy" not in body
        assert (status == 200 and reference) or (status == 503 and RETRY in body), \
            (status, body[:300])


def test_postgres_down_gives_a_dutch_503(deployment):
    """PostgreSQL stopped: a form answers 503 "probeer het zo nog eens", never a traceback;
    once it is back, the same workers store forms again without a restart."""
    offer = deployment.referral_offers()[0].id
    visitor = Visitor(deployment)
    assert visitor.refer(offer)[0] == 200
    deployment.postgres.stop()
    try:
        down = [visitor.refer(offer) for _ in range(3)]
    finally:
        deployment.postgres.start()
    assert [status for status, _, _ in down] == [503, 503, 503]
    assert_plain_answers(down)
    status, _, reference = visitor.refer(offer)
    assert status == 200 and stored(deployment, [reference]) == {reference}


def test_postgres_restarted_mid_traffic_loses_nothing(deployment):
    """PostgreSQL restarted twice while 3 clients send forms: every answer is a receipt or the
    Dutch 503 page, and every referral that got a receipt is stored and mailed."""
    offer = deployment.referral_offers()[0]
    answers, stop = [], threading.Event()

    def send():
        """Send forms until told to stop."""
        sender = Visitor(deployment)
        while not stop.is_set():
            answers.append(sender.refer(offer.id))

    threads = [threading.Thread(target=send) for _ in range(3)]
    for thread in threads:
        thread.start()
    try:
        time.sleep(2)
        for _ in range(2):
            deployment.postgres.restart("fast")
            time.sleep(2)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=120)
    assert_plain_answers(answers)
    receipts = [reference for _, _, reference in answers if reference]
    assert len(receipts) >= 3, f"too few forms got through: {[a[0] for a in answers]}"
    assert stored(deployment, receipts) == set(receipts), "a referral with a receipt was lost"
    for reference in receipts:
        deployment.smtp.wait_for(offer.data.verwijzen.email, reference, seconds=60)
    assert "Traceback" not in deployment.app.stderr.read_text()


def test_redis_down_forms_still_work(deployment):
    """The rate-limit store down: forms are still accepted (limits fall back to counting in
    each worker), and the limits are shared again once Redis is back."""
    offer = deployment.referral_offers()[0].id
    visitor = Visitor(deployment)
    deployment.redis.stop()
    try:
        status, body, reference = visitor.refer(offer)
    finally:
        deployment.redis.start()
    assert status == 200 and reference, (status, body[:300])
    assert stored(deployment, [reference]) == {reference}
    # Back: each worker returns to Redis by itself (Flask-Limiter retries after 1, 2, 4... s).
    deadline = time.monotonic() + 30
    while deployment.redis.command("DBSIZE") == ":0":
        assert time.monotonic() < deadline, "the limits did not go back to Redis"
        status, _, reference = visitor.refer(offer)
        assert status == 200 and reference
        time.sleep(0.5)
    # A worker that has had no request since Redis came back still counts in memory: restart
    # the app so the next tests see the shared limits of all three workers again.
    deployment.app.restart()


def test_status_limit_is_shared_by_all_workers(deployment):
    """Status changes per provider link are limited across the 3 workers (Redis), not per
    worker: the 11th change within the hour is refused whichever worker gets it."""
    offer = deployment.referral_offers()[0]
    visitor = Visitor(deployment)
    _, _, reference = visitor.refer(offer.id)
    mail = deployment.smtp.wait_for(offer.data.verwijzen.email, reference)
    link = re.search(r"/app/verwijzing/\S+", mail["message"].get_body(("plain",))
                     .get_content()).group(0)
    provider = Visitor(deployment)
    status, page = provider.open(link)
    assert status == 200
    status, page = provider.open(link, dict(HIDDEN.findall(page)))  # "Gegevens bekijken"
    assert status == 200
    statuses = []
    for step in range(12):
        choice = "contact_opgenomen" if step % 2 else "proefles_gepland"
        status, answer = provider.open(f"{link}/status",
                                       {**dict(HIDDEN.findall(page)), "status": choice,
                                        "reason": "", "reason_note": ""})
        statuses.append(status)
        page = answer if status == 200 else page
    assert statuses[:10] == [200] * 10, statuses
    assert statuses[10:] == [429, 429], statuses


def test_smtp_away_for_a_while_then_delivered(deployment):
    """The SMTP server down: the worker retries with growing pauses (not every round), then
    delivers the mail once the server is back."""
    offer = deployment.referral_offers()[0]
    deployment.smtp.stop()
    try:
        status, _, reference = Visitor(deployment).refer(offer.id)
        assert status == 200 and reference
        time.sleep(8)  # backoff 0.5 s doubling to at most 2 s; worker rounds every 0.3 s
        engine = sqlalchemy.create_engine(deployment.env["BEWEEGKAART_DATABASE_URL"])
        with engine.connect() as conn:
            state, attempts, error = conn.execute(sqlalchemy.text(
                "SELECT o.state, o.attempts, o.last_error FROM outbox o JOIN referrals r "
                "ON r.id = o.referral_id WHERE r.reference = :r"), {"r": reference}).one()
        engine.dispose()
    finally:
        deployment.smtp.start()
    assert state == "pending" and error, (state, attempts, error)
    assert 2 <= attempts <= 8, f"{attempts} attempts in 8 s: no backoff?"
    deployment.smtp.wait_for(offer.data.verwijzen.email, reference, seconds=30)
