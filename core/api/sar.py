"""API v1, subject access requests: the log and each step of a request, for the people who handle
requests (STEP_ROLES "sar_handle"). Thin, like the page (core.sar_views): input serializer → one
service of core.sar_services → output serializer. A request or item outside the person's scope
(everyone's, for anyone who does not handle requests) is 404; a list or a new request, 403.
"""

from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response

from audit.models import SubjectAccessItem, SubjectAccessRequest
from core import sar_services as services
from core.api.base import AuditedAPIView, AuditedMixin
from core.api.fields import IdField, ReasonSerializer
from core.roles import ensure_may

# -- answers ---------------------------------------------------------------------------------------


class SarItemSerializer(serializers.ModelSerializer):
    """One value of the subject's bundle. `review_reason` (a third party, the subject's own
    exclusion reason) marks it for review: it needs a `decision` before the request is completed."""

    request = serializers.PrimaryKeyRelatedField(read_only=True)
    for_review = serializers.BooleanField(read_only=True)
    decided_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = SubjectAccessItem
        fields = [
            "id",
            "request",
            "position",
            "section",
            "record",
            "label",
            "value",
            "review_reason",
            "for_review",
            "decision",
            "social_work_exemption",
            "decision_note",
            "decided_by",
            "decided_at",
        ]
        read_only_fields = fields


class SarSerializer(serializers.ModelSerializer):
    """A request in the log: received, identity checked, deadline (one calendar month, extended by
    at most two more), status. `overdue`: open and past its deadline today."""

    reference = serializers.CharField(read_only=True)
    overdue = serializers.SerializerMethodField()
    id_checked_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    logged_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = SubjectAccessRequest
        fields = [
            "id",
            "reference",
            "received_on",
            "requester",
            "subject_name",
            "subject_kind",
            "subject_id",
            "what_was_asked",
            "status",
            "deadline",
            "overdue",
            "extended_months",
            "extension_reason",
            "id_check_method",
            "id_checked_on",
            "id_checked_by",
            "id_check_note",
            "items_gathered_at",
            "completed_on",
            "refusal_reason",
            "logged_by",
            "logged_at",
        ]
        read_only_fields = fields

    def get_overdue(self, request) -> bool:
        return request.is_open and request.deadline < timezone.localdate()


class SarDetailSerializer(SarSerializer):
    """A request with its items (none until what is held is gathered)."""

    items = SarItemSerializer(many=True, read_only=True)

    class Meta(SarSerializer.Meta):
        fields = SarSerializer.Meta.fields + ["items"]
        read_only_fields = fields


# -- input -----------------------------------------------------------------------------------------


class SarLogSerializer(serializers.Serializer):
    received_on = serializers.DateField(help_text="The deadline is one calendar month later.")
    requester = serializers.CharField(help_text="Who asked: the subject, or who acts for them.")
    subject_name = serializers.CharField(help_text="Whose data.")
    subject_kind = serializers.ChoiceField(
        choices=SubjectAccessRequest.SubjectKind.choices, required=False, allow_blank=True, default=""
    )
    subject_id = IdField(required=False, allow_null=True, default=None, help_text="The child's or member's id.")
    what_was_asked = serializers.CharField(required=False, allow_blank=True, default="")


class SarIdCheckSerializer(serializers.Serializer):
    method = serializers.ChoiceField(choices=SubjectAccessRequest.IdCheck.choices)
    checked_on = serializers.DateField(required=False, allow_null=True, default=None, help_text="Today if absent.")
    note = serializers.CharField(required=False, allow_blank=True, default="")


class SarExtendSerializer(serializers.Serializer):
    months = serializers.IntegerField(help_text="One or two; two at most in all.")
    reason = serializers.CharField(help_text="Why the request is complex: the requester is told.")


class SarCompleteSerializer(serializers.Serializer):
    completed_on = serializers.DateField(
        required=False, allow_null=True, default=None, help_text="The day the response was sent; today if absent."
    )


class SarDecideSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=SubjectAccessItem.Decision.choices)
    social_work_exemption = serializers.BooleanField(
        default=False, help_text="Disclosure likely to cause serious harm: the item is withheld, with the reason."
    )
    note = serializers.CharField(required=False, allow_blank=True, default="", help_text="Why (required to withhold).")


# -- views -----------------------------------------------------------------------------------------


def _valid(serializer_class, request):
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _request_in_scope(request, request_id) -> SubjectAccessRequest:
    return get_object_or_404(services.sar_scope(request.user), pk=request_id)


