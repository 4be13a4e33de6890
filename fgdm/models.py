"""Cases, children, the family network, meetings and family plans."""

from auditlog.registry import auditlog
from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase
from viewflow.workflow.models import Process

from core import payees
from fgdm.constants import (
    MEETING_ARRANGED,
    ActionStatus,
    AdvocacyAnswer,
    ApplicationBasis,
    CaseStatus,
    ChildParticipation,
    CloseReason,
    CoordinatorRequest,
    DocumentKind,
    DocumentType,
    ExclusionStatus,
    KinshipOrder,
    LivingWith,
    MeetingModel,
    MeetingPurpose,
    MeetingStatus,
    MessageConsent,
    OfferAnswer,
    OfferCapacity,
    OfferMethod,
    OrderKind,
    Outcome,
    OutcomeCheckpoint,
    PlanStatus,
    PreparationStatus,
    PreProceedingsStatus,
    Relationship,
    Stage,
)

User = settings.AUTH_USER_MODEL


class Locality(models.Model):
    code = models.SlugField(max_length=32, unique=True)
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "localities"

    def __str__(self) -> str:
        return self.name


class LocalAllianceGroup(models.Model):
    """A Local Alliance Group of the council's Strategic Alliance for children and young people: the
    partnership that oversees the work in a part of the county. Reporting groups cases by it through
    the localities it covers."""

    code = models.SlugField(max_length=32, unique=True)
    name = models.CharField(max_length=100, unique=True)
    localities = models.ManyToManyField(Locality, related_name="alliance_groups")
    source = models.CharField(max_length=300, blank=True, help_text="The public document this row follows")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class FamilyHub(models.Model):
    class Kind(models.TextChoices):
        MAIN = "main", "Main hub"
        NETWORK_POINT = "network_point", "Network point"

    class Status(models.TextChoices):
        PLANNED = "planned", "Planned"
        DESIGNATED = "designated", "Designated"

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    lead_organisation = models.CharField(max_length=200, blank=True)
    designated = models.CharField(max_length=16, blank=True, help_text="Year or year-month designated")
    locality = models.ForeignKey(Locality, on_delete=models.PROTECT, related_name="hubs")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DESIGNATED)
    status_as_at = models.DateField(null=True, blank=True, help_text="The day the status was last known true")
    source = models.CharField(max_length=300, blank=True, help_text="The public document this row follows")

    class Meta:
        ordering = ["locality__name", "kind", "name"]
        constraints = [models.UniqueConstraint(fields=["locality", "name"], name="hub_unique_name_per_locality")]

    def __str__(self) -> str:
        return self.name


