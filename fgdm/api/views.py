"""API v1, case side. Thin: input serializer → one service → output serializer.

Reads go through selectors (out of scope → 404); rules and states are the services' business.
"""

from django.db import transaction
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from audit.models import DomainEvent
from audit.services import record_access
from audit.timeline import EVENT_KINDS, Timeline
from core.api.base import AuditedAPIView, AuditedMixin
from core.api.fields import ReasonSerializer
from core.roles import ensure_may
from fgdm import forms as fgdm_forms
from fgdm import selectors, services
from fgdm.api import serializers as s
from fgdm.models import (
    AdvocacyOffer,
    Child,
    ChildOutcome,
    DeclaredConflict,
    FamilyHub,
    Locality,
    Meeting,
    NetworkMember,
    PreProceedings,
)
from fgdm.services import ActionInput, ChildInput
from fgdm.services.cases import CASE_CHANGED_ELSEWHERE


class MeView(AuditedAPIView):
    @extend_schema(responses=s.MeSerializer)
    def get(self, request):
        return Response(s.MeSerializer(request.user).data)


class MyConflicts(AuditedMixin, generics.GenericAPIView):
    """The signed-in person's declared conflicts of interest; POST declares one."""

    serializer_class = s.ConflictSerializer
    queryset = DeclaredConflict.objects.none()  # for the schema only

    @extend_schema(responses=s.ConflictSerializer(many=True), operation_id="users_me_conflicts_list")
    def get(self, request):
        mine = DeclaredConflict.objects.filter(user=request.user).select_related("case").order_by("-declared_at", "-id")
        page = self.paginate_queryset(mine)
        return self.get_paginated_response(s.ConflictSerializer(page, many=True).data)

    @extend_schema(request=s.ConflictSerializer, responses={201: s.ConflictSerializer})
    def post(self, request):
        data = _valid(s.ConflictSerializer, request)
        conflict = services.conflict_declare(
            by=request.user, case_reference=data["case_reference"], reason=data["reason"]
        )
        return Response(s.ConflictSerializer(conflict).data, status=status.HTTP_201_CREATED)


class LocalityList(AuditedMixin, generics.ListAPIView):
    serializer_class = s.LocalitySerializer
    queryset = Locality.objects.order_by("name")


class HubList(AuditedMixin, generics.ListAPIView):
    serializer_class = s.HubSerializer

    @extend_schema(parameters=[OpenApiParameter("locality", str, description="Locality code")])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        qs = FamilyHub.objects.select_related("locality").order_by("locality__name", "name")
        if self.request.query_params.get("locality"):
            qs = qs.filter(locality__code=self.request.query_params["locality"])
        return qs


def actions_from(data) -> list[ActionInput]:
    return [
        ActionInput(
            description=a["description"],
            owner_member_id=a.get("owner_member"),
            owner_text=a.get("owner_text", ""),
            due_by=a.get("due_by"),
            checked_by=a.get("checked_by", ""),
        )
        for a in data
    ]


