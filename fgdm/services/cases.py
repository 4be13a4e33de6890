"""Cases: referral, allocation, consent, bottom lines, the stage and its history, the children and
the network, transfers, reviews and declared conflicts."""

import datetime
import uuid
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from audit import dates
from audit.services import record_event
from core import bounds, budgets, workflow
from core.exceptions import ConsentWithdrawn, InvalidTransition, NotPermitted, RuleBroken, ensure_transition
from core.roles import Role, has_role
from core.workflow import reassign_open_tasks
from fgdm.constants import (
    CASE_TRANSITIONS,
    ENDED_STATUSES,
    CaseStatus,
    ChildParticipation,
    Outcome,
    Relationship,
    Stage,
)
from fgdm.models import (
    Case,
    Child,
    DeclaredConflict,
    FamilyHub,
    Locality,
    NetworkMember,
    StageChange,
    Team,
)
from fgdm.permissions import (
    conflict_declared,
    ensure_can_manage_case,
    ensure_can_work_case,
    ensure_can_work_or_manage_case,
    ensure_no_conflict,
)
from fgdm.retention import retention_of
from fgdm.visibility import case_scope, grant_case_access, revoke_case_access


@dataclass(frozen=True)
class ChildInput:
    """A child named on a referral: born (`date_of_birth`) or not yet born (`expected_on`)."""

    first_name: str
    last_name: str
    date_of_birth: datetime.date | None
    wishes_and_feelings: str = ""
    participation: str = ""
    expected_on: datetime.date | None = None


def _lock_case(case_id: int, *, by=None) -> Case:
    """The case, locked, with its process and team. `by`: whether they declared a conflict in it is
    read with it, as `by_conflicted` (fgdm.permissions.conflict_declared), for the service's check."""
    cases = Case.objects.select_for_update(of=("self",)).select_related("process", "team")
    if by is not None:
        cases = cases.annotate(by_conflicted=conflict_declared(by))
    return cases.get(pk=case_id)


def _lock_with_case(queryset, pk: int, *related: str, by=None):
    """Lock a row that belongs to a case (a meeting, a plan, a package) and its case in one
    statement, the row first as before; the case comes with what `_lock_case` reads with it."""
    rows = queryset.select_for_update(of=("self", "case")).select_related("case__process", "case__team", *related)
    if by is not None:  # as `_lock_case`: the row's `by_conflicted`
        rows = rows.annotate(by_conflicted=conflict_declared(by, "case_id"))
    return rows.get(pk=pk)


def _move_case(
    case: Case, target: str, *, by, reason: str = "", action: str = "", changes=None, also: tuple = ()
) -> None:
    """Move the case to `target` with its event (`case_<target>` unless the move needs its own name).
    `changes`: what the event records, or a function of the case once moved that says it.
    `also`: other fields of the case the step has just set, saved with the status in one save
    (one UPDATE and one field-history entry for the step's change of the case, not one a field)."""
    ensure_transition(case.status, target, CASE_TRANSITIONS, label="case")
    previous = case.status
    case.status = target
    case.save(update_fields=[*also, "status", "updated_at"])
    record_event(
        obj=case,
        action=action or f"case_{target}",
        by=by,
        case_id=case.pk,
        from_state=previous,
        to_state=target,
        reason=reason,
        changes=changes(case) if callable(changes) else changes,
    )


def _isoformat(retention: tuple) -> tuple:
    retention_class, destroy_after = retention
    return retention_class, destroy_after.isoformat() if destroy_after else None


def ensure_born(date_of_birth: datetime.date | None) -> None:
    """A child's date of birth is today or in the past, and plausible for a child (core.bounds: not
    before 1900, at most 25 years ago). A child not yet born is recorded by the date they are
    expected instead, see `ensure_child_details`.

    Raises RuleBroken on the date of birth.
    """
    bounds.ensure_birth_date(date_of_birth)


def _child_dates(date_of_birth: datetime.date | None, expected_on: datetime.date | None) -> None:
    """A child is either born (a date of birth, today or in the past) or expected (a date within
    the next 44 weeks) — one or the other. Raises RuleBroken on the field at fault."""
    if (date_of_birth is None) == (expected_on is None):
        raise RuleBroken(
            "Give the child's date of birth, or the date a child not yet born is expected — one of the two.",
            field="date_of_birth",
        )
    ensure_born(date_of_birth)
    bounds.ensure_expected_date(expected_on)


