"""Referral app benchmark: form POSTs with 20 concurrent clients under gunicorn, outbox drain,
side by side on SQLite and on PostgreSQL with shared Redis limits (the deployment's setup).

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
# 3 sync workers, as deployed (deploy/gunicorn.conf.py): one per core plus one.
WORKERS = int(os.environ.get("BENCH_WORKERS", 3))
THREADS = int(os.environ.get("BENCH_THREADS", 1))
WORKER_CLASS = "sync" if THREADS == 1 else "gthread"
WRK_SECONDS = int(os.environ.get("BENCH_SECONDS", 10))
WRK_SCRIPT = """
local made = 0
setup = function(thread)
  made = made + 1
  thread:set("tid", made)
end
counter = 0
request = function()
  counter = counter + 1
  local body = "{body}&submission=t" .. tid .. "n" .. counter
  return wrk.format("POST", "{path}", {{["Cookie"]="{cookie}",
    ["Content-Type"]="application/x-www-form-urlencoded"}}, body)
end
done = function(summary, latency, requests)
  io.write(string.format("RESULT %d %f %f %f %d\\n", summary.requests, summary.duration / 1e6,
    latency:percentile(95) / 1000, latency:percentile(50) / 1000,
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.timeout))
end
"""
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


def wait_for(server, seconds: float = 30) -> None:
    """Block until the server shows the offer's referral form; else raise with what it said."""
    end = time.monotonic() + seconds
    status = None
    while time.monotonic() < end:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=2)
            conn.request("GET", f"/verwijzen/{OFFER_ID}")
            status = conn.getresponse().status
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not show /verwijzen/{OFFER_ID} (last status {status}):\n"
                       + server.output()[-2000:])


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


