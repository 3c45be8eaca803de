"""Provider tokens never reach a log: werkzeug's and gunicorn's access logs, real servers."""

import logging
import threading
import urllib.error
import urllib.request

import pytest
from werkzeug.serving import make_server

from referral_app import create_app
from tests.servers import gunicorn

from .conftest import WALKING, free_port

pytestmark = pytest.mark.one_database  # about logs and processes, not the database

TOKEN = "Zk3vQm9TtXw2b7LpR4sYc8NnHq6JdUe1FgAoVi5Kr0E"


def fetch(url: str, **headers) -> int:
    """GET a URL; returns the status code."""
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 (loopback)
    try:
        # Long: gunicorn listens before its workers have loaded the app (slow on a busy machine).
        with urllib.request.urlopen(request, timeout=90) as answer:  # noqa: S310
            return answer.status
    except urllib.error.HTTPError as error:
        return error.code


def visit_links(base: str) -> None:
    """A provider opening a link, with the link also in the Referer (as browsers send it)."""
    referer = f"https://beweegkaart.example.org/verwijzing/{TOKEN}"
    assert fetch(f"{base}/verwijzing/{TOKEN}", Referer=referer) == 404
    assert fetch(f"{base}/verwijzing/{TOKEN}/status") == 405


def test_token_not_in_werkzeug_log(settings, caplog):
    caplog.set_level(logging.INFO, logger="werkzeug")
    app = create_app(settings)
    server = make_server("127.0.0.1", free_port(), app)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        visit_links(f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
        thread.join()
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name == "werkzeug")
    assert "/verwijzing/…" in logged  # the requests were logged
    assert TOKEN not in logged


@pytest.fixture
def gunicorn_env(settings) -> dict:
    """Settings of the test app as BEWEEGKAART_* variables for a gunicorn process."""
    return {f"BEWEEGKAART_{k}": v for k, v in settings.items() if k != "TESTING"}


def test_token_not_in_gunicorn_access_log(gunicorn_env):
    # gunicorn hands its access-log atoms to logging as one dict, not a tuple.
    server = gunicorn(gunicorn_env, workers=1, args=(
        "--access-logformat", '%(h)s "%(r)s" %(s)s "%(f)s" %(U)s'))
    server.start()
    try:
        visit_links(f"http://127.0.0.1:{server.port}")
    finally:
        server.stop()
    logged = server.stdout.read_text()  # the access log
    server.close()
    assert logged.count("/verwijzing/…") >= 3, logged
    assert TOKEN not in logged


def production_env(gunicorn_env: dict, **extra) -> dict:
    """Production settings for a gunicorn process."""
    return {**gunicorn_env, "BEWEEGKAART_PRODUCTION": "true",
            "BEWEEGKAART_SECRET_KEY": "x" * 32, **extra}


def test_production_refuses_per_worker_limits_with_several_workers(gunicorn_env):
    # memory:// counts in each worker: with 3 workers every limit would be 3 times as high.
    server = gunicorn(production_env(gunicorn_env), workers=2)
    server.start()  # the master listens before its workers load the app
    try:
        assert server.process.wait(timeout=60) != 0  # no worker could boot: gunicorn stops
    finally:
        log = server.output()
        server.close()
    assert "BEWEEGKAART_RATELIMIT_STORAGE_URI" in log and "2 workers" in log


def test_production_with_one_worker_may_count_in_memory(gunicorn_env):
    server = gunicorn(production_env(gunicorn_env), workers=1)
    server.start()
    try:
        assert fetch(f"http://127.0.0.1:{server.port}/verwijzen/{WALKING}") == 200
    finally:
        server.close()


def test_production_with_several_workers_and_redis_starts(gunicorn_env, redis_url):
    server = gunicorn(production_env(
        gunicorn_env, BEWEEGKAART_RATELIMIT_STORAGE_URI=redis_url), workers=2)
    server.start()
    try:
        assert fetch(f"http://127.0.0.1:{server.port}/verwijzen/{WALKING}") == 200
    finally:
        server.close()
