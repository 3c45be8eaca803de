"""Security around every request: rate limits, strict headers, no caching, quiet logs."""

import hashlib
import logging
import re
from collections.abc import Mapping
from urllib.parse import urlsplit

from flask import current_app, request
from flask.sessions import SecureCookieSessionInterface
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFError

# Flask-Limiter's usual pattern: one extension object, bound to each app by init_app.
limiter = Limiter(key_func=get_remote_address)

CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
       "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'")
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    # same-origin: browsers send Origin (and Referer) to this app only, which the HTTPS CSRF check
    # needs; other sites still get nothing (no-referrer made browsers send "Origin: null").
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "geolocation=(), camera=(), microphone=(), payment=()",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}
# Every link with a secret: provider and coach (/verwijzing/), follow-up (/vervolg/) and the
# referrer's overview (/overzicht/).
TOKEN_IN_PATH = re.compile(r"(/(?:verwijzing|vervolg|overzicht)/)[A-Za-z0-9_-]+")


def client_limit() -> str:
    """Submissions per client address (configurable)."""
    return current_app.config["RATE_LIMIT_CLIENT"]


def offer_limit() -> str:
    """Submissions per offer (configurable)."""
    return current_app.config["RATE_LIMIT_OFFER"]


def status_limit() -> str:
    """Status changes per provider link (each one can mail the referrer)."""
    return current_app.config["RATE_LIMIT_STATUS"]


def link_key() -> str:
    """Rate-limit key: the provider link, hashed (the limit store never sees a token)."""
    token = str((request.view_args or {}).get("token", ""))
    return "link:" + hashlib.sha256(token.encode()).hexdigest()[:32]


def offer_key() -> str:
    """Rate-limit key: the offer in the URL, whoever sends."""
    return "offer:" + str((request.view_args or {}).get("offer_id", ""))


def origin_of(url: str) -> str:
    """scheme://host[:port] of a URL, lower case."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def check_same_origin() -> None:
    """HTTPS form posts must come from this origin: the Origin header when the browser sends
    one, else the Referer. Neither: refused (as strict as Flask-WTF's Referer-only check)."""
    if request.method in ("GET", "HEAD", "OPTIONS", "TRACE") or not request.is_secure:
        return
    own = f"{request.scheme}://{request.host}".lower()
    origin = request.headers.get("Origin", "")
    if origin and origin != "null":
        sent = origin.lower()
    else:
        sent = origin_of(request.referrer) if request.referrer else ""
    if sent != own:
        raise CSRFError("the request does not come from this site")


class SessionInterface(SecureCookieSessionInterface):
    """The session cookie is Secure whenever the request came over HTTPS."""

    def get_cookie_secure(self, app) -> bool:
        """Secure when configured, or when this request is HTTPS (directly or via the proxy)."""
        return bool(app.config["SESSION_COOKIE_SECURE"]) or request.is_secure


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
        """Rewrite the message and its arguments: a tuple (werkzeug), or one dict (gunicorn
        passes its access-log atoms as a mapping: request line, path, Referer, ...)."""
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.args, Mapping):
            # In place: gunicorn's mapping type answers unknown keys with "-".
            for key, value in list(record.args.items()):
                if isinstance(value, str):
                    record.args[key] = redact(value)
        return True


def redact(text: str) -> str:
    """Replace the token of every provider link in a text by an ellipsis."""
    return TOKEN_IN_PATH.sub(r"\1…", text)


def init_app(app) -> None:
    """Bind the limiter, the headers and the log filter to the app."""
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", False)
    # The shared store down (Redis): forms keep working, and each worker counts the same
    # limits in memory until the store answers again (checked after 1, 2, 4, ... s).
    app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    if str(app.config["RATELIMIT_STORAGE_URI"]).startswith(("redis", "rediss")):
        # Fail fast when it is down, instead of holding the visitor's request.
        app.config.setdefault("RATELIMIT_STORAGE_OPTIONS", {
            "socket_connect_timeout": 1, "socket_timeout": 1})
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.config["WTF_CSRF_SSL_STRICT"] = False  # replaced by check_same_origin (Origin or Referer)
    app.session_interface = SessionInterface()
    limiter.init_app(app)
    app.before_request(check_same_origin)
    app.after_request(secure_headers)
    for name in ("werkzeug", "gunicorn.access"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactTokens) for f in logger.filters):
            logger.addFilter(RedactTokens())
