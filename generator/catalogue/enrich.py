"""Enrich a validated offer with its place: coordinates, gemeente and wijk from the reference."""

from pathlib import Path

from .offer import Offer
from .reference import Reference
from .schema import Aanbod


def enrich(oid: str, path: Path, model: Aanbod, ref: Reference) -> Offer:
    """The offer with coordinates (its own or the postcode's centre), gemeente and wijk."""
    pc = ref.postcodes[model.locatie.postcode[:4]]
    coords = model.locatie.coordinaten
    lat, lon = (coords.lat, coords.lon) if coords is not None else (pc.lat, pc.lon)
    wijk = ref.wijk_at(pc.gemeente_code, lat, lon)
    return Offer(oid, path, model, lat, lon, pc.gemeente_code, pc.gemeente, wijk)
