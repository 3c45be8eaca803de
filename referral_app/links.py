"""The row behind a link in a mail (provider, coach, follow-up, overview), or a Dutch page."""

from flask import abort, current_app, make_response, render_template
from sqlalchemy import select

from . import clock
from .db import get_engine
from .tokens import token_hash


def unavailable(template: str, status: int, **context):
    """Stop the request with a Dutch page."""
    abort(make_response(render_template(template, site_url=current_app.config["SITE_URL"],
                                        **context), status))


def live_row(table, token: str, expires: str, accept=lambda row: True):
    """The row of `table` whose token hash matches and that `accept`s, else a 404 (unknown)
    page; a 410 (it cannot be used again) once its `expires` column has passed."""
    row = None
    if 20 <= len(token) <= 100:  # no token of ours has another length: skip the database
        with get_engine().connect() as conn:
            row = conn.execute(select(table).where(
                table.c.token_hash == token_hash(token))).first()
    if row is None or not accept(row):
        unavailable("link_unavailable.html", 404, problem="unknown")
    if getattr(row, expires) <= clock.now():
        unavailable("link_unavailable.html", 410, problem="expired")
    return row
