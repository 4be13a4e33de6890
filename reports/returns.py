"""The returns: record-level exports for the national evaluation of family group decision making
(one row per family meeting, one row per child) and the spend return (locality × category × month).

Each return is declared once here — its version, its columns with their type, meaning and codes —
and that one declaration draws the header of every file, the "Returns" page's summary and the data
dictionary in docs/returns.md (tests/reports/test_returns_dictionary.py keeps the two the same).

What leaves the system:
- no names, no dates of birth, no addresses and no free text: codes, dates, counts and money only;
- pseudonymous keys instead of ids: an HMAC-SHA256 of the record's id under
  settings.REPORTS_PSEUDONYM_KEY, so a case keeps its key from one export to the next and nobody
  without the key can work back to the case;
- in the spend return, counts of 1 to 4 as "fewer than 5" (reports.disclosure).

Whose records: reports.scope decides (a team manager their teams' cases, a service manager or head
of service the county, never a case they declared a conflict in). The management command runs as
the council's scheduled export with no person behind it, and exports the county (`user=None`).

Rows are generated from one query per return (correlated subqueries, never a query per row) and
read from the database in chunks, so a county's return streams without being held in memory.
"""

import datetime
import hashlib
import hmac
import io
import itertools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, DecimalField, Exists, F, IntegerField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce, TruncDate, TruncMonth
from django.utils import timezone

from audit.spreadsheets import csv_writer, xlsx_bytes
from fgdm.constants import (
    CloseReason,
    LivingWith,
    MeetingModel,
    MeetingPurpose,
    MeetingStatus,
    Outcome,
    OutcomeCheckpoint,
    PlanStatus,
    PreparationStatus,
    Relationship,
    Stage,
)
from fgdm.models import Child, ChildOutcome, FamilyPlan, LocalAllianceGroup, Meeting, NetworkMember, PreProceedingsOffer
from network_packages.constants import Category, PackageStatus
from network_packages.models import PackageItem, SupportPackage
from payments.constants import PaymentStatus
from payments.models import Payment
from reports.disclosure import exported_count
from reports.scope import Filters, scoped

CHUNK = 2000
YES, NO = "yes", "no"


# -- pseudonymous keys ---------------------------------------------------------------------------

KEY_PREFIXES = {"case": "C", "child": "K", "meeting": "M"}
KEY_LENGTH = 12  # hex digits: 48 bits, no clash to expect among millions of records


def pseudonym(kind: str, pk: int) -> str:
    """The stable, non-reversible key of a case, child or meeting in a return, e.g. "C-3FA94C0B12D7"."""
    digest = hmac.new(
        settings.REPORTS_PSEUDONYM_KEY.encode("utf-8"), f"{kind}:{pk}".encode(), hashlib.sha256
    ).hexdigest()
    return f"{KEY_PREFIXES[kind]}-{digest[:KEY_LENGTH].upper()}"


# -- the declaration of a return -----------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # text, code, key, date, month, integer, count, money, yes/no
    meaning: str
    codes: str = ""


def _codes(choices) -> str:
    return ", ".join(f"`{value}`" for value in choices.values)


@dataclass(frozen=True)
class Return:
    name: str  # "meetings": the URL's and the command's word for it
    version: str  # "meetings 1.0": in every row and in the file's name
    title: str
    summary: str  # one line on the Returns page
    columns: tuple[Column, ...]
    rows: Callable = field(repr=False, compare=False)  # rows(user=…, filters=…) -> iterator of lists

    @property
    def header(self) -> list[str]:
        return [column.name for column in self.columns]

    def filename(self, filters: Filters, extension: str) -> str:
        number = self.version.rsplit(" ", 1)[-1]
        return f"fgdm-{self.name}-return-v{number}-{filters.date_from}-to-{filters.date_to}.{extension}"


def _county_or_scoped(user, filters: Filters, path: str) -> Q:
    """The cases the return covers: the user's figures (reports.scope), or for the operator's
    scheduled export (`user=None`, no person) the county, cut by the same filters."""
    return filters.case_q(path) if user is None else scoped(user, filters, path)


def _alliance_groups() -> dict[int, str]:
    """Locality id → its Local Alliance Groups' codes ("a;b"): one query, read before the rows."""
    groups: dict[int, list[str]] = {}
    for locality_id, code in (
        LocalAllianceGroup.localities.through.objects.order_by("localalliancegroup__code")
        .values_list("locality_id", "localalliancegroup__code")
        .iterator()
    ):
        groups.setdefault(locality_id, []).append(code)
    return {locality_id: ";".join(codes) for locality_id, codes in groups.items()}


