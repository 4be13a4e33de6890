"""A payment batch's file prepared in the background (core.exports, kind "batch_file").

Preparing is exporting: the task calls `payments.services.batch_export_file` as the finance officer
who asked, so the batch's rules (approved first, bank details verified, the originator's details
valid, totals matching) and its audit event (`batch_exported`, or `batch_downloaded` for a format
already made) are the service's, exactly as when the file is exported while the page waits. The
bytes are the batch's stored file (`BatchExport`), copied into the prepared-files storage for the
days its owner may download it; the SHA-256 is the same. The right to it is the synchronous
download's: the batch in sight (payments.selectors.batch_get) and the "batch_export" step.
"""

from django.urls import reverse

from core.exceptions import InvalidTransition, RuleBroken
from core.exports import BuiltFile, ExportKind
from core.roles import ensure_may
from payments import exports as files
from payments import selectors, services
from payments.constants import BatchStatus, ExportFormat

KIND = "batch_file"


def check(*, user, parameters: dict) -> None:
    """Raises Http404 (the batch out of sight), NotPermitted (not a finance officer)."""
    selectors.batch_get(user=user, batch_id=parameters.get("batch_id"))
    ensure_may(user, "batch_export")


def clean(*, user, parameters: dict) -> dict:
    """Raises Http404, NotPermitted, RuleBroken (unknown format), InvalidTransition (not approved)."""
    try:
        batch_id = int(parameters.get("batch_id"))
    except (TypeError, ValueError):
        raise RuleBroken("Say which batch: batch_id.", field="batch_id")
    export_format = parameters.get("format") or ExportFormat.CSV
    if export_format not in ExportFormat.values:
        raise RuleBroken(
            f"Export format “{export_format}” is not available; use one of: {', '.join(ExportFormat.values)}.",
            field="format",
        )
    check(user=user, parameters={"batch_id": batch_id})
    batch = selectors.batch_get(user=user, batch_id=batch_id)
    if batch.status == BatchStatus.OPEN:
        raise InvalidTransition("This batch is open: another finance officer approves it before its file is made.")
    return {"batch_id": batch_id, "format": export_format}


def build(*, user, parameters: dict) -> BuiltFile:
    batch, export = services.batch_export_file(
        batch_id=parameters["batch_id"], by=user, export_format=parameters["format"]
    )
    return BuiltFile(
        file_name=f"{batch.reference}.{files.EXTENSIONS[export.export_format]}",
        content_type=files.CONTENT_TYPES[export.export_format],
        chunks=export.stream(),
    )


def title(parameters: dict) -> str:
    from payments.models import PaymentBatch

    batch = PaymentBatch.objects.filter(pk=parameters["batch_id"]).first()
    return f"Payment batch {batch.reference if batch else parameters['batch_id']}: {ExportFormat(parameters['format']).label}"


EXPORT = ExportKind(
    name=KIND,
    title=title,
    clean=clean,
    check=check,
    build=build,
    back_url=lambda parameters: reverse("payments:batch_detail", args=[parameters["batch_id"]]),
)