def ensure_child_details(
    *, first_name: str, last_name: str, date_of_birth: datetime.date | None, expected_on: datetime.date | None
) -> tuple[str, str]:
    """A child as the case records them: born (a date of birth, today or before, and a first name)
    or expected (a date within the next 44 weeks; the first name may wait), with a last name.
    Returns the names as stored. The referral and "add a child" pages ask this too.

    Raises RuleBroken on the field at fault.
    """
    _child_dates(date_of_birth, expected_on)
    return _child_names(first_name, last_name, born=date_of_birth is not None)


def _child_names(first_name: str, last_name: str, *, born: bool) -> tuple[str, str]:
    """Names as stored: trimmed; a last name always, a first name once the child is born."""
    limit = Child._meta.get_field("first_name").max_length
    first_name = bounds.ensure_name(
        first_name, field="first_name", label="first name", max_length=limit, required=False
    )
    last_name = bounds.ensure_name(last_name, field="last_name", label="last name", max_length=limit, required=False)
    first_name, last_name = " ".join(first_name.split()), " ".join(last_name.split())
    if born and not first_name:
        raise RuleBroken("Give the child's first name.", field="first_name")
    if not last_name:
        raise RuleBroken("Give the child's last name.", field="last_name")
    return first_name, last_name


def _previous_case(by, value) -> Case | None:
    """The closed case (or declined referral) a new referral follows, named by the case, its id or
    its reference; only one the referrer can see. Raises RuleBroken on `previous_case`."""
    if value in (None, ""):
        return None
    visible = Case.objects.filter(case_scope(by))
    if isinstance(value, Case):
        value = value.pk
    if isinstance(value, int):
        case = visible.filter(pk=value).first() if 0 < value < 2**63 else None
    else:
        case = visible.filter(reference=str(value).strip().upper()).first()
    if case is None:
        raise RuleBroken(
            "No case you can see has that reference: check it (it looks like FGDM-2026-000123).", field="previous_case"
        )
    if case.status not in ENDED_STATUSES:
        raise RuleBroken(
            f"{case.reference} is still open ({case.get_status_display().lower()}): a new referral can follow only "
            "a closed case or a declined referral. Work on the open case instead.",
            field="previous_case",
        )
    return case


@transaction.atomic
def case_create(
    *,
    by,
    family_name: str,
    locality: Locality,
    stage: str,
    referral_reason: str,
    children: list[ChildInput],
    hub: FamilyHub | None = None,
    child_lives_with: str = "",
    consent_given_by: str = "",
    previous_case: "Case | int | str | None" = None,
) -> Case:
    """Record a referral and start the case flow.

    The case goes to the team serving the locality (the referrer's own, if they are in one). Each
    child is born (a date of birth) or expected (the date they are expected; no wishes yet). A
    referral may follow a closed case of the family (or a declined referral): `previous_case`, by
    id or reference, one the referrer can see.
    Raises NotPermitted (not a practitioner or manager), RuleBroken (no child, a child's details —
    on `children`, naming the row —, no team, bad hub, a previous case not closed or not seen).
    """
    if not (has_role(by, Role.PRACTITIONER) or has_role(by, Role.TEAM_MANAGER)):
        raise NotPermitted("Only practitioners and team managers can open a referral.")
    previous = _previous_case(by, previous_case)
    if not children:
        raise RuleBroken("A referral needs at least one child.", field="children")
    bounds.ensure_count(children, most=bounds.max_children(), what="children on a referral", field="children")
    family_name = bounds.ensure_name(
        family_name, field="family_name", label="family name", max_length=bounds.max_length_of(Case, "family_name")
    )
    bounds.ensure_text(referral_reason, field="referral_reason", label="reason for the referral")
    bounds.ensure_name(
        child_lives_with,
        field="child_lives_with",
        label="who the child lives with",
        max_length=bounds.max_length_of(Case, "child_lives_with"),
        required=False,
    )
    bounds.ensure_name(
        consent_given_by,
        field="consent_given_by",
        label="name of who gave consent",
        max_length=bounds.max_length_of(Case, "consent_given_by"),
        required=False,
    )
    names = []
    for number, child in enumerate(children, start=1):
        # A referral's children are one field (a list): a refusal names the child's row.
        try:
            names.append(
                ensure_child_details(
                    first_name=child.first_name,
                    last_name=child.last_name,
                    date_of_birth=child.date_of_birth,
                    expected_on=child.expected_on,
                )
            )
        except RuleBroken as refused:
            raise RuleBroken(f"Child {number}: {refused.message}", field="children")
        try:
            bounds.ensure_text(child.wishes_and_feelings, field="wishes_and_feelings", label="wishes and feelings")
        except RuleBroken as refused:
            raise RuleBroken(f"Child {number}: {refused.message}", field="children")
        if child.date_of_birth is None and (child.wishes_and_feelings.strip() or child.participation):
            raise RuleBroken(
                f"Child {number}: a child not yet born has no wishes and feelings to record yet.", field="children"
            )
    if stage not in Stage.values:
        raise RuleBroken(f"Unknown stage “{stage}”.", field="stage")
    if hub is not None and hub.locality_id != locality.pk:
        raise RuleBroken("That family hub is in another locality.", field="hub")
    teams = Team.objects.filter(localities=locality).order_by("id")
    team = teams.filter(members=by).first() or teams.filter(managers=by).first() or teams.first()
    if team is None:
        raise RuleBroken("No team serves that locality yet.", field="locality")
    today = timezone.localdate()
    case = Case.objects.create(
        reference=f"tmp-{uuid.uuid4().hex[:16]}",
        family_name=family_name.strip(),
        locality=locality,
        hub=hub,
        team=team,
        referred_by=by,
        stage=stage,
        referral_reason=referral_reason.strip(),
        child_lives_with=child_lives_with,
        opened_on=today,
        consent_to_refer=bool(consent_given_by),
        consent_to_share=bool(consent_given_by),
        consent_given_by=consent_given_by,
        consent_recorded_at=timezone.now() if consent_given_by else None,
        previous_case=previous,
    )
    # The reference needs the case's id: it is saved with the case's process when the workflow
    # starts below (one save and one field-history entry for both).
    case.reference = f"FGDM-{today.year}-{case.pk:06d}"
    # The stage at referral is the first row of the stage history (recorded by the referral's event).
    StageChange.objects.create(case=case, from_stage="", to_stage=stage, changed_on=today, changed_by=by)
    for child, (first_name, last_name) in zip(children, names, strict=True):
        if child.participation and child.participation not in ChildParticipation.values:
            raise RuleBroken(f"Unknown way of taking part “{child.participation}”.", field="children")
        recorded = bool(child.wishes_and_feelings.strip())
        Child.objects.create(
            case=case,
            **{**child.__dict__, "first_name": first_name, "last_name": last_name},
            wishes_recorded_at=timezone.now() if recorded else None,
            wishes_recorded_by=by if recorded else None,
        )
    record_event(
        obj=case,
        action="case_referred",
        by=by,
        case_id=case.pk,
        to_state=case.status,
        changes={"previous_case": previous.reference} if previous else None,
    )
    # The flow's start saves the case's process and reference on this same instance: nothing to re-read.
    workflow.start(case=case)
    return case


