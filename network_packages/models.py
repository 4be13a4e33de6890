"""Family Network Support Packages: items, approval limits and approvals."""

from decimal import Decimal

from auditlog.registry import auditlog
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower

from fgdm.models import Case, FamilyPlan, Locality, NetworkMember, PlanAction
from network_packages.constants import (
    ApprovalTier,
    Category,
    CheckKind,
    CheckOutcome,
    ChecksRequired,
    Frequency,
    MeansDecision,
    MeansPolicy,
    PackageStatus,
    ReviewDecision,
    SafetyAnswer,
    SafetyPrompt,
)

User = settings.AUTH_USER_MODEL
PENNY = Decimal("0.01")


class ApprovalLimit(models.Model):
    """The most a package total may be for an approver of this tier (no amount: no limit)."""

    tier = models.CharField(max_length=32, choices=ApprovalTier.choices, unique=True)
    max_amount = models.DecimalField(
        max_digits=12, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(Decimal("0"))]
    )

    class Meta:
        ordering = ["max_amount"]

    def __str__(self) -> str:
        limit = f"£{self.max_amount:,.2f}" if self.max_amount is not None else "no limit"
        return f"{self.get_tier_display()}: {limit}"


class Supplier(models.Model):
    """A business a package pays directly for goods or services (a shop, a taxi firm, a nursery).

    Suppliers are on one council-wide register kept by finance, not in any family's network: the
    same taxi firm serves many cases, and its bank details are entered and verified once.
    """

    name = models.CharField("Trading name", max_length=140)
    supplies = models.CharField("What they supply", max_length=200, blank=True)
    address = models.TextField(blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    company_number = models.CharField("Company or charity number", max_length=20, blank=True)
    # Inactive suppliers keep their history and payments already scheduled, but cannot be chosen for new items.
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [models.UniqueConstraint(Lower("name"), name="supplier_name_unique")]
        permissions = [("manage_suppliers", "Can add and change suppliers")]
        # The register began in payments; its rows stay where they are.
        db_table = "payments_supplier"

    def __str__(self) -> str:
        return self.name

    @property
    def full_name(self) -> str:
        """The name a payment or item shows for its payee (network members have `full_name` too)."""
        return self.name

    @property
    def is_supplier(self) -> bool:
        return True


class SupportPackage(models.Model):
    """A versioned package of support. A change after approval is a new version."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="packages")
    plan = models.ForeignKey(FamilyPlan, on_delete=models.PROTECT, related_name="packages")
    version = models.PositiveIntegerField(default=1)
    # The approved version this one changes (a withdrawn attempt may point at it too).
    previous = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="later_versions")
    status = models.CharField(max_length=16, choices=PackageStatus.choices, default=PackageStatus.DRAFT)
    justification = models.TextField()
    other_funding_checked = models.BooleanField(default=False)
    # What other funding was checked (OtherFunding codes); giving any sets `other_funding_checked`.
    other_funding_sources = models.JSONField(default=list, blank=True)
    # The council's decision on means (s.17(8) Children Act 1989), following the payee policy.
    means_decision = models.CharField(max_length=16, choices=MeansDecision.choices, default=MeansDecision.NOT_ASSESSED)
    means_reason = models.TextField(blank=True, help_text="Why means were waived, or what the assessment found")
    agreement_signed_on = models.DateField(null=True, blank=True)
    review_by = models.DateField(null=True, blank=True)
    total = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0.00"))
    # The tier whose limit covers the total (the last approver needed), and the tier the package
    # waits at now: every package starts with the team manager and escalates up the chain.
    required_tier = models.CharField(max_length=32, choices=ApprovalTier.choices, blank=True)
    current_tier = models.CharField(max_length=32, choices=ApprovalTier.choices, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    return_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(total__gte=0), name="package_total_not_negative"),
            models.CheckConstraint(
                condition=~Q(status=PackageStatus.RETURNED) | ~Q(return_reason=""),
                name="package_returned_has_reason",
            ),
            models.CheckConstraint(
                condition=~Q(means_decision=MeansDecision.WAIVED) | ~Q(means_reason=""),
                name="package_means_waived_has_reason",
            ),
        ]
        permissions = [
            ("approve_team_manager_tier", "Can approve packages at team manager tier"),
            ("approve_service_manager_tier", "Can approve packages at service manager tier"),
            ("approve_head_of_service_tier", "Can approve packages at head of service tier"),
        ]

    def __str__(self) -> str:
        return f"Support package v{self.version} for {self.case.reference}"


class PackageItem(models.Model):
    package = models.ForeignKey(SupportPackage, on_delete=models.CASCADE, related_name="items")
    plan_action = models.ForeignKey(
        PlanAction, null=True, blank=True, on_delete=models.PROTECT, related_name="package_items"
    )
    category = models.CharField(max_length=32, choices=Category.choices)
    description = models.CharField(max_length=300)
    # Paid to a member of the family's network or to a supplier on the council's register: exactly one.
    payee = models.ForeignKey(
        NetworkMember, null=True, blank=True, on_delete=models.PROTECT, related_name="package_items"
    )
    supplier = models.ForeignKey(
        Supplier, null=True, blank=True, on_delete=models.PROTECT, related_name="package_items"
    )
    amount = models.DecimalField(
        max_digits=10, decimal_places=2, validators=[MinValueValidator(PENNY)], help_text="Per instalment"
    )
    frequency = models.CharField(max_length=16, choices=Frequency.choices, default=Frequency.ONE_OFF)
    instalments = models.PositiveIntegerField(default=1, validators=[MinValueValidator(1), MaxValueValidator(104)])
    # The first instalment's due date; blank: from the written agreement (payments are never backdated).
    starts_on = models.DateField(null=True, blank=True)
    # Childcare only: hours a day (more than 2 by someone not a relative asks about Ofsted registration).
    hours_per_day = models.DecimalField(
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.1")), MaxValueValidator(Decimal("24"))],
    )

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="item_amount_positive"),
            models.CheckConstraint(condition=Q(instalments__gte=1), name="item_instalments_positive"),
            models.CheckConstraint(
                condition=~Q(frequency=Frequency.ONE_OFF) | Q(instalments=1),
                name="item_one_off_single_instalment",
            ),
            models.CheckConstraint(
                condition=Q(payee__isnull=False, supplier__isnull=True) | Q(payee__isnull=True, supplier__isnull=False),
                name="item_one_payee",
            ),
        ]

    def __str__(self) -> str:
        return self.description

    @property
    def total(self) -> Decimal:
        return self.amount * self.instalments

    @property
    def paid_to(self):
        """The network member or supplier paid (both have `full_name`)."""
        return self.payee if self.payee_id else self.supplier


class Approval(models.Model):
    """A recorded decision: who, at which tier, for how much, of which version — approved, or
    endorsed and escalated to the next tier because the total is above this approver's limit."""

    class Decision(models.TextChoices):
        APPROVED = "approved", "Approved"
        ESCALATED = "escalated", "Endorsed and escalated"

    package = models.ForeignKey(SupportPackage, on_delete=models.PROTECT, related_name="approvals")
    approver = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    tier = models.CharField(max_length=32, choices=ApprovalTier.choices)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    package_version = models.PositiveIntegerField()
    decision = models.CharField(max_length=16, choices=Decision.choices, default=Decision.APPROVED)
    note = models.TextField(blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at"]
        constraints = [
            models.UniqueConstraint(fields=["package", "tier"], name="approval_once_per_tier"),
            models.UniqueConstraint(
                fields=["package"], condition=Q(decision="approved"), name="approval_once_per_package_version"
            ),
        ]

    def __str__(self) -> str:
        return f"Approved £{self.amount} ({self.get_tier_display()})"


class PackageReview(models.Model):
    """A review of an approved package on its own review date: the support continues until a later
    review, or the package ends (its payments not yet gone to the bank are cancelled)."""

    package = models.ForeignKey(SupportPackage, on_delete=models.PROTECT, related_name="reviews")
    reviewed_on = models.DateField()
    by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    decision = models.CharField(max_length=16, choices=ReviewDecision.choices)
    notes = models.TextField()
    # The review date the package had when it was reviewed, and the next one (a continued package).
    was_due_on = models.DateField(null=True, blank=True)
    next_review_by = models.DateField(null=True, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["reviewed_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(decision=ReviewDecision.END, next_review_by__isnull=True)
                | Q(decision=ReviewDecision.CONTINUE, next_review_by__isnull=False),
                name="package_review_next_date_iff_continued",
            ),
        ]

    def __str__(self) -> str:
        return f"Review of {self.package} on {self.reviewed_on:%d/%m/%Y}: {self.get_decision_display().lower()}"


class AgreementSignature(models.Model):
    """Someone signed the written agreement of one version of a package (kinship care guidance 2024).

    Kept against the version and the SHA-256 of the agreement's terms as they were rendered
    (network_packages.documents): a later version, or a draft changed after it was signed, is a
    different agreement and needs signing again. Written by `agreement_record_signature`."""

    package = models.ForeignKey(SupportPackage, on_delete=models.PROTECT, related_name="agreement_signatures")
    package_version = models.PositiveIntegerField()
    agreement_checksum = models.CharField(max_length=64, help_text="SHA-256 of the agreement's terms as signed")
    signed_by_name = models.CharField(max_length=200)
    signed_as = models.CharField(max_length=100, help_text="Their relationship to the child, or their role")
    signed_on = models.DateField()
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["signed_on", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(signed_by_name=""), name="agreement_signature_has_name"),
            models.CheckConstraint(condition=~Q(agreement_checksum=""), name="agreement_signature_has_checksum"),
        ]

    def __str__(self) -> str:
        return f"Written agreement of package v{self.package_version} signed on {self.signed_on:%d/%m/%Y}"


auditlog.register(AgreementSignature)


class Budget(models.Model):
    """What a locality may spend on support packages in one financial year (1 April to 31 March).

    `financial_year` is the year the financial year starts in: 2026 is 2026-27.
    """

    locality = models.ForeignKey(Locality, on_delete=models.PROTECT, related_name="budgets")
    financial_year = models.PositiveSmallIntegerField(validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    amount = models.DecimalField(max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal("0"))])

    class Meta:
        ordering = ["-financial_year", "locality__name"]
        constraints = [
            models.UniqueConstraint(fields=["locality", "financial_year"], name="budget_once_per_locality_year"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="budget_amount_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.locality} {self.financial_year_label}: £{self.amount:,.2f}"

    @property
    def financial_year_label(self) -> str:
        return f"{self.financial_year}-{(self.financial_year + 1) % 100:02d}"


class BudgetCommitment(models.Model):
    """What a locality's support packages decided in one financial year commit against its budget, as a
    running total in pence (see `network_packages.commitments`: the rule, and the events that change it
    in their own transaction). A locality may have commitments without a budget set, so this is a row
    of its own. `manage.py check_budget_totals` recomputes it."""

    locality = models.ForeignKey(Locality, on_delete=models.PROTECT, related_name="+")
    financial_year = models.PositiveSmallIntegerField()
    committed_pence = models.BigIntegerField(default=0)

    class Meta:
        ordering = ["-financial_year", "locality_id"]
        constraints = [
            models.UniqueConstraint(fields=["locality", "financial_year"], name="commitment_once_per_locality_year"),
        ]

    def __str__(self) -> str:
        return f"Commitments of {self.locality_id} in {self.financial_year}-{(self.financial_year + 1) % 100:02d}"


class PayeePolicy(models.Model):
    """The council's policy on who may be paid from a support package, and on what (one row, edited
    in admin through `payee_policy_set`). The defaults follow Dorset Council's pages on family
    network support packages (set by migration 0010)."""

    pay_kinship_carers_with_order = models.BooleanField(
        "Pay kinship carers under a court order",
        default=True,
        help_text="Holders of parental responsibility who care for the child as kinship carers under a court "
        "order (a special guardianship or child arrangements order) may be paid. Birth parents never are.",
    )
    means_policy = models.CharField(
        "Means (s.17(8) Children Act 1989)",
        max_length=16,
        choices=MeansPolicy.choices,
        default=MeansPolicy.NOT_ASSESSED,
        help_text="Default: not means-tested, following Dorset's pages: family network support packages are "
        "not means-tested. Assessed: each package records an assessment, or a waiver with its reason.",
    )
    checks_required = models.CharField(
        "Checks before paying for childcare or care",
        max_length=24,
        choices=ChecksRequired.choices,
        default=ChecksRequired.DBS_OR_VIABILITY,
        help_text="A network member paid for childcare or bought-in support needs this check recorded, "
        "with a date and passed, before the package is approved.",
    )
    annual_cap_per_payee = models.DecimalField(
        "Most paid to one person in a financial year",
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text="Approved packages may pay one network member at most this much a financial year "
        "(1 April to 31 March). Leave empty for no cap.",
    )

    class Meta:
        verbose_name = "payee policy"
        verbose_name_plural = "payee policy"

    def __str__(self) -> str:
        return "Payee policy"


class PayeeCheck(models.Model):
    """A check on a network member who is paid to look after the child: a DBS check or a viability
    assessment, its outcome and the date it was done."""

    member = models.ForeignKey(NetworkMember, on_delete=models.PROTECT, related_name="payee_checks")
    kind = models.CharField(max_length=16, choices=CheckKind.choices)
    outcome = models.CharField(max_length=16, choices=CheckOutcome.choices)
    checked_on = models.DateField()
    reference = models.CharField(max_length=100, blank=True, help_text="The DBS certificate number, for example")
    notes = models.TextField(blank=True)
    by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-checked_on", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.member}: {self.get_outcome_display().lower()} ({self.checked_on})"

    @property
    def passed(self) -> bool:
        return self.outcome == CheckOutcome.PASSED


class PackageSafetyAnswer(models.Model):
    """The submitter's answer to a safety prompt raised by a package (an Ofsted registration question
    about a carer, a private fostering notification about whoever the child lives with)."""

    package = models.ForeignKey(SupportPackage, on_delete=models.CASCADE, related_name="safety_answers")
    prompt = models.CharField(max_length=24, choices=SafetyPrompt.choices)
    # Whom the prompt is about: a network member, or a supplier (a childminder, a nursery).
    member = models.ForeignKey(NetworkMember, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    supplier = models.ForeignKey(Supplier, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    answer = models.CharField(max_length=24, choices=SafetyAnswer.choices)
    detail = models.TextField(help_text="The registration number, why exempt, when notified, or why not fostering")
    answered_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    answered_at = models.DateTimeField()

    class Meta:
        ordering = ["prompt", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(member__isnull=False, supplier__isnull=True)
                | Q(member__isnull=True, supplier__isnull=False),
                name="safety_answer_about_one",
            ),
            models.UniqueConstraint(
                fields=["package", "prompt", "member"],
                condition=Q(member__isnull=False),
                name="safety_answer_once_member",
            ),
            models.UniqueConstraint(
                fields=["package", "prompt", "supplier"],
                condition=Q(supplier__isnull=False),
                name="safety_answer_once_supplier",
            ),
            models.CheckConstraint(condition=~Q(detail=""), name="safety_answer_has_detail"),
        ]

    def __str__(self) -> str:
        return f"{self.get_prompt_display()}: {self.get_answer_display()}"


for _model in (
    ApprovalLimit,
    Supplier,
    SupportPackage,
    PackageItem,
    Approval,
    PackageReview,
    Budget,
    # Changed by F() updates, which leave no field history: each event that changes it records its
    # own domain event, and `check_budget_totals --fix` one for each total it rewrites.
    BudgetCommitment,
    PayeePolicy,
    PayeeCheck,
    PackageSafetyAnswer,
):
    auditlog.register(_model)
