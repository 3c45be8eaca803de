"""Fixtures for the contributor tests: offers written into temporary catalogues."""

import datetime as dt
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from PIL import Image

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
TODAY = dt.date(2026, 11, 22)


def base_offer(today: dt.date = TODAY) -> dict:
    """A valid Rotterdam offer that meets every quality criterion of `beweegkaart report`."""
    return {
        "titel": "Walking football voor 60-plussers",
        "beschrijving": "Voetbal in wandeltempo: geen sprinten en geen slidings. Je traint met "
                        "andere 60-plussers in je eigen tempo, en na afloop is er koffie.",
        "aanbieder": {"naam": "Voorbeeldclub VV Zuid", "telefoon": "010 123 4567"},
        "verwijzen": {"mogelijk": True, "email": "aanmelden@voorbeeld.example.org"},
        "activiteiten": ["walking-football"],
        "niveau": "rustig",
        "locatie": {"naam": "Sportpark Zuid", "adres": "Sportlaan 1", "postcode": "3072 AB",
                    "plaats": "Rotterdam"},
        "rooster": [{"dag": "dinsdag", "van": "10:00", "tot": "11:00"}],
        "kosten": {"bedrag": 5.0, "per": "maand", "gratis_proefles": True,
                   "vergoeding": {"stadspas": "Gratis met de Rotterdampas"}},
        "toegankelijkheid": {"rolstoel": True},
        "begeleiding": ["MBO-4 sport en bewegen", "EHBO"],
        "fotos": [{"bestand": "veld.png", "alt": "Mannen spelen wandelend voetbal."}],
        "controle": {"gecontroleerd_op": today - dt.timedelta(days=10), "door": "curator"},
    }


def write_offer(root: Path, offer_id: str, data: dict) -> Path:
    """Write an offer (and a tiny real PNG for each photo) as root/<offer_id>.yaml."""
    path = root / f"{offer_id}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    for photo in data.get("fotos", []):
        Image.new("RGB", (4, 3), "green").save(path.parent / photo["bestand"], "PNG")
    return path


def run_cli(*args, cwd: Path = REPO, stdin: str | None = None) -> subprocess.CompletedProcess:
    """Run the `beweegkaart` console script, as a user or CI does."""
    command = [str(BIN / "beweegkaart"), *map(str, args)]
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, input=stdin,  # noqa: S603
                          timeout=120, check=False)


def git(*args, cwd: Path) -> str:
    """Run git with a fixed identity; return stdout."""
    env = {**os.environ, "GIT_AUTHOR_NAME": "Club", "GIT_AUTHOR_EMAIL": "club@example.org",
           "GIT_COMMITTER_NAME": "Club", "GIT_COMMITTER_EMAIL": "club@example.org"}
    result = subprocess.run([shutil.which("git"), *args], cwd=cwd, env=env, check=True,  # noqa: S603
                            capture_output=True, text=True)
    return result.stdout


@pytest.fixture
def offers(tmp_path: Path) -> Path:
    """An empty offers folder."""
    folder = tmp_path / "offers"
    folder.mkdir()
    return folder
