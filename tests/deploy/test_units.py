"""The shipped systemd units are valid for systemd (`systemd-analyze verify`), with this
checkout's paths in place of /srv/beweegkaart."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import DEPLOY, ROOT, SERVER_ROOT

UNITS = sorted(p.name for p in (DEPLOY / "systemd").iterdir())


def test_every_unit_is_valid(tmp_path):
    """No unknown keys, no missing programs, no broken references between the units."""
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.fail("systemd-analyze is not installed: run `make install`", pytrace=False)
    for name in UNITS:
        text = (DEPLOY / "systemd" / name).read_text().replace(
            f"{SERVER_ROOT}/.venv/bin/", f"{Path(sys.executable).parent}/")
        text = text.replace(SERVER_ROOT, str(ROOT)).replace(
            "/etc/beweegkaart/beweegkaart.env", str(DEPLOY / "beweegkaart.env.example"))
        (tmp_path / name).write_text(text)
    result = subprocess.run([analyze, "verify", *[str(tmp_path / n) for n in UNITS]],
                            capture_output=True, text=True, timeout=120)
    problems = [line for line in (result.stdout + result.stderr).splitlines()
                if str(tmp_path) in line or "beweegkaart" in line]
    assert result.returncode == 0 and problems == [], result.stdout + result.stderr
    assert {"beweegkaart.service", "beweegkaart-outbox.service", "beweegkaart-purge.service",
            "beweegkaart-purge.timer"} <= set(UNITS)
