"""Bank working days in England and Wales: Monday to Friday, not a bank holiday.

Bank holidays come from `holidays` (PyPI; maintained, MIT), England's calendar (`GB`, subdivision
`ENG`, which Wales shares): New Year, Good Friday, Easter Monday, the May and August bank holidays,
Christmas and Boxing Day with their substitute days, and one-off days such as coronations. Keep the
pinned version current (README, "Libraries") so holidays announced later are known.
"""

import datetime
from functools import lru_cache

import holidays


@lru_cache(maxsize=64)
def _bank_holidays(year: int) -> frozenset[datetime.date]:
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year))


def is_bank_working_day(day: datetime.date) -> bool:
    return day.weekday() < 5 and day not in _bank_holidays(day.year)


def next_bank_working_day(after: datetime.date) -> datetime.date:
    """The first bank working day after `after` (never `after` itself): the day a file sent to the
    bank on `after` is processed (BACS processing date, pain.001 requested execution date)."""
    day = after + datetime.timedelta(days=1)
    while not is_bank_working_day(day):
        day += datetime.timedelta(days=1)
    return day
