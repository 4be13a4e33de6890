"""A case document's file, answered through the app (never from a public address): the page and
the API both answer with this, and each download is in the access log."""

from django.http import FileResponse, Http404

from audit.services import record_access
from fgdm.models import CaseDocument
from fgdm.uploads import document_storage


def document_response(document: CaseDocument, *, by, door: str, path: str = "") -> FileResponse:
    """The file of a document already read through a selector (fgdm.selectors.document_get), as an
    attachment with its own type; one access-log record. Http404 when retention destroyed it."""
    if document.file_deleted_at is not None:
        raise Http404("This document's file was destroyed under the retention schedule.")
    try:
        handle = document_storage().open(document.storage_name, "rb")
    except FileNotFoundError:
        raise Http404("This document's file is missing from the storage.")
    record_access(by=by, what="case_document", door=door, obj=document, case_id=document.case_id, path=path)
    response = FileResponse(handle, as_attachment=True, filename=document.file_name, content_type=document.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
