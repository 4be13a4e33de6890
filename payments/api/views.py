"""API v1, payments: bank details, authorisation, batches and their export files."""

from functools import partial

from django.core.paginator import Paginator
from django.db.models import Prefetch, prefetch_related_objects
from django.http import StreamingHttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from audit.services import record_access
from core.api.base import AuditedAPIView, AuditedMixin
from core.exceptions import NotPermitted, RuleBroken
from core.roles import ensure_may
from fgdm.selectors import member_get
from network_packages import selectors as package_selectors
from network_packages import services as package_services
from network_packages.models import Supplier
from network_packages.selectors import financial_year_of
from payments import exports, selectors, services
from payments.api import serializers as s
from payments.constants import ExportFormat
from payments.models import Payment, PaymentBatch, ReturnsImport


def file_response(batch, export) -> StreamingHttpResponse:
    """The stored file, streamed from its chunk rows a few at a time, with its name, size and SHA-256."""
    response = StreamingHttpResponse(export.stream(), content_type=exports.CONTENT_TYPES[export.export_format])
    response["Content-Disposition"] = (
        f'attachment; filename="{batch.reference}.{exports.EXTENSIONS[export.export_format]}"'
    )
    response["Content-Length"] = str(export.size)
    response["X-Checksum-SHA256"] = export.sha256
    return response


def _valid(serializer_class, request):
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _bank_account_data(request, account) -> dict:
    shown_in_full = selectors.bank_details_shown_in_full(user=request.user, account=account)
    return s.BankAccountSerializer(account, context={"shown_in_full": shown_in_full}).data


class BankAccountView(AuditedAPIView):
    @extend_schema(responses=s.BankAccountSerializer)
    def get(self, request, member_id):
        member = member_get(user=request.user, member_id=member_id)
        ensure_may(request.user, "bank_account_view")
        account = selectors.bank_account_for(member=member)
        if account is None:
            return Response({"detail": "No bank details have been entered."}, status=status.HTTP_404_NOT_FOUND)
        record_access(
            by=request.user, what="bank_details", door="api", obj=account, case_id=member.case_id, path=request.path
        )
        return Response(_bank_account_data(request, account))

    @extend_schema(request=s.BankAccountInputSerializer, responses=s.BankAccountSerializer)
    def put(self, request, member_id):
        member = member_get(user=request.user, member_id=member_id)
        ensure_may(request.user, "bank_account_set")
        data = _valid(s.BankAccountInputSerializer, request)
        account = services.bank_account_set(member_id=member.pk, by=request.user, **data)
        return Response(_bank_account_data(request, account))


class BankAccountVerify(AuditedAPIView):
    @extend_schema(request=s.BankAccountVerifySerializer, responses=s.BankAccountSerializer)
    def post(self, request, member_id):
        member = member_get(user=request.user, member_id=member_id)
        ensure_may(request.user, "bank_account_verify")
        data = _valid(s.BankAccountVerifySerializer, request)
        account = services.bank_account_verify(member_id=member.pk, by=request.user, **data)
        return Response(_bank_account_data(request, account))


class SupplierListCreate(AuditedMixin, generics.GenericAPIView):
    """The council's register of suppliers (shops, taxi firms) that package items may pay directly.
    Everyone who drafts, approves, pays or audits packages reads it; finance officers add to it."""

    serializer_class = s.SupplierSerializer
    queryset = Supplier.objects.none()  # for the schema only; reads go through the selector

    @extend_schema(
        parameters=[OpenApiParameter("search", str), OpenApiParameter("active", bool)],
        responses=s.SupplierSerializer(many=True),
        operation_id="suppliers_list",
    )
    def get(self, request):
        ensure_may(request.user, "supplier_view")
        query = s.SupplierQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        page = self.paginate_queryset(package_selectors.supplier_list(user=request.user, **query.validated_data))
        return self.get_paginated_response(s.SupplierSerializer(page, many=True).data)

    @extend_schema(request=s.SupplierInputSerializer, responses={201: s.SupplierSerializer})
    def post(self, request):
        ensure_may(request.user, "supplier_manage")
        data = _valid(s.SupplierInputSerializer, request)
        supplier = package_services.supplier_create(by=request.user, **data)
        return Response(s.SupplierSerializer(supplier).data, status=status.HTTP_201_CREATED)


