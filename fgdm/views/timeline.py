"""A case's timeline page and its CSV download (for auditors), over audit.timeline.

Only people who see the whole case may read it (its team, lead, managers over it, auditors; not an
FGC coordinator, not finance), and every read is itself recorded in the access log.
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import StreamingHttpResponse
from django.utils import timezone
from django.views.decorators.http import require_safe

from audit.labels import state_label
from audit.services import record_access
from audit.timeline import KIND_LABELS, Filters, Kind, Timeline, csv_rows
from core.pages import page
from core.roles import may
from fgdm import forms as fgdm_forms
from fgdm import selectors
from fgdm.labels import event_label, read_label, step_label

PAGE_SIZE = 50
DEFAULT_PAGE_KINDS = [k for k in KIND_LABELS if k != Kind.ACCESS]


def may_download(user) -> bool:
    return may(user, "trail_download")


def describe(entry) -> None:
    """Words for one timeline entry (fgdm.labels): what happened, what about, from what to what."""
    entry.what = event_label(entry.action)
    entry.about = entry.object_repr
    if entry.source == "task":
        entry.what = "Step completed"
        entry.about = step_label(entry.changes.get("task", ""))
    elif entry.source == "access":
        entry.about = read_label(entry.action.removeprefix("read_"))
    entry.from_label = state_label(entry.from_state)
    entry.to_label = state_label(entry.to_state)


def _timeline(request, case):
    """The filter form and the timeline it selects (the default view when the filters are wrong)."""
    form = fgdm_forms.TimelineFilterForm(request.GET, default_kinds=DEFAULT_PAGE_KINDS)
    filters = form.filters() if form.is_valid() else Filters(kinds=DEFAULT_PAGE_KINDS)
    return form, Timeline(case_id=case.pk, process_id=case.process_id, filters=filters)


@login_required
@require_safe
def case_timeline(request, case_id):
    case = selectors.case_get_whole(user=request.user, case_id=case_id)
    form, timeline = _timeline(request, case)
    record_access(by=request.user, what="trail", door="page", obj=case, case_id=case.pk, path=request.path)
    entries = Paginator(timeline, PAGE_SIZE).get_page(request.GET.get("page"))
    for entry in entries.object_list:
        describe(entry)
    query = request.GET.copy()
    query.pop("page", None)
    return page(
        request,
        "fgdm/case_timeline.html",
        {
            "title": f"{case.reference} — timeline",
            "case": case,
            "filters": form,
            "page": entries,
            "query": query.urlencode(),
            "all_forms": [form],
            "can_download": may_download(request.user),
        },
    )


@login_required
@require_safe
def case_timeline_csv(request, case_id):
    """The filtered timeline as CSV, streamed as it is read (auditors)."""
    case = selectors.case_get_whole(user=request.user, case_id=case_id)
    if not may_download(request.user):
        raise PermissionDenied("Only auditors can download a case's trail.")
    _, timeline = _timeline(request, case)
    record_access(by=request.user, what="trail_csv", door="page", obj=case, case_id=case.pk, path=request.path)
    response = StreamingHttpResponse(csv_rows(timeline), content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="{case.reference}-trail-{stamp}.csv"'
    return response
