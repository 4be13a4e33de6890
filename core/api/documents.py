"""What the API's document endpoints share (core.documents): they answer a PDF or the printable
page, not JSON, so a client asking for `Accept: application/pdf` (or text/html) is not refused with
406. Errors still answer JSON."""

from core.api.base import AuditedAPIView


class DocumentAPIView(AuditedAPIView):
    def perform_content_negotiation(self, request, force=False):
        # No renderer offers application/pdf: fall back to the first (JSON) for errors instead of 406.
        return super().perform_content_negotiation(request, force=True)
