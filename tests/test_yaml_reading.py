"""Unit tests of generator/catalogue/yamlio.py: how offer YAML is read, where a field is."""

import datetime as dt

import pytest

from generator.catalogue import yamlio
from generator.catalogue.problems import Problem
from generator.catalogue.yamlio import MAX_BYTES, locate, read_yaml


def read(text: str):
    """read_yaml on a text; returns (data, problems)."""
    return read_yaml(text.encode("utf-8"), "aanbod.yaml")


@pytest.mark.parametrize(("source", "expected"), [
    ("10:00", "10:00"),          # YAML 1.1 would make this 600 (base 60)
    ("9:30", "9:30"),
    ("nee", "nee"),              # YAML 1.1 would make these booleans
    ("no", "no"),
    ("yes", "yes"),
    ("on", "on"),
    ("off", "off"),
    ("ja", "ja"),
    ("0123", "0123"),            # leading zero: not octal, not 123
    ("010 123 4567", "010 123 4567"),
    ("0612345678", "0612345678"),
    ("007", "007"),
    ("5,00", "5,00"),
    ("3072 AB", "3072 AB"),
    ("2026-10-01 10:00", "2026-10-01 10:00"),
    ("01-10-2026", "01-10-2026"),
    ("0x1F", "0x1F"),
    ("1_000", "1_000"),
    (".inf", ".inf"),
    (".nan", ".nan"),
    ("2026-10-01", dt.date(2026, 10, 1)),
    ("3072", 3072),
    ("0", 0),
    ("-5", -5),
    ("5.50", 5.5),
    ("5.", 5.0),
    ("true", True),
    ("False", False),
    ("~", None),
    ("null", None),
    ("", None),
])
def test_scalars(source, expected):
    """Plain scalars follow YAML 1.2 habits: only true/false, numbers and ISO dates change type."""
    data, problems = read(f"waarde: {source}\n")
    assert problems == []
    assert data["waarde"] == expected
    assert type(data["waarde"]) is type(expected)


def test_memoised_tags_are_the_tags_of_the_rules(monkeypatch):
    """The tags of plain texts are memoised (up to a bound): a text read again, or read after
    the memo is full, gets the type the rules give it."""
    monkeypatch.setattr(yamlio, "RESOLVED", {})
    monkeypatch.setattr(yamlio, "RESOLVED_MAX", 4)
    text = "a: 3072\nb: ja\nc: 2026-10-01\nd: true\ne: 5.50\nf: 3072\ng: ~\nh: 0123\n"
    expected = {"a": 3072, "b": "ja", "c": dt.date(2026, 10, 1), "d": True, "e": 5.5,
                "f": 3072, "g": None, "h": "0123"}
    for _ in range(2):
        data, problems = read(text)
        assert problems == [] and data == expected
        assert [type(v) for v in data.values()] == [type(v) for v in expected.values()]
    assert len(yamlio.RESOLVED) == 4


def test_quoted_scalars_stay_strings():
    """Quoting always gives text, whatever it looks like."""
    data, problems = read('a: "10"\nb: \'2026-10-01\'\nc: "true"\n')
    assert problems == []
    assert data == {"a": "10", "b": "2026-10-01", "c": "true"}


def test_duplicate_top_level_key_found_with_its_line():
    """A repeated key is reported at the second occurrence; the last value is kept."""
    data, problems = read("titel: Een\nniveau: rustig\ntitel: Twee\n")
    assert data["titel"] == "Twee"
    assert [(p.line, p.column, p.field) for p in problems] == [(3, 1, "titel")]
    assert "twee keer" in problems[0].message


def test_duplicate_keys_in_nested_blocks_found_with_their_lines():
    """Duplicates deep inside blocks and list items are all found, each on its own line."""
    text = (
        "kosten:\n"               # 1
        "  bedrag: 5.00\n"        # 2
        "  per: maand\n"          # 3
        "  bedrag: 4.00\n"        # 4
        "rooster:\n"              # 5
        "  - dag: dinsdag\n"      # 6
        "    van: '10:00'\n"      # 7
        "    dag: woensdag\n"     # 8
        "locatie:\n"              # 9
        "  coordinaten:\n"        # 10
        "    lat: 51.9\n"         # 11
        "    lon: 4.4\n"          # 12
        "    lat: 52.0\n"         # 13
    )
    data, problems = read(text)
    assert isinstance(data, dict)
    assert [(p.line, p.column, p.field.rsplit(".", 1)[-1]) for p in problems] == [
        (4, 3, "bedrag"), (8, 5, "dag"), (13, 5, "lat")]
    assert all(p.severity == "error" for p in problems)


def test_duplicate_key_in_flow_mapping():
    """Duplicates in {a: 1, a: 2} style blocks are found too, with their column."""
    _, problems = read("leeftijd: {van: 60, van: 65}\n")
    assert [(p.line, p.column) for p in problems] == [(1, 21)]


def test_bom_is_accepted():
    """A UTF-8 byte order mark (Windows editors) is not part of the first key."""
    data, problems = read_yaml(b"\xef\xbb\xbftitel: Yoga op de stoel\n", "a.yaml")
    assert problems == [] and data == {"titel": "Yoga op de stoel"}