def _money(value) -> Decimal:
    return (value or Decimal("0")).quantize(Decimal("0.01"))


def _yes_no(value) -> str:
    if value is None:
        return ""
    return YES if value else NO


def _count_of(queryset, group_by: str) -> Subquery:
    """How many rows of `queryset` (already tied to the outer row), as a number (0 when none)."""
    return Coalesce(
        Subquery(queryset.order_by().values(group_by).annotate(n=Count("pk")).values("n")[:1]),
        Value(0),
        output_field=IntegerField(),
    )


# A package's money counts once: its version in force (approved), or — if the package ended — its
# last approved version. A version replaced by a later approved one is left out (its successor
# carries the package), so a change approved again is not counted twice.
COUNTED_STATUSES = (PackageStatus.APPROVED, PackageStatus.ENDED)


def _counted(prefix: str = "") -> Q:
    """Packages (through `prefix`, e.g. "package__") whose money a return counts."""
    replaced = SupportPackage.objects.filter(previous=OuterRef(prefix.rstrip("_") + "_id" if prefix else "pk")).filter(
        status__in=COUNTED_STATUSES
    )
    return Q(**{f"{prefix}status__in": COUNTED_STATUSES}) & ~Q(Exists(replaced))


def _package_total(**tie) -> Coalesce:
    packages = SupportPackage.objects.filter(_counted(), **tie)
    key = next(iter(tie))
    return Coalesce(
        Subquery(packages.order_by().values(key).annotate(total=Sum("total")).values("total")[:1]),
        Value(Decimal("0.00")),
        output_field=DecimalField(max_digits=14, decimal_places=2),
    )


def _categories(**tie) -> dict[str, Exists]:
    """One flag per item category: has a counted package tied to the row an item of it?"""
    items = PackageItem.objects.filter(_counted("package__"), **tie)
    return {f"category_{code}": Exists(items.filter(category=code)) for code in Category.values}


def _joined_categories(row: dict) -> str:
    return ";".join(code for code in Category.values if row[f"category_{code}"])


# -- meetings ------------------------------------------------------------------------------------

MEETINGS_VERSION = "meetings 1.0"
RELATIONSHIPS = tuple(Relationship.values)

MEETING_COLUMNS = (
    Column("return_version", "text", "The return and its version.", f"`{MEETINGS_VERSION}`"),
    Column("case_key", "key", "The family's case, pseudonymous (`C-` and 12 hex digits); the same in every export."),
    Column("meeting_key", "key", "The meeting, pseudonymous (`M-` and 12 hex digits); the same in every export."),
    Column("locality", "code", "The case's locality.", "locality codes (`east`, `west`, …)"),
    Column(
        "alliance_groups",
        "codes",
        "The Local Alliance Group(s) the locality belongs to, `;` between codes.",
        "Local Alliance Group codes",
    ),
    Column("hub", "text", "The case's family hub (a public building's name), blank if none."),
    Column("team", "code", "The team the case belongs to.", "team codes"),
    Column("stage", "code", "The case's stage at the time of the export.", _codes(Stage)),
    Column("referral_date", "date", "The day the referral was received (the case opened)."),
    Column(
        "offer_date",
        "date",
        "The day the meeting was offered: for a first meeting in a case with a pre-proceedings offer, "
        "the earliest such offer; otherwise the day the meeting was arranged in the system.",
    ),
    Column(
        "offer_date_source",
        "code",
        "Which date `offer_date` is.",
        "`pre_proceedings_offer`, `arranged`",
    ),
    Column(
        "meeting_date",
        "date",
        "The day the meeting was held; for one not held (scheduled, prepared, cancelled) the day it was "
        "scheduled for. The period of the return is applied to this date.",
    ),
    Column("plan_date", "date", "The day the family agreed the meeting's first plan; blank if no plan."),
    Column("meeting_kind", "code", "Family Network Meeting or Family Group Conference.", _codes(MeetingModel)),
    Column("purpose", "code", "Why the meeting was held.", _codes(MeetingPurpose)),
    Column(
        "status",
        "code",
        "Where the meeting stands. Every meeting is in the return: held, arranged and cancelled.",
        _codes(MeetingStatus),
    ),
    Column(
        "private_family_time", "yes/no", "Whether the family had private time without professionals.", "`yes`, `no`"
    ),
    Column("private_family_time_minutes", "integer", "How long the private family time was, blank if not recorded."),
    Column(
        "attendees_recorded",
        "integer",
        "How many people the meeting's record names as attending (professionals and the child "
        "included); blank for a meeting not held. The names themselves never leave the system.",
    ),
    *(
        Column(
            f"network_{code}",
            "integer",
            f"Network members whose relationship is `{code}` who could take part on the meeting day: on "
            "the family's network then (not removed before it), not excluded from meetings and not "
            "declining to take part. The system records attendance as free text only, so this is the "
            "network invited, not a head count.",
        )
        for code in RELATIONSHIPS
    ),
    Column("children", "integer", "How many children the case is about (children removed from the record left out)."),
    Column("plan_agreed", "yes/no", "Whether the family agreed a plan at this meeting.", "`yes`, `no`"),
    Column(
        "plan_status",
        "code",
        "Where the meeting's latest plan stands; blank if no plan.",
        _codes(PlanStatus),
    ),
    Column(
        "package_total",
        "money",
        "Pounds of support approved for plans made at this meeting (each package counted once: the "
        "version in force, or the last approved version of one that ended). 0.00 if none.",
    ),
    Column(
        "package_categories",
        "codes",
        "The categories of the items of those packages, `;` between codes; blank if none.",
        _codes(Category),
    ),
    Column("case_outcome", "code", "The case's outcome at closure; blank while open.", _codes(Outcome)),
    Column("close_reason", "code", "Why the case closed; blank while open.", _codes(CloseReason)),
)


