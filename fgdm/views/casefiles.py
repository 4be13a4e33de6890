"""Pages of the case file: the case's notes (newest first, with their corrections) and its uploaded
documents; writing a note, correcting one with a new note, uploading a document, downloading one.
Each POST calls one service; a refusal shows on the form and nothing changes."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.urls import reverse
from django.views.decorators.http import require_safe

from audit.services import record_access
from core.pages import done, form_page, gate, page, run_service
from core.roles import may
from fgdm import forms as f
from fgdm import selectors, services
from fgdm.downloads import document_response
from fgdm.permissions import ensure_can_work_or_manage_case
from fgdm.uploads import max_bytes
from fgdm.views.rights import CaseRights

NOTES_PER_PAGE = 25


def _caption(case):
    return f"{case.reference} — {case.family_name} family"


def may_write(user, case, rights: CaseRights | None = None) -> bool:
    """Whether to offer writing notes and uploading documents: the case's practitioners and the
    managers over it (the services decide when the form is sent)."""
    return may(user, "case_note_write") and (rights or CaseRights(user, case)).allows(ensure_can_work_or_manage_case)


def case_file_context(request, case, *, notes, rights: CaseRights | None = None, documents=None) -> dict:
    """`documents`: the case's documents when the caller knows them already (none: [])."""
    return {
        "notes": notes,
        "documents": list(selectors.documents_of(case=case)) if documents is None else documents,
        "can_write_notes": may_write(request.user, case, rights),
    }


@login_required
@require_safe
def case_notes(request, case_id):
    """Every note of the case, newest first, and its documents."""
    case = selectors.case_get_whole(user=request.user, case_id=case_id)
    record_access(by=request.user, what="case_notes", door="page", obj=case, case_id=case.pk, path=request.path)
    notes = Paginator(selectors.notes_of(case=case), NOTES_PER_PAGE).get_page(request.GET.get("page"))
    return page(
        request,
        "fgdm/case_notes.html",
        {
            "title": f"Notes and documents — {case.reference}",
            "case": case,
            "caption": _caption(case),
            "page_obj": notes,
            **case_file_context(request, case, notes=list(notes)),
        },
    )


@login_required
def case_note_new(request, case_id):
    case = selectors.case_get_whole(user=request.user, case_id=case_id)
    gate(request, "case_note_write")
    form = f.CaseNoteForm(request.POST if request.method == "POST" else None)
    back = reverse("fgdm:case_notes", args=[case.pk])
    if request.method == "POST":
        note = run_service(form, lambda data: services.case_note_write(case_id=case.pk, by=request.user, **data))
        if note:
            return done(request, f"Your note of {note.noted_on:%-d %B %Y} is on the case.", back)
    return form_page(
        request,
        title="Write a case note",
        caption=_caption(case),
        form=form,
        button="Save the note",
        context={
            "intro": "A note cannot be changed or deleted once saved: a mistake is corrected by a new note.",
            "back": back,
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
def note_correct(request, note_id):
    note = selectors.note_get(user=request.user, note_id=note_id)
    case = note.case
    gate(request, "case_note_write")
    form = f.CaseNoteForm(request.POST if request.method == "POST" else None, initial={"noted_on": note.noted_on})
    back = reverse("fgdm:case_notes", args=[case.pk])
    if request.method == "POST":
        correction = run_service(
            form, lambda data: services.case_note_correct(note_id=note.pk, by=request.user, **data)
        )
        if correction:
            return done(
                request, "Your correction is on the case; the note it corrects is kept, marked corrected.", back
            )
    writer = note.written_by.get_full_name() or note.written_by.get_username()
    return form_page(
        request,
        title="Correct a case note",
        caption=_caption(case),
        form=form,
        button="Save the correction",
        context={
            "intro": "Write the note as it should read. Both notes are kept: the one you correct shows as "
            "corrected, with a link to yours.",
            "back": back,
        },
        summary=[
            ("The note you are correcting", note.text),
            ("About the day", f"{note.noted_on:%-d %B %Y}"),
            ("Written by", f"{writer}, {note.written_at:%-d %B %Y %H:%M}"),
        ],
        status=400 if request.method == "POST" else 200,
    )


@login_required
def case_document_new(request, case_id):
    case = selectors.case_get_whole(user=request.user, case_id=case_id)
    gate(request, "case_document_upload")
    form = f.CaseDocumentForm(
        request.POST if request.method == "POST" else None, request.FILES if request.method == "POST" else None
    )
    back = reverse("fgdm:case_notes", args=[case.pk])
    if request.method == "POST":
        document = run_service(
            form,
            lambda data: services.case_document_upload_file(
                case_id=case.pk, by=request.user, kind=data["kind"], upload=data["file"]
            ),
        )
        if document:
            return done(request, f"{document.file_name} is on the case.", back)
    return page(
        request,
        "fgdm/case_document_new.html",
        {
            "title": "Upload a document",
            "caption": _caption(case),
            "case": case,
            "form": form,
            "all_forms": [form],
            "back": back,
            "max_megabytes": max_bytes() // (1024 * 1024),
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_safe
def document_download(request, document_id):
    document = selectors.document_get(user=request.user, document_id=document_id)
    return document_response(document, by=request.user, door="page", path=request.path)
