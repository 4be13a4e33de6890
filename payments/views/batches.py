"""Payment batches: made, approved by a second officer, exported, downloaded, confirmed; bank returns."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_safe

from audit.services import record_access
from core import exports
from core.exceptions import DomainError, RuleBroken
from core.forms import EmptyForm
from core.pages import allowed, done, gate, page, run_service
from core.roles import Role, has_role, may
from payments import forms as f
from payments import selectors, services
from payments.api.views import file_response
from payments.constants import BatchStatus, ExportFormat
from payments.models import ReturnsImport

# Authorised payments waiting for a batch, shown a page at a time (their count and sum in SQL).
WAITING_PAGE_SIZE = 50


def _waiting(request):
    """The page of authorised unbatched payments the form offers to tick (`?waiting_page=`) — on a
    POST with the ticked ones still waiting from any page, so the form validates them — its
    paginator page, and the count and sum of all of them (SQL aggregates)."""
    waiting = selectors.authorised_unbatched(user=request.user)
    totals = selectors.payment_totals(waiting)
    shown = Paginator(waiting, WAITING_PAGE_SIZE).get_page(request.GET.get("waiting_page"))
    payments = list(shown.object_list)
    if request.method == "POST":
        ticked = {int(value) for value in request.POST.getlist("payment_ids") if value.isdigit()}
        ticked -= {p.pk for p in payments}
        if ticked:
            payments += list(waiting.filter(pk__in=ticked))
    return payments, shown, totals


@login_required
def batch_list(request):
    can_batch = has_role(request.user, Role.FINANCE_OFFICER)
    payments, waiting_page, totals = _waiting(request) if can_batch else ([], None, {"count": 0, "total": 0})
    form = f.BatchCreateForm((request.POST if request.method == "POST" else None), payments=payments)
    if request.method == "POST":
        gate(request, "batch_create")
        batch = run_service(
            form,
            lambda data: services.batch_create(
                by=request.user, payment_ids=data["payment_ids"] or None, due_by=data["due_by"]
            ),
        )
        if batch:
            return done(
                request,
                f"Batch {batch.reference} is created with {batch.payment_count} "
                f"payment{'s' if batch.payment_count != 1 else ''} (£{batch.total:,.2f}). "
                "Another finance officer approves it next.",
                reverse("payments:batch_detail", args=[batch.pk]),
            )
    batches = Paginator(selectors.batch_list(user=request.user), 25).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    waiting_query = request.GET.copy()
    waiting_query.pop("waiting_page", None)
    return page(
        request,
        "payments/batch_list.html",
        {
            "title": "Payment batches",
            "page": batches,
            "query": query.urlencode(),
            "batches": batches.object_list,
            "form": form,
            "all_forms": [form],
            "can_batch": can_batch,
            "waiting": payments,
            "waiting_page": waiting_page,
            "waiting_query": waiting_query.urlencode(),
            "waiting_count": totals["count"],
            "waiting_total": totals["total"],
        },
        status=400 if request.method == "POST" else 200,
    )


def _export_rows(batch):
    made = {e.export_format: e for e in batch.exports.select_related("exported_by")}
    return [(code, label, made.get(code)) for code, label in ExportFormat.choices]


# The irreversible steps of a batch that ask for a confirmation naming it, its count and its total.
CONFIRMED_STEPS = {BatchStatus.OPEN: "approve", BatchStatus.EXPORTED: "confirm"}


def _batch_page(request, batch, *, form=None, refused_step=None, status=200):
    """The batch. `refused_step` is a confirmation form sent back (not ticked, or the batch changed, or
    the service refused): its errors are shown, and the tick is offered afresh with the batch as it is now."""
    step = CONFIRMED_STEPS.get(batch.status)
    refused = refused_step if refused_step is not None else form
    step_errors = []
    if refused_step is not None:
        step_errors = [*refused_step.errors.get("confirmed", []), *refused_step.non_field_errors()]
    return page(
        request,
        "payments/batch_detail.html",
        {
            "title": f"Batch {batch.reference}",
            "batch": batch,
            "payments": batch.payments.select_related("payee__bank_account", "supplier__bank_account", "case").order_by(
                "id"
            ),
            "is_finance": has_role(request.user, Role.FINANCE_OFFICER),
            "can": {step: may_take_batch_step(request.user, batch, step) for step in STEP_PAGES},
            "form": EmptyForm(),
            "step_form": f.BatchStepForm(batch=batch, step=step) if step else None,
            "step_errors": step_errors,
            "all_forms": [refused] if refused else [],
            "downloadable": batch.status in (BatchStatus.EXPORTED, BatchStatus.CONFIRMED),
            "formats": ExportFormat.choices,
            "export_rows": _export_rows(batch),
            "returns": batch.returns.select_related("payment", "returns_import").order_by("id"),
        },
        status=status,
    )


@login_required
@require_safe
def batch_detail(request, batch_id):
    return _batch_page(request, selectors.batch_get(user=request.user, batch_id=batch_id))


def _confirmed_batch_action(request, batch_id, call, message, *, step, confirm):
    """Approving a batch and confirming it paid cannot be undone: the POST must carry the tick whose
    label names the batch, its count and its total (BatchStepForm), else it is a form error and
    nothing changes. The API's endpoints take no confirmation (their clients are built against them)."""
    batch = selectors.batch_get(user=request.user, batch_id=batch_id)
    gate(request, step)
    form = f.BatchStepForm(request.POST, batch=batch, step=confirm)
    if run_service(form, lambda data: call(batch)):
        return done(request, message, reverse("payments:batch_detail", args=[batch.pk]))
    batch.refresh_from_db()
    if batch.status != STEP_PAGES[confirm]["status"]:  # moved on meanwhile: show it as it is now
        return _batch_page(request, batch, refused_step=form, status=400)
    return _batch_check_page(request, batch, confirm, refused_step=form, status=400)


