"""API shapes of the case side. Input serializers check types; services check rules."""

from django.db.models import Q
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core import workflow
from core.api.fields import IdField, SlugRelatedField, UsernameField
from fgdm.constants import (
    AdvocacyAnswer,
    ChildParticipation,
    CloseReason,
    CoordinatorRequest,
    LivingWith,
    MeetingModel,
    MessageConsent,
    OfferAnswer,
    OfferCapacity,
    OfferMethod,
    OrderKind,
    Outcome,
    PreparationStatus,
    PreProceedingsStatus,
    Relationship,
    Stage,
)
from fgdm.models import (
    AdvocacyOffer,
    Case,
    Child,
    ChildOutcome,
    FamilyHub,
    FamilyPlan,
    Locality,
    Meeting,
    MeetingReschedule,
    NetworkMember,
    PlanAction,
    PreProceedings,
    PreProceedingsOffer,
    StageChange,
    Team,
)
from fgdm.services.pre_proceedings import duty_position

# Ids in request bodies: positive and within a 64-bit integer (larger ones would crash SQLite's driver).


class LocalitySerializer(serializers.ModelSerializer):
    class Meta:
        model = Locality
        fields = ["code", "name"]


class HubSerializer(serializers.ModelSerializer):
    locality = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = FamilyHub
        # `status` (planned | designated) and `status_as_at` were added by issue 16; the older names stay.
        fields = ["id", "name", "kind", "lead_organisation", "designated", "locality", "status", "status_as_at"]


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    full_name = serializers.CharField(source="get_full_name")
    roles = serializers.SerializerMethodField()
    teams = serializers.SerializerMethodField()

    def get_roles(self, user) -> list[str]:
        return sorted(user.groups.values_list("name", flat=True))

    def get_teams(self, user) -> list[str]:
        """Teams the user works in or manages."""
        return sorted(Team.objects.filter(Q(members=user) | Q(managers=user)).values_list("code", flat=True).distinct())


class ChildSerializer(serializers.ModelSerializer):
    """A child of the case: born (`date_of_birth`) or expected (`expected_on`, `unborn`). A removed
    child (kept on record, out of lists unless asked for) has `removed_at`, `removed_by` and
    `removal_reason`."""

    unborn = serializers.BooleanField(source="is_unborn", read_only=True)
    removed_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Child
        fields = [
            "id",
            "first_name",
            "last_name",
            "date_of_birth",
            "expected_on",
            "unborn",
            "wishes_and_feelings",
            "participation",
            "participation_detail",
            "wishes_recorded_at",
            "language",
            "interpreter_needed",
            "communication_needs",
            "removed_at",
            "removed_by",
            "removal_reason",
        ]
        read_only_fields = fields


class PlanProgressSerializer(serializers.Serializer):
    plan = serializers.IntegerField()
    version = serializers.IntegerField()
    actions = serializers.IntegerField()
    done = serializers.IntegerField()
    overdue = serializers.IntegerField()


class CaseListSerializer(serializers.ModelSerializer):
    locality = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Case
        fields = ["id", "reference", "family_name", "locality", "stage", "status"]


def open_tasks_of(case) -> list[dict]:
    return [
        {
            "id": t.pk,
            "name": t.flow_task.name,
            "title": str(t.flow_task.task_title),
            "owner": t.owner.get_username() if t.owner_id else None,
        }
        for t in workflow.open_tasks(process_id=case.process_id)
    ]


class CurrentTaskSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    title = serializers.CharField()
    owner = serializers.CharField(allow_null=True)


class StageChangeSerializer(serializers.ModelSerializer):
    """One row of a case's stage history; the first (no `from_stage`) is the stage at referral."""

    changed_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, help_text="Username of the person who recorded the change"
    )

    class Meta:
        model = StageChange
        fields = ["from_stage", "to_stage", "changed_on", "reason", "changed_by", "changed_at"]
        extra_kwargs = {
            "from_stage": {"help_text": "Empty on the first row: the stage at referral"},
            "reason": {"help_text": "Why the stage changed; empty on the first row"},
        }


