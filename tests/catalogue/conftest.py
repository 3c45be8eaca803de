"""Fixtures for the catalogue tests: a small valid offer written into a temporary catalogue."""

import datetime as dt
from pathlib import Path

import pytest

TODAY = dt.date(2026, 11, 22)

VALID_OFFER = """\
# yaml-language-server: $schema=../../schema/aanbod.schema.json
titel: Walking football voor 60-plussers
beschrijving: |
  Voetbal in wandeltempo: geen sprinten, geen slidings. Na afloop koffie in de kantine.
aanbieder:
  naam: Voorbeeldclub VV Zuid (voorbeeld)
  website: https://voorbeeld.example.org
  telefoon: 010 123 4567
verwijzen:
  mogelijk: ja
  email: aanmeldingen@voorbeeld.example.org
activiteiten: [walking-football]
doelgroepen: [ouderen, weinig beweegervaring, knieklachten]
leeftijd: {van: 60}
locatie: {naam: Sportpark Zuid, adres: Sportlaan 1, postcode: 3072 AB, plaats: Rotterdam}
rooster:
  - {dag: dinsdag, van: "10:00", tot: "11:00"}
kosten: {bedrag: 5.00, per: maand, gratis_proefles: ja, vergoeding: {stadspas: Rotterdampas}}
toegankelijkheid: {rolstoel: ja}
begeleiding: [MBO-4 sport en bewegen, EHBO]
controle: {gecontroleerd_op: 2026-10-01, door: buurtsportcoach Zuid}
"""


@pytest.fixture
def catalogue_dir(tmp_path: Path) -> Path:
    """A catalogue folder with one valid Rotterdam offer."""
    folder = tmp_path / "offers" / "rotterdam"
    folder.mkdir(parents=True)
    (folder / "walking-football-zuid.yaml").write_text(VALID_OFFER, encoding="utf-8")
    return tmp_path / "offers"
