"""The family's plan as a printable page or a PDF (fgdm.documents): `?format=pdf` downloads it,
`?for=court` marks it for the court's pre-proceedings checklist."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest
from django.views.decorators.http import require_safe

from audit.services import record_access
from core.documents import HTML, chosen_format, document_response
from core.exceptions import RuleBroken
from fgdm import documents, selectors


@login_required
@require_safe
def plan_document(request, plan_id):
    plan = selectors.plan_get(user=request.user, plan_id=plan_id)
    try:
        version = documents.chosen_version(request.GET.get("for"))
        fmt = chosen_format(request.GET.get("format"), default=HTML)
    except RuleBroken as refused:
        raise BadRequest(refused.message)
    record_access(by=request.user, what="plan_document", door="page", obj=plan, case_id=plan.case_id, path=request.path)
    return document_response(documents.plan_document(plan=plan, user=request.user, version=version), fmt)
