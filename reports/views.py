"""The managers' dashboard: figures by section, each as a chart, a table and a CSV download."""

import io

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_safe

from audit.services import record_access
from audit.spreadsheets import csv_writer
from core.pages import gate, page
from fgdm.constants import Stage
from fgdm.models import Team
from reports import figures, summary
from reports.charts import chart_for
from reports.disclosure import exported_count
from reports.forms import DashboardFilterForm
from reports.scope import county_wide, may_see_figures


def _gate(request) -> None:
    """Managers only: the step's roles (core.roles), and reports.scope, which decides whose figures
    they count, agrees; anyone else is refused with 403."""
    gate(request, "dashboard_view")
    if not may_see_figures(request.user):
        raise PermissionDenied("Only team managers, service managers and heads of service see the dashboard.")


def whose_figures(user, filters) -> str:
    """Whose cases the figures count, in words for the page: "Your teams: East team" or "Whole county"."""
    if county_wide(user):
        return "Whole county"
    names = [team.name for team in Team.objects.filter(managers=user).order_by("name")]
    return f"Your team{'s' if len(names) != 1 else ''}: {', '.join(names) or 'none'}"


def _filters(request):
    form = DashboardFilterForm(request.GET, user=request.user)
    return form, (form.filters() if form.is_valid() else None)


def _cut(filters) -> str:
    """The filters chosen besides the period, in words: "East locality, cases at the kinship stage"."""
    if filters is None:
        return ""
    parts = [
        f"{filters.locality.name} locality" if filters.locality else "",
        filters.alliance_group.name if filters.alliance_group else "",
        filters.hub.name if filters.hub else "",
        filters.team.name if filters.team else "",
        f"cases at the {Stage(filters.stage).label.lower()} stage" if filters.stage else "",
    ]
    return ", ".join(part for part in parts if part)


def _as_of(refreshed) -> str:
    """When the figures were taken, in words for the page."""
    if refreshed is None:
        return "Figures as of now, counted from the records."
    return f"Figures as of {timezone.localtime(refreshed.started_at):%H:%M on %-d %B %Y} (refreshed every few minutes)."


@login_required
@require_safe
def dashboard(request):
    """The dashboard: the filters form, then each section's charts, tables and downloads."""
    _gate(request)
    form, filters = _filters(request)
    sections, refreshed = [], None
    if filters is not None:
        query = request.GET.urlencode()
        built, refreshed = summary.dashboard(request.user, filters)
        for section in built:
            sections.append(
                {
                    "section": section,
                    "csv_url": reverse(f"reports:dashboard-{section.slug}-csv") + (f"?{query}" if query else ""),
                    "tables": [{"table": table, "chart": chart_for(table)} for table in section.tables],
                }
            )
    return page(
        request,
        "reports/dashboard.html",
        {
            "title": "Dashboard",
            "form": form,
            "all_forms": [form],
            "filters": filters,
            "whose": whose_figures(request.user, filters),
            "cut": _cut(filters),
            "sections": sections,
            "as_of": _as_of(refreshed),
        },
        status=200 if filters is not None else 400,
    )


def _csv_cell(value, kind: str):
    """A figure as it may leave the system: small counts suppressed, money as a decimal string."""
    if kind == "count":
        return exported_count(value)
    if value is None:
        return ""
    if kind == "money":
        return f"{value:.2f}"
    return str(value)


@login_required
@require_safe
def dashboard_csv(request, section: str):
    """One section's tables as CSV, with the same filters as the page. Counts of 1 to 4 are shown as
    "fewer than 5" (reports.disclosure); each download is written to the access log."""
    _gate(request)
    if section not in figures.SECTIONS:
        raise Http404("No such section.")
    form, filters = _filters(request)
    if filters is None:
        return page(
            request,
            "reports/dashboard.html",
            {
                "title": "Dashboard",
                "form": form,
                "all_forms": [form],
                "filters": None,
                "sections": [],
                "whose": whose_figures(request.user, None),
            },
            status=400,
        )
    built, refreshed = summary.section(section, request.user, filters)
    out = io.StringIO()
    writer = csv_writer(out)
    writer.writerow(["Table", "Row", "Column", "Value"])
    for table in built.tables:
        for row in table.rows:
            for column, kind, value in zip(table.columns[1:], table.kinds[1:], row.values, strict=True):
                writer.writerow([table.title, row.label, column, _csv_cell(value, kind)])
    writer.writerow([])
    writer.writerow(["Period", f"{filters.date_from:%Y-%m-%d} to {filters.date_to:%Y-%m-%d}", "", ""])
    writer.writerow(["Whose figures", whose_figures(request.user, filters), "", ""])
    writer.writerow(["As of", _as_of(refreshed), "", ""])
    record_access(by=request.user, what=f"dashboard_{section}", door="page", obj=None, path=request.get_full_path())
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="dashboard-{section}-{filters.date_from:%Y-%m-%d}-to-{filters.date_to:%Y-%m-%d}.csv"'
    )
    return response
