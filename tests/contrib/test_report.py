"""`beweegkaart report` lists, per gemeente, the offers a curator should look at."""

import csv
import datetime as dt
import io
import re

import pytest

from .conftest import TODAY, base_offer, run_cli, write_offer

EXPECTED = {
    ("Maastricht", "maastricht/vage-foto", "alt"),
    ("Rotterdam", "rotterdam/oud", "controle"),
    ("Rotterdam", "rotterdam/bijna-voorbij", "verloopt"),
    ("Rotterdam", "rotterdam/voorbij", "verlopen"),
    *{("Rotterdam", "rotterdam/kaal", code) for code in
      ("foto", "verwijzen", "ehbo", "opleiding", "proefles", "vergoeding", "beschrijving")},
    ("Rotterdam", "rotterdam/geen-verwijzen", "verwijzen"),
    *{("Rotterdam", "rotterdam/geimporteerd", code) for code in ("bron", "onbekend")},
}


@pytest.fixture
def catalogue(offers):
    """A small catalogue: two offers without findings, the rest each with known findings."""
    write_offer(offers, "rotterdam/in-orde", base_offer())
    free = base_offer()
    free["kosten"] = {"gratis": True, "gratis_proefles": True}  # free: no refund info needed
    free["locatie"] = {"naam": "Stadspark", "adres": "Parkweg 1", "postcode": "6211 AB",
                       "plaats": "Maastricht"}
    write_offer(offers, "maastricht/gratis-in-orde", free)
    vague = {**free, "fotos": [{"bestand": "zaal1.png", "alt": "zaal1"}]}
    write_offer(offers, "maastricht/vage-foto", vague)
    old = base_offer()
    old["controle"] = {"gecontroleerd_op": TODAY - dt.timedelta(days=400), "door": "curator"}
    write_offer(offers, "rotterdam/oud", old)
    soon = base_offer()
    soon["controle"]["geldig_tot"] = TODAY + dt.timedelta(days=20)
    write_offer(offers, "rotterdam/bijna-voorbij", soon)
    gone = base_offer()
    gone["controle"]["geldig_tot"] = TODAY - dt.timedelta(days=1)
    write_offer(offers, "rotterdam/voorbij", gone)
    bare = base_offer()
    bare.update(beschrijving="Samen bewegen in de buurt.", fotos=[],
                verwijzen={"mogelijk": False}, begeleiding=["vrijwilliger met training"])
    bare["kosten"] = {"bedrag": 10.0, "per": "maand", "gratis_proefles": False}
    write_offer(offers, "rotterdam/kaal", bare)
    imported = base_offer()
    del imported["controle"]
    imported.update(bron={"naam": "Sportlijst gemeente", "datum": TODAY}, begeleiding=[])
    del imported["kosten"]
    write_offer(offers, "rotterdam/geimporteerd", imported)
    no_referrals = base_offer()
    del no_referrals["verwijzen"]
    write_offer(offers, "rotterdam/geen-verwijzen", no_referrals)
    (offers / "rotterdam" / "kapot.yaml").write_text("titel: [\n", encoding="utf-8")
    return offers


def report(catalogue, fmt):
    """Run the report in one format."""
    return run_cli("report", catalogue, "--format", fmt, "--today", TODAY.isoformat())


def test_csv_lists_exactly_the_expected_findings(catalogue):
    """One row per finding; offers in good order are absent; broken files are skipped loudly."""
    result = report(catalogue, "csv")
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert {(r["gemeente"], r["aanbod"], r["soort"]) for r in rows} == EXPECTED
    assert len(rows) == len(EXPECTED)
    assert next(r for r in rows if r["soort"] == "verloopt")["aandachtspunt"] == \
        f"verloopt op {(TODAY + dt.timedelta(days=20)).isoformat()}"
    assert "1 bestand(en) met fouten overgeslagen" in result.stderr
    unknown = next(r for r in rows if r["soort"] == "onbekend")["aandachtspunt"]
    assert unknown == ("4/7 bekend; nog onbekend: de kosten, de opleiding van de begeleiding, "
                       "of er een gratis proefles is")
    assert next(r for r in rows if r["soort"] == "bron")["aandachtspunt"] == \
        f"nog niet gecontroleerd (gegevens uit: Sportlijst gemeente, {TODAY.isoformat()})"


def test_markdown_has_a_table_per_gemeente(catalogue):
    """Markdown for an issue: a heading per gemeente (sorted), a row per offer."""
    result = report(catalogue, "markdown")
    assert result.returncode == 0, result.stderr
    text = result.stdout
    assert text.startswith(f"# Aanbod om na te kijken ({TODAY.isoformat()})")
    assert text.index("## Maastricht") < text.index("## Rotterdam")
    rows = re.findall(r"^\| `([a-z/-]+)` \| (.+?) \| (.+) \|$", text, re.MULTILINE)
    assert {r[0] for r in rows} == {oid for _, oid, _ in EXPECTED}
    kaal = next(r for r in rows if r[0] == "rotterdam/kaal")
    assert kaal[2].count("<br>") == 6 and "geen gratis proefles" in kaal[2]
    assert "in-orde" not in text


def test_table_is_aligned_and_grouped(catalogue):
    """The terminal table groups per gemeente and lines up its columns."""
    result = report(catalogue, "table")
    assert result.returncode == 0, result.stderr
    sections = result.stdout.strip().split("\n\n")
    titles = [s.splitlines()[0] for s in sections if not s.startswith("  ")]
    assert titles == ["Maastricht (1 aanbod)", "Rotterdam (6 aanbod)"]
    rotterdam = result.stdout.split("Rotterdam (6 aanbod)")[1]
    rows = [line for line in rotterdam.splitlines() if line.startswith("  ")]
    assert rows[0].split() == ["aanbod", "titel", "aandachtspunten"]
    title_at, points_at = rows[0].index("titel"), rows[0].index("aandachtspunten")
    assert rows[1][title_at - 2:title_at] == "  " and rows[1][title_at] == "-"
    offers = [line for line in rows[2:] if line.strip().startswith("rotterdam/")]
    assert len(offers) == 6
    assert {line.index(" Walking") + 1 for line in offers} == {title_at}
    assert all(line[points_at - 2:points_at] == "  " and line[points_at] != " " for line in rows)
    kaal = rows.index(next(line for line in rows if "rotterdam/kaal" in line))
    assert [line[points_at:] for line in rows[kaal:kaal + 7]][:2] == [
        "geen foto", "geen adres voor aanmeldingen (verwijzen)"]
    assert rows[kaal + 1][:points_at].strip() == ""  # continuation lines: no repeated id


def test_nothing_to_report(offers):
    """An all-good catalogue says so."""
    write_offer(offers, "rotterdam/in-orde", base_offer())
    result = run_cli("report", offers, "--today", TODAY.isoformat())
    assert result.returncode == 0
    assert result.stdout == "Geen aandachtspunten.\n"


def test_csv_cells_cannot_become_spreadsheet_formulas(offers):
    """Offer text comes from pull requests: a title like '=HYPERLINK(...)' is defused."""
    data = base_offer()
    data.update(titel="=HYPERLINK(\"https://example.org\")", fotos=[])
    write_offer(offers, "rotterdam/formule", data)
    result = run_cli("report", offers, "--format", "csv", "--today", TODAY.isoformat())
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert rows and rows[0]["titel"].startswith("'=HYPERLINK")
