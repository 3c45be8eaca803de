"""`beweegkaart demo` serves a built site and the app on one address, with a local mailbox."""

import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

import pytest

from .conftest import REFERRAL, WALKING, free_port


def wait_for(url: str, seconds: float = 30) -> None:
    """Block until the URL answers."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            urllib.request.urlopen(url, timeout=2)  # noqa: S310 (loopback)
            return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.2)
    raise AssertionError(f"{url} did not answer")


def start_demo(tmp_path, offers_dir) -> tuple[subprocess.Popen, str]:
    """`beweegkaart demo` on a free port over a tiny built site; returns (process, base URL)."""
    site = tmp_path / "site"
    (site / "aanbod").mkdir(parents=True)
    (site / "index.html").write_text("<h1>Beweegkaart demo</h1>", encoding="utf-8")
    (site / "aanbod" / "index.html").write_text("aanbod", encoding="utf-8")
    port = free_port()
    beweegkaart = Path(sys.executable).with_name("beweegkaart")
    demo = subprocess.Popen(  # noqa: S603
        [str(beweegkaart), "demo", "--no-build", "--port", str(port), "--site-dir", str(site),
         "--offers", str(offers_dir)], cwd=tmp_path, stderr=subprocess.PIPE, text=True)
    return demo, f"http://127.0.0.1:{port}"


def test_demo_serves_site_and_app_and_keeps_mails(tmp_path, offers_dir):
    demo, base = start_demo(tmp_path, offers_dir)
    try:
        wait_for(base + "/")
        assert b"Beweegkaart demo" in urllib.request.urlopen(base + "/").read()  # noqa: S310
        assert urllib.request.urlopen(base + "/aanbod/").read() == b"aanbod"  # noqa: S310
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
        form = opener.open(f"{base}/app/verwijzen/{WALKING}").read().decode()
        hidden = dict(re.findall(r'name="(csrf_token|submission)" value="([^"]*)"', form))
        answer = opener.open(f"{base}/app/verwijzen/{WALKING}",
                             urllib.parse.urlencode({**REFERRAL, **hidden}).encode())
        assert answer.url.endswith("/app/ontvangen")
        mails = tmp_path / "instance" / "demo-mails"
        end = time.monotonic() + 15
        while not list(mails.glob("*.eml")) and time.monotonic() < end:
            time.sleep(0.2)
        mail = next(mails.glob("*.eml")).read_text()
        assert f"{base}/app/verwijzing/" in mail
    finally:
        demo.send_signal(signal.SIGTERM)
        _, err = demo.communicate(timeout=30)
    assert demo.returncode == 0, err
    assert f"De beweegkaart draait op {base}/" in err
    assert "mail aan aanmeldingen@vvzuid.example.org" in err


@pytest.mark.parametrize("signals", [
    (signal.SIGTERM, signal.SIGTERM),  # make forwards SIGTERM: the child gets two
    (signal.SIGINT, signal.SIGTERM) * 20,  # Ctrl-C held down, then a kill
])
def test_two_quick_signals_stop_the_demo(tmp_path, offers_dir, signals):
    demo, base = start_demo(tmp_path, offers_dir)
    try:
        wait_for(base + "/")
        for signum in signals:
            os.kill(demo.pid, signum)
        _, err = demo.communicate(timeout=20)  # a hang fails here
    finally:
        if demo.poll() is None:
            demo.kill()
            demo.communicate()
    assert "Traceback" not in err
    assert "stoppen..." in err or "meteen gestopt" in err