class SupplierDetail(AuditedAPIView):
    @extend_schema(responses=s.SupplierSerializer)
    def get(self, request, supplier_id):
        return Response(
            s.SupplierSerializer(package_selectors.supplier_get(user=request.user, supplier_id=supplier_id)).data
        )

    @extend_schema(request=s.SupplierChangeSerializer, responses=s.SupplierSerializer)
    def patch(self, request, supplier_id):
        supplier = package_selectors.supplier_get(user=request.user, supplier_id=supplier_id)
        ensure_may(request.user, "supplier_manage")
        change = s.SupplierChangeSerializer(data=request.data, partial=True)
        change.is_valid(raise_exception=True)
        data = change.validated_data
        package_services.supplier_update(supplier_id=supplier.pk, by=request.user, **data)
        return Response(
            s.SupplierSerializer(package_selectors.supplier_get(user=request.user, supplier_id=supplier.pk)).data
        )


class SupplierBankAccountView(AuditedAPIView):
    @extend_schema(responses=s.BankAccountSerializer, operation_id="suppliers_bank_account_retrieve")
    def get(self, request, supplier_id):
        supplier = package_selectors.supplier_get(user=request.user, supplier_id=supplier_id)
        ensure_may(request.user, "supplier_bank_account_view")
        account = selectors.bank_account_of_supplier(supplier=supplier)
        if account is None:
            return Response({"detail": "No bank details have been entered."}, status=status.HTTP_404_NOT_FOUND)
        record_access(by=request.user, what="bank_details", door="api", obj=account, path=request.path)
        return Response(_bank_account_data(request, account))

    @extend_schema(
        request=s.BankAccountInputSerializer,
        responses=s.BankAccountSerializer,
        operation_id="suppliers_bank_account_update",
    )
    def put(self, request, supplier_id):
        supplier = package_selectors.supplier_get(user=request.user, supplier_id=supplier_id)
        ensure_may(request.user, "supplier_bank_account_set")
        data = _valid(s.BankAccountInputSerializer, request)
        account = services.supplier_bank_account_set(supplier_id=supplier.pk, by=request.user, **data)
        return Response(_bank_account_data(request, account))


class SupplierBankAccountVerify(AuditedAPIView):
    @extend_schema(
        request=s.BankAccountVerifySerializer,
        responses=s.BankAccountSerializer,
        operation_id="suppliers_bank_account_verify",
    )
    def post(self, request, supplier_id):
        supplier = package_selectors.supplier_get(user=request.user, supplier_id=supplier_id)
        ensure_may(request.user, "supplier_bank_account_verify")
        data = _valid(s.BankAccountVerifySerializer, request)
        account = services.supplier_bank_account_verify(supplier_id=supplier.pk, by=request.user, **data)
        return Response(_bank_account_data(request, account))


