"""One offer as OpenActive JSON-LD (Modelling Opportunity Data 2.0), valid for the validator.

Only what is known is published: an unknown price, schedule or accessibility fact is left out,
never written as "no" or as an amount.
"""

import datetime as dt
import json
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from ..catalogue.offer import Offer
from ..catalogue.reference import Reference
from ..catalogue.schema import Aanbod
from ..catalogue.vocab import TALEN

CONTEXT = "https://openactive.io/"  # includes the schema.org terms; no extension contexts
ACTIVITY_LIST = "https://openactive.io/activity-list"
ACCESSIBILITY_LIST = "https://openactive.io/accessibility-support"
TIMEZONE = "Europe/Amsterdam"
WEEKDAYS = {
    "maandag": "Monday",
    "dinsdag": "Tuesday",
    "woensdag": "Wednesday",
    "donderdag": "Thursday",
    "vrijdag": "Friday",
    "zaterdag": "Saturday",
    "zondag": "Sunday",
}
# Price periods as UN/CEFACT unit codes (schema.org UnitPriceSpecification.referenceQuantity).
UNIT_CODES = {"week": "WEE", "maand": "MON", "kwartaal": "QAN", "jaar": "ANN"}
# Our accessibility facts and target groups -> OpenActive accessibility-support concepts.
ACCESSIBILITY = {
    "slechtzienden": "Visual impairment",
    "slechthorenden": "Hearing impairment",
    "aangepast_sporten": "Physical impairment",
}
# EventSeries (offers without weekly times) is not a schema.org Event subclass in the
# OpenActive model: these properties are not defined (or not allowed) there.
NOT_IN_EVENT_SERIES = ("inLanguage", "audience", "endDate")
ACCESSIBILITY_GROUPS = {
    "lichamelijke beperking": "Physical impairment",
    "verstandelijke beperking": "Learning impairment",
    "psychische klachten": "Mental health issues",
}


def offer_url(offer: Offer, site_url: str = "") -> str:
    """The offer page's URL (relative to the site root when site_url is empty)."""
    return f"{site_url.rstrip('/')}/aanbod/{offer.id}/"


@lru_cache(maxsize=4)
def accessibility_concepts(folder: Path) -> dict[str, str]:
    """English label -> concept id of the OpenActive accessibility-support list."""
    data = json.loads((folder / "openactive-accessibility-support.jsonld").read_text("utf-8"))
    return {concept["prefLabel"]: concept["id"] for concept in data["concept"]}


def offer_jsonld(offer: Offer, ref: Reference, site_url: str = "") -> dict:
    """A SessionSeries for an offer with weekly times, else an EventSeries (no schedule)."""
    data = offer.data
    url = offer_url(offer, site_url)
    item: dict = {
        "@context": CONTEXT,
        "@type": "SessionSeries" if data.rooster else "EventSeries",
        "@id": f"{url}#aanbod",
        "identifier": offer.id,
        "name": data.titel,
        "description": data.beschrijving,
        "url": url,
        "activity": [
            {
                "@type": "Concept",
                "@id": ref.activities[code].openactive_id,
                "prefLabel": ref.activities[code].openactive_label,
                "inScheme": ACTIVITY_LIST,
            }
            for code in data.activiteiten
        ],
        "organizer": _clean(
            {
                "@type": "Organization",
                "@id": f"{url}#aanbieder",
                "name": data.aanbieder.naam,
                "url": str(data.aanbieder.website) if data.aanbieder.website else None,
                "telephone": data.aanbieder.telefoon,
                "email": data.aanbieder.email,
            }
        ),
        "location": _place(offer),
        "offers": [_offer_price(data, url)],
        "inLanguage": [TALEN[lang] for lang in data.talen],
    }
    if data.rooster:
        item["eventSchedule"] = [_schedule(slot) for slot in data.rooster]
    if data.op_afspraak:
        item["schedulingNote"] = "Op afspraak: neem contact op om een tijd af te spreken."
    free = data.kosten.gratis if data.kosten else None
    if free is not None or (data.kosten and data.kosten.bedrag is not None):
        item["isAccessibleForFree"] = bool(free)
    item.update(_audience(data, url, ref.folder))
    if data.controle and data.controle.geldig_tot:
        item["endDate"] = _end_of_day(data.controle.geldig_tot)
    if item["@type"] == "EventSeries":
        for key in NOT_IN_EVENT_SERIES:
            item.pop(key, None)
    return item


