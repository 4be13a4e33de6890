"""Finance reports: budgets by locality and year, and the transparency report (spend over £500)."""

from django.contrib.auth.decorators import login_required
from django.http import StreamingHttpResponse
from django.utils import timezone
from django.views.decorators.http import require_safe

from audit.services import record_access
from core.pages import gate, page
from network_packages.selectors import financial_year_of
from payments import forms as f
from payments import selectors


def _financial_year(request) -> tuple[f.FinancialYearForm, int]:
    form = f.FinancialYearForm(request.GET or None)
    year = form.cleaned_data.get("financial_year") if form.is_valid() else None
    return form, year or financial_year_of(timezone.localdate())


@login_required
@require_safe
def budgets(request):
    """Each locality's budget for a financial year, what approved packages commit and what was paid."""
    gate(request, "finance_reports")
    form, year = _financial_year(request)
    lines = selectors.budget_report(user=request.user, financial_year=year)
    return page(
        request,
        "payments/budgets.html",
        {
            "title": "Budgets",
            "form": form,
            "all_forms": [form],
            "lines": lines,
            "year": year,
            "year_label": f"{year}-{(year + 1) % 100:02d}",
            "totals": {k: sum((getattr(line, k) or 0 for line in lines), 0) for k in ("budget", "committed", "paid")},
        },
    )


@login_required
@require_safe
def transparency(request):
    """Spend over £500 in the Local Government Transparency Code shape, names of individuals redacted."""
    gate(request, "finance_reports")
    form = f.TransparencyForm(request.GET or None)
    if request.GET and form.is_valid():
        start, end = form.cleaned_data["date_from"], form.cleaned_data["date_to"]
        record_access(by=request.user, what="transparency_report", door="page", obj=None, path=request.path)
        response = StreamingHttpResponse(
            selectors.transparency_csv(user=request.user, date_from=start, date_to=end),
            content_type="text/csv; charset=utf-8",
        )
        response["Content-Disposition"] = f'attachment; filename="spend-over-500-{start}-to-{end}.csv"'
        return response
    return page(
        request,
        "payments/transparency.html",
        {
            "title": "Spend over £500 (transparency)",
            "form": form,
            "all_forms": [form] if request.GET else [],
            "columns": selectors.TRANSPARENCY_COLUMNS,
        },
        status=400 if request.GET else 200,
    )
