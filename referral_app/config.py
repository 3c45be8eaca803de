"""Settings of the referral app: safe local defaults, overridden by BEWEEGKAART_* variables."""

import logging
import re
import sys
from pathlib import Path

# Every setting with its default and a one-line description; the README table is
# settings_table() (a test compares them).
DEFAULTS = {
    "SMTP_HOST": ("localhost", "SMTP server that sends the mails."),
    "SMTP_PORT": (25, "Port of the SMTP server."),
    "SMTP_USERNAME": ("", "SMTP login name; empty means no login."),
    "SMTP_PASSWORD": ("", "SMTP password."),
    "SMTP_STARTTLS": ("auto", "auto: STARTTLS when the server offers it; required: refuse to "
                              "send without it; off: never."),
    "SMTP_TIMEOUT": (10.0, "Seconds before an SMTP connection or command gives up."),
    "MAIL_FROM": ("Beweegkaart <noreply@localhost>", "Sender address of every mail."),
    "MAIL_REPLY_TO": ("", "Address that reads replies to the resident's confirmation (e.g. the "
                          "curator's); empty: the mail asks for no reply."),
    "MAIL_DETAILS_IN_BODY": (False, "Put the referral details in the provider's mail instead "
                                    "of behind the link. Only for a secure-mail relay."),
    "DATABASE_URL": (None, "Any SQLAlchemy URL; default a SQLite file in the instance folder."),
    "OFFERS_DIR": ("offers", "Folder with the offer YAML files, read at start-up."),
    "SECRET_KEY": (None, "Signs sessions, CSRF tokens and mail links. Required in production: "
                         "32 characters or more."),
    "PRODUCTION": (False, "Set to true in production: refuses to start without a long SECRET_KEY."),
    "PUBLIC_URL": ("http://localhost:5000", "Public address of this app, for links in mails."),
    "SITE_URL": ("/", "Address of the static site, for 'back to the map' links."),
    "RATELIMIT_STORAGE_URI": ("memory://", "Flask-Limiter storage. memory:// counts in each "
                                           "worker: use redis://host:6379 with several workers "
                                           "or machines (production refuses memory:// with "
                                           "several gunicorn workers)."),
    "RATE_LIMIT_CLIENT": ("20 per hour", "Form submissions per client address."),
    "RATE_LIMIT_OFFER": ("100 per hour", "Form submissions per offer."),
    "RATE_LIMIT_STATUS": ("10 per hour", "Status changes per provider link (each can mail the "
                                         "referrer)."),
    "RETENTION_DAYS": (90, "Days after the last status change before personal data is purged."),
    "TOKEN_DAYS": (30, "Days a provider's link stays valid."),
    "COACH_TOKEN_DAYS": (400, "Days a coach's link stays valid (the route takes months)."),
    "COACHES_DIR": ("coaches", "Folder with the coach YAML files, read at start-up."),
    "FOLLOW_UP_MONTHS": ("3,6", "Months after joining when the provider or coach is asked "
                                "whether the participant still takes part."),
    "FOLLOW_UP_REMINDER_DAYS": (14, "Days before an unanswered follow-up is asked once more."),
    "FOLLOW_UP_TRIES": (2, "Mails per follow-up question (the first and the reminders)."),
    "FOLLOW_UP_TOKEN_DAYS": (30, "Days a follow-up link stays valid."),
    "OVERVIEW_LINK_MINUTES": (30, "Minutes a 'mijn verwijzingen' link stays valid."),
    "OVERVIEW_MONTHS": (12, "Months of referrals shown in 'mijn verwijzingen'."),
    "RATE_LIMIT_OVERVIEW": ("5 per hour", "Requests for a 'mijn verwijzingen' link per client "
                                          "address and per e-mail address."),
    "OUTBOX_MAX_ATTEMPTS": (40, "Delivery attempts before a mail is marked failed."),
    "OUTBOX_BACKOFF_SECONDS": (30.0, "First retry delay; it doubles per attempt."),
    "OUTBOX_BACKOFF_MAX_SECONDS": (3600.0, "Longest retry delay."),
    "OUTBOX_INTERVAL_SECONDS": (5.0, "Pause of the send-outbox loop between rounds."),
    "OUTBOX_BATCH_SIZE": (100, "Mails one worker claims at a time."),
    "OUTBOX_LEASE_SECONDS": (300.0, "How long a worker owns the mails it claimed. It sends a "
                                    "claimed mail only while 8 x SMTP_TIMEOUT of the lease is "
                                    "left, and hands the rest back."),
    "MAX_CONTENT_LENGTH": (16 * 1024, "Largest request body in bytes."),
    "TRUSTED_PROXIES": (0, "Number of reverse proxies in front of the app whose "
                           "X-Forwarded-For and X-Forwarded-Proto are believed (client address, "
                           "HTTPS); X-Forwarded-Host and -Prefix are ignored."),
}

DEV_SECRET_KEY = "dev-only-not-secret"  # noqa: S105 (a known value, refused in production)
MIN_SECRET_KEY_LENGTH = 32  # longer than every published value (example, development key)
STARTTLS_MODES = ("auto", "required", "off")