def stage_history_of(case) -> list[StageChange]:
    """The case's stage history, oldest first, in one query (or none, when prefetched)."""
    cache = getattr(case, "_prefetched_objects_cache", {})
    if "stage_changes" in cache:
        return list(case.stage_changes.all())
    return list(StageChange.objects.filter(case_id=case.pk).select_related("changed_by").order_by("changed_on", "id"))


class CaseSerializer(CaseListSerializer):
    hub = serializers.PrimaryKeyRelatedField(read_only=True)
    team = serializers.SlugRelatedField(slug_field="code", read_only=True)
    lead_practitioner = serializers.SlugRelatedField(slug_field="username", read_only=True)
    children = serializers.SerializerMethodField()
    current_tasks = serializers.SerializerMethodField()
    plan_progress = serializers.SerializerMethodField()
    stage_history = serializers.SerializerMethodField()
    closed_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, help_text="Who closed the case or declined the referral"
    )
    previous_case = serializers.PrimaryKeyRelatedField(
        read_only=True, help_text="The closed case (or declined referral) this referral follows"
    )

    class Meta:
        model = Case
        fields = [
            "id",
            "reference",
            "family_name",
            "locality",
            "hub",
            "team",
            "stage",
            "status",
            "referral_reason",
            "lead_practitioner",
            "consent_to_refer",
            "consent_to_share",
            "consent_given_by",
            "consent_recorded_at",
            "consent_withdrawn_at",
            "consent_withdrawn_by",
            "bottom_lines",
            "child_lives_with",
            "support_needed",
            "opened_on",
            "closed_on",
            "closed_by",
            "close_reason",
            "close_note",
            "outcome",
            "previous_case",
            "children",
            "current_tasks",
            "plan_progress",
            "stage_history",
        ]

    @staticmethod
    @extend_schema_field(ChildSerializer(many=True))
    def get_children(case):
        """The case's children; removed ones are listed by GET /cases/{id}/children/?include_removed=true."""
        return ChildSerializer(case.children.current().select_related("removed_by"), many=True).data

    @staticmethod
    @extend_schema_field(CurrentTaskSerializer(many=True))
    def get_current_tasks(case):
        return open_tasks_of(case)

    @staticmethod
    @extend_schema_field(StageChangeSerializer(many=True))
    def get_stage_history(case):
        """Every change of the case's stage, oldest first; the first row is the stage at referral."""
        return StageChangeSerializer(stage_history_of(case), many=True).data

    @staticmethod
    @extend_schema_field(PlanProgressSerializer(allow_null=True))
    def get_plan_progress(case):
        """Progress of the latest plan: its actions, how many are done, how many are overdue."""
        plan = case.plans.prefetch_related("actions").order_by("-version").first()
        if plan is None:
            return None
        return {"plan": plan.pk, "version": plan.version, **plan.progress()}


class ChildInputSerializer(serializers.Serializer):
    """A child on a referral: `date_of_birth`, or `expected_on` for a child not yet born (whose
    first name may wait)."""

    first_name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    last_name = serializers.CharField(max_length=100)
    date_of_birth = serializers.DateField(required=False, allow_null=True, default=None)
    expected_on = serializers.DateField(required=False, allow_null=True, default=None)
    wishes_and_feelings = serializers.CharField(required=False, allow_blank=True, default="")
    participation = serializers.ChoiceField(
        choices=ChildParticipation.choices, required=False, allow_blank=True, default=""
    )


class CaseCreateSerializer(serializers.Serializer):
    family_name = serializers.CharField(max_length=100)
    locality = SlugRelatedField(slug_field="code", queryset=Locality.objects.all())
    stage = serializers.ChoiceField(choices=Stage.choices)
    referral_reason = serializers.CharField()
    children = ChildInputSerializer(many=True, allow_empty=False)
    hub = serializers.PrimaryKeyRelatedField(queryset=FamilyHub.objects.all(), required=False, allow_null=True)
    child_lives_with = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
    consent_given_by = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
    previous_case = IdField(
        required=False,
        allow_null=True,
        help_text="The id of a closed case (or declined referral) of the family that this referral follows",
    )