def meeting_rows(*, user, filters: Filters) -> Iterator[list]:
    """One row per family meeting of the cases in scope whose meeting date falls in the period."""
    day = Coalesce("held_on", TruncDate("scheduled_for"))
    network = NetworkMember.objects.filter(case=OuterRef("case_id"), excluded_from_meetings=False).exclude(
        preparation_status__in=(PreparationStatus.DECLINED, PreparationStatus.EXCLUDED)
    )
    network = network.filter(Q(removed_at__isnull=True) | Q(removed_at__date__gt=OuterRef("meeting_day")))
    plans = FamilyPlan.objects.filter(meeting=OuterRef("pk"))
    meetings = (
        Meeting.objects.filter(_county_or_scoped(user, filters, "case__"))
        .annotate(meeting_day=day)
        .filter(filters.in_period("meeting_day"))
        .annotate(
            pp_offer=Subquery(
                PreProceedingsOffer.objects.filter(record__case=OuterRef("case_id"))
                .order_by("offered_on")
                .values("offered_on")[:1]
            ),
            plan_date=Subquery(plans.order_by("version").values("agreed_on")[:1]),
            plan_status=Subquery(plans.order_by("-version").values("status")[:1]),
            n_children=_count_of(Child.objects.filter(case=OuterRef("case_id"), removed_at__isnull=True), "case"),
            package_total=_package_total(plan__meeting=OuterRef("pk")),
            **_categories(package__plan__meeting=OuterRef("pk")),
            **{f"network_{code}": _count_of(network.filter(relationship=code), "case") for code in RELATIONSHIPS},
        )
        .order_by("meeting_day", "pk")
        .values(
            "pk",
            "case_id",
            "case__locality_id",
            "case__locality__code",
            "case__hub__name",
            "case__team__code",
            "case__stage",
            "case__opened_on",
            "case__outcome",
            "case__close_reason",
            "created_at",
            "meeting_day",
            "model",
            "purpose",
            "status",
            "private_family_time",
            "private_family_time_minutes",
            "attendees",
            "pp_offer",
            "plan_date",
            "plan_status",
            "n_children",
            "package_total",
            *(f"category_{code}" for code in Category.values),
            *(f"network_{code}" for code in RELATIONSHIPS),
        )
    )
    groups = _alliance_groups()
    for row in meetings.iterator(chunk_size=CHUNK):
        held = row["status"] == MeetingStatus.HELD
        if row["purpose"] == MeetingPurpose.FIRST and row["pp_offer"] is not None:
            offered, source = row["pp_offer"], "pre_proceedings_offer"
        else:
            offered, source = timezone.localtime(row["created_at"]).date(), "arranged"
        yield [
            MEETINGS_VERSION,
            pseudonym("case", row["case_id"]),
            pseudonym("meeting", row["pk"]),
            row["case__locality__code"],
            groups.get(row["case__locality_id"], ""),
            row["case__hub__name"] or "",
            row["case__team__code"],
            row["case__stage"],
            row["case__opened_on"],
            offered,
            source,
            row["meeting_day"],
            row["plan_date"] or "",
            row["model"],
            row["purpose"],
            row["status"],
            _yes_no(row["private_family_time"]) if held else "",
            row["private_family_time_minutes"] if row["private_family_time_minutes"] is not None else "",
            _named(row["attendees"]) if held else "",
            *(row[f"network_{code}"] for code in RELATIONSHIPS),
            row["n_children"],
            _yes_no(row["plan_date"] is not None),
            row["plan_status"] or "",
            _money(row["package_total"]),
            _joined_categories(row),
            row["case__outcome"] or "",
            row["case__close_reason"] or "",
        ]


