"""The Returns page (/reports/): choose a period and a locality, download each return as CSV or XLSX.

Managers only, as the dashboard: a team manager's returns hold their teams' cases, a service
manager's or head of service's the county (reports.scope). The files are the API's
(GET /api/v1/reports/…/), drawn by the same code; each download is written to the access log.

A return for a long period or the whole county can be too big to build while the page waits:
"Prepare the file" (`returns_prepare`) asks for it to be built in the background (core.exports,
reports.prepared); the person is told when it is ready and downloads it from its own page.
"""

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_safe

from audit.services import record_access
from core import exports
from core.forms import Form, date_field
from core.pages import done, page, run_service
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


def _prepare_choice(data) -> tuple[str, str] | None:
    choice = data.get("prepare", "")
    if choice not in DOWNLOADS:
        return None
    name, file_format = choice.split(":")
    return name, file_format


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def returns_prepare(request):
    """GET (from the returns page's "Prepare the file"): what will be prepared, for the period and
    locality chosen. POST: ask for it (core.exports.prepared_file_request), then its own page."""
    if not may_see_figures(request.user):
        raise PermissionDenied("Only team managers, service managers and heads of service download returns.")
    data = request.POST if request.method == "POST" else request.GET
    choice = _prepare_choice(data)
    if choice is None and request.method != "POST":
        return returns_page(request)  # nothing chosen yet: the returns page, to choose from
    form = ReturnsForm(data)
    if choice is None or not form.is_valid():
        return returns_page_with_errors(request, form, choice)
    name, file_format = choice
    cleaned = form.cleaned_data
    parameters = {
        "name": name,
        "format": file_format,
        "from": cleaned["date_from"].isoformat(),
        "to": cleaned["date_to"].isoformat(),
        "locality": cleaned["locality"].code if cleaned["locality"] else "",
    }
    if request.method == "POST":
        prepared = run_service(
            form, lambda _: exports.prepared_file_request(kind="return", parameters=parameters, by=request.user)
        )
        if prepared:
            return done(
                request,
                "The file is being prepared. You will be told by e-mail when it is ready to download.",
                reverse("exports:detail", args=[prepared.pk]),
            )
        return returns_page_with_errors(request, form, choice)
    the_return = returns.RETURNS[name]
    return page(
        request,
        "includes/confirm.html",
        {
            "title": "Prepare this file?",
            "caption": "Returns",
            "intro": "The file is built in the background: you can leave the page. You will be told by e-mail "
            "when it is ready, and download it from its own page for "
            f"{exports.keep_for().days} days.",
            "summary": [
                ("Return", the_return.title),
                ("Format", "Excel" if file_format == "xlsx" else "CSV"),
                ("From", f"{cleaned['date_from']:%-d %B %Y}"),
                ("Up to and including", f"{cleaned['date_to']:%-d %B %Y}"),
                ("Locality", cleaned["locality"].name if cleaned["locality"] else "Every locality"),
            ],
            "warning": "It holds the cases you see on the day it is built.",
            "action": reverse("reports:returns_prepare"),
            "button": "Prepare the file",
            "hidden": [(key, value) for key, value in request.GET.items() if key != "csrfmiddlewaretoken"],
            "cancel": reverse("reports:returns"),
            "back": reverse("reports:returns"),
        },
    )


def returns_page_with_errors(request, form, choice):
    if choice is None:
        form.is_valid()
        form.add_error(None, "Choose a return to prepare.")
    start, end = this_financial_year()
    return page(
        request,
        "reports/returns.html",
        {
            "title": "Returns",
            "form": form,
            "all_forms": [form],
            "returns": list(returns.RETURNS.values()),
            "formats": returns.FORMATS,
            "year_start": start,
            "year_end": end,
            "county_wide": county_wide(request.user),
        },
        status=400,
    )
