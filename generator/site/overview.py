"""The grouping of offers per gemeente, activity and target group, and the overview bodies.

Works on anything with `gemeente_slug`, `gemeente`, `activities` and `doelgroepen` (the
offers' cached parts), so an index is regrouped without reading the offers again.
"""

from collections import defaultdict
from functools import lru_cache
from html import escape

from ..catalogue.reference import Reference
from ..catalogue.vocab import DOELGROEPEN, doelgroep_with_narrower, slugify


@lru_cache(maxsize=1)
def broader_terms() -> dict[str, tuple[str, ...]]:
    """Target-group term -> the groups whose index page lists it (a broad term's page lists
    its narrower terms too)."""
    broader: dict[str, list[str]] = defaultdict(list)
    for group in DOELGROEPEN:
        for term in doelgroep_with_narrower(group):
            broader[term].append(group)
    return {term: tuple(groups) for term, groups in broader.items()}


def links(groups: dict[str, tuple[str, list]]) -> str:
    """An HTML list of links to the index pages of groups, with counts."""
    items = "".join(f'<li><a href="{escape(key)}/">{escape(label)}</a> ({len(found)})</li>\n'
                    for key, (label, found) in groups.items())
    return f'<ul class="bk-groepen">\n{items}</ul>\n'


def groupings(items: list, ref: Reference) -> dict[str, dict[str, tuple[str, list]]]:
    """The three groupings, by the URL folder of their index pages, in one pass over the
    items (a rebuild groups every offer): gemeente slug -> (name, items) in slug order,
    activity code -> (label, items) in label order, target-group slug -> (label, items) in
    the order of the Dutch list, each group's items in the order given."""
    broader = broader_terms()
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
            groups = pages[terms] = {g for term in terms for g in broader.get(term, ())}
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