def _named(attendees: str) -> int:
    """How many people a meeting's free-text record of attendance names (commas, semicolons, lines)."""
    return sum(1 for name in re.split(r"[,;\n]", attendees or "") if name.strip())


# -- children ------------------------------------------------------------------------------------

CHILDREN_VERSION = "children 1.0"
AGE_BANDS = ("unborn", "under_1", "1_to_4", "5_to_9", "10_to_15", "16_to_17", "18_plus", "unknown")
CHECKPOINTS = (
    (OutcomeCheckpoint.CLOSURE, "closure"),
    (OutcomeCheckpoint.SIX_MONTHS, "6m"),
    (OutcomeCheckpoint.TWELVE_MONTHS, "12m"),
)
OUTCOME_FIELDS = (
    ("living_with", "living_with", "code", "Who the child lived with.", _codes(LivingWith)),
    (
        "on_child_protection_plan",
        "on_cp_plan",
        "yes/no",
        "Whether the child was on a child protection plan.",
        "`yes`, `no`",
    ),
    ("proceedings_issued", "proceedings_issued", "yes/no", "Whether care proceedings had been issued.", "`yes`, `no`"),
    ("entered_care", "entered_care", "yes/no", "Whether the child had entered care.", "`yes`, `no`"),
)
_CHECKPOINT_WORDS = {"closure": "at closure", "6m": "6 months after closure", "12m": "12 months after closure"}

CHILD_COLUMNS = (
    Column("return_version", "text", "The return and its version.", f"`{CHILDREN_VERSION}`"),
    Column("child_key", "key", "The child, pseudonymous (`K-` and 12 hex digits); the same in every export."),
    Column("case_key", "key", "The child's case, pseudonymous (`C-`…): the same key as in the meetings return."),
    Column(
        "age_band",
        "code",
        "The child's age on the referral date, in bands (the date of birth never leaves the system); "
        "`unborn` for a child expected then, `unknown` if no date of birth is recorded.",
        ", ".join(f"`{band}`" for band in AGE_BANDS),
    ),
    Column("locality", "code", "The case's locality.", "locality codes"),
    Column(
        "alliance_groups",
        "codes",
        "The locality's Local Alliance Group(s), `;` between codes.",
        "Local Alliance Group codes",
    ),
    Column("stage", "code", "The case's stage at the time of the export.", _codes(Stage)),
    Column(
        "referral_date",
        "date",
        "The day the referral was received (the case opened). The period of the return is applied to this date.",
    ),
    Column("first_meeting_date", "date", "The day the case's first meeting was held; blank if none has been."),
    Column("first_meeting_kind", "code", "The kind of that meeting; blank if none.", _codes(MeetingModel)),
    Column("plan_agreed", "yes/no", "Whether the family has agreed a plan at any meeting of the case.", "`yes`, `no`"),
    Column(
        "package_total",
        "money",
        "Pounds of support approved for the case (each package counted once, as in the meetings return).",
    ),
    Column(
        "package_categories", "codes", "The categories of those packages' items, `;` between codes.", _codes(Category)
    ),
    Column(
        "case_status",
        "code",
        "Whether the case is open, closed or its referral declined (`closed`, `declined`, or the open step).",
    ),
    Column("closed_date", "date", "The day the case closed; blank while open."),
    Column("case_outcome", "code", "The case's outcome at closure; blank while open.", _codes(Outcome)),
    Column("close_reason", "code", "Why the case closed; blank while open.", _codes(CloseReason)),
    *(
        Column(
            f"{prefix}_{suffix}",
            type_,
            f"{meaning} Checked {_CHECKPOINT_WORDS[prefix]}; blank until that check is recorded.",
            codes,
        )
        for _, prefix in CHECKPOINTS
        for _, suffix, type_, meaning, codes in OUTCOME_FIELDS
    ),
)