@transaction.atomic
def case_allocate(*, case_id: int, by, lead_practitioner) -> Case:
    """A manager names the family help lead practitioner.

    Raises NotPermitted (not a manager of the case; lead not a practitioner of its team),
    InvalidTransition (already allocated).
    """
    case = _lock_case(case_id, by=by)
    ensure_can_manage_case(by, case, conflict=case.by_conflicted)
    # A practitioner (the role's group) in the case's team: one read.
    if not case.team.members.filter(pk=lead_practitioner.pk, groups__name=Role.PRACTITIONER).exists():
        raise RuleBroken("The lead practitioner must be a practitioner in the case's team.", field="lead_practitioner")
    ensure_transition(case.status, CaseStatus.ALLOCATED, CASE_TRANSITIONS, label="case")
    case.lead_practitioner = lead_practitioner
    grant_case_access(lead_practitioner, case, "work_case")
    _move_case(
        case,
        CaseStatus.ALLOCATED,
        by=by,
        reason=f"Lead practitioner: {lead_practitioner.get_username()}",
        also=("lead_practitioner",),
    )
    workflow.advance(process=case.process, action="case_allocated", by=by)
    return case


def ensure_may_change_stage(user, case: Case) -> None:
    """Whether this person may change this case's stage now (the service's check; pages ask it to
    offer the button). The lead practitioner, a practitioner of the case's team or a manager over
    it may record the change: the decision to escalate or step down is often a manager's, and the
    practitioner keeps the record.

    Raises NotPermitted (none of those; a declared conflict), InvalidTransition (closed case).
    """
    ensure_can_work_or_manage_case(user, case)
    if case.status in ENDED_STATUSES:
        raise InvalidTransition("The case is closed: its stage cannot change while it is closed.")


