"""The reference data inside the project is a valid Frictionless Data Package and fits together."""

import json
import re
from pathlib import Path

import frictionless
import pytest

from generator.catalogue.reference import REFERENCE_DIR, clean_pc4_rows, load_reference
from generator.site.gazetteer import clean_name, gazetteer, key, write_gazetteer


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


def test_stray_postcode_rows_are_left_out_or_moved():
    """Placeholder and mistyped PC4 rows (1234 in Lemiers, 9999 in Roermond) place no search."""
    pcs = load_reference().postcodes
    assert "1234" not in pcs  # a placeholder in Lemiers (Vaals); 1234 is not a postcode
    assert pcs["9999"].place in {"Kantens", "Stitswerd"}  # real: Stitswerd; not Roermond etc.
    assert pcs["3523"].place == "Utrecht"  # the "3523 Ouddorp" row (for 3253) is gone
    kralingen = pcs["3062"]  # a real Rotterdam postcode whose centroid was in Ouddorp: moved
    assert kralingen.gemeente == "Rotterdam" and 51.88 < kralingen.lat < 51.96
    assert 4.4 < kralingen.lon < 4.6


@pytest.mark.parametrize("rows, kept, dropped", [
    # a far-away row with another gemeente than its neighbours: dropped
    ([("1011", "GM1", 52.37, 4.90), ("1012", "GM1", 52.37, 4.89), ("1013", "GM1", 52.39, 4.88),
      ("1014", "GM2", 50.78, 5.99)], {"1011", "1012", "1013"}, [("1014", "dropped")]),
    # far away but the same gemeente as its neighbours: only the point is wrong, moved
    ([("3061", "GM5", 51.92, 4.51), ("3063", "GM5", 51.93, 4.53), ("3064", "GM5", 51.93, 4.55),
      ("3062", "GM5", 51.86, 3.94)], {"3061", "3062", "3063", "3064"}, [("3062", "moved")]),
])
def test_clean_pc4_rows(rows, kept, dropped):
    """The stray-row rule on small tables."""
    table = [{"pc4": pc, "gemeente_code": gm, "lat": str(lat), "lon": str(lon), "place_name": pc}
             for pc, gm, lat, lon in rows]
    out, why = clean_pc4_rows(table)
    assert {r["pc4"] for r in out} == kept
    assert [(r["pc4"], w) for r, w in why] == dropped
    moved = [r for r in out if r["pc4"] == "3062"]
    assert not moved or abs(float(moved[0]["lon"]) - 4.53) < 0.05


def test_gazetteer_names_people_use():
    """Den Haag, Den Bosch, wijk names without 'Wijk 03', woonplaatsen with a centre."""
    places = {(key(p.name), p.gemeente): p for p in gazetteer(REFERENCE_DIR)}
    assert places[("den haag", "'s-Gravenhage")].kind == "gemeente"
    assert places[("den bosch", "'s-Hertogenbosch")].kind == "gemeente"
    assert places[("delfshaven", "Rotterdam")].kind == "wijk"
    assert places[("feijenoord", "Rotterdam")].kind == "wijk"  # the wijk wins over the buurt
    assert places[("hillesluis", "Rotterdam")].kind == "buurt"
    assert places[("stitswerd", "Het Hogeland")].kind == "woonplaats"
    assert not any(re.match(r"(Wijk|Buurt) \d", p.name) for p in places.values())
    assert places[("wijk aan zee", "Beverwijk")].kind == "woonplaats"
    assert places[("haren", "Groningen")].kind == "woonplaats"  # "Haren Gn"
    kinds = {p.kind for p in places.values()}
    assert kinds == {"gemeente", "woonplaats", "wijk", "buurt"}
    assert len(places) > 13_000
    # every gemeente of 2023 is there, and every point is in the Netherlands' box
    gemeenten = {name for _code, name, _g in load_reference().gemeente_shapes}
    assert gemeenten <= {p.gemeente for p in places.values() if p.kind == "gemeente"}
    assert all(50.7 < p.lat < 53.6 and 3.3 < p.lon < 7.3 for p in places.values())


@pytest.mark.parametrize("name, expected", [
    ("Wijk 03 Delfshaven", "Delfshaven"), ("Vliet. Tuinen en Frisia", "Vliet, Tuinen en Frisia"),
    ('Bedrijventerrein "De Sypel"', "Bedrijventerrein De Sypel"), ("Wijk 00", ""),
])
def test_clean_cbs_names(name, expected):
    """CBS prefixes and full stops for commas are undone."""
    assert clean_name(name) == expected


def test_gazetteer_file_is_compact(tmp_path):
    """One file under 150 kB gzipped for the whole country."""
    import gzip

    path = tmp_path / "plaatsen.json"
    write_gazetteer(load_reference(), path)
    data = json.loads(path.read_text("utf-8"))
    assert len(data["n"]) == len(data["y"]) == len(data["g"]) > 13_000
    assert len(gzip.compress(path.read_bytes())) < 150_000
