"""Security around every request: rate limits, strict headers, no caching, quiet logs."""

import logging
import re

from flask import current_app, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

# Flask-Limiter's usual pattern: one extension object, bound to each app by init_app.
limiter = Limiter(key_func=get_remote_address)

CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
       "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'")
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Permissions-Policy": "geolocation=(), camera=(), microphone=(), payment=()",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}
TOKEN_IN_PATH = re.compile(r"(/verwijzing/)[A-Za-z0-9_-]+")


def client_limit() -> str:
    """Submissions per client address (configurable)."""
    return current_app.config["RATE_LIMIT_CLIENT"]


def offer_limit() -> str:
    """Submissions per offer (configurable)."""
    return current_app.config["RATE_LIMIT_OFFER"]


def offer_key() -> str:
    """Rate-limit key: the offer in the URL, whoever sends."""
    return "offer:" + str((request.view_args or {}).get("offer_id", ""))


def secure_headers(response):
    """Strict headers on every answer; pages other than static files are never cached."""
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    if request.endpoint != "static":
        response.headers["Cache-Control"] = "no-store"
    return response


class RedactTokens(logging.Filter):
    """Access logs show /verwijzing/… instead of the secret part of a provider link."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the message and its arguments."""
        if isinstance(record.msg, str):
            record.msg = TOKEN_IN_PATH.sub(r"\1…", record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(TOKEN_IN_PATH.sub(r"\1…", a) if isinstance(a, str) else a
                                for a in record.args)
        return True


def init_app(app) -> None:
    """Bind the limiter, the headers and the log filter to the app."""
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", False)
    limiter.init_app(app)
    app.after_request(secure_headers)
    for name in ("werkzeug", "gunicorn.access"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactTokens) for f in logger.filters):
            logger.addFilter(RedactTokens())
