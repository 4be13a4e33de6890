from django.urls import path

from core import sar_views

app_name = "records"

urlpatterns = [
    path("records/requests/", sar_views.sar_list, name="sar_list"),
    path("records/requests/new/", sar_views.sar_new, name="sar_new"),
    path("records/requests/<int:request_id>/", sar_views.sar_detail, name="sar_detail"),
]
