"""What every API view shares: the auditlog actor for token-authenticated requests."""

from auditlog.context import auditlog_value, set_actor
from rest_framework.views import APIView

from audit.net import client_address

_UNSET = object()


class AuditedMixin:
    """django-auditlog's middleware reads request.user before DRF authenticates a token, so field
    history written during an API request would have no actor. Set it once DRF knows the user.

    auditlog 3.4.1 never resets its context variable when a `set_actor` block ends, so leaving ours
    would leave the middleware's outer block unable to disconnect its own signal receiver (one
    leaked receiver per request). We put the outer value back when we leave.
    """

    _actor_context = None
    _outer_auditlog = _UNSET

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if request.user and request.user.is_authenticated:
            self._outer_auditlog = auditlog_value.get(_UNSET)
            self._actor_context = set_actor(request.user, remote_addr=client_address(request))
            self._actor_context.__enter__()

    def _leave_actor(self) -> None:
        context, self._actor_context = self._actor_context, None
        if context is None:
            return
        context.__exit__(None, None, None)
        if self._outer_auditlog is not _UNSET:
            auditlog_value.set(self._outer_auditlog)
        self._outer_auditlog = _UNSET

    def finalize_response(self, request, response, *args, **kwargs):
        self._leave_actor()
        return super().finalize_response(request, response, *args, **kwargs)

    def dispatch(self, request, *args, **kwargs):
        try:
            return super().dispatch(request, *args, **kwargs)
        finally:
            self._leave_actor()  # an unhandled error skips finalize_response


class AuditedAPIView(AuditedMixin, APIView):
    pass
