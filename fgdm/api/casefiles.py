"""API v1, the case file: `GET|POST /api/v1/cases/{id}/notes/` (`text`; optional `noted_on`, and
`corrects` to correct a note of the case with this new one), `GET|POST /api/v1/cases/{id}/documents/`
(multipart `file`, `kind`), `GET /api/v1/documents/{id}/` (the file itself, as a download).

Whoever sees the case in full reads them (out of scope, an FGC coordinator's conference-only view,
finance: 404); the case's practitioners and the managers over it write them (others: 403). Each
download is in the access log."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from audit.services import record_access
from core.api.base import AuditedMixin
from core.api.documents import DocumentAPIView
from core.roles import ensure_may
from fgdm import selectors, services
from fgdm.api.views import _valid
from fgdm.constants import DocumentKind, DocumentType
from fgdm.downloads import document_response
from fgdm.models import CaseDocument, CaseNote


class CaseNoteSerializer(serializers.ModelSerializer):
    written_by = serializers.CharField(source="written_by.get_username", read_only=True)
    corrects = serializers.IntegerField(source="corrects_id", allow_null=True, read_only=True)
    corrected_by = serializers.SerializerMethodField(help_text="The note that corrects this one, if any")

    class Meta:
        model = CaseNote
        fields = ["id", "noted_on", "text", "written_by", "written_at", "corrects", "corrected_by"]

    def get_corrected_by(self, note) -> int | None:
        correction = getattr(note, "correction", None) if note.is_corrected else None
        return correction.pk if correction else None


class CaseNoteInputSerializer(serializers.Serializer):
    text = serializers.CharField(help_text="The note (plain text)")
    noted_on = serializers.DateField(required=False, allow_null=True, help_text="The day it is about; default today")
    corrects = serializers.IntegerField(
        required=False, allow_null=True, help_text="The id of a note of this case that this new note corrects"
    )


class CaseDocumentSerializer(serializers.ModelSerializer):
    uploaded_by = serializers.CharField(source="uploaded_by.get_username", read_only=True)
    kind = serializers.ChoiceField(choices=DocumentKind.choices)
    content_type = serializers.ChoiceField(choices=DocumentType.choices, help_text="Found from the file's content")
    download = serializers.SerializerMethodField(help_text="Where to download the file (through the API)")
    file_destroyed = serializers.SerializerMethodField(help_text="Its file was destroyed under retention")

    class Meta:
        model = CaseDocument
        fields = [
            "id",
            "kind",
            "file_name",
            "content_type",
            "size",
            "sha256",
            "uploaded_by",
            "uploaded_at",
            "file_destroyed",
            "download",
        ]

    def get_download(self, document) -> str:
        return f"/api/v1/documents/{document.pk}/"

    def get_file_destroyed(self, document) -> bool:
        return document.file_deleted_at is not None


class CaseDocumentUploadSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=DocumentKind.choices)
    file = serializers.FileField(help_text="PDF, PNG, JPEG or Word (.docx); the type is checked from the content")


class CaseNotes(AuditedMixin, generics.GenericAPIView):
    serializer_class = CaseNoteSerializer
    queryset = CaseNote.objects.none()  # for the schema only; reads go through the selector

    @extend_schema(responses=CaseNoteSerializer(many=True), operation_id="cases_notes_list")
    def get(self, request, case_id):
        case = selectors.case_get_whole(user=request.user, case_id=case_id)
        record_access(by=request.user, what="case_notes", door="api", obj=case, case_id=case.pk, path=request.path)
        page = self.paginate_queryset(selectors.notes_of(case=case))
        return self.get_paginated_response(CaseNoteSerializer(page, many=True).data)

    @extend_schema(
        request=CaseNoteInputSerializer, responses={201: CaseNoteSerializer}, operation_id="cases_notes_create"
    )
    def post(self, request, case_id):
        case = selectors.case_get_whole(user=request.user, case_id=case_id)
        ensure_may(request.user, "case_note_write")
        data = _valid(CaseNoteInputSerializer, request)
        corrects = data.pop("corrects", None)
        if corrects is not None:
            if not CaseNote.objects.filter(pk=corrects, case_id=case.pk).exists():
                raise ValidationError({"corrects": ["No note of this case has that id."]})
            note = services.case_note_correct(note_id=corrects, by=request.user, **data)
        else:
            note = services.case_note_write(case_id=case.pk, by=request.user, **data)
        return Response(CaseNoteSerializer(note).data, status=status.HTTP_201_CREATED)


class CaseDocuments(AuditedMixin, generics.GenericAPIView):
    serializer_class = CaseDocumentSerializer
    queryset = CaseDocument.objects.none()  # for the schema only; reads go through the selector

    @extend_schema(responses=CaseDocumentSerializer(many=True), operation_id="cases_documents_list")
    def get(self, request, case_id):
        case = selectors.case_get_whole(user=request.user, case_id=case_id)
        page = self.paginate_queryset(selectors.documents_of(case=case))
        return self.get_paginated_response(CaseDocumentSerializer(page, many=True).data)

    @extend_schema(
        request={"multipart/form-data": CaseDocumentUploadSerializer},
        responses={201: CaseDocumentSerializer},
        operation_id="cases_documents_create",
    )
    def post(self, request, case_id):
        case = selectors.case_get_whole(user=request.user, case_id=case_id)
        ensure_may(request.user, "case_document_upload")
        data = _valid(CaseDocumentUploadSerializer, request)
        document = services.case_document_upload_file(
            case_id=case.pk, by=request.user, kind=data["kind"], upload=data["file"]
        )
        return Response(CaseDocumentSerializer(document).data, status=status.HTTP_201_CREATED)


class DocumentDownload(DocumentAPIView):
    """The document's file as uploaded, as an attachment with the type found in its content."""

    @extend_schema(
        responses={(200, str(kind.value)): OpenApiTypes.BINARY for kind in DocumentType},
        operation_id="documents_download",
    )
    def get(self, request, document_id):
        document = selectors.document_get(user=request.user, document_id=document_id)
        return document_response(document, by=request.user, door="api", path=request.path)
