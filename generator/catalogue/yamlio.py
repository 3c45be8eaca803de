"""Strict, fast YAML reading for offer files, and finding the line of a field.

libyaml (PyYAML's C loader) parses; a small resolver follows YAML 1.2 habits so that
`10:00` stays a time string and `nee`/`no` are not silently turned into booleans.
Positions are only looked up (by composing the file again) when there is an error to report.
"""

import re

import yaml

from .paths import field_path
from .problems import Problem

MAX_BYTES = 100 * 1024


class OfferLoader(yaml.CSafeLoader):
    """libyaml loader with YAML 1.2-style scalars and duplicate-key detection."""

    def __init__(self, stream):
        super().__init__(stream)
        self.duplicates: list[tuple[str, yaml.Mark]] = []

    # Speed: offer files have no aliases and no path resolvers, so the common nodes (text,
    # lists, blocks) skip PyYAML's generic bookkeeping. Everything else goes the usual way.
    def construct_object(self, node, deep=False):
        """Build the Python value of one node."""
        tag = node.tag
        if tag == STR_TAG and type(node) is yaml.ScalarNode:
            return node.value
        if tag == SEQ_TAG and type(node) is yaml.SequenceNode:
            return [self.construct_object(item) for item in node.value]
        if tag == MAP_TAG and type(node) is yaml.MappingNode:
            return _construct_mapping(self, node)
        return super().construct_object(node, deep=True)

    def resolve(self, kind, value, implicit):
        """The tag of an untagged node, using only our YAML 1.2-style scalar rules."""
        if kind is yaml.ScalarNode:
            if implicit[0]:
                tag = RESOLVED.get(value)
                if tag is None:
                    tag = plain_tag(value)
                    if len(RESOLVED) < RESOLVED_MAX:
                        RESOLVED[value] = tag
                return tag
            return STR_TAG
        return SEQ_TAG if kind is yaml.SequenceNode else MAP_TAG

    def descend_resolver(self, current_node, current_index):
        """No path-based resolvers are used."""

    def ascend_resolver(self):
        """No path-based resolvers are used."""