def test_not_utf8_reports_line_and_column_of_first_bad_byte():
    """Latin-1 bytes: the problem points at the first byte that is not UTF-8."""
    data, problems = read_yaml("titel: Yoga\nplaats: Caf\xe9 Zuid\n".encode("latin-1"), "a.yaml")
    assert data is None
    [problem] = problems
    assert (problem.line, problem.column, problem.field) == (2, 12, "")
    assert "UTF-8" in problem.message


def test_size_limit():
    """Over 100 KB is refused before parsing; exactly 100 KB is read."""
    exact = b"a: 1\n#" + b"x" * (MAX_BYTES - 7) + b"\n"
    assert len(exact) == MAX_BYTES
    assert read_yaml(exact, "a.yaml") == ({"a": 1}, [])
    data, [problem] = read_yaml(exact + b"#", "a.yaml")
    assert data is None and "100 KB" in problem.message


def test_tabs_reported_per_line():
    """Each line indented with a tab is reported at the tab's column; tabs inside text are fine."""
    data, problems = read("a:\n\tb: 1\nc: 'x\ty'\nd:\n  \te: 2\n")
    assert data is None
    assert [(p.line, p.column) for p in problems] == [(2, 1), (5, 3)]


def test_aliases_refused_before_expanding():
    """A billion-laughs file is refused quickly, without building the huge value."""
    lines = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for prev, name in zip("abcdefghi", "bcdefghij", strict=True):
        lines.append(f"{name}: &{name} [{', '.join([f'*{prev}'] * 9)}]")
    data, problems = read("\n".join(lines) + "\n")
    assert data is None
    assert problems and all("& en *" in p.message for p in problems)
    assert problems[0].line == 2


def test_anchor_without_alias_is_harmless():
    """An anchor that is never used does not expand anything and is accepted."""
    data, problems = read("titel: &t Yoga\n")
    assert problems == [] and data == {"titel": "Yoga"}


def test_syntax_error_has_position_and_dutch_hint():
    """An unquoted colon in text: the position of the colon and a hint in Dutch."""
    data, [problem] = read("titel: Bewegen: voor iedereen\n")
    assert data is None
    assert (problem.line, problem.column) == (1, 15)
    assert problem.message.startswith("YAML-fout") and "aanhalingstekens" in problem.message


@pytest.mark.parametrize("text", ["", "# alleen commentaar\n", "- a\n- b\n", "gewoon tekst\n"])
def test_top_level_must_be_a_mapping(text):
    """Empty files, lists and bare text are reported on line 1."""
    data, problems = read(text)
    assert data is None
    assert [(p.line, p.field) for p in problems] == [(1, "")]
    assert "velden" in problems[0].message


def test_problem_format():
    """`path:line:column: field: message (got VALUE)`, with warnings marked."""
    problem = Problem("offers/rotterdam/a.yaml", 3, 5, "kosten.bedrag", "moet een getal zijn",
                      "5,00", True)
    assert problem.format() == ("offers/rotterdam/a.yaml:3:5: kosten.bedrag: "
                                "moet een getal zijn (got '5,00')")
    warning = Problem("a.yaml", 1, 1, "", "let op", severity="warning")
    assert warning.format() == "a.yaml:1:1: waarschuwing: let op"
    assert Problem("a.yaml", 1, 1, "x", "leeg", None, True).format().endswith("(got leeg)")


OFFER = """\
titel: Yoga op de stoel
locatie:
  naam: Buurthuis
  postcode: 6211 LE
rooster:
  - {dag: dinsdag, van: "10:00", tot: "11:00"}
  - dag: vrijdag
    van: "14:00"
"""


@pytest.mark.parametrize(("loc", "expected"), [
    ((), (1, 1)),
    (("titel",), (1, 1)),
    (("locatie",), (2, 1)),
    (("locatie", "postcode"), (4, 3)),
    (("rooster", 0), (6, 5)),
    (("rooster", 0, "tot"), (6, 34)),
    (("rooster", 1, "van"), (8, 5)),
    (("rooster", 1, "tot"), (7, 5)),          # missing field: its list item
    (("locatie", "coordinaten", "lat"), (2, 1)),  # missing block: the nearest parent key
    (("rooster", 5), (5, 1)),                 # index past the end: the list's key
    (("bestaat_niet",), (1, 1)),
])
def test_locate(loc, expected):
    """locate finds the key of a field, or the deepest part of its path that exists."""
    assert locate(OFFER, loc) == expected


def test_locate_takes_last_duplicate():
    """With a duplicate key, the value that counts (the last) is the one located."""
    assert locate("a: 1\nb: 2\na: 3\n", ("a",)) == (3, 1)


@pytest.mark.parametrize("text", ["titel: [\n", "", "\t- x\n"])
def test_locate_on_broken_yaml_gives_first_line(text):
    """On text that does not parse, locate falls back to 1:1 instead of raising."""
    assert locate(text, ("titel",)) == (1, 1)


def test_a_tab_deep_in_the_file_is_found():
    """A tab on a later line is reported too (the scan is skipped only for files without any)."""
    text = "".join(f"veld{n}: waarde\n" for n in range(40)) + "blok:\n\tb: 1\n"
    data, problems = read(text)
    assert data is None
    assert [(p.line, p.column) for p in problems] == [(42, 1)]
    assert "tab gebruikt om in te springen" in problems[0].message