class CountedPaginator(Paginator):
    """Pages of a list whose length is known already (payments.selectors.payment_totals_known)."""

    def __init__(self, object_list, per_page, *, count: int, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.count = count  # the cached property's value, so the list is never counted


class PaymentList(AuditedMixin, generics.GenericAPIView):
    serializer_class = s.PaymentSerializer
    queryset = Payment.objects.none()  # for the schema only; reads go through the selector

    @extend_schema(
        parameters=[
            OpenApiParameter("status", str),
            OpenApiParameter("case", int),
            OpenApiParameter("due_before", OpenApiTypes.DATE),
        ],
        responses=s.PaymentSerializer(many=True),
        operation_id="payments_list",
    )
    def get(self, request):
        params = request.query_params
        filters = s.PaymentFilterSerializer(data=params)
        filters.is_valid(raise_exception=True)
        data = filters.validated_data
        qs = selectors.payment_list(user=request.user, **data)
        # Finance's list, all or of one status: its length from the running totals, not a COUNT of
        # every payment.
        known = selectors.payment_totals_known(
            user=request.user,
            status=data.get("status"),
            narrowed=bool(data.get("case_id") or data.get("due_before")),
        )
        if known is not None:
            self.paginator.django_paginator_class = partial(CountedPaginator, count=known["count"])
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(s.PaymentSerializer(page, many=True).data)


class PaymentAuthorise(AuditedAPIView):
    @extend_schema(request=None, responses=s.PaymentSerializer)
    def post(self, request, payment_id):
        payment = selectors.payment_get(user=request.user, payment_id=payment_id)
        ensure_may(request.user, "payment_authorise")
        services.payment_authorise(payment_id=payment.pk, by=request.user)
        return Response(s.PaymentSerializer(selectors.payment_get(user=request.user, payment_id=payment.pk)).data)


class PaymentsAuthorise(AuditedAPIView):
    """Authorise many scheduled payments at once. Each is checked on its own, as
    `/payments/{id}/authorise/` checks it; the answer (200) lists those authorised and those
    refused with the reason. An id you cannot see is refused as "Not found.", like one that does
    not exist. 400 for a body that is not 1 to 500 ids, 403 for a role that cannot authorise."""

    @extend_schema(
        request=s.PaymentsAuthoriseSerializer,
        responses=s.PaymentsAuthorisedSerializer,
        operation_id="payments_authorise_many",
    )
    def post(self, request):
        ensure_may(request.user, "payment_authorise")
        data = _valid(s.PaymentsAuthoriseSerializer, request)
        authorised, refused = services.payments_authorise_many(payment_ids=data["payment_ids"], by=request.user)
        return Response(
            s.PaymentsAuthorisedSerializer(
                {"authorised": authorised, "refused": [{"id": pk, "reason": reason} for pk, reason in refused]}
            ).data
        )


class BatchListCreate(AuditedMixin, generics.GenericAPIView):
    serializer_class = s.BatchSerializer
    queryset = PaymentBatch.objects.none()  # for the schema only

    @extend_schema(responses=s.BatchSerializer(many=True), operation_id="payment_batches_list")
    def get(self, request):
        page = self.paginate_queryset(selectors.batch_list(user=request.user))
        return self.get_paginated_response(s.BatchSerializer(page, many=True).data)

    @extend_schema(request=s.BatchCreateSerializer, responses={201: s.BatchDetailSerializer})
    def post(self, request):
        ensure_may(request.user, "batch_create")
        data = _valid(s.BatchCreateSerializer, request)
        batch = services.batch_create(by=request.user, payment_ids=data.get("payment_ids"), due_by=data.get("due_by"))
        return Response(_detail(request, batch.pk), status=status.HTTP_201_CREATED)


def _detail(request, batch_id):
    """A batch with its payments, loaded in a fixed number of queries."""
    batch = selectors.batch_get(user=request.user, batch_id=batch_id)
    prefetch_related_objects(
        [batch], Prefetch("payments", queryset=Payment.objects.select_related("case", "payee", "batch").order_by("id"))
    )
    return s.BatchDetailSerializer(batch).data


class BatchDetail(AuditedAPIView):
    @extend_schema(responses=s.BatchDetailSerializer)
    def get(self, request, batch_id):
        return Response(_detail(request, batch_id))


class BatchApprove(AuditedAPIView):
    @extend_schema(request=None, responses=s.BatchSerializer)
    def post(self, request, batch_id):
        batch = selectors.batch_get(user=request.user, batch_id=batch_id)
        ensure_may(request.user, "batch_approve")
        return Response(s.BatchSerializer(services.batch_approve(batch_id=batch.pk, by=request.user)).data)


class BatchConfirm(AuditedAPIView):
    @extend_schema(request=None, responses=s.BatchSerializer)
    def post(self, request, batch_id):
        batch = selectors.batch_get(user=request.user, batch_id=batch_id)
        ensure_may(request.user, "batch_confirm")
        return Response(s.BatchSerializer(services.batch_confirm(batch_id=batch.pk, by=request.user)).data)


FORMAT_PARAMETER = OpenApiParameter("format", str, enum=["csv", "bacs18", "pain001"])


# The file as its format has it: csv (text/csv), bacs18 (text/plain) or pain001 (application/xml).
EXPORT_RESPONSES = {
    (200, content_type.split(";")[0]): OpenApiTypes.BINARY for content_type in exports.CONTENT_TYPES.values()
}


class BatchExport(AuditedAPIView):
    """Export the batch's payment file: `format` csv (ledger), bacs18 (BACS Standard 18) or pain001
    (ISO 20022 pain.001.001.03), in the body (or the query string). The first export of an approved
    batch marks it exported; exporting a format again returns the same bytes (its SHA-256 is in the
    X-Checksum-SHA256 header). It changes state, so POST only: GET answers 405 (use `download/`).

    Answers 409 for a batch not approved yet, 400 for a format that is not available.
    """

    @extend_schema(request=s.BatchExportSerializer, responses=EXPORT_RESPONSES)
    def post(self, request, batch_id):
        batch = selectors.batch_get(user=request.user, batch_id=batch_id)
        ensure_may(request.user, "batch_export")
        chosen = request.data.get("format") if hasattr(request.data, "get") else None
        data = s.BatchExportSerializer(data={"format": chosen or request.query_params.get("format", ExportFormat.CSV)})
        data.is_valid(raise_exception=True)
        batch, export = services.batch_export_file(
            batch_id=batch.pk, by=request.user, export_format=data.validated_data["format"]
        )
        record_access(by=request.user, what="export_file", door="api", obj=batch, path=request.path)
        return file_response(batch, export)


class BatchDownload(AuditedAPIView):
    """A stored file of an exported batch (`format`, default the format first exported), the same
    bytes every time. Writes nothing but the access log.

    Answers 409 for a batch not exported yet (or whose files were removed under retention), 404 for
    a format not exported, 400 for an unknown format.
    """

    @extend_schema(parameters=[FORMAT_PARAMETER], responses=EXPORT_RESPONSES)
    def get(self, request, batch_id):
        batch = selectors.batch_get(user=request.user, batch_id=batch_id)
        ensure_may(request.user, "batch_export")
        batch, export = selectors.batch_file_get(
            user=request.user, batch_id=batch.pk, export_format=request.query_params.get("format")
        )
        record_access(by=request.user, what="export_file", door="api", obj=batch, path=request.path)
        return file_response(batch, export)


class PaymentDetail(AuditedAPIView):
    @extend_schema(responses=s.PaymentDetailSerializer)
    def get(self, request, payment_id):
        payment = selectors.payment_get(user=request.user, payment_id=payment_id)
        return Response(s.PaymentDetailSerializer(payment).data)


class PaymentCancel(AuditedAPIView):
    @extend_schema(request=s.PaymentCancelSerializer, responses=s.PaymentDetailSerializer)
    def post(self, request, payment_id):
        payment = selectors.payment_get(user=request.user, payment_id=payment_id)
        ensure_may(request.user, "payment_cancel")
        data = _valid(s.PaymentCancelSerializer, request)
        services.payment_cancel(payment_id=payment.pk, by=request.user, reason=data["reason"])
        return Response(s.PaymentDetailSerializer(selectors.payment_get(user=request.user, payment_id=payment.pk)).data)


class ReturnsImportCreate(AuditedMixin, generics.GenericAPIView):
    """The bank's returns file (multipart `file`): applied whole or, on any bad line, not at all."""

    serializer_class = s.ReturnsImportSerializer
    queryset = ReturnsImport.objects.none()  # for the schema only
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(responses=s.ReturnsImportSerializer(many=True), operation_id="payment_returns_list")
    def get(self, request):
        ensure_may(request.user, "returns_import")
        page = self.paginate_queryset(
            ReturnsImport.objects.select_related("imported_by").order_by("-imported_at", "-id")
        )
        return self.get_paginated_response(s.ReturnsImportSerializer(page, many=True).data)

    @extend_schema(
        request={"multipart/form-data": s.ReturnsUploadSerializer}, responses={201: s.ReturnsImportSerializer}
    )
    def post(self, request):
        ensure_may(request.user, "returns_import")
        upload = _valid(s.ReturnsUploadSerializer, request)["file"]
        if upload.size > services.RETURNS_MAX_BYTES:
            raise RuleBroken("The returns file is larger than 5 MB.", field="file")
        imported = services.returns_import(by=request.user, content=upload.read(), file_name=upload.name)
        return Response(s.ReturnsImportSerializer(imported).data, status=status.HTTP_201_CREATED)


class BudgetList(AuditedAPIView):
    @extend_schema(parameters=[OpenApiParameter("financial_year", int)], responses=s.BudgetReportSerializer)
    def get(self, request):
        ensure_may(request.user, "finance_reports")
        query = s.FinancialYearQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        year = query.validated_data.get("financial_year") or financial_year_of(timezone.localdate())
        lines = selectors.budget_report(user=request.user, financial_year=year)
        return Response(
            {
                "financial_year": f"{year}-{(year + 1) % 100:02d}",
                "results": s.BudgetLineSerializer(lines, many=True).data,
            }
        )


class TransparencySpend(AuditedAPIView):
    """Payments over £500 paid between two dates, as CSV in the Local Government Transparency
    Code's shape, with individuals' names redacted."""

    @extend_schema(
        parameters=[
            OpenApiParameter("date_from", OpenApiTypes.DATE, required=True),
            OpenApiParameter("date_to", OpenApiTypes.DATE, required=True),
        ],
        responses={(200, "text/csv"): OpenApiTypes.BINARY},
    )
    def get(self, request):
        ensure_may(request.user, "finance_reports")
        query = s.TransparencyQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        start, end = query.validated_data["date_from"], query.validated_data["date_to"]
        if not selectors.can_see_finance_reports(request.user):
            raise NotPermitted("Only finance, auditors and senior managers see spending reports.")
        record_access(by=request.user, what="transparency_report", door="api", obj=None, path=request.path)
        response = StreamingHttpResponse(
            selectors.transparency_csv(user=request.user, date_from=start, date_to=end),
            content_type="text/csv; charset=utf-8",
        )
        response["Content-Disposition"] = f'attachment; filename="spend-over-500-{start}-to-{end}.csv"'
        return response
