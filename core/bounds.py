"""The bounds of what anyone may type, in one place: amounts, counts, text lengths, dates and names.

Services check them (so every door — page, API, admin, shell — refuses the same way: a RuleBroken
on the field, a 400 or a form error); forms and serializers read the same numbers so that a page
or an API client is told before the service is called. Amounts and counts a council may want to
set otherwise are settings (`FGDM_MAX_*`, see the README); the rest are constants here.

A bound applies to what comes in. Values stored before a bound existed (or behind it, in the
database) still render: nothing that reads a record checks it against these.
"""

import datetime
from decimal import Decimal

from django.conf import settings
from django.utils import timezone

from core.exceptions import RuleBroken
from core.text import single_line

# -- amounts ---------------------------------------------------------------------------------------


def max_item_amount() -> Decimal:
    """The most one instalment of a package item may be (FGDM_MAX_ITEM_AMOUNT, default £10,000)."""
    return Decimal(str(getattr(settings, "FGDM_MAX_ITEM_AMOUNT", "10000.00")))


def max_package_total() -> Decimal:
    """The most one package may total over all its instalments (FGDM_MAX_PACKAGE_TOTAL, default £50,000).
    `check_bounds` (a system check) makes sure the package total column holds it."""
    return Decimal(str(getattr(settings, "FGDM_MAX_PACKAGE_TOTAL", "50000.00")))


def ensure_item_amount(amount: Decimal, *, field: str, prefix: str = "") -> None:
    """Raises RuleBroken on `field` when one instalment is above the ceiling."""
    ceiling = max_item_amount()
    if amount > ceiling:
        what = f"{prefix}an instalment" if prefix else "An instalment"
        raise RuleBroken(f"{what} can be at most £{ceiling:,.2f} (this one is £{amount:,.2f}).", field=field)


def ensure_package_total(total: Decimal, *, field: str = "items") -> None:
    """Raises RuleBroken on `field` when the package's total is above the ceiling."""
    ceiling = max_package_total()
    if total > ceiling:
        raise RuleBroken(
            f"The package total (£{total:,.2f}) is above the most one package may be (£{ceiling:,.2f}): "
            "split the support, or ask finance about a larger ceiling.",
            field=field,
        )


# -- counts ----------------------------------------------------------------------------------------


def max_items() -> int:
    """Items per package (FGDM_MAX_ITEMS_PER_PACKAGE, default 50)."""
    return int(getattr(settings, "FGDM_MAX_ITEMS_PER_PACKAGE", 50))


def max_actions() -> int:
    """Actions per plan (FGDM_MAX_ACTIONS_PER_PLAN, default 50)."""
    return int(getattr(settings, "FGDM_MAX_ACTIONS_PER_PLAN", 50))


def max_children() -> int:
    """Children per referral, and per case (FGDM_MAX_CHILDREN_PER_CASE, default 20)."""
    return int(getattr(settings, "FGDM_MAX_CHILDREN_PER_CASE", 20))


def ensure_count(rows, *, most: int, what: str, field: str) -> None:
    """Raises RuleBroken on `field` when there are more than `most` rows (`what`: "items of a package")."""
    if len(rows) > most:
        raise RuleBroken(f"At most {most} {what} (there are {len(rows)}).", field=field)


# -- text ------------------------------------------------------------------------------------------

# Free text (reasons, notes, justifications, wishes and feelings): a few pages at most.
LONG_TEXT = 5000


def ensure_text(value, *, field: str, label: str = "", max_length: int = LONG_TEXT) -> str:
    """`value` (str, may be empty) if it is at most `max_length` characters. Raises RuleBroken on `field`."""
    text = str(value or "")
    if len(text) > max_length:
        what = f"The {label}" if label else "This"
        raise RuleBroken(f"{what} can be at most {max_length:,} characters (it has {len(text):,}).", field=field)
    return text


def ensure_name(value, *, field: str, label: str, max_length: int, required: bool = True) -> str:
    """A name (a person, a supplier, an account): one line of printable text within `max_length`,
    stripped. Empty is allowed when not `required`. Raises RuleBroken on `field`."""
    if not required and not str(value or "").strip():
        return ""
    return single_line(value, field=field, label=label, max_length=max_length)


