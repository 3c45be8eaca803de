"""Spreadsheet import: several shapes of CSV and XLSX, bad rows reported, nothing dropped."""

import subprocess
import sys

import openpyxl
import pytest

from generator.catalogue.load import load_catalogue
from generator.contrib.importer import MappingError, import_spreadsheet

from .conftest import TODAY

HEADER = [
    "Naam activiteit",
    "Omschrijving",
    "Organisatie",
    "Activiteit",
    "Doelgroep",
    "Postcode",
    "Adres",
    "Locatie",
    "Plaats",
    "Tijden",
    "Prijs",
    "Per",
    "Proefles",
    "Rolstoel",
]
GOOD = [
    [
        "Wandelgroep Kralingen ",
        " Elke week wandelen we samen een rondje door het park.",
        "Wandelclub Oost (voorbeeld)",
        "Wandelen",
        "ouderen; weinig beweegervaring",
        "3062jh",
        "Kralingseweg 1",
        "Buurthuis Oost",
        "Rotterdam",
        "di 10:00-11:00",
        "€ 2,50",
        "les",
        "Ja",
        "ja",
    ],
    [
        "Stoelyoga",
        "Yoga op de stoel, voor wie niet makkelijk op de grond zit.",
        "Yoga Zuid (voorbeeld)",
        "stoelyoga",
        "ouderen",
        "3072 ab",
        "Sportlaan 1",
        "Wijkcentrum Zuid",
        "Rotterdam",
        "wo 14.00-15.00; vr 14:00 - 15:00",
        "15",
        "maand",
        "NEE",
        "",
    ],
    [
        "Aquarobics Maastricht",
        "Bewegen in warm water, rustig tempo, goed voor je gewrichten.",
        "Zwemclub (voorbeeld)",
        "aquarobics",
        "artrose",
        "6211 CA",
        "Zwembadweg 2",
        "Zwembad",
        "Maastricht",
        "do 09:30-10:15",
        "60",
        "kwartaal",
        "ja",
        "nee",
    ],
]
BAD = [
    # row 5: a postcode that does not exist
    [
        "Kapot 1",
        "Deze rij heeft een postcode die niet in de lijst staat.",
        "X (voorbeeld)",
        "wandelen",
        "",
        "0999 AA",
        "Nergens 1",
        "Nergens",
        "Nergens",
        "di 10:00-11:00",
        "5",
        "les",
        "ja",
        "",
    ],
    # row 6: an unknown activity
    [
        "Kapot 2",
        "Deze rij heeft een activiteit met een tikfout erin.",
        "Y (voorbeeld)",
        "wandelenn",
        "",
        "3062 JH",
        "Straat 1",
        "Plek",
        "Rotterdam",
        "di 10:00-11:00",
        "5",
        "les",
        "ja",
        "",
    ],
    # row 7: a schedule that cannot be read
    [
        "Kapot 3",
        "Deze rij heeft tijden die niet te lezen zijn.",
        "Z (voorbeeld)",
        "wandelen",
        "",
        "3062 JH",
        "Straat 1",
        "Plek",
        "Rotterdam",
        "elke dag",
        "5",
        "les",
        "ja",
        "",
    ],
]
MAPPING = """\
kolommen:
  titel: Naam activiteit
  beschrijving: Omschrijving
  aanbieder.naam: Organisatie
  activiteiten: Activiteit
  doelgroepen: Doelgroep
  locatie.postcode: Postcode
  locatie.adres: Adres
  locatie.naam: Locatie
  locatie.plaats: Plaats
  rooster: Tijden
  kosten.bedrag: Prijs
  kosten.per: Per
  kosten.gratis_proefles: Proefles
  toegankelijkheid.rolstoel: Rolstoel
vast:
  controle.door: Gemeente (voorbeeld)
  controle.gecontroleerd_op: 2026-11-01
waarden:
  activiteiten: {Wandelen: wandelen}
"""


