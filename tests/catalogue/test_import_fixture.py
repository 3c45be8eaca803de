"""The real-shaped municipal fixture: imported twice it gives the same catalogue; re-imports
update in place; refused rows come back as a CSV the curator can fix and feed back."""

import csv
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from generator.catalogue.load import load_catalogue
from generator.contrib.importer import import_spreadsheet, write_refused

from .conftest import TODAY

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
SHEET = FIXTURES / "sportaanbieders-gemeentelijst.csv"
MAPPING = FIXTURES / "sportaanbieders-mapping.yaml"


def snapshot(folder: Path) -> dict[str, str]:
    """Every file under a folder with its text."""
    return {p.relative_to(folder).as_posix(): p.read_text("utf-8")
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    """The CSV fixture imported once into an empty catalogue."""
    out = tmp_path_factory.mktemp("import") / "offers"
    result = import_spreadsheet(SHEET, MAPPING, out, today=TODAY)
    return out, result


def test_fixture_is_real_shaped():
    """At least 500 rows in the municipal shape, with no prices, times or descriptions."""
    with SHEET.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) >= 500
    assert list(rows[0]) == ["Sport", "Naam vereniging", "Website", "Accommodatie", "Adres",
                             "Postcode", "Plaats", "Stadsdeel", "Aangepast sporten",
                             "KvK-nummer", "Breedtegraad", "Lengtegraad"]
    websites = [r["Website"] for r in rows if r["Website"]]
    assert sum(not w.startswith("http") for w in websites) > len(websites) / 2


def test_fixture_imports_with_every_row_accounted_for(imported):
    """Each row is written, skipped on purpose or refused with a reason; the files validate."""
    out, result = imported
    assert len(result.added) + len(result.skipped) + len(result.refused) == result.rows
    assert len(result.added) > 0.75 * result.rows
    catalogue = load_catalogue([out], today=TODAY)
    assert catalogue.errors == []
    assert len(catalogue.offers) == len(result.added)
    reasons = result.reasons()
    assert any(r.startswith("locatie.postcode") for r in reasons)
    assert any(r.startswith("aanbieder.website: geen geldig webadres") for r in reasons)
    assert any("denksport" in r for r in reasons)  # chess, bridge, draughts: not guessed
    assert any(r.startswith("sleutel: dezelfde sleutel") for r in reasons)  # pasted twice
    assert all(reason.split(":")[0] for reason in reasons)  # every reason names its field
    assert result.skipped and all("Overig" in reason for _, reason in result.skipped)
    assert result.repairs["aanbieder.website: https:// toegevoegd"] > 300


def test_imported_pages_data_is_honest(imported):
    """Websites got https://, titles combine columns, unknown stays unknown, source is kept."""
    out, _result = imported
    offers = load_catalogue([out], today=TODAY).offers
    assert all(str(o.data.aanbieder.website or "https://").startswith("https://")
               for o in offers)
    assert all(" bij " in o.data.titel for o in offers)
    assert all(o.data.kosten is None and o.data.rooster == [] for o in offers)
    assert all(o.data.controle is None and o.data.bron.datum.isoformat() == "2019-06-01"
               for o in offers)
    adapted = Counter(o.data.toegankelijkheid.aangepast_sporten if o.data.toegankelijkheid
                      else None for o in offers)
    assert adapted[None] > 0 and adapted[True] > 0 and adapted[False] > 0
    exact = [o for o in offers if o.data.locatie.coordinaten is not None]
    assert len(exact) > 300  # the Amsterdam rows carry the city's own coordinates


def test_importing_twice_gives_the_same_catalogue(imported, tmp_path):
    """A second run over the same sheet changes nothing and doubles nothing."""
    out, first = imported
    copy = tmp_path / "offers"
    shutil.copytree(out, copy)
    before = snapshot(copy)
    again = import_spreadsheet(SHEET, MAPPING, copy, today=TODAY)
    assert snapshot(copy) == before
    assert (len(again.added), len(again.updated)) == (0, 0)
    assert len(again.unchanged) == len(first.added)
    assert again.missing == []


def test_csv_and_xlsx_give_the_same_catalogue(imported, tmp_path):
    """The XLSX copy of the sheet imports to exactly the same files."""
    out, _result = imported
    result = import_spreadsheet(SHEET.with_suffix(".xlsx"), MAPPING, tmp_path / "offers",
                                today=TODAY)
    assert result.refused and result.added
    assert snapshot(tmp_path / "offers") == snapshot(out)


def test_no_empty_folders(imported):
    """Refused rows leave no gemeente folders behind."""
    out, _result = imported
    assert all(any(folder.glob("*.yaml")) for folder in out.iterdir())


