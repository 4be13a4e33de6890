"""The dashboard and the returns pages (the API's report endpoints are in reports/api/urls.py)."""

from django.urls import path

from reports import views

app_name = "reports"

urlpatterns: list = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/<slug:section>.csv", views.dashboard_csv, name="dashboard-csv"),
    # path("reports/", views.returns, name="returns"),        — the returns, to download
]
