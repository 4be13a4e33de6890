"""Retention: each kind of record has a retention class and a destroy-after date; `apply_retention`
anonymises (or deletes) what is past its date unless a legal hold stops it.

The audit app knows no domain model: each domain app registers its policies from its
AppConfig.ready() (`register(...)`). A policy lists the records of its class whose destroy-after
date has passed and knows how to destroy one. This module finds what is due, skips what is held or
already done, and for each record destroyed writes one domain event, `retention_applied`, naming
the class, the date and what was removed. That event is the record of the deletion itself.

The audit trail's own rows (events, field history, access log) are not deleted: they are the
evidence. The domain writes of the anonymisation are made with django-auditlog switched off, so
the values removed are not copied into the field history at the moment they are destroyed; and the
field history written *before* it, about the records a policy names (`history_of`), loses its free
text too (audit.redaction), each entry with a chained redaction so the chains still verify.

A legal hold stops all of it for what it covers. A public-inquiry preservation hold (naming the
inquiry) may cover every record, and is never released from the application.
"""

import datetime
from dataclasses import dataclass, field
from typing import Callable, Iterable, Protocol

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import transaction
from django.db.models import Q

from audit.models import DomainEvent, LegalHold

RETENTION_ACTION = "retention_applied"

DEFAULT_RETENTION = {
    # Children in need: until the youngest child's 18th birthday plus this many years.
    "children_in_need_years_after_18": 7,
    # Looked-after children: until this birthday (of the youngest child).
    "looked_after_until_age": 75,
    # Payment records: this many years after the end of the financial year they belong to.
    "payment_years_after_financial_year": 6,
    # Child protection (a case that was ever at the child protection stage): the later of the
    # youngest child's birthday at this age and this many years after the case closed.
    "child_protection_until_age": 25,
    "child_protection_years_after_closing": 35,
    # Court cases (an application to court was made): until this birthday of the youngest child.
    "court_proceedings_until_age": 75,
}


def setting(name: str) -> int:
    return {**DEFAULT_RETENTION, **getattr(settings, "AUDIT_RETENTION", {})}[name]


def birthday(date_of_birth: datetime.date, age: int) -> datetime.date:
    """The date someone born on `date_of_birth` turns `age` (29 February: 28 February)."""
    return date_of_birth + relativedelta(years=age)


def financial_year_end(day: datetime.date) -> datetime.date:
    """The end (31 March) of the UK public-sector financial year that `day` falls in."""
    return datetime.date(day.year + 1 if day.month >= 4 else day.year, 3, 31)


def children_in_need_destroy_after(youngest_date_of_birth: datetime.date) -> datetime.date:
    return birthday(youngest_date_of_birth, 18) + relativedelta(years=setting("children_in_need_years_after_18"))


def looked_after_destroy_after(youngest_date_of_birth: datetime.date) -> datetime.date:
    return birthday(youngest_date_of_birth, setting("looked_after_until_age"))


def child_protection_destroy_after(youngest_date_of_birth: datetime.date, closed_on: datetime.date) -> datetime.date:
    return max(
        birthday(youngest_date_of_birth, setting("child_protection_until_age")),
        closed_on + relativedelta(years=setting("child_protection_years_after_closing")),
    )


def court_proceedings_destroy_after(youngest_date_of_birth: datetime.date) -> datetime.date:
    return birthday(youngest_date_of_birth, setting("court_proceedings_until_age"))


def payment_destroy_after(day: datetime.date) -> datetime.date:
    return financial_year_end(day) + relativedelta(years=setting("payment_years_after_financial_year"))


@dataclass(frozen=True)
class Due:
    """A record whose destroy-after date has passed."""

    retention_class: str
    object_type: str  # "app_label.model"
    object_id: int
    case_id: int | None
    destroy_after: datetime.date
    description: str


@dataclass
class Outcome:
    due: Due
    result: str  # "due" (dry run), "destroyed", "held", "failed"
    detail: str = ""
    removed: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        d = self.due
        words = {"due": "would be destroyed", "destroyed": "destroyed", "held": "HELD, kept", "failed": "FAILED"}
        line = (
            f"{d.object_type} #{d.object_id} ({d.description}; {d.retention_class}, destroy after "
            f"{d.destroy_after:%Y-%m-%d}): {words[self.result]}"
        )
        return line + (f" — {self.detail}" if self.detail else "")