@transaction.atomic
def case_change_stage(*, case_id: int, by, stage: str, reason: str, changed_on: datetime.date | None = None) -> Case:
    """Move the case to another stage (family help, child protection, pre-proceedings, kinship) from
    a date (today if not given), with the reason; the move is added to the case's stage history.
    Rules that depend on the stage (the pre-proceedings duty, conferences at pre-proceedings) read
    the current stage, so they apply from this moment.

    Raises NotPermitted, InvalidTransition (closed case; already at that stage), RuleBroken (unknown
    stage; no reason; a date in the future, before the case opened or before its last change).
    """
    case = _lock_case(case_id)
    ensure_may_change_stage(by, case)
    if stage not in Stage.values:
        raise RuleBroken(f"Unknown stage “{stage}”.", field="stage")
    if stage == case.stage:
        raise InvalidTransition(
            f"The case is already at {Stage(stage).label.lower()}: choose another stage to move it to."
        )
    reason = (reason or "").strip()
    if not reason:
        raise RuleBroken("Say why the stage changes.", field="reason")
    today = timezone.localdate()
    changed_on = changed_on or today
    if changed_on > today:
        raise RuleBroken("The stage cannot change on a date in the future.", field="changed_on")
    if changed_on < case.opened_on:
        raise RuleBroken(
            f"The stage cannot change before the case opened on {case.opened_on:%-d %B %Y}.", field="changed_on"
        )
    last = case.stage_changes.order_by("-changed_on", "-id").first()
    if last is not None and changed_on < last.changed_on:
        raise RuleBroken(
            f"The stage cannot change before its last change, on {last.changed_on:%-d %B %Y}.", field="changed_on"
        )
    previous = case.stage
    StageChange.objects.create(
        case=case, from_stage=previous, to_stage=stage, changed_on=changed_on, reason=reason, changed_by=by
    )
    case.stage = stage
    case.save(update_fields=["stage", "updated_at"])
    record_event(
        obj=case,
        action="stage_changed",
        by=by,
        case_id=case.pk,
        from_state=previous,
        to_state=stage,
        reason=reason,
        changes={"changed_on": changed_on.isoformat()},
    )
    return case


@transaction.atomic
def case_record_consent(*, case_id: int, by, given_by: str, to_refer: bool = True, to_share: bool = True) -> Case:
    """Record who consented to the referral and to sharing information, and when.

    Consent given again after a withdrawal starts a new consent (the withdrawal stays in the trail).
    Raises RuleBroken (nobody named, nothing consented to), InvalidTransition (closed case).
    """
    case = _lock_case(case_id)
    ensure_can_work_case(by, case)
    if case.status in ENDED_STATUSES:
        raise InvalidTransition("The case is closed.")
    if not given_by.strip():
        raise RuleBroken("Say who gave consent.", field="given_by")
    bounds.ensure_name(
        given_by,
        field="given_by",
        label="name of who gave consent",
        max_length=bounds.max_length_of(Case, "consent_given_by"),
    )
    if not (to_refer or to_share):
        raise RuleBroken("Record consent to the referral, to sharing information, or both.", field="to_share")
    case.consent_to_refer = to_refer
    case.consent_to_share = to_share
    case.consent_given_by = given_by.strip()
    case.consent_recorded_at = timezone.now()
    case.consent_withdrawn_at = None
    case.consent_withdrawn_by = ""
    case.save(
        update_fields=[
            "consent_to_refer",
            "consent_to_share",
            "consent_given_by",
            "consent_recorded_at",
            "consent_withdrawn_at",
            "consent_withdrawn_by",
            "updated_at",
        ]
    )
    record_event(
        obj=case,
        action="consent_recorded",
        by=by,
        case_id=case.pk,
        reason=case.consent_given_by,
        changes={"to_refer": to_refer, "to_share": to_share},
    )
    return case


@transaction.atomic
def case_withdraw_consent(*, case_id: int, by, withdrawn_by: str, reason: str = "") -> Case:
    """Record that the family withdrew consent to share information. From then on every step that
    shares information with the network (arranging, preparing, holding the meeting) is refused.

    Raises RuleBroken (nobody named), InvalidTransition (no consent to withdraw; closed case).
    """
    case = _lock_case(case_id)
    ensure_can_work_case(by, case)
    if case.status in ENDED_STATUSES:
        raise InvalidTransition("The case is closed.")
    if not withdrawn_by.strip():
        raise RuleBroken("Say who withdrew consent.", field="withdrawn_by")
    if not case.consent_to_share:
        raise InvalidTransition("There is no consent to share information to withdraw.")
    case.consent_to_share = False
    case.consent_withdrawn_at = timezone.now()
    case.consent_withdrawn_by = withdrawn_by.strip()
    case.save(update_fields=["consent_to_share", "consent_withdrawn_at", "consent_withdrawn_by", "updated_at"])
    record_event(
        obj=case,
        action="consent_withdrawn",
        by=by,
        case_id=case.pk,
        reason=f"{case.consent_withdrawn_by}: {reason.strip()}" if reason.strip() else case.consent_withdrawn_by,
    )
    return case


