"""Reads of sensitive records through the admin site join the access log (door "admin").

Pages and the API call `record_access` themselves; the admin's change pages are Django's, so this
middleware records a successful GET of one object's change page for the models named in the
setting `AUDIT_ADMIN_ACCESS_LOGGED` ("app_label.model" → (what, path to the case id or None)).
It names models by label only: the audit app imports no domain app.
"""

from auditlog.middleware import AuditlogMiddleware
from django.apps import apps
from django.conf import settings

from audit.net import client_address
from audit.services import record_access

DEFAULT_ADMIN_ACCESS_LOGGED = {
    "fgdm.case": ("case", "pk"),
    "fgdm.child": ("child", "case_id"),
    "fgdm.networkmember": ("network_member", "case_id"),
    "fgdm.familyplan": ("plan", "case_id"),
    "payments.bankaccount": ("bank_details", "member__case_id"),
    "payments.paymentbatch": ("export_file", None),
}


class AdminAccessLogMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        if (
            request.method == "GET"
            and response.status_code == 200
            and match is not None
            and match.namespace == "admin"
            and (match.url_name or "").endswith("_change")
            and getattr(request, "user", None) is not None
            and request.user.is_authenticated
        ):
            self._record(request, match)
        return response

    def _record(self, request, match) -> None:
        logged = getattr(settings, "AUDIT_ADMIN_ACCESS_LOGGED", DEFAULT_ADMIN_ACCESS_LOGGED)
        object_id = match.kwargs.get("object_id")
        for label, (what, case_path) in logged.items():
            app_label, model_name = label.split(".")
            if match.url_name != f"{app_label}_{model_name}_change":
                continue
            model = apps.get_model(app_label, model_name)
            fields = ["pk"] + ([case_path] if case_path and case_path != "pk" else [])
            row = model._default_manager.filter(pk=object_id).values(*fields).first()
            if row is None:
                return
            obj = model(pk=row["pk"])
            record_access(
                by=request.user,
                what=what,
                door="admin",
                obj=obj,
                case_id=row.get(case_path) if case_path else None,
                path=request.path,
            )
            return


class ClientAddressAuditlogMiddleware(AuditlogMiddleware):
    """auditlog's middleware, with the client's address from `audit.net.client_address`: auditlog's
    own believes the first X-Forwarded-For value, whatever the client wrote there, and hands a
    non-address (`not-an-ip`) to the database's inet column."""

    @staticmethod
    def _get_remote_addr(request):
        if settings.AUDITLOG_DISABLE_REMOTE_ADDR:
            return None
        return client_address(request)

    @staticmethod
    def _get_remote_port(request) -> int | None:
        return None  # X-Forwarded-Port is the client's word too
