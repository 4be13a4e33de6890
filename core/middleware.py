"""The kernel's middleware: every read an auditor makes is logged (auditors read everything, and are
seen doing it); NUL bytes in query parameters are refused; privacy headers on every answer."""

from django.conf import settings
from django.http import HttpResponseBadRequest, JsonResponse
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers

from audit.services import record_access
from core.roles import Role, has_role

# /family/: the path holds the family link's token; the family page writes its own access record without it.
SKIPPED_PREFIXES = ("/static/", "/healthz", "/api/v1/schema/", "/api/v1/docs/", "/admin/jsi18n/", "/family/")


class AuditorReadLogMiddleware:
    """After a successful GET by an auditor, write an access record naming the page, API address or
    admin screen they read. Token-authenticated API reads count too: DRF sets request.user."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if (
            request.method in ("GET", "HEAD")
            and response.status_code < 400
            and user is not None
            and user.is_authenticated
            and not request.path.startswith(SKIPPED_PREFIXES)
            and has_role(user, Role.AUDITOR)
        ):
            door = (
                "api" if request.path.startswith("/api/") else "admin" if request.path.startswith("/admin/") else "page"
            )
            record_access(by=user, what="auditor_read", door=door, path=request.get_full_path())
        return response


class RefuseNulInQueryMiddleware:
    """A NUL byte in any query parameter (name or value) is refused with 400 here, once, before a
    view or a filter passes it to the database (PostgreSQL cannot store or compare it: a 500)."""

    MESSAGE = "A query parameter contains a NUL character."

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if any("\x00" in key or any("\x00" in value for value in values) for key, values in request.GET.lists()):
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": self.MESSAGE}, status=400)
            return HttpResponseBadRequest(self.MESSAGE, content_type="text/plain; charset=utf-8")
        return self.get_response(request)


class PrivacyHeadersMiddleware:
    """Permissions-Policy on every answer; `Cache-Control: no-store` (and private, no-cache) on
    every answer to a signed-in person or a request carrying credentials — pages and API alike
    carry personal data, which no browser or proxy cache should keep."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        policy = getattr(settings, "PERMISSIONS_POLICY", "")
        if policy and "Permissions-Policy" not in response:
            response["Permissions-Policy"] = policy
        user = getattr(request, "user", None)
        signed_in = user is not None and user.is_authenticated
        if signed_in or "HTTP_AUTHORIZATION" in request.META:
            add_never_cache_headers(response)
        return response


class PageWriteThrottleMiddleware:
    """Writes through the pages are held to the same rate as the API's (`FGDM_THROTTLE_RATES`
    "write", per person, or per client address when signed out, counted together with the API's):
    over it, the page answers 429 with Retry-After and nothing is changed. The API throttles its own
    requests (DRF), so /api/ passes through here."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method not in ("GET", "HEAD", "OPTIONS", "TRACE") and not request.path.startswith("/api/"):
            from core.api.throttles import WriteThrottle

            throttle = WriteThrottle()
            if not throttle.allow_request(request, None):
                wait = throttle.wait()
                response = render(
                    request,
                    "429.html",
                    {"title": "Too many changes in a short time", "wait": int(wait or 60)},
                    status=429,
                )
                response["Retry-After"] = str(int(wait or 60))
                return response
        return self.get_response(request)


class BusyCaseMiddleware:
    """A page write that met another write on the same rows (a deadlock: core.exceptions.is_busy) is
    rolled back whole; the person gets a 409 page saying nothing was saved and to try again, not the
    500 page. The API answers the same with a 409 (core.api.exceptions)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        from django.shortcuts import render

        from core.exceptions import BUSY_MESSAGE, is_busy

        if not is_busy(exception) or request.path.startswith("/api/"):
            return None
        return render(request, "409.html", {"message": BUSY_MESSAGE}, status=409)
