"""The dashboard's figures, each computed in SQL with a fixed number of queries whatever the data size.

Every figure reads only the cases `reports.scope.scoped` lets the person count (their teams, or the
county; never a case they declared a conflict in), cut by the filters, and applies the period to its
own date: a referral to the day the case opened, a meeting to the day it was held, a package to the
day it was approved, a child's outcome to the day the case closed. What each figure counts is said
in its label and `note` so the page, the CSV and the documentation say the same.

Days between two dates are calendar days. Medians are found in SQL without database-specific
functions: count the rows, then read the middle one or two in order (ORDER BY … OFFSET), which works
on SQLite and PostgreSQL alike and costs two queries.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Avg, Count, DurationField, Exists, ExpressionWrapper, F, Max, OuterRef, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from fgdm.constants import (
    ActionStatus,
    CaseStatus,
    CloseReason,
    LivingWith,
    MeetingModel,
    MeetingStatus,
    OfferAnswer,
    OutcomeCheckpoint,
    PlanStatus,
)
from fgdm.models import (
    Case,
    ChildOutcome,
    FamilyPlan,
    Locality,
    Meeting,
    PlanAction,
    PreProceedings,
    PreProceedingsOffer,
)
from network_packages.constants import ApprovalTier, Category, PackageStatus
from network_packages.models import Budget, PackageItem, SupportPackage
from network_packages.selectors import SENT_TO_THE_BANK, financial_year_of
from reports.scope import Filters, county_wide, scoped

PENNY = Decimal("0.01")
ZERO = Decimal("0.00")


def money(value) -> Decimal:
    """A sum from the database as pounds and pence (SQLite may hand back a float-like number)."""
    if value is None:
        return ZERO
    return Decimal(str(value)).quantize(PENNY)


@dataclass(frozen=True)
class Row:
    """One line of a figure's table: a label for people and its values, in the table's columns."""

    label: str
    values: tuple


@dataclass
class Table:
    """A figure as a table: what the chart draws, what the page lists and what the CSV holds.

    `kinds` says how each column is shown and exported: "count" (small numbers suppressed in the
    CSV), "money" (a decimal string), "days" (a number of calendar days) or "text".
    """

    slug: str
    title: str
    columns: tuple[str, ...]
    kinds: tuple[str, ...]
    rows: list[Row]
    note: str = ""
    chart: str = "bar"  # "bar", "stacked" or "line"

    @property
    def empty(self) -> bool:
        return not any(v for row in self.rows for v in row.values if v)

    @property
    def cells(self) -> list[tuple[str, list[tuple[object, str]]]]:
        """Each row's label and its (value, kind) cells, for the page's table."""
        return [(row.label, list(zip(row.values, self.kinds[1:], strict=True))) for row in self.rows]


@dataclass
class Section:
    slug: str
    title: str
    tables: list[Table] = field(default_factory=list)


# -- medians ----------------------------------------------------------------------------------------


def _days(value) -> Decimal | None:
    """A difference of dates as a number of days (a timedelta from SQLite and PostgreSQL alike)."""
    if value is None:
        return None
    if isinstance(value, datetime.timedelta):
        return Decimal(value.days)
    return Decimal(int(value))


def median_days(queryset, expression_name: str) -> tuple[int, Decimal | None]:
    """How many rows, and the median of their `expression_name` (annotated as a duration) in days:
    two queries whatever the number of rows."""
    ordered = queryset.order_by(expression_name, "pk")
    count = queryset.order_by().count()
    if not count:
        return 0, None
    middle = (count - 1) // 2
    take = 1 if count % 2 else 2
    values = [_days(v) for v in ordered.values_list(expression_name, flat=True)[middle : middle + take]]
    return count, (sum(values) / len(values)).quantize(Decimal("0.1")).normalize() if values else None


def _moments(filters: Filters, lookup: str) -> Q:
    """A date and time (`lookup`) within the period's days, local time, both ends included: compared
    as a range of moments rather than as each row's date, which SQLite would work out row by row."""
    zone = timezone.get_current_timezone()
    start = datetime.datetime.combine(filters.date_from, datetime.time.min, tzinfo=zone)
    end = datetime.datetime.combine(filters.date_to + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone)
    return Q(**{f"{lookup}__gte": start, f"{lookup}__lt": end})


