"""Exact places from a sheet: lat/lon columns mapped to locatie.coordinaten, checked per row."""

import csv
import subprocess
import sys

import pytest
import yaml

from generator.catalogue.load import load_catalogue
from generator.contrib.importer import import_spreadsheet

from .conftest import TODAY

HEADER = ["Sport", "Naam", "Adres", "Postcode", "Plaats", "Breedte", "Lengte"]
MAPPING = """\
kolommen:
  titel: "{Sport} bij {Naam}"
  beschrijving: "{Sport} bij {Naam} in {Plaats}. Vraag de club naar de tijden."
  aanbieder.naam: Naam
  activiteiten: Sport
  locatie.naam: Naam
  locatie.adres: Adres
  locatie.postcode: Postcode
  locatie.plaats: Plaats
  locatie.coordinaten.lat: Breedte
  locatie.coordinaten.lon: Lengte
vast:
  verwijzen.mogelijk: nee
bron: Testlijst coördinaten
bron_datum: 2026-06-01
sleutel: [Naam]
"""
PLACE = ["Laan 1", "1083 ZJ", "Amsterdam"]  # postcode area centre about 52.33, 4.88


def run_import(tmp_path, rows):
    """Write the sheet and the mapping, run `beweegkaart import`; (process, offers folder)."""
    sheet = tmp_path / "lijst.csv"
    with sheet.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([HEADER, *rows])
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(MAPPING, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "generator", "import", str(sheet), "--mapping", str(mapping),
         "--out", str(tmp_path / "offers"), "--today", TODAY.isoformat()],
        capture_output=True, text=True, check=False)
    return done, tmp_path / "offers"


def test_exact_coordinates_are_imported(tmp_path):
    """A point from the sheet is the offer's place (a Dutch decimal comma is accepted)."""
    done, offers = run_import(tmp_path, [["Tennis", "Club A", *PLACE, "52.324193", "4.880935"],
                                         ["Judo", "Club B", *PLACE, "52,3251", "4,8822"],
                                         ["Yoga", "Club C", *PLACE, "", ""]])
    assert done.returncode == 0, done.stdout + done.stderr
    found = {o.data.aanbieder.naam: o for o in load_catalogue([offers], today=TODAY).offers}
    assert (found["Club A"].lat, found["Club A"].lon) == (52.324193, 4.880935)
    assert (found["Club B"].lat, found["Club B"].lon) == (52.3251, 4.8822)
    assert found["Club C"].data.locatie.coordinaten is None  # empty: the postcode's centre
    text = (offers / "amsterdam" / "tennis-bij-club-a.yaml").read_text("utf-8")
    assert yaml.safe_load(text)["locatie"]["coordinaten"] == {"lat": 52.324193, "lon": 4.880935}


@pytest.mark.parametrize("lat, lon, where, message", [
    ("4.880935", "52.324193", "kolommen 'Breedte', 'Lengte'",
     "de plek ligt buiten Nederland. Staan lat en lon omgedraaid? "
     "(got {lat: 4.880935, lon: 52.324193})"),
    ("48.85", "2.35", "kolommen 'Breedte', 'Lengte'", "de plek ligt buiten Nederland."),
    ("51.9", "4.48", "kolommen 'Breedte', 'Lengte'",
     "km van het midden van postcode 1083 (meer dan 5 km); klopt de postcode?"),
    ("abc", "4.88", "kolom 'Breedte'", "moet een getal zijn (met een punt, bijvoorbeeld 5.50) "
                                        "(got 'abc')"),
    ("52.32", "", "kolom 'Lengte'", "locatie.coordinaten.lon: verplicht veld ontbreekt"),
])
def test_bad_coordinates_name_file_row_column_and_value(tmp_path, lat, lon, where, message):
    """A wrong point refuses its row with file, row, column and value; the others go on."""
    done, offers = run_import(tmp_path, [["Tennis", "Club A", *PLACE, "52.324193", "4.880935"],
                                         ["Judo", "Club B", *PLACE, lat, lon]])
    assert done.returncode == 1
    line = next(x for x in done.stdout.splitlines() if "rij 3" in x)
    assert line.startswith(f"{tmp_path / 'lijst.csv'}: rij 3, {where}: locatie.coordinaten")
    assert message in line
    assert "Traceback" not in done.stdout + done.stderr
    assert [p.name for p in offers.rglob("*.yaml")] == ["tennis-bij-club-a.yaml"]
    text = (tmp_path / "lijst-geweigerd.csv").read_text("utf-8")
    refused = list(csv.DictReader(text.splitlines()))
    assert [(r["importrij"], r["Breedte"], r["Lengte"]) for r in refused] == [("3", lat, lon)]


def test_coordinates_in_an_xlsx_sheet(tmp_path):
    """Excel gives numbers, not text: they become the same coordinates."""
    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(HEADER)
    book.active.append(["Tennis", "Club A", *PLACE, 52.324193, 4.880935])
    book.save(tmp_path / "lijst.xlsx")
    (tmp_path / "mapping.yaml").write_text(MAPPING, encoding="utf-8")
    result = import_spreadsheet(tmp_path / "lijst.xlsx", tmp_path / "mapping.yaml",
                                tmp_path / "offers", today=TODAY)
    assert result.refused == [] and len(result.added) == 1
    offer = load_catalogue([tmp_path / "offers"], today=TODAY).offers[0]
    assert (offer.lat, offer.lon) == (52.324193, 4.880935)
