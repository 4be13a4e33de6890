from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.db import connection
from django.http import JsonResponse
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from core.api import auth


def healthz(request):
    """Liveness and database reachability, for load balancers and `make run` probes."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


api_v1 = [
    path("auth/token/", auth.TokenView.as_view(), name="api-token"),
    path("auth/logout/", auth.LogoutView.as_view(), name="api-logout"),
    path("", include("fgdm.api.urls")),
    path("", include("network_packages.api.urls")),
    path("", include("payments.api.urls")),
    path("", include("process.api.urls")),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("", include("process.urls")),
    path("", include("fgdm.urls")),
    path("packages/", include("network_packages.urls")),
    path("finance/", include("payments.urls")),
]
