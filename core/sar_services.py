"""Subject access requests: the log, and every change to a request (one domain event each).

A request (audit.models.SubjectAccessRequest) is logged with the day it was received; its deadline
is one calendar month later (the ICO's rule: the same date next month, or the month's last day),
moved to the next working day when it falls on a weekend or an England and Wales bank holiday
(audit.dates). A complex request may be extended by up to two further months, with a reason,
before its deadline passes. The requester's identity is checked before anything is gathered; the
bundle (audit.sar) becomes the request's items, each value one item. Every item marked for review
(a third party, the subject's own exclusion reason) is decided by the handler — disclose or
withhold, and whether the social-work exemption applies (Data Protection Act 2018, Schedule 3
Part 2: disclosure likely to cause serious harm) — before the request can be completed.

Only the people who handle requests (STEP_ROLES "sar_handle") may do any of it. The events name
no case: the request is the subject's, not the case team's.
"""

import datetime

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.utils import timezone

from audit import dates, sar
from audit.models import SAR_TRANSITIONS, SubjectAccessItem, SubjectAccessRequest
from audit.services import record_event
from core import bounds
from core.exceptions import InvalidTransition, RuleBroken, ensure_transition
from core.roles import ensure_may, may

Status = SubjectAccessRequest.Status
MOST_EXTENSION_MONTHS = 2


def sar_deadline(received_on: datetime.date, extended_months: int = 0) -> datetime.date:
    """One calendar month after the day received (plus any extension), or the next working day."""
    return dates.on_or_next_working_day(received_on + relativedelta(months=1 + extended_months))


def sar_scope(user):
    """The requests this person may see: all of them for whoever handles requests, else none."""
    if not may(user, "sar_handle"):
        return SubjectAccessRequest.objects.none()
    return SubjectAccessRequest.objects.all()


def sar_list(*, user):
    """Open requests first, the most overdue first; then the finished ones, latest first."""
    scope = sar_scope(user)
    open_ = list(scope.filter(status__in=[Status.RECEIVED, Status.IN_PROGRESS]).order_by("deadline", "id"))
    finished = list(scope.exclude(status__in=[Status.RECEIVED, Status.IN_PROGRESS]).order_by("-deadline", "-id"))
    return open_ + finished


def _lock(request_id: int, by) -> SubjectAccessRequest:
    ensure_may(by, "sar_handle")
    return SubjectAccessRequest.objects.select_for_update().get(pk=request_id)


def _ensure_open(request: SubjectAccessRequest) -> None:
    if not request.is_open:
        raise InvalidTransition(
            f"{request.reference} is {request.get_status_display().lower()}: it can no longer change."
        )


@transaction.atomic
def sar_log(
    *,
    by,
    received_on: datetime.date,
    requester: str,
    subject_name: str,
    subject_kind: str = "",
    subject_id: int | None = None,
    what_was_asked: str = "",
) -> SubjectAccessRequest:
    """Log a request received. The subject may be named by kind ("child", "member") and id.

    Raises NotPermitted, RuleBroken.
    """
    ensure_may(by, "sar_handle")
    bounds.ensure_past_date(received_on, field="received_on", what="The day the request was received")
    if received_on is None:
        raise RuleBroken("Give the day the request was received: the deadline counts from it.", field="received_on")
    requester = bounds.ensure_name(requester, field="requester", label="who asked", max_length=200)
    subject_name = bounds.ensure_name(subject_name, field="subject_name", label="whose data", max_length=200)
    what_was_asked = bounds.ensure_text(what_was_asked, field="what_was_asked", label="request")
    case_id = None
    if subject_kind or subject_id is not None:
        if subject_kind not in SubjectAccessRequest.SubjectKind.values or subject_id is None:
            raise RuleBroken("Name the subject as a child or a network member, with their id.", field="subject_id")
        try:
            case_id = sar.resolve(subject_kind, subject_id).case_id
        except sar.UnknownSubject as exc:
            raise RuleBroken(str(exc), field="subject_id") from exc
    request = SubjectAccessRequest.objects.create(
        received_on=received_on,
        requester=requester,
        subject_name=subject_name,
        subject_kind=subject_kind or "",
        subject_id=subject_id,
        case_id=case_id,
        what_was_asked=what_was_asked,
        deadline=sar_deadline(received_on),
        logged_by=by,
        logged_at=timezone.now(),
    )
    record_event(
        obj=request,
        action="sar_received",
        by=by,
        case_id=None,
        to_state=request.status,
        changes={"received_on": received_on.isoformat(), "deadline": request.deadline.isoformat()},
    )
    return request


