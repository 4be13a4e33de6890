"""The dashboard and the returns pages (the API's report endpoints are in reports/api/urls.py)."""

from django.urls import path

from reports import returns_views, views
from reports.figures import SECTIONS

app_name = "reports"

urlpatterns: list = [
    path("dashboard/", views.dashboard, name="dashboard"),
    # One download per section of the dashboard, /dashboard/<section>.csv, with the page's filters.
    *[
        path(f"dashboard/{section}.csv", views.dashboard_csv, {"section": section}, name=f"dashboard-{section}-csv")
        for section in SECTIONS
    ],
    # Returns
    path("reports/", returns_views.returns_page, name="returns"),
    path("reports/prepare/", returns_views.returns_prepare, name="returns_prepare"),
]