def settings_table() -> str:
    """The README's table of settings, in Markdown."""
    def shown(value) -> str:
        """A default as the README shows it."""
        if value is None:
            return "(see meaning)"
        return "(empty)" if value == "" else f"`{value}`"

    rows = [f"| `BEWEEGKAART_{key}` | {shown(value)} | {doc} |"
            for key, (value, doc) in DEFAULTS.items()]
    return "\n".join(["| variable | default | meaning |", "| --- | --- | --- |", *rows])


def load_config(app, config: dict | None) -> None:
    """Fill app.config from defaults, then BEWEEGKAART_* variables, then `config`."""
    for key, (value, _doc) in DEFAULTS.items():
        if app.config.get(key) is None:  # Flask pre-sets some keys (e.g. MAX_CONTENT_LENGTH)
            app.config[key] = value
    app.config.from_prefixed_env("BEWEEGKAART")
    if config:
        app.config.update(config)
    if not app.config["DATABASE_URL"]:
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
        app.config["DATABASE_URL"] = f"sqlite:///{Path(app.instance_path) / 'referrals.sqlite'}"
    check_config(app)


def check_config(app) -> None:
    """Refuse unsafe or impossible settings, showing the bad value."""
    mode = str(app.config["SMTP_STARTTLS"]).lower()
    if mode not in STARTTLS_MODES:
        raise ValueError(f"BEWEEGKAART_SMTP_STARTTLS: expected one of {list(STARTTLS_MODES)}, "
                         f"got {mode!r}")
    app.config["SMTP_STARTTLS"] = mode
    check_secret_key(app)
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = DEV_SECRET_KEY
        logging.getLogger("referral_app").warning(
            "BEWEEGKAART_SECRET_KEY is not set: using an insecure development key. "
            "Never run like this in production.")
    for key in ("RETENTION_DAYS", "TOKEN_DAYS", "MAX_CONTENT_LENGTH", "SMTP_PORT",
                "OUTBOX_BATCH_SIZE", "COACH_TOKEN_DAYS", "FOLLOW_UP_REMINDER_DAYS",
                "FOLLOW_UP_TRIES", "FOLLOW_UP_TOKEN_DAYS", "OVERVIEW_LINK_MINUTES",
                "OVERVIEW_MONTHS"):
        if not isinstance(app.config[key], int) or app.config[key] <= 0:
            raise ValueError(f"BEWEEGKAART_{key}: expected a positive whole number, "
                             f"got {app.config[key]!r}")
    months = str(app.config["FOLLOW_UP_MONTHS"])
    if not re.fullmatch(r"\s*[1-9]\d*(\s*,\s*[1-9]\d*)*\s*", months):
        raise ValueError("BEWEEGKAART_FOLLOW_UP_MONTHS: expected whole months separated by "
                         f"commas, such as 3,6, got {months!r}")
    app.config["FOLLOW_UP_MONTHS"] = ",".join(str(int(m)) for m in months.split(","))
    app.config["PUBLIC_URL"] = str(app.config["PUBLIC_URL"]).rstrip("/")
    check_shared_limits(app)
    lease, timeout = float(app.config["OUTBOX_LEASE_SECONDS"]), float(app.config["SMTP_TIMEOUT"])
    if lease <= 8 * timeout:
        raise ValueError(f"BEWEEGKAART_OUTBOX_LEASE_SECONDS: must be more than 8 x SMTP_TIMEOUT "
                         f"({8 * timeout:g}) so a claimed mail can be sent in time, got {lease:g}")


def check_secret_key(app) -> None:
    """In production the secret key signs sessions and provider links: refuse a missing,
    short or published one (the example file's `change-me`, the development key)."""
    if not app.config["PRODUCTION"]:
        return
    key = str(app.config["SECRET_KEY"] or "")
    if not key:
        raise ValueError("BEWEEGKAART_SECRET_KEY must be set in production")
    if len(key) < MIN_SECRET_KEY_LENGTH:
        raise ValueError(
            f"BEWEEGKAART_SECRET_KEY: expected a long random value (at least "
            f"{MIN_SECRET_KEY_LENGTH} characters, not the example's), got one of {len(key)} "
            f"characters. Make one with: python3 -c 'import secrets; "
            f"print(secrets.token_urlsafe(48))'")


def gunicorn_workers() -> int | None:
    """The number of gunicorn workers when this process is one of them, else None."""
    if "gunicorn.arbiter" not in sys.modules:
        return None
    from gunicorn.app.wsgiapp import WSGIApplication

    try:  # gunicorn's own parser, over the same command line, environment and config file
        return int(WSGIApplication().cfg.workers)
    except (Exception, SystemExit):  # noqa: BLE001 (unknown: do not guess)
        return None


def check_shared_limits(app) -> None:
    """In production, per-worker (memory://) rate limits with several gunicorn workers would
    multiply every limit by the number of workers: refuse to start."""
    uri = str(app.config["RATELIMIT_STORAGE_URI"])
    if not app.config["PRODUCTION"] or not uri.startswith("memory://"):
        return
    workers = gunicorn_workers()
    if workers and workers > 1:
        raise ValueError(
            f"BEWEEGKAART_RATELIMIT_STORAGE_URI is {uri!r}, which counts in each worker: with "
            f"{workers} workers every rate limit would be {workers} times as high. Point it at "
            f"a shared store (redis://host:6379) or run one worker.")
