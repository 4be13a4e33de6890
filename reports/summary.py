"""The dashboard from pre-aggregated figures: the same numbers as reports.figures, read from
`FigureCount` in four queries whatever the number of cases.

Building (`refresh`): for each figure, the rows that count (the rules of reports.figures, each on
its own date) are grouped by day and by the case's locality, hub, team and stage, with how many and
their sum; a median keeps its histogram (whole days → how many) and so stays exact. A figure that
compares with today (actions overdue, outcome checks due) keeps the date it compares, and the page
compares it when it reads. A family counted once however many packages it had in the period keeps
the day of its previous first-version package (`other`): it counts where that one is before the
period.

Reading (`dashboard`): the period and the filters cut the summary's rows as they cut the cases. The
conflict rule (reports.scope: nobody counts a case they declared a conflict in): the person's
conflicted cases (a handful) are summarised on the spot, from their own rows, in their scope and
cut, and taken away from the sums, counts and histograms; when the largest package was one of
theirs, the largest is read again from the packages. Before the first refresh the page computes
the figures from the rows themselves (reports.figures).

Keeping it: `refresh()` recomputes the months touched since the last refresh (the months of every
date of the cases with an audit event since then, and the current month), and all of it when the
last whole rebuild is older than `FGDM_FIGURES_FULL_MINUTES`. The timer job `refresh_figures`
runs it every 5 minutes (process.timers); the page says "figures as of HH:MM".
"""

