"""API v1, reports: the returns as files (DESIGN.md "Reports").

`GET /api/v1/reports/meetings/`, `/children/` and `/spend/` with `?from=&to=` (default the current
financial year), `?locality=` (a code) and `?format=csv|xlsx` (default csv). Managers only — a team
manager gets their teams' cases, service managers and heads of service the county (reports.scope);
anyone else gets 403, as the transparency report answers a role without the right. Each download is
written to the access log.
"""

import datetime

from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers

from audit.services import record_access
from core.api.base import AuditedAPIView
from core.exceptions import NotPermitted
from fgdm.models import Locality
from network_packages.selectors import financial_year_bounds, financial_year_of
from reports import returns
from reports.returns import FORMATS
from reports.scope import Filters, may_see_figures

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


PARAMETERS = [
    OpenApiParameter("from", OpenApiTypes.DATE, description="First day (default: 1 April of this financial year)"),
    OpenApiParameter("to", OpenApiTypes.DATE, description="Last day, included (default: 31 March next)"),
    OpenApiParameter("locality", str, description="A locality code (default: every locality in sight)"),
    OpenApiParameter("format", str, enum=list(returns.FORMATS), description="csv (default) or xlsx"),
]
RESPONSES = {(200, content_type.split(";")[0]): OpenApiTypes.BINARY for content_type in returns.CONTENT_TYPES.values()}


def return_response(the_return, *, user, filters: Filters, file_format: str):
    """The return as a download: CSV streamed line by line, XLSX built and sent whole."""
    content_type = returns.CONTENT_TYPES[file_format]
    if file_format == "xlsx":
        response = HttpResponse(returns.xlsx_file(the_return, user=user, filters=filters), content_type=content_type)
    else:
        response = StreamingHttpResponse(
            returns.csv_chunks(the_return, user=user, filters=filters), content_type=content_type
        )
    response["Content-Disposition"] = f'attachment; filename="{the_return.filename(filters, file_format)}"'
    return response


class ReturnView(AuditedAPIView):
    return_name = ""

    def get(self, request):
        if not may_see_figures(request.user):
            raise NotPermitted("Only team managers, service managers and heads of service download returns.")
        query = ReturnQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        filters = Filters(date_from=data["from"], date_to=data["to"], locality=data.get("locality"))
        the_return = returns.RETURNS[self.return_name]
        record_access(by=request.user, what=f"{self.return_name}_return", door="api", obj=None, path=request.path)
        return return_response(the_return, user=request.user, filters=filters, file_format=data["format"])


def _view(name: str, description: str):
    class View(ReturnView):
        return_name = name

        @extend_schema(
            parameters=PARAMETERS,
            responses=RESPONSES,
            description=description,
            operation_id=f"reports_{name}_return",
        )
        def get(self, request):
            return super().get(request)

    View.__name__ = View.__qualname__ = f"{name.title()}Return"
    View.__doc__ = description
    return View


MeetingsReturn = _view("meetings", returns.RETURNS["meetings"].summary)
ChildrenReturn = _view("children", returns.RETURNS["children"].summary)
SpendReturn = _view("spend", returns.RETURNS["spend"].summary)
