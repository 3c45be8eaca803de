"""Fixtures shared by every test folder: one headless Chromium and the real servers (PostgreSQL,
Redis) for the whole session."""

from pathlib import Path

import pytest

from tests.browser import CHROMIUM, CHROMIUM_ARGS
from tests.servers import MissingServer, PostgresServer, RedisServer


@pytest.fixture(scope="session")
def browser():
    """Debian's headless Chromium through Playwright (one per session: one sync Playwright)."""
    playwright_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip("chromium not installed")
    with playwright_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def started(server_class, *args):
    """A started server, or a clear test failure when its program is missing."""
    try:
        server = server_class(*args)
    except MissingServer as exc:
        pytest.fail(str(exc), pytrace=False)
    try:
        server.start()
    except BaseException:
        server.close()
        raise
    return server


@pytest.fixture(scope="session")
def postgres_server():
    """A PostgreSQL server of its own for the session (stop/start/restart it in fault tests)."""
    server = started(PostgresServer)
    yield server
    server.close()


@pytest.fixture(scope="session")
def postgres_url(postgres_server) -> str:
    """SQLAlchemy URL of the session's database `beweegkaart` (shared by the session)."""
    return postgres_server.url()


@pytest.fixture
def fresh_postgres_url(postgres_server):
    """SQLAlchemy URL of a new, empty database for one test (dropped afterwards)."""
    url = postgres_server.create_database()
    yield url
    if postgres_server.running():
        postgres_server.drop_database(url.rsplit("/", 1)[1])


@pytest.fixture(scope="session")
def redis_server():
    """A Redis server of its own for the session (stop/start it in fault tests)."""
    server = started(RedisServer)
    yield server
    server.close()


@pytest.fixture
def redis_url(redis_server) -> str:
    """Address of the session's Redis, emptied before each test (e.g. rate-limit counters)."""
    if redis_server.process is None:  # a fault test left it stopped
        redis_server.start()
    redis_server.flush()
    return redis_server.url
