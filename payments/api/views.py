"""API v1, payments: bank details, authorisation, batches and their export files."""
from django.db.models import Prefetch, prefetch_related_objects
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.response import Response

from audit.services import record_access
from fgdm.api.base import AuditedAPIView, AuditedMixin
from fgdm.selectors import member_get
from payments import selectors, services
from payments.api import serializers as s
from payments.constants import ExportFormat
from payments.models import Payment, PaymentBatch

CONTENT_TYPES = {ExportFormat.CSV: "text/csv; charset=utf-8"}
EXTENSIONS = {ExportFormat.CSV: "csv"}


def _valid(serializer_class, request):
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class BankAccountView(AuditedAPIView):
    @extend_schema(responses=s.BankAccountSerializer)
    def get(self, request, member_id):
        member = member_get(user=request.user, member_id=member_id)
        account = selectors.bank_account_for(member=member)
        if account is None:
            return Response({"detail": "No bank details have been entered."}, status=status.HTTP_404_NOT_FOUND)
        record_access(by=request.user, what="bank_details", door="api", obj=account, case_id=member.case_id,
                      path=request.path)
        return Response(s.BankAccountSerializer(account).data)

    @extend_schema(request=s.BankAccountInputSerializer, responses=s.BankAccountSerializer)
    def put(self, request, member_id):
        member = member_get(user=request.user, member_id=member_id)
        data = _valid(s.BankAccountInputSerializer, request)
        account = services.bank_account_set(member_id=member.pk, by=request.user, **data)
        return Response(s.BankAccountSerializer(account).data)


class BankAccountVerify(AuditedAPIView):
    @extend_schema(request=None, responses=s.BankAccountSerializer)
    def post(self, request, member_id):
        member = member_get(user=request.user, member_id=member_id)
        account = services.bank_account_verify(member_id=member.pk, by=request.user)
        return Response(s.BankAccountSerializer(account).data)


class PaymentList(AuditedMixin, generics.GenericAPIView):
    serializer_class = s.PaymentSerializer
    queryset = Payment.objects.none()  # for the schema only; reads go through the selector

    @extend_schema(parameters=[
        OpenApiParameter("status", str), OpenApiParameter("case", int), OpenApiParameter("due_before", OpenApiTypes.DATE),
    ], responses=s.PaymentSerializer(many=True), operation_id="payments_list")
    def get(self, request):
        params = request.query_params
        filters = s.PaymentFilterSerializer(data=params)
        filters.is_valid(raise_exception=True)
        qs = selectors.payment_list(user=request.user, **filters.validated_data)
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(s.PaymentSerializer(page, many=True).data)


class PaymentAuthorise(AuditedAPIView):
    @extend_schema(request=None, responses=s.PaymentSerializer)
    def post(self, request, payment_id):
        payment = selectors.payment_get(user=request.user, payment_id=payment_id)
        services.payment_authorise(payment_id=payment.pk, by=request.user)
        return Response(s.PaymentSerializer(selectors.payment_get(user=request.user, payment_id=payment.pk)).data)


class BatchListCreate(AuditedMixin, generics.GenericAPIView):
    serializer_class = s.BatchSerializer
    queryset = PaymentBatch.objects.none()  # for the schema only

    @extend_schema(responses=s.BatchSerializer(many=True), operation_id="payment_batches_list")
    def get(self, request):
        page = self.paginate_queryset(selectors.batch_list(user=request.user))
        return self.get_paginated_response(s.BatchSerializer(page, many=True).data)

    @extend_schema(request=s.BatchCreateSerializer, responses={201: s.BatchDetailSerializer})
    def post(self, request):
        data = _valid(s.BatchCreateSerializer, request)
        batch = services.batch_create(by=request.user, payment_ids=data.get("payment_ids"), due_by=data.get("due_by"))
        return Response(_detail(request, batch.pk), status=status.HTTP_201_CREATED)


def _detail(request, batch_id):
    """A batch with its payments, loaded in a fixed number of queries."""
    batch = selectors.batch_get(user=request.user, batch_id=batch_id)
    prefetch_related_objects([batch], Prefetch(
        "payments", queryset=Payment.objects.select_related("case", "payee", "batch").order_by("id")))
    return s.BatchDetailSerializer(batch).data


class BatchDetail(AuditedAPIView):
    @extend_schema(responses=s.BatchDetailSerializer)
    def get(self, request, batch_id):
        return Response(_detail(request, batch_id))


class BatchApprove(AuditedAPIView):
    @extend_schema(request=None, responses=s.BatchSerializer)
    def post(self, request, batch_id):
        batch = selectors.batch_get(user=request.user, batch_id=batch_id)
        return Response(s.BatchSerializer(services.batch_approve(batch_id=batch.pk, by=request.user)).data)


class BatchConfirm(AuditedAPIView):
    @extend_schema(request=None, responses=s.BatchSerializer)
    def post(self, request, batch_id):
        batch = selectors.batch_get(user=request.user, batch_id=batch_id)
        return Response(s.BatchSerializer(services.batch_confirm(batch_id=batch.pk, by=request.user)).data)


FORMAT_PARAMETER = OpenApiParameter("format", str, enum=["csv", "bacs18", "pain001"], default="csv")


EXPORT_RESPONSES = {(200, "application/octet-stream"): OpenApiTypes.BINARY}


class BatchExport(AuditedAPIView):
    """The batch's payment file. The first export of an approved batch marks it exported; every
    later one returns the same bytes (its SHA-256 is in the X-Checksum-SHA256 header), so GET is
    safe to repeat. POST does the same, for clients that prefer a verb for the first export.

    Answers 409 for a batch not approved yet, 400 for a format that is not available.
    """

    @extend_schema(parameters=[FORMAT_PARAMETER], responses=EXPORT_RESPONSES)
    def get(self, request, batch_id):
        return self._file(request, batch_id)

    @extend_schema(parameters=[FORMAT_PARAMETER], request=None, responses=EXPORT_RESPONSES)
    def post(self, request, batch_id):
        return self._file(request, batch_id)

    def _file(self, request, batch_id):
        batch = selectors.batch_get(user=request.user, batch_id=batch_id)
        export_format = request.query_params.get("format", ExportFormat.CSV)
        batch, content = services.batch_export(batch_id=batch.pk, by=request.user, export_format=export_format)
        record_access(by=request.user, what="export_file", door="api", obj=batch, path=request.path)
        response = HttpResponse(content, content_type=CONTENT_TYPES[batch.export_format])
        response["Content-Disposition"] = f'attachment; filename="{batch.reference}.{EXTENSIONS[batch.export_format]}"'
        response["X-Checksum-SHA256"] = batch.export_sha256
        return response
