"""Which of the facts a clinician relies on are known for an offer (unknown is never "no")."""

from collections.abc import Callable
from dataclasses import dataclass

from .schema import Aanbod


@dataclass(frozen=True)
class Fact:
    """One fact a clinician checks before referring, and how to tell it is known."""

    key: str
    label: str  # plain Dutch, for "nog niet bekend: ..." and the curator's report
    known: Callable[[Aanbod], bool]


FACTS = [
    Fact("kosten", "de kosten", lambda d: d.kosten is not None and d.kosten.price_known),
    Fact("tijden", "de tijden", lambda d: d.schedule_known),
    Fact("rolstoel", "of je er met een rolstoel kunt komen",
         lambda d: d.toegankelijkheid is not None and d.toegankelijkheid.rolstoel is not None),
    Fact("begeleiding", "de opleiding van de begeleiding", lambda d: bool(d.begeleiding)),
    Fact("niveau", "hoe zwaar het is", lambda d: d.niveau is not None),
    Fact("contact", "een telefoonnummer of e-mailadres",
         lambda d: bool(d.aanbieder.telefoon or d.aanbieder.email)),
    Fact("proefles", "of er een gratis proefles is",
         lambda d: d.kosten is not None and d.kosten.gratis_proefles is not None),
]


@dataclass(frozen=True)
class Completeness:
    """The known and missing facts of one offer."""

    known: list[Fact]
    missing: list[Fact]

    @property
    def score(self) -> str:
        """'5/7': known facts out of all."""
        return f"{len(self.known)}/{len(FACTS)}"

    @property
    def complete(self) -> bool:
        """True when every fact is known."""
        return not self.missing


def completeness(data: Aanbod) -> Completeness:
    """Split the clinician's facts into known and missing for one offer."""
    known = [fact for fact in FACTS if fact.known(data)]
    return Completeness(known, [fact for fact in FACTS if fact not in known])
