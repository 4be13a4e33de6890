"""API v1, a package's written agreement: `GET /api/v1/packages/{id}/agreement/` answers the PDF
(`?format=html` the printable page); `POST /api/v1/packages/{id}/agreement/signatures/` records who
signed this version's agreement. Out of scope is 404; each download is in the access log."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from audit.services import record_access
from core.api.base import AuditedAPIView
from core.api.documents import DocumentAPIView
from core.documents import PDF, chosen_format, document_response
from core.roles import ensure_may
from fgdm.api.documents import DOCUMENT_RESPONSES, FORMAT_PARAMETER
from network_packages import documents, selectors, services
from network_packages.models import AgreementSignature


class SignatureInputSerializer(serializers.Serializer):
    signed_by_name = serializers.CharField(max_length=200, help_text="The full name of the person who signed")
    signed_as = serializers.CharField(max_length=100, help_text="Their relationship to the child, or their role")
    signed_on = serializers.DateField(help_text="The day they signed (not in the future)")


class SignatureSerializer(serializers.ModelSerializer):
    recorded_by = serializers.CharField(source="recorded_by.username", read_only=True)

    class Meta:
        model = AgreementSignature
        fields = [
            "id",
            "package",
            "package_version",
            "agreement_checksum",
            "signed_by_name",
            "signed_as",
            "signed_on",
            "recorded_by",
            "recorded_at",
        ]
        read_only_fields = fields


class PackageAgreement(DocumentAPIView):
    """The written agreement of this version of the package (kinship care guidance 2024): what is
    paid, to whom, how much, how often, for how long, the review date, what happens if circumstances
    change, and lines to sign; and who signed it, or that it is not signed. Answers 400 for an
    unknown `format`."""

    @extend_schema(parameters=[FORMAT_PARAMETER], responses=DOCUMENT_RESPONSES)
    def get(self, request, package_id):
        package = selectors.package_get(user=request.user, package_id=package_id)
        fmt = chosen_format(request.query_params.get("format"), default=PDF)
        record_access(
            by=request.user,
            what="written_agreement",
            door="api",
            obj=package,
            case_id=package.case_id,
            path=request.path,
        )
        return document_response(documents.agreement_document(package=package), fmt)


class AgreementSignatureCreate(AuditedAPIView):
    @extend_schema(request=SignatureInputSerializer, responses={201: SignatureSerializer})
    def post(self, request, package_id):
        """Record that someone signed the written agreement of this version of the package. It is
        kept against the version and the SHA-256 of the agreement's terms: a later version, or a
        draft changed afterwards, needs signing again. 409 for a withdrawn or ended version or a
        signature already recorded."""
        package = selectors.package_get(user=request.user, package_id=package_id)
        ensure_may(request.user, "agreement_record_signature")
        data = SignatureInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        signature = services.agreement_record_signature(
            package_id=package.pk,
            by=request.user,
            signed_by_name=data.validated_data["signed_by_name"],
            signed_as=data.validated_data["signed_as"],
            signed_on=data.validated_data["signed_on"],
        )
        return Response(SignatureSerializer(signature).data, status=status.HTTP_201_CREATED)
