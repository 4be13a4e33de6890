"""API v1, the family's plan as a document: `GET /api/v1/plans/{id}/document/` answers the PDF
(`?format=html` the printable page; `?for=court` the version for the court's pre-proceedings
checklist). Out of scope is 404; finance officers never see plans. Each download is in the access log."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema

from audit.services import record_access
from core.api.documents import DocumentAPIView
from core.documents import FORMATS, PDF, chosen_format, document_response
from fgdm import documents, selectors

FORMAT_PARAMETER = OpenApiParameter(
    "format", str, enum=list(FORMATS), description="pdf (default) or html, the printable page"
)
DOCUMENT_RESPONSES = {(200, "application/pdf"): OpenApiTypes.BINARY, (200, "text/html"): OpenApiTypes.STR}


class PlanDocument(DocumentAPIView):
    """The family's plan in plain words, for the family to keep: who does what by when, what happens
    if it goes wrong, the review date and the support agreed. `for=court` adds the pre-proceedings
    checklist header (case reference, meeting date, who attended by relationship, dates agreed and
    accepted). Answers 400 for an unknown `format` or `for`."""

    @extend_schema(
        parameters=[
            FORMAT_PARAMETER,
            OpenApiParameter("for", str, enum=list(documents.VERSIONS), description="family (default) or court"),
        ],
        responses=DOCUMENT_RESPONSES,
    )
    def get(self, request, plan_id):
        plan = selectors.plan_get(user=request.user, plan_id=plan_id)
        version = documents.chosen_version(request.query_params.get("for"))
        fmt = chosen_format(request.query_params.get("format"), default=PDF)
        record_access(
            by=request.user, what="plan_document", door="api", obj=plan, case_id=plan.case_id, path=request.path
        )
        return document_response(documents.plan_document(plan=plan, user=request.user, version=version), fmt)
