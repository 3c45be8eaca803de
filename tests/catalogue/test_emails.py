"""The e-mail fast path accepts only what email-validator accepts, exactly as written."""

import pytest
from email_validator import EmailNotValidError, validate_email
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.catalogue.emails import plain_address
from generator.catalogue.schema import Aanbieder

PARTS = st.sampled_from(["a", "Z", "0", "-", ".", "_", "+", "'", "--", "xn", "nl", "com",
                         "local", "test", "Info", "info", "POSTMASTER", "x" * 63, "ë", " ",
                         "@", "1", "..", "A"])
ADDRESSES = st.builds(lambda a, b: "".join(a) + "@" + "".join(b),
                      st.lists(PARTS, min_size=1, max_size=6),
                      st.lists(PARTS, min_size=1, max_size=8))


def email_validator_keeps(value: str) -> bool:
    """email-validator (as pydantic's EmailStr calls it) accepts value and leaves it as is."""
    try:
        return validate_email(value, check_deliverability=False).normalized == value
    except EmailNotValidError:
        return False


@settings(max_examples=4000, deadline=None)
@given(ADDRESSES)
def test_fast_path_accepts_only_what_email_validator_keeps(value):
    """Any address the fast path lets through, email-validator accepts unchanged."""
    if plain_address(value):
        assert email_validator_keeps(value), value


@pytest.mark.parametrize("value", ["info@sportclub.nl", "aanmelden@aanbieder12.example.org",
                                   "j.de-vries+beweeg@mail.gemeente-utrecht.nl"])
def test_ordinary_addresses_take_the_fast_path(value):
    """The common addresses skip the IDNA tables, and mean what email-validator says."""
    assert plain_address(value)
    assert email_validator_keeps(value)


@pytest.mark.parametrize("value", ["a@x.local", "a@ab--c.nl", "a@a.123", "Info@Club.NL",
                                   "a..b@club.nl", "Info@club.nl", "ë@club.nl", "a@-club.nl",
                                   "a@club", "x" * 65 + "@club.nl", "a@" + "x" * 64 + ".nl"])
def test_unusual_addresses_go_to_email_validator(value):
    """Reserved names, IDNA look-alikes, upper case and non-ASCII are email-validator's call."""
    assert not plain_address(value)


@pytest.mark.parametrize(("value", "stored"), [("info@club.nl", "info@club.nl"),
                                                ("Info@Club.NL", "info@club.nl"),
                                                ("J.Jansen@Club.NL", "J.Jansen@club.nl")])
def test_schema_stores_the_normalised_address(value, stored):
    """Through the schema: plain addresses as written, others as email-validator writes them."""
    assert Aanbieder(naam="Club", email=value).email == stored


@pytest.mark.parametrize("value", ["a@x.local", "geen-adres", "a@ab--c.nl"])
def test_schema_refuses_bad_addresses(value):
    """What email-validator refuses, the schema refuses."""
    with pytest.raises(ValueError, match="email"):
        Aanbieder(naam="Club", email=value)
