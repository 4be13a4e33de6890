"""API v1, support packages: draft, edit, change, submit, approve, return, withdraw, end, pause, review."""

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.response import Response

from core.api.base import AuditedAPIView, AuditedMixin
from core.api.fields import ReasonSerializer
from core.roles import ensure_may
from fgdm.selectors import case_get_whole, member_get
from network_packages import selectors, services
from network_packages.api import serializers as s
from network_packages.models import Approval, SupportPackage
from network_packages.services import ItemInput, SafetyAnswerInput


def _valid(serializer_class, request):
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _items(items) -> list[ItemInput]:
    return [
        ItemInput(
            description=i["description"],
            category=i["category"],
            payee_id=i.get("payee"),
            supplier_id=i.get("supplier"),
            amount=i["amount"],
            frequency=i["frequency"],
            instalments=i["instalments"],
            plan_action_id=i.get("plan_action"),
            starts_on=i.get("starts_on"),
            hours_per_day=i.get("hours_per_day"),
        )
        for i in items
    ]


def _package_facts(data) -> dict:
    """The decision on means, the funding checked and the safety answers given, as service arguments."""
    facts = {name: data[name] for name in ("means_decision", "means_reason", "other_funding_sources") if name in data}
    if "safety_answers" in data:
        facts["safety_answers"] = [
            SafetyAnswerInput(
                prompt=a["prompt"],
                answer=a["answer"],
                detail=a["detail"],
                member_id=a.get("member"),
                supplier_id=a.get("supplier"),
            )
            for a in data["safety_answers"]
        ]
    return facts


class PackageListCreate(AuditedMixin, generics.GenericAPIView):
    serializer_class = s.PackageSerializer
    queryset = SupportPackage.objects.none()  # for the schema only; reads go through the selector

    @extend_schema(responses=s.PackageSerializer(many=True), operation_id="cases_packages_list")
    def get(self, request, case_id):
        case = case_get_whole(user=request.user, case_id=case_id)
        packages = (
            selectors.package_list(user=request.user, case_id=case.pk)
            .select_related("submitted_by", "decided_by")
            .prefetch_related(Prefetch("approvals", queryset=Approval.objects.select_related("approver")))
        )
        page = self.paginate_queryset(packages)
        return self.get_paginated_response(s.PackageSerializer(page, many=True).data)

    @extend_schema(request=s.PackageCreateSerializer, responses={201: s.PackageSerializer})
    def post(self, request, case_id):
        case = case_get_whole(user=request.user, case_id=case_id)
        ensure_may(request.user, "package_create")
        data = _valid(s.PackageCreateSerializer, request)
        package = services.package_create(
            case_id=case.pk,
            by=request.user,
            plan_id=data["plan"],
            justification=data["justification"],
            other_funding_checked=data["other_funding_checked"],
            agreement_signed_on=data.get("agreement_signed_on"),
            review_by=data.get("review_by"),
            items=_items(data["items"]),
            **_package_facts(data),
        )
        package = selectors.package_get(user=request.user, package_id=package.pk)
        return Response(s.PackageSerializer(package).data, status=status.HTTP_201_CREATED)


class PackageDetail(AuditedAPIView):
    @extend_schema(responses=s.PackageDetailSerializer)
    def get(self, request, package_id):
        return Response(s.PackageDetailSerializer(selectors.package_get(user=request.user, package_id=package_id)).data)

    @extend_schema(request=s.PackageUpdateSerializer, responses=s.PackageDetailSerializer)
    def patch(self, request, package_id):
        """Edit a draft or a returned package (409 otherwise): the fields given change; `items`,
        when given, replace its items."""
        package = selectors.package_get(user=request.user, package_id=package_id)
        ensure_may(request.user, "package_update")
        data = _valid(s.PackageUpdateSerializer, request)
        facts = _package_facts(data)
        fields = {
            ("plan_id" if name == "plan" else name): value
            for name, value in data.items()
            if name != "items" and name not in facts
        }
        services.package_update(
            package_id=package.pk,
            by=request.user,
            items=_items(data["items"]) if "items" in data else None,
            **fields,
            **facts,
        )
        return Response(s.PackageDetailSerializer(selectors.package_get(user=request.user, package_id=package.pk)).data)


class PackageChange(AuditedAPIView):
    @extend_schema(request=s.PackageCreateSerializer, responses={201: s.PackageSerializer})
    def post(self, request, package_id):
        """Change an approved package: a new draft version (the body of a new package). Without a
        written-agreement date, the approved version's is carried over."""
        package = selectors.package_get(user=request.user, package_id=package_id)
        ensure_may(request.user, "package_revise")
        data = _valid(s.PackageCreateSerializer, request)
        new = services.package_revise(
            package_id=package.pk,
            by=request.user,
            plan_id=data["plan"],
            justification=data["justification"],
            other_funding_checked=data["other_funding_checked"],
            agreement_signed_on=data.get("agreement_signed_on"),
            review_by=data.get("review_by"),
            items=_items(data["items"]),
            **_package_facts(data),
        )
        new = selectors.package_get(user=request.user, package_id=new.pk)
        return Response(s.PackageSerializer(new).data, status=status.HTTP_201_CREATED)