STEP_PAGES = {
    "approve": {
        "title": "Approve this batch?",
        "intro": "Approving it lets a finance officer export the file for the bank. Check every payment first.",
        "button": "Yes, approve the batch",
        "url": "payments:batch_approve",
        "status": BatchStatus.OPEN,
    },
    "confirm": {
        "title": "Confirm the bank has paid this batch?",
        "intro": "Its payments are then marked paid. Confirm only once the bank has paid them.",
        "button": "Yes, the bank has paid",
        "url": "payments:batch_confirm",
        "status": BatchStatus.EXPORTED,
    },
    "export": {
        "title": "Export this batch?",
        "intro": "The file downloads straight away and the batch is marked exported: its payments can no longer be "
        "changed or cancelled. Exporting a format again gives exactly the same file.",
        "button": "Yes, export the file",
        "url": "payments:batch_export",
        "status": BatchStatus.APPROVED,
    },
    # Exporting in the background (core.exports, payments.prepared): the same service, run by a task.
    "prepare": {
        "title": "Prepare this batch's file?",
        "intro": "The file is made in the background, and you are told when it is ready to download. Once it is "
        "made the batch is marked exported: its payments can no longer be changed or cancelled. The file is the "
        "same as an export made while you wait.",
        "button": "Yes, prepare the file",
        "url": "payments:batch_prepare",
        "status": BatchStatus.APPROVED,
    },
}


def may_take_batch_step(user, batch, step: str) -> bool:
    """Whether to offer a batch's next step to this person: finance, the batch in the step's state,
    and for approving, the four-eyes rule of the service (not the batch's creator, no conflict)."""
    kind_of_step = "batch_export" if step == "prepare" else f"batch_{step}"
    if not may(user, kind_of_step) or batch.status != STEP_PAGES[step]["status"]:
        return False
    if step == "approve":
        return allowed(lambda u, b: services.ensure_can_approve_batch(u, b), user, batch)
    return True


def _batch_check_page(request, batch, step: str, *, refused_step=None, status=200):
    """GET of an irreversible batch step: what it does, the batch's facts and "You cannot undo this"."""
    spec = STEP_PAGES[step]
    detail = reverse("payments:batch_detail", args=[batch.pk])
    export_format = _export_format(request) if step in ("export", "prepare") else ""
    facts = [
        ("Batch", batch.reference),
        ("Payments", str(batch.payment_count)),
        ("Total", f"£{batch.total:,.2f}"),
        ("Created by", batch.created_by.get_full_name() or batch.created_by.get_username()),
    ]
    if export_format:
        facts.append(("Format", ExportFormat(export_format).label))
    why_not = ""
    if refused_step is None and not may_take_batch_step(request.user, batch, step):
        why_not = f"You cannot do this now: the batch is {batch.get_status_display().lower()}" + (
            ", and you created it or declared a conflict in a case it pays." if step == "approve" else "."
        )
    return page(
        request,
        "includes/confirm.html",
        {
            "title": spec["title"],
            "caption": f"Payment batch {batch.reference}",
            "intro": spec["intro"],
            "summary": facts,
            "not_now": why_not,
            "action": reverse(spec["url"], args=[batch.pk]),
            "button": spec["button"],
            "tick": f.BatchStepForm(batch=batch, step=step) if step in CONFIRMED_STEPS.values() else None,
            "hidden": [("format", export_format)] if export_format else [],
            "cancel": detail,
            "back": detail,
            "step_errors": [*refused_step.errors.get("confirmed", []), *refused_step.non_field_errors()]
            if refused_step is not None
            else [],
            "all_forms": [refused_step] if refused_step is not None else [],
        },
        status=status,
    )