def max_length_of(model, field_name: str) -> int:
    """The column's `max_length`: short text is bounded by what its column holds."""
    return model._meta.get_field(field_name).max_length


# -- dates -----------------------------------------------------------------------------------------

EARLIEST_BIRTH = datetime.date(1900, 1, 1)
OLDEST_CHILD_YEARS = 25  # a care leaver may be supported to 25
LONGEST_EXPECTED = datetime.timedelta(weeks=44)  # a pregnancy lasts about 40 weeks (about 10 months)
EARLIEST_MEETING = datetime.date(2000, 1, 1)
LATEST_MEETING = datetime.timedelta(days=2 * 365)  # further ahead is the year typed wrong
LATEST_REVIEW = datetime.timedelta(days=2 * 365)
EARLIEST_RECORD = datetime.date(2000, 1, 1)  # no FGDM record (an agreement, an action) is older


def _years_before(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _day(value: datetime.date) -> str:
    return f"{value.day} {value:%B} {value.year}"


def ensure_birth_date(date_of_birth: datetime.date | None, *, field: str = "date_of_birth") -> None:
    """A child's date of birth: not in the future, not before 1900 and not more than 25 years ago."""
    if date_of_birth is None:
        return
    today = timezone.localdate()
    if date_of_birth > today:
        raise RuleBroken("The date of birth must be today or in the past.", field=field)
    oldest = max(EARLIEST_BIRTH, _years_before(today, OLDEST_CHILD_YEARS))
    if date_of_birth < oldest:
        raise RuleBroken(
            f"A child supported here was born on or after {_day(oldest)} (at most {OLDEST_CHILD_YEARS} years ago): "
            "check the year.",
            field=field,
        )


def ensure_expected_date(expected_on: datetime.date | None, *, field: str = "expected_on") -> None:
    """The date a child not yet born is expected: from today, within the next 44 weeks."""
    if expected_on is None:
        return
    today = timezone.localdate()
    if expected_on < today:
        raise RuleBroken(
            "The expected date has passed: if the baby is born, give the date of birth instead.", field=field
        )
    if expected_on > today + LONGEST_EXPECTED:
        raise RuleBroken("The expected date must be within the next 44 weeks.", field=field)


def ensure_meeting_time(when: datetime.datetime, *, field: str = "scheduled_for") -> None:
    """A meeting's date and time: not before 2000, not more than two years ahead."""
    if timezone.is_naive(when):
        when = timezone.make_aware(when)
    if timezone.localtime(when).date() < EARLIEST_MEETING:
        raise RuleBroken(f"A meeting is on or after {_day(EARLIEST_MEETING)}: check the year.", field=field)
    if when > timezone.now() + LATEST_MEETING:
        raise RuleBroken("A meeting is arranged at most two years ahead: check the year.", field=field)


def ensure_past_date(day: datetime.date | None, *, field: str, what: str, earliest: datetime.date = EARLIEST_RECORD):
    """A date something happened (a meeting held, an agreement signed): not in the future and not
    before `earliest`."""
    if day is None:
        return
    if day > timezone.localdate():
        raise RuleBroken(f"{what} cannot be in the future.", field=field)
    if day < earliest:
        raise RuleBroken(f"{what} cannot be before {_day(earliest)}.", field=field)


def ensure_review_date(day: datetime.date | None, *, field: str = "review_by", after: datetime.date | None = None):
    """A review date: after today (and after `after`, if given), within the next two years."""
    if day is None:
        return
    today = timezone.localdate()
    earliest = max(filter(None, [today, after]))
    if day <= earliest:
        raise RuleBroken(f"The review date must be after {_day(earliest)}.", field=field)
    if day > today + LATEST_REVIEW:
        raise RuleBroken("A review is at most two years ahead: check the year.", field=field)


def ensure_due_date(day: datetime.date | None, *, field: str, what: str = "The date") -> None:
    """A date something is due (a plan action): not before 2000, within the next two years."""
    if day is None:
        return
    if day < EARLIEST_RECORD:
        raise RuleBroken(f"{what} cannot be before {_day(EARLIEST_RECORD)}.", field=field)
    if day > timezone.localdate() + LATEST_REVIEW:
        raise RuleBroken(f"{what} is at most two years ahead: check the year.", field=field)
