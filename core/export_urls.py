"""The prepared files' pages (core.export_views)."""

from django.urls import path

from core import export_views

app_name = "exports"

urlpatterns = [
    path("", export_views.prepared_file_list, name="list"),
    path("<int:prepared_file_id>/", export_views.prepared_file_detail, name="detail"),
    path("<int:prepared_file_id>/download/", export_views.prepared_file_download, name="download"),
]
