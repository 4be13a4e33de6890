"""One exception handler for the API: domain errors become 400/403/404/409 with a clear message."""

from django.core.exceptions import ObjectDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from viewflow.workflow.exceptions import FlowLockFailed

from core.exceptions import BUSY_MESSAGE, DomainError, is_busy


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        if exc.http_status == 400 and exc.field:
            return Response({exc.field: [exc.message]}, status=400)
        return Response({"detail": exc.message}, status=exc.http_status)
    if isinstance(exc, ObjectDoesNotExist):
        exc = Http404()
    if isinstance(exc, DjangoValidationError):
        return Response(exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}, status=400)
    if is_busy(exc):
        return Response({"detail": BUSY_MESSAGE}, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, FlowLockFailed):
        return Response(
            {"detail": "The case is being changed by someone else; try again."}, status=status.HTTP_409_CONFLICT
        )
    return drf_exception_handler(exc, context)
