"""A scripted mutation check of the referral tests: small wrong changes, and whether a test sees.

    .venv/bin/python -m tests.referral.mutants                 # the tests of this checkout
    .venv/bin/python -m tests.referral.mutants --tests 236f79f # the same mutants, older tests

Each mutant is applied to a copy of the repository (a detached git worktree of HEAD, so the
working folder is never touched), then the tests that could catch it run there (SQLite only,
to keep it short). Killed: a test failed (or hung). Prints a table and the kill ratio.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUTBOX = ["tests/referral/test_outbox.py", "tests/referral/test_delivery.py"]
NO_BACKLOG = "not postgresql and not backlog"
SECURITY = ["tests/referral/test_security.py", "tests/referral/test_https.py",
            "tests/referral/test_logs.py"]
RETENTION = ["tests/referral/test_retention.py", "tests/referral/test_delivery.py"]
ALL = ["tests/referral"]

NAMED = 10  # the first ten: the mutants issue 9 names (the "kwartaal" and postcode ones are
#            three: the validator and the published schema each have the postcode pattern)
# (name, file, original text, mutated text, tests, -k expression)
MUTANTS = [
    # The seven of the issue, in today's code.
    ("lease check removed from the claim", "referral_app/outbox.py",
     "& \\\n        or_(outbox.c.locked_until.is_(None), outbox.c.locked_until < now)", "",
     OUTBOX, "not postgresql"),
    ("never give up after the maximum attempts", "referral_app/outbox.py",
     'give_up = attempts >= int(config["OUTBOX_MAX_ATTEMPTS"])', "give_up = False",
     OUTBOX, NO_BACKLOG),
    ("UNSAFE_HEADER never matches", "referral_app/mail.py",
     r'UNSAFE_HEADER = re.compile(r"[\r\n\x00\x0b\x0c\x1c-\x1e\x85\u2028\u2029]|=\?.*\?="'
     ', re.DOTALL)', 'UNSAFE_HEADER = re.compile(r"(?!)")',
     SECURITY + ["tests/referral/test_mail.py"], "not postgresql"),
    ("token expiry ignores TOKEN_DAYS", "referral_app/store.py",
     "token_expires_at=now + dt.timedelta(days=days)",
     "token_expires_at=now + dt.timedelta(days=30)", ALL, "not postgresql and not backlog"),
    ("forget() keeps the outbox rows", "referral_app/store.py",
     "    conn.execute(delete(outbox).where(outbox.c.referral_id.in_(ids)))\n", "",
     RETENTION, "not postgresql"),
    ("purge cut-off at ten times the retention", "referral_app/store.py",
     "cutoff = now - dt.timedelta(days=retention_days)",
     "cutoff = now - dt.timedelta(days=retention_days * 10)", RETENTION, "not postgresql"),
    ("token redaction disabled", "referral_app/security.py",
     'return TOKEN_IN_PATH.sub(r"\\1…", text)', "return text", SECURITY, "not postgresql"),
    ("wrong kwartaal factor in the monthly cost", "generator/catalogue/vocab.py",
     '"kwartaal": 1 / 3', '"kwartaal": 1 / 4', ["tests/catalogue", "tests/site/test_units.py"],
     ""),
    ("postcode may start with 0", "generator/catalogue/schema.py",
     r'match = re.fullmatch(r"([1-9]\d{3})\s*([A-Z]{2})", text)',
     r'match = re.fullmatch(r"(\d{4})\s*([A-Z]{2})", text)', ["tests/catalogue"], ""),
    ("postcode pattern in the published schema may start with 0", "generator/catalogue/schema.py",
     r'"pattern": r"^[1-9][0-9]{3} ?[A-Za-z]{2}$"', r'"pattern": r"^[0-9]{4} ?[A-Za-z]{2}$"',
     ["tests/catalogue"], ""),
    # The outbox with several workers.
    ("claim's UPDATE does not recheck the lease", "referral_app/outbox.py",
     ".where(outbox.c.id.in_(ids), claimable(now))", ".where(outbox.c.id.in_(ids))",
     OUTBOX, "not postgresql"),
    ("marking sent/retried ignores whose lease it is", "referral_app/outbox.py",
     "(outbox.c.lease_id == lease.id) & \\\n        (outbox.c.state == \"pending\")",
     "(outbox.c.id > 0)", OUTBOX, NO_BACKLOG),
    ("a batch is sent even when the lease runs out", "referral_app/outbox.py",
     "if clock() + dt.timedelta(seconds=send_seconds(config)) > lease.until:", "if False:",
     OUTBOX, "not postgresql"),
    ("batch size ignored (claim everything)", "referral_app/outbox.py",
     'int(limit or config["OUTBOX_BATCH_SIZE"])', "10_000", OUTBOX, "not postgresql"),
    ("no backoff doubling", "referral_app/outbox.py", "base * 2 ** (attempts - 1)",
     "base * attempts", OUTBOX, NO_BACKLOG),
    ("no backoff ceiling", "referral_app/outbox.py",
     'return min(base * 2 ** (attempts - 1), float(config["OUTBOX_BACKOFF_MAX_SECONDS"]))',
     "return base * 2 ** (attempts - 1)", OUTBOX, NO_BACKLOG),
    ("unsent mails of a cut batch are not handed back", "referral_app/outbox.py",
     "                         .values(locked_until=None, lease_id=None))",
     "                         .values(lease_id=lease.id))", OUTBOX, NO_BACKLOG),
    ("keep trying every mail while SMTP is down", "referral_app/outbox.py",
     "                retry(engine, row, lease, exc, config, clock())\n                break",
     "                retry(engine, row, lease, exc, config, clock())", OUTBOX, NO_BACKLOG),
    ("link seed kept after sending", "referral_app/outbox.py",
     "lease_id=None, last_error=None, token_seed=None))", "lease_id=None, last_error=None))",
     OUTBOX, NO_BACKLOG),
    ("--once sends one batch only", "referral_app/outbox.py",
     "        if not sent:  # nothing due", "        if True:  # nothing due", OUTBOX,
     "not postgresql"),
    # Tokens and provider links.
    ("link token ignores the secret key", "referral_app/tokens.py",
     "digest = hmac.new(str(secret_key).encode()", 'digest = hmac.new(b"key"', ALL,
     NO_BACKLOG),
    ("every link gets the same seed", "referral_app/tokens.py", "return secrets.token_hex(32)",
     'return "0" * 64', ALL, NO_BACKLOG),
    ("expired links still open", "referral_app/provider.py",
     "if row.token_expires_at < utcnow():", "if False:", ALL, NO_BACKLOG),
    ("details in the provider's mail without the setting", "referral_app/outbox.py",
     'details = referral._mapping if app.config["MAIL_DETAILS_IN_BODY"] else None',
     "details = referral._mapping", ALL, NO_BACKLOG),
    ("status mail without feedback consent", "referral_app/store.py",
     "if row.feedback_consent and row.referrer_email:", "if row.referrer_email:", ALL,
     NO_BACKLOG),
    # Retention.
    ("forget() keeps the provider's notes", "referral_app/store.py",
     "    conn.execute(update(status_events).where(status_events.c.referral_id.in_(ids))\n"
     "                 .values(note=None))\n", "", RETENTION, "not postgresql"),
    ("purge keeps sent mails forever", "referral_app/store.py",
     '        conn.execute(delete(outbox).where(outbox.c.state == "sent",',
     '        conn.execute(delete(outbox).where(outbox.c.state == "never",', RETENTION,
     "not postgresql"),
    # HTTPS, cookies, proxies, limits.
    ("no Origin/Referer check on HTTPS", "referral_app/security.py", "    if sent != own:",
     "    if False:", SECURITY, "not postgresql"),
    ("Referrer-Policy back to no-referrer", "referral_app/security.py",
     '"Referrer-Policy": "same-origin"', '"Referrer-Policy": "no-referrer"', SECURITY,
     "not postgresql"),
    ("session cookie not Secure over HTTPS", "referral_app/security.py",
     'return bool(app.config["SESSION_COOKIE_SECURE"]) or request.is_secure',
     'return bool(app.config["SESSION_COOKIE_SECURE"])', SECURITY, "not postgresql"),
    ("no SameSite on the session cookie", "referral_app/security.py",
     'app.config["SESSION_COOKIE_SAMESITE"] = "Lax"',
     'app.config["SESSION_COOKIE_SAMESITE"] = None', SECURITY, "not postgresql"),
    ("ProxyFix trusts X-Forwarded-Host", "referral_app/__init__.py", "x_host=0", "x_host=n",
     SECURITY, "not postgresql"),
    ("ProxyFix trusts X-Forwarded-Prefix", "referral_app/__init__.py", "x_prefix=0",
     "x_prefix=n", SECURITY, "not postgresql"),
    ("no limit on status changes", "referral_app/provider.py",
     "@limiter.limit(status_limit, key_func=link_key)\n", "", SECURITY, "not postgresql"),
    ("one status limit for all links", "referral_app/security.py",
     'return "link:" + hashlib.sha256(token.encode()).hexdigest()[:32]', 'return "link"',
     SECURITY, "not postgresql"),
    ("no client limit on forms", "referral_app/submit.py",
     '@bp.route("/verwijzen/<path:offer_id>", methods=["GET", "POST"])\n'
     '@limiter.limit(client_limit, methods=["POST"])\n',
     '@bp.route("/verwijzen/<path:offer_id>", methods=["GET", "POST"])\n', SECURITY,
     "not postgresql"),
    ("memory:// allowed with several workers in production", "referral_app/config.py",
     "    if workers and workers > 1:", "    if False:", SECURITY, "not postgresql"),
    ("honeypot ignored", "referral_app/submit.py", "if form.website.data:", "if False:", ALL,
     NO_BACKLOG),
    # (Dropping the first "if found: return found" in store.create is no mutant: the unique
    # submission key makes the insert fail and the except branch returns the first reference.)
    ("a double submit makes two referrals", "referral_app/submit.py",
     "reference = store.create(kind, offer, data, key[:64])",
     "reference = store.create(kind, offer, data, key[:32] + str(id(data)))", ALL, NO_BACKLOG),
]


# The tests this work added or changed: with --tests REF they are taken from REF (or removed).
OWN_TESTS = ["tests/referral", "tests/catalogue/test_cost_and_postcode.py"]


def worktree(tests_from: str | None) -> Path:
    """A detached worktree of HEAD in a temporary folder (OWN_TESTS from another ref)."""
    folder = Path(tempfile.mkdtemp(prefix="beweegkaart-mutants-")) / "repo"
    subprocess.run(["git", "-C", ROOT, "worktree", "add", "--detach", folder, "HEAD"],
                   check=True, capture_output=True)
    for path in OWN_TESTS if tests_from else []:
        target = folder / path
        shutil.rmtree(target) if target.is_dir() else target.unlink(missing_ok=True)
        archive = subprocess.run(["git", "-C", ROOT, "archive", tests_from, path],
                                 capture_output=True).stdout
        if archive:
            subprocess.run(["tar", "-x", "-C", folder], input=archive, check=True)
    return folder


def pytest(folder: Path, tests: list[str], k: str, extra: tuple = (), timeout: float = 600):
    """Run the tests in the copy; returns (exit code or 'timeout', output)."""
    tests = [t for t in tests if (folder / t).exists()]
    if not tests:
        return 5, "no such tests"
    env = {**os.environ, "PYTHONPATH": str(folder)}  # subprocesses import the mutated copy
    command = [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider",
               "-p", "no:randomly", *tests, *(("-k", k) if k else ()), *extra]
    try:
        result = subprocess.run(command, cwd=folder, env=env, capture_output=True, text=True,
                                timeout=timeout)
    except subprocess.TimeoutExpired:
        return "timeout", ""
    return result.returncode, result.stdout + result.stderr


def baseline_failures(folder: Path, tests: list[str], k: str) -> list[str]:
    """Tests that already fail without a mutant (main's tests on today's code): deselected."""
    code, output = pytest(folder, tests, k, ("-rf", "--maxfail=1000"))
    return re.findall(r"^FAILED (\S+)", output, re.M) + re.findall(r"^ERROR (\S+)", output, re.M)


def main() -> int:
    """Apply each mutant in turn; print the table and the kill ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tests", help="take tests/ from this git ref (e.g. main)")
    parser.add_argument("--only", help="run the mutants whose name contains this text")
    parser.add_argument("--named", action="store_true",
                        help="only the mutants named in issue 9 (the first ten)")
    args = parser.parse_args()
    folder = worktree(args.tests)
    rows, killed = [], 0
    selected = [m for m in MUTANTS[:NAMED if args.named else None]
                if not args.only or args.only in m[0]]
    known_bad: dict[tuple, list[str]] = {}
    try:
        for name, path, old, new, tests, k in selected:
            target = folder / path
            text = target.read_text(encoding="utf-8")
            if text.count(old) != 1:
                raise SystemExit(f"mutant {name!r}: expected the text once in {path}, "
                                 f"found it {text.count(old)} times")
            key = (tuple(tests), k)
            if args.tests and key not in known_bad:
                known_bad[key] = baseline_failures(folder, tests, k)
            deselect = [f"--deselect={node}" for node in known_bad.get(key, [])]
            start = time.monotonic()
            target.write_text(text.replace(old, new), encoding="utf-8")
            try:
                code, output = pytest(folder, tests, k, tuple(deselect))
            finally:
                target.write_text(text, encoding="utf-8")
            dead = code not in (0, 5)
            killed += dead
            failed = re.search(r"^FAILED (\S+)", output, re.M)
            why = "hang" if code == "timeout" else failed.group(1) if failed else f"exit {code}"
            rows.append(f"| {name} | {'killed' if dead else 'SURVIVED'} | "
                        f"{why if dead else ''} | {time.monotonic() - start:.0f} s |")
            print(rows[-1], flush=True)
    finally:
        subprocess.run(["git", "-C", ROOT, "worktree", "remove", "--force", folder],
                       capture_output=True)
        shutil.rmtree(folder.parent, ignore_errors=True)
    print("\n| mutant | result | first failing test | time |\n| --- | --- | --- | --- |")
    print("\n".join(rows))
    print(f"\nkilled {killed} of {len(selected)} ({100 * killed / len(selected):.0f}%)"
          f"{' with the tests of ' + args.tests if args.tests else ''}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