class Policy(Protocol):
    name: str

    def due(self, *, today: datetime.date) -> Iterable[Due]:
        """Records of this policy whose destroy-after date is before `today`."""

    def destroy(self, due: Due) -> tuple[object, list[str]]:
        """Anonymise or delete one record; return (the record or a stand-in for the event, fields removed)."""

    # Optional: `history_of(due) -> Iterable[("app_label.model", id)]`, the records whose field
    # history written before the destruction must lose its free text too.


_policies: dict[str, Policy] = {}


def register(policy: Policy) -> None:
    _policies[policy.name] = policy


def policies() -> list[Policy]:
    return list(_policies.values())


def _already_done(dues: list[Due]) -> set[tuple[str, int]]:
    done = set()
    by_type: dict[str, list[int]] = {}
    for due in dues:
        by_type.setdefault(due.object_type.split(".")[-1], []).append(due.object_id)
    for model_name, ids in by_type.items():
        for chunk_start in range(0, len(ids), 1000):
            chunk = ids[chunk_start : chunk_start + 1000]
            done.update(
                (model_name, pk)
                for pk in DomainEvent.objects.filter(
                    action=RETENTION_ACTION, object_type=model_name, object_id__in=chunk
                ).values_list("object_id", flat=True)
            )
    return done


def _holds(dues: list[Due]) -> Callable[[Due], LegalHold | None]:
    case_ids = {d.case_id for d in dues if d.case_id is not None}
    active = list(
        LegalHold.objects.filter(released_at__isnull=True).filter(Q(case_id__in=case_ids) | Q(case_id__isnull=True))
    )
    by_case = {h.case_id: h for h in active if h.case_id is not None}
    by_object = {(h.object_type, h.object_id): h for h in active if h.object_type}
    # A public inquiry's preservation hold that names no case or record holds every record.
    everything = next((h for h in active if h.case_id is None and not h.object_type), None)

    def hold_for(due: Due) -> LegalHold | None:
        return by_object.get((due.object_type, due.object_id)) or by_case.get(due.case_id) or everything

    return hold_for


def hold_description(hold: LegalHold) -> str:
    if hold.kind == LegalHold.Kind.PUBLIC_INQUIRY:
        return f"public inquiry preservation hold #{hold.pk} ({hold.inquiry}): {hold.reason}"
    return f"legal hold #{hold.pk}: {hold.reason}"


def apply_retention(*, today: datetime.date, dry_run: bool, by=None) -> list[Outcome]:
    """Find everything past its destroy-after date; unless `dry_run`, destroy each that is not held.

    Each record is destroyed in its own transaction with its `retention_applied` event: a failure
    leaves that record as it was and the run goes on.
    """
    from auditlog.context import disable_auditlog

    from audit.models import LogEntry
    from audit.redaction import redact_field_history
    from audit.sealing import seal_chain
    from audit.services import actor_of, record_event

    if not dry_run:  # the field history to redact is sealed first: each redaction names a position
        seal_chain(LogEntry)
    outcomes = []
    for policy in policies():
        dues = list(policy.due(today=today))
        done = _already_done(dues)
        hold_for = _holds(dues)
        for due in dues:
            if (due.object_type.split(".")[-1], due.object_id) in done:
                continue
            hold = hold_for(due)
            if hold is not None:
                outcomes.append(Outcome(due, "held", hold_description(hold)))
                continue
            if dry_run:
                outcomes.append(Outcome(due, "due"))
                continue
            try:
                with transaction.atomic():
                    with disable_auditlog():
                        record, removed = policy.destroy(due)
                    history = getattr(policy, "history_of", None)
                    redacted = (
                        redact_field_history(
                            history(due),
                            case_id=due.case_id,
                            reason=f"retention: {due.retention_class}",
                            by_username=actor_of(by)[1],
                        )
                        if history
                        else 0
                    )
                    record_event(
                        obj=record,
                        action=RETENTION_ACTION,
                        by=by,
                        case_id=due.case_id,
                        reason=f"{due.retention_class}: destroy after {due.destroy_after:%Y-%m-%d}",
                        changes={
                            "class": due.retention_class,
                            "destroy_after": due.destroy_after.isoformat(),
                            "policy": policy.name,
                            "removed": removed,
                            "field_history_redacted": redacted,
                        },
                    )
            except Exception as error:  # one record's failure must not stop the run
                outcomes.append(Outcome(due, "failed", f"{type(error).__name__}: {error}"))
                continue
            outcomes.append(Outcome(due, "destroyed", ", ".join(removed), removed))
    return outcomes
