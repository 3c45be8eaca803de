"""Plain-Dutch summaries of an offer's facts (when, cost, for whom), shared by pages and data."""

from typing import NamedTuple

from ..catalogue.schema import Aanbod
from ..catalogue.vocab import DAGEN, KOSTEN_PER

PARTS = ["ochtend", "middag", "avond"]
NIVEAU_TEKST = {"rustig": "rustig tempo", "gemiddeld": "gemiddeld tempo", "intensief": "intensief"}


def part_of_day(start: str) -> int:
    """0 = ochtend (before 12:00), 1 = middag (before 18:00), 2 = avond."""
    hour = int(start[:2])
    return 0 if hour < 12 else 1 if hour < 18 else 2


def euro(amount: float) -> str:
    """An amount in Dutch notation: € 5,50 or € 5."""
    if float(amount).is_integer():
        return f"€ {int(amount)}"
    return f"€ {amount:.2f}".replace(".", ",")


UNKNOWN = "Onbekend: vraag het de aanbieder"


def monthly_cost(data: Aanbod) -> float | None:
    """The cost per month in euro (0 when free, None when unknown), to filter on a budget."""
    cost = data.kosten
    if cost is None or not cost.price_known:
        return None
    if cost.gratis:
        return 0.0
    factor = KOSTEN_PER.get(cost.per)
    if factor is None:  # per les: sessions per week times weeks per month
        factor = max(len(data.rooster), 1) * 52 / 12
    return cost.bedrag * factor


def cost_text(data: Aanbod) -> str:
    """'Gratis', '€ 5 per maand' or 'Kosten onbekend', the way a patient reads it."""
    cost = data.kosten
    if cost is None or not cost.price_known:
        return "Kosten onbekend"
    if cost.gratis:
        return "Gratis"
    return f"{euro(cost.bedrag)} per {cost.per}"


def when_text(data: Aanbod) -> str:
    """The weekly schedule in one line: 'dinsdag 10:00-11:00, vrijdag 19:00-20:00'."""
    slots = sorted(data.rooster, key=lambda s: (DAGEN.index(s.dag), s.van))
    parts = [f"{s.dag} {s.van}-{s.tot}" for s in slots]
    if data.op_afspraak:
        parts.append("op afspraak")
    return ", ".join(parts) or "tijden onbekend"


class Summary(NamedTuple):
    """An offer's schedule and cost in one line each, as its page, its index row and its
    records show them (made once per offer: `summary`)."""

    when: str
    cost: str


def summary(data: Aanbod) -> Summary:
    """`when_text` and `cost_text` of an offer."""
    return Summary(when_text(data), cost_text(data))


def age_text(data: Aanbod) -> str:
    """'vanaf 55 jaar', '18 tot 65 jaar' or ''."""
    age = data.leeftijd
    if age is None or (age.van is None and age.tot is None):
        return ""
    if age.tot is None:
        return f"vanaf {age.van} jaar"
    if age.van is None:
        return f"tot {age.tot} jaar"
    return f"{age.van} tot {age.tot} jaar"


def for_whom_text(data: Aanbod) -> str:
    """Who may join, in one line (gender and age restrictions)."""
    bits = []
    if data.alleen_voor:
        bits.append(f"alleen voor {data.alleen_voor}")
    if age_text(data):
        bits.append(age_text(data))
    return ", ".join(bits) or "iedereen"
