"""GET /api/v1/reports/meetings/, /children/ and /spend/ (`?format=csv|xlsx`): DESIGN.md "Reports"."""

from django.urls import path

from reports.api import views

urlpatterns: list = [
    path("meetings/", views.MeetingsReturn.as_view(), name="api-report-meetings"),
    path("children/", views.ChildrenReturn.as_view(), name="api-report-children"),
    path("spend/", views.SpendReturn.as_view(), name="api-report-spend"),
]