def _days_between(later: str, earlier: str):
    return ExpressionWrapper(F(later) - F(earlier), output_field=DurationField())


# -- the sections ---------------------------------------------------------------------------------


def referrals_and_meetings(user, filters: Filters) -> Section:
    """Referrals received, meetings offered, held, cancelled and declined, and how long things take."""
    return referrals_section(referrals_numbers(user, filters))


def referrals_numbers(user, filters: Filters) -> dict:
    """The numbers of the referrals section, read from the cases, meetings and plans themselves."""
    cases = Case.objects.filter(scoped(user, filters))
    # Each count below needs its case opened or closed in the period: only those rows are read (the
    # indexes by date), not every case of the county's history.
    case_counts = cases.filter(filters.in_period("opened_on") | filters.in_period("closed_on")).aggregate(
        received=Count("pk", filter=filters.in_period("opened_on")),
        declined=Count("pk", filter=Q(status=CaseStatus.DECLINED) & filters.in_period("closed_on")),
        family_declined=Count(
            "pk", filter=Q(close_reason=CloseReason.FAMILY_DECLINED) & filters.in_period("closed_on")
        ),
    )
    meetings = Meeting.objects.filter(scoped(user, filters, "case__"))
    aggregates = {}
    for model in MeetingModel:
        is_model = Q(model=model.value)
        aggregates[f"offered_{model.value}"] = Count("pk", filter=is_model & _moments(filters, "created_at"))
        aggregates[f"held_{model.value}"] = Count(
            "pk", filter=is_model & Q(status=MeetingStatus.HELD) & filters.in_period("held_on")
        )
        aggregates[f"cancelled_{model.value}"] = Count(
            "pk", filter=is_model & Q(status=MeetingStatus.CANCELLED) & _moments(filters, "cancelled_at")
        )
    # Offered, held or cancelled in the period: the rows any of the counts can count.
    touched = _moments(filters, "created_at") | filters.in_period("held_on") | _moments(filters, "cancelled_at")
    meeting_counts = meetings.filter(touched).aggregate(**aggregates)

    # The first meeting held of each case, held in the period: no earlier held meeting (on the same
    # day, the one recorded first). Read from the meetings side, so no grouping over every case.
    earlier_meeting = Meeting.objects.filter(case=OuterRef("case"), status=MeetingStatus.HELD).filter(
        Q(held_on__lt=OuterRef("held_on")) | Q(held_on=OuterRef("held_on"), pk__lt=OuterRef("pk"))
    )
    first_held = (
        meetings.filter(status=MeetingStatus.HELD)
        .filter(filters.in_period("held_on"))
        .exclude(Exists(earlier_meeting))
        .annotate(days=_days_between("held_on", "case__opened_on"))
    )
    # The first plan agreed at each held meeting, agreed in the period.
    earlier_plan = FamilyPlan.objects.filter(meeting=OuterRef("meeting")).filter(
        Q(agreed_on__lt=OuterRef("agreed_on")) | Q(agreed_on=OuterRef("agreed_on"), pk__lt=OuterRef("pk"))
    )
    first_plan = (
        FamilyPlan.objects.filter(scoped(user, filters, "case__"), meeting__status=MeetingStatus.HELD)
        .filter(filters.in_period("agreed_on"))
        .exclude(Exists(earlier_plan))
        .annotate(days=_days_between("agreed_on", "meeting__held_on"))
    )
    return {
        **case_counts,
        **meeting_counts,
        "to_meeting": median_days(first_held, "days"),
        "to_plan": median_days(first_plan, "days"),
    }


