"""What every API view shares: the auditlog actor for token-authenticated requests."""
from auditlog.context import set_actor
from rest_framework.views import APIView


def client_address(request) -> str | None:
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    return forwarded.split(",")[0].strip() if forwarded else request.META.get("REMOTE_ADDR")


class AuditedMixin:
    """django-auditlog's middleware reads request.user before DRF authenticates a token, so field
    history written during an API request would have no actor. Set it once DRF knows the user."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if request.user and request.user.is_authenticated:
            self._actor_context = set_actor(request.user, remote_addr=client_address(request))
            self._actor_context.__enter__()

    def finalize_response(self, request, response, *args, **kwargs):
        context = getattr(self, "_actor_context", None)
        if context is not None:
            self._actor_context = None
            context.__exit__(None, None, None)
        return super().finalize_response(request, response, *args, **kwargs)


class AuditedAPIView(AuditedMixin, APIView):
    pass