def _ensure_may_share(case: Case) -> None:
    """Steps that share information with the family network need the family's consent to share.

    Raises ConsentWithdrawn (409) after a withdrawal, RuleBroken when consent was never recorded.
    """
    if case.consent_to_share:
        return
    if case.consent_withdrawn_at:
        raise ConsentWithdrawn(
            f"{case.consent_withdrawn_by} withdrew consent to share information on "
            f"{timezone.localtime(case.consent_withdrawn_at):%-d %B %Y}: nothing more can be shared with the "
            "family network unless consent is given again."
        )
    raise RuleBroken("Record the family's consent to the referral and to sharing information first.")


@transaction.atomic
def case_set_bottom_lines(*, case_id: int, by, bottom_lines: str) -> Case:
    """The referrer's bottom lines: what any plan must achieve for the child to be safe.

    Raises RuleBroken (empty), InvalidTransition (closed case; a plan was already agreed).
    """
    case = _lock_case(case_id)
    ensure_can_work_case(by, case)
    if case.status in ENDED_STATUSES:
        raise InvalidTransition("The case is closed.")
    if not bottom_lines.strip():
        raise RuleBroken("Say what a safe plan must achieve.", field="bottom_lines")
    bounds.ensure_text(bottom_lines.strip(), field="bottom_lines", label="bottom lines")
    previous = case.bottom_lines
    case.bottom_lines = bottom_lines.strip()
    case.bottom_lines_set_by = by
    case.save(update_fields=["bottom_lines", "bottom_lines_set_by", "updated_at"])
    record_event(
        obj=case,
        action="bottom_lines_set",
        by=by,
        case_id=case.pk,
        changes={"bottom_lines": [previous or None, case.bottom_lines]},
    )
    return case


@transaction.atomic
def child_record_wishes(
    *, child_id: int, by, wishes_and_feelings: str, participation: str, participation_detail: str = ""
) -> Child:
    """The child's wishes and feelings and how they will take part (Children Act 1989 s17(4A)).

    Raises RuleBroken (nothing written; unknown way of taking part; someone/advocate not named).
    """
    child = Child.objects.select_for_update().get(pk=child_id)
    case = _lock_case(child.case_id)
    ensure_can_work_case(by, case)
    if case.status in ENDED_STATUSES:
        raise InvalidTransition("The case is closed.")
    if child.is_removed:
        raise InvalidTransition(f"{child} was removed from the case; add them again to record their wishes.")
    if child.is_unborn:
        raise InvalidTransition(f"{child} is not born yet: record the birth first.")
    if not wishes_and_feelings.strip():
        raise RuleBroken(
            "Write down the child's wishes and feelings, in their words where you can.", field="wishes_and_feelings"
        )
    bounds.ensure_text(wishes_and_feelings.strip(), field="wishes_and_feelings", label="wishes and feelings")
    if participation not in ChildParticipation.values:
        raise RuleBroken("Choose how the child will take part.", field="participation")
    if (
        participation in (ChildParticipation.SENDS_SOMEONE, ChildParticipation.ADVOCATE)
        and not participation_detail.strip()
    ):
        raise RuleBroken("Name who will speak for the child.", field="participation_detail")
    child.wishes_and_feelings = wishes_and_feelings.strip()
    child.participation = participation
    child.participation_detail = participation_detail.strip()
    child.wishes_recorded_at = timezone.now()
    child.wishes_recorded_by = by
    child.save()
    record_event(
        obj=child, action="child_wishes_recorded", by=by, case_id=case.pk, changes={"participation": participation}
    )
    return child


def _ensure_children_heard(case: Case) -> None:
    """Before a decision about services, every child's wishes and feelings are on record.

    Raises RuleBroken naming the children not heard yet.
    """
    missing = [
        f"{c.first_name} {c.last_name}"
        for c in case.children.current()
        if not c.is_unborn and not c.wishes_and_feelings.strip()
    ]
    if missing:
        raise RuleBroken(
            "Record the wishes and feelings of " + ", ".join(missing) + " before deciding.", field="children"
        )


def _ensure_parent_flags(relationship: str, is_parent: bool) -> None:
    """Someone recorded as the child's parent is marked as a parent (and so is never paid).

    Raises RuleBroken on `is_parent`.
    """
    if relationship == Relationship.PARENT and not is_parent:
        raise RuleBroken("A network member recorded as a parent must be marked as a parent.", field="is_parent")


