"""The one schedule grammar, shared by `beweegkaart new` and the spreadsheet importer."""

import pytest

from generator.catalogue.schedule import ScheduleError, parse_schedule


@pytest.mark.parametrize("text, expected", [
    ("di 10:00-11:00", [{"dag": "dinsdag", "van": "10:00", "tot": "11:00"}]),
    ("Woe. 9.30 - 10.30", [{"dag": "woensdag", "van": "9:30", "tot": "10:30"}]),
    ("donderdag 19:00 tot 20:00 om de week",
     [{"dag": "donderdag", "van": "19:00", "tot": "20:00", "opmerking": "om de week"}]),
    ("ma 10:00–11:00; vr 14:00-15:00",
     [{"dag": "maandag", "van": "10:00", "tot": "11:00"},
      {"dag": "vrijdag", "van": "14:00", "tot": "15:00"}]),
    ("dinsdg 10:00-11:00", [{"dag": "dinsdg", "van": "10:00", "tot": "11:00"}]),  # schema hints
    ("", []),
])
def test_slots(text, expected):
    """Days in full or shortened, times with ':' or '.', a remark after the times."""
    assert parse_schedule(text) == expected


@pytest.mark.parametrize("text", ["elke dinsdag", "di 10-11", "10:00-11:00"])
def test_not_a_slot(text):
    """A line without a day and two times is refused with an example of what works."""
    with pytest.raises(ScheduleError, match="is geen tijd; schrijf bijvoorbeeld dinsdag"):
        parse_schedule(text)


def test_importer_separator():
    """The importer's separator (a comma, say) splits slots the same way."""
    assert [s["dag"] for s in parse_schedule("za 9:00-10:00, zo 9:00-10:00", r"[;,]")] == [
        "zaterdag", "zondag"]