def wrk_load(port: int, workdir: Path) -> tuple[int, float, float, float, int]:
    """(requests, seconds, p95 ms, median ms, errors) from wrk: a C load generator, so the
    clients take little of the machine's two cores. Each request has a new submission key."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", f"/verwijzen/{OFFER_ID}")
    page = conn.getresponse()
    tokens = dict(HIDDEN.findall(page.read().decode()))
    tokens.pop("submission", None)
    cookie = page.getheader("Set-Cookie").split(";", 1)[0]
    script = workdir / "post.lua"
    script.write_text(WRK_SCRIPT.format(body=urllib.parse.urlencode({**FORM, **tokens}),
                                        path=f"/verwijzen/{OFFER_ID}", cookie=cookie))
    out = subprocess.run(  # noqa: S603
        [shutil.which("wrk"), "-t", "2", "-c", str(CLIENTS), "-d", f"{WRK_SECONDS}s",
         "--timeout", "10s", "-s",
         str(script), f"http://127.0.0.1:{port}"], capture_output=True, text=True, check=True)
    line = next(x for x in out.stdout.splitlines() if x.startswith("RESULT"))
    requests, seconds, p95, median, errors = line.split()[1:]
    return int(requests), float(seconds), float(p95), float(median), int(errors)


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


# (label, database, rate-limit store); the first row is the baseline of the ratios.
SETUPS = [
    ("SQLite, in-memory limits", "sqlite", "memory"),
    ("SQLite, Redis limits", "sqlite", "redis"),
    ("PostgreSQL, Redis limits", "postgresql", "redis"),
]


def warm_workers(port: int) -> None:
    """Concurrent GETs, so that every worker has loaded the offers before the clock starts."""
    def get():
        """One form page."""
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        conn.request("GET", f"/verwijzen/{OFFER_ID}")
        conn.getresponse().read()
        conn.close()

    threads = [threading.Thread(target=get) for _ in range(WORKERS * 4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def form_load(port: int, root: Path) -> tuple[str, int, float, float, float, int]:
    """(client, requests, seconds, p95 ms, median ms, errors) of the form POST load."""
    if shutil.which("wrk"):
        return ("wrk", *wrk_load(port, root))
    seconds, latencies, errors = post_load(port)
    return ("Python threads (install wrk for a lighter client)", len(latencies), seconds,
            statistics.quantiles(latencies, n=100)[94] * 1000,
            statistics.median(latencies) * 1000, len(errors))


def drain_rate(app) -> tuple[int, float]:
    """(mails, seconds) to send the whole outbox once."""
    from referral_app.outbox import drain

    start = time.perf_counter()
    sent = 0
    while True:
        done, _failed = drain(app, limit=500)
        if not done:
            break
        sent += done
    return sent, time.perf_counter() - start


def run_setup(root: Path, database_url: str, limits_url: str, smtp_port: int) -> dict:
    """One row: start gunicorn on this database and limit store, load it, drain the outbox."""
    from referral_app import create_app
    from referral_app.db import get_engine, init_schema
    from tests.servers import gunicorn

    settings = {
        "SECRET_KEY": "bench", "DATABASE_URL": database_url,
        "RATELIMIT_STORAGE_URI": limits_url,
        "OFFERS_DIR": str(root / "offers"), "SMTP_HOST": "127.0.0.1", "SMTP_PORT": smtp_port,
        "SMTP_STARTTLS": "off", "RATE_LIMIT_CLIENT": "1000000 per minute",
        "RATE_LIMIT_OFFER": "1000000 per minute",
    }
    app = create_app(settings)
    init_schema(get_engine(app))  # before the workers start (SQLite does this on create_app)
    server = gunicorn({f"BEWEEGKAART_{k}": v for k, v in settings.items()}, workers=WORKERS,
                      args=("-k", WORKER_CLASS, "--threads", str(THREADS), "--log-level",
                            "warning"))
    try:
        server.start()
        wait_for(server)
        warm_workers(server.port)
        client, total, seconds, p95, median, errors = form_load(server.port, root)
    finally:
        server.close()
    sent, drain_s = drain_rate(app)
    get_engine(app).dispose()
    return {"client": client, "rate": total / seconds, "p95": p95, "median": median,
            "requests": total, "errors": errors, "sent": sent, "mail_rate": sent / drain_s}


def main(workdir: Path) -> str:
    """Run every setup in turn and return one Markdown table with ratios to the first."""
    from aiosmtpd.controller import Controller

    from tests.servers import PostgresServer, RedisServer

    root = workdir / "referral"
    shutil.rmtree(root, ignore_errors=True)
    write_offer(root / "offers")
    sink = Sink()
    smtp = Controller(sink, hostname="127.0.0.1", port=free_port())
    smtp.start()
    # PostgreSQL as installed: fsync and full page writes on (the tests turn them off).
    postgres = PostgresServer({"fsync": "on", "full_page_writes": "on"})
    redis = RedisServer()
    rows = []
    try:
        postgres.start()
        redis.start()
        for number, (label, database, limits) in enumerate(SETUPS):
            database_url = (f"sqlite:///{root / f'bench-{number}.sqlite'}" if database == "sqlite"
                            else postgres.create_database(f"bench_{number}"))
            redis.flush()
            result = run_setup(root, database_url, redis.url if limits == "redis" else
                               "memory://", smtp.port)
            rows.append((label, result))
            print(f"  {label}: {result['rate']:.0f} req/s, {result['mail_rate']:.0f} mails/s",
                  file=sys.stderr, flush=True)
    finally:
        postgres.close()
        redis.close()
        smtp.stop()
    base = rows[0][1]
    lines = [f"Form POSTs: {CLIENTS} clients via {rows[0][1]['client']} for {WRK_SECONDS} s; "
             f"gunicorn {WORKERS} {WORKER_CLASS} worker(s) x {THREADS} thread(s). Outbox: "
             f"one process draining into a local aiosmtpd. SQLite: WAL, synchronous=NORMAL; "
             f"PostgreSQL {postgres.bindir.parent.name}: installed defaults (fsync on).", "",
             "| setup | form POST | ratio | p95 / median | requests, errors | outbox drain "
             "| ratio |", "|---|---|---|---|---|---|---|"]
    for label, r in rows:
        lines.append(f"| {label} | {r['rate']:.0f} req/s | {r['rate'] / base['rate']:.2f}x | "
                     f"{r['p95']:.1f} / {r['median']:.1f} ms | {r['requests']}, {r['errors']} "
                     f"| {r['mail_rate']:.0f} mails/s ({r['sent']}) | "
                     f"{r['mail_rate'] / base['mail_rate']:.2f}x |")
    lines.append(f"\n{sink.count} mails received in all.")
    return "\n".join(lines)


if __name__ == "__main__":
    print(main(Path(".bench")))