def referrals_section(n: dict) -> Section:
    """The referrals section's tables from its numbers (referrals_numbers or the summary's)."""
    case_counts = meeting_counts = n
    to_meeting_count, to_meeting = n["to_meeting"]
    to_plan_count, to_plan = n["to_plan"]
    referral_table = Table(
        slug="referrals",
        title="Referrals received and declined",
        columns=("What", "Cases"),
        kinds=("text", "count"),
        rows=[
            Row("Referrals received", (case_counts["received"],)),
            Row("Referrals declined by a manager", (case_counts["declined"],)),
            Row("Closed because the family declined or withdrew", (case_counts["family_declined"],)),
        ],
        note="A referral counts on the day the case opened; a decline or closure on the day it was recorded.",
    )
    meeting_table = Table(
        slug="meetings",
        title="Meetings offered, held and cancelled",
        columns=("What", MeetingModel.FNM.label, MeetingModel.FGC.label),
        kinds=("text", "count", "count"),
        rows=[
            Row(label, tuple(meeting_counts[f"{key}_{model.value}"] for model in MeetingModel))
            for key, label in (
                ("offered", "Meetings offered (arranged)"),
                ("held", "Meetings held"),
                ("cancelled", "Meetings cancelled"),
            )
        ],
        note="A meeting is offered on the day it was arranged, held on the day recorded as held, and "
        "cancelled on the day it was cancelled. Reconvened and review meetings count too.",
        chart="stacked",
    )
    timing_table = Table(
        slug="timeliness",
        title="How long it takes (median, calendar days)",
        columns=("What", "Median days", "Cases or meetings counted"),
        kinds=("text", "days", "count"),
        rows=[
            Row("From referral to the first meeting held", (to_meeting, to_meeting_count)),
            Row("From the meeting to the family's plan", (to_plan, to_plan_count)),
        ],
        note="Calendar days. Referral to meeting: cases whose first meeting was held in the period, from "
        "the day the case opened. Meeting to plan: meetings whose first plan was agreed in the period.",
    )
    return Section("referrals", "Referrals and meetings", [referral_table, meeting_table, timing_table])


def plans(user, filters: Filters) -> Section:
    """Plans agreed, accepted, returned and revised; actions done and overdue."""
    return plans_section(plans_numbers(user, filters))


def plans_numbers(user, filters: Filters) -> dict:
    """The numbers of the plans section, read from the plans and actions themselves."""
    today = timezone.localdate()
    counts = (
        FamilyPlan.objects.filter(scoped(user, filters, "case__"))
        .filter(filters.in_period("agreed_on") | _moments(filters, "decided_at"))
        .aggregate(
            agreed=Count("pk", filter=filters.in_period("agreed_on")),
            revised=Count("pk", filter=Q(version__gt=1) & filters.in_period("agreed_on")),
            accepted=Count(
                "pk",
                filter=Q(decided_at__isnull=False, return_reason="")
                & ~Q(status=PlanStatus.AGREED)
                & _moments(filters, "decided_at"),
            ),
            returned=Count("pk", filter=~Q(return_reason="") & _moments(filters, "decided_at")),
        )
    )
    live = Q(plan__status__in=[PlanStatus.AGREED, PlanStatus.ACCEPTED])
    actions = (
        PlanAction.objects.filter(scoped(user, filters, "plan__case__"))
        .filter(filters.in_period("done_on") | filters.in_period("due_by"))
        .aggregate(
            done=Count("pk", filter=Q(status=ActionStatus.DONE) & filters.in_period("done_on")),
            overdue=Count(
                "pk",
                filter=live & Q(status=ActionStatus.OPEN, due_by__lt=today) & filters.in_period("due_by"),
            ),
        )
    )
    return {**counts, **actions}


