"""The dashboard and the returns pages (the API's report endpoints are in reports/api/urls.py)."""

from django.urls import path

from reports import returns_views

app_name = "reports"

urlpatterns: list = [
    # path("dashboard/", views.dashboard, name="dashboard"),  — the dashboard (DESIGN.md "Reports")
    # Returns
    path("reports/", returns_views.returns_page, name="returns"),
]