class CaseUpdateSerializer(serializers.Serializer):
    """Correct a case's details (PATCH: send only what changes). Not the stage (its own step, with
    its history) nor the locality or team (a transfer)."""

    family_name = serializers.CharField(max_length=100, required=False)
    referral_reason = serializers.CharField(required=False)
    hub = serializers.PrimaryKeyRelatedField(queryset=FamilyHub.objects.all(), required=False, allow_null=True)
    child_lives_with = serializers.CharField(max_length=200, required=False, allow_blank=True)


class ChildAddSerializer(serializers.Serializer):
    """A child added after the referral, with the reason: `date_of_birth`, or `expected_on` for a
    child not yet born."""

    first_name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    last_name = serializers.CharField(max_length=100)
    date_of_birth = serializers.DateField(required=False, allow_null=True, default=None)
    expected_on = serializers.DateField(required=False, allow_null=True, default=None)
    reason = serializers.CharField()


class ChildUpdateSerializer(serializers.Serializer):
    """Correct a child's details (PATCH: send only what changes). A `date_of_birth` for a child who
    was expected records the birth."""

    first_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    last_name = serializers.CharField(max_length=100, required=False)
    date_of_birth = serializers.DateField(required=False, allow_null=True)
    expected_on = serializers.DateField(required=False, allow_null=True)
    language = serializers.CharField(max_length=100, required=False, allow_blank=True)
    interpreter_needed = serializers.BooleanField(required=False)
    communication_needs = serializers.CharField(required=False, allow_blank=True)


class MemberUpdateSerializer(serializers.Serializer):
    """Correct a network member's details (PATCH: send only what changes)."""

    full_name = serializers.CharField(max_length=200, required=False)
    relationship = serializers.ChoiceField(choices=Relationship.choices, required=False)
    is_parent = serializers.BooleanField(required=False)
    has_parental_responsibility = serializers.BooleanField(required=False)
    lives_with_child = serializers.BooleanField(required=False)
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True)
    email = serializers.EmailField(required=False, allow_blank=True)
    address = serializers.CharField(required=False, allow_blank=True)
    language = serializers.CharField(max_length=100, required=False, allow_blank=True)
    interpreter_needed = serializers.BooleanField(required=False)
    communication_needs = serializers.CharField(required=False, allow_blank=True)
    messages = serializers.ChoiceField(
        choices=MessageConsent.choices,
        required=False,
        help_text="What they agreed to be sent by the council: `none` (not agreed, or opted out), `email`, `sms`, "
        "`email_and_sms`. Refused (409) for someone removed or excluded for safety.",
    )


class AllocateSerializer(serializers.Serializer):
    lead_practitioner = UsernameField()


class StageSerializer(serializers.Serializer):
    stage = serializers.ChoiceField(choices=Stage.choices)
    reason = serializers.CharField()
    changed_on = serializers.DateField(required=False, allow_null=True, default=None)


class ConsentSerializer(serializers.Serializer):
    given_by = serializers.CharField(max_length=200)
    to_refer = serializers.BooleanField(required=False, default=True)
    to_share = serializers.BooleanField(required=False, default=True)


class ConsentWithdrawSerializer(serializers.Serializer):
    withdrawn_by = serializers.CharField(max_length=200)
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class BottomLinesSerializer(serializers.Serializer):
    bottom_lines = serializers.CharField()


class WishesSerializer(serializers.Serializer):
    wishes_and_feelings = serializers.CharField()
    participation = serializers.ChoiceField(choices=ChildParticipation.choices)
    participation_detail = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)


class PreparationSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=[c for c in PreparationStatus.choices if c[0] != PreparationStatus.NOT_CONTACTED]
    )
    notes = serializers.CharField(required=False, allow_blank=True, default="")
    exclusion_reason = serializers.CharField(required=False, allow_blank=True, default="")
    how_to_contribute = serializers.CharField(required=False, allow_blank=True, default="")


class ActionDoneSerializer(serializers.Serializer):
    done_on = serializers.DateField(required=False, allow_null=True, default=None)


class PreProceedingsOfferSerializer(serializers.ModelSerializer):
    person = serializers.CharField(source="person_name", read_only=True)
    offered_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = PreProceedingsOffer
        fields = ["id", "member", "person", "capacity", "method", "offered_on", "offered_by", "answer", "answered_on"]


class PreProceedingsSerializer(serializers.ModelSerializer):
    """The case's pre-proceedings duty (Children Act 1989 s.31ZA, inserted by the Children's Wellbeing
    and Schools Act 2026): the intention to apply, each offer and answer, and where the duty stands."""

    status = serializers.ChoiceField(
        choices=PreProceedingsStatus.choices,
        read_only=True,
        allow_null=True,
        help_text="null until the council's intention to apply is recorded (the duty has not started)",
    )
    order_kind = serializers.ChoiceField(choices=OrderKind.choices, read_only=True, allow_null=True)
    intended_on = serializers.DateField(read_only=True, allow_null=True)
    stage_at_intention = serializers.ChoiceField(choices=Stage.choices, read_only=True, allow_null=True)
    exemption_decided_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    offers = serializers.SerializerMethodField()
    duty_met_by = serializers.SerializerMethodField(
        help_text="The basis an application made today could rest on, or null while the duty is not met"
    )
    duty_missing = serializers.SerializerMethodField(help_text="What the duty still needs, in plain words")

    class Meta:
        model = PreProceedings
        fields = [
            "case",
            "status",
            "order_kind",
            "intended_on",
            "stage_at_intention",
            "offers",
            "exemption_reason",
            "exemption_decided_by",
            "exemption_decided_on",
            "application_made_on",
            "application_basis",
            "duty_in_force",
            "duty_met_by",
            "duty_missing",
        ]

    def to_representation(self, record):
        data = super().to_representation(record)
        if record.pk is None:  # nothing recorded: the duty has not started
            data.update(
                status=None,
                order_kind=None,
                intended_on=None,
                stage_at_intention=None,
                duty_met_by=None,
                duty_missing="",
            )
        return data

    @extend_schema_field(PreProceedingsOfferSerializer(many=True))
    def get_offers(self, record):
        return PreProceedingsOfferSerializer(record.offers.all(), many=True).data if record.pk else []

    def _position(self, record):
        if record.pk is None:
            return None
        if record.status == PreProceedingsStatus.APPLICATION_MADE:
            return None
        return duty_position(record, on=timezone.localdate())

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_duty_met_by(self, record):
        position = self._position(record)
        return position.basis if position else None

    @extend_schema_field(serializers.CharField())
    def get_duty_missing(self, record):
        position = self._position(record)
        return position.missing if position else ""


class IntentionSerializer(serializers.Serializer):
    order_kind = serializers.ChoiceField(choices=OrderKind.choices)
    intended_on = serializers.DateField()


class OfferSerializer(serializers.Serializer):
    member = IdField(
        required=False, allow_null=True, default=None, help_text="A network member who is a parent or holds PR"
    )
    name = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=200, help_text="Someone not in the network"
    )
    capacity = serializers.ChoiceField(
        choices=OfferCapacity.choices, required=False, allow_blank=True, default="", help_text="For a named person"
    )
    method = serializers.ChoiceField(choices=OfferMethod.choices)
    offered_on = serializers.DateField()

    def validate(self, data):
        data["member_id"] = data.pop("member")
        return data


