"""The query string of the returns' endpoints: the period, a locality, the file format."""

import datetime

from django.utils import timezone
from rest_framework import serializers

from fgdm.models import Locality
from network_packages.selectors import financial_year_bounds, financial_year_of
from reports.returns import FORMATS

LONGEST_PERIOD_DAYS = 5 * 366  # a return spans at most five years (the national evaluation's window)


def this_financial_year() -> tuple[datetime.date, datetime.date]:
    return financial_year_bounds(financial_year_of(timezone.localdate()))


class ReturnQuerySerializer(serializers.Serializer):
    """`from` and `to` (default: the current financial year, 1 April to 31 March), `locality` (a
    code, default all) and `format` (`csv`, the default, or `xlsx`)."""

    format = serializers.ChoiceField(choices=FORMATS, required=False, default="csv")
    locality = serializers.SlugRelatedField(
        slug_field="code", queryset=Locality.objects.all(), required=False, allow_null=True, default=None
    )

    def get_fields(self):
        fields = super().get_fields()
        # `from` is a Python keyword: the field is declared here rather than as an attribute.
        fields["from"] = serializers.DateField(required=False)
        fields["to"] = serializers.DateField(required=False)
        return fields

    def validate(self, data):
        start_default, end_default = this_financial_year()
        start, end = data.get("from") or start_default, data.get("to") or end_default
        if end < start:
            raise serializers.ValidationError({"to": "The end date must be on or after the start date."})
        if (end - start).days > LONGEST_PERIOD_DAYS:
            raise serializers.ValidationError({"to": "Ask for at most five years at a time."})
        return {**data, "from": start, "to": end}
