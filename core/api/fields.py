"""Fields every API shares: ids, usernames, reasons and money."""

import decimal
from decimal import Decimal

from django.contrib.auth import get_user_model
from rest_framework import serializers

MAX_ID = 2**63 - 1


class IdField(serializers.IntegerField):
    """An object id in a request body; whether it names the right object is the service's call."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(**kwargs)


class SlugRelatedField(serializers.SlugRelatedField):
    """DRF's, refusing a NUL character as a field error before looking it up: PostgreSQL text cannot
    hold one, so the lookup would fail with a DataError (500). Found by tools/fuzz-api."""

    default_error_messages = {"null_characters": "Null characters are not allowed."}

    def to_internal_value(self, data):
        if isinstance(data, str) and "\x00" in data:
            self.fail("null_characters")
        return super().to_internal_value(data)


class UsernameField(SlugRelatedField):
    """A person named by username; unknown or inactive users are a field error."""

    def __init__(self, **kwargs):
        super().__init__(slug_field="username", queryset=get_user_model().objects.filter(is_active=True), **kwargs)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField()


class MoneyField(serializers.DecimalField):
    """Pounds and pence: positive, at most two decimal places, out as "300.00".

    `max_digits` bounds what comes in; what goes out is any stored amount, however large (a value
    stored before a bound, or beyond it, still renders rather than answering 500)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", 10)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("min_value", Decimal("0.01"))
        super().__init__(**kwargs)

    def quantize(self, value):
        # DRF rounds with a context of `max_digits` digits, which raises InvalidOperation for a
        # larger stored amount; input has been checked against `max_digits` before this runs.
        context = decimal.Context(prec=max(len(value.as_tuple().digits) + self.decimal_places + 1, 28))
        return value.quantize(Decimal(1).scaleb(-self.decimal_places), rounding=self.rounding, context=context)
