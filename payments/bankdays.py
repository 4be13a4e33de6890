"""Bank working days in England and Wales, from the house's one working-day helper (audit.dates).

A file sent to the bank on a day is processed on the next working day: no weekend, no England and
Wales bank holiday (from the `holidays` library).
"""

import datetime

from audit.dates import is_working_day, next_working_day


def is_bank_working_day(day: datetime.date) -> bool:
    return is_working_day(day)


def next_bank_working_day(after: datetime.date) -> datetime.date:
    """The first bank working day after `after` (never `after` itself): the day a file sent to the
    bank on `after` is processed (BACS processing date, pain.001 requested execution date)."""
    return next_working_day(after)
