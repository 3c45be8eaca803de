"""Fixtures for the open-data tests: the offline validators (OpenActive, Nu HTML Checker)."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ACTIVITY_LIST = ROOT / "reference" / "openactive-activity-list.jsonld"
OPENACTIVE_SCRIPT = Path(__file__).with_name("validate_openactive.mjs")
VNU_JAR = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


def _need(tool: str) -> str:
    """The path of a tool `make install` provides; fail (not skip) when it is missing."""
    found = shutil.which(tool)
    if found is None:
        pytest.fail(f"{tool} not found: run `make install`")
    return found


def openactive_check(files: list[Path]) -> dict:
    """Run @openactive/data-model-validator offline over JSON-LD files or HTML pages."""
    if not (ROOT / "node_modules" / "@openactive" / "data-model-validator").is_dir():
        pytest.fail("@openactive/data-model-validator not installed: run `make install`")
    result = subprocess.run(
        [_need("node"), str(OPENACTIVE_SCRIPT), "--activity-list", str(ACTIVITY_LIST),
         *map(str, files)],
        capture_output=True, text=True, check=False, cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def vnu_check(folder: Path) -> list[dict]:
    """Run the Nu HTML Checker (vnu-jar) over every HTML page in a folder; return its errors."""
    if not VNU_JAR.is_file():
        pytest.fail("vnu-jar not installed: run `make install`")
    result = subprocess.run(
        [_need("java"), "-jar", str(VNU_JAR), "--format", "json", "--errors-only",
         "--skip-non-html", str(folder)],
        capture_output=True, text=True, check=False,
    )
    return json.loads(result.stderr)["messages"]


def failures(report: dict) -> list[str]:
    """The validator's failures as readable lines (file, id, path, message)."""
    return [f"{p['file']} {p['id']} {p['path']}: {p['message'][:160]}"
            for p in report["problems"] if p["severity"] == "failure"]
