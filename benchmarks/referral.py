"""Referral app benchmark: form POSTs with 20 concurrent clients under gunicorn, outbox drain.

Run alone with `python -m benchmarks.referral` or as part of `make bench`.
"""

import datetime as dt
import http.client
import os
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

CLIENTS = 20
REQUESTS_PER_CLIENT = 60
WORKERS = int(os.environ.get("BENCH_WORKERS", 1))
THREADS = int(os.environ.get("BENCH_THREADS", 16))
OFFER_ID = "rotterdam/walking-football-zuid"
HIDDEN = re.compile(r'<input type="hidden" name="(csrf_token|submission)" value="([^"]*)">')
FORM = {"referrer_name": "Dr. Bench", "referrer_role": "huisarts",
        "referrer_organisation": "Praktijk", "referrer_email": "bench@praktijk.example.org",
        "name": "Test Persoon", "phone": "06 12345678", "contact_moment": "ochtend",
        "note": "Benchmark", "consent": "y", "feedback": "y"}


def write_offer(offers: Path) -> None:
    """One offer that takes referrals."""
    path = offers / f"{OFFER_ID}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"""titel: Walking football voor 60-plussers
beschrijving: Voetbal in wandeltempo, zonder sprinten, met koffie na afloop.
aanbieder: {{naam: Testclub}}
verwijzen: {{mogelijk: ja, email: aanmelden@club.example.org}}
activiteiten: [walking-football]
locatie: {{naam: Sportpark, adres: Sportlaan 1, postcode: 3072 AB, plaats: Rotterdam}}
rooster:
  - {{dag: dinsdag, van: "10:00", tot: "11:00"}}
kosten: {{gratis: ja}}
controle: {{gecontroleerd_op: {dt.date.today()}, door: benchmark}}
""", encoding="utf-8")


class Sink:
    """SMTP handler that counts mails."""

    def __init__(self):
        """No mails yet."""
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        """Accept and count."""
        self.count += 1
        return "250 OK"


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(port: int, seconds: float = 30) -> None:
    """Block until the server answers."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", f"/verwijzen/{OFFER_ID}")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not start")


def client(port: int, count: int, latencies: list, errors: list) -> None:
    """One browser: open the form once, then send it `count` times (new key each time)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", f"/verwijzen/{OFFER_ID}")
    page = conn.getresponse()
    body = page.read().decode()
    cookie = page.getheader("Set-Cookie").split(";", 1)[0]
    tokens = dict(HIDDEN.findall(body))
    for _ in range(count):
        data = urllib.parse.urlencode({**FORM, **tokens, "submission": secrets.token_urlsafe(24)})
        start = time.perf_counter()
        conn.request("POST", f"/verwijzen/{OFFER_ID}", body=data, headers={
            "Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"})
        answer = conn.getresponse()
        answer.read()
        latencies.append(time.perf_counter() - start)
        if answer.status != 302:
            errors.append(answer.status)
    conn.close()


def post_load(port: int) -> tuple[float, list[float], list[int]]:
    """(seconds, latencies, errors) of CLIENTS concurrent clients."""
    latencies: list[float] = []
    errors: list[int] = []
    threads = [threading.Thread(target=client, args=(port, REQUESTS_PER_CLIENT, latencies, errors))
               for _ in range(CLIENTS)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - start, latencies, errors


def main(workdir: Path) -> str:
    """Run both measurements and return a Markdown table."""
    from aiosmtpd.controller import Controller

    from referral_app import create_app
    from referral_app.outbox import drain

    root = workdir / "referral"
    shutil.rmtree(root, ignore_errors=True)
    write_offer(root / "offers")
    sink = Sink()
    smtp = Controller(sink, hostname="127.0.0.1", port=free_port())
    smtp.start()
    port = free_port()
    settings = {
        "SECRET_KEY": "bench", "DATABASE_URL": f"sqlite:///{root / 'bench.sqlite'}",
        "OFFERS_DIR": str(root / "offers"), "SMTP_HOST": "127.0.0.1", "SMTP_PORT": smtp.port,
        "SMTP_STARTTLS": "off", "RATE_LIMIT_CLIENT": "1000000 per minute",
        "RATE_LIMIT_OFFER": "1000000 per minute",
    }
    app = create_app(settings)  # creates the schema before the workers start
    env = {**os.environ, **{f"BEWEEGKAART_{k}": str(v) if isinstance(v, str) else repr(v)
                            for k, v in settings.items()}}
    env = {k: (f'"{v}"' if k.startswith("BEWEEGKAART_") and " " in v else v)
           for k, v in env.items()}
    gunicorn = Path(sys.executable).with_name("gunicorn")
    server = subprocess.Popen(  # noqa: S603
        [str(gunicorn), "-w", str(WORKERS), "-k", "gthread", "--threads", str(THREADS),
         "-b", f"127.0.0.1:{port}", "--log-level", "warning", "referral_app:create_app()"],
        env=env, stderr=subprocess.DEVNULL)
    try:
        wait_for(port)
        seconds, latencies, errors = post_load(port)
    finally:
        server.terminate()
        server.wait(timeout=30)
    total = len(latencies)
    p95 = statistics.quantiles(latencies, n=100)[94] * 1000
    start = time.perf_counter()
    sent = 0
    while True:
        done, _failed = drain(app, limit=500)
        if not done:
            break
        sent += done
    drain_s = time.perf_counter() - start
    smtp.stop()
    rows = [
        ["form POST (20 clients, gunicorn gthread "
         f"{WORKERS}x{THREADS}, SQLite)", f"{total / seconds:.0f} req/s",
         f"p95 {p95:.1f} ms, median {statistics.median(latencies) * 1000:.1f} ms",
         f"{total} requests, {len(errors)} errors; target >= 200 req/s, p95 < 50 ms"],
        ["outbox drain into local aiosmtpd", f"{sent / drain_s:.0f} mails/s",
         f"{sent} mails in {drain_s:.1f} s", f"{sink.count} received"],
    ]
    lines = ["| measurement | rate | latency / time | notes |", "|---|---|---|---|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


if __name__ == "__main__":
    print(main(Path(".bench")))
