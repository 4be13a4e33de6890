"""System checks of the package bounds (`manage.py check`; runserver and migrate run them too)."""

from decimal import Decimal, InvalidOperation

from django.core.checks import Error

from core import bounds
from network_packages.models import PackageItem, SupportPackage


def _largest(model, field: str) -> Decimal:
    """The largest amount a money column holds (9999999999.99 for 12 digits, 2 of them pence)."""
    column = model._meta.get_field(field)
    return Decimal(10) ** (column.max_digits - column.decimal_places) - Decimal(10) ** -column.decimal_places


def check_amount_ceilings(app_configs=None, **kwargs) -> list[Error]:
    """FGDM_MAX_ITEM_AMOUNT and FGDM_MAX_PACKAGE_TOTAL are positive amounts their columns hold, so
    anything the services let through can be stored."""
    errors = []
    for setting, read, model, field, check_id in (
        ("FGDM_MAX_ITEM_AMOUNT", bounds.max_item_amount, PackageItem, "amount", "network_packages.E001"),
        ("FGDM_MAX_PACKAGE_TOTAL", bounds.max_package_total, SupportPackage, "total", "network_packages.E002"),
    ):
        largest = _largest(model, field)
        try:
            value = read()
        except (InvalidOperation, ValueError, TypeError):
            value = None
        if value is None or not value.is_finite() or not Decimal("0") < value <= largest:
            errors.append(
                Error(
                    f"settings.{setting} must be an amount in pounds above 0 and at most {largest:,.2f}.",
                    hint="See README.md, Configuration.",
                    obj=f"settings.{setting}",
                    id=check_id,
                )
            )
    return errors
