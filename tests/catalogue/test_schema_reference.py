"""The schema takes its activity list from the reference data it is given, not from a default
folder (issue 12: the reference folder is an argument of every stage)."""

import shutil
from pathlib import Path

import pytest
import yaml

from generator.catalogue.reference import REFERENCE_DIR, load_reference
from generator.catalogue.schema import Aanbod, json_schema, reference_context
from generator.catalogue.validate import parse

OFFER = """\
titel: Jeu de boules op het plein
beschrijving: Samen jeu de boules spelen op het plein, rustig en gezellig.
aanbieder: {{naam: Buurthuis Zuid}}
activiteiten: [{activity}]
locatie: {{naam: Plein, adres: Pleinweg 1, postcode: 3072 AB, plaats: Rotterdam}}
controle: {{gecontroleerd_op: 2026-10-01, door: beheer}}
"""


@pytest.fixture(scope="module")
def own_reference(tmp_path_factory) -> Path:
    """A copy of reference/ with one activity more (as a region with its own list would have)."""
    folder = tmp_path_factory.mktemp("ref") / "reference"
    shutil.copytree(REFERENCE_DIR, folder)
    with (folder / "activiteiten.csv").open("a", encoding="utf-8") as f:
        f.write("klootschieten,Klootschieten,"
                "https://openactive.io/activity-list#b8019b67-2ade-406f-a012-91a5c3869652,"
                "Walking Football\n")
    return folder


def test_an_activity_counts_only_in_the_reference_it_is_checked_against(own_reference):
    """'klootschieten' is valid with the folder that lists it, and unknown with the default."""
    raw = OFFER.format(activity="klootschieten").encode()
    parsed, problems = parse(raw, "x.yaml", load_reference(own_reference))
    assert problems == [] and parsed.model.activiteiten == ["klootschieten"]
    parsed, problems = parse(raw, "x.yaml", load_reference(REFERENCE_DIR))
    assert parsed is None
    assert [p.field for p in problems] == ["activiteiten[0]"]
    assert "onbekende activiteit 'klootschieten'" in problems[0].message


def test_codes_are_matched_in_any_case(own_reference):
    """A code typed with capitals is the code."""
    data = yaml.safe_load(OFFER.format(activity="Klootschieten"))
    model = Aanbod.model_validate(data, context=reference_context(load_reference(own_reference)))
    assert model.activiteiten == ["klootschieten"]


def test_the_published_schema_lists_the_given_reference(own_reference):
    """json_schema(ref) offers editors exactly the codes of that reference."""
    enum = json_schema(load_reference(own_reference))["properties"]["activiteiten"]["items"]["enum"]
    assert "klootschieten" in enum
    default = json_schema(load_reference(REFERENCE_DIR))["properties"]["activiteiten"]["items"]
    assert "klootschieten" not in default["enum"]
    assert default["enum"] == list(load_reference(REFERENCE_DIR).activities)


def test_without_reference_data_validation_stops_loudly():
    """Forgetting the reference is a programming error, never a silent default."""
    data = yaml.safe_load(OFFER.format(activity="wandelen"))
    with pytest.raises(TypeError, match="reference data"):
        Aanbod.model_validate(data)