class AnswerSerializer(serializers.Serializer):
    offer = IdField()
    answer = serializers.ChoiceField(choices=[c for c in OfferAnswer.choices if c[0] != OfferAnswer.PENDING])
    answered_on = serializers.DateField(
        help_text="When they accepted or declined; for no reply, the date it was due by"
    )

    def validate(self, data):
        data["offer_id"] = data.pop("offer")
        return data


class ExemptionSerializer(serializers.Serializer):
    """The manager who decides the exemption records it, signed in as themselves."""

    reason = serializers.CharField()


class ApplicationSerializer(serializers.Serializer):
    made_on = serializers.DateField()


class TransferSerializer(serializers.Serializer):
    team = SlugRelatedField(slug_field="code", queryset=Team.objects.all())
    locality = SlugRelatedField(slug_field="code", queryset=Locality.objects.all(), required=False)
    lead_practitioner = UsernameField()


class ReassignSerializer(serializers.Serializer):
    lead_practitioner = UsernameField()
    reason = serializers.CharField(required=False, allow_blank=True, max_length=1000, default="")


class CloseSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(choices=CloseReason.choices, help_text="Why the case closes (a close reason code)")
    note = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="Needed when the reason is `other`"
    )
    outcome = serializers.ChoiceField(
        choices=Outcome.choices,
        required=False,
        allow_blank=True,
        default="",
        help_text="The outcome for the child, if known (`entered_care` is recorded for the reason `entered_care`)",
    )


class ReviewSerializer(serializers.Serializer):
    close = serializers.BooleanField()
    outcome = serializers.ChoiceField(choices=Outcome.choices, required=False, allow_blank=True, default="")
    notes = serializers.CharField(required=False, allow_blank=True, default="")


class NetworkMemberSerializer(serializers.ModelSerializer):
    """A member of the family's network. `excluded_from_meetings` is true only once a manager signed
    off an exclusion for safety (`exclusion_status` `signed_off`); `proposed` waits for the sign-off."""

    relationship = serializers.ChoiceField(choices=Relationship.choices)
    removed_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    exclusion_proposed_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    exclusion_signed_off_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = NetworkMember
        fields = [
            "id",
            "full_name",
            "relationship",
            "is_parent",
            "has_parental_responsibility",
            "lives_with_child",
            "phone",
            "email",
            "address",
            "language",
            "interpreter_needed",
            "communication_needs",
            "payment_eligible",
            "preparation_status",
            "excluded_from_meetings",
            "exclusion_reason",
            "how_to_contribute",
            "exclusion_challenge",
            "exclusion_status",
            "exclusion_proposed_by",
            "exclusion_signed_off_by",
            "exclusion_signed_off_at",
            "messages",
            "messages_agreed_at",
            "removed_at",
            "removed_by",
            "removal_reason",
        ]
        read_only_fields = [
            "messages",
            "messages_agreed_at",
            "exclusion_challenge",
            "exclusion_status",
            "exclusion_proposed_by",
            "exclusion_signed_off_by",
            "exclusion_signed_off_at",
            "id",
            "payment_eligible",
            "preparation_status",
            "excluded_from_meetings",
            "exclusion_reason",
            "how_to_contribute",
            "removed_at",
            "removed_by",
            "removal_reason",
        ]
        extra_kwargs = {
            "phone": {"required": False},
            "email": {"required": False},
            "address": {"required": False},
            "language": {"required": False},
            "interpreter_needed": {"required": False},
            "communication_needs": {"required": False},
            "is_parent": {"required": True},
            "has_parental_responsibility": {"required": True},
            "lives_with_child": {"required": False},
        }


class MeetingRescheduleSerializer(serializers.ModelSerializer):
    """One move of a meeting: from and to which date and venue, why, who and when."""

    by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = MeetingReschedule
        fields = ["from_scheduled_for", "to_scheduled_for", "from_venue", "to_venue", "reason", "by", "at"]


