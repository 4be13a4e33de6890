"""API v1, prepared files: large exports built in the background (core.exports).

`POST /api/v1/prepared-files/` (`kind`, `parameters`) asks for one and answers 202 with where it
stands; `GET /api/v1/prepared-files/` lists the caller's own, newest first; `GET …/{id}/` is one
(`status`: queued, building, ready, failed, expired; `error` in words when failed);
`POST …/{id}/retry/` asks again for a failed or expired one; `GET …/{id}/download/` is the file
while it is ready (409 while being prepared, 404 once expired). Kinds: `return` (`name`
meetings|children|spend, `format` csv|xlsx, `from`, `to`, `locality`: as the returns API) and
`batch_file` (`batch_id`, `format` csv|bacs18|pain001). Another person's file is a 404.
"""

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response

from core import exports
from core.api.base import AuditedAPIView, AuditedMixin
from core.models import PreparedFile


class PreparedFileSerializer(serializers.ModelSerializer):
    download = serializers.SerializerMethodField()
    page = serializers.SerializerMethodField()

    class Meta:
        model = PreparedFile
        fields = [
            "id",
            "kind",
            "parameters",
            "title",
            "status",
            "error",
            "file_name",
            "content_type",
            "size",
            "sha256",
            "created_at",
            "ready_at",
            "expires_at",
            "download",
            "page",
        ]
        read_only_fields = fields

    def get_download(self, obj) -> str | None:
        return reverse("api-prepared-file-download", args=[obj.pk]) if exports.is_downloadable(obj) else None

    def get_page(self, obj) -> str:
        return reverse("exports:detail", args=[obj.pk])


class PreparedFileRequestSerializer(serializers.Serializer):
    kind = serializers.CharField(max_length=40)
    parameters = serializers.DictField(required=False, default=dict)


class PreparedFileListCreate(AuditedMixin, generics.GenericAPIView):
    serializer_class = PreparedFileSerializer
    queryset = PreparedFile.objects.none()  # for the schema only; reads go through core.exports

    @extend_schema(responses=PreparedFileSerializer(many=True), operation_id="prepared_files_list")
    def get(self, request):
        page = self.paginate_queryset(exports.prepared_file_list(user=request.user))
        return self.get_paginated_response(PreparedFileSerializer(page, many=True).data)

    @extend_schema(request=PreparedFileRequestSerializer, responses={202: PreparedFileSerializer})
    def post(self, request):
        data = PreparedFileRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        prepared = exports.prepared_file_request(
            kind=data.validated_data["kind"], parameters=data.validated_data["parameters"], by=request.user
        )
        return Response(PreparedFileSerializer(prepared).data, status=status.HTTP_202_ACCEPTED)


class PreparedFileDetail(AuditedAPIView):
    @extend_schema(responses=PreparedFileSerializer)
    def get(self, request, prepared_file_id):
        prepared = exports.prepared_file_get(user=request.user, prepared_file_id=prepared_file_id)
        return Response(PreparedFileSerializer(prepared).data)


class PreparedFileRetry(AuditedAPIView):
    @extend_schema(request=None, responses={202: PreparedFileSerializer})
    def post(self, request, prepared_file_id):
        exports.prepared_file_get(user=request.user, prepared_file_id=prepared_file_id)
        prepared = exports.prepared_file_retry(prepared_file_id=prepared_file_id, by=request.user)
        return Response(PreparedFileSerializer(prepared).data, status=status.HTTP_202_ACCEPTED)


class PreparedFileDownload(AuditedAPIView):
    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    def get(self, request, prepared_file_id):
        prepared = exports.prepared_file_get(user=request.user, prepared_file_id=prepared_file_id)
        return exports.prepared_file_response(prepared, by=request.user, door="api", path=request.path)
