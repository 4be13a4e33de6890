"""Who may be paid, and for what: the council's payee policy read in one place.

- `refusal` — why a network member cannot be paid at all (fgdm's `payment_eligible` asks through
  the `core.payees` port);
- `safety_prompts` — the questions a package raises before approval (Ofsted registration of a
  carer, a private fostering notification), with their answers;
- `missing_checks` — paid carers without the check the policy asks for;
- `cap_breaches` — payees whom approving the package would take over the yearly cap;
- `means_missing` — a package without the decision on means the policy asks for.

The services refuse with these messages; the pages and the API show the same ones.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Case, DecimalField, F, OuterRef, Q, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from fgdm.constants import Relationship
from network_packages.constants import (
    CARE_CATEGORIES,
    CHECKS_SATISFYING,
    SAFETY_ANSWERS,
    Category,
    CheckKind,
    ChecksRequired,
    MeansDecision,
    MeansPolicy,
    PackageStatus,
    SafetyPrompt,
)
from network_packages.models import PackageItem, PackageSafetyAnswer, PayeeCheck, PayeePolicy, SupportPackage
from network_packages.selectors import financial_year_bounds, financial_year_of

# Relatives in law (Children Act 1989 s.105; Childcare Act 2006 s.98): grandparents, brothers and
# sisters, aunts and uncles, step-parents. A cousin or a great-aunt ("other relative") is not one.
RELATIVES = {Relationship.GRANDPARENT, Relationship.AUNT_UNCLE, Relationship.ADULT_SIBLING, Relationship.PARENT}

ADULT_AGE = 18
OFSTED_CHILD_AGE = 8  # Childcare Act 2006: registration for care of a child under 8 ...
OFSTED_HOURS = Decimal("2")  # ... for more than 2 hours a day
FOSTERING_CHILD_AGE = 18  # s.66: under 16, or under 18 if disabled; we ask for every child under 18
FOSTERING_DAYS = 28

BIRTH_PARENT = "Birth parents are never paid."
EXCLUDED = "A member excluded for safety cannot be paid."
UNDER_18 = "Nobody under 18 can be paid."
PR_WITHOUT_ORDER = (
    "A holder of parental responsibility is paid only as a kinship carer under a court order "
    "(a special guardianship or child arrangements order)."
)
PR_POLICY_REFUSES = (
    "The council's payee policy does not pay holders of parental responsibility, not even kinship carers "
    "under a court order."
)


def policy() -> PayeePolicy:
    """The council's payee policy (its defaults if the row is missing)."""
    return PayeePolicy.objects.order_by("pk").first() or PayeePolicy()