def edited_sheet(tmp_path: Path) -> tuple[Path, dict]:
    """The sheet with one club renamed, one row gone and one row new."""
    with SHEET.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    columns = list(rows[0])
    rows[0]["Naam vereniging"] = "Sportvereniging Opveld 1925"
    gone = rows.pop(1)
    new = {**rows[2], "Sport": "Squash", "KvK-nummer": "12345678"}
    rows.append(new)
    path = tmp_path / "lijst-2020.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    return path, gone


def test_reimport_updates_adds_and_reports_what_disappeared(imported, tmp_path):
    """Changed row: same file, new content; new row: added; vanished row: listed, then removed."""
    out, first = imported
    copy = tmp_path / "offers"
    shutil.copytree(out, copy)
    sheet, gone = edited_sheet(tmp_path)
    result = import_spreadsheet(sheet, MAPPING, copy, today=TODAY)
    assert len(result.updated) == 1 and "Opveld 1925" in result.updated[0].read_text("utf-8")
    assert len(result.added) == 1 and "Squash" in result.added[0].read_text("utf-8")
    assert len(result.missing) == 1 and result.missing[0].is_file()
    assert gone["Sport"].lower() in result.missing[0].read_text("utf-8").lower()
    files = len(list(copy.rglob("*.yaml")))
    assert files == len(first.added) + 1
    removed = import_spreadsheet(sheet, MAPPING, copy, today=TODAY, remove_missing=True)
    assert removed.removed == removed.missing and not removed.missing[0].exists()
    assert len(list(copy.rglob("*.yaml"))) == files - 1


def test_reviewed_files_are_never_overwritten(imported, tmp_path):
    """Once a curator adds 'controle', a re-import leaves the file alone."""
    out, _result = imported
    copy = tmp_path / "offers"
    shutil.copytree(out, copy)
    path = next(copy.rglob("*.yaml"))
    text = path.read_text("utf-8").replace("aanbieder:", "controle: {gecontroleerd_op: "
                                           "2026-11-01, door: curator}\naanbieder:", 1)
    path.write_text(text, encoding="utf-8")
    sheet, _gone = edited_sheet(tmp_path)
    result = import_spreadsheet(SHEET, MAPPING, copy, today=TODAY)
    assert path in result.reviewed
    assert path.read_text("utf-8") == text


def test_refused_rows_can_be_fixed_and_fed_back(imported, tmp_path):
    """The refused CSV keeps the sheet's columns plus the reason; fixed rows import."""
    out, result = imported
    with SHEET.open(encoding="utf-8") as f:
        columns = list(csv.DictReader(f).fieldnames)
    refused = write_refused(result, tmp_path / "geweigerd.csv", columns)
    with refused.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == len(result.refused)
    assert list(rows[0])[:2] == ["importrij", "reden"]
    fixable = [r for r in rows if r["reden"].startswith("locatie.postcode: moet een postcode")
               and re.match(r"[1-9][0-9]{3}", r["Postcode"] or "")]  # letters left off
    assert fixable
    for row in fixable:  # the curator adds the letters the sheet left off
        row["Postcode"] = row["Postcode"][:4] + " AB"
    with refused.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(fixable)
    copy = tmp_path / "offers"
    shutil.copytree(out, copy)
    again = import_spreadsheet(refused, MAPPING, copy, today=TODAY)
    assert len(again.added) == len(fixable) and again.refused == []


def test_cli_summary_per_reason_and_refused_csv(tmp_path):
    """`beweegkaart import` prints counts per reason and writes the refused rows."""
    sheet = tmp_path / "lijst.csv"
    shutil.copy(SHEET, sheet)
    done = subprocess.run(
        [sys.executable, "-m", "generator", "import", str(sheet), "--mapping", str(MAPPING),
         "--out", str(tmp_path / "offers"), "--today", TODAY.isoformat()],
        capture_output=True, text=True, check=False,
    )
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert "Geweigerd, per reden:" in done.stderr
    assert "aanbieder.website: https:// toegevoegd" in done.stderr
    assert "Activiteiten:" in done.stderr
    assert (tmp_path / "lijst-geweigerd.csv").is_file()
    assert "rij " in done.stdout and ": : " not in done.stdout  # every reason names a field


def test_import_help_shows_a_full_mapping_example():
    """The help explains templates, repairs, overslaan, bron, sleutel and re-imports."""
    done = subprocess.run([sys.executable, "-m", "generator", "import", "--help"],
                          capture_output=True, text=True, check=True)
    for part in ("{Sport} bij {Naam vereniging}", "overslaan:", "bron:", "bron_datum:",
                 "sleutel: [KvK-nummer, Sport]", "https://", "--remove-missing", "--refused"):
        assert part in done.stdout
