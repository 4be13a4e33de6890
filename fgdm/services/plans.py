"""The family's plan: its versions, accepting or returning it, revising it, its actions done."""

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from audit.services import record_event
from core import bounds, workflow
from core.exceptions import InvalidTransition, RuleBroken, ensure_transition
from fgdm.constants import (
    PLAN_TRANSITIONS,
    ActionStatus,
    CaseStatus,
    PlanStatus,
)
from fgdm.models import (
    Case,
    FamilyPlan,
    Meeting,
    PlanAction,
)
from fgdm.permissions import ensure_can_work_case
from fgdm.services.cases import _ensure_children_heard, _lock_case, _lock_with_case, _move_case


@dataclass(frozen=True)
class ActionInput:
    description: str
    owner_member_id: int | None = None
    owner_text: str = ""
    due_by: datetime.date | None = None
    checked_by: str = ""


def _create_plan(
    *,
    case: Case,
    meeting: Meeting,
    actions: list[ActionInput],
    contingency: str,
    review_by: datetime.date,
    agreed_on: datetime.date,
    monitoring: str = "",
    latest_version: int | None = None,
) -> FamilyPlan:
    """`latest_version`: the case's newest plan version (0: none), if already read."""
    if not actions:
        raise RuleBroken("A plan needs at least one action.", field="plan")
    bounds.ensure_count(actions, most=bounds.max_actions(), what="actions in a plan", field="actions")
    if review_by <= agreed_on:
        raise RuleBroken("The review date must be after the meeting.", field="review_by")
    bounds.ensure_review_date(review_by)
    bounds.ensure_text(contingency, field="contingency", label="contingency plan")
    bounds.ensure_text(monitoring, field="monitoring")
    members = {m.pk: m for m in case.network_members.all()}
    for index, action in enumerate(actions):
        if action.owner_member_id is not None and action.owner_member_id not in members:
            raise RuleBroken(f"Action {index + 1}: the owner is not in this family's network.", field="actions")
        if action.owner_member_id is not None and members[action.owner_member_id].is_removed:
            raise RuleBroken(
                f"Action {index + 1}: {members[action.owner_member_id].full_name} was removed from the family's "
                "network; choose someone else.",
                field="actions",
            )
        if action.owner_member_id is None and not action.owner_text.strip():
            raise RuleBroken(f"Action {index + 1}: say who will do it.", field="actions")
        try:
            bounds.ensure_text(action.description, field="actions", label="description")
            for name, label in (("owner_text", "owner"), ("checked_by", "person who checks it")):
                bounds.ensure_text(
                    getattr(action, name),
                    field="actions",
                    label=label,
                    max_length=bounds.max_length_of(PlanAction, name),
                )
            bounds.ensure_due_date(action.due_by, field="actions", what="the date it is due by")
        except RuleBroken as refused:
            raise RuleBroken(f"Action {index + 1}: {refused.message}", field="actions")
    if latest_version is None:
        latest = case.plans.order_by("-version").first()
        latest_version = latest.version if latest else 0
    plan = FamilyPlan.objects.create(
        case=case,
        meeting=meeting,
        version=latest_version + 1,
        contingency=contingency,
        review_by=review_by,
        agreed_on=agreed_on,
        monitoring=monitoring.strip(),
    )
    PlanAction.objects.bulk_create(
        PlanAction(
            plan=plan,
            description=a.description.strip(),
            owner_member_id=a.owner_member_id,
            owner_text=a.owner_text.strip(),
            due_by=a.due_by,
            checked_by=a.checked_by.strip(),
        )
        for a in actions
    )
    return plan


def _lock_plan(plan_id: int, *, by=None) -> FamilyPlan:
    return _lock_with_case(FamilyPlan.objects, plan_id, by=by)


