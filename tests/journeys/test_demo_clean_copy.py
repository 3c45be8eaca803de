"""`make demo` from a clean copy of the repository: it builds, serves the home page and a referral
form, and stops cleanly on SIGTERM. (tests/referral/test_demo.py covers the mailbox with a
stand-in site; this covers the real build from committed files only.)"""

import re
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from .conftest import ROOT, running_demo


@pytest.fixture
def clean_copy(tmp_path) -> Path:
    """The committed files of HEAD (no site/, instance/ or local edits), with the installed tools.

    The virtual environment is reused by path; node_modules is linked from the working tree, as
    `npm ci` would install it from package-lock.json.
    """
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    copy = tmp_path / "clone"
    copy.mkdir()
    archive = subprocess.run(["git", "archive", "HEAD"], cwd=ROOT, capture_output=True,  # noqa: S607
                             check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(copy)], input=archive, check=True)  # noqa: S603,S607
    assert not (copy / "site").exists() and not (copy / "instance").exists()
    (copy / "node_modules").symlink_to(ROOT / "node_modules", target_is_directory=True)
    return copy


def get(url: str) -> tuple[int, str]:
    """Status and text of a GET."""
    with urllib.request.urlopen(url, timeout=10) as answer:  # noqa: S310 (loopback)
        return answer.status, answer.read().decode()


def test_demo_from_a_clean_copy(clean_copy):
    """Build, serve the home page and a referral form, stop with exit code 0."""
    # `python -m` from the copy imports the copy's own generator and referral_app packages.
    command = (sys.executable, "-m", "generator", "demo")
    with running_demo(clean_copy, Path("offers"), Path("site"), command) as demo:
        status, home = get(demo.base)
        assert status == 200 and "Zoek een beweegactiviteit" in home
        form_url = re.search(r"Verwijsformulier, bijvoorbeeld: (\S+)",
                             demo.log.read_text()).group(1)
        status, form = get(form_url)
        assert status == 200 and "Doorverwijzen" in form and 'name="csrf_token"' in form
    assert (clean_copy / "site" / "index.html").is_file()
    log = demo.log.read_text()
    assert "aanbod gecontroleerd" in log and "stoppen..." in log
    assert "Traceback" not in log
