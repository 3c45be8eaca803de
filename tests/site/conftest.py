"""Fixtures for the site tests: the example site built once, served over HTTP, and Chromium."""

import contextlib
import datetime as dt
import functools
import http.server
import shutil
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from generator.pipeline import build_site
from tests.browser import TILE_HOST

ROOT = Path(__file__).resolve().parents[2]
TODAY = dt.date(2026, 11, 22)
GOLDEN = ROOT / "tests" / "golden" / "offers"  # the tiny catalogue of the golden-output test


@pytest.fixture(scope="session")
def site_dir(tmp_path_factory) -> Path:
    """The example catalogue (offers/) built once per test session."""
    out = tmp_path_factory.mktemp("site") / "site"
    build_site(ROOT / "offers", out, ROOT / "mkdocs.yml", today=TODAY)
    return out


@pytest.fixture
def project(tmp_path):
    """A copy of the tiny catalogue, built once; (offers, site, cache, first report)."""
    offers = tmp_path / "offers"
    shutil.copytree(GOLDEN, offers)
    site, cache = tmp_path / "site", tmp_path / "cache"
    report = build_site(offers, site, ROOT / "mkdocs.yml", today=TODAY, cache_dir=cache)
    return offers, site, cache, report


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    """A static file handler that does not log every request."""

    def log_message(self, *args):
        """Stay quiet."""


@contextlib.contextmanager
def served(folder: Path):
    """A folder served on a free loopback port (like any static host); yields its base URL."""
    handler = functools.partial(QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def site_url(site_dir) -> str:
    """The built site served on localhost."""
    with served(site_dir) as url:
        yield url


class Requests:
    """Requests a page made to other origins (tile requests are blocked and counted apart)."""

    def __init__(self):
        """Start empty."""
        self.foreign: list[str] = []
        self.tiles: list[str] = []


@pytest.fixture
def context_factory(browser, site_url):
    """New browser contexts that block tiles and record any request to another origin."""
    made = []
    own = urlsplit(site_url).netloc

    def make(**options):
        """A context (options as for browser.new_context) with request tracking."""
        context = browser.new_context(locale="nl-NL", **options)
        seen = Requests()

        def route(route):
            """Let own-origin requests through; block everything else."""
            url = route.request.url
            host = urlsplit(url).netloc
            if host == own or url.startswith(("data:", "blob:")):
                route.continue_()
                return
            (seen.tiles if host == TILE_HOST else seen.foreign).append(url)
            route.abort()

        context.route("**/*", route)
        context.bk_requests = seen
        made.append(context)
        return context

    yield make
    for context in made:
        context.close()


@pytest.fixture
def page(context_factory):
    """A desktop-sized page; the test fails if it requested another origin than tiles."""
    context = context_factory(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    assert context.bk_requests.foreign == [], "requests to other origins"
    assert errors == [], f"JavaScript errors: {errors}"
