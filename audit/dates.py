"""Working days in England and Wales: Monday to Friday, not a bank holiday. One helper for the house.

Review escalations (fgdm), subject access request deadlines (audit.subject_access) and bank
processing dates (payments) all count working days here. Bank holidays come from `holidays` (PyPI;
maintained, MIT), England's calendar (`GB`, subdivision `ENG`, which Wales shares): New Year, Good
Friday, Easter Monday, the May and August bank holidays, Christmas and Boxing Day with their
substitute days, and one-off days such as coronations. Keep the pinned version current (README,
"Libraries") so holidays announced later are known. No date is typed in by hand.

It lives in the audit app, the ground floor, so every app above may use it.
"""

import datetime
from functools import lru_cache

import holidays


@lru_cache(maxsize=128)
def _bank_holidays(year: int) -> frozenset[datetime.date]:
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year))


def is_bank_holiday(day: datetime.date) -> bool:
    return day in _bank_holidays(day.year)


def is_working_day(day: datetime.date) -> bool:
    """Monday to Friday and not an England and Wales bank holiday."""
    return day.weekday() < 5 and not is_bank_holiday(day)


def next_working_day(after: datetime.date) -> datetime.date:
    """The first working day after `after` (never `after` itself)."""
    day = after + datetime.timedelta(days=1)
    while not is_working_day(day):
        day += datetime.timedelta(days=1)
    return day


def on_or_next_working_day(day: datetime.date) -> datetime.date:
    """`day` itself if it is a working day, else the next one."""
    return day if is_working_day(day) else next_working_day(day)


def add_working_days(start: datetime.date, days: int) -> datetime.date:
    """The date `days` working days after `start` (`start` itself is not counted)."""
    if days < 0:
        raise ValueError("Count working days forwards.")
    day = start
    for _ in range(days):
        day = next_working_day(day)
    return day


def working_days_between(start: datetime.date, end: datetime.date) -> int:
    """Working days after `start` up to and including `end` (0 when `end` is not after `start`)."""
    days, day = 0, start
    while day < end:
        day += datetime.timedelta(days=1)
        if is_working_day(day):
            days += 1
    return days
