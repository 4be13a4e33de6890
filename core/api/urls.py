from django.urls import path

from core.api import exports, sar

urlpatterns = [
    path("subject-access-requests/", sar.SarListCreate.as_view(), name="api-sars"),
    path("subject-access-requests/<int:request_id>/", sar.SarDetail.as_view(), name="api-sar"),
    path("subject-access-requests/<int:request_id>/id-check/", sar.SarIdCheck.as_view(), name="api-sar-id-check"),
    path("subject-access-requests/<int:request_id>/extend/", sar.SarExtend.as_view(), name="api-sar-extend"),
    path("subject-access-requests/<int:request_id>/gather/", sar.SarGather.as_view(), name="api-sar-gather"),
    path("subject-access-requests/<int:request_id>/complete/", sar.SarComplete.as_view(), name="api-sar-complete"),
    path("subject-access-requests/<int:request_id>/refuse/", sar.SarRefuse.as_view(), name="api-sar-refuse"),
    path("subject-access-items/<int:item_id>/decide/", sar.SarItemDecide.as_view(), name="api-sar-item-decide"),
    path("prepared-files/", exports.PreparedFileListCreate.as_view(), name="api-prepared-files"),
    path("prepared-files/<int:prepared_file_id>/", exports.PreparedFileDetail.as_view(), name="api-prepared-file"),
    path(
        "prepared-files/<int:prepared_file_id>/retry/",
        exports.PreparedFileRetry.as_view(),
        name="api-prepared-file-retry",
    ),
    path(
        "prepared-files/<int:prepared_file_id>/download/",
        exports.PreparedFileDownload.as_view(),
        name="api-prepared-file-download",
    ),
]
