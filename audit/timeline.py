"""A case's timeline: its domain events, the reads of its records and its finished workflow steps,
one stream, newest first, filterable by kind, date range and actor.

The three sources are merged in SQL (UNION ALL of (source, id, at, kind, actor) rows, ordered and
sliced by the database), so a page costs the same whatever the trail's length: one count, one
page of keys, then one query per source for that page's rows. Callers check first that the person
may see the case (and record the read).
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Case, CharField, F, Q, QuerySet, Value, When
from django.db.models.functions import Cast

from audit.models import AccessLog, DomainEvent
from audit.spreadsheets import csv_writer


class Kind:
    PEOPLE = "people"
    DECISIONS = "decisions"
    MONEY = "money"
    WORKFLOW = "workflow"
    ACCESS = "access"


KIND_LABELS = {
    Kind.PEOPLE: "People (allocation, network, consent, tasks taken)",
    Kind.DECISIONS: "Decisions (meetings, plans, reviews, case stages)",
    Kind.MONEY: "Money (packages, approvals, bank details, payments)",
    Kind.WORKFLOW: "Workflow steps completed",
    Kind.ACCESS: "Access (who read the records)",
}
ALL_KINDS = list(KIND_LABELS)
EVENT_KINDS = [Kind.PEOPLE, Kind.DECISIONS, Kind.MONEY]  # the domain events: the API's default

# Which kind a domain event is, by the type of object it is about and its action (plain strings:
# the audit app knows no domain model). Everything else is a decision.
MONEY_OBJECTS = ["supportpackage", "packageitem", "approval", "payment", "paymentbatch", "bankaccount"]
PEOPLE_OBJECTS = ["networkmember", "task"]
PEOPLE_ACTIONS = [
    "case_allocated",
    "case_transferred",
    "consent_recorded",
    "member_added",
    "task_assigned",
    "child_added",
    "child_updated",
    "child_born",
    "child_removed",
]

EVENT_KIND = Case(
    When(object_type__in=MONEY_OBJECTS, then=Value(Kind.MONEY)),
    When(Q(object_type__in=PEOPLE_OBJECTS) | Q(action__in=PEOPLE_ACTIONS), then=Value(Kind.PEOPLE)),
    default=Value(Kind.DECISIONS),
    output_field=CharField(),
)


@dataclass
class Filters:
    kinds: list[str] = field(default_factory=lambda: list(ALL_KINDS))
    since: datetime.date | None = None
    until: datetime.date | None = None
    actor: str = ""


@dataclass
class Entry:
    """One line of the timeline, whatever its source."""

    source: str
    id: int
    at: datetime.datetime
    kind: str
    actor_username: str
    action: str
    object_type: str = ""
    object_id: int | None = None
    object_repr: str = ""
    from_state: str = ""
    to_state: str = ""
    reason: str = ""
    changes: dict = field(default_factory=dict)

    @property
    def label(self) -> str:
        return self.action.replace("_", " ").capitalize()

    @property
    def all_changes(self) -> dict:
        """The changes with the state move and reason folded in (the API's `changes`)."""
        changes = dict(self.changes or {})
        if self.from_state or self.to_state:
            changes["state"] = [self.from_state or None, self.to_state or None]
        if self.reason:
            changes["reason"] = self.reason
        return changes


def _keys(qs: QuerySet, *, source: str, at, kind, actor) -> QuerySet:
    return (
        qs.order_by()
        .annotate(_src=Value(source, output_field=CharField()), _id=F("pk"), _at=at, _kind=kind, _actor=actor)
        .values("_src", "_id", "_at", "_kind", "_actor")
    )


def _filtered(qs: QuerySet, filters: Filters, *, at: str) -> QuerySet:
    if filters.since:
        qs = qs.filter(**{f"{at}__date__gte": filters.since})
    if filters.until:
        qs = qs.filter(**{f"{at}__date__lte": filters.until})
    return qs


class Timeline:
    """A case's timeline for the given filters: `count()`, slicing (pagination) and `iter_all()`."""

    def __init__(self, *, case_id: int, process_id: int | None = None, filters: Filters | None = None):
        self.case_id, self.process_id = case_id, process_id
        self.filters = filters or Filters()
        self._query = self._build()

    def _build(self) -> QuerySet | None:
        f, parts = self.filters, []
        event_kinds = [k for k in f.kinds if k in EVENT_KINDS]
        if event_kinds:
            events = DomainEvent.objects.filter(case_id=self.case_id).annotate(_k=EVENT_KIND).filter(_k__in=event_kinds)
            if f.actor:
                events = events.filter(actor_username=f.actor)
            parts.append(
                _keys(
                    _filtered(events, f, at="at"), source="event", at=F("at"), kind=F("_k"), actor=F("actor_username")
                )
            )
        if Kind.ACCESS in f.kinds:
            reads = AccessLog.objects.filter(case_id=self.case_id)
            if f.actor:
                reads = reads.filter(actor_username=f.actor)
            parts.append(
                _keys(
                    _filtered(reads, f, at="at"),
                    source="access",
                    at=F("at"),
                    kind=Value(Kind.ACCESS, output_field=CharField()),
                    actor=F("actor_username"),
                )
            )
        if Kind.WORKFLOW in f.kinds and self.process_id:
            from viewflow.workflow.models import Task

            tasks = Task.objects.filter(process_id=self.process_id, finished__isnull=False, owner__isnull=False)
            if f.actor:
                tasks = tasks.filter(owner__username=f.actor)
            parts.append(
                _keys(
                    _filtered(tasks, f, at="finished"),
                    source="task",
                    at=F("finished"),
                    kind=Value(Kind.WORKFLOW, output_field=CharField()),
                    actor=Cast("owner__username", CharField()),
                )
            )
        if not parts:
            return None
        query = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
        return query.order_by("-_at", "-_id")

    def count(self) -> int:
        return self._query.count() if self._query is not None else 0

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index):
        if self._query is None:
            return []
        if isinstance(index, slice):
            return self._hydrate(list(self._query[index]))
        return self._hydrate([self._query[index]])[0]

    def iter_all(self, chunk: int = 500):
        start = 0
        while True:
            rows = self[start : start + chunk]
            if not rows:
                return
            yield from rows
            start += chunk

    def _hydrate(self, keys: list[dict]) -> list[Entry]:
        ids = {"event": [], "access": [], "task": []}
        for key in keys:
            ids[key["_src"]].append(key["_id"])
        loaded = {}
        for event in DomainEvent.objects.filter(pk__in=ids["event"]) if ids["event"] else []:
            loaded["event", event.pk] = event
        for read in AccessLog.objects.filter(pk__in=ids["access"]) if ids["access"] else []:
            loaded["access", read.pk] = read
        if ids["task"]:
            from viewflow.workflow.models import Task

            for task in Task.objects.filter(pk__in=ids["task"]).select_related("owner"):
                loaded["task", task.pk] = task
        return [self._entry(key, loaded[key["_src"], key["_id"]]) for key in keys]

    @staticmethod
    def _entry(key: dict, row) -> Entry:
        common = {
            "source": key["_src"],
            "id": key["_id"],
            "at": row_at(key["_at"]),
            "kind": key["_kind"],
            "actor_username": key["_actor"] or "",
        }
        if key["_src"] == "event":
            return Entry(
                **common,
                action=row.action,
                object_type=row.object_type,
                object_id=row.object_id,
                object_repr=row.object_repr,
                from_state=row.from_state,
                to_state=row.to_state,
                reason=row.reason,
                changes=row.changes or {},
            )
        if key["_src"] == "access":
            return Entry(
                **common,
                action=f"read_{row.what}",
                object_type=row.object_type,
                object_id=row.object_id,
                object_repr=row.what.replace("_", " "),
                changes={"door": row.door, "path": row.path},
            )
        node = getattr(row.flow_task, "name", str(row.flow_task))
        return Entry(
            **common,
            action="task_completed",
            object_type="task",
            object_id=row.pk,
            object_repr=node.replace("_", " "),
            changes={"task": node},
        )


def row_at(value):
    """SQLite hands a UNION's datetimes back as text; parse them as Django would."""
    if isinstance(value, str):
        from django.utils.dateparse import parse_datetime

        parsed = parse_datetime(value)
        if parsed is not None and parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=datetime.timezone.utc)
        return parsed
    return value


CSV_HEADER = [
    "at",
    "kind",
    "actor",
    "action",
    "object_type",
    "object_id",
    "object",
    "from_state",
    "to_state",
    "reason",
    "changes",
]


class _Echo:
    def write(self, value):
        return value


def csv_rows(timeline: Timeline):
    """The timeline as CSV lines, produced as it is read (for a streamed download)."""
    import json

    writer = csv_writer(_Echo())
    yield writer.writerow(CSV_HEADER)
    for e in timeline.iter_all():
        yield writer.writerow(
            [
                e.at.isoformat() if e.at else "",
                e.kind,
                e.actor_username,
                e.action,
                e.object_type,
                "" if e.object_id is None else e.object_id,
                e.object_repr,
                e.from_state,
                e.to_state,
                e.reason,
                json.dumps(e.changes, sort_keys=True, default=str),
            ]
        )
