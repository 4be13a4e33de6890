"""The Returns page (/reports/): choose a period and a locality, download each return as CSV or XLSX.

Managers only, as the dashboard: a team manager's returns hold their teams' cases, a service
manager's or head of service's the county (reports.scope). The files are the API's
(GET /api/v1/reports/…/), drawn by the same code; each download is written to the access log.
"""

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.views.decorators.http import require_safe

from audit.services import record_access
from core.forms import Form, date_field
from core.pages import page
from fgdm.models import Locality
from reports import returns
from reports.api.views import LONGEST_PERIOD_DAYS, return_response, this_financial_year
from reports.scope import Filters, county_wide, may_see_figures

DOWNLOADS = [f"{name}:{file_format}" for name in returns.RETURNS for file_format in returns.FORMATS]


class ReturnsForm(Form):
    date_from = date_field("From", required=False, help_text="For example, 1 4 2026. Blank: 1 April this year.")
    date_to = date_field("Up to and including", required=False, help_text="Blank: 31 March next.")
    locality = forms.ModelChoiceField(
        label="Locality",
        queryset=Locality.objects.order_by("name"),
        to_field_name="code",
        required=False,
        empty_label="Every locality",
    )

    def clean(self):
        cleaned = super().clean()
        start_default, end_default = this_financial_year()
        start = cleaned.get("date_from") or start_default
        end = cleaned.get("date_to") or end_default
        if "date_from" in cleaned and "date_to" in cleaned:
            if end < start:
                self.add_error("date_to", "The end date must be on or after the start date.")
            elif (end - start).days > LONGEST_PERIOD_DAYS:
                self.add_error("date_to", "Ask for at most five years at a time.")
        cleaned["date_from"], cleaned["date_to"] = start, end
        return cleaned


@login_required
@require_safe
def returns_page(request):
    """The returns to download, what each holds, and its columns."""
    if not may_see_figures(request.user):
        raise PermissionDenied("Only team managers, service managers and heads of service download returns.")
    form = ReturnsForm(request.GET or None)
    download = request.GET.get("download", "")
    if download in DOWNLOADS and form.is_valid():
        name, file_format = download.split(":")
        data = form.cleaned_data
        filters = Filters(date_from=data["date_from"], date_to=data["date_to"], locality=data["locality"])
        record_access(by=request.user, what=f"{name}_return", door="page", obj=None, path=request.path)
        return return_response(returns.RETURNS[name], user=request.user, filters=filters, file_format=file_format)
    start, end = this_financial_year()
    return page(
        request,
        "reports/returns.html",
        {
            "title": "Returns",
            "form": form,
            "all_forms": [form] if request.GET else [],
            "returns": list(returns.RETURNS.values()),
            "formats": returns.FORMATS,
            "year_start": start,
            "year_end": end,
            "county_wide": county_wide(request.user),
        },
        status=400 if request.GET and not form.is_valid() else 200,
    )