@transaction.atomic
def plan_accept(*, plan_id: int, by, support_needed: bool = True) -> FamilyPlan:
    """The practitioner accepts the family's plan; says whether a support package is needed."""
    plan = _lock_plan(plan_id, by=by)
    case = plan.case
    ensure_can_work_case(by, case, conflict=plan.by_conflicted)
    ensure_transition(plan.status, PlanStatus.ACCEPTED, PLAN_TRANSITIONS, label="plan")
    _ensure_children_heard(case)
    plan.status = PlanStatus.ACCEPTED
    plan.decided_by = by
    plan.decided_at = timezone.now()
    plan.save(update_fields=["status", "decided_by", "decided_at"])
    case.support_needed = support_needed  # saved with the case's new status below
    record_event(
        obj=plan,
        action="plan_accepted",
        by=by,
        case_id=case.pk,
        from_state=PlanStatus.AGREED,
        to_state=plan.status,
        changes={"support_needed": support_needed},
    )
    _move_case(case, CaseStatus.PLAN_ACCEPTED, by=by, also=("support_needed",))
    workflow.advance(process=case.process, action="plan_accepted", by=by)
    return plan


@transaction.atomic
def plan_return(*, plan_id: int, by, reason: str) -> FamilyPlan:
    """Return the plan to the family with reasons; they revise it."""
    plan = _lock_plan(plan_id)
    case = plan.case
    ensure_can_work_case(by, case)
    if not reason.strip():
        raise RuleBroken("Give the family your reasons.", field="reason")
    bounds.ensure_text(reason, field="reason")
    ensure_transition(plan.status, PlanStatus.RETURNED, PLAN_TRANSITIONS, label="plan")
    plan.status = PlanStatus.RETURNED
    plan.return_reason = reason.strip()
    plan.decided_by = by
    plan.decided_at = timezone.now()
    plan.save(update_fields=["status", "return_reason", "decided_by", "decided_at"])
    record_event(
        obj=plan,
        action="plan_returned",
        by=by,
        case_id=case.pk,
        from_state=PlanStatus.AGREED,
        to_state=plan.status,
        reason=plan.return_reason,
    )
    _move_case(case, CaseStatus.PLAN_RETURNED, by=by, reason=plan.return_reason)
    workflow.advance(process=case.process, action="plan_returned", by=by)
    return plan


@transaction.atomic
def plan_revise(
    *, plan_id: int, by, actions: list[ActionInput], contingency: str, review_by: datetime.date, monitoring: str = ""
) -> FamilyPlan:
    """Record the family's revised plan as a new version, to be accepted again."""
    old = _lock_plan(plan_id)
    case = old.case
    ensure_can_work_case(by, case)
    latest = case.plans.order_by("-version").first()
    if latest.pk != old.pk:
        raise InvalidTransition("Only the latest plan can be revised.")
    ensure_transition(old.status, PlanStatus.SUPERSEDED, PLAN_TRANSITIONS, label="plan")
    previous = old.status
    old.status = PlanStatus.SUPERSEDED
    old.save(update_fields=["status"])
    record_event(obj=old, action="plan_superseded", by=by, case_id=case.pk, from_state=previous, to_state=old.status)
    plan = _create_plan(
        case=case,
        meeting=old.meeting,
        actions=actions,
        contingency=contingency,
        review_by=review_by,
        agreed_on=timezone.localdate(),
        monitoring=monitoring or old.monitoring,
    )
    record_event(obj=plan, action="plan_agreed", by=by, case_id=case.pk, to_state=plan.status)
    _move_case(case, CaseStatus.PLAN_AGREED, by=by)
    workflow.advance(process=case.process, action="plan_revised", by=by)
    return plan


@transaction.atomic
def action_mark_done(*, action_id: int, by, done_on: datetime.date | None = None) -> PlanAction:
    """Record that an action of the plan in place is done. Raises InvalidTransition (already done;
    plan not the one in place), RuleBroken (date in the future)."""
    action = PlanAction.objects.select_for_update().select_related("plan").get(pk=action_id)
    case = _lock_case(action.plan.case_id)
    ensure_can_work_case(by, case)
    if action.plan.status not in (PlanStatus.ACCEPTED, PlanStatus.AGREED):
        raise InvalidTransition("Only actions of the current plan can be marked done.")
    if action.status == ActionStatus.DONE:
        raise InvalidTransition("This action is already done.")
    done_on = done_on or timezone.localdate()
    if done_on > timezone.localdate():
        raise RuleBroken("An action cannot be done in the future.", field="done_on")
    action.status = ActionStatus.DONE
    action.done_on = done_on
    action.save(update_fields=["status", "done_on"])
    record_event(
        obj=action,
        action="plan_action_done",
        by=by,
        case_id=case.pk,
        from_state=ActionStatus.OPEN,
        to_state=ActionStatus.DONE,
    )
    return action
