"""What a locked-out sign-in is answered (django-axes' AXES_LOCKOUT_CALLABLE): 429 on the page
and on the API alike; the API's in JSON, as every API error."""

from axes.helpers import get_cool_off, get_failure_limit
from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render

LOCKED_OUT = "Too many failed sign-ins: this account is locked for now. Try again later or ask an administrator."


def lockout_response(request, original_response=None, credentials=None):
    status = getattr(settings, "AXES_HTTP_RESPONSE_CODE", 429)
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": LOCKED_OUT}, status=status)
    context = {"failure_limit": get_failure_limit(request, credentials), "cooloff_timedelta": get_cool_off(request)}
    return render(request, settings.AXES_LOCKOUT_TEMPLATE, context, status=status)
