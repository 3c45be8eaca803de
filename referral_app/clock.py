"""The app's clock: the real UTC time, unless the app was made with CLOCK (a function).

Follow-ups are due months after a participant joins; tests and the journey move this clock
instead of sleeping.
"""

import datetime as dt

from flask import current_app

from .db import utcnow


def now(app=None) -> dt.datetime:
    """The current UTC time (naive, like every time in the database)."""
    clock = (app or current_app).config.get("CLOCK")
    return clock() if clock else utcnow()


def add_months(when: dt.datetime, months: int) -> dt.datetime:
    """The same day `months` later (the last day of a shorter month)."""
    month = when.month - 1 + months
    year, month = when.year + month // 12, month % 12 + 1
    days = [31, 29 if year % 4 == 0 and (year % 100 or year % 400 == 0) else 28, 31, 30, 31,
            30, 31, 31, 30, 31, 30, 31][month - 1]
    return when.replace(year=year, month=month, day=min(when.day, days))