@transaction.atomic
def sar_record_id_check(
    *, request_id: int, by, method: str, checked_on: datetime.date | None = None, note: str = ""
) -> SubjectAccessRequest:
    """Record how the requester's identity was checked; the request is then in progress.

    Raises NotPermitted, InvalidTransition, RuleBroken.
    """
    request = _lock(request_id, by)
    _ensure_open(request)
    ensure_transition(request.status, Status.IN_PROGRESS, SAR_TRANSITIONS, label="request")
    if method not in SubjectAccessRequest.IdCheck.values:
        raise RuleBroken("Say how the requester's identity was checked.", field="method")
    checked_on = checked_on or timezone.localdate()
    bounds.ensure_past_date(checked_on, field="checked_on", what="The day the identity was checked")
    if checked_on < request.received_on:
        raise RuleBroken("The identity check cannot be before the request was received.", field="checked_on")
    request.id_check_method, request.id_checked_on, request.id_checked_by = method, checked_on, by
    request.id_check_note = bounds.ensure_text(note, field="note", label="note")
    previous, request.status = request.status, Status.IN_PROGRESS
    request.save()
    record_event(
        obj=request,
        action="sar_id_checked",
        by=by,
        case_id=None,
        from_state=previous,
        to_state=request.status,
        changes={"method": method, "checked_on": checked_on.isoformat()},
    )
    return request


@transaction.atomic
def sar_extend(*, request_id: int, by, months: int, reason: str) -> SubjectAccessRequest:
    """Extend a complex request by one or two months (two at most in all), before its deadline passes.

    Raises NotPermitted, InvalidTransition, RuleBroken.
    """
    request = _lock(request_id, by)
    _ensure_open(request)
    if months not in (1, 2):
        raise RuleBroken("Extend by one or two months.", field="months")
    if request.extended_months + months > MOST_EXTENSION_MONTHS:
        raise RuleBroken(
            f"A request can be extended by two months at most in all (already {request.extended_months}).",
            field="months",
        )
    reason = bounds.ensure_text(reason, field="reason", label="reason").strip()
    if not reason:
        raise RuleBroken("Say why the request is complex enough to need longer: the requester is told.", field="reason")
    if timezone.localdate() > request.deadline:
        raise RuleBroken(
            f"The deadline ({request.deadline:%-d %B %Y}) has passed: a request is extended before it is due.",
            field="months",
        )
    previous_deadline = request.deadline
    request.extended_months += months
    request.extension_reason = "\n".join(filter(None, [request.extension_reason, reason]))
    request.deadline = sar_deadline(request.received_on, request.extended_months)
    request.save()
    record_event(
        obj=request,
        action="sar_extended",
        by=by,
        case_id=None,
        reason=reason,
        changes={"from": previous_deadline.isoformat(), "to": request.deadline.isoformat(), "months": months},
    )
    return request


@transaction.atomic
def sar_gather(*, request_id: int, by, door: str = "page") -> SubjectAccessRequest:
    """Build the subject's bundle (audit.sar) and keep each value as an item to decide. `door`: where
    it was asked for ("page" or "api"), as the access log records it.

    Raises NotPermitted, InvalidTransition (identity not checked, already gathered, closed),
    RuleBroken (no subject named).
    """
    request = _lock(request_id, by)
    _ensure_open(request)
    if request.status != Status.IN_PROGRESS:
        raise InvalidTransition("Check the requester's identity before gathering what is held.")
    if not request.subject_kind or request.subject_id is None:
        raise RuleBroken("The request names no child or network member whose records can be gathered.")
    if request.items_gathered_at is not None:
        raise InvalidTransition("What is held was already gathered for this request.")
    bundle = sar.build(kind=request.subject_kind, subject_id=request.subject_id, by=by, door=door)
    rows = [
        SubjectAccessItem(
            request=request,
            position=position,
            section=section[:200],
            record=record[:300],
            label=label[:200],
            value=value,
            review_reason=why[:300],
        )
        for position, (section, record, label, value, why) in enumerate(sar.items(bundle), start=1)
    ]
    SubjectAccessItem.objects.bulk_create(rows)
    request.items_gathered_at = timezone.now()
    request.save(update_fields=["items_gathered_at"])
    record_event(
        obj=request,
        action="sar_items_gathered",
        by=by,
        case_id=None,
        changes={"items": len(rows), "for_review": sum(1 for row in rows if row.review_reason)},
    )
    return request


