"""What the catalogue stages produce: a valid `Offer` with its place, and the `Catalogue`."""

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from .problems import Problem
from .schema import Aanbod
from .vocab import slugify


@dataclass(frozen=True)
class Offer:
    """A valid offer with its derived place: what the site and the referral app read."""

    id: str
    path: Path
    data: Aanbod
    lat: float
    lon: float
    gemeente_code: str
    gemeente: str
    wijk: str | None

    @property
    def gemeente_slug(self) -> str:
        """The gemeente part of the id and of URLs."""
        return slugify(self.gemeente)

    @property
    def slug(self) -> str:
        """The file-name part of the id."""
        return self.id.rsplit("/", 1)[-1]

    def expired(self, today: dt.date) -> bool:
        """True when the offer's 'geldig_tot' date has passed."""
        until = self.data.controle.geldig_tot if self.data.controle else None
        return until is not None and until < today

    def accepts_referrals(self) -> bool:
        """True when the provider takes referrals and has an inbox for them."""
        ref = self.data.verwijzen
        return bool(ref and ref.mogelijk and ref.email)


@dataclass
class Catalogue:
    """The result of loading: the valid offers and every problem found."""

    offers: list[Offer] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    files: int = 0

    @property
    def errors(self) -> list[Problem]:
        """Problems that make the catalogue invalid."""
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        """Problems worth showing that do not block a build."""
        return [p for p in self.problems if p.severity == "warning"]

    def by_id(self) -> dict[str, Offer]:
        """Offers keyed by id."""
        return {offer.id: offer for offer in self.offers}