@transaction.atomic
def member_add(
    *,
    case_id: int,
    by,
    full_name: str,
    relationship: str,
    is_parent: bool = False,
    has_parental_responsibility: bool = False,
    lives_with_child: bool = False,
    phone: str = "",
    email: str = "",
    address: str = "",
    language: str = "",
    interpreter_needed: bool = False,
    communication_needs: str = "",
) -> NetworkMember:
    """Add someone the family names to the network. Raises RuleBroken for a contradictory parent flag."""
    case = _lock_case(case_id)
    ensure_can_work_case(by, case)
    if case.status in ENDED_STATUSES:
        raise InvalidTransition("The case is closed.")
    _ensure_parent_flags(relationship, is_parent)
    full_name = bounds.ensure_name(
        full_name,
        field="full_name",
        label="member's full name",
        max_length=bounds.max_length_of(NetworkMember, "full_name"),
    )
    for name, value in (("address", address), ("communication_needs", communication_needs)):
        bounds.ensure_text(value, field=name)
    member = NetworkMember.objects.create(
        case=case,
        full_name=full_name,
        relationship=relationship,
        is_parent=is_parent,
        has_parental_responsibility=has_parental_responsibility,
        lives_with_child=lives_with_child,
        phone=phone,
        email=email,
        address=address,
        language=language.strip(),
        interpreter_needed=interpreter_needed,
        communication_needs=communication_needs.strip(),
        added_by=by,
    )
    record_event(obj=member, action="member_added", by=by, case_id=case.pk)
    return member


@transaction.atomic
def case_review(*, case_id: int, by, close: bool, outcome: str = "", notes: str = "") -> Case:
    """Record the review: continue (the family revises the plan) or close with an outcome."""
    case = _lock_case(case_id)
    ensure_can_work_case(by, case)
    if close:
        if outcome not in Outcome.values:
            raise RuleBroken("Choose the outcome for the child.", field="outcome")
        ensure_transition(case.status, CaseStatus.CLOSED, CASE_TRANSITIONS, label="case")
        case.outcome = outcome
        case.closed_on = timezone.localdate()
        case.closed_by = by
        case.close_note = notes.strip()
        case.save(update_fields=["outcome", "closed_on", "closed_by", "close_note", "updated_at"])
        from fgdm.services.outcomes import _schedule_outcomes  # outcomes builds on this module

        _schedule_outcomes(case)  # each child's outcome checks: at closure, 6 and 12 months
        # The case is closed before the flow moves on: its close step reads the case.
        # Like any closing, it records the retention class the case now falls in (fgdm.retention).
        _move_case(
            case,
            CaseStatus.CLOSED,
            by=by,
            reason=notes or case.get_outcome_display(),
            changes=lambda closed: dict(
                zip(("retention_class", "destroy_after"), _isoformat(retention_of(closed)), strict=True)
            ),
        )
    else:
        record_event(obj=case, action="review_continue", by=by, case_id=case.pk, reason=notes)
    workflow.advance(process=case.process, action="case_reviewed", by=by)
    for escalation in case.review_escalations.filter(resolved_at__isnull=True):
        escalation.resolved_at = timezone.now()
        escalation.save(update_fields=["resolved_at"])
    return case


@transaction.atomic
def case_transfer(*, case_id: int, by, team: Team, lead_practitioner, locality: Locality | None = None) -> Case:
    """Move a case to another team (and locality, if the family moved), with a new lead practitioner.

    Access moves in the same transaction: the old team and old lead lose it, the new ones get it.
    Raises NotPermitted (not a manager over the case), RuleBroken (team does not serve the locality;
    lead not a practitioner of the new team), InvalidTransition (closed case).
    """
    case = _lock_case(case_id)
    ensure_can_manage_case(by, case)
    if case.status in ENDED_STATUSES:
        raise InvalidTransition("A closed case cannot be moved.")
    locality = locality or case.locality
    if not team.localities.filter(pk=locality.pk).exists():
        raise RuleBroken(f"{team.name} does not serve {locality.name}.", field="team")
    if not has_role(lead_practitioner, Role.PRACTITIONER) or not team.members.filter(pk=lead_practitioner.pk).exists():
        raise RuleBroken("The lead practitioner must be a practitioner in the new team.", field="lead_practitioner")
    before = {
        "team": case.team.code,
        "locality": case.locality.code,
        "lead_practitioner": case.lead_practitioner.get_username() if case.lead_practitioner else "",
    }
    if case.lead_practitioner and case.lead_practitioner != lead_practitioner:
        revoke_case_access(case.lead_practitioner, case)
        reassign_open_tasks(process=case.process, from_user=case.lead_practitioner, to_user=lead_practitioner)
    moved_from = case.locality_id
    case.team, case.locality, case.lead_practitioner = team, locality, lead_practitioner
    if case.hub_id and case.hub.locality_id != locality.pk:
        case.hub = None
    case.save(update_fields=["team", "locality", "lead_practitioner", "hub", "updated_at"])
    budgets.case_moved(case_id=case.pk, from_locality_id=moved_from, to_locality_id=locality.pk)
    grant_case_access(lead_practitioner, case, "work_case")
    after = {"team": team.code, "locality": locality.code, "lead_practitioner": lead_practitioner.get_username()}
    record_event(
        obj=case,
        action="case_transferred",
        by=by,
        case_id=case.pk,
        changes={key: [before[key], after[key]] for key in after if before[key] != after[key]},
    )
    return case