@transaction.atomic
def sar_item_decide(
    *, item_id: int, by, decision: str, social_work_exemption: bool = False, note: str = ""
) -> SubjectAccessItem:
    """Decide one item: disclose it or withhold it; the social-work exemption (serious harm) is
    flagged per item, and an item it applies to is withheld, with the reason.

    Raises NotPermitted, InvalidTransition, RuleBroken.
    """
    ensure_may(by, "sar_handle")
    item = SubjectAccessItem.objects.select_for_update().select_related("request").get(pk=item_id)
    request = SubjectAccessRequest.objects.select_for_update().get(pk=item.request_id)
    _ensure_open(request)
    if decision not in SubjectAccessItem.Decision.values:
        raise RuleBroken("Choose whether to disclose or withhold this item.", field="decision")
    note = bounds.ensure_text(note, field="note", label="note").strip()
    if social_work_exemption and decision != SubjectAccessItem.Decision.WITHHOLD:
        raise RuleBroken(
            "An item the social-work exemption applies to (disclosure likely to cause serious harm) is withheld.",
            field="decision",
        )
    if social_work_exemption and not note:
        raise RuleBroken("Say why disclosing this item would be likely to cause serious harm.", field="note")
    if decision == SubjectAccessItem.Decision.WITHHOLD and not note:
        raise RuleBroken("Say why this item is withheld (a third party, the social-work exemption).", field="note")
    previous = item.decision
    item.decision, item.social_work_exemption, item.decision_note = decision, social_work_exemption, note
    item.decided_by, item.decided_at = by, timezone.now()
    item.save()
    record_event(
        obj=item,
        action="sar_item_decided",
        by=by,
        case_id=None,
        from_state=previous,
        to_state=decision,
        reason=note,
        changes={"request": request.reference, "social_work_exemption": social_work_exemption},
    )
    return item


@transaction.atomic
def sar_complete(*, request_id: int, by, completed_on: datetime.date | None = None) -> SubjectAccessRequest:
    """The response was sent. Every item marked for review must have been decided first.

    Raises NotPermitted, InvalidTransition, RuleBroken.
    """
    request = _lock(request_id, by)
    _ensure_open(request)
    if request.status == Status.RECEIVED:
        raise InvalidTransition("Check the requester's identity before the request can be completed.")
    ensure_transition(request.status, Status.COMPLETED, SAR_TRANSITIONS, label="request")
    if request.subject_kind and request.items_gathered_at is None:
        raise InvalidTransition("Gather what is held about the subject before completing the request.")
    undecided = request.items.exclude(review_reason="").filter(decision="").count()
    if undecided:
        raise InvalidTransition(
            f"{undecided} item(s) marked for review have no decision: decide each (disclose or withhold) first."
        )
    completed_on = completed_on or timezone.localdate()
    bounds.ensure_past_date(completed_on, field="completed_on", what="The day the response was sent")
    if completed_on < request.received_on:
        raise RuleBroken("The response cannot be sent before the request was received.", field="completed_on")
    previous, request.status, request.completed_on = request.status, Status.COMPLETED, completed_on
    request.save()
    record_event(
        obj=request,
        action="sar_completed",
        by=by,
        case_id=None,
        from_state=previous,
        to_state=request.status,
        changes={"completed_on": completed_on.isoformat(), "late": completed_on > request.deadline},
    )
    return request


@transaction.atomic
def sar_refuse(*, request_id: int, by, reason: str) -> SubjectAccessRequest:
    """Refuse a request (manifestly unfounded or excessive, identity not established), with the reason.

    Raises NotPermitted, InvalidTransition, RuleBroken.
    """
    request = _lock(request_id, by)
    _ensure_open(request)
    ensure_transition(request.status, Status.REFUSED, SAR_TRANSITIONS, label="request")
    reason = bounds.ensure_text(reason, field="reason", label="reason").strip()
    if not reason:
        raise RuleBroken("Say why the request is refused: the requester is told, and may complain.", field="reason")
    previous, request.status, request.refusal_reason = request.status, Status.REFUSED, reason
    request.completed_on = timezone.localdate()
    request.save()
    record_event(
        obj=request,
        action="sar_refused",
        by=by,
        case_id=None,
        from_state=previous,
        to_state=request.status,
        reason=reason,
    )
    return request