import datetime
import hashlib
import threading
from collections import OrderedDict, defaultdict
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connection, transaction
from django.db.models import Case as CaseWhen  # fgdm.models.Case is a family's case
from django.db.models import (
    CharField,
    Count,
    DateField,
    DecimalField,
    DurationField,
    Exists,
    F,
    Max,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, TruncDate, TruncMonth
from django.utils import timezone

from audit.models import DomainEvent
from fgdm.constants import ActionStatus, CaseStatus, CloseReason, MeetingStatus, OfferAnswer, PlanStatus
from fgdm.models import (
    Case,
    ChildOutcome,
    DeclaredConflict,
    FamilyPlan,
    Meeting,
    PlanAction,
    PreProceedings,
    PreProceedingsOffer,
    Team,
)
from network_packages.constants import PackageStatus
from network_packages.models import PackageItem, SupportPackage
from network_packages.selectors import SENT_TO_THE_BANK
from reports import figures
from reports.figures import OUTCOME_ROWS, ZERO, Section, money
from reports.models import FigureCount, FigureMonth, FigureRefresh
from reports.scope import Filters, county_wide, may_see_figures

# Changes committed up to this long after their audit event's time are still picked up.
OVERLAP = datetime.timedelta(minutes=10)
APPROVED = [PackageStatus.APPROVED, PackageStatus.ENDED]


def _full_minutes() -> int:
    return int(getattr(settings, "FGDM_FIGURES_FULL_MINUTES", 60))


# -- building ---------------------------------------------------------------------------------------


def _dims(path: str) -> dict:
    return {
        "d_locality": F(f"{path}locality_id"),
        "d_hub": F(f"{path}hub_id"),
        "d_team": F(f"{path}team_id"),
        "d_stage": F(f"{path}stage"),
    }


def _local(moment) -> datetime.date:
    return timezone.localtime(moment).date()


class _Window:
    """The days being rebuilt: [start, end), or every day (both None); `cases(path)`, if given, the Q
    that keeps only some cases (through `path`)."""

    def __init__(self, start: datetime.date | None = None, end: datetime.date | None = None, cases=None):
        self.start, self.end, self.cases = start, end, cases

    def only(self, path: str) -> Q:
        return self.cases(path) if self.cases else Q()

    def dates(self, lookup: str) -> Q:
        if self.start is None:
            return Q(**{f"{lookup}__isnull": False})
        return Q(**{f"{lookup}__gte": self.start, f"{lookup}__lt": self.end})

    def moments(self, lookup: str) -> Q:
        if self.start is None:
            return Q(**{f"{lookup}__isnull": False})
        zone = timezone.get_current_timezone()
        start = datetime.datetime.combine(self.start, datetime.time.min, tzinfo=zone)
        end = datetime.datetime.combine(self.end, datetime.time.min, tzinfo=zone)
        return Q(**{f"{lookup}__gte": start, f"{lookup}__lt": end})


def _grouped(w, figure: str, queryset, path: str, day, *, key=None, days=None, other=None, amount=None, largest=None):
    """The rows of `figure` from `queryset` grouped by day (an expression), the case's cut and the
    extras: a values() queryset with the same columns, of the same types, for every figure (absent
    extras are typed NULLs), so that the figures of a few cases are read in one UNION ALL
    (`_conflict_rows`). `_count` makes each of its rows a FigureCount."""
    queryset = queryset.filter(w.only(path))
    group = {
        "g_figure": Value(figure, output_field=CharField()),
        **_dims(path),
        "g_day": day,
        "g_key": Cast(Value("") if key is None else key, output_field=CharField()),
        "g_days": _null(DurationField()) if days is None else days,
        "g_other": _null(DateField()) if other is None else other,
    }
    no_money = _null(DecimalField(max_digits=12, decimal_places=2))
    return (
        queryset.order_by()
        .values(**group)
        .annotate(
            g_n=Count("pk"),
            g_amount=no_money if amount is None else amount,
            g_largest=no_money if largest is None else largest,
        )
    )


def _null(field):
    """A NULL of the field's type (PostgreSQL types a UNION's columns pair by pair: a bare NULL in
    the first two would make the column text)."""
    return Cast(Value(None), output_field=field)


def _count(row: dict) -> FigureCount:
    gap = row["g_days"]
    if isinstance(gap, datetime.timedelta):
        gap = gap.days
    return FigureCount(
        figure=row["g_figure"],
        day=row["g_day"],
        locality_id=row["d_locality"],
        hub_id=row["d_hub"],
        team_id=row["d_team"],
        stage=row["d_stage"],
        key=str(row["g_key"] or ""),
        days=gap,
        other=row["g_other"],
        n=row["g_n"],
        amount=money(row["g_amount"]),
        largest=money(row["g_largest"]) if row["g_largest"] is not None else None,
    )


def _rows(w: _Window):
    """Every FigureCount of the days in the window, computed from the rows themselves: a query per
    figure (each reads its own dates' index), then the families and the outcomes recorded."""
    for query in _grouped_figures(w):
        for row in query:
            yield _count(row)
    yield from _families(w)
    yield from _outcomes(w)


def _grouped_figures(w: _Window) -> list:
    """The figures made by _grouped (every figure but the families and the outcomes recorded), each
    as its query, in the same columns."""
    queries = []

    def g(*args, **kwargs):
        queries.append(_grouped(w, *args, **kwargs))

    local = lambda lookup: TruncDate(lookup)  # noqa: E731 - the local day of a moment (settings.TIME_ZONE)
    cases = Case.objects.all()
    g("received", cases.filter(w.dates("opened_on")), "", F("opened_on"))
    g("declined", cases.filter(w.dates("closed_on"), status=CaseStatus.DECLINED), "", F("closed_on"))
    g(
        "family_declined",
        cases.filter(w.dates("closed_on"), close_reason=CloseReason.FAMILY_DECLINED),
        "",
        F("closed_on"),
    )
    meetings = Meeting.objects.all()
    g("offered", meetings.filter(w.moments("created_at")), "case__", local("created_at"), key=F("model"))
    g("held", meetings.filter(w.dates("held_on"), status=MeetingStatus.HELD), "case__", F("held_on"), key=F("model"))
    g(
        "cancelled",
        meetings.filter(w.moments("cancelled_at"), status=MeetingStatus.CANCELLED),
        "case__",
        local("cancelled_at"),
        key=F("model"),
    )
    earlier_meeting = Meeting.objects.filter(case=OuterRef("case"), status=MeetingStatus.HELD).filter(
        Q(held_on__lt=OuterRef("held_on")) | Q(held_on=OuterRef("held_on"), pk__lt=OuterRef("pk"))
    )
    g(
        "to_meeting",
        meetings.filter(w.dates("held_on"), status=MeetingStatus.HELD).exclude(Exists(earlier_meeting)),
        "case__",
        F("held_on"),
        days=figures._days_between("held_on", "case__opened_on"),
    )
    earlier_plan = FamilyPlan.objects.filter(meeting=OuterRef("meeting")).filter(
        Q(agreed_on__lt=OuterRef("agreed_on")) | Q(agreed_on=OuterRef("agreed_on"), pk__lt=OuterRef("pk"))
    )
    plans = FamilyPlan.objects.all()
    g(
        "to_plan",
        plans.filter(w.dates("agreed_on"), meeting__status=MeetingStatus.HELD).exclude(Exists(earlier_plan)),
        "case__",
        F("agreed_on"),
        days=figures._days_between("agreed_on", "meeting__held_on"),
    )
    g("plan_agreed", plans.filter(w.dates("agreed_on"), version=1), "case__", F("agreed_on"))
    g("plan_agreed", plans.filter(w.dates("agreed_on"), version__gt=1), "case__", F("agreed_on"), key=F("version"))
    g(
        "plan_accepted",
        plans.filter(w.moments("decided_at"), return_reason="").exclude(status=PlanStatus.AGREED),
        "case__",
        local("decided_at"),
    )
    g("plan_returned", plans.filter(w.moments("decided_at")).exclude(return_reason=""), "case__", local("decided_at"))
    actions = PlanAction.objects.all()
    g("action_done", actions.filter(w.dates("done_on"), status=ActionStatus.DONE), "plan__case__", F("done_on"))
    g(
        "action_open",
        actions.filter(
            w.dates("due_by"), status=ActionStatus.OPEN, plan__status__in=[PlanStatus.AGREED, PlanStatus.ACCEPTED]
        ),
        "plan__case__",
        F("due_by"),
    )
    replaced = Q(later_versions__status__in=APPROVED)
    g(
        "item",
        PackageItem.objects.filter(w.moments("package__decided_at"), package__status__in=APPROVED).exclude(
            Q(package__later_versions__status__in=APPROVED)
        ),
        "package__case__",
        local("package__decided_at"),
        key=F("category"),
        amount=Sum(F("amount") * F("instalments")),
    )
    g(
        "package",
        SupportPackage.objects.filter(w.moments("decided_at"), status__in=APPROVED).exclude(replaced),
        "case__",
        local("decided_at"),
        key=F("required_tier"),
        amount=Sum("total"),
        largest=Max("total"),
    )
    for status, amount in ((PackageStatus.APPROVED, Sum("total")), (PackageStatus.ENDED, SENT_TO_THE_BANK)):
        g(
            "spent",
            SupportPackage.objects.filter(w.moments("decided_at"), status=status),
            "case__",
            local("decided_at"),
            key=F("status"),
            amount=amount,
        )
    records = PreProceedings.objects.all()
    for figure, lookup in (
        ("pp_intended", "intended_on"),
        ("pp_exempt", "exemption_decided_on"),
        ("pp_application", "application_made_on"),
    ):
        g(figure, records.filter(w.dates(lookup)), "case__", F(lookup))
    offers = PreProceedingsOffer.objects.all()
    g("offer_made", offers.filter(w.dates("offered_on")), "record__case__", F("offered_on"))
    g("offer_answer", offers.filter(w.dates("answered_on")), "record__case__", F("answered_on"), key=F("answer"))
    before_application = Q(case__pre_proceedings__application_made_on__isnull=True) | Q(
        case__pre_proceedings__application_made_on__gte=F("held_on")
    )
    g(
        "pp_meeting",
        meetings.filter(w.dates("held_on"), status=MeetingStatus.HELD)
        .filter(case__pre_proceedings__intended_on__lte=F("held_on"))
        .filter(before_application),
        "case__",
        F("held_on"),
    )
    g(
        "outcome_awaited",
        ChildOutcome.objects.filter(w.dates("case__closed_on"), w.only("case__"), recorded_at__isnull=True),
        "case__",
        F("case__closed_on"),
        key=F("checkpoint"),
        other=F("due_on"),
    )
    return queries


def _families(w: _Window):
    """First versions approved, each with the day of the case's previous first version (so a family
    counts once in a period) and whether the case has more than one (a repeat)."""
    roots = SupportPackage.objects.filter(status__in=APPROVED, previous__isnull=True)
    previous = roots.filter(case=OuterRef("case")).filter(
        Q(decided_at__lt=OuterRef("decided_at")) | Q(decided_at=OuterRef("decided_at"), pk__lt=OuterRef("pk"))
    )
    how_many = roots.filter(case=OuterRef("case")).order_by().values("case").annotate(c=Count("pk")).values("c")
    counts: dict[tuple, int] = defaultdict(int)
    for row in (
        roots.filter(w.moments("decided_at"), w.only("case__"))
        .order_by()
        .values(**_dims("case__"), at=F("decided_at"))
        .annotate(
            before=Subquery(previous.order_by("-decided_at", "-pk").values("decided_at")[:1]),
            roots=Subquery(how_many),
        )
    ):
        before = _local(row["before"]) if row["before"] else None
        cut = (row["d_locality"], row["d_hub"], row["d_team"], row["d_stage"])
        counts[(*cut, _local(row["at"]), before, "repeat" if row["roots"] > 1 else "")] += 1
    for (locality, hub, team, stage, day, before, key), n in counts.items():
        yield FigureCount(
            figure="family",
            day=day,
            locality_id=locality,
            hub_id=hub,
            team_id=team,
            stage=stage,
            key=key,
            other=before,
            n=n,
        )


def _outcomes(w: _Window):
    """Outcome checks of cases closed on each day, recorded, by what they found (the ones awaited, by
    the day they fall due, are a figure of _grouped_figures)."""
    outcomes = ChildOutcome.objects.filter(w.dates("case__closed_on"), w.only("case__"))
    recorded = {"recorded": Count("pk")}
    for key, _, q in OUTCOME_ROWS:
        recorded[key] = Count("pk", filter=q)
    for row in (
        outcomes.filter(recorded_at__isnull=False)
        .order_by()
        .values(**_dims("case__"), g_day=F("case__closed_on"), g_checkpoint=F("checkpoint"))
        .annotate(**recorded)
    ):
        for key in recorded:
            if row[key]:
                yield FigureCount(
                    figure="outcome",
                    day=row["g_day"],
                    locality_id=row["d_locality"],
                    hub_id=row["d_hub"],
                    team_id=row["d_team"],
                    stage=row["d_stage"],
                    key=f"{row['g_checkpoint']}:{key}",
                    n=row[key],
                )


def _month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def _next_month(day: datetime.date) -> datetime.date:
    return (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


def touched_months(since: datetime.datetime) -> set[datetime.date]:
    """The first days of the months holding any date of the cases with an audit event since `since`
    (each figure's date is a date of the case's own rows), and of the current month."""
    cases = DomainEvent.objects.filter(at__gte=since, case_id__isnull=False).values("case_id")
    months = {_month_start(timezone.localdate())}
    plain = [
        (Case.objects.filter(pk__in=cases), ["opened_on", "closed_on"]),
        (Meeting.objects.filter(case_id__in=cases), ["held_on"]),
        (FamilyPlan.objects.filter(case_id__in=cases), ["agreed_on"]),
        (PlanAction.objects.filter(plan__case_id__in=cases), ["done_on", "due_by"]),
        (
            PreProceedings.objects.filter(case_id__in=cases),
            ["intended_on", "exemption_decided_on", "application_made_on"],
        ),
        (PreProceedingsOffer.objects.filter(record__case_id__in=cases), ["offered_on", "answered_on"]),
    ]
    for queryset, fields in plain:
        for field in fields:
            for month in queryset.filter(**{f"{field}__isnull": False}).dates(field, "month"):
                months.add(month)
    moments = [
        (Meeting.objects.filter(case_id__in=cases), ["created_at", "cancelled_at"]),
        (FamilyPlan.objects.filter(case_id__in=cases), ["decided_at"]),
        (SupportPackage.objects.filter(case_id__in=cases), ["decided_at"]),
    ]
    for queryset, fields in moments:
        for field in fields:
            for moment in queryset.filter(**{f"{field}__isnull": False}).datetimes(field, "month"):
                months.add(timezone.localtime(moment).date().replace(day=1))
    return months


ROLLED = ("figure", "locality_id", "hub_id", "team_id", "stage", "key", "days", "other")


def _roll_up(start: datetime.date | None = None, end: datetime.date | None = None) -> None:
    """Add up the days of [start, end) (every day if None) into their months (FigureMonth)."""
    days = FigureCount.objects.all() if start is None else FigureCount.objects.filter(day__gte=start, day__lt=end)
    rows = (
        days.annotate(month=TruncMonth("day"))
        .order_by()
        .values(*ROLLED, "month")
        .annotate(s_n=Sum("n"), s_amount=Sum("amount"), s_largest=Max("largest"))
    )
    FigureMonth.objects.bulk_create(
        (
            FigureMonth(
                day=row["month"],
                n=row["s_n"],
                amount=row["s_amount"],
                largest=row["s_largest"],
                **{field: row[field] for field in ROLLED},
            )
            for row in rows.iterator(chunk_size=2000)
        ),
        batch_size=2000,
    )


@transaction.atomic
def refresh(*, everything: bool = False, now: datetime.datetime | None = None) -> FigureRefresh:
    """Bring the summary up to date: the months touched since the last refresh, or every month
    (`everything`, or when the last whole rebuild is older than FGDM_FIGURES_FULL_MINUTES)."""
    now = now or timezone.now()
    last = FigureRefresh.objects.select_for_update().first()
    if last is None or everything or now - last.full_at >= datetime.timedelta(minutes=_full_minutes()):
        FigureCount.objects.all().delete()
        FigureMonth.objects.all().delete()
        FigureCount.objects.bulk_create(_rows(_Window()), batch_size=2000)
        _roll_up()
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:  # the planner's statistics for the new rows
                cursor.execute(f"ANALYZE {FigureCount._meta.db_table}, {FigureMonth._meta.db_table}")
        months, full_at = -1, now
    else:
        chosen = sorted(touched_months(last.started_at - OVERLAP))
        for start in chosen:
            end = _next_month(start)
            FigureCount.objects.filter(day__gte=start, day__lt=end).delete()
            FigureMonth.objects.filter(day=start).delete()
            FigureCount.objects.bulk_create(_rows(_Window(start, end)), batch_size=2000)
            _roll_up(start, end)
        months, full_at = len(chosen), last.full_at
    FigureRefresh.objects.all().delete()
    return FigureRefresh.objects.create(
        started_at=now, finished_at=timezone.now(), full_at=full_at, months=max(months, 0)
    )


def differences() -> list[str]:
    """What the stored summary holds that a recompute of every month would not (empty: none)."""

    def key(row: FigureCount) -> tuple:
        return (row.figure, row.day, row.locality_id, row.hub_id, row.team_id, row.stage, row.key, row.days, row.other)

    def table(rows) -> dict:
        found: dict[tuple, list] = {}
        for row in rows:
            total = found.setdefault(key(row), [0, ZERO, None])
            total[0] += row.n
            total[1] += row.amount
            if row.largest is not None:
                total[2] = row.largest if total[2] is None else max(total[2], row.largest)
        return found

    fresh_rows = list(_rows(_Window()))
    stored, fresh = table(FigureCount.objects.iterator()), table(fresh_rows)
    for row in fresh_rows:
        row.day = _month_start(row.day)
    stored.update({("month", *k): v for k, v in table(FigureMonth.objects.iterator()).items()})
    fresh.update({("month", *k): v for k, v in table(fresh_rows).items()})
    return [
        f"{k[0]} {k[1]} {k[2:]}: stored {stored.get(k)}, recomputed {fresh.get(k)}"
        for k in sorted(set(stored) | set(fresh), key=str)
        if stored.get(k) != fresh.get(k)
    ]


# -- reading ----------------------------------------------------------------------------------------


def as_of():
    """The last refresh (None before the first one)."""
    return FigureRefresh.objects.first()


def _median(histogram: dict[int, int]) -> tuple[int, Decimal | None]:
    """How many, and the exact median, of a histogram of whole days (reports.figures.median_days)."""
    count = sum(histogram.values())
    if not count:
        return 0, None
    middle = (count - 1) // 2
    wanted = [middle] if count % 2 else [middle, middle + 1]  # positions in order, from 0
    values, seen = [], 0
    for days in sorted(histogram):
        seen += histogram[days]  # positions up to seen - 1 hold `days`
        while wanted and wanted[0] < seen:
            values.append(Decimal(days))
            wanted.pop(0)
    return count, (sum(values) / len(values)).quantize(Decimal("0.1")).normalize()


def uses_summary(user) -> FigureRefresh | None:
    """The refresh `user`'s figures are read from, or None (before the summary's first refresh, or
    for someone who sees no figures) when they are computed from the rows themselves."""
    if not may_see_figures(user):
        return None
    return as_of()


def _scope(user, filters: Filters) -> Q:
    """Whose figures: the filters, and a team manager's teams (named, so the statements say whose)."""
    if county_wide(user):
        return filters.case_q()
    teams = sorted(Team.managers.through.objects.filter(user=user).values_list("team_id", flat=True))
    return Q(team_id__in=teams) & filters.case_q()


class _Reads:
    """The summary's rows read last (`size` reads at most, the least recently used dropped first),
    by the refresh they were read from and the statements that read them. The summary changes only
    when a refresh commits (with a new FigureRefresh, in the same transaction), and the statements
    hold everything else the rows depend on (the scope, the filters, today): so the same key always
    reads the same rows, and a repeat view in the same five minutes makes neither statement again."""

    def __init__(self, size: int):
        self.size, self.hits, self.misses = size, 0, 0
        self._rows: OrderedDict[bytes, list] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: bytes) -> list | None:
        with self._lock:
            rows = self._rows.get(key)
            if rows is None:
                self.misses += 1
            else:
                self.hits += 1
                self._rows.move_to_end(key)
            return rows

    def put(self, key: bytes, rows: list) -> None:
        with self._lock:
            self._rows[key] = rows
            self._rows.move_to_end(key)
            while len(self._rows) > self.size:
                self._rows.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._rows.clear()
            self.hits = self.misses = 0


# A read is a few hundred rows (one per figure and key, and per day of a median): ~100-300 KB.
READS = _Reads(64)


def _statement(queryset) -> tuple:
    try:
        sql, params = queryset.query.sql_with_params()
    except EmptyResultSet:  # a part of the period with no days (no whole month, say)
        return ("", ())
    return sql, params


def _summary_rows(refreshed: FigureRefresh | None, statements: list) -> list[dict]:
    """The rows of `statements` over the summary of `refreshed`: read, or as read before."""
    if refreshed is None:
        return [row for statement in statements for row in statement]
    key = repr((refreshed.pk, refreshed.finished_at, [_statement(s) for s in statements]))
    digest = hashlib.blake2b(key.encode(), digest_size=20).digest()
    rows = READS.get(digest)
    if rows is None:
        rows = [row for statement in statements for row in statement]
        READS.put(digest, rows)
    return rows


def _parts(filters: Filters, today: datetime.date) -> tuple[Q, Q]:
    """The period as (whole months, read from FigureMonth; the other days, from FigureCount). A month
    is read whole only if it ended before today (a figure compared with today then holds for all its days)."""
    first = _month_start(filters.date_from)
    if first < filters.date_from:
        first = _next_month(first)
    last = first  # the end (exclusive) of the whole months
    while _next_month(last) <= filters.date_to + datetime.timedelta(days=1) and _next_month(last) <= today:
        last = _next_month(last)
    if last == first:
        return Q(pk__in=[]), Q(day__gte=filters.date_from, day__lte=filters.date_to)
    # The days before the first whole month and after the last: two ranges of the index on day.
    days = Q(day__gte=filters.date_from, day__lt=first) | Q(day__gte=last, day__lte=filters.date_to)
    return Q(day__gte=first, day__lt=last), days


def _conflict_rows(user, filters: Filters) -> list[FigureCount]:
    """What the cases `user` declared a conflict in, within their scope and the filters, add to the
    summary over the period: one query for those cases, and if there are any, three for their rows
    whatever their number (the figures of _grouped_figures in one UNION ALL, each part reading only
    those cases; the families; the outcomes recorded)."""
    cases = list(DeclaredConflict.objects.filter(user=user).values_list("case_id", flat=True))
    if not cases:
        return []
    managed = None if county_wide(user) else Team.managers.through.objects.filter(user=user).values("team_id")

    def only(path: str) -> Q:
        q = Q(**{f"{path}id__in": cases}) & filters.case_q(path)
        return q if managed is None else q & Q(**{f"{path}team_id__in": managed})

    window = _Window(filters.date_from, filters.date_to + datetime.timedelta(days=1), cases=only)
    first, *others = _grouped_figures(window)
    return [
        *(_count(row) for row in first.union(*others, all=True)),
        *_families(window),
        *_outcomes(window),
    ]


def numbers(user, filters: Filters, refreshed: FigureRefresh | None = None) -> dict:
    """The numbers of every section, as reports.figures' *_numbers compute them, from the summary
    (`refreshed`: the refresh it holds, if read, so that a repeat of the same reads is not made again)."""
    today = timezone.localdate()
    scope = _scope(user, filters)
    parts = _parts(filters, today)

    def read():
        """Both parts of the period's rows (whole months, the other days), cut by the scope."""
        return [
            model.objects.filter(scope, in_part).order_by()
            for model, in_part in ((FigureMonth, parts[0]), (FigureCount, parts[1]))
        ]

    # One statement a part for every figure: the packages are also grouped by month (the chart of
    # packages by month) and the spend by locality (spend against budget); NULL for the other figures.
    by_month = CaseWhen(When(figure="package", then=TruncMonth("day")), output_field=DateField())
    by_locality = CaseWhen(When(figure="spent", then=F("locality_id")))
    statements = [
        part.values("figure", "key", "days", s_month=by_month, s_locality=by_locality).annotate(
            s_n=Sum("n"),
            s_amount=Sum("amount"),
            s_largest=Max("largest"),
            s_first=Sum("n", filter=Q(other__isnull=True) | Q(other__lt=filters.date_from)),
            s_due=Sum("n", filter=Q(other__lte=today)),
            s_past=Sum("n", filter=Q(day__lt=today)),
        )
        for part in read()
    ]
    rows = _summary_rows(refreshed, statements)
    got: dict[str, dict] = defaultdict(lambda: defaultdict(lambda: defaultdict(int)))
    sums: dict[tuple, Decimal] = defaultdict(Decimal)
    largest = None
    histograms: dict[str, dict[int, int]] = defaultdict(dict)

    def add(figure, key, days, counts: dict, amount, sign=1):
        for what, value in counts.items():
            got[figure][key][what] += sign * (value or 0)
        sums[(figure, key)] += sign * money(amount)
        if days is not None:
            histograms[figure][days] = histograms[figure].get(days, 0) + sign * counts["n"]

    for row in rows:
        counts = {what: row[f"s_{what}"] for what in ("n", "first", "due", "past")}
        add(row["figure"], row["key"], row["days"], counts, row["s_amount"])
        if row["figure"] == "package" and row["s_largest"] is not None:
            largest = row["s_largest"] if largest is None else max(largest, row["s_largest"])
    # The conflict rule: what the person's conflicted cases (in their scope and cut) add to the
    # summary is computed from those few cases' rows and taken away.
    conflicted = _conflict_rows(user, filters)
    for row in conflicted:
        counts = {
            "n": row.n,
            "first": row.n if row.other is None or row.other < filters.date_from else 0,
            "due": row.n if row.other is not None and row.other <= today else 0,
            "past": row.n if row.day < today else 0,
        }
        add(row.figure, row.key, row.days, counts, row.amount, sign=-1)
    if largest is not None and any(r.figure == "package" and r.largest == largest for r in conflicted):
        # The largest package was a conflicted case's: the next largest is read from the packages.
        in_period, replaced = figures._approved_packages(user, filters)
        largest = SupportPackage.objects.filter(in_period).exclude(replaced).aggregate(m=Max("total"))["m"]

    def total(figure, what="n", key=None):
        return sum(v[what] for k, v in got[figure].items() if key is None or k == key)

    n: dict = {
        "received": total("received"),
        "declined": total("declined"),
        "family_declined": total("family_declined"),
        "to_meeting": _median(histograms["to_meeting"]),
        "to_plan": _median(histograms["to_plan"]),
        "agreed": total("plan_agreed"),
        "revised": total("plan_agreed") - total("plan_agreed", key=""),
        "accepted": total("plan_accepted"),
        "returned": total("plan_returned"),
        "done": total("action_done"),
        "overdue": total("action_open", "past"),
        "intended": total("pp_intended"),
        "exempt": total("pp_exempt"),
        "applications": total("pp_application"),
        "offered": total("offer_made"),
        "accepted_offers": total("offer_answer", key=OfferAnswer.ACCEPTED),
        "declined_offers": total("offer_answer", key=OfferAnswer.DECLINED),
        "meetings": total("pp_meeting"),
    }
    for figure in ("offered", "held", "cancelled"):
        for model, counts in got[figure].items():
            n[f"{figure}_{model}"] = counts["n"]
    for name in ("offered", "held", "cancelled"):
        for model in ("fnm", "fgc"):
            n.setdefault(f"{name}_{model}", 0)
    n["by_category"] = {k: (v["n"], sums[("item", k)]) for k, v in got["item"].items()}
    n["by_tier"] = {k: (v["n"], sums[("package", k)]) for k, v in got["package"].items()}
    count = total("package")
    package_sum = sum((sums[("package", k)] for k in got["package"]), ZERO)
    n["sizes"] = (count, package_sum / count if count else None, largest)
    n["families"] = {"families": total("family", "first"), "repeat": total("family", "first", key="repeat")}
    n["monthly"] = {}
    for row in rows:
        if row["figure"] == "package":
            month = (row["s_month"].year, row["s_month"].month)
            packages, amount = n["monthly"].get(month, (0, ZERO))
            n["monthly"][month] = (packages + row["s_n"], amount + money(row["s_amount"]))
    for row in conflicted:
        if row.figure == "package":
            packages, amount = n["monthly"].get((row.day.year, row.day.month), (0, ZERO))
            n["monthly"][(row.day.year, row.day.month)] = (packages - row.n, amount - row.amount)
    n["spent"] = {}
    for row in rows:
        if row["figure"] == "spent":
            n["spent"][row["s_locality"]] = n["spent"].get(row["s_locality"], ZERO) + money(row["s_amount"])
    for row in conflicted:
        if row.figure == "spent":
            n["spent"][row.locality_id] = n["spent"].get(row.locality_id, ZERO) - row.amount
    outcomes: dict[str, dict] = {}
    for key, counts in got["outcome"].items():
        checkpoint, what = key.split(":", 1)
        outcomes.setdefault(checkpoint, {})[what] = counts["n"]
    for checkpoint, counts in got["outcome_awaited"].items():
        outcomes.setdefault(checkpoint, {})["awaited_due"] = counts["due"]
        outcomes[checkpoint]["awaited_later"] = counts["n"] - counts["due"]
    n["outcomes"] = outcomes
    return n


def _sections(user, filters: Filters, n: dict) -> dict[str, Section]:
    pre = {**n, "accepted": n["accepted_offers"], "declined": n["declined_offers"], "offered": n["offered"]}
    return {
        "referrals": lambda: figures.referrals_section(n),
        "plans": lambda: figures.plans_section(n),
        "support": lambda: figures.support_section(n, user, filters),
        "pre-proceedings": lambda: figures.pre_proceedings_section(pre),
        "outcomes": lambda: figures.outcomes_section(n["outcomes"]),
    }


def section(slug: str, user, filters: Filters) -> tuple[Section, FigureRefresh | None]:
    """One section of the dashboard (its CSV), and the refresh it is read from: from the summary, or
    (None) from the rows themselves (see `uses_summary`)."""
    refreshed = uses_summary(user)
    if refreshed is None:
        return figures.SECTIONS[slug](user, filters), None
    return _sections(user, filters, numbers(user, filters, refreshed))[slug](), refreshed


def dashboard(user, filters: Filters) -> tuple[list[Section], FigureRefresh | None]:
    """Every section of the dashboard, in the page's order, and the refresh read (see `section`)."""
    refreshed = uses_summary(user)
    if refreshed is None:
        return figures.dashboard(user, filters), None
    built = _sections(user, filters, numbers(user, filters, refreshed))
    return [built[slug]() for slug in figures.SECTIONS], refreshed
