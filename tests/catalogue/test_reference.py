"""The reference data inside the project is a valid Frictionless Data Package and fits together."""

import json
from pathlib import Path

import frictionless

from generator.catalogue.reference import REFERENCE_DIR, load_reference


def test_reference_data_package_is_valid():
    """Every resource matches its declared schema (types, patterns, uniqueness)."""
    report = frictionless.validate(str(REFERENCE_DIR / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "message"])[:10]


def test_every_reference_file_is_described_with_a_licence():
    """No data file without a resource entry and a licence."""
    package = json.loads((REFERENCE_DIR / "datapackage.json").read_text("utf-8"))
    described = {r["path"] for r in package["resources"]}
    files = {
        p.name for p in Path(REFERENCE_DIR).iterdir() if p.suffix in {".csv", ".geojson", ".jsonld"}
    }
    assert files == described
    assert all(r.get("licenses") for r in package["resources"])


def test_activities_point_at_real_openactive_concepts():
    """Each of our activity codes is tied to an id that exists in the OpenActive list."""
    concepts = json.loads((REFERENCE_DIR / "openactive-activity-list.jsonld").read_text("utf-8"))
    ids = {c["id"] for c in concepts["concept"]}
    activities = load_reference().activities
    assert len(activities) >= 40
    assert all(a.openactive_id in ids for a in activities.values())


def test_every_postcode_has_a_gemeente_including_the_2023_merger():
    """The Voorne aan Zee gap in GeoNames is filled by location."""
    postcodes = load_reference().postcodes
    assert all(pc.gemeente_code and pc.gemeente for pc in postcodes.values())
    assert postcodes["3221"].gemeente == "Voorne aan Zee"
    assert postcodes["3072"].gemeente == "Rotterdam"
    assert postcodes["6211"].gemeente == "Maastricht"
