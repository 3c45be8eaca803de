"""Unknown is a value: pages say "Onbekend: vraag het de aanbieder", never "nee" or a price."""

import gzip
import json
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from generator.pipeline import build_site

from .conftest import ROOT, TODAY

UNKNOWN_OFFER = """\
titel: Handbal voor iedereen
beschrijving: Handbal bij de club. Neem contact op met de club voor tijden en kosten.
aanbieder: {naam: HV De Zwaluwen, website: https://hvdezwaluwen.example}
activiteiten: [handbal]
locatie: {naam: Sporthal Zuid, adres: Sportlaan 1, postcode: 3072 AB, plaats: Rotterdam}
toegankelijkheid: {rolstoel: onbekend, parkeren: nee}
bron: {naam: Sportlijst gemeente Rotterdam, datum: 2026-06-01}
"""
FREE_OFFER = """\
titel: Gratis wandelen in het park
beschrijving: Elke week samen wandelen in het park, in je eigen tempo.
aanbieder: {naam: Buurthuis Zuid, telefoon: 010 123 4567}
activiteiten: [wandelen]
locatie: {naam: Zuiderpark, adres: Parkweg 2, postcode: 3072 AB, plaats: Rotterdam}
rooster: [{dag: dinsdag, van: "10:00", tot: "11:00"}]
kosten: {gratis: ja}
controle: {gecontroleerd_op: 2026-10-01, door: buurtsportcoach Zuid}
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """A two-offer catalogue: one with almost nothing known, one free."""
    root = tmp_path_factory.mktemp("onbekend")
    folder = root / "offers" / "rotterdam"
    folder.mkdir(parents=True)
    (folder / "handbal.yaml").write_text(UNKNOWN_OFFER, encoding="utf-8")
    (folder / "wandelen.yaml").write_text(FREE_OFFER, encoding="utf-8")
    build_site(root / "offers", root / "site", ROOT / "mkdocs.yml", today=TODAY)
    return root / "site"


def page_text(site: Path, oid: str) -> str:
    """The visible text of an offer page's content, one line per block."""
    soup = BeautifulSoup((site / "aanbod" / oid / "index.html").read_text("utf-8"), "html.parser")
    for script in soup.find_all("script"):
        script.decompose()
    return soup.get_text("\n", strip=True)


def section(text: str, heading: str, next_heading: str) -> str:
    """The text between two headings of the page."""
    return text.split(f"\n{heading}\n", 1)[1].split(f"\n{next_heading}\n", 1)[0]


def test_unknown_accessibility_is_never_no(site):
    """Rolstoel unknown says so; a known 'nee' stays 'nee'; unmentioned facts are unknown."""
    text = page_text(site, "rotterdam/handbal")
    access = section(text, "Toegankelijkheid", "Wie begeleidt je?")
    assert "Rolstoel: Onbekend: vraag het de aanbieder." in access
    assert "Parkeren bij de deur: nee" in access
    assert "Aangepast toilet: Onbekend: vraag het de aanbieder." in access
    assert access.count(": nee") == 1


def test_unknown_price_and_times_are_never_invented(site):
    """No amount, no 'Gratis': the page says the price and times are unknown."""
    text = page_text(site, "rotterdam/handbal")
    cost = section(text, "Wat kost het?", "Toegankelijkheid")
    assert cost == "Onbekend: vraag het de aanbieder."
    assert "€" not in text and "Gratis" not in text
    assert section(text, "Wanneer?", "Waar?").startswith("Onbekend: vraag het de aanbieder.")
    html = (site / "aanbod" / "rotterdam" / "handbal" / "index.html").read_text("utf-8")
    summary = BeautifulSoup(html, "html.parser").find(class_="bk-kort").get_text(" ", strip=True)
    assert "Kosten onbekend" in summary


def test_page_notes_what_is_not_known_yet(site):
    """A gentle note lists the clinician's facts that are unknown; a full offer has none."""
    text = page_text(site, "rotterdam/handbal")
    assert "Nog niet alles bekend over dit aanbod" in text
    assert "de kosten" in text and "de tijden" in text
    assert "Nog niet alles bekend" in page_text(site, "rotterdam/wandelen")  # niveau unknown


def test_imported_offer_shows_its_source_not_a_review_date(site):
    """Until a curator reviews it, the page names the source and its date."""
    text = page_text(site, "rotterdam/handbal")
    assert "Bron: Sportlijst gemeente Rotterdam, 01-06-2026." in text
    assert "nog niet gecontroleerd" in text
    assert "Laatst gecontroleerd" not in text
    assert "Laatst gecontroleerd op 01-10-2026" in page_text(site, "rotterdam/wandelen")


def test_search_data_keeps_unknown_price_apart_from_free(site):
    """The search file marks an unknown price -1, so the 'gratis' filter cannot match it."""
    data = json.loads((site / "data" / "zoek.json").read_text("utf-8"))
    details = json.loads((site / "data" / "details" / "0.json").read_text("utf-8"))
    costs = {d["id"]: (k, d["kosten"]) for d, k in zip(details, data["k"], strict=True)}
    assert costs["rotterdam/handbal"] == (-1, "Kosten onbekend")
    assert costs["rotterdam/wandelen"] == (0, "Gratis")


def test_json_ld_publishes_no_price_for_an_unknown_one(site):
    """Open data: no price and no isAccessibleForFree when the price is unknown."""
    items = json.loads(gzip.decompress((site / "open-data" / "aanbod.jsonld.gz").read_bytes()))
    by_id = {item["identifier"]: item for item in items}
    item = by_id["rotterdam/handbal"]
    assert "price" not in item["offers"][0] and "isAccessibleForFree" not in item
    item = by_id["rotterdam/wandelen"]
    assert item["isAccessibleForFree"] is True and item["offers"][0]["price"] == 0
