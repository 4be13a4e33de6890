"""Money as the services take it: `Decimal` pounds with at most two places (pence), never float."""

from decimal import Decimal

from core.exceptions import RuleBroken

PENNY = Decimal("0.01")


def ensure_money(value, *, field: str, max_digits: int = 12) -> Decimal:
    """The amount to store, to the penny. Raises RuleBroken (on `field`) unless `value` is a finite
    `Decimal` (not a float), not negative, with at most two decimal places and fitting `max_digits`."""
    if not isinstance(value, Decimal) or not value.is_finite():
        raise RuleBroken("Give the amount in pounds and pence as a decimal, e.g. 500.00.", field=field)
    if value < 0:
        raise RuleBroken("An amount cannot be negative.", field=field)
    if value and value.adjusted() >= max_digits - 2:
        raise RuleBroken(f"An amount has at most {max_digits - 2} digits before the decimal point.", field=field)
    if value != value.quantize(PENNY):
        raise RuleBroken("An amount has at most two decimal places (pence).", field=field)
    return value.quantize(PENNY)
