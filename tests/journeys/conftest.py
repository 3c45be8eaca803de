"""Fixtures for the journeys: the real `beweegkaart demo` (site + app + local SMTP server) in a
subprocess, a browser context that records every request, axe-core and a screenshot per step."""

import contextlib
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from pathlib import Path
from urllib.parse import quote, quote_plus, unquote_plus, urlsplit

import pytest

from generator.pipeline import build_site
from tests.browser import TILE_HOST, axe_violations

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "journeys"
BEWEEGKAART = Path(sys.executable).with_name("beweegkaart")


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, process: subprocess.Popen, seconds: float = 60) -> None:
    """Block until the URL answers (any HTTP status), or fail if the process died."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if process.poll() is not None:
            raise AssertionError(f"the demo stopped with exit code {process.returncode}")
        try:
            urllib.request.urlopen(url, timeout=2).close()  # noqa: S310 (loopback)
            return
        except urllib.error.HTTPError:
            return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.2)
    raise AssertionError(f"{url} did not answer within {seconds} s")


@dataclass
class Demo:
    """A running `beweegkaart demo`: its address, folders and output."""

    base: str
    workdir: Path
    site_dir: Path
    offers_dir: Path
    log: Path
    process: subprocess.Popen

    @property
    def mails_dir(self) -> Path:
        """Where the demo's SMTP server stores every mail it receives."""
        return self.workdir / "instance" / "demo-mails"

    def mails(self) -> list:
        """Every stored mail, parsed, oldest first."""
        return [message_from_bytes(path.read_bytes(), policy=policy.default)
                for path in sorted(self.mails_dir.glob("*.eml"))]

    def wait_for_mail(self, to: str, containing: str = "", seconds: float = 20):
        """The first stored mail to `to` whose text contains `containing` (waits for it)."""
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            for mail in self.mails():
                if to in mail["To"] and containing in mail.get_body(("plain",)).get_content():
                    return mail
            time.sleep(0.2)
        raise AssertionError(f"no mail to {to} with {containing!r}; log:\n{self.log.read_text()}")


@contextlib.contextmanager
def running_demo(workdir: Path, offers_dir: Path, site_dir: Path,
                 command: tuple = (str(BEWEEGKAART), "demo", "--no-build")):
    """Start `beweegkaart demo` (or `command`) in `workdir`; stop it with SIGTERM afterwards."""
    port = free_port()
    log = workdir / f"demo-{port}.log"
    with log.open("w") as out:
        process = subprocess.Popen(  # noqa: S603
            [*command, "--port", str(port), "--site-dir", str(site_dir),
             "--offers", str(offers_dir)], cwd=workdir, stdout=out, stderr=subprocess.STDOUT)
    demo = Demo(f"http://127.0.0.1:{port}/", workdir, workdir / site_dir, workdir / offers_dir,
                log, process)
    try:
        wait_for(demo.base, process)
        yield demo
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            raise
    assert process.returncode == 0, log.read_text()


def copy_offers(target: Path) -> Path:
    """A private copy of the example offers (the journeys never touch offers/ itself)."""
    shutil.copytree(ROOT / "offers", target)
    return target


@pytest.fixture(scope="session")
def demo(tmp_path_factory):
    """The example site built once and served with the referral app, as `make demo` does."""
    workdir = tmp_path_factory.mktemp("demo")
    offers = copy_offers(workdir / "offers")
    site = workdir / "site"
    build_site(offers, site, ROOT / "mkdocs.yml")
    with running_demo(workdir, offers, site) as running:
        yield running


@dataclass
class Journey:
    """One person's way through the site: a page, its requests, a screenshot and axe per step."""

    name: str
    page: object
    base: str
    requests: list[str] = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)
    tiles: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    violations: dict = field(default_factory=dict)
    steps: int = 0

    def step(self, label: str, axe: bool = True) -> Path:
        """Keep a screenshot of what the person sees now, and run axe-core on the page."""
        self.steps += 1
        folder = ARTIFACTS / self.name
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{self.steps:02d}-{label}.png"
        self.page.screenshot(path=str(path), full_page=True)
        if axe:
            found = axe_violations(self.page)
            if found:
                self.violations[f"{self.steps:02d}-{label} {self.page.url}"] = found
        return path

    def check_origins(self) -> None:
        """No request went to another origin, except the (blocked) map tiles."""
        own = urlsplit(self.base).netloc
        other = [u for u in self.requests if urlsplit(u).scheme in ("http", "https")
                 and urlsplit(u).netloc != own and urlsplit(u).netloc != TILE_HOST]
        assert other == [] and self.foreign == [], f"requests to other origins: {other}"

    def check_urls_free_of(self, *values: str) -> None:
        """No request URL carried any of these personal values (plain or URL-encoded)."""
        forms = {f for v in values for f in (v, quote(v), quote_plus(v), v.replace(" ", ""))}
        leaks = [u for u in self.requests if any(f in unquote_plus(u) or f in u for f in forms)]
        assert leaks == [], f"personal data in URLs: {leaks}"

    def check_accessible(self) -> None:
        """axe-core found no WCAG 2.1 A/AA violation on any page of the journey."""
        assert self.violations == {}, format_violations(self.violations)


def search_applied(page, action) -> None:
    """Do `action` on the search page and wait until the page has applied the new state."""
    before = page.evaluate("Number(document.documentElement.dataset.bkReady || 0)")
    action()
    page.wait_for_function(f"Number(document.documentElement.dataset.bkReady || 0) > {before}")


def format_violations(violations: dict) -> str:
    """One line per page, rule and element, for the failure message."""
    lines = ["axe-core found WCAG 2.1 A/AA violations:"]
    for where, found in violations.items():
        for item in found:
            lines.append(f"  {where}: {item['id']} ({item['impact']}): {item['help']}: "
                         f"{item['nodes']}")
    return "\n".join(lines)


@pytest.fixture
def journey_factory(browser):
    """New journeys in fresh browser contexts that block tiles and record every request."""
    made = []

    def make(name: str, base: str, **options) -> Journey:
        """A journey in a context made with `options` (as for browser.new_context)."""
        shutil.rmtree(ARTIFACTS / name, ignore_errors=True)
        context = browser.new_context(locale="nl-NL", **options)
        own = urlsplit(base).netloc
        page = context.new_page()
        journey = Journey(name, page, base)

        def route(route):
            """Let own-origin requests through; block tiles and anything else."""
            url = route.request.url
            host = urlsplit(url).netloc
            if host == own:
                route.continue_()
                return
            (journey.tiles if host == TILE_HOST else journey.foreign).append(url)
            route.abort()

        context.route(re.compile(r"^https?://"), route)
        context.on("request", lambda req: journey.requests.append(req.url))
        page.on("pageerror", lambda exc: journey.errors.append(str(exc)))
        made.append(context)
        return journey

    yield make
    for context in made:
        context.close()
