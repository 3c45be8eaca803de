"""The grouping of offers per gemeente, activity and target group, and the overview bodies.

Works on anything with `gemeente_slug`, `gemeente`, `activities` and `doelgroepen` (the
offers' cached parts), so an index is regrouped without reading the offers again.
"""

from collections import defaultdict
from html import escape

from ..catalogue.reference import Reference
from ..catalogue.vocab import DOELGROEPEN, doelgroep_with_narrower, slugify


def by_gemeente(items: list) -> dict[str, tuple[str, list]]:
    """Gemeente slug -> (name, items)."""
    groups: dict[str, tuple[str, list]] = {}
    for item in items:
        found = groups.get(item.gemeente_slug)
        if found is None:
            found = groups[item.gemeente_slug] = (item.gemeente, [])
        found[1].append(item)
    return dict(sorted(groups.items()))


def by_activity(items: list, ref: Reference) -> dict[str, tuple[str, list]]:
    """Activity code -> (Dutch label, items)."""
    groups: dict[str, list] = defaultdict(list)
    for item in items:
        for code in item.activities:
            groups[code].append(item)
    return {code: (ref.activities[code].label, groups[code])
            for code in sorted(groups, key=lambda c: ref.activities[c].label.lower())}


def by_doelgroep(items: list) -> dict[str, tuple[str, list]]:
    """Target-group slug -> (label, items), in the order of the Dutch list."""
    broader: dict[str, list[str]] = defaultdict(list)  # a broad term's page lists its narrower
    for group in DOELGROEPEN:
        for term in doelgroep_with_narrower(group):
            broader[term].append(group)
    groups: dict[str, list] = defaultdict(list)
    pages: dict[tuple, set] = {}  # the pages of each combination of target groups (a handful)
    for item in items:
        terms = tuple(item.doelgroepen)
        found = pages.get(terms)
        if found is None:
            found = pages[terms] = {g for term in terms for g in broader[term]}
        for group in found:
            groups[group].append(item)
    return {slugify(g): (g, groups[g]) for g in DOELGROEPEN if groups[g]}


def links(groups: dict[str, tuple[str, list]]) -> str:
    """An HTML list of links to the index pages of groups, with counts."""
    items = "".join(f'<li><a href="{escape(key)}/">{escape(label)}</a> ({len(found)})</li>\n'
                    for key, (label, found) in groups.items())
    return f'<ul class="bk-groepen">\n{items}</ul>\n'


def groupings(items: list, ref: Reference) -> dict[str, dict[str, tuple[str, list]]]:
    """The three groupings, by the URL folder of their index pages: as by_gemeente,
    by_activity and by_doelgroep give them, in one pass over the items (a rebuild groups
    every offer)."""
    broader: dict[str, list[str]] = defaultdict(list)
    for group in DOELGROEPEN:
        for term in doelgroep_with_narrower(group):
            broader[term].append(group)
    gemeenten: dict[str, tuple[str, list]] = {}
    activities: dict[str, list] = defaultdict(list)
    targets: dict[str, list] = defaultdict(list)
    pages: dict[tuple, set] = {}  # the pages of each combination of target groups
    for item in items:
        found = gemeenten.get(item.gemeente_slug)
        if found is None:
            found = gemeenten[item.gemeente_slug] = (item.gemeente, [])
        found[1].append(item)
        for code in item.activities:
            activities[code].append(item)
        terms = tuple(item.doelgroepen)
        groups = pages.get(terms)
        if groups is None:
            groups = pages[terms] = {g for term in terms for g in broader[term]}
        for group in groups:
            targets[group].append(item)
    return {
        "aanbod": dict(sorted(gemeenten.items())),
        "activiteit": {code: (ref.activities[code].label, activities[code]) for code in
                       sorted(activities, key=lambda c: ref.activities[c].label.lower())},
        "doelgroep": {slugify(g): (g, targets[g]) for g in DOELGROEPEN if targets[g]},
    }


def overview_bodies(count: int, groups: dict[str, dict]) -> dict[str, str]:
    """The bodies of the three overview pages (their headings come from the theme)."""
    return {
        "aanbod/index.html": (
            f"<p>Er staan {count} activiteiten op de beweegkaart. Kies een gemeente. Je kunt ook "
            'zoeken <a href="../activiteit/">per activiteit</a> of '
            '<a href="../doelgroep/">per doelgroep of klacht</a>.</p>\n'
            + links(groups["aanbod"])),
        "activiteit/index.html": "<p>Kies wat je wilt doen.</p>\n" + links(groups["activiteit"]),
        "doelgroep/index.html": (
            "<p>Deze activiteiten zijn extra geschikt voor mensen met een bepaalde klacht of in "
            "een bepaalde groep. Je mag altijd ook ander aanbod kiezen.</p>\n"
            + links(groups["doelgroep"])),
    }