def age_band(born: datetime.date | None, expected: datetime.date | None, on: datetime.date) -> str:
    """The band of a child's age on a day (their date of birth stays here)."""
    if born is None or born > on:
        return "unborn" if expected is not None or born is not None else "unknown"
    years = on.year - born.year - ((on.month, on.day) < (born.month, born.day))
    for band, below in (("under_1", 1), ("1_to_4", 5), ("5_to_9", 10), ("10_to_15", 16), ("16_to_17", 18)):
        if years < below:
            return band
    return "18_plus"


def child_rows(*, user, filters: Filters) -> Iterator[list]:
    """One row per child (on record) of the cases in scope referred within the period."""
    first_held = Meeting.objects.filter(case=OuterRef("case_id"), status=MeetingStatus.HELD).order_by("held_on", "pk")
    outcomes = {}
    for checkpoint, prefix in CHECKPOINTS:
        recorded = ChildOutcome.objects.filter(
            child=OuterRef("pk"), checkpoint=checkpoint, recorded_at__isnull=False
        ).order_by("-closed_on", "-pk")
        for model_field, suffix, *_ in OUTCOME_FIELDS:
            outcomes[f"{prefix}_{suffix}"] = Subquery(recorded.values(model_field)[:1])
    children = (
        Child.objects.filter(removed_at__isnull=True)
        .filter(_county_or_scoped(user, filters, "case__"), filters.in_period("case__opened_on"))
        .annotate(
            first_meeting_date=Subquery(first_held.values("held_on")[:1]),
            first_meeting_kind=Subquery(first_held.values("model")[:1]),
            plan_agreed=Exists(FamilyPlan.objects.filter(case=OuterRef("case_id"))),
            package_total=_package_total(case=OuterRef("case_id")),
            **_categories(package__case=OuterRef("case_id")),
            **outcomes,
        )
        .order_by("case__opened_on", "case_id", "pk")
        .values(
            "pk",
            "case_id",
            "date_of_birth",
            "expected_on",
            "case__locality_id",
            "case__locality__code",
            "case__stage",
            "case__opened_on",
            "case__status",
            "case__closed_on",
            "case__outcome",
            "case__close_reason",
            "first_meeting_date",
            "first_meeting_kind",
            "plan_agreed",
            "package_total",
            *(f"category_{code}" for code in Category.values),
            *outcomes,
        )
    )
    groups = _alliance_groups()
    for row in children.iterator(chunk_size=CHUNK):
        checks = []
        for _, prefix in CHECKPOINTS:
            for _, suffix, type_, *_ in OUTCOME_FIELDS:
                value = row[f"{prefix}_{suffix}"]
                checks.append(_yes_no(value) if type_ == "yes/no" else (value or ""))
        yield [
            CHILDREN_VERSION,
            pseudonym("child", row["pk"]),
            pseudonym("case", row["case_id"]),
            age_band(row["date_of_birth"], row["expected_on"], row["case__opened_on"]),
            row["case__locality__code"],
            groups.get(row["case__locality_id"], ""),
            row["case__stage"],
            row["case__opened_on"],
            row["first_meeting_date"] or "",
            row["first_meeting_kind"] or "",
            _yes_no(row["plan_agreed"]),
            _money(row["package_total"]),
            _joined_categories(row),
            row["case__status"],
            row["case__closed_on"] or "",
            row["case__outcome"] or "",
            row["case__close_reason"] or "",
            *checks,
        ]


# -- spend ---------------------------------------------------------------------------------------

SPEND_VERSION = "spend 1.0"
SMALL = "Counts of 1 to 4 are shown as `fewer than 5` (reports.disclosure); 0 stays 0."

SPEND_COLUMNS = (
    Column("return_version", "text", "The return and its version.", f"`{SPEND_VERSION}`"),
    Column("locality", "code", "The locality of the cases.", "locality codes"),
    Column("category", "code", "The category of the package items.", _codes(Category)),
    Column("month", "month", "The calendar month (`YYYY-MM`) of the approval or of the payment."),
    Column(
        "approved_amount",
        "money",
        "Pounds approved in the month: the items (amount × instalments) of package versions approved "
        "that month, each package counted once (a version later replaced by an approved change is "
        "left out; the change counts in the month it was approved).",
    ),
    Column(
        "approved_packages", "count", f"How many packages those items belong to. {SMALL}", "a number or `fewer than 5`"
    ),
    Column(
        "approved_families",
        "count",
        f"How many families (cases) those packages support. {SMALL}",
        "a number or `fewer than 5`",
    ),
    Column("paid_amount", "money", "Pounds paid in the month (payments marked paid, by the day they were paid)."),
    Column("paid_payments", "count", f"How many payments those are. {SMALL}", "a number or `fewer than 5`"),
    Column("paid_families", "count", f"How many families (cases) were paid. {SMALL}", "a number or `fewer than 5`"),
)