@transaction.atomic
def case_reassign(*, case_id: int, by, lead_practitioner, reason: str = "") -> Case:
    """A manager names another practitioner of the case's team as its lead (someone is off, or the
    caseload is rebalanced). The new lead gets the case and the old lead's open tasks on it at once;
    the old lead keeps what their team membership gives them.

    Raises NotPermitted (not a manager over the case), RuleBroken (not a practitioner of the team;
    already the lead), InvalidTransition (closed case).
    """
    case = _lock_case(case_id)
    ensure_can_manage_case(by, case)
    if case.status in ENDED_STATUSES:
        raise InvalidTransition("A closed case has no lead to reassign: reopen it first.")
    if lead_practitioner is None or not (
        has_role(lead_practitioner, Role.PRACTITIONER) and case.team.members.filter(pk=lead_practitioner.pk).exists()
    ):
        raise RuleBroken(
            f"The lead practitioner must be a practitioner in the {case.team.name}.", field="lead_practitioner"
        )
    if case.lead_practitioner_id == lead_practitioner.pk:
        raise RuleBroken(f"{lead_practitioner.get_username()} already leads this case.", field="lead_practitioner")
    ensure_no_conflict(lead_practitioner, case.pk)
    previous = case.lead_practitioner
    if previous is not None:
        revoke_case_access(previous, case)
        reassign_open_tasks(process=case.process, from_user=previous, to_user=lead_practitioner)
    case.lead_practitioner = lead_practitioner
    case.save(update_fields=["lead_practitioner", "updated_at"])
    grant_case_access(lead_practitioner, case, "work_case")
    record_event(
        obj=case,
        action="case_reassigned",
        by=by,
        case_id=case.pk,
        reason=reason.strip(),
        changes={"lead_practitioner": [previous.get_username() if previous else "", lead_practitioner.get_username()]},
    )
    return case


# What "correct the case's details" may change, and where the rest is changed instead.
CASE_DETAILS = ("family_name", "referral_reason", "hub", "child_lives_with")
CASE_CHANGED_ELSEWHERE = {
    "stage": "The stage changes with its own step, which keeps the stage's history.",
    "locality": "A case moves to another locality by a transfer (a manager's step).",
    "team": "A case moves to another team by a transfer (a manager's step).",
    "lead_practitioner": "A case's lead practitioner changes by a transfer (a manager's step).",
    "status": "A case's status changes only through the steps of the case.",
}


def _hub_of(value, case: Case) -> FamilyHub | None:
    """The hub named by `value` (a hub, its id or None), in the case's locality. Raises RuleBroken."""
    if value in (None, ""):
        return None
    try:
        hub = value if isinstance(value, FamilyHub) else FamilyHub.objects.filter(pk=value).first()
    except (ValueError, TypeError):
        hub = None
    if hub is None:
        raise RuleBroken("Choose a family hub that exists.", field="hub")
    if hub.locality_id != case.locality_id:
        raise RuleBroken(
            f"That family hub is in another locality; choose one in {case.locality.name} "
            "(a family that moved is transferred first).",
            field="hub",
        )
    return hub