class SarListCreate(AuditedMixin, generics.GenericAPIView):
    """The log: open requests first, the most overdue first; then the finished ones, latest first.
    POST logs a request received."""

    serializer_class = SarSerializer
    queryset = SubjectAccessRequest.objects.none()  # for the schema only; reads go through the service

    @extend_schema(responses=SarSerializer(many=True), operation_id="subject_access_requests_list")
    def get(self, request):
        ensure_may(request.user, "sar_handle")
        page = self.paginate_queryset(services.sar_list(user=request.user))
        return self.get_paginated_response(SarSerializer(page, many=True).data)

    @extend_schema(request=SarLogSerializer, responses={201: SarDetailSerializer})
    def post(self, request):
        ensure_may(request.user, "sar_handle")
        data = _valid(SarLogSerializer, request)
        created = services.sar_log(by=request.user, **data)
        return Response(SarDetailSerializer(created).data, status=status.HTTP_201_CREATED)


class SarDetail(AuditedAPIView):
    @extend_schema(responses=SarDetailSerializer)
    def get(self, request, request_id):
        sar = _request_in_scope(request, request_id)
        ensure_may(request.user, "sar_handle")
        return Response(SarDetailSerializer(sar).data)


class SarIdCheck(AuditedAPIView):
    """Record how the requester's identity was checked; the request is then in progress."""

    @extend_schema(request=SarIdCheckSerializer, responses=SarDetailSerializer)
    def post(self, request, request_id):
        sar = _request_in_scope(request, request_id)
        ensure_may(request.user, "sar_handle")
        data = _valid(SarIdCheckSerializer, request)
        sar = services.sar_record_id_check(request_id=sar.pk, by=request.user, **data)
        return Response(SarDetailSerializer(sar).data)


class SarExtend(AuditedAPIView):
    """Extend a complex request by one or two months (two at most in all), with the reason, before
    its deadline passes."""

    @extend_schema(request=SarExtendSerializer, responses=SarDetailSerializer)
    def post(self, request, request_id):
        sar = _request_in_scope(request, request_id)
        ensure_may(request.user, "sar_handle")
        data = _valid(SarExtendSerializer, request)
        sar = services.sar_extend(request_id=sar.pk, by=request.user, **data)
        return Response(SarDetailSerializer(sar).data)


class SarGather(AuditedAPIView):
    """Gather what is held about the subject (after the identity check): each value becomes an item."""

    @extend_schema(request=None, responses=SarDetailSerializer)
    def post(self, request, request_id):
        sar = _request_in_scope(request, request_id)
        ensure_may(request.user, "sar_handle")
        sar = services.sar_gather(request_id=sar.pk, by=request.user, door="api")
        return Response(SarDetailSerializer(sar).data)


class SarComplete(AuditedAPIView):
    """The response was sent: refused (409/400) before the identity check, before gathering, or
    while any item marked for review has no decision."""

    @extend_schema(request=SarCompleteSerializer, responses=SarDetailSerializer)
    def post(self, request, request_id):
        sar = _request_in_scope(request, request_id)
        ensure_may(request.user, "sar_handle")
        data = _valid(SarCompleteSerializer, request)
        sar = services.sar_complete(request_id=sar.pk, by=request.user, **data)
        return Response(SarDetailSerializer(sar).data)


class SarRefuse(AuditedAPIView):
    """Refuse a request (manifestly unfounded or excessive, identity not established), with the reason."""

    @extend_schema(request=ReasonSerializer, responses=SarDetailSerializer)
    def post(self, request, request_id):
        sar = _request_in_scope(request, request_id)
        ensure_may(request.user, "sar_handle")
        data = _valid(ReasonSerializer, request)
        sar = services.sar_refuse(request_id=sar.pk, by=request.user, reason=data["reason"])
        return Response(SarDetailSerializer(sar).data)


class SarItemDecide(AuditedAPIView):
    """Disclose or withhold one item; the social-work exemption (serious harm) is flagged per item,
    and an item it applies to is withheld, with the reason."""

    @extend_schema(request=SarDecideSerializer, responses=SarItemSerializer)
    def post(self, request, item_id):
        item = get_object_or_404(
            SubjectAccessItem.objects.filter(request__in=services.sar_scope(request.user)), pk=item_id
        )
        ensure_may(request.user, "sar_handle")
        data = _valid(SarDecideSerializer, request)
        item = services.sar_item_decide(item_id=item.pk, by=request.user, **data)
        return Response(SarItemSerializer(item).data)