def plans_section(n: dict) -> Section:
    """The plans section's tables from its numbers (plans_numbers or the summary's)."""
    today = timezone.localdate()
    counts = actions = n
    plan_table = Table(
        slug="plans",
        title="Family plans",
        columns=("What", "Plans"),
        kinds=("text", "count"),
        rows=[
            Row("Plans agreed by the family", (counts["agreed"],)),
            Row("Plans accepted by the practitioner", (counts["accepted"],)),
            Row("Plans returned to the family", (counts["returned"],)),
            Row("Revised plans (a second or later version)", (counts["revised"],)),
        ],
        note="Agreed and revised: the day the family agreed the plan. Accepted and returned: the day the "
        "practitioner decided.",
    )
    action_table = Table(
        slug="actions",
        title="Plan actions",
        columns=("What", "Actions"),
        kinds=("text", "count"),
        rows=[
            Row("Actions done", (actions["done"],)),
            Row("Actions overdue", (actions["overdue"],)),
        ],
        note=f"Done: the day marked done. Overdue: still open on {today:%-d %B %Y}, due in the period before "
        "today, on a plan still in force.",
    )
    return Section("plans", "Plans", [plan_table, action_table])


def _approved_packages(user, filters: Filters, path: str = ""):
    """Support packages approved in the period: each approved version once, except a version a later
    approved version replaced (its change is counted instead), so a changed package is not counted twice."""
    approved = Q(**{f"{path}status__in": [PackageStatus.APPROVED, PackageStatus.ENDED]})
    replaced = Q(**{f"{path}later_versions__status__in": [PackageStatus.APPROVED, PackageStatus.ENDED]})
    return approved & _moments(filters, f"{path}decided_at") & scoped(user, filters, f"{path}case__"), replaced


def support(user, filters: Filters) -> Section:
    """Packages by category, approval tier and month; spend against budget by locality; sizes; repeats."""
    return support_section(support_numbers(user, filters), user, filters)


def support_numbers(user, filters: Filters) -> dict:
    """The numbers of the support section, read from the packages, items and payments themselves."""
    in_period, replaced = _approved_packages(user, filters)
    packages = SupportPackage.objects.filter(in_period).exclude(replaced)

    item_period, item_replaced = _approved_packages(user, filters, "package__")
    by_category = dict(
        (row["category"], (row["items"], money(row["total"])))
        for row in PackageItem.objects.filter(item_period)
        .exclude(item_replaced)
        .order_by()
        .values("category")
        .annotate(items=Count("pk"), total=Sum(F("amount") * F("instalments")))
    )
    by_tier = {
        row["required_tier"]: (row["packages"], money(row["total"]))
        for row in packages.order_by().values("required_tier").annotate(packages=Count("pk"), total=Sum("total"))
    }
    monthly = {}
    for row in (
        packages.annotate(month=TruncMonth("decided_at"))
        .order_by()
        .values("month")
        .annotate(packages=Count("pk"), total=Sum("total"))
    ):
        month = row["month"]
        month = month.date() if isinstance(month, datetime.datetime) else month
        monthly[(month.year, month.month)] = (row["packages"], money(row["total"]))
    # Spend against budget, the rule of the budgets page (network_packages.selectors.committed_by_locality):
    # a package in force counts its whole total, one that ended what went to the bank from it.
    spent_scope = _moments(filters, "decided_at") & scoped(user, filters, "case__")
    spent: dict[int, Decimal] = {}
    for status, amount in ((PackageStatus.APPROVED, Sum("total")), (PackageStatus.ENDED, SENT_TO_THE_BANK)):
        for row in (
            SupportPackage.objects.filter(spent_scope, status=status)
            .order_by()
            .values("case__locality_id")
            .annotate(amount=amount)
        ):
            spent[row["case__locality_id"]] = spent.get(row["case__locality_id"], ZERO) + money(row["amount"])
    sizes = packages.aggregate(count=Count("pk"), average=Avg("total"), largest=Max("total"))
    roots = Q(
        packages__status__in=[PackageStatus.APPROVED, PackageStatus.ENDED],
        packages__previous__isnull=True,
    )
    # Only cases with a first version approved in the period can count: read those, not every case.
    approved_in_period = SupportPackage.objects.filter(
        status__in=[PackageStatus.APPROVED, PackageStatus.ENDED], previous__isnull=True
    ).filter(_moments(filters, "decided_at"))
    families = (
        Case.objects.filter(scoped(user, filters), pk__in=approved_in_period.values("case_id"))
        .annotate(
            approved=Count("packages", filter=roots),
            in_period=Count("packages", filter=roots & _moments(filters, "packages__decided_at")),
        )
        .filter(in_period__gte=1)
        .aggregate(families=Count("pk"), repeat=Count("pk", filter=Q(approved__gt=1)))
    )
    return {
        "by_category": by_category,
        "by_tier": by_tier,
        "monthly": monthly,
        "spent": spent,
        "sizes": (sizes["count"], sizes["average"], sizes["largest"]),
        "families": families,
    }


