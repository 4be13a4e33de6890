from csp.decorators import csp_update
from django.contrib import admin
from django.db import connection
from django.http import JsonResponse
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

from core.api import auth
from fgdm import sso


def healthz(request):
    """Liveness and database reachability, for load balancers and `make run` probes."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


# Swagger UI and ReDoc come from this site's static files (drf-spectacular-sidecar). Swagger UI's
# start-up script is served from here too (the split view), so its page needs nothing inline.
# ReDoc writes its styles into the page as it draws it and reads the schema in a worker: the
# policy is widened for that page alone.
api_docs = SpectacularSwaggerSplitView.as_view(url_name="api-schema")
api_redoc = csp_update({"style-src": ["'unsafe-inline'"], "worker-src": ["blob:"], "img-src": ["data:"]})(
    SpectacularRedocView.as_view(url_name="api-schema")
)

api_v1 = [
    path("auth/token/", auth.TokenView.as_view(), name="api-token"),
    path("auth/logout/", auth.LogoutView.as_view(), name="api-logout"),
    path("", include("fgdm.api.urls")),
    path("", include("network_packages.api.urls")),
    path("", include("payments.api.urls")),
    path("", include("process.api.urls")),
    path("", include("notifications.api.urls")),
    path("reports/", include("reports.api.urls")),
    path("", include("core.api.urls")),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", api_docs, name="api-docs"),
    path("redoc/", api_redoc, name="api-redoc"),
]

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    # Browsers ask for /favicon.ico whatever the page says.
    path("favicon.ico", RedirectView.as_view(url=static("core/favicon.ico"), permanent=True)),
    path("accounts/login/", sso.SignInView.as_view(), name="login"),
    path("accounts/logout/", sso.SignOutView.as_view(), name="logout"),
    # Council sign-in (fgdm/sso.py); the names are mozilla-django-oidc's, which its middleware reverses.
    path("accounts/sso/start/", sso.StartView.as_view(), name="oidc_authentication_init"),
    path("accounts/sso/callback/", sso.CallbackView.as_view(), name="oidc_authentication_callback"),
    path("accounts/sso/logout/", sso.SignOutView.as_view(), name="oidc_logout"),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("", include("process.urls")),
    path("", include("fgdm.urls")),
    path("", include("core.urls")),
    path("packages/", include("network_packages.urls")),
    path("finance/", include("payments.urls")),
    path("", include("reports.urls")),
    path("", include("family.urls")),
    path("notifications/", include("notifications.urls")),
    path("exports/", include("core.export_urls")),
]

handler400 = "core.error_views.bad_request"
handler403 = "core.error_views.permission_denied"
handler404 = "core.error_views.page_not_found"
handler500 = "core.error_views.server_error"
