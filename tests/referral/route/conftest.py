"""Fixtures of the coach-route tests: the referral app's fixtures (from the parent conftest),
plus coach files and a movable clock in the app's settings."""

from pathlib import Path

import pytest

from .helpers import COACH, OTHER_COACH, Clock, coach_yaml, write_coaches


@pytest.fixture
def coaches_dir(tmp_path) -> Path:
    """One coach for wijk Feijenoord, one whose postcodes overlap it at 3075."""
    return write_coaches(tmp_path, {
        "rotterdam/feijenoord": coach_yaml("Kevin Janssen", "  wijken: [Feijenoord]", COACH),
        "rotterdam/overlap": coach_yaml("Anna Overlap", "  postcodes: [3075, 3076]",
                                        OTHER_COACH, "Wandelgroep"),
    })


@pytest.fixture
def clock() -> Clock:
    """The app's clock."""
    return Clock()


@pytest.fixture
def settings(settings, coaches_dir, clock) -> dict:
    """The referral settings with coaches and the movable clock."""
    return {**settings, "COACHES_DIR": str(coaches_dir), "CLOCK": clock}


