"""Beweegkaart referral service: forwards referrals and sign-ups to providers by e-mail."""

import logging

from flask import Flask, render_template
from flask_wtf.csrf import CSRFError, CSRFProtect
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from . import (
    coach,
    commands,
    db,
    figures,
    followup,
    offers,
    outbox,
    overview,
    provider,
    security,
    submit,
    tables,  # noqa: F401  (declares the route tables on db.metadata before init_app)
)
from .config import load_config

ERROR_TITLES = {
    400: "Het formulier is verlopen of onvolledig",
    404: "Deze pagina bestaat niet",
    405: "Dit kan zo niet",
    410: "Deze pagina is niet meer geldig",
    413: "Het formulier is te groot",
    429: "Even wachten",
    500: "Er ging iets mis",
    503: "Even niet bereikbaar",
}
RETRY_AFTER_SECONDS = 30


def create_app(config: dict | None = None) -> Flask:
    """The one way to make the app: settings, database, offers, security, pages, commands."""
    app = Flask(__name__, instance_relative_config=True)
    load_config(app, config)
    if app.config["TRUSTED_PROXIES"]:
        n = int(app.config["TRUSTED_PROXIES"])
        # Only the client address and the scheme: a forwarded Host or Prefix would let a
        # request choose the origin the CSRF check compares with, and the links we build.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=0, x_prefix=0)
    app.logger.setLevel(logging.INFO)
    CSRFProtect(app)
    security.init_app(app)
    db.init_app(app)
    offers.init_app(app)
    coach.init_app(app)
    commands.init_app(app)
    app.cli.add_command(outbox.send_outbox_command)
    app.cli.add_command(followup.follow_ups_command)
    app.cli.add_command(figures.figures_command)
    app.register_blueprint(submit.bp)
    app.register_blueprint(provider.bp)
    for module in (coach, followup, overview, figures):
        app.register_blueprint(module.bp)
    register_errors(app)
    return app


def register_errors(app: Flask) -> None:
    """Dutch error pages that never echo the request (no personal data in error pages)."""

    @app.errorhandler(CSRFError)
    def csrf_error(_error):
        """A missing or expired CSRF token: ask to reload the form."""
        return render_template("error.html", code=400, title=ERROR_TITLES[400],
                               csrf=True), 400

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        """Any other HTTP error, in Dutch, without details."""
        if error.response is not None:  # a page we rendered ourselves (abort with a response)
            return error.response
        code = error.code or 500
        return render_template("error.html", code=code,
                               title=ERROR_TITLES.get(code, "Er ging iets mis")), code

    @app.errorhandler(DBAPIError)
    def database_error(error: DBAPIError):
        """The database is unreachable (restarting, network, locked): nothing was stored;
        the visitor may send the same form again (its submission key prevents a double)."""
        if not (isinstance(error, OperationalError | InterfaceError)
                or error.connection_invalidated):
            return crash(error)
        # Only the type: a database error's text can quote row values (personal data).
        logging.getLogger("referral_app").error("database unavailable: %s",
                                                type(error.orig).__name__)
        page = render_template("error.html", code=503, title=ERROR_TITLES[503])
        return page, 503, {"Retry-After": str(RETRY_AFTER_SECONDS)}

    @app.errorhandler(Exception)
    def crash(error: Exception):
        """Unexpected errors: log the type and place only, show a plain page."""
        if isinstance(error, HTTPException):
            return http_error(error)
        tb = error.__traceback__
        while tb is not None and tb.tb_next is not None:
            tb = tb.tb_next
        where = f"{tb.tb_frame.f_code.co_filename}:{tb.tb_lineno}" if tb else "?"
        # The exception text can hold form values, so it is not logged.
        logging.getLogger("referral_app").error("unexpected %s at %s", type(error).__name__,
                                                where)
        return render_template("error.html", code=500, title=ERROR_TITLES[500]), 500