class Team(models.Model):
    """A family help team serving one or more localities."""

    code = models.SlugField(max_length=32, unique=True)
    name = models.CharField(max_length=100)
    localities = models.ManyToManyField(Locality, related_name="teams")
    members = models.ManyToManyField(User, related_name="teams", blank=True)
    managers = models.ManyToManyField(User, related_name="managed_teams", blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class SignInIdentity(models.Model):
    """Who a person is at the council's identity provider: single sign-on (fgdm/sso.py) finds their
    account by the provider's issuer and subject, never by a name the provider may give someone else."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="sign_in_identity")
    issuer = models.CharField(max_length=255)
    subject = models.CharField(max_length=255)
    linked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["issuer", "subject"], name="one_account_per_council_identity")]

    def __str__(self) -> str:
        return f"{self.subject} at {self.issuer}"


class CaseProcess(Process):
    """The case flow's own process model, so it has its own permissions."""

    class Meta:
        proxy = True
        verbose_name = "Case process"


class Case(models.Model):
    """A family's FGDM episode."""

    reference = models.CharField(max_length=20, unique=True)
    family_name = models.CharField(max_length=100)
    locality = models.ForeignKey(Locality, on_delete=models.PROTECT, related_name="cases")
    hub = models.ForeignKey(FamilyHub, null=True, blank=True, on_delete=models.SET_NULL, related_name="cases")
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="cases")
    lead_practitioner = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="led_cases"
    )
    referred_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="referred_cases")
    stage = models.CharField(max_length=32, choices=Stage.choices)
    status = models.CharField(max_length=32, choices=CaseStatus.choices, default=CaseStatus.REFERRED)
    referral_reason = models.TextField()
    consent_to_refer = models.BooleanField(default=False)
    consent_to_share = models.BooleanField(default=False)
    consent_given_by = models.CharField(max_length=200, blank=True)
    consent_recorded_at = models.DateTimeField(null=True, blank=True)
    consent_withdrawn_at = models.DateTimeField(null=True, blank=True)
    consent_withdrawn_by = models.CharField(max_length=200, blank=True)
    bottom_lines = models.TextField(blank=True, help_text="What a safe plan must achieve, set by the referrer")
    bottom_lines_set_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    child_lives_with = models.CharField(max_length=200, blank=True)
    support_needed = models.BooleanField(null=True, blank=True)
    opened_on = models.DateField()
    closed_on = models.DateField(null=True, blank=True)
    outcome = models.CharField(max_length=32, choices=Outcome.choices, blank=True)
    close_reason = models.CharField(max_length=32, choices=CloseReason.choices, blank=True)
    close_note = models.TextField(blank=True, help_text="Why the case closed, or why the referral was declined")
    closed_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    previous_case = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="later_cases",
        help_text="A closed case (or declined referral) of the same family this referral follows",
    )
    process = models.OneToOneField(Process, null=True, blank=True, on_delete=models.SET_NULL, related_name="case")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-opened_on", "-id"]
        indexes = [
            models.Index(fields=["locality", "status"], name="case_locality_status"),
            # Lists are newest first: a page of them reads this index in order and stops (LIMIT).
            models.Index(fields=["-opened_on", "-id"], name="case_newest_first"),
            # The lead practitioner's arm of the visibility UNION, ordered as the lists are.
            models.Index(fields=["lead_practitioner", "-opened_on"], name="case_lead_newest_first"),
        ]
        # The search's trigram indexes are PostgreSQL's only: migration 0017 (fgdm.search).
        constraints = [
            models.CheckConstraint(
                condition=~Q(close_reason=CloseReason.OTHER) | ~Q(close_note=""),
                name="case_closed_for_other_reason_has_note",
            ),
        ]
        permissions = [
            ("view_all_cases", "Can see cases in every locality"),
            ("allocate_case", "Can allocate a case to a lead practitioner"),
            ("work_case", "Can work cases as a practitioner"),
            ("coordinate_conference", "Can coordinate Family Group Conferences"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.family_name}"


class StageChange(models.Model):
    """One move of a case from one stage to another, kept as its stage history.

    The first row of every case is its stage at referral (no `from_stage`, no reason); each later
    row is a change made through `fgdm.services.case_change_stage`, with the date it took effect,
    why and who recorded it. The case's `stage` is always the `to_stage` of its latest row.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="stage_changes")
    from_stage = models.CharField(max_length=32, choices=Stage.choices, blank=True)
    to_stage = models.CharField(max_length=32, choices=Stage.choices)
    changed_on = models.DateField(help_text="The day the case moved to the stage")
    reason = models.TextField(blank=True)
    changed_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["changed_on", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(from_stage=F("to_stage")), name="stage_change_changes_stage"),
            models.CheckConstraint(condition=Q(from_stage="") | ~Q(reason=""), name="stage_change_has_reason"),
        ]

    def __str__(self) -> str:
        if not self.from_stage:
            return f"Referred at {self.get_to_stage_display()}"
        return f"{self.get_from_stage_display()} → {self.get_to_stage_display()}"


class CaseUserObjectPermission(UserObjectPermissionBase):
    """Per-case grants to a person (guardian's direct foreign-key table: fast joins at scale).

    Used for the people a case names rather than a team: its lead practitioner and the FGC
    coordinator of its conference. Services grant and revoke these as the case moves.
    """

    content_object = models.ForeignKey(Case, on_delete=models.CASCADE)


class CaseGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Case, on_delete=models.CASCADE)


class DeclaredConflict(models.Model):
    """A member of staff who is in a family's network, or related to someone who is, declares it;
    from then on they cannot act on that case (separation of duties)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="declared_conflicts")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="declared_conflicts")
    member = models.ForeignKey("NetworkMember", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    reason = models.TextField()
    declared_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "case"], name="conflict_once_per_case")]

    def __str__(self) -> str:
        return f"{self.user} — {self.case.reference}"