class MeetingSerializer(serializers.ModelSerializer):
    coordinator = serializers.SlugRelatedField(slug_field="username", read_only=True)
    cancelled_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    reschedules = MeetingRescheduleSerializer(many=True, read_only=True)

    class Meta:
        model = Meeting
        fields = [
            "id",
            "case",
            "model",
            "purpose",
            "reconvenes",
            "status",
            "scheduled_for",
            "venue",
            "coordinator",
            "coordinator_request_kind",
            "coordinator_request",
            "coordinator_request_met",
            "coordinator_request_note",
            "bottom_lines",
            "prepared_at",
            "held_on",
            "attendees",
            "child_participation",
            "information_shared",
            "private_family_time",
            "private_family_time_minutes",
            "cancelled_at",
            "cancelled_by",
            "cancel_reason",
            "reschedules",
        ]


class MeetingRescheduleInputSerializer(serializers.Serializer):
    scheduled_for = serializers.DateTimeField()
    venue = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    reason = serializers.CharField()


class MeetingReconveneSerializer(serializers.Serializer):
    scheduled_for = serializers.DateTimeField()
    venue = serializers.CharField(max_length=200)
    reason = serializers.CharField()
    model = serializers.ChoiceField(choices=MeetingModel.choices, required=False, default="")
    coordinator = UsernameField(required=False, allow_null=True, default=None)


class MeetingCreateSerializer(serializers.Serializer):
    model = serializers.ChoiceField(choices=MeetingModel.choices)
    scheduled_for = serializers.DateTimeField()
    venue = serializers.CharField(max_length=200)
    coordinator = UsernameField(required=False, allow_null=True)
    coordinator_request_kind = serializers.ChoiceField(
        choices=CoordinatorRequest.choices,
        required=False,
        default=CoordinatorRequest.NONE,
        help_text="What the family asked for in a coordinator: `language`, `culture`, `gender` or `none`",
    )
    coordinator_request = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=300,
        help_text="The detail: which language, culture or gender",
    )
    coordinator_request_met = serializers.BooleanField(
        required=False, allow_null=True, default=None, help_text="Whether the coordinator allocated meets the request"
    )
    coordinator_request_note = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)
    bottom_lines = serializers.CharField(required=False, allow_blank=True, default="")


class ActionInputSerializer(serializers.Serializer):
    description = serializers.CharField()
    owner_member = IdField(required=False, allow_null=True)
    owner_text = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
    due_by = serializers.DateField(required=False, allow_null=True)
    checked_by = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)

    def validate(self, data):
        if not data.get("owner_member") and not data.get("owner_text", "").strip():
            raise serializers.ValidationError("Say who will do it: owner_member or owner_text.")
        return data


class PlanInputSerializer(serializers.Serializer):
    actions = ActionInputSerializer(many=True, allow_empty=False)
    contingency = serializers.CharField(required=False, allow_blank=True, default="")
    monitoring = serializers.CharField(required=False, allow_blank=True, default="")
    review_by = serializers.DateField()


class MeetingRecordSerializer(serializers.Serializer):
    held_on = serializers.DateField()
    attendees = serializers.CharField()
    private_family_time = serializers.BooleanField()
    child_participation = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
    information_shared = serializers.CharField(required=False, allow_blank=True, default="")
    coordinator_request_met = serializers.BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text="For a conference the family asked a matching coordinator for: whether the request was met",
    )
    private_family_time_minutes = serializers.IntegerField(
        required=False, allow_null=True, default=None, min_value=1, max_value=1440
    )
    plan = PlanInputSerializer()


class PlanActionSerializer(serializers.ModelSerializer):
    owner_member = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = PlanAction
        fields = ["id", "description", "owner_member", "owner_text", "due_by", "checked_by", "status", "done_on"]


class ProgressSerializer(serializers.Serializer):
    actions = serializers.IntegerField()
    done = serializers.IntegerField()
    overdue = serializers.IntegerField()


