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
# Measured on the 2-core machine: 2 sync workers beat 1-2 gthread workers (one GIL each).
WORKERS = int(os.environ.get("BENCH_WORKERS", 2))
THREADS = int(os.environ.get("BENCH_THREADS", 1))
WORKER_CLASS = "sync" if THREADS == 1 else "gthread"
WRK_SECONDS = 10
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
        [shutil.which("wrk"), "-t", "2", "-c", str(CLIENTS), "-d", f"{WRK_SECONDS}s", "-s",
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
        [str(gunicorn), "-w", str(WORKERS), "-k", WORKER_CLASS, "--threads", str(THREADS),
         "-b", f"127.0.0.1:{port}", "--log-level", "warning", "referral_app:create_app()"],
        env=env, stderr=subprocess.DEVNULL)
    try:
        wait_for(port)
        if shutil.which("wrk"):
            client = "wrk"
            total, seconds, p95, median, error_count = wrk_load(port, root)
        else:
            client = "Python threads (install wrk for a lighter client)"
            seconds, latencies, errors = post_load(port)
            total, error_count = len(latencies), len(errors)
            p95 = statistics.quantiles(latencies, n=100)[94] * 1000
            median = statistics.median(latencies) * 1000
    finally:
        server.terminate()
        server.wait(timeout=30)
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
        [f"form POST ({CLIENTS} clients via {client}; gunicorn {WORKERS} {WORKER_CLASS} "
         f"worker(s) x {THREADS} thread(s), SQLite)", f"{total / seconds:.0f} req/s",
         f"p95 {p95:.1f} ms, median {median:.1f} ms",
         f"{total} requests, {error_count} errors; target >= 200 req/s, p95 < 50 ms"],
        ["outbox drain into local aiosmtpd", f"{sent / drain_s:.0f} mails/s",
         f"{sent} mails in {drain_s:.1f} s", f"{sink.count} received"],
    ]
    lines = ["| measurement | rate | latency / time | notes |", "|---|---|---|---|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


if __name__ == "__main__":
    print(main(Path(".bench")))
