"""Two facts clinicians filter on: the monthly cost of every period, and valid postcodes."""

import pytest

from generator.catalogue.load import load_catalogue
from generator.site.texts import monthly_cost

from .conftest import TODAY, VALID_OFFER

KOSTEN = ("kosten: {bedrag: 5.00, per: maand, gratis_proefles: ja, "
          "vergoeding: {stadspas: Rotterdampas}}")


def load(tmp_path, text: str):
    """Load one offer file; returns the catalogue."""
    folder = tmp_path / "offers" / "rotterdam"
    folder.mkdir(parents=True)
    (folder / "aanbod.yaml").write_text(text, encoding="utf-8")
    return load_catalogue([tmp_path / "offers"], today=TODAY)


@pytest.mark.parametrize(("bedrag", "per", "monthly"), [
    (30.0, "kwartaal", 10.0),
    (120.0, "jaar", 10.0),
    (10.0, "maand", 10.0),
    (3.0, "week", 13.0),  # 52 weeks in 12 months
    (3.0, "les", 13.0),  # one lesson a week in the schedule
])
def test_monthly_cost_of_every_period(tmp_path, bedrag, per, monthly):
    assert KOSTEN in VALID_OFFER
    catalogue = load(tmp_path, VALID_OFFER.replace(
        KOSTEN, f"kosten: {{bedrag: {bedrag}, per: {per}, gratis_proefles: ja}}"))
    assert not catalogue.errors, [p.format() for p in catalogue.errors]
    assert monthly_cost(catalogue.offers[0].data) == pytest.approx(monthly)


@pytest.mark.parametrize(("postcode", "valid"), [
    ("3072 AB", True), ("3072AB", True), ("3011 ab", True),
    ("0123 AB", False),  # Dutch postcodes never start with 0
    ("307 AB", False), ("3072 A", False),
])
def test_postcodes(tmp_path, postcode, valid):
    catalogue = load(tmp_path, VALID_OFFER.replace("postcode: 3072 AB", f"postcode: {postcode}"))
    messages = " ".join(p.format() for p in catalogue.errors)
    assert ("moet een postcode zijn als 1234 AB" not in messages) is valid, messages
    assert bool(catalogue.errors) is not valid, messages


def test_published_schema_refuses_a_postcode_starting_with_0():
    from generator.catalogue.schema import Aanbod

    pattern = str(Aanbod.model_json_schema())
    assert "^[1-9][0-9]{3} ?[A-Za-z]{2}$" in pattern
