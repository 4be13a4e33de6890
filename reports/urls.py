"""The dashboard and the returns pages (the API's report endpoints are in reports/api/urls.py)."""

app_name = "reports"

urlpatterns: list = [
    # path("dashboard/", views.dashboard, name="dashboard"),  — the dashboard (DESIGN.md "Reports")
    # path("reports/", views.returns, name="returns"),        — the returns, to download
]