def support_section(n: dict, user, filters: Filters) -> Section:
    """The support section's tables from its numbers (support_numbers or the summary's); the budgets
    and localities, small tables, are read here for both."""
    by_category, by_tier, monthly, spent, families = (
        n["by_category"],
        n["by_tier"],
        n["monthly"],
        n["spent"],
        n["families"],
    )
    sizes = dict(zip(("count", "average", "largest"), n["sizes"], strict=True))
    category_table = Table(
        slug="categories",
        title="Approved support by category",
        columns=("Category", "Items", "Total"),
        kinds=("text", "count", "money"),
        rows=[Row(c.label, by_category.get(c.value, (0, ZERO))) for c in Category],
        note="Items of packages approved in the period (each item's amount times its instalments).",
    )

    tier_table = Table(
        slug="tiers",
        title="Packages approved by approval tier",
        columns=("Approved by", "Packages", "Total"),
        kinds=("text", "count", "money"),
        rows=[Row(t.label, by_tier.get(t.value, (0, ZERO))) for t in ApprovalTier],
        note="The tier whose limit covered the package total (the last approver).",
    )

    month_table = Table(
        slug="months",
        title="Packages approved by month",
        columns=("Month", "Packages", "Total"),
        kinds=("text", "count", "money"),
        rows=[
            Row(datetime.date(y, m, 1).strftime("%B %Y"), monthly.get((y, m), (0, ZERO)))
            for y, m in _months(filters.date_from, filters.date_to)
        ],
        note="The month the package was approved.",
        chart="line",
    )

    years = (financial_year_of(filters.date_from), financial_year_of(filters.date_to))
    localities = _localities(user, filters)
    budgets = {
        row["locality_id"]: money(row["amount"])
        for row in Budget.objects.filter(financial_year__gte=years[0], financial_year__lte=years[1])
        .order_by()
        .values("locality_id")
        .annotate(amount=Sum("amount"))
    }
    budget_table = Table(
        slug="budget",
        title="Approved spend against budget by locality",
        columns=("Locality", "Approved spend", "Budget"),
        kinds=("text", "money", "money"),
        rows=[Row(locality.name, (spent.get(locality.pk, ZERO), budgets.get(locality.pk))) for locality in localities],
        note="Approved spend: packages approved in the period, whole totals of those in force and what was "
        "paid from those that ended. Budget: the locality's budgets for the financial years the period "
        "falls in (the whole locality's, not only your teams').",
    )

    size_table = Table(
        slug="sizes",
        title="Package sizes",
        columns=("What", "Amount"),
        kinds=("text", "money"),
        rows=[
            Row("Average package", (money(sizes["average"]) if sizes["count"] else None,)),
            Row("Largest package", (money(sizes["largest"]) if sizes["count"] else None,)),
        ],
        note="Totals of the packages approved in the period (a changed package counts at its latest total).",
        chart="",
    )
    repeat_table = Table(
        slug="repeats",
        title="Repeat packages",
        columns=("What", "Families"),
        kinds=("text", "count"),
        rows=[
            Row("Families with a package approved in the period", (families["families"],)),
            Row("Of whom, families with more than one package", (families["repeat"],)),
        ],
        note="A changed package (a new version) is the same package, not a repeat. A family with more "
        "than one package has had a second, separate package approved at any time.",
        chart="",
    )
    return Section(
        "support", "Support packages", [category_table, tier_table, month_table, budget_table, size_table, repeat_table]
    )