class StillOnRecord(models.QuerySet):
    """Children and network members are never deleted: a removal is marked (who, when, why) and the
    record stays in the trail. Lists show `current()` ones unless asked for the removed too."""

    def current(self):
        return self.filter(removed_at__isnull=True)

    def removed(self):
        return self.filter(removed_at__isnull=False)


class Child(models.Model):
    """A child of the case. A child not born yet is recorded by the date they are expected
    (`expected_on`, no date of birth); the birth is recorded later (date of birth and name)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="children")
    first_name = models.CharField(max_length=100, blank=True, help_text="May wait until a child not yet born is born")
    last_name = models.CharField(max_length=100)
    date_of_birth = models.DateField(null=True, blank=True)
    expected_on = models.DateField(null=True, blank=True, help_text="When a child not yet born is expected")
    wishes_and_feelings = models.TextField(blank=True)
    participation = models.CharField(max_length=16, choices=ChildParticipation.choices, blank=True)
    participation_detail = models.CharField(max_length=200, blank=True, help_text="Who speaks for them, their advocate")
    wishes_recorded_at = models.DateTimeField(null=True, blank=True)
    wishes_recorded_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    language = models.CharField(max_length=100, blank=True, help_text="The language the child prefers to speak")
    interpreter_needed = models.BooleanField(default=False)
    communication_needs = models.TextField(
        blank=True, help_text="How to communicate with the child: hearing, sight, speech, a learning disability"
    )
    removed_at = models.DateTimeField(null=True, blank=True)
    removed_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    removal_reason = models.TextField(blank=True)

    objects = StillOnRecord.as_manager()

    class Meta:
        ordering = [F("date_of_birth").asc(nulls_last=True), "expected_on", "id"]
        verbose_name_plural = "children"
        constraints = [
            models.CheckConstraint(
                condition=(Q(date_of_birth__isnull=False) & Q(expected_on__isnull=True))
                | (Q(date_of_birth__isnull=True) & Q(expected_on__isnull=False)),
                name="child_born_or_expected",
            ),
            models.CheckConstraint(
                condition=Q(date_of_birth__isnull=True) | ~Q(first_name=""),
                name="child_born_has_first_name",
            ),
            models.CheckConstraint(
                condition=Q(removed_at__isnull=True) | ~Q(removal_reason=""),
                name="child_removal_has_reason",
            ),
        ]

    def __str__(self) -> str:
        if self.is_unborn and not self.first_name:
            return f"Baby {self.last_name} (expected)"
        return f"{self.first_name} {self.last_name}"

    @property
    def is_unborn(self) -> bool:
        return self.date_of_birth is None

    @property
    def is_removed(self) -> bool:
        return self.removed_at is not None


class NetworkMember(models.Model):
    """Someone the family names as part of the child's network."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="network_members")
    full_name = models.CharField(max_length=200)
    relationship = models.CharField(max_length=32, choices=Relationship.choices)
    is_parent = models.BooleanField(default=False)
    has_parental_responsibility = models.BooleanField(default=False)
    lives_with_child = models.BooleanField(default=False)
    # Facts the payee rules read (network_packages.payees; set by network_packages.services.payee_facts_set).
    date_of_birth = models.DateField(null=True, blank=True, help_text="Nobody under 18 is paid")
    lives_with_child_since = models.DateField(
        null=True, blank=True, help_text="Since when the child lives with them (private fostering after 28 days)"
    )
    kinship_order = models.CharField(
        max_length=32,
        choices=KinshipOrder.choices,
        blank=True,
        help_text="The court order under which they care for the child as a kinship carer, if any",
    )
    phone = models.CharField(max_length=40, blank=True)
    email = models.EmailField(blank=True)
    address = models.TextField(blank=True)
    # What they agreed to be sent (meeting invitations, their actions, payments made, a link to the
    # plan); read through fgdm.contact.member_contact, which also refuses anyone excluded or removed.
    messages = models.CharField(max_length=16, choices=MessageConsent.choices, default=MessageConsent.NONE)
    messages_agreed_at = models.DateTimeField(null=True, blank=True)
    messages_recorded_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    language = models.CharField(max_length=100, blank=True, help_text="The language they prefer to speak")
    interpreter_needed = models.BooleanField(default=False)
    communication_needs = models.TextField(
        blank=True, help_text="How to communicate with them: hearing, sight, reading, a learning disability"
    )
    excluded_from_meetings = models.BooleanField(default=False)
    exclusion_reason = models.TextField(blank=True)
    preparation_status = models.CharField(
        max_length=16, choices=PreparationStatus.choices, default=PreparationStatus.NOT_CONTACTED
    )
    preparation_notes = models.TextField(blank=True)
    how_to_contribute = models.TextField(blank=True, help_text="How someone excluded can still contribute")
    exclusion_challenge = models.TextField(blank=True, help_text="How someone excluded can challenge the exclusion")
    exclusion_status = models.CharField(max_length=16, choices=ExclusionStatus.choices, blank=True)
    exclusion_proposed_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    exclusion_proposed_at = models.DateTimeField(null=True, blank=True)
    exclusion_signed_off_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    exclusion_signed_off_at = models.DateTimeField(null=True, blank=True)
    preparation_updated_at = models.DateTimeField(null=True, blank=True)
    added_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    removed_at = models.DateTimeField(null=True, blank=True)
    removed_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    removal_reason = models.TextField(blank=True)

    objects = StillOnRecord.as_manager()

    class Meta:
        ordering = ["full_name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(removed_at__isnull=True) | ~Q(removal_reason=""),
                name="member_removal_has_reason",
            ),
            models.CheckConstraint(
                condition=~Q(relationship=Relationship.PARENT) | Q(is_parent=True),
                name="member_parent_relationship_is_parent",
            ),
            models.CheckConstraint(
                condition=Q(excluded_from_meetings=False) | ~Q(exclusion_reason=""),
                name="member_exclusion_has_reason",
            ),
            models.CheckConstraint(
                condition=~Q(preparation_status=PreparationStatus.EXCLUDED)
                | (Q(excluded_from_meetings=True) & ~Q(how_to_contribute="")),
                name="member_excluded_says_how_to_contribute",
            ),
            # A proposed exclusion does not exclude anyone until a manager signs it off.
            models.CheckConstraint(
                condition=~Q(exclusion_status=ExclusionStatus.PROPOSED) | Q(excluded_from_meetings=False),
                name="member_exclusion_proposed_not_yet_excluded",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    is_supplier = False  # a payee may be a network member or a supplier (payments.Supplier)

    @property
    def payment_eligible(self) -> bool:
        """Whether a support package may pay them: the council's payee rules (`payment_refusal`)."""
        return self.payment_refusal == ""

    @property
    def payment_refusal(self) -> str:
        """Why they cannot be paid, naming the rule in plain words, or "" if they can. The rules and
        the council's payee policy live in network_packages (`core.payees` is the port)."""
        return payees.refusal(self)

    @property
    def is_removed(self) -> bool:
        """Removed from the network (kept on record): no longer named as a payee on a new item."""
        return self.removed_at is not None


class Meeting(models.Model):
    """A family meeting of a case. A case can have several: its first meeting, a meeting that
    reconvenes one whose plan was waiting for acceptance, review meetings — and one that replaces a
    cancelled meeting, for the same purpose. At most one is arranged (scheduled or prepared) at a time."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="meetings")
    model = models.CharField(max_length=3, choices=MeetingModel.choices)
    status = models.CharField(max_length=16, choices=MeetingStatus.choices, default=MeetingStatus.SCHEDULED)
    purpose = models.CharField(max_length=16, choices=MeetingPurpose.choices, default=MeetingPurpose.FIRST)
    reconvenes = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reconvened_by",
        help_text="The held meeting this one reconvenes",
    )
    scheduled_for = models.DateTimeField()
    venue = models.CharField(max_length=200)
    coordinator = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="coordinated_meetings"
    )
    coordinator_request_kind = models.CharField(
        max_length=16,
        choices=CoordinatorRequest.choices,
        default=CoordinatorRequest.NONE,
        help_text="What the family asked for in a coordinator: their language, culture or gender, or nothing",
    )
    coordinator_request = models.CharField(
        max_length=300,
        blank=True,
        help_text="The detail of the family's request (which language, culture or gender)",
    )
    coordinator_request_met = models.BooleanField(
        null=True, blank=True, help_text="Whether the coordinator allocated meets the family's request"
    )
    coordinator_request_note = models.CharField(
        max_length=300, blank=True, help_text="Why the request could not be met, or how it was"
    )
    bottom_lines = models.TextField(blank=True)
    prepared_at = models.DateTimeField(null=True, blank=True)
    held_on = models.DateField(null=True, blank=True)
    attendees = models.TextField(blank=True)
    child_participation = models.CharField(max_length=200, blank=True)
    information_shared = models.TextField(blank=True, help_text="Stage 1: what the professionals told the family")
    private_family_time = models.BooleanField(default=False)
    private_family_time_minutes = models.PositiveIntegerField(null=True, blank=True, help_text="Stage 2")
    recorded_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    cancel_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-scheduled_for", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(status__in=MEETING_ARRANGED),
                name="meeting_one_arranged_per_case",
            ),
            models.CheckConstraint(
                condition=~Q(purpose=MeetingPurpose.RECONVENED) | Q(reconvenes__isnull=False),
                name="meeting_reconvened_names_its_meeting",
            ),
            models.CheckConstraint(
                condition=~Q(status=MeetingStatus.CANCELLED) | (~Q(cancel_reason="") & Q(cancelled_at__isnull=False)),
                name="meeting_cancelled_has_reason",
            ),
            models.CheckConstraint(
                condition=~Q(model=MeetingModel.FGC) | Q(coordinator__isnull=False),
                name="meeting_fgc_has_coordinator",
            ),
            models.CheckConstraint(
                condition=~Q(status=MeetingStatus.HELD) | Q(held_on__isnull=False),
                name="meeting_held_has_date",
            ),
            models.CheckConstraint(
                condition=~Q(coordinator_request_kind=CoordinatorRequest.NONE)
                | Q(coordinator_request_met__isnull=True),
                name="meeting_request_met_only_with_a_request",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_model_display()} on {self.scheduled_for:%d %b %Y}"


class MeetingReschedule(models.Model):
    """One move of a meeting to another date or venue: its history, kept (nothing is overwritten
    unseen). Written by `fgdm.services.meeting_reschedule`."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="reschedules")
    from_scheduled_for = models.DateTimeField()
    to_scheduled_for = models.DateTimeField()
    from_venue = models.CharField(max_length=200)
    to_venue = models.CharField(max_length=200)
    reason = models.TextField()
    by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["at", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="meeting_reschedule_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.meeting} moved from {self.from_scheduled_for:%d %b %Y}"


class FamilyPlan(models.Model):
    """The family's own plan, agreed at the meeting. Versioned: a revision is a new row."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="plans")
    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="plans")
    version = models.PositiveIntegerField(default=1)
    status = models.CharField(max_length=16, choices=PlanStatus.choices, default=PlanStatus.AGREED)
    contingency = models.TextField(blank=True)
    monitoring = models.TextField(blank=True, help_text="How the family and professionals will know it is working")
    review_by = models.DateField()
    agreed_on = models.DateField()
    decided_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    return_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(fields=["case", "version"], name="plan_unique_version_per_case"),
            models.CheckConstraint(
                condition=~Q(status=PlanStatus.RETURNED) | ~Q(return_reason=""),
                name="plan_returned_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"Family plan v{self.version} ({self.case.reference})"

    def progress(self, today=None) -> dict:
        """Actions done and overdue (uses prefetched actions when there are some)."""
        from django.utils import timezone

        today = today or timezone.localdate()
        actions = list(self.actions.all())
        done = sum(1 for a in actions if a.status == ActionStatus.DONE)
        overdue = sum(1 for a in actions if a.status != ActionStatus.DONE and a.due_by and a.due_by < today)
        return {"actions": len(actions), "done": done, "overdue": overdue}


class PlanAction(models.Model):
    plan = models.ForeignKey(FamilyPlan, on_delete=models.CASCADE, related_name="actions")
    description = models.TextField()
    owner_member = models.ForeignKey(
        NetworkMember, null=True, blank=True, on_delete=models.PROTECT, related_name="plan_actions"
    )
    owner_text = models.CharField(max_length=200, blank=True)
    due_by = models.DateField(null=True, blank=True)
    checked_by = models.CharField(max_length=200, blank=True, help_text="Who checks it is done")
    status = models.CharField(max_length=8, choices=ActionStatus.choices, default=ActionStatus.OPEN)
    done_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(owner_member__isnull=False) | ~Q(owner_text=""),
                name="action_has_owner",
            )
        ]

    def __str__(self) -> str:
        return self.description[:80]

    @property
    def owner_name(self) -> str:
        return self.owner_member.full_name if self.owner_member_id else self.owner_text


class PreProceedings(models.Model):
    """The pre-proceedings duty of a case (Children Act 1989 s.31ZA, inserted by s.1 of the
    Children's Wellbeing and Schools Act 2026). It starts when the council records its intention to
    apply for a care or supervision order (interim ones too), at whatever stage the case is. Each
    parent and holder of parental responsibility is offered a family group decision-making meeting
    (`offers`); the application to court records on which basis it was made."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="pre_proceedings")
    status = models.CharField(
        max_length=20, choices=PreProceedingsStatus.choices, default=PreProceedingsStatus.INTENDED
    )
    order_kind = models.CharField(max_length=20, choices=OrderKind.choices)
    intended_on = models.DateField(help_text="When the council decided it intends to apply to court")
    stage_at_intention = models.CharField(max_length=20, choices=Stage.choices)
    intention_recorded_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    exemption_reason = models.TextField(blank=True)
    exemption_decided_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    exemption_decided_on = models.DateField(null=True, blank=True)
    application_made_on = models.DateField(null=True, blank=True)
    application_basis = models.CharField(max_length=16, choices=ApplicationBasis.choices, blank=True)
    duty_in_force = models.BooleanField(
        null=True, blank=True, help_text="Whether s.31ZA was in force on the day of the application"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "pre-proceedings"
        constraints = [
            models.CheckConstraint(
                condition=Q(exemption_reason="") | Q(exemption_decided_by__isnull=False),
                name="preproceedings_exemption_has_decision_maker",
            ),
            models.CheckConstraint(
                condition=~Q(status=PreProceedingsStatus.APPLICATION_MADE)
                | (Q(application_made_on__isnull=False) & ~Q(application_basis="") & Q(duty_in_force__isnull=False)),
                name="preproceedings_application_has_basis",
            ),
            models.CheckConstraint(
                condition=~Q(application_basis=ApplicationBasis.NOT_IN_FORCE) | Q(duty_in_force=False),
                name="preproceedings_unmet_only_before_commencement",
            ),
        ]

    def __str__(self) -> str:
        return f"Pre-proceedings {self.case.reference}: {self.get_status_display()}"


class PreProceedingsOffer(models.Model):
    """The offer of a family group decision-making meeting to one person — a parent or a holder of
    parental responsibility, from the family's network or named here — how and when it was made,
    and their answer."""

    record = models.ForeignKey(PreProceedings, on_delete=models.CASCADE, related_name="offers")
    member = models.ForeignKey(
        NetworkMember, null=True, blank=True, on_delete=models.PROTECT, related_name="pre_proceedings_offers"
    )
    name = models.CharField(max_length=200, blank=True, help_text="Someone not in the family's network")
    capacity = models.CharField(max_length=24, choices=OfferCapacity.choices)
    method = models.CharField(max_length=16, choices=OfferMethod.choices)
    offered_on = models.DateField()
    offered_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    answer = models.CharField(max_length=10, choices=OfferAnswer.choices, default=OfferAnswer.PENDING)
    answered_on = models.DateField(
        null=True, blank=True, help_text="When they accepted or declined; for no reply, the date it was due by"
    )
    answer_recorded_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["offered_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(member__isnull=False) & Q(name="")) | (Q(member__isnull=True) & ~Q(name="")),
                name="preproceedings_offer_names_one_person",
            ),
            models.UniqueConstraint(
                fields=["record", "member"],
                condition=Q(member__isnull=False),
                name="preproceedings_offer_once_per_member",
            ),
            models.CheckConstraint(
                condition=Q(answer=OfferAnswer.PENDING) | Q(answered_on__isnull=False),
                name="preproceedings_offer_answer_has_date",
            ),
        ]

    def __str__(self) -> str:
        # No name here: the trail keeps this description after the record's names are gone.
        return f"Offer of a family meeting #{self.pk}: {self.get_answer_display()}"

    @property
    def person_name(self) -> str:
        return self.member.full_name if self.member_id else self.name


class ReviewEscalation(models.Model):
    """A review task left open past the allowed working days, escalated to the team's managers."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="review_escalations")
    task_id = models.BigIntegerField(unique=True)
    review_due_on = models.DateField()
    working_days_overdue = models.PositiveIntegerField()
    escalated_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-escalated_at", "-id"]

    def __str__(self) -> str:
        return f"Overdue review {self.case.reference}"


class AdvocacyOffer(models.Model):
    """The offer of an advocate to a child of the case, or to an adult of the network who needs one,
    and the answer. Written by `fgdm.services.advocacy_offer_record` and `advocacy_offer_answer`."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="advocacy_offers")
    child = models.ForeignKey(Child, null=True, blank=True, on_delete=models.CASCADE, related_name="advocacy_offers")
    member = models.ForeignKey(
        NetworkMember, null=True, blank=True, on_delete=models.CASCADE, related_name="advocacy_offers"
    )
    offered_on = models.DateField()
    offered_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    answer = models.CharField(max_length=16, choices=AdvocacyAnswer.choices, default=AdvocacyAnswer.AWAITING)
    answered_on = models.DateField(null=True, blank=True)
    advocate = models.CharField(max_length=200, blank=True, help_text="Who the advocate is (name, service)")
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["offered_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(child__isnull=False) & Q(member__isnull=True))
                | (Q(child__isnull=True) & Q(member__isnull=False)),
                name="advocacy_offer_to_one_person",
            ),
            models.CheckConstraint(
                condition=Q(answer=AdvocacyAnswer.AWAITING) | Q(answered_on__isnull=False),
                name="advocacy_answer_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"Advocacy offered to {self.child or self.member} on {self.offered_on:%d %b %Y}"

    @property
    def person(self):
        return self.child if self.child_id else self.member


class ChildOutcome(models.Model):
    """One check of a child's outcome after their case closed: at closure, 6 months and 12 months
    after (OutcomeCheckpoint). Made by closing the case; it falls due on `due_on` in the queue of the
    case's lead practitioner (or the team's managers if the practitioner has left) and is recorded by
    `fgdm.services.outcome_record`. Dashboards read these: codes are stable."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="child_outcomes")
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="outcomes")
    checkpoint = models.CharField(max_length=16, choices=OutcomeCheckpoint.choices)
    closed_on = models.DateField(help_text="The day the case closed that this check follows")
    due_on = models.DateField()
    living_with = models.CharField(max_length=16, choices=LivingWith.choices, blank=True)
    living_with_detail = models.CharField(max_length=200, blank=True)
    on_child_protection_plan = models.BooleanField(null=True, blank=True)
    proceedings_issued = models.BooleanField(null=True, blank=True)
    entered_care = models.BooleanField(null=True, blank=True)
    recorded_at = models.DateTimeField(null=True, blank=True)
    recorded_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["due_on", "recorded_at"], name="child_outcome_due")]
        constraints = [
            models.UniqueConstraint(
                fields=["child", "checkpoint", "closed_on"], name="child_outcome_once_per_checkpoint"
            ),
            models.CheckConstraint(
                condition=Q(recorded_at__isnull=True)
                | (
                    ~Q(living_with="")
                    & Q(on_child_protection_plan__isnull=False)
                    & Q(proceedings_issued__isnull=False)
                    & Q(entered_care__isnull=False)
                ),
                name="child_outcome_recorded_answers_everything",
            ),
        ]

    def __str__(self) -> str:
        return f"Outcome {self.get_checkpoint_display().lower()} for {self.child}"

    @property
    def is_recorded(self) -> bool:
        return self.recorded_at is not None


for _model in (
    Locality,
    LocalAllianceGroup,
    FamilyHub,
    Team,
    SignInIdentity,
    Case,
    StageChange,
    Child,
    NetworkMember,
    Meeting,
    MeetingReschedule,
    FamilyPlan,
    PlanAction,
    DeclaredConflict,
    CaseUserObjectPermission,
    CaseGroupObjectPermission,
    PreProceedings,
    PreProceedingsOffer,
    ReviewEscalation,
    AdvocacyOffer,
    ChildOutcome,
):
    # A case's pre-proceedings record is a row of its own (with its own history): diffing the case
    # would read it, once per new case, for a value never recorded.
    auditlog.register(_model, exclude_fields=["updated_at", "pre_proceedings"] if _model is Case else ["updated_at"])


# -- the case file: notes and documents (issue 17) ---------------------------------------------------


class CaseNote(models.Model):
    """A dated case note. Never edited or deleted in the app: a mistake is corrected by a new note
    that names the one it corrects (`corrects`); both are kept. Written by
    `fgdm.services.case_note_write`."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notes")
    noted_on = models.DateField(help_text="The day the note is about")
    text = models.TextField()
    written_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    written_at = models.DateTimeField(default=timezone.now)
    corrects = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT, related_name="correction")

    class Meta:
        ordering = ["-noted_on", "-written_at", "-id"]
        indexes = [models.Index(fields=["case", "-noted_on", "-written_at"], name="case_note_newest")]

    def __str__(self) -> str:
        return f"Case note of {self.noted_on:%d %b %Y} ({self.case.reference})"

    @property
    def is_corrected(self) -> bool:
        return hasattr(self, "correction")


class CaseDocument(models.Model):
    """A document uploaded to a case (a signed written agreement, a consent form, a letter before
    proceedings). Its type is the one found in its content (fgdm.uploads); the file is kept in the
    "case_documents" storage under an unguessable name and only downloaded through the app. Written
    by `fgdm.services.case_document_upload`; its file is deleted by retention (`file_deleted_at`)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(max_length=32, choices=DocumentKind.choices)
    file_name = models.CharField(max_length=200, help_text="The name it was uploaded with (made safe)")
    content_type = models.CharField(max_length=100, choices=DocumentType.choices)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    storage_name = models.CharField(max_length=200, unique=True)
    uploaded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)
    file_deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-uploaded_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.file_name} ({self.case.reference})"


auditlog.register(CaseNote)
auditlog.register(CaseDocument, exclude_fields=["storage_name"])