class PlanSerializer(serializers.ModelSerializer):
    actions = PlanActionSerializer(many=True, read_only=True)
    progress = serializers.SerializerMethodField()

    class Meta:
        model = FamilyPlan
        fields = [
            "id",
            "case",
            "meeting",
            "version",
            "status",
            "contingency",
            "monitoring",
            "review_by",
            "agreed_on",
            "return_reason",
            "actions",
            "progress",
        ]

    @staticmethod
    @extend_schema_field(ProgressSerializer)
    def get_progress(plan):
        return plan.progress()


class PlanAcceptSerializer(serializers.Serializer):
    support_needed = serializers.BooleanField(required=False, default=True)


class AuditEntrySerializer(serializers.Serializer):
    """One timeline entry (audit.timeline.Entry): a domain event, a read or a finished task."""

    at = serializers.DateTimeField()
    actor = serializers.CharField(source="actor_username")
    action = serializers.CharField()
    object = serializers.SerializerMethodField()
    changes = serializers.SerializerMethodField()
    kind = serializers.CharField()

    def get_object(self, event) -> str:
        return f"{event.object_type} {event.object_id}: {event.object_repr}"

    def get_changes(self, event) -> dict:
        return event.all_changes


class ConflictSerializer(serializers.Serializer):
    """A conflict of interest the signed-in person declares: they can no longer see or act on the case."""

    id = serializers.IntegerField(read_only=True)
    case_reference = serializers.CharField(max_length=20, write_only=True)
    case = serializers.CharField(source="case.reference", read_only=True)
    reason = serializers.CharField(max_length=2000)
    declared_at = serializers.DateTimeField(read_only=True)


class ExclusionProposeSerializer(serializers.Serializer):
    reason = serializers.CharField(help_text="Why it is not safe for them to take part in the meetings")
    how_to_contribute = serializers.CharField(help_text="How they may still contribute")
    how_to_challenge = serializers.CharField(help_text="How they can challenge the exclusion")


class AdvocacyOfferSerializer(serializers.ModelSerializer):
    """The offer of an advocate to a child (`child`) or an adult of the network (`member`), and the answer."""

    offered_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = AdvocacyOffer
        fields = [
            "id",
            "case",
            "child",
            "member",
            "offered_on",
            "offered_by",
            "answer",
            "answered_on",
            "advocate",
            "note",
        ]
        read_only_fields = fields


class AdvocacyOfferInputSerializer(serializers.Serializer):
    offered_on = serializers.DateField()
    answer = serializers.ChoiceField(choices=AdvocacyAnswer.choices, required=False, default=AdvocacyAnswer.AWAITING)
    answered_on = serializers.DateField(required=False, allow_null=True, default=None)
    advocate = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class AdvocacyAnswerSerializer(serializers.Serializer):
    # The same choices as an offer's (one enum in the schema); `awaiting` is refused by the service.
    answer = serializers.ChoiceField(choices=AdvocacyAnswer.choices, help_text="`accepted` or `declined`")
    answered_on = serializers.DateField()
    advocate = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class ChildOutcomeSerializer(serializers.ModelSerializer):
    """One check of a child's outcome after their case closed (`checkpoint`: `closure`,
    `six_months`, `twelve_months`), due on `due_on`; the answers are null until `recorded_at`."""

    reference = serializers.CharField(source="case.reference", read_only=True)
    child_name = serializers.CharField(source="child.__str__", read_only=True)
    recorded_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = ChildOutcome
        fields = [
            "id",
            "case",
            "reference",
            "child",
            "child_name",
            "checkpoint",
            "closed_on",
            "due_on",
            "living_with",
            "living_with_detail",
            "on_child_protection_plan",
            "proceedings_issued",
            "entered_care",
            "recorded_at",
            "recorded_by",
        ]
        read_only_fields = fields


class OutcomeRecordSerializer(serializers.Serializer):
    living_with = serializers.ChoiceField(
        choices=LivingWith.choices, help_text="`at_home` (with parents), `kin` (family or friends), `in_care`, `other`"
    )
    living_with_detail = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
    on_child_protection_plan = serializers.BooleanField()
    proceedings_issued = serializers.BooleanField()
    entered_care = serializers.BooleanField()