def _months(start: datetime.date, end: datetime.date) -> list[tuple[int, int]]:
    months, y, m = [], start.year, start.month
    while (y, m) <= (end.year, end.month) and len(months) < 240:
        months.append((y, m))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return months


def _localities(user, filters: Filters):
    """The localities the budget table lists: the chosen one (or the Local Alliance Group's), and for
    a team manager only the localities their teams serve."""
    localities = Locality.objects.order_by("name")
    if filters.locality is not None:
        localities = localities.filter(pk=filters.locality.pk)
    if filters.alliance_group is not None:
        localities = localities.filter(alliance_groups=filters.alliance_group)
    if filters.team is not None:
        localities = localities.filter(teams=filters.team)
    if not county_wide(user):
        localities = localities.filter(teams__managers=user)
    return list(localities.distinct())


def pre_proceedings(user, filters: Filters) -> Section:
    """The duty to offer a meeting before applying to court: offers, answers, meetings, exemptions,
    applications."""
    return pre_proceedings_section(pre_proceedings_numbers(user, filters))


def pre_proceedings_numbers(user, filters: Filters) -> dict:
    """The numbers of the pre-proceedings section, read from the records, offers and meetings."""
    records = PreProceedings.objects.filter(scoped(user, filters, "case__")).aggregate(
        intended=Count("pk", filter=filters.in_period("intended_on")),
        exempt=Count("pk", filter=filters.in_period("exemption_decided_on")),
        applications=Count("pk", filter=filters.in_period("application_made_on")),
    )
    offers = PreProceedingsOffer.objects.filter(scoped(user, filters, "record__case__")).aggregate(
        offered=Count("pk", filter=filters.in_period("offered_on")),
        accepted=Count("pk", filter=Q(answer=OfferAnswer.ACCEPTED) & filters.in_period("answered_on")),
        declined=Count("pk", filter=Q(answer=OfferAnswer.DECLINED) & filters.in_period("answered_on")),
    )
    before_application = Q(case__pre_proceedings__application_made_on__isnull=True) | Q(
        case__pre_proceedings__application_made_on__gte=F("held_on")
    )
    meetings = (
        Meeting.objects.filter(scoped(user, filters, "case__"), status=MeetingStatus.HELD)
        .filter(filters.in_period("held_on"))
        .filter(case__pre_proceedings__intended_on__lte=F("held_on"))
        .filter(before_application)
        .count()
    )
    return {**records, **offers, "meetings": meetings}


def pre_proceedings_section(n: dict) -> Section:
    """The pre-proceedings section's table from its numbers (pre_proceedings_numbers or the summary's)."""
    records = offers = n
    meetings = n["meetings"]
    table = Table(
        slug="pre-proceedings",
        title="Pre-proceedings",
        columns=("What", "Number"),
        kinds=("text", "count"),
        rows=[
            Row("Intentions to apply to court recorded", (records["intended"],)),
            Row("People offered a meeting", (offers["offered"],)),
            Row("Offers accepted", (offers["accepted"],)),
            Row("Offers declined", (offers["declined"],)),
            Row("Meetings held before the application", (meetings,)),
            Row("Best-interests exemptions", (records["exempt"],)),
            Row("Applications to court made", (records["applications"],)),
        ],
        note="Each on its own date: the intention recorded, the offer made, the answer given, the meeting "
        "held (after the intention, before any application), the exemption decided, the application made.",
    )
    return Section("pre-proceedings", "Pre-proceedings", [table])


