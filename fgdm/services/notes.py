"""The case file: dated case notes (corrected only by a new note) and uploaded documents.

A note is never edited or deleted in the app: a mistake is corrected by a new note that names the
one it corrects, and both stay on the record. A document's type is found from its content
(fgdm.uploads); the file is kept in the "case_documents" storage under an unguessable name. Both
are written by the case's staff (its practitioners and the managers over it, fgdm.permissions);
what they say is never copied into the audit trail (retention removes it with the case).
"""

import datetime
import hashlib
import secrets

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from audit.services import record_event
from core import bounds
from core.exceptions import InvalidTransition, RuleBroken
from fgdm import uploads
from fgdm.constants import DocumentKind
from fgdm.models import CaseDocument, CaseNote
from fgdm.permissions import ensure_can_work_or_manage_case
from fgdm.services.cases import _lock_case


def _note_fields(*, text: str, noted_on: datetime.date | None) -> tuple[str, datetime.date]:
    text = bounds.ensure_text(str(text or "").strip(), field="text", label="note")
    if not text:
        raise RuleBroken("Enter the note.", field="text")
    noted_on = noted_on or timezone.localdate()
    bounds.ensure_past_date(noted_on, field="noted_on", what="The day the note is about")
    return text, noted_on


@transaction.atomic
def case_note_write(*, case_id: int, by, text: str, noted_on: datetime.date | None = None) -> CaseNote:
    """Write a case note about `noted_on` (default today; not in the future). One `case_note_written`
    event (its date, not its words).

    Raises NotPermitted (not the case's practitioner or a manager over it), SeparationOfDuties (a
    declared conflict), RuleBroken (no text, too long, the date).
    """
    case = _lock_case(case_id)
    ensure_can_work_or_manage_case(by, case)
    text, noted_on = _note_fields(text=text, noted_on=noted_on)
    note = CaseNote.objects.create(case=case, noted_on=noted_on, text=text, written_by=by)
    record_event(
        obj=note, action="case_note_written", by=by, case_id=case.pk, changes={"noted_on": noted_on.isoformat()}
    )
    return note


@transaction.atomic
def case_note_correct(*, note_id: int, by, text: str, noted_on: datetime.date | None = None) -> CaseNote:
    """Correct a case note with a new note that names it; the corrected note is kept and shows as
    corrected. `noted_on` defaults to the corrected note's day. One `case_note_corrected` event.

    Raises NotPermitted, SeparationOfDuties, InvalidTransition (the note was already corrected:
    correct its correction), RuleBroken (no text, too long, the date).
    """
    case = _lock_case(CaseNote.objects.values_list("case_id", flat=True).get(pk=note_id))
    corrected = CaseNote.objects.select_for_update().get(pk=note_id)
    ensure_can_work_or_manage_case(by, case)
    if CaseNote.objects.filter(corrects=corrected).exists():
        raise InvalidTransition("This note was already corrected: correct the newest version of it instead.")
    text, noted_on = _note_fields(text=text, noted_on=noted_on or corrected.noted_on)
    note = CaseNote.objects.create(case=case, noted_on=noted_on, text=text, written_by=by, corrects=corrected)
    record_event(
        obj=note,
        action="case_note_corrected",
        by=by,
        case_id=case.pk,
        changes={"noted_on": noted_on.isoformat(), "corrects": corrected.pk},
    )
    return note


@transaction.atomic
def case_document_upload(
    *, case_id: int, by, kind: str, content: bytes, file_name: str, declared_type: str = ""
) -> CaseDocument:
    """Keep a document on the case: its type checked from its content (PDF, PNG, JPEG, Word .docx),
    its size within FGDM_DOCUMENT_MAX_BYTES; stored under an unguessable name with its SHA-256. One
    `case_document_uploaded` event. Nothing is stored when it is refused.

    Raises NotPermitted, SeparationOfDuties, RuleBroken (the kind; field `file`: empty, too large,
    not an accepted type, or a name or declared type that says another type than its content).
    """
    case = _lock_case(case_id)
    ensure_can_work_or_manage_case(by, case)
    if kind not in DocumentKind.values:
        raise RuleBroken("Choose what kind of document this is.", field="kind")
    content_type, safe_name = uploads.checked(content=content, file_name=file_name, declared_type=declared_type)
    storage = uploads.document_storage()
    stored = storage.save(f"{timezone.now():%Y/%m}/{secrets.token_urlsafe(32)}", ContentFile(content))
    try:
        document = CaseDocument.objects.create(
            case=case,
            kind=kind,
            file_name=safe_name,
            content_type=content_type,
            size=len(content),
            sha256=hashlib.sha256(content).hexdigest(),
            storage_name=stored,
            uploaded_by=by,
        )
        record_event(
            obj=document,
            action="case_document_uploaded",
            by=by,
            case_id=case.pk,
            to_state=kind,
            changes={"kind": kind, "content_type": content_type, "size": len(content), "sha256": document.sha256},
        )
    except BaseException:
        storage.delete(stored)  # nothing kept of a refused upload
        raise
    return document


def case_document_upload_file(*, case_id: int, by, kind: str, upload) -> CaseDocument:
    """`case_document_upload` from an uploaded file (the page's form, the API's multipart body): its
    size is checked before it is read, then its content, name and declared type are kept as above."""
    uploads.ensure_size(upload.size)
    return case_document_upload(
        case_id=case_id,
        by=by,
        kind=kind,
        content=upload.read(),
        file_name=upload.name,
        declared_type=upload.content_type or "",
    )