def spend_rows(*, user, filters: Filters) -> Iterator[list]:
    """A row per locality, category and month with anything approved or paid in the period
    (approvals by the day the package version was approved, payments by the day they were paid)."""
    month_key = "%Y-%m"
    approved = (
        PackageItem.objects.filter(
            _counted("package__"),
            _county_or_scoped(user, filters, "package__case__"),
            filters.in_period("package__decided_at__date"),
        )
        .annotate(month=TruncMonth("package__decided_at"))
        .order_by()
        .values("package__case__locality__code", "category", "month")
        .annotate(
            amount=Sum(F("amount") * F("instalments"), output_field=DecimalField(max_digits=14, decimal_places=2)),
            packages=Count("package", distinct=True),
            families=Count("package__case", distinct=True),
        )
    )
    paid = (
        Payment.objects.filter(
            _county_or_scoped(user, filters, "case__"),
            filters.in_period("paid_at__date"),
            status=PaymentStatus.PAID,
        )
        .annotate(month=TruncMonth("paid_at"))
        .order_by()
        .values("case__locality__code", "item__category", "month")
        .annotate(amount=Sum("amount"), payments=Count("pk"), families=Count("case", distinct=True))
    )
    lines: dict[tuple[str, str, str], dict] = {}
    for row in approved:
        key = (row["package__case__locality__code"], row["category"], _month(row["month"], month_key))
        lines.setdefault(key, {})["approved"] = row
    for row in paid:
        key = (row["case__locality__code"], row["item__category"], _month(row["month"], month_key))
        lines.setdefault(key, {})["paid"] = row
    for (locality, category, month), line in sorted(lines.items()):
        a, p = line.get("approved", {}), line.get("paid", {})
        yield [
            SPEND_VERSION,
            locality,
            category,
            month,
            _money(a.get("amount")),
            exported_count(a.get("packages")),
            exported_count(a.get("families")),
            _money(p.get("amount")),
            exported_count(p.get("payments")),
            exported_count(p.get("families")),
        ]


def _month(value, fmt: str) -> str:
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
    return value.strftime(fmt)


# -- the returns, and their files ----------------------------------------------------------------

RETURNS: dict[str, Return] = {
    r.name: r
    for r in (
        Return(
            name="meetings",
            version=MEETINGS_VERSION,
            title="Family meetings",
            summary="One row per family meeting (held, arranged or cancelled) dated in the period: dates of "
            "referral, offer, meeting and plan, kind, who could attend by relationship, plan and package.",
            columns=MEETING_COLUMNS,
            rows=meeting_rows,
        ),
        Return(
            name="children",
            version=CHILDREN_VERSION,
            title="Children",
            summary="One row per child of the cases referred in the period: age band, first meeting, plan, "
            "package, and the outcome at closure and 6 and 12 months after.",
            columns=CHILD_COLUMNS,
            rows=child_rows,
        ),
        Return(
            name="spend",
            version=SPEND_VERSION,
            title="Spend",
            summary="Support approved and paid in the period, by locality, category and month, with counts "
            "of packages, payments and families (small numbers suppressed).",
            columns=SPEND_COLUMNS,
            rows=spend_rows,
        ),
    )
}
FORMATS = ("csv", "xlsx")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def csv_chunks(the_return: Return, *, user, filters: Filters) -> Iterator[bytes]:
    """The return as CSV, a line of bytes at a time (for a streamed response or a file)."""
    out = io.StringIO(newline="")
    writer = csv_writer(out, lineterminator="\r\n")
    for row in itertools.chain([the_return.header], the_return.rows(user=user, filters=filters)):
        writer.writerow(row)
        yield out.getvalue().encode("utf-8")
        out.seek(0)
        out.truncate()


def xlsx_file(the_return: Return, *, user, filters: Filters) -> bytes:
    """The return as an .xlsx workbook of one sheet (money as numbers shown 0.00, dates as dates)."""
    return xlsx_bytes(
        title=the_return.title, header=the_return.header, rows=the_return.rows(user=user, filters=filters)
    )