OUTCOME_ROWS = (
    ("living_at_home", "Living at home", Q(living_with=LivingWith.AT_HOME)),
    ("living_with_kin", "Living with family or friends (kinship care)", Q(living_with=LivingWith.KIN)),
    ("living_in_care", "In care", Q(living_with=LivingWith.IN_CARE)),
    ("living_other", "Living elsewhere", Q(living_with=LivingWith.OTHER)),
    ("no_cp_plan", "Not on a child protection plan", Q(on_child_protection_plan=False)),
    ("no_proceedings", "No care proceedings issued", Q(proceedings_issued=False)),
    ("entered_care", "Entered care", Q(entered_care=True)),
)


def outcomes(user, filters: Filters) -> Section:
    """Children's outcomes at closure and 6 and 12 months after, as recorded, and the checks awaited."""
    return outcomes_section(outcomes_numbers(user, filters))


def outcomes_numbers(user, filters: Filters) -> dict:
    """{checkpoint: {row key: count}} for the outcomes of cases closed in the period."""
    today = timezone.localdate()
    recorded = Q(recorded_at__isnull=False)
    aggregates = {"recorded": Count("pk", filter=recorded)}
    for key, _, q in OUTCOME_ROWS:
        aggregates[key] = Count("pk", filter=recorded & q)
    aggregates["awaited_due"] = Count("pk", filter=Q(recorded_at__isnull=True, due_on__lte=today))
    aggregates["awaited_later"] = Count("pk", filter=Q(recorded_at__isnull=True, due_on__gt=today))
    by_checkpoint = {
        row["checkpoint"]: row
        for row in ChildOutcome.objects.filter(scoped(user, filters, "case__"))
        .filter(filters.in_period("closed_on"))
        .order_by()
        .values("checkpoint")
        .annotate(**aggregates)
    }
    return by_checkpoint


def outcomes_section(by_checkpoint: dict) -> Section:
    """The outcomes table from {checkpoint: {row key: count}} (outcomes_numbers or the summary's)."""
    checkpoints = list(OutcomeCheckpoint)
    # Short column names: they are the chart's groups too, side by side at a phone's width.
    headings = {
        OutcomeCheckpoint.CLOSURE: "At closure",
        OutcomeCheckpoint.SIX_MONTHS: "At 6 months",
        OutcomeCheckpoint.TWELVE_MONTHS: "At 12 months",
    }

    def value(checkpoint, key):
        return (by_checkpoint.get(checkpoint.value) or {}).get(key, 0)

    labels = (
        [("recorded", "Checks recorded")]
        + [(key, label) for key, label, _ in OUTCOME_ROWS]
        + [("awaited_due", "Checks due and not yet recorded"), ("awaited_later", "Checks not yet due")]
    )
    table = Table(
        slug="outcomes",
        title="Children's outcomes after their case closed",
        columns=("Outcome", *[headings.get(c, c.label) for c in checkpoints]),
        kinds=("text", *["count"] * len(checkpoints)),
        rows=[Row(label, tuple(value(c, key) for c in checkpoints)) for key, label in labels],
        note="One check per child at closure and 6 and 12 months after it, for cases closed in the period. Outcomes are counted only "
        "once recorded; the last rows show the checks still awaited.",
    )
    return Section("outcomes", "Children's outcomes", [table])


SECTIONS = {
    "referrals": referrals_and_meetings,
    "plans": plans,
    "support": support,
    "pre-proceedings": pre_proceedings,
    "outcomes": outcomes,
}


def dashboard(user, filters: Filters) -> list[Section]:
    """Every section of the dashboard, in the page's order, computed from the rows themselves (the
    page reads reports.summary, which gives the same figures from the pre-aggregated summary)."""
    return [build(user, filters) for build in SECTIONS.values()]


__all__ = ["Row", "Section", "Table", "dashboard", "median_days", "money", "SECTIONS"]