class CaseListCreate(AuditedMixin, generics.GenericAPIView):
    serializer_class = s.CaseListSerializer

    def get_queryset(self):
        filters = {key: self.request.query_params.get(key) for key in ("status", "locality", "stage", "q")}
        return selectors.case_list(user=self.request.user, filters=filters)

    @extend_schema(
        parameters=[OpenApiParameter(name, str) for name in ("status", "locality", "stage", "q")],
        responses=s.CaseListSerializer(many=True),
        operation_id="cases_list",
    )
    def get(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(s.CaseListSerializer(page, many=True).data)

    @extend_schema(request=s.CaseCreateSerializer, responses={201: s.CaseSerializer})
    def post(self, request):
        ensure_may(request.user, "case_create")
        data = _valid(s.CaseCreateSerializer, request)
        case = services.case_create(
            by=request.user,
            family_name=data["family_name"],
            locality=data["locality"],
            stage=data["stage"],
            referral_reason=data["referral_reason"],
            hub=data.get("hub"),
            child_lives_with=data["child_lives_with"],
            consent_given_by=data["consent_given_by"],
            children=[ChildInput(**c) for c in data["children"]],
            previous_case=data.get("previous_case"),
        )
        return Response(s.CaseSerializer(case).data, status=status.HTTP_201_CREATED)


def _valid(serializer_class, request, **kwargs):
    serializer = serializer_class(data=request.data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _include_removed(request) -> bool:
    return request.query_params.get("include_removed", "").lower() in ("1", "true", "yes")


INCLUDE_REMOVED = OpenApiParameter(
    "include_removed", bool, description="Also list those removed (kept on record with who, when and why)"
)


class CaseDetail(AuditedAPIView):
    @extend_schema(responses=s.CaseSerializer)
    def get(self, request, case_id):
        case = selectors.case_get(user=request.user, case_id=case_id)
        record_access(by=request.user, what="case", door="api", obj=case, case_id=case.pk, path=request.path)
        return Response(s.CaseSerializer(case).data)

    @extend_schema(request=s.CaseUpdateSerializer, responses=s.CaseSerializer)
    def patch(self, request, case_id):
        """Correct the case's details. The stage, locality and team are refused here (400): they
        change through their own steps."""
        case = selectors.case_get(user=request.user, case_id=case_id)
        ensure_may(request.user, "case_update")
        data = _valid(s.CaseUpdateSerializer, request)
        elsewhere = {name: request.data[name] for name in CASE_CHANGED_ELSEWHERE if name in request.data}
        case = services.case_update(case_id=case.pk, by=request.user, **elsewhere, **data)
        return Response(s.CaseSerializer(case).data)


class CaseChildren(AuditedMixin, generics.GenericAPIView):
    """A case's children (removed ones only with ?include_removed=true); POST adds one, with a reason."""

    serializer_class = s.ChildSerializer
    queryset = Child.objects.none()  # for the schema only; reads go through the selector

    @extend_schema(
        responses=s.ChildSerializer(many=True), operation_id="cases_children_list", parameters=[INCLUDE_REMOVED]
    )
    def get(self, request, case_id):
        case = selectors.case_get_whole(user=request.user, case_id=case_id)
        children = selectors.children_of(case=case, include_removed=_include_removed(request))
        record_access(by=request.user, what="children", door="api", obj=case, case_id=case.pk, path=request.path)
        page = self.paginate_queryset(children)
        return self.get_paginated_response(s.ChildSerializer(page, many=True).data)

    @extend_schema(request=s.ChildAddSerializer, responses={201: s.ChildSerializer})
    def post(self, request, case_id):
        case = selectors.case_get_whole(user=request.user, case_id=case_id)
        ensure_may(request.user, "child_add")
        data = _valid(s.ChildAddSerializer, request)
        child = services.child_add(case_id=case.pk, by=request.user, **data)
        return Response(s.ChildSerializer(child).data, status=status.HTTP_201_CREATED)


class ChildDetail(AuditedAPIView):
    @extend_schema(request=s.ChildUpdateSerializer, responses=s.ChildSerializer)
    def patch(self, request, child_id):
        """Correct a child's name or date of birth (or expected date); a date of birth for a child
        who was expected records the birth."""
        child = selectors.child_get(user=request.user, child_id=child_id)
        ensure_may(request.user, "child_update")
        data = _valid(s.ChildUpdateSerializer, request)
        child = services.child_update(child_id=child.pk, by=request.user, **data)
        return Response(s.ChildSerializer(child).data)


class ChildRemove(AuditedAPIView):
    @extend_schema(request=ReasonSerializer, responses=s.ChildSerializer)
    def post(self, request, child_id):
        """Take a child off the case, with the reason. Nothing is deleted."""
        child = selectors.child_get(user=request.user, child_id=child_id)
        ensure_may(request.user, "child_remove")
        data = _valid(ReasonSerializer, request)
        child = services.child_remove(child_id=child.pk, by=request.user, reason=data["reason"])
        return Response(s.ChildSerializer(child).data)


class MemberDetail(AuditedAPIView):
    @extend_schema(request=s.MemberUpdateSerializer, responses=s.NetworkMemberSerializer)
    def patch(self, request, member_id):
        """Correct a network member's details, contact details, language and needs. Changing
        `is_parent` or `has_parental_responsibility` changes `payment_eligible`. `messages` records
        what they agreed to be sent (`none` opts them out)."""
        member = selectors.member_get(user=request.user, member_id=member_id)
        ensure_may(request.user, "member_update")
        data = _valid(s.MemberUpdateSerializer, request)
        messages = data.pop("messages", None)
        with transaction.atomic():  # the details first (an e-mail address), then what they agreed to
            if data or messages is None:
                member = services.member_update(member_id=member.pk, by=request.user, **data)
            if messages is not None:
                member = services.member_messages_set(member_id=member.pk, by=request.user, messages=messages)
        return Response(s.NetworkMemberSerializer(member).data)


class MemberRemove(AuditedAPIView):
    @extend_schema(request=ReasonSerializer, responses=s.NetworkMemberSerializer)
    def post(self, request, member_id):
        """Take someone out of the family's network, with the reason. Nothing is deleted; they can no
        longer be named as a payee on a new item."""
        member = selectors.member_get(user=request.user, member_id=member_id)
        ensure_may(request.user, "member_remove")
        data = _valid(ReasonSerializer, request)
        member = services.member_remove(member_id=member.pk, by=request.user, reason=data["reason"])
        return Response(s.NetworkMemberSerializer(member).data)


class CaseAllocate(AuditedAPIView):
    @extend_schema(request=s.AllocateSerializer, responses=s.CaseSerializer)
    def post(self, request, case_id):
        case = selectors.case_get(user=request.user, case_id=case_id)
        ensure_may(request.user, "case_allocate")
        data = _valid(s.AllocateSerializer, request)
        case = services.case_allocate(case_id=case.pk, by=request.user, lead_practitioner=data["lead_practitioner"])
        return Response(s.CaseSerializer(case).data)


class CaseConsent(AuditedAPIView):
    @extend_schema(request=s.ConsentSerializer, responses=s.CaseSerializer)
    def post(self, request, case_id):
        case = selectors.case_get(user=request.user, case_id=case_id)
        ensure_may(request.user, "case_record_consent")
        data = _valid(s.ConsentSerializer, request)
        case = services.case_record_consent(
            case_id=case.pk,
            by=request.user,
            given_by=data["given_by"],
            to_refer=data["to_refer"],
            to_share=data["to_share"],
        )
        return Response(s.CaseSerializer(case).data)


class CaseConsentWithdraw(AuditedAPIView):
    @extend_schema(request=s.ConsentWithdrawSerializer, responses=s.CaseSerializer)
    def post(self, request, case_id):
        case = selectors.case_get_whole(user=request.user, case_id=case_id)
        ensure_may(request.user, "case_withdraw_consent")
        data = _valid(s.ConsentWithdrawSerializer, request)
        case = services.case_withdraw_consent(case_id=case.pk, by=request.user, **data)
        return Response(s.CaseSerializer(case).data)


class CaseBottomLines(AuditedAPIView):
    @extend_schema(request=s.BottomLinesSerializer, responses=s.CaseSerializer)
    def post(self, request, case_id):
        case = selectors.case_get_whole(user=request.user, case_id=case_id)
        ensure_may(request.user, "case_set_bottom_lines")
        data = _valid(s.BottomLinesSerializer, request)
        case = services.case_set_bottom_lines(case_id=case.pk, by=request.user, bottom_lines=data["bottom_lines"])
        return Response(s.CaseSerializer(case).data)


class ChildWishes(AuditedAPIView):
    @extend_schema(request=s.WishesSerializer, responses=s.ChildSerializer)
    def post(self, request, child_id):
        child = selectors.child_get(user=request.user, child_id=child_id)
        ensure_may(request.user, "child_record_wishes")
        data = _valid(s.WishesSerializer, request)
        child = services.child_record_wishes(child_id=child.pk, by=request.user, **data)
        return Response(s.ChildSerializer(child).data)


class MemberPreparation(AuditedAPIView):
    @extend_schema(request=s.PreparationSerializer, responses=s.NetworkMemberSerializer)
    def post(self, request, member_id):
        member = selectors.member_get(user=request.user, member_id=member_id)
        ensure_may(request.user, "member_record_preparation")
        data = _valid(s.PreparationSerializer, request)
        member = services.member_record_preparation(member_id=member.pk, by=request.user, **data)
        return Response(s.NetworkMemberSerializer(member).data)


class ActionDone(AuditedAPIView):
    @extend_schema(request=s.ActionDoneSerializer, responses=s.PlanActionSerializer)
    def post(self, request, action_id):
        action = selectors.action_get(user=request.user, action_id=action_id)
        ensure_may(request.user, "action_mark_done")
        data = _valid(s.ActionDoneSerializer, request)
        action = services.action_mark_done(action_id=action.pk, by=request.user, done_on=data["done_on"])
        return Response(s.PlanActionSerializer(action).data)


class PreProceedingsDetail(AuditedAPIView):
    @extend_schema(responses=s.PreProceedingsSerializer)
    def get(self, request, case_id):
        case, record = selectors.pre_proceedings_of(user=request.user, case_id=case_id)
        if record is None:  # no intention to apply recorded, so no duty yet: the same shape, status null
            record = PreProceedings(case=case)
        return Response(s.PreProceedingsSerializer(record).data)


def _pre_proceedings_step(name, serializer_class, service, step):
    class Step(AuditedAPIView):
        @extend_schema(request=serializer_class, responses=s.PreProceedingsSerializer)
        def post(self, request, case_id):
            case = selectors.case_get_whole(user=request.user, case_id=case_id)
            ensure_may(request.user, step)
            data = _valid(serializer_class, request)
            service(case_id=case.pk, by=request.user, **data)
            _, record = selectors.pre_proceedings_of(user=request.user, case_id=case.pk)
            return Response(s.PreProceedingsSerializer(record).data)

    Step.__name__ = Step.__qualname__ = f"PreProceedings{name}"
    return Step


# The pre-proceedings duty (s.31ZA): intention, an offer to one person, their answer, a manager's
# exemption, the application. Each answers the whole record with where the duty stands.
PreProceedingsIntention = _pre_proceedings_step(
    "Intention", s.IntentionSerializer, services.pre_proceedings_record_intention, "pre_proceedings_intention"
)
PreProceedingsOffer = _pre_proceedings_step(
    "Offer", s.OfferSerializer, services.pre_proceedings_record_offer, "pre_proceedings_record"
)
PreProceedingsAnswer = _pre_proceedings_step(
    "Answer", s.AnswerSerializer, services.pre_proceedings_record_answer, "pre_proceedings_record"
)
PreProceedingsExemption = _pre_proceedings_step(
    "Exemption", s.ExemptionSerializer, services.pre_proceedings_record_exemption, "pre_proceedings_exemption"
)
PreProceedingsApplication = _pre_proceedings_step(
    "Application", s.ApplicationSerializer, services.pre_proceedings_record_application, "pre_proceedings_application"
)


class CaseTransfer(AuditedAPIView):
    @extend_schema(request=s.TransferSerializer, responses=s.CaseSerializer)
    def post(self, request, case_id):
        case = selectors.case_get(user=request.user, case_id=case_id)
        ensure_may(request.user, "case_transfer")
        data = _valid(s.TransferSerializer, request)
        case = services.case_transfer(
            case_id=case.pk,
            by=request.user,
            team=data["team"],
            locality=data.get("locality"),
            lead_practitioner=data["lead_practitioner"],
        )
        return Response(s.CaseSerializer(case).data)


class CaseReassign(AuditedAPIView):
    @extend_schema(request=s.ReassignSerializer, responses=s.CaseSerializer)
    def post(self, request, case_id):
        case = selectors.case_get(user=request.user, case_id=case_id)
        ensure_may(request.user, "case_reassign")
        data = _valid(s.ReassignSerializer, request)
        case = services.case_reassign(
            case_id=case.pk, by=request.user, lead_practitioner=data["lead_practitioner"], reason=data["reason"]
        )
        return Response(s.CaseSerializer(case).data)


class CaseStage(AuditedAPIView):
    """Change the case's stage, with the reason and (optionally) the date it changed."""

    @extend_schema(request=s.StageSerializer, responses=s.CaseSerializer)
    def post(self, request, case_id):
        case = selectors.case_get(user=request.user, case_id=case_id)
        ensure_may(request.user, "case_change_stage")
        data = _valid(s.StageSerializer, request)
        case = services.case_change_stage(case_id=case.pk, by=request.user, **data)
        return Response(s.CaseSerializer(case).data)


class CaseReview(AuditedAPIView):
    @extend_schema(request=s.ReviewSerializer, responses=s.CaseSerializer)
    def post(self, request, case_id):
        case = selectors.case_get(user=request.user, case_id=case_id)
        ensure_may(request.user, "case_review")
        data = _valid(s.ReviewSerializer, request)
        case = services.case_review(
            case_id=case.pk, by=request.user, close=data["close"], outcome=data["outcome"], notes=data["notes"]
        )
        return Response(s.CaseSerializer(case).data)


class CaseDecline(AuditedAPIView):
    """A manager over the case declines a referral waiting for allocation, with the reason."""

    @extend_schema(request=ReasonSerializer, responses=s.CaseSerializer)
    def post(self, request, case_id):
        case = selectors.case_get(user=request.user, case_id=case_id)
        ensure_may(request.user, "case_decline")
        data = _valid(ReasonSerializer, request)
        case = services.case_decline(case_id=case.pk, by=request.user, reason=data["reason"])
        return Response(s.CaseSerializer(case).data)


class CaseClose(AuditedAPIView):
    """The lead practitioner or a manager over the case closes it at any step, with a reason code
    (`no_network` only by a manager; `other` with a note) and optionally the outcome for the child."""

    @extend_schema(request=s.CloseSerializer, responses=s.CaseSerializer)
    def post(self, request, case_id):
        case = selectors.case_get(user=request.user, case_id=case_id)
        ensure_may(request.user, "case_close")
        data = _valid(s.CloseSerializer, request)
        case = services.case_close(case_id=case.pk, by=request.user, **data)
        return Response(s.CaseSerializer(case).data)


class CaseReopen(AuditedAPIView):
    """A manager over the case reopens it within FGDM_REOPEN_DAYS of closing, with the reason;
    after that, 409: make a new referral linked to it (`previous_case`)."""

    @extend_schema(request=ReasonSerializer, responses=s.CaseSerializer)
    def post(self, request, case_id):
        case = selectors.case_get(user=request.user, case_id=case_id)
        ensure_may(request.user, "case_reopen")
        data = _valid(ReasonSerializer, request)
        case = services.case_reopen(case_id=case.pk, by=request.user, reason=data["reason"])
        return Response(s.CaseSerializer(case).data)


class MemberListCreate(AuditedMixin, generics.GenericAPIView):
    serializer_class = s.NetworkMemberSerializer
    queryset = NetworkMember.objects.none()  # for the schema only; reads go through the selector

    @extend_schema(
        responses=s.NetworkMemberSerializer(many=True),
        operation_id="cases_network_members_list",
        parameters=[INCLUDE_REMOVED],
    )
    def get(self, request, case_id):
        case = selectors.case_get(user=request.user, case_id=case_id)
        members = selectors.members_of(case=case, include_removed=_include_removed(request))
        page = self.paginate_queryset(members)
        return self.get_paginated_response(s.NetworkMemberSerializer(page, many=True).data)

    @extend_schema(request=s.NetworkMemberSerializer, responses={201: s.NetworkMemberSerializer})
    def post(self, request, case_id):
        case = selectors.case_get(user=request.user, case_id=case_id)
        ensure_may(request.user, "member_add")
        data = _valid(s.NetworkMemberSerializer, request)
        member = services.member_add(case_id=case.pk, by=request.user, **data)
        return Response(s.NetworkMemberSerializer(member).data, status=status.HTTP_201_CREATED)


class MeetingListCreate(AuditedMixin, generics.GenericAPIView):
    serializer_class = s.MeetingSerializer
    queryset = Meeting.objects.none()  # for the schema only; reads go through the selector

    @extend_schema(responses=s.MeetingSerializer(many=True), operation_id="cases_meetings_list")
    def get(self, request, case_id):
        case = selectors.case_get(user=request.user, case_id=case_id)
        page = self.paginate_queryset(selectors.meetings_for(user=request.user, case=case))
        return self.get_paginated_response(s.MeetingSerializer(page, many=True).data)

    @extend_schema(request=s.MeetingCreateSerializer, responses={201: s.MeetingSerializer})
    def post(self, request, case_id):
        case = selectors.case_get(user=request.user, case_id=case_id)
        ensure_may(request.user, "meeting_schedule")
        data = _valid(s.MeetingCreateSerializer, request)
        meeting = services.meeting_schedule(
            case_id=case.pk,
            by=request.user,
            model=data["model"],
            scheduled_for=data["scheduled_for"],
            venue=data["venue"],
            coordinator=data.get("coordinator"),
            bottom_lines=data["bottom_lines"],
            coordinator_request_kind=data["coordinator_request_kind"] or "none",
            coordinator_request=data["coordinator_request"],
            coordinator_request_met=data["coordinator_request_met"],
            coordinator_request_note=data["coordinator_request_note"],
        )
        return Response(s.MeetingSerializer(meeting).data, status=status.HTTP_201_CREATED)


class MeetingDetail(AuditedAPIView):
    @extend_schema(responses=s.MeetingSerializer)
    def get(self, request, meeting_id):
        meeting = selectors.meeting_get(user=request.user, meeting_id=meeting_id)
        return Response(s.MeetingSerializer(meeting).data)


class MeetingReschedule(AuditedAPIView):
    """Move a meeting still to be held to a new date (and venue), with the reason."""

    @extend_schema(request=s.MeetingRescheduleInputSerializer, responses=s.MeetingSerializer)
    def post(self, request, meeting_id):
        meeting = selectors.meeting_get(user=request.user, meeting_id=meeting_id)
        ensure_may(request.user, "meeting_reschedule")
        data = _valid(s.MeetingRescheduleInputSerializer, request)
        meeting = services.meeting_reschedule(meeting_id=meeting.pk, by=request.user, **data)
        return Response(s.MeetingSerializer(selectors.meeting_get(user=request.user, meeting_id=meeting.pk)).data)


class MeetingCancel(AuditedAPIView):
    """Cancel a meeting still to be held, with the reason: the case goes back to mapping the network."""

    @extend_schema(request=ReasonSerializer, responses=s.MeetingSerializer)
    def post(self, request, meeting_id):
        meeting = selectors.meeting_get(user=request.user, meeting_id=meeting_id)
        ensure_may(request.user, "meeting_cancel")
        data = _valid(ReasonSerializer, request)
        meeting = services.meeting_cancel(meeting_id=meeting.pk, by=request.user, reason=data["reason"])
        return Response(s.MeetingSerializer(selectors.meeting_get(user=request.user, meeting_id=meeting.pk)).data)


class MeetingReconvene(AuditedAPIView):
    """A new meeting reconvening a held one while the family's plan from it waits for acceptance."""

    @extend_schema(request=s.MeetingReconveneSerializer, responses={201: s.MeetingSerializer})
    def post(self, request, meeting_id):
        meeting = selectors.meeting_get(user=request.user, meeting_id=meeting_id)
        ensure_may(request.user, "meeting_reconvene")
        data = _valid(s.MeetingReconveneSerializer, request)
        new = services.meeting_reconvene(meeting_id=meeting.pk, by=request.user, **data)
        return Response(
            s.MeetingSerializer(selectors.meeting_get(user=request.user, meeting_id=new.pk)).data,
            status=status.HTTP_201_CREATED,
        )


class MeetingPrepare(AuditedAPIView):
    @extend_schema(request=None, responses=s.MeetingSerializer)
    def post(self, request, meeting_id):
        meeting = selectors.meeting_get(user=request.user, meeting_id=meeting_id)
        ensure_may(request.user, "meeting_prepare")
        meeting = services.meeting_prepare(meeting_id=meeting.pk, by=request.user)
        return Response(s.MeetingSerializer(meeting).data)


class MeetingRecord(AuditedAPIView):
    @extend_schema(request=s.MeetingRecordSerializer, responses={201: s.PlanSerializer})
    def post(self, request, meeting_id):
        meeting = selectors.meeting_get(user=request.user, meeting_id=meeting_id)
        ensure_may(request.user, "meeting_record")
        data = _valid(s.MeetingRecordSerializer, request)
        plan = services.meeting_record(
            meeting_id=meeting.pk,
            by=request.user,
            held_on=data["held_on"],
            attendees=data["attendees"],
            private_family_time=data["private_family_time"],
            child_participation=data["child_participation"],
            actions=actions_from(data["plan"]["actions"]),
            contingency=data["plan"]["contingency"],
            review_by=data["plan"]["review_by"],
            monitoring=data["plan"]["monitoring"],
            information_shared=data["information_shared"],
            private_family_time_minutes=data["private_family_time_minutes"],
            coordinator_request_met=data["coordinator_request_met"],
        )
        return Response(s.PlanSerializer(plan).data, status=status.HTTP_201_CREATED)


class PlanDetail(AuditedAPIView):
    @extend_schema(responses=s.PlanSerializer)
    def get(self, request, plan_id):
        plan = selectors.plan_get(user=request.user, plan_id=plan_id)
        record_access(by=request.user, what="plan", door="api", obj=plan, case_id=plan.case_id, path=request.path)
        return Response(s.PlanSerializer(plan).data)


class PlanAccept(AuditedAPIView):
    @extend_schema(request=s.PlanAcceptSerializer, responses=s.PlanSerializer)
    def post(self, request, plan_id):
        plan = selectors.plan_get(user=request.user, plan_id=plan_id)
        ensure_may(request.user, "plan_accept")
        data = _valid(s.PlanAcceptSerializer, request)
        plan = services.plan_accept(plan_id=plan.pk, by=request.user, support_needed=data["support_needed"])
        return Response(s.PlanSerializer(plan).data)


class PlanReturn(AuditedAPIView):
    @extend_schema(request=ReasonSerializer, responses=s.PlanSerializer)
    def post(self, request, plan_id):
        plan = selectors.plan_get(user=request.user, plan_id=plan_id)
        ensure_may(request.user, "plan_return")
        data = _valid(ReasonSerializer, request)
        plan = services.plan_return(plan_id=plan.pk, by=request.user, reason=data["reason"])
        return Response(s.PlanSerializer(plan).data)


class PlanRevise(AuditedAPIView):
    @extend_schema(request=s.PlanInputSerializer, responses={201: s.PlanSerializer})
    def post(self, request, plan_id):
        plan = selectors.plan_get(user=request.user, plan_id=plan_id)
        ensure_may(request.user, "plan_revise")
        data = _valid(s.PlanInputSerializer, request)
        plan = services.plan_revise(
            plan_id=plan.pk,
            by=request.user,
            actions=actions_from(data["actions"]),
            contingency=data["contingency"],
            review_by=data["review_by"],
            monitoring=data["monitoring"],
        )
        return Response(s.PlanSerializer(plan).data, status=status.HTTP_201_CREATED)


class CaseAudit(AuditedMixin, generics.GenericAPIView):
    serializer_class = s.AuditEntrySerializer
    queryset = DomainEvent.objects.none()  # for the schema only

    @extend_schema(
        responses=s.AuditEntrySerializer(many=True),
        operation_id="cases_audit_list",
        parameters=[
            OpenApiParameter(
                "kind",
                str,
                description="Comma-separated: people, decisions, money, workflow, "
                "access. Default: people,decisions,money (the case's domain events).",
            ),
            OpenApiParameter("since", OpenApiTypes.DATE, description="On or after this date"),
            OpenApiParameter("until", OpenApiTypes.DATE, description="On or before this date"),
            OpenApiParameter("actor", str, description="Username of the person who acted"),
        ],
    )
    def get(self, request, case_id):
        case = selectors.case_get_whole(user=request.user, case_id=case_id)
        form = fgdm_forms.TimelineFilterForm(request.query_params, default_kinds=EVENT_KINDS)
        if not form.is_valid():
            raise ValidationError({name: [str(e) for e in errors] for name, errors in form.errors.items()})
        record_access(by=request.user, what="trail", door="api", obj=case, case_id=case.pk, path=request.path)
        timeline = Timeline(case_id=case.pk, process_id=case.process_id, filters=form.filters())
        page = self.paginate_queryset(timeline)
        return self.get_paginated_response(s.AuditEntrySerializer(page, many=True).data)


# -- the family's and the child's needs: exclusion for safety, advocacy --------------------------------


class MemberExclusionPropose(AuditedAPIView):
    @extend_schema(request=s.ExclusionProposeSerializer, responses=s.NetworkMemberSerializer)
    def post(self, request, member_id):
        """Propose excluding a member from the family's meetings for safety: why, how they may still
        contribute, how they can challenge it. They are not excluded until a manager signs it off."""
        member = selectors.member_get(user=request.user, member_id=member_id)
        ensure_may(request.user, "member_exclusion_propose")
        data = _valid(s.ExclusionProposeSerializer, request)
        member = services.member_exclusion_propose(member_id=member.pk, by=request.user, **data)
        return Response(s.NetworkMemberSerializer(member).data)


class MemberExclusionSignOff(AuditedAPIView):
    @extend_schema(request=None, responses=s.NetworkMemberSerializer)
    def post(self, request, member_id):
        """A manager over the case (not the proposer) signs off the proposed exclusion: it takes effect."""
        member = selectors.member_get(user=request.user, member_id=member_id)
        ensure_may(request.user, "member_exclusion_sign_off")
        member = services.member_exclusion_sign_off(member_id=member.pk, by=request.user)
        return Response(s.NetworkMemberSerializer(member).data)


class CaseAdvocacyOffers(AuditedMixin, generics.GenericAPIView):
    serializer_class = s.AdvocacyOfferSerializer
    queryset = AdvocacyOffer.objects.none()  # for the schema only; reads go through the selector

    @extend_schema(responses=s.AdvocacyOfferSerializer(many=True), operation_id="cases_advocacy_list")
    def get(self, request, case_id):
        """The offers of an advocate made to the case's children and adults, with their answers."""
        case = selectors.case_get_whole(user=request.user, case_id=case_id)
        page = self.paginate_queryset(selectors.advocacy_offers_of(case=case))
        return self.get_paginated_response(s.AdvocacyOfferSerializer(page, many=True).data)


class ChildAdvocacyOffer(AuditedAPIView):
    @extend_schema(request=s.AdvocacyOfferInputSerializer, responses={201: s.AdvocacyOfferSerializer})
    def post(self, request, child_id):
        """Record the offer of an advocate to a child, and the answer if there is one."""
        child = selectors.child_get(user=request.user, child_id=child_id)
        ensure_may(request.user, "advocacy_offer")
        data = _valid(s.AdvocacyOfferInputSerializer, request)
        offer = services.advocacy_offer_record(child_id=child.pk, by=request.user, **data)
        return Response(s.AdvocacyOfferSerializer(offer).data, status=status.HTTP_201_CREATED)


class MemberAdvocacyOffer(AuditedAPIView):
    @extend_schema(request=s.AdvocacyOfferInputSerializer, responses={201: s.AdvocacyOfferSerializer})
    def post(self, request, member_id):
        """Record the offer of an advocate to an adult of the network who needs one, and the answer."""
        member = selectors.member_get(user=request.user, member_id=member_id)
        ensure_may(request.user, "advocacy_offer")
        data = _valid(s.AdvocacyOfferInputSerializer, request)
        offer = services.advocacy_offer_record(member_id=member.pk, by=request.user, **data)
        return Response(s.AdvocacyOfferSerializer(offer).data, status=status.HTTP_201_CREATED)


class AdvocacyOfferAnswer(AuditedAPIView):
    @extend_schema(request=s.AdvocacyAnswerSerializer, responses=s.AdvocacyOfferSerializer)
    def post(self, request, offer_id):
        """Record the answer to an offer of an advocate that had none."""
        offer = selectors.advocacy_offer_get(user=request.user, offer_id=offer_id)
        ensure_may(request.user, "advocacy_offer")
        data = _valid(s.AdvocacyAnswerSerializer, request)
        offer = services.advocacy_offer_answer(offer_id=offer.pk, by=request.user, **data)
        return Response(s.AdvocacyOfferSerializer(offer).data)


# -- children's outcomes after closure --------------------------------------------------------------------

DUE = OpenApiParameter(
    "due", OpenApiTypes.BOOL, description="`1`: only the checks in your queue today (due and not recorded)"
)
OF_CASE = OpenApiParameter("case", OpenApiTypes.INT, description="Only this case's checks")


class OutcomeList(AuditedMixin, generics.GenericAPIView):
    serializer_class = s.ChildOutcomeSerializer
    queryset = ChildOutcome.objects.none()  # for the schema only; reads go through the selector

    @extend_schema(responses=s.ChildOutcomeSerializer(many=True), parameters=[DUE, OF_CASE])
    def get(self, request):
        """Children's outcome checks at closure, 6 and 12 months, of the cases you see in full; with
        `?due=1` those in your queue today (your cases, or your team's where the lead has left)."""
        if request.query_params.get("due") in ("1", "true", "yes"):
            outcomes = selectors.outcomes_due(user=request.user)
        else:
            case = request.query_params.get("case")
            if case is not None and not case.isdigit():
                raise ValidationError({"case": ["Give a case's id (a number)."]})
            outcomes = selectors.outcome_list(user=request.user, case_id=int(case) if case else None)
        page = self.paginate_queryset(outcomes)
        return self.get_paginated_response(s.ChildOutcomeSerializer(page, many=True).data)


class OutcomeDetail(AuditedAPIView):
    @extend_schema(responses=s.ChildOutcomeSerializer)
    def get(self, request, outcome_id):
        outcome = selectors.outcome_get(user=request.user, outcome_id=outcome_id)
        return Response(s.ChildOutcomeSerializer(outcome).data)


class OutcomeRecord(AuditedAPIView):
    @extend_schema(request=s.OutcomeRecordSerializer, responses=s.ChildOutcomeSerializer)
    def post(self, request, outcome_id):
        """Record a child's outcome on or after the day it falls due: who they live with, a child
        protection plan, proceedings issued, entered care."""
        outcome = selectors.outcome_get(user=request.user, outcome_id=outcome_id)
        ensure_may(request.user, "outcome_record")
        data = _valid(s.OutcomeRecordSerializer, request)
        outcome = services.outcome_record(outcome_id=outcome.pk, by=request.user, **data)
        return Response(s.ChildOutcomeSerializer(outcome).data)