@transaction.atomic
def case_update(*, case_id: int, by, **changes) -> Case:
    """Correct a case's details: the family name, the referral reason, the family hub (within the
    case's locality) and who the children live with. Records one `case_updated` event with the
    before and after of what changed, and nothing if nothing did.

    Raises NotPermitted (not a practitioner of the case), InvalidTransition (closed case),
    RuleBroken (an empty family name or reason, a hub elsewhere, a field changed by another step —
    stage, locality, team — or unknown).
    """
    case = _lock_case(case_id)
    ensure_can_work_case(by, case)
    if case.status in ENDED_STATUSES:
        raise InvalidTransition("The case is closed: a manager must reopen it before its details can be corrected.")
    for name in changes:
        if name in CASE_CHANGED_ELSEWHERE:
            raise RuleBroken(CASE_CHANGED_ELSEWHERE[name], field=name)
        if name not in CASE_DETAILS:
            raise RuleBroken(f"“{name}” is not a detail of the case that can be corrected here.", field=name)
    wanted = {}
    if "family_name" in changes:
        if not str(changes["family_name"] or "").strip():
            raise RuleBroken("Give the family name.", field="family_name")
        wanted["family_name"] = " ".join(
            bounds.ensure_name(
                changes["family_name"],
                field="family_name",
                label="family name",
                max_length=bounds.max_length_of(Case, "family_name"),
            ).split()
        )
    if "referral_reason" in changes:
        wanted["referral_reason"] = str(changes["referral_reason"] or "").strip()
        if not wanted["referral_reason"]:
            raise RuleBroken("Give the reason for the referral.", field="referral_reason")
        bounds.ensure_text(wanted["referral_reason"], field="referral_reason", label="reason for the referral")
    if "child_lives_with" in changes:
        wanted["child_lives_with"] = str(changes["child_lives_with"] or "").strip()
    if "hub" in changes:
        wanted["hub"] = _hub_of(changes["hub"], case)
    for name, value in wanted.items():
        limit = getattr(Case._meta.get_field(name), "max_length", None)
        if limit and isinstance(value, str) and len(value) > limit:
            raise RuleBroken(f"At most {limit} characters.", field=name)

    def shown(name, value):
        return (value.name if value else None) if name == "hub" else value

    changed = {
        name: [shown(name, getattr(case, name)), shown(name, value)]
        for name, value in wanted.items()
        if getattr(case, name) != value
    }
    if not changed:
        return case
    for name in changed:
        setattr(case, name, wanted[name])
    case.save(update_fields=[*changed, "updated_at"])
    record_event(obj=case, action="case_updated", by=by, case_id=case.pk, changes=changed)
    return case


def practitioner_by_username(username: str):
    """Look up a user by username for inputs that name people (lead practitioner, coordinator)."""
    try:
        return get_user_model().objects.get(username=username, is_active=True)
    except get_user_model().DoesNotExist:
        return None


@transaction.atomic
def conflict_declare(*, by, case_reference: str, reason: str) -> DeclaredConflict:
    """Declare that `by` is in a family's network, or related to or close to someone who is.

    From then on they can neither see nor act on that case, whatever their role. Anyone on the
    staff can declare, for any case reference (they may know the family before they know the
    case). Raises RuleBroken (no such reference, no reason, already declared).
    """
    reason = (reason or "").strip()
    if not reason:
        raise RuleBroken("Say how you know the family.", field="reason")
    case = Case.objects.filter(reference=(case_reference or "").strip().upper()).first()
    if case is None:
        raise RuleBroken("Check the case reference: it looks like FGDM-2026-000123.", field="case_reference")
    if DeclaredConflict.objects.filter(user=by, case=case).exists():
        raise RuleBroken("You have already declared a conflict of interest in this case.", field="case_reference")
    conflict = DeclaredConflict.objects.create(user=by, case=case, reason=reason)
    # The trail names the case, not the declarer's relationship: that stays on the declaration.
    record_event(obj=conflict, action="conflict_declared", by=by, case_id=case.pk)
    return conflict


def working_days_between(start: datetime.date, end: datetime.date) -> int:
    """Working days after `start` up to and including `end`: Monday to Friday, England and Wales bank
    holidays left out (audit.dates, the house's one working-day helper)."""
    return dates.working_days_between(start, end)


@transaction.atomic
def reviews_escalate_overdue(*, by=None, working_days: int | None = None) -> list:
    """Escalate every review task still open more than `working_days` working days after the plan's
    review date to the case's team managers (once per task). Run on a schedule with the timers;
    `by` is the person responsible for the run (None: the system, see audit.context).
    """
    from django.conf import settings

    from fgdm.models import ReviewEscalation

    limit = settings.FGDM_REVIEW_ESCALATION_WORKING_DAYS if working_days is None else working_days
    today = timezone.localdate()
    escalated = []
    tasks = (
        workflow.tasks_waiting(action="case_reviewed")
        .exclude(pk__in=ReviewEscalation.objects.values("task_id"))
        .select_related("process__case")
    )
    for task in tasks:
        case = getattr(task.process, "case", None)
        if case is None:
            continue
        plan = case.plans.order_by("-version").first()
        due = plan.review_by if plan else timezone.localdate(task.created)
        overdue = working_days_between(due, today)
        if overdue <= limit:
            continue
        escalation = ReviewEscalation.objects.create(
            case=case, task_id=task.pk, review_due_on=due, working_days_overdue=overdue
        )
        managers = ", ".join(sorted(case.team.managers.values_list("username", flat=True)))
        record_event(
            obj=escalation,
            action="review_escalated",
            by=by,
            case_id=case.pk,
            reason=f"Review due {due:%-d %B %Y}, {overdue} working days overdue; escalated to {managers or 'the team managers'}.",
        )
        escalated.append(escalation)
    return escalated