def _place(offer: Offer) -> dict:
    """The schema.org Place with address and coordinates."""
    place = offer.data.locatie
    return {
        "@type": "Place",
        "name": place.naam,
        "address": {
            "@type": "PostalAddress",
            "streetAddress": place.adres,
            "postalCode": place.postcode,
            "addressLocality": place.plaats,
            "addressRegion": offer.gemeente,
            "addressCountry": "NL",
        },
        "geo": {"@type": "GeoCoordinates", "latitude": offer.lat, "longitude": offer.lon},
    }


def _schedule(slot) -> dict:
    """One weekly slot as a PartialSchedule."""
    return {
        "@type": "PartialSchedule",
        "repeatFrequency": "P1W",
        "byDay": [f"https://schema.org/{WEEKDAYS[slot.dag]}"],
        "startTime": slot.van,
        "endTime": slot.tot,
        "scheduleTimezone": TIMEZONE,
    }


def _audience(data: Aanbod, url: str, reference_dir: Path) -> dict:
    """Age, gender, level, capacity, target groups, photos and accessibility support."""
    item: dict = {}
    if data.leeftijd and (data.leeftijd.van is not None or data.leeftijd.tot is not None):
        item["ageRange"] = _clean(
            {
                "@type": "QuantitativeValue",
                "minValue": data.leeftijd.van,
                "maxValue": data.leeftijd.tot,
            }
        )
    if data.alleen_voor:
        item["genderRestriction"] = (
            "https://openactive.io/FemaleOnly"
            if data.alleen_voor == "vrouwen"
            else "https://openactive.io/MaleOnly"
        )
    if data.niveau:
        item["level"] = [data.niveau]
    if data.groepsgrootte:
        item["maximumAttendeeCapacity"] = data.groepsgrootte
    if data.doelgroepen:
        item["audience"] = [{"@type": "Audience", "name": group} for group in data.doelgroepen]
    if data.fotos:
        item["image"] = [{"@type": "ImageObject", "url": f"{url}{photo.bestand}"}
                         for photo in data.fotos]
    labels = [label for key, label in ACCESSIBILITY.items()
              if data.toegankelijkheid and getattr(data.toegankelijkheid, key) is True]
    labels += [ACCESSIBILITY_GROUPS[g] for g in data.doelgroepen if g in ACCESSIBILITY_GROUPS]
    if labels:
        ids = accessibility_concepts(Path(reference_dir))
        item["accessibilitySupport"] = [
            {"@type": "Concept", "@id": ids[label], "prefLabel": label,
             "inScheme": ACCESSIBILITY_LIST}
            for label in dict.fromkeys(labels)
        ]
    return item


def _offer_price(data: Aanbod, url: str) -> dict:
    """The schema.org Offer for the cost block: free, an amount per period, or unknown."""
    cost = data.kosten
    offer = {"@type": "Offer", "@id": f"{url}#kosten", "url": url}
    if cost is None or not cost.price_known:
        return {**offer, "name": "Kosten onbekend: vraag het de aanbieder"}
    if cost.gratis:
        return {**offer, "name": "Gratis", "price": 0, "priceCurrency": "EUR"}
    unit = _clean({"@type": "QuantitativeValue", "value": 1, "unitCode": UNIT_CODES.get(cost.per),
                   "unitText": cost.per})
    return {
        **offer,
        "name": f"Per {cost.per}",
        "price": cost.bedrag,
        "priceCurrency": "EUR",
        "priceSpecification": {
            "@type": "UnitPriceSpecification",
            "price": cost.bedrag,
            "priceCurrency": "EUR",
            "referenceQuantity": unit,
        },
    }


def _end_of_day(day: dt.date) -> str:
    """The last minute of a day in Dutch time, as an ISO 8601 date-time with offset."""
    moment = dt.datetime.combine(day, dt.time(23, 59), tzinfo=ZoneInfo(TIMEZONE))
    return moment.isoformat()


def _clean(item: dict) -> dict:
    """Drop empty values from a JSON-LD object."""
    return {k: v for k, v in item.items() if v not in (None, "", [])}
