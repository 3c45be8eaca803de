"""The grouping of offers per gemeente, activity and target group, and the overview pages."""

from collections import defaultdict
from html import escape

from ..catalogue.load import Offer
from ..catalogue.reference import Reference
from ..catalogue.vocab import DOELGROEPEN, doelgroep_with_narrower, slugify


def by_gemeente(offers: list[Offer]) -> dict[str, tuple[str, list[Offer]]]:
    """Gemeente slug -> (name, offers)."""
    groups: dict[str, tuple[str, list[Offer]]] = {}
    for offer in offers:
        groups.setdefault(offer.gemeente_slug, (offer.gemeente, []))[1].append(offer)
    return dict(sorted(groups.items()))


def by_activity(offers: list[Offer], ref: Reference) -> dict[str, tuple[str, list[Offer]]]:
    """Activity code -> (Dutch label, offers)."""
    groups: dict[str, list[Offer]] = defaultdict(list)
    for offer in offers:
        for code in offer.data.activiteiten:
            groups[code].append(offer)
    return {code: (ref.activities[code].label, groups[code])
            for code in sorted(groups, key=lambda c: ref.activities[c].label.lower())}


def by_doelgroep(offers: list[Offer]) -> dict[str, tuple[str, list[Offer]]]:
    """Target-group slug -> (label, offers), in the order of the Dutch list."""
    groups: dict[str, list[Offer]] = defaultdict(list)
    for offer in offers:
        for group in DOELGROEPEN:  # a broad term's page also lists its narrower terms
            if doelgroep_with_narrower(group) & set(offer.data.doelgroepen):
                groups[group].append(offer)
    return {slugify(g): (g, groups[g]) for g in DOELGROEPEN if groups[g]}


def links(groups: dict[str, tuple[str, list[Offer]]]) -> str:
    """An HTML list of links to the index pages of groups, with counts."""
    items = "".join(f'<li><a href="{escape(key)}/">{escape(label)}</a> ({len(found)})</li>\n'
                    for key, (label, found) in groups.items())
    return f'<ul class="bk-groepen">\n{items}</ul>\n'


def overview_pages(offers: list[Offer], ref: Reference) -> dict[str, str]:
    """Markdown sources of the three overview pages MkDocs renders (they are in the nav)."""
    count = len(offers)
    return {
        "aanbod/index.md": (
            "# Aanbod per gemeente\n\n"
            f"Er staan {count} activiteiten op de beweegkaart. Kies een gemeente. Je kunt ook "
            "zoeken [per activiteit](../activiteit/index.md) of "
            "[per doelgroep of klacht](../doelgroep/index.md).\n\n"
            + links(by_gemeente(offers))),
        "activiteit/index.md": (
            "# Aanbod per activiteit\n\nKies wat je wilt doen.\n\n"
            + links(by_activity(offers, ref))),
        "doelgroep/index.md": (
            "# Aanbod per doelgroep of klacht\n\n"
            "Deze activiteiten zijn extra geschikt voor mensen met een bepaalde klacht of in "
            "een bepaalde groep. Je mag altijd ook ander aanbod kiezen.\n\n"
            + links(by_doelgroep(offers))),
    }
