"""Open-data export: a valid data package, GeoJSON and JSON-LD, with no private field."""

import csv
import json

import frictionless
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.catalogue.load import load_catalogue
from generator.catalogue.reference import load_reference
from generator.opendata.export import (
    _value_type,
    export_catalogue,
    offer_jsonld,
    public_columns,
    type_signature,
)

from .conftest import TODAY


def test_export_writes_a_valid_package_without_private_fields(catalogue_dir, tmp_path):
    """The package validates with Frictionless and the referral inbox appears nowhere."""
    catalogue = load_catalogue([catalogue_dir], today=TODAY)
    files = export_catalogue(catalogue.offers, tmp_path / "open-data", load_reference())
    assert frictionless.validate(str(files["datapackage"])).valid
    for path in files.values():
        text = path.read_text("utf-8")
        assert "aanmeldingen@voorbeeld.example.org" not in text
        assert "verwijzen" not in text
    with files["csv"].open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert rows[0]["id"] == "rotterdam/walking-football-zuid"
    assert rows[0]["gemeente"] == "Rotterdam"
    assert rows[0]["rooster"] == "dinsdag 10:00-11:00"
    assert rows[0]["kosten_vergoeding_stadspas"] == "Rotterdampas"


def test_csv_has_every_public_column_described(catalogue_dir, tmp_path):
    """Columns are stable (from the schema) and each has a Dutch description."""
    catalogue = load_catalogue([catalogue_dir], today=TODAY)
    files = export_catalogue(catalogue.offers, tmp_path, load_reference())
    package = json.loads(files["datapackage"].read_text("utf-8"))
    fields = package["resources"][0]["schema"]["fields"]
    assert [f["name"] for f in fields] == public_columns()
    assert "toegankelijkheid_slechthorenden" in public_columns()
    assert not [f["name"] for f in fields if not f["description"]]


def test_geojson_points_are_lon_lat(catalogue_dir, tmp_path):
    """GeoJSON uses [lon, lat] order, with the offer id as feature id."""
    catalogue = load_catalogue([catalogue_dir], today=TODAY)
    files = export_catalogue(catalogue.offers, tmp_path, load_reference())
    feature = json.loads(files["geojson"].read_text("utf-8"))["features"][0]
    lon, lat = feature["geometry"]["coordinates"]
    assert 51.8 < lat < 52.0 and 4.3 < lon < 4.6
    assert feature["id"] == "rotterdam/walking-football-zuid"


def test_jsonld_is_an_openactive_session_series(catalogue_dir):
    """Activity ids are OpenActive concept ids; schedule, price and place are present."""
    offer = load_catalogue([catalogue_dir], today=TODAY).offers[0]
    item = offer_jsonld(offer, load_reference(), site_url="https://beweegkaart.example.org")
    assert item["@type"] == "SessionSeries"
    assert item["activity"][0]["@id"].startswith("https://openactive.io/activity-list#")
    assert item["eventSchedule"][0]["byDay"] == ["https://schema.org/Tuesday"]
    assert item["offers"][0]["price"] == 5.0
    assert item["url"] == "https://beweegkaart.example.org/aanbod/rotterdam/walking-football-zuid/"
    assert "aanmeldingen@" not in json.dumps(item)


def test_csv_line_is_the_line_dictwriter_writes():
    """csv_line writes what csv.DictWriter writes for the public columns: values in column
    order, empty for a column the row lacks or holds None, quotes where CSV needs them; and
    it refuses a column that is not public, as DictWriter does."""
    import io

    import pytest

    from generator.opendata.export import csv_line

    columns = public_columns()
    rows = [
        {"id": "a/b", "titel": 'Yoga, "zacht"', "groepsgrootte": 12, "kosten_gratis": True},
        {"id": "c/d", "beschrijving": "Twee\nregels", "lat": 52.1, "wijk": None},
        {},
    ]
    for row in rows:
        line = io.StringIO(newline="")
        csv.DictWriter(line, fieldnames=columns).writerow(row)
        assert csv_line(row) == line.getvalue()
    with pytest.raises(ValueError, match="geheim"):
        csv_line({"id": "a/b", "geheim": "x"})


ROW_VALUES = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) \
    | st.sampled_from(["", "2026-12-07", "2026-02-30", "2026-1207xx", "tekst", "10:00"]) \
    | st.text(max_size=12)


@settings(max_examples=2000, deadline=None)
@given(st.dictionaries(st.sampled_from(["a", "b_c", "d", "e"]), ROW_VALUES))
def test_type_signature_gives_each_value_its_table_schema_type(row):
    """Each non-empty value with the type _value_type gives it, in the row's order."""
    expected = ";".join(f"{k}={_value_type(v)}" for k, v in row.items() if _value_type(v))
    assert type_signature(row) == expected


def test_type_signature_of_dates_numbers_and_text():
    """A date only where the day exists; empty text and None leave the column out."""
    row = {"d": "2026-12-07", "n": "2026-02-30", "i": 3, "f": 2.5, "b": False, "e": "",
           "z": None, "t": "x"}
    assert type_signature(row) == "d=date;n=string;i=integer;f=number;b=boolean;t=string"