def age_on(born: datetime.date, day: datetime.date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def is_relative(member) -> bool:
    return member.relationship in RELATIVES


def refusal(member, *, rules: PayeePolicy | None = None, on: datetime.date | None = None) -> str:
    """Why this network member cannot be paid from a support package, naming the rule; "" if they can.
    Reads the policy only for a holder of parental responsibility under a court order."""
    if member.is_parent or member.relationship == Relationship.PARENT:
        return BIRTH_PARENT
    if member.excluded_from_meetings:
        return EXCLUDED
    if member.date_of_birth and age_on(member.date_of_birth, on or timezone.localdate()) < ADULT_AGE:
        return UNDER_18
    if member.has_parental_responsibility:
        if not member.kinship_order:
            return PR_WITHOUT_ORDER
        if not (rules or policy()).pay_kinship_carers_with_order:
            return PR_POLICY_REFUSES
    return ""


@dataclass
class Prompt:
    """A safety question a package raises, about a payee or whoever the child lives with."""

    prompt: str
    question: str
    member: object = None
    supplier: object = None
    answer: PackageSafetyAnswer | None = None

    @property
    def key(self) -> tuple:
        return (self.prompt, getattr(self.member, "pk", None), getattr(self.supplier, "pk", None))

    @property
    def name(self) -> str:
        return (self.member or self.supplier).full_name

    @property
    def answers(self) -> list[str]:
        return list(SAFETY_ANSWERS[self.prompt])

    @property
    def label(self) -> str:
        return SafetyPrompt(self.prompt).label


def _children_under(children, age: int, on: datetime.date) -> list:
    return [
        child
        for child in children
        if child.date_of_birth is None or age_on(child.date_of_birth, on) < age  # expected: not yet born
    ]


def safety_prompts(
    package: SupportPackage, *, items: list | None = None, members: list | None = None, on: datetime.date | None = None
) -> list[Prompt]:
    """The safety prompts the package raises, each with its recorded answer (or None).

    - Childcare paid to someone not a relative (a supplier, a friend, a cousin) for a child under 8,
      for more than 2 hours a day (or hours not given): is the carer registered with Ofsted, or
      exempt? (Childcare Act 2006.)
    - A child of the case lives with someone not a relative, without parental responsibility, for
      28 days or more (or since a date not given): was the council notified of a private fostering
      arrangement? (Children Act 1989 s.66.)

    `items`: PackageItem-like rows (payee, supplier, category, hours_per_day) instead of the package's.
    `members`: the case's current network members, if already read.
    """
    on = on or timezone.localdate()
    case = package.case
    if items is None:
        items = list(package.items.select_related("payee", "supplier"))
    prompts: dict[tuple, Prompt] = {}
    children = list(case.children.current())  # read once for both questions
    if _children_under(children, OFSTED_CHILD_AGE, on):
        for item in items:
            if item.category != Category.CHILDCARE:
                continue
            if item.hours_per_day is not None and item.hours_per_day <= OFSTED_HOURS:
                continue
            carer = item.payee if item.payee_id else item.supplier
            if carer is None or (item.payee_id and is_relative(carer)):
                continue
            prompt = Prompt(
                prompt=SafetyPrompt.OFSTED,
                question=f"{carer.full_name} is paid for childcare of a child under 8 for more than 2 hours a day "
                "and is not a relative: are they registered with Ofsted, or exempt? (Childcare Act 2006)",
                member=carer if item.payee_id else None,
                supplier=None if item.payee_id else carer,
            )
            prompts.setdefault(prompt.key, prompt)
    if _children_under(children, FOSTERING_CHILD_AGE, on):
        for member in case.network_members.current() if members is None else members:
            if not member.lives_with_child or is_relative(member) or member.has_parental_responsibility:
                continue
            since = member.lives_with_child_since
            if since is not None and (on - since).days < FOSTERING_DAYS:
                continue
            how_long = f"since {since:%d/%m/%Y}" if since else "(since when is not recorded)"
            prompt = Prompt(
                prompt=SafetyPrompt.PRIVATE_FOSTERING,
                question=f"The child lives with {member.full_name}, who is not a relative, {how_long}: 28 days "
                "or more is private fostering (under 16, or 18 if disabled). Was the council notified? "
                "(Children Act 1989 s.66)",
                member=member,
            )
            prompts.setdefault(prompt.key, prompt)
    if package.pk:
        for answer in package.safety_answers.select_related("answered_by"):
            key = (answer.prompt, answer.member_id, answer.supplier_id)
            if key in prompts:
                prompts[key].answer = answer
    return list(prompts.values())


def unanswered(prompts: list[Prompt]) -> list[str]:
    """A plain message for each prompt without an answer."""
    return [
        f"Answer the safety question about {p.name} before approval: {p.label.lower()}."
        for p in prompts
        if p.answer is None
    ]


def means_missing(package: SupportPackage, *, rules: PayeePolicy | None = None) -> str:
    """The council assesses means (s.17(8)) and this package records no decision: the message, or ""."""
    rules = rules or policy()
    if rules.means_policy == MeansPolicy.ASSESSED and package.means_decision == MeansDecision.NOT_ASSESSED:
        return (
            "The council's policy assesses means (s.17(8) Children Act 1989): record the assessment, or waive "
            "it with a reason."
        )
    return ""


def checks_needed(rules: PayeePolicy) -> set[str]:
    return set(CHECKS_SATISFYING[ChecksRequired(rules.checks_required)])


def check_label(rules: PayeePolicy) -> str:
    return ChecksRequired(rules.checks_required).label.replace("A ", "a ", 1)


def missing_checks(
    package: SupportPackage, *, rules: PayeePolicy | None = None, on: datetime.date | None = None, items=None
) -> list[str]:
    """For each network member paid for childcare or bought-in support without the passed, dated
    check the policy asks for (their latest check of those kinds): a plain message. `items`: the
    package's items with their payees, if already read."""
    rules = rules or policy()
    kinds = checks_needed(rules)
    if not kinds:
        return []
    on = on or timezone.localdate()
    members = {}
    for item in package.items.select_related("payee") if items is None else items:
        if item.payee_id and item.category in CARE_CATEGORIES:
            members.setdefault(item.payee_id, (item.payee, item.get_category_display().lower()))
    messages = []
    for member_id, (member, category) in members.items():
        latest = (
            PayeeCheck.objects.filter(member_id=member_id, kind__in=kinds, checked_on__lte=on)
            .order_by("-checked_on", "-id")
            .first()
        )
        if latest is None or not latest.passed:
            found = "" if latest is None else f" (their latest, on {latest.checked_on:%d/%m/%Y}, was not passed)"
            messages.append(
                f"{member.full_name} is paid for {category}: the council's payee policy needs "
                f"{check_label(rules)}, passed and dated, before approval{found}."
            )
    return messages


def latest_checks(member_ids) -> dict[int, list[PayeeCheck]]:
    """Each member's recorded checks, newest first."""
    found: dict[int, list[PayeeCheck]] = {}
    for check in PayeeCheck.objects.filter(member_id__in=list(member_ids)).select_related("by"):
        found.setdefault(check.member_id, []).append(check)
    return found


def paid_in_year(*, member_id: int, financial_year: int, exclude_ids=()) -> Decimal:
    """What approved packages decided in the financial year pay the member: the items of those in
    force, and what went to the bank from those that ended."""
    start, end = financial_year_bounds(financial_year)
    items = PackageItem.objects.filter(
        payee_id=member_id,
        package__decided_at__date__gte=start,
        package__decided_at__date__lte=end,
        package__status__in=[PackageStatus.APPROVED, PackageStatus.ENDED],
    ).exclude(package_id__in=[pk for pk in exclude_ids if pk])
    # One read: each item of a package in force counts whole, each of an ended one what went to the bank.
    sent = (
        PackageItem.objects.filter(pk=OuterRef("pk"))
        .annotate(sent=Sum("payments__amount", filter=Q(payments__batch__isnull=False)))
        .values("sent")
    )
    money = DecimalField(max_digits=14, decimal_places=2)
    counted = items.aggregate(
        total=Sum(
            Case(
                When(package__status=PackageStatus.APPROVED, then=F("amount") * F("instalments")),
                default=Coalesce(Subquery(sent, output_field=money), Value(Decimal("0.00")), output_field=money),
                output_field=money,
            )
        )
    )["total"]
    return counted or Decimal("0.00")


def cap_breaches(
    package: SupportPackage, *, rules: PayeePolicy | None = None, on: datetime.date | None = None, items=None
) -> list[str]:
    """Network members whom approving this package would pay more than the yearly cap: a message each.
    The version it replaces stops counting (only what went to the bank from it would). `items`: the
    package's items with their payees, if already read."""
    rules = rules or policy()
    cap = rules.annual_cap_per_payee
    if cap is None:
        return []
    year = financial_year_of(on or timezone.localdate())
    label = f"{year}-{(year + 1) % 100:02d}"
    totals: dict[int, tuple] = {}
    for item in package.items.select_related("payee") if items is None else items:
        if item.payee_id:
            member, amount = totals.get(item.payee_id, (item.payee, Decimal("0.00")))
            totals[item.payee_id] = (member, amount + item.total)
    messages = []
    for member_id, (member, amount) in totals.items():
        before = paid_in_year(member_id=member_id, financial_year=year, exclude_ids=(package.pk, package.previous_id))
        if before + amount > cap:
            messages.append(
                f"One person may be paid at most £{cap:,.2f} in a financial year: approving this package would pay "
                f"{member.full_name} £{before + amount:,.2f} in {label}."
            )
    return messages


def check_kinds() -> list[tuple[str, str]]:
    return list(CheckKind.choices)
