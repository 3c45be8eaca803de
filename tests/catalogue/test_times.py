"""Times of day in a schedule are written as HH:MM, however they were typed."""

import pytest
from pydantic_core import PydanticCustomError

from generator.catalogue.schema import check_time


@pytest.mark.parametrize("typed, shown", [("9:30", "09:30"), ("9.30", "09:30"),
                                          (" 19:05 ", "19:05"), ("00:00", "00:00")])
def test_times_are_shown_as_hh_mm_every_time(typed, shown):
    """The same typed time gives the same HH:MM the second time (the answers are memoised)."""
    assert check_time(typed) == shown
    assert check_time(typed) == shown


@pytest.mark.parametrize("typed", ["24:00", "9:75", "negen uur", "", 930])
def test_a_time_that_is_no_time_is_refused(typed):
    """Every time, also when asked again."""
    for _ in range(2):
        with pytest.raises(PydanticCustomError):
            check_time(typed)