def _batch_step_get(request, batch_id, step):
    batch = selectors.batch_get(user=request.user, batch_id=batch_id)
    gate(request, "batch_export" if step == "prepare" else f"batch_{step}")
    return _batch_check_page(request, batch, step)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def batch_approve(request, batch_id):
    if request.method != "POST":
        return _batch_step_get(request, batch_id, "approve")
    return _confirmed_batch_action(
        request,
        batch_id,
        lambda b: services.batch_approve(batch_id=b.pk, by=request.user),
        "The batch is approved. Export the file for the bank next.",
        step="batch_approve",
        confirm="approve",
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def batch_confirm(request, batch_id):
    if request.method != "POST":
        return _batch_step_get(request, batch_id, "confirm")
    return _confirmed_batch_action(
        request,
        batch_id,
        lambda b: services.batch_confirm(batch_id=b.pk, by=request.user),
        "The batch is confirmed as paid: its payments are marked paid.",
        step="batch_confirm",
        confirm="confirm",
    )


def _export_format(request) -> str:
    value = request.POST.get("format") or request.GET.get("format") or ExportFormat.CSV
    return value if value in ExportFormat.values else ""


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def batch_export(request, batch_id):
    """Export the approved batch in the chosen format (CSV, BACS Standard 18 or pain.001); GET: the
    check page first."""
    if request.method != "POST":
        return _batch_step_get(request, batch_id, "export")
    batch = selectors.batch_get(user=request.user, batch_id=batch_id)
    gate(request, "batch_export")
    form = EmptyForm(request.POST)
    export_format = _export_format(request)
    result = run_service(
        form, lambda data: services.batch_export_file(batch_id=batch.pk, by=request.user, export_format=export_format)
    )
    if not result:
        batch.refresh_from_db()
        return _batch_page(request, batch, form=form, status=400)
    batch, export = result
    record_access(by=request.user, what="export_file", door="page", obj=batch, path=request.path)
    return file_response(batch, export)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def batch_prepare(request, batch_id):
    """Export the approved batch in the background (core.exports, kind "batch_file"): the task calls
    `batch_export_file` as this officer. GET: the check page first; POST: its own page next."""
    if request.method != "POST":
        return _batch_step_get(request, batch_id, "prepare")
    batch = selectors.batch_get(user=request.user, batch_id=batch_id)
    gate(request, "batch_export")
    form = EmptyForm(request.POST)
    parameters = {"batch_id": batch.pk, "format": _export_format(request) or request.POST.get("format", "")}
    prepared = run_service(
        form, lambda data: exports.prepared_file_request(kind="batch_file", parameters=parameters, by=request.user)
    )
    if not prepared:
        batch.refresh_from_db()
        return _batch_page(request, batch, form=form, status=400)
    return done(
        request,
        "The file is being prepared. You will be told by e-mail when it is ready to download.",
        reverse("exports:detail", args=[prepared.pk]),
    )


@login_required
@require_safe
def batch_download(request, batch_id):
    """A stored file of an exported batch (the same bytes every time), in the format asked for.
    A read: it renders and stores nothing and records no event, only the access (export is a POST)."""
    batch = selectors.batch_get(user=request.user, batch_id=batch_id)
    gate(request, "batch_export")
    try:
        batch, export = selectors.batch_file_get(
            user=request.user, batch_id=batch.pk, export_format=request.GET.get("format")
        )
    except DomainError as error:
        form = EmptyForm({})
        form.is_valid()
        form.add_error(None, error.message)
        return _batch_page(request, batch, form=form, status=error.http_status)
    record_access(by=request.user, what="export_file", door="page", obj=batch, path=request.path)
    return file_response(batch, export)


@login_required
def returns_import(request):
    """Upload the bank's returns file: the payments it names are marked returned and reopened."""
    gate(request, "returns_import")
    form = f.ReturnsUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST":

        def call(data):
            upload = data["file"]
            if upload.size > services.RETURNS_MAX_BYTES:
                raise RuleBroken("The returns file is larger than 5 MB.", field="file")
            return services.returns_import(by=request.user, content=upload.read(), file_name=upload.name)

        imported = run_service(form, call)
        if imported:
            return done(
                request,
                f"The returns file is applied: {imported.row_count} payment"
                f"{'s' if imported.row_count != 1 else ''} (£{imported.total:,.2f}) marked returned "
                "and reopened. Correct the payees' bank details, then authorise them again.",
                reverse("payments:returns_import"),
            )
    imports = ReturnsImport.objects.select_related("imported_by").order_by("-imported_at", "-id")[:20]
    return page(
        request,
        "payments/returns_import.html",
        {
            "title": "Bank returns",
            "form": form,
            "all_forms": [form],
            "imports": imports,
            "columns": services.RETURNS_COLUMNS,
        },
        status=400 if request.method == "POST" else 200,
    )