def write_csv(path, rows, delimiter=",", encoding="utf-8"):
    """A CSV the way a spreadsheet program saves it."""
    import csv

    with path.open("w", newline="", encoding=encoding) as f:
        csv.writer(f, delimiter=delimiter).writerows([HEADER, *rows])
    return path


def write_xlsx(path, rows):
    """An XLSX sheet with the same rows (numbers as numbers, like Excel)."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for row in rows:
        sheet.append([float(c) if c.isdigit() else c for c in row])
    book.save(path)
    return path


@pytest.fixture
def mapping(tmp_path):
    """The mapping file for the HEADER columns."""
    path = tmp_path / "mapping.yaml"
    path.write_text(MAPPING, encoding="utf-8")
    return path


@pytest.mark.parametrize("shape", ["csv-comma", "csv-semicolon", "csv-bom", "xlsx"])
def test_good_rows_become_valid_offer_files(tmp_path, mapping, shape):
    """Each good row becomes one file that the validator accepts, in its gemeente folder."""
    source = {
        "csv-comma": lambda p: write_csv(p.with_suffix(".csv"), GOOD),
        "csv-semicolon": lambda p: write_csv(p.with_suffix(".csv"), GOOD, delimiter=";"),
        "csv-bom": lambda p: write_csv(p.with_suffix(".csv"), GOOD, encoding="utf-8-sig"),
        "xlsx": lambda p: write_xlsx(p.with_suffix(".xlsx"), GOOD),
    }[shape](tmp_path / "aanbod")
    result = import_spreadsheet(source, mapping, tmp_path / "out", today=TODAY)
    assert result.refused == []
    assert sorted(p.relative_to(tmp_path / "out").as_posix() for p in result.written) == [
        "maastricht/aquarobics-maastricht.yaml",
        "rotterdam/stoelyoga.yaml",
        "rotterdam/wandelgroep-kralingen.yaml",
    ]
    catalogue = load_catalogue([tmp_path / "out"], today=TODAY)
    assert catalogue.errors == []
    walk = catalogue.by_id()["rotterdam/wandelgroep-kralingen"].data
    assert walk.titel == "Wandelgroep Kralingen"  # stray spaces removed
    assert walk.locatie.postcode == "3062 JH"  # '3062jh' normalised
    assert walk.kosten.bedrag == 2.5  # '€ 2,50'
    assert walk.kosten.gratis_proefles is True  # 'Ja'
    yoga = catalogue.by_id()["rotterdam/stoelyoga"].data
    assert [(s.dag, s.van, s.tot) for s in yoga.rooster] == [
        ("woensdag", "14:00", "15:00"),
        ("vrijdag", "14:00", "15:00"),
    ]
    assert yoga.toegankelijkheid is None  # an empty cell is left out, not 'nee'


def test_bad_rows_are_reported_with_row_number_and_reason(tmp_path, mapping):
    """Nothing silently dropped: every bad row is named; good rows are still written."""
    source = write_csv(tmp_path / "aanbod.csv", GOOD + BAD)
    result = import_spreadsheet(source, mapping, tmp_path / "out", today=TODAY)
    assert len(result.written) == 3
    reasons = dict(result.refused)
    assert sorted(reasons) == [5, 6, 7]
    assert "0999" in reasons[5] and "postcode" in reasons[5]
    assert "Bedoelde je 'wandelen'" in reasons[6]
    assert "elke dag" in reasons[7]
    assert result.rows == 6
    assert not list((tmp_path / "out").rglob("kapot*"))


def test_same_titles_get_numbered_files(tmp_path, mapping):
    """Two rows with the same title do not overwrite each other."""
    other = [*GOOD[1][:2], "Andere yogaclub (voorbeeld)", *GOOD[1][3:]]
    source = write_csv(tmp_path / "aanbod.csv", [GOOD[1], other])
    result = import_spreadsheet(source, mapping, tmp_path / "out", today=TODAY)
    assert [p.name for p in result.written] == ["stoelyoga.yaml", "stoelyoga-2.yaml"]


def test_the_same_row_twice_is_refused_not_doubled(tmp_path, mapping):
    """A row pasted twice is one offer; the copy is refused with the row it repeats."""
    source = write_csv(tmp_path / "aanbod.csv", [GOOD[1], GOOD[1]])
    result = import_spreadsheet(source, mapping, tmp_path / "out", today=TODAY)
    assert [p.name for p in result.written] == ["stoelyoga.yaml"]
    assert result.refused == [(3, result.refused[0][1])]
    assert result.refused[0][1].startswith("sleutel: dezelfde sleutel als rij 2")


def test_templates_repairs_and_skipped_values(tmp_path):
    """Columns combine into a title, a bare website gets https://, an 'overslaan' value is
    left out (unknown), and a source replaces the review date."""
    source = write_csv(tmp_path / "aanbod.csv", GOOD[:1])
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(MAPPING.replace("titel: Naam activiteit", 'titel: "{Activiteit} bij '
                                       '{Organisatie}"')
                       .replace("  toegankelijkheid.rolstoel: Rolstoel\n",
                                "  toegankelijkheid.rolstoel: Rolstoel\n"
                                "  aanbieder.website: Locatie\n")
                       .replace("vast:\n  controle.door: Gemeente (voorbeeld)\n"
                                "  controle.gecontroleerd_op: 2026-11-01\n",
                                "overslaan:\n  doelgroepen: [ouderen]\nbron: Lijst 2019\n"
                                "bron_datum: 2019-05-01\n"), encoding="utf-8")
    rows = [[*GOOD[0][:7], "wandelclub-oost.example", *GOOD[0][8:]]]
    source = write_csv(tmp_path / "aanbod.csv", rows)
    result = import_spreadsheet(source, mapping, tmp_path / "out", today=TODAY)
    assert result.refused == [], result.refused
    offer = load_catalogue([tmp_path / "out"], today=TODAY).offers[0].data
    assert offer.titel == "Wandelen bij Wandelclub Oost (voorbeeld)"
    assert str(offer.aanbieder.website) == "https://wandelclub-oost.example/"
    assert offer.doelgroepen == ["weinig beweegervaring"]
    assert offer.controle is None and offer.bron.naam == "Lijst 2019"
    assert result.repairs == {"aanbieder.website: https:// toegevoegd": 1}


def test_mapping_must_name_a_source_or_a_review(tmp_path):
    """Imported data without 'bron' would pose as reviewed: the mapping is refused."""
    source = write_csv(tmp_path / "aanbod.csv", GOOD)
    bad = tmp_path / "mapping.yaml"
    bad.write_text(MAPPING.split("vast:")[0], encoding="utf-8")
    with pytest.raises(MappingError, match="bron"):
        import_spreadsheet(source, bad, tmp_path / "out", today=TODAY)


def test_mapping_naming_a_missing_column_is_refused(tmp_path):
    """A mapping error stops the import before anything is written."""
    source = write_csv(tmp_path / "aanbod.csv", GOOD)
    bad = tmp_path / "mapping.yaml"
    bad.write_text(MAPPING.replace("Naam activiteit", "Naam"), encoding="utf-8")
    with pytest.raises(MappingError, match="Naam"):
        import_spreadsheet(source, bad, tmp_path / "out", today=TODAY)
    assert not (tmp_path / "out").exists()


def test_cli_prints_rows_and_summary_without_traceback(tmp_path, mapping):
    """The command exits 1 when rows were refused and prints a Dutch summary."""
    source = write_csv(tmp_path / "aanbod.csv", GOOD + BAD)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "generator",
            "import",
            str(source),
            "--mapping",
            str(mapping),
            "--out",
            str(tmp_path / "out"),
            "--today",
            "2026-11-22",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1
    assert "rij 5, kolom " in done.stdout and "rij 7, kolom " in done.stdout
    assert "6 rijen gelezen: 3 nieuw, 0 bijgewerkt" in done.stderr
    assert "Geweigerd, per reden:" in done.stderr
    assert "Traceback" not in done.stdout + done.stderr