class PackageReviewCreate(AuditedAPIView):
    @extend_schema(request=s.PackageReviewInputSerializer, responses={201: s.PackageReviewSerializer})
    def post(self, request, package_id):
        """Review an approved package on its review date: `continue` (with a later
        `next_review_by`) or `end` (its payments not yet gone to the bank are cancelled)."""
        package = selectors.package_get(user=request.user, package_id=package_id)
        ensure_may(request.user, "package_review")
        data = _valid(s.PackageReviewInputSerializer, request)
        review = services.package_review(
            package_id=package.pk,
            by=request.user,
            decision=data["decision"],
            notes=data["notes"],
            next_review_by=data["next_review_by"],
        )
        return Response(s.PackageReviewSerializer(review).data, status=status.HTTP_201_CREATED)


class PackageAction(AuditedAPIView):
    """POST packages/{id}/<action>/: one service each."""

    input_serializer = None
    step = ""

    def run(self, request, package_id, data):
        raise NotImplementedError

    def post(self, request, package_id):
        package = selectors.package_get(user=request.user, package_id=package_id)
        ensure_may(request.user, self.step)
        data = _valid(self.input_serializer, request) if self.input_serializer else {}
        self.run(request, package.pk, data)
        return Response(s.PackageSerializer(selectors.package_get(user=request.user, package_id=package.pk)).data)


class PackageSubmit(PackageAction):
    step = "package_submit"

    @extend_schema(request=None, responses=s.PackageSerializer)
    def post(self, request, package_id):
        return super().post(request, package_id)

    def run(self, request, package_id, data):
        services.package_submit(package_id=package_id, by=request.user)


class PackageApprove(PackageAction):
    step = "package_approve"
    input_serializer = s.NoteSerializer

    @extend_schema(request=s.NoteSerializer, responses=s.PackageSerializer)
    def post(self, request, package_id):
        return super().post(request, package_id)

    def run(self, request, package_id, data):
        services.package_approve(package_id=package_id, by=request.user, note=data["note"])


class PackageReturn(PackageAction):
    step = "package_return"
    input_serializer = ReasonSerializer

    @extend_schema(request=ReasonSerializer, responses=s.PackageSerializer)
    def post(self, request, package_id):
        return super().post(request, package_id)

    def run(self, request, package_id, data):
        services.package_return(package_id=package_id, by=request.user, reason=data["reason"])


class PackageEnd(PackageAction):
    """End an approved package early: payments not yet gone to the bank (after `last_due_on`, if
    given) are cancelled; paid and batched payments stay."""

    step = "package_end"
    input_serializer = s.EndSerializer

    @extend_schema(request=s.EndSerializer, responses=s.PackageSerializer)
    def post(self, request, package_id):
        return super().post(request, package_id)

    def run(self, request, package_id, data):
        services.package_end(
            package_id=package_id, by=request.user, reason=data["reason"], last_due_on=data["last_due_on"]
        )


class PackagePause(PackageAction):
    """Pause an approved package: its payments due in the pause, not yet gone to the bank, are cancelled."""

    step = "package_pause"
    input_serializer = s.PauseSerializer

    @extend_schema(request=s.PauseSerializer, responses=s.PackageSerializer)
    def post(self, request, package_id):
        return super().post(request, package_id)

    def run(self, request, package_id, data):
        services.package_pause(
            package_id=package_id,
            by=request.user,
            pause_from=data["pause_from"],
            pause_to=data["pause_to"],
            reason=data["reason"],
        )


class PackageWithdraw(PackageAction):
    step = "package_withdraw"
    input_serializer = s.OptionalReasonSerializer

    @extend_schema(request=s.OptionalReasonSerializer, responses=s.PackageSerializer)
    def post(self, request, package_id):
        return super().post(request, package_id)

    def run(self, request, package_id, data):
        services.package_withdraw(package_id=package_id, by=request.user, reason=data["reason"])


def _payee_member(request, member_id):
    """A network member of a case the user sees in full (finance officers and coordinators: 404)."""
    member = member_get(user=request.user, member_id=member_id)
    case_get_whole(user=request.user, case_id=member.case_id)
    return member


class PayeeFacts(AuditedAPIView):
    @extend_schema(responses=s.PayeeFactsSerializer)
    def get(self, request, member_id):
        """What the payee rules read about a network member, whether they may be paid (and why not),
        and the checks recorded on them."""
        return Response(s.PayeeFactsSerializer(_payee_member(request, member_id)).data)

    @extend_schema(request=s.PayeeFactsSerializer, responses=s.PayeeFactsSerializer)
    def patch(self, request, member_id):
        """Record their date of birth, since when the child lives with them, and the court order
        under which they are a kinship carer: only the fields given change."""
        member = _payee_member(request, member_id)
        ensure_may(request.user, "payee_facts_set")
        serializer = s.PayeeFactsSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        services.payee_facts_set(member_id=member.pk, by=request.user, **serializer.validated_data)
        return Response(s.PayeeFactsSerializer(_payee_member(request, member.pk)).data)


class PayeeCheckCreate(AuditedAPIView):
    @extend_schema(request=s.PayeeCheckInputSerializer, responses={201: s.PayeeCheckSerializer})
    def post(self, request, member_id):
        """Record a DBS check or a viability assessment of a network member, with its date and outcome."""
        member = _payee_member(request, member_id)
        ensure_may(request.user, "payee_check_record")
        data = _valid(s.PayeeCheckInputSerializer, request)
        check = services.payee_check_record(member_id=member.pk, by=request.user, **data)
        return Response(s.PayeeCheckSerializer(check).data, status=status.HTTP_201_CREATED)
