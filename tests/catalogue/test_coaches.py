"""Coach files: validated like offers, werkgebied resolved to PC4 areas, overlaps reported."""

import subprocess
import sys
from pathlib import Path

import pytest

from generator.catalogue.coaches import load_coaches, load_wijken

from .conftest import TODAY

ROOT = Path(__file__).resolve().parents[2]
BEWEEGKAART = Path(sys.executable).with_name("beweegkaart")

VALID = """\
naam: Kevin Janssen (voorbeeld)
functie: buurtsportcoach
organisatie: Sportbedrijf Rotterdam (voorbeeld)
werkgebied:
  wijken: [Feijenoord, WK059916]
  postcodes: [3196]
telefoon: 010 200 3002
bereikbaar: dinsdag tot en met vrijdag, 8:30 tot 16:30
verwijzen:
  email: coach@sportbedrijf.example.org
controle: {gecontroleerd_op: 2026-11-02, door: beheerder}
"""


def write(tmp_path, text: str, name: str = "rotterdam/zuid") -> Path:
    """A coach file in a temporary catalogue."""
    path = tmp_path / "coaches" / f"{name}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_example_coaches_are_valid():
    coaches = load_coaches([ROOT / "coaches"])
    assert coaches.errors == [] and coaches.problems == []
    assert {c.gemeente for c in coaches.coaches} == {"Rotterdam", "Maastricht"}
    assert all("(voorbeeld)" in c.data.naam for c in coaches.coaches)
    hoogvliet = coaches.by_id()["rotterdam/hoogvliet"]
    assert {"3191", "3192", "3193", "3194"} <= hoogvliet.pc4


def test_wijk_names_codes_and_postcodes(tmp_path):
    coaches = load_coaches([tmp_path / "coaches"], today=TODAY) if write(tmp_path, VALID) \
        else None
    assert coaches.problems == []
    coach = coaches.coaches[0]
    assert coach.id == "rotterdam/zuid" and coach.wijken == ("Feijenoord", "Hoogvliet")
    wijken = load_wijken()
    assert coach.pc4 == wijken["WK059910"].pc4 | wijken["WK059916"].pc4 | {"3196"}
    assert coaches.for_pc4("3072") == [coach] and coaches.for_pc4("3011") == []
    assert "verwijzen" not in coach.public() and "coach@" not in repr(coach.public())


@pytest.mark.parametrize(("old", "new", "expected"), [
    ("[Feijenoord, WK059916]", "[Feijenord]",
     ":5:12: werkgebied.wijken[0]: onbekende wijk in Rotterdam. Bedoelde je 'Feijenoord'? "
     "Gebruik de CBS-naam of -code (zie reference/cbs2014-wijken.csv) (got 'Feijenord')"),
    ("[Feijenoord, WK059916]", "[WK093500]",
     ":5:12: werkgebied.wijken[0]: wijk WK093500 (Centrum) ligt niet in Rotterdam "
     "(got 'WK093500')"),
    ("postcodes: [3196]", "postcodes: [6211]",
     ":6:15: werkgebied.postcodes[0]: postcode 6211 ligt in gemeente Maastricht, niet in "
     "Rotterdam (got '6211')"),
    ("postcodes: [3196]", "postcodes: [319]",
     ":6:15: werkgebied.postcodes[0]: moet een postcodegebied van 4 cijfers zijn, bijvoorbeeld "
     "3191 (got 319)"),
    ("functie: buurtsportcoach", "functie: sportcoach",
     ":2:1: functie: onbekende functie 'sportcoach'. Bedoelde je 'buurtsportcoach'? "
     "(got 'sportcoach')"),
    ("  email: coach@sportbedrijf.example.org", "  email: geen-adres",
     ":10:3: verwijzen.email: is geen geldig e-mailadres (got 'geen-adres')"),
    ("telefoon: 010 200 3002", "telefoon: 12",
     ":7:1: telefoon: is geen geldig telefoonnummer (bijvoorbeeld 010 123 4567) (got 12)"),
    ("  wijken: [Feijenoord, WK059916]\n  postcodes: [3196]\n", "  wijken: []\n",
     ":4:1: werkgebied: vul 'wijken' of 'postcodes' in"),
])
def test_bad_coach_files(tmp_path, old, new, expected):
    assert old in VALID
    path = write(tmp_path, VALID.replace(old, new))
    coaches = load_coaches([tmp_path / "coaches"], today=TODAY)
    lines = [p.format() for p in coaches.errors]
    assert coaches.coaches == []
    assert any(line.startswith(str(path)) and expected in line for line in lines), lines


def test_folder_must_be_a_gemeente(tmp_path):
    write(tmp_path, VALID, "nergensland/zuid")
    problems = [p.format() for p in load_coaches([tmp_path / "coaches"], today=TODAY).errors]
    assert problems == [f"{tmp_path}/coaches/nergensland/zuid.yaml:1:1: 'nergensland' is geen "
                        "gemeente; gebruik de naam van de gemeente in kleine letters, zoals "
                        "'rotterdam' (got 'nergensland')"]


def test_overlap_is_a_warning_and_both_are_kept(tmp_path):
    write(tmp_path, VALID)
    write(tmp_path, VALID.replace("wijken: [Feijenoord, WK059916]", "wijken: [IJsselmonde]")
          .replace("postcodes: [3196]", "postcodes: [3072]"), "rotterdam/ijsselmonde")
    coaches = load_coaches([tmp_path / "coaches"], today=TODAY)
    assert coaches.errors == [] and len(coaches.coaches) == 2
    warnings = [p.format() for p in coaches.problems]
    assert any("ijsselmonde.yaml:4:1: werkgebied: waarschuwing: overlapt met rotterdam/zuid "
               "(postcodes 3072)" in w for w in warnings), warnings
    # same name: then by id
    assert [c.id for c in coaches.for_pc4("3072")] == ["rotterdam/ijsselmonde", "rotterdam/zuid"]


def test_validate_command_checks_coaches(tmp_path):
    write(tmp_path, VALID.replace("[Feijenoord, WK059916]", "[Feijenord]"))
    result = subprocess.run([str(BEWEEGKAART), "validate", str(tmp_path / "coaches")],  # noqa: S603
                            capture_output=True, text=True, check=False)
    assert result.returncode == 1
    assert "zuid.yaml:5:12: werkgebied.wijken[0]: onbekende wijk in Rotterdam." in result.stdout
    clean = subprocess.run([str(BEWEEGKAART), "validate"], cwd=ROOT, capture_output=True,  # noqa: S603
                           text=True, check=False)
    assert clean.returncode == 0, clean.stdout
    assert "54 bestanden" in clean.stderr or "bestanden gecontroleerd" in clean.stderr
