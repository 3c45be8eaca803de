"""The offers, read once at start-up with the same loader as the site generator."""

import datetime as dt
import logging
from dataclasses import dataclass
from pathlib import Path

from flask import current_app

from generator.catalogue.load import load_catalogue
from generator.catalogue.offer import Offer

log = logging.getLogger("referral_app")


@dataclass(frozen=True)
class Lookup:
    """The result of looking up an offer for a form: the offer, or why it cannot be used."""

    offer: Offer | None
    problem: str | None  # None | "unknown" | "no-referrals" | "expired"


def load_offers(offers_dir: Path) -> dict[str, Offer]:
    """Valid offers keyed by id; files with errors are left out (and counted in the log)."""
    if not offers_dir.is_dir():
        log.warning("offers folder %s not found: no offer accepts referrals", offers_dir)
        return {}
    catalogue = load_catalogue([offers_dir])
    log.info("loaded %d offers from %s (%d files with errors left out)",
             len(catalogue.offers), offers_dir, len({p.path for p in catalogue.errors}))
    return catalogue.by_id()


def init_app(app) -> None:
    """Load the offers into the app."""
    app.extensions["beweegkaart_offers"] = load_offers(Path(app.config["OFFERS_DIR"]))


def find_offer(offer_id: str, today: dt.date | None = None) -> Lookup:
    """The offer behind a form URL, or the reason it cannot take referrals."""
    offer = current_app.extensions["beweegkaart_offers"].get(offer_id)
    if offer is None:
        return Lookup(None, "unknown")
    if offer.expired(today or dt.date.today()):
        return Lookup(offer, "expired")
    if not offer.accepts_referrals():
        return Lookup(offer, "no-referrals")
    return Lookup(offer, None)