STR_TAG, SEQ_TAG, MAP_TAG = (f"tag:yaml.org,2002:{t}" for t in ("str", "seq", "map"))
OfferLoader.yaml_implicit_resolvers = {}
for _tag, _regexp, _first in [
    ("bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    ("int", r"^[-+]?(?:0|[1-9][0-9]*)$", "-+0123456789"),
    ("float", r"^[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$", "-+0123456789."),
    ("null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
    ("timestamp", r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$", "0123456789"),
]:
    OfferLoader.add_implicit_resolver(
        f"tag:yaml.org,2002:{_tag}", re.compile(_regexp), list(_first)
    )
IMPLICIT = OfferLoader.yaml_implicit_resolvers
# The tag of a plain scalar depends on its text only, and offer files repeat the same plain
# texts (field names, days, levels, yes and no): their tags are memoised, up to a bound.
RESOLVED: dict[str, str] = {}
RESOLVED_MAX = 4096


def plain_tag(value: str) -> str:
    """The tag of a plain (unquoted) scalar under our YAML 1.2-style rules."""
    for tag, regexp in IMPLICIT.get(value[:1], ()):
        if regexp.match(value):
            return tag
    return STR_TAG


def _construct_mapping(loader: OfferLoader, node: yaml.MappingNode) -> dict:
    """Build a dict, remembering duplicate keys instead of silently keeping the last one."""
    mapping = {}
    for key_node, value_node in node.value:
        if not isinstance(key_node, yaml.ScalarNode):
            raise yaml.constructor.ConstructorError(
                None, None, "een veldnaam moet gewone tekst zijn", key_node.start_mark
            )
        key = key_node.value  # keys stay text as written: '2026' is an unknown field, not a number
        if key in mapping:
            loader.duplicates.append((key, key_node.start_mark))
        mapping[key] = loader.construct_object(value_node, deep=True)
    return mapping


OfferLoader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)


def _construct_date(loader: OfferLoader, node: yaml.ScalarNode):
    """A YYYY-MM-DD date, or the text itself when no such day exists (2026-02-30)."""
    try:
        return loader.construct_yaml_timestamp(node)
    except ValueError:
        return node.value


OfferLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_date)


def _checked(constructor):
    """Wrap a scalar constructor: a value that does not fit its !!tag is a YAML error."""

    def construct(loader, node):
        try:
            return constructor(loader, node)
        except (ValueError, KeyError, TypeError, OverflowError):
            raise yaml.constructor.ConstructorError(
                None,
                None,
                f"'{node.value}' past niet bij het label {node.tag.rsplit(':', 1)[-1]}"
                "; haal labels als !!int weg",
                node.start_mark,
            ) from None

    return construct


for _name in ("int", "float", "bool"):
    _tag = f"tag:yaml.org,2002:{_name}"
    OfferLoader.add_constructor(_tag, _checked(OfferLoader.yaml_constructors[_tag]))
for _name in ("binary", "set", "omap", "pairs"):
    OfferLoader.yaml_constructors.pop(f"tag:yaml.org,2002:{_name}", None)
MAX_DEPTH = 20


def read_yaml(data: bytes, path: str) -> tuple[object, list[Problem]]:
    """Parse the bytes of one offer file; return (data or None, problems)."""
    text, problems = _decode(data, path)
    if text is None:
        return None, problems
    problems = _tab_problems(text, path)
    if problems:
        return None, problems
    if "&" in text or "*" in text:
        problems = _alias_problems(text, path)
        if problems:
            return None, problems
    if text.count("[") + text.count("{") + text.count("- ") + text.count("? ") > 200:
        problem = _depth_problem(text, path, fallback=False)
        if problem:
            return None, [problem]
    loader = OfferLoader(text)
    try:
        value = loader.get_single_data()
    except yaml.constructor.ConstructorError as exc:
        mark = exc.problem_mark
        return None, [Problem(path, mark.line + 1, mark.column + 1, "", exc.problem)]
    except yaml.YAMLError as exc:
        return None, [_syntax_problem(exc, text, path)]
    except RecursionError:
        return None, [_depth_problem(text, path)]
    finally:
        loader.dispose()
    problems = [
        Problem(path, mark.line + 1, mark.column + 1, field_at(text, mark),
                "dit veld staat er twee keer in; haal er één weg")
        for _key, mark in loader.duplicates
    ]
    if not isinstance(value, dict):
        problems.append(Problem(path, 1, 1, "",
                                "het bestand moet velden bevatten, zoals 'titel: ...'",
                                value, value is not None))
        return None, problems
    return value, problems


def _decode(data: bytes, path: str) -> tuple[str | None, list[Problem]]:
    """The file's text: not too big, UTF-8 (a byte-order mark is allowed)."""
    if len(data) > MAX_BYTES:
        return None, [Problem(path, 1, 1, "",
                              f"bestand is groter dan {MAX_BYTES // 1024} KB; "
                              "zet grote foto's los naast het bestand",
                              f"{len(data) // 1024} KB", True)]
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        return None, [Problem(path, line, column, "",
                              "bestand is geen UTF-8; sla het op als UTF-8 (Unicode)",
                              data[exc.start : exc.start + 4], True)]


def _tab_problems(text: str, path: str) -> list[Problem]:
    """Tabs used for indentation: YAML forbids them and editors hide them."""
    if "\t" not in text:
        return []
    problems = []
    for number, line in enumerate(text.splitlines(), start=1):
        indent = line[: len(line) - len(line.lstrip(" \t"))]
        if "\t" in indent:
            problems.append(
                Problem(
                    path,
                    number,
                    indent.index("\t") + 1,
                    "",
                    "tab gebruikt om in te springen; gebruik spaties",
                )
            )
    return problems


def _alias_problems(text: str, path: str) -> list[Problem]:
    """Anchors and aliases (&naam, *naam) are refused: they enable 'billion laughs' bombs."""
    problems = []
    try:
        for event in yaml.parse(text, Loader=yaml.CSafeLoader):
            if isinstance(event, yaml.AliasEvent):
                mark = event.start_mark
                problems.append(
                    Problem(
                        path,
                        mark.line + 1,
                        mark.column + 1,
                        "",
                        "verwijzingen met & en * zijn niet toegestaan; schrijf de waarde voluit",
                        f"*{event.anchor}",
                        True,
                    )
                )
                if len(problems) >= 5:
                    break
    except yaml.YAMLError:
        return []  # a syntax error: the full parse reports it with its position
    return problems


def _depth_problem(text: str, path: str, fallback: bool = True) -> Problem | None:
    """Where the nesting of lists and blocks gets deeper than any offer needs."""
    depth = 0
    try:
        events = list(yaml.parse(text, Loader=yaml.CSafeLoader))
    except yaml.YAMLError:
        events = []  # the full parse reports the syntax error with its position
    for event in events:
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                mark = event.start_mark
                return Problem(
                    path,
                    mark.line + 1,
                    mark.column + 1,
                    "",
                    f"te diep genest (meer dan {MAX_DEPTH} niveaus)",
                )
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
    return Problem(path, 1, 1, "", "te diep genest") if fallback else None


def field_at(text: str, mark: yaml.Mark) -> str:
    """The dotted field path of the key that starts at `mark` ('kosten.bedrag')."""
    try:
        node = yaml.compose(text, Loader=yaml.CSafeLoader)
    except yaml.YAMLError:
        return ""
    path: list = []
    while node is not None:
        found = None
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if key.start_mark.index == mark.index:
                    return field_path([*path, key.value])
                if _contains(value, mark):
                    found, path = value, [*path, key.value]
                    break
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                if _contains(item, mark):
                    found, path = item, [*path, index]
                    break
        node = found
    return ""


def _contains(node: yaml.Node, mark: yaml.Mark) -> bool:
    """True when `mark` lies inside the node's text."""
    return node.start_mark.index <= mark.index < node.end_mark.index


SYNTAX_HINTS = [
    (
        "mapping values are not allowed",
        "staat er een dubbele punt in de tekst? Zet de tekst dan tussen aanhalingstekens",
    ),
    ("could not find expected ':'", "mist er een dubbele punt achter een veldnaam?"),
    ("did not find expected key", "klopt het inspringen? Gebruik steeds twee spaties"),
    (
        "found character that cannot start any token",
        "begint een tekst met een teken als @ of `? Zet de tekst tussen aanhalingstekens",
    ),
    ("found unexpected end of stream", "mist er een afsluitend aanhalingsteken?"),
    ("unacceptable character", "het bestand bevat een onzichtbaar of verboden teken"),
    ("special characters are not allowed", "het bestand bevat een onzichtbaar of verboden teken"),
    (
        "but found another document",
        "het bestand bevat een regel '---' en daardoor twee documenten; haal de '---' weg",
    ),
]


def _syntax_problem(exc: yaml.YAMLError, text: str, path: str) -> Problem:
    """Turn a YAML parser error into a Dutch message at its position."""
    if isinstance(exc, yaml.reader.ReaderError):
        line, column = _offset_position(text, exc.position)
        return Problem(
            path,
            line,
            column,
            "",
            "het bestand bevat een onzichtbaar of verboden teken; typ deze regel opnieuw",
            f"\\x{exc.character:02x}" if isinstance(exc.character, int) else exc.character,
            True,
        )
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    problem = getattr(exc, "problem", None) or str(exc)
    context = getattr(exc, "context", None) or ""
    if "quoted scalar" in context or "quoted scalar" in problem:
        start = exc.context_mark or mark
        return Problem(
            path,
            start.line + 1,
            start.column + 1,
            "",
            'aanhalingsteken wordt niet afgesloten; zet aan het eind van de tekst ook een "',
        )
    open_quote = _unclosed_quote_line(text, line)
    if open_quote:
        return Problem(
            path,
            open_quote,
            1,
            "",
            "aanhalingsteken wordt niet afgesloten op deze "
            'regel; zet aan het eind van de tekst ook een "',
        )
    hint = next((h for key, h in SYNTAX_HINTS if key in problem), "")
    message = f"YAML-fout: {problem}" + (f" ({hint})" if hint else "")
    return Problem(path, line, column, "", message)


def _unclosed_quote_line(text: str, error_line: int) -> int | None:
    """The line where a quoted text starts that runs on over several lines (a missing quote)."""
    try:
        for token in yaml.scan(text, Loader=yaml.CSafeLoader):
            if token.start_mark.line >= error_line:
                break
            if (
                isinstance(token, yaml.ScalarToken)
                and token.style in ('"', "'")
                and token.end_mark.line > token.start_mark.line
            ):
                return token.start_mark.line + 1
    except yaml.YAMLError:
        pass
    return None


def _offset_position(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of a character offset."""
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def locate(text: str, loc: tuple) -> tuple[int, int]:
    """1-based (line, column) of the deepest part of `loc` that exists in the YAML text."""
    try:
        node = yaml.compose(text, Loader=yaml.CSafeLoader)
    except yaml.YAMLError:
        return 1, 1
    if node is None:
        return 1, 1
    mark = node.start_mark
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            match = next(((k, v) for k, v in reversed(node.value) if k.value == str(part)), None)
            if match is None:
                break
            mark, node = match[0].start_mark, match[1]
        elif (
            isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value)
        ):
            node = node.value[part]
            mark = node.start_mark
        else:
            break
    return mark.line + 1, mark.column + 1
