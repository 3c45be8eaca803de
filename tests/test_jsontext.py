"""compact_json writes what json.dumps writes for the values the build makes."""

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from generator.jsontext import compact_json, compact_json_bytes

# Numbers as the build has them: coordinates, amounts in euros, counts. (Below 1e-4 or from
# 1e16 up, json writes an exponent where orjson writes digits: the same number, other text.)
NUMBERS = st.integers(-(2**63), 2**63 - 1) | st.floats(-1e15, 1e15).filter(
    lambda x: x == 0 or abs(x) >= 1e-4)
TEXT = st.text(st.characters(blacklist_categories=("Cs",)))


def values(numbers):
    """JSON values with these numbers: text keys, lists, text, booleans, None."""
    return st.recursive(st.none() | st.booleans() | numbers | TEXT,
                        lambda inner: st.lists(inner, max_size=4)
                        | st.dictionaries(st.text(max_size=8), inner, max_size=4),
                        max_leaves=20)


@settings(max_examples=3000, deadline=None)
@given(values(NUMBERS))
def test_compact_json_is_the_text_of_json_dumps(value):
    """Same text: no spaces, non-ASCII kept, the same numbers and escapes."""
    expected = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    assert compact_json(value) == expected
    assert compact_json_bytes(value) == expected.encode("utf-8")


@settings(max_examples=1000, deadline=None)
@given(values(st.floats(allow_nan=False, allow_infinity=False)))
def test_compact_json_of_any_finite_number_reads_back_the_same(value):
    """Tiny and huge numbers too: the same value when read back."""
    assert json.loads(compact_json(value)) == value


def test_compact_json_of_an_offer_record():
    """A record as the site writes one: Dutch text, coordinates, nested lists."""
    record = {"titel": "Zwemmen voor ouderen – Súdwest-Fryslân", "lat": 52.370216,
              "lon": 4.895168, "k": [0, 12.5, None], "ok": True, "x": {"y": "<\"'>&"}}
    assert compact_json(record) == json.dumps(record, ensure_ascii=False,
                                              separators=(",", ":"))
