"""The one schedule grammar for people: 'di 10:00-11:00; donderdag 19.30-20.30 om de week'.

Used by `beweegkaart new` (and the issue form) and by the spreadsheet importer. A day may be
written in full or shortened to two or three letters; times as 10:00 or 10.00; the two times
joined by '-', '–' or 'tot'; anything after the times is kept as a remark. An unknown day word
is kept as written, so the schema reports it with a 'did you mean' hint.
"""

import re

from .vocab import DAGEN

DAY_NAMES = {**{d[:2]: d for d in DAGEN}, **{d[:3]: d for d in DAGEN}, **{d: d for d in DAGEN}}
SLOT = re.compile(r"^\s*([^\s\d]+?)\.?\s+(\d{1,2}[:.]\d{2})\s*(?:-|–|tot)\s*(\d{1,2}[:.]\d{2})"
                  r"\s*[,;]?\s*(.*)$", re.IGNORECASE)
EXAMPLE = "dinsdag 10:00-11:00"


class ScheduleError(ValueError):
    """A line that is not a time slot; the message is Dutch and shown as is."""


def parse_slot(line: str) -> dict:
    """One line like 'di 10:00-11:00 om de week' as a slot {dag, van, tot[, opmerking]}."""
    match = SLOT.match(line)
    if not match:
        raise ScheduleError(f"'{line.strip()}' is geen tijd; schrijf bijvoorbeeld {EXAMPLE}")
    day, start, end, remark = match.groups()
    slot = {"dag": DAY_NAMES.get(day.lower(), day.lower()),
            "van": start.replace(".", ":"), "tot": end.replace(".", ":")}
    if remark.strip():
        slot["opmerking"] = remark.strip()
    return slot


def parse_schedule(value, separator: str = r"[;\n]") -> list[dict]:
    """Text (lines split by `separator`) or a list of lines/slots as schedule slots."""
    lines = value if isinstance(value, list) else re.split(separator, str(value or ""))
    slots = []
    for line in lines:
        if isinstance(line, dict):
            slots.append(line)
        elif str(line).strip():
            slots.append(parse_slot(str(line)))
    return slots
