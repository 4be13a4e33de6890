"""Support packages: drafting, editing, changing (a new version), withdrawing, ending, pausing, reviewing."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from audit.services import record_event
from core import bounds, workflow
from core.exceptions import InvalidTransition, RuleBroken, ensure_transition
from fgdm.constants import ENDED_STATUSES, MeetingStatus, PlanStatus
from fgdm.models import Case, FamilyPlan
from fgdm.permissions import conflict_declared, ensure_can_work_case
from network_packages import commitments, payees
from network_packages.constants import (
    EDITABLE_STATUSES,
    OPEN_STATUSES,
    PACKAGE_TRANSITIONS,
    SAFETY_ANSWERS,
    Category,
    Frequency,
    MeansDecision,
    OtherFunding,
    PackageStatus,
    ReviewDecision,
    SafetyPrompt,
)
from network_packages.models import (
    PENNY,
    PackageItem,
    PackageReview,
    PackageSafetyAnswer,
    Supplier,
    SupportPackage,
)
from network_packages.selectors import drafting_blocked_by, why_not_editable

# The most instalments an item has: two years of weekly payments.
MOST_INSTALMENTS = 104

# What closing a case withdraws (not yet approved) or ends (approved).
CLOSE_WITH_CASE = OPEN_STATUSES


@dataclass(frozen=True)
class ItemInput:
    description: str
    category: str
    payee_id: int | None  # a member of the family's network, or
    amount: Decimal
    frequency: str = Frequency.ONE_OFF
    instalments: int = 1
    plan_action_id: int | None = None
    supplier_id: int | None = None  # a supplier on the council's register; exactly one of the two
    starts_on: datetime.date | None = None  # first instalment due; default the written agreement's date
    hours_per_day: Decimal | None = None  # childcare only: hours a day

    @classmethod
    def of(cls, item: PackageItem) -> "ItemInput":
        return cls(
            description=item.description,
            category=item.category,
            payee_id=item.payee_id,
            supplier_id=item.supplier_id,
            amount=item.amount,
            frequency=item.frequency,
            instalments=item.instalments,
            plan_action_id=item.plan_action_id,
            starts_on=item.starts_on,
            hours_per_day=item.hours_per_day,
        )


@dataclass(frozen=True)
class SafetyAnswerInput:
    """An answer to a safety prompt the package raises, about a network member or a supplier."""

    prompt: str
    answer: str
    detail: str
    member_id: int | None = None
    supplier_id: int | None = None


MOST_HOURS = Decimal("24")


def _validate_items(case: Case, plan: FamilyPlan, items: list[ItemInput], *, members: list | None = None) -> None:
    """`members`: the case's network members (removed ones too), if already read."""
    if not items:
        raise RuleBroken("A package needs at least one item.", field="items")
    bounds.ensure_count(items, most=bounds.max_items(), what="items in a package", field="items")
    members = {m.pk: m for m in (case.network_members.all() if members is None else members)}
    suppliers = {s.pk: s for s in Supplier.objects.filter(pk__in={i.supplier_id for i in items if i.supplier_id})}
    # The plan's actions are read only when an item names one.
    named = {i.plan_action_id for i in items if i.plan_action_id is not None}
    action_ids = set(plan.actions.filter(pk__in=named).values_list("pk", flat=True)) if named else set()
    for number, item in enumerate(items, start=1):
        if (item.payee_id is None) == (item.supplier_id is None):
            raise RuleBroken(
                f"Item {number}: say who is paid: a member of the family's network or a supplier, not both.",
                field="items",
            )
        if item.supplier_id is not None:
            supplier = suppliers.get(item.supplier_id)
            if supplier is None:
                raise RuleBroken(f"Item {number}: that supplier is not on the council's register.", field="items")
            if not supplier.active:
                raise RuleBroken(
                    f"Item {number}: {supplier.name} is no longer on the council's register of "
                    "suppliers; choose another payee.",
                    field="items",
                )
        else:
            payee = members.get(item.payee_id)
            if payee is None:
                raise RuleBroken(f"Item {number}: the payee is not in this family's network.", field="items")
            if payee.is_removed:
                raise RuleBroken(
                    f"Item {number}: {payee.full_name} was removed from the family's network and can no longer be "
                    "paid from a new item; choose another payee.",
                    field="items",
                )
            why_not = payees.refusal(payee)
            if why_not:
                raise RuleBroken(f"Item {number}: {payee.full_name} cannot be paid. {why_not}", field="items")
        if item.hours_per_day is not None:
            if item.category != Category.CHILDCARE:
                raise RuleBroken(f"Item {number}: hours a day are given for childcare only.", field="items")
            if not Decimal("0") < item.hours_per_day <= MOST_HOURS or item.hours_per_day != item.hours_per_day.quantize(
                Decimal("0.1")
            ):
                raise RuleBroken(
                    f"Item {number}: hours a day must be more than 0 and at most 24, to a tenth of an hour.",
                    field="items",
                )
        if item.category not in Category.values:
            raise RuleBroken(f"Item {number}: unknown category “{item.category}”.", field="items")
        if item.frequency not in Frequency.values:
            raise RuleBroken(f"Item {number}: unknown frequency “{item.frequency}”.", field="items")
        if item.amount <= 0 or item.amount != item.amount.quantize(PENNY):
            raise RuleBroken(f"Item {number}: the amount must be positive, in whole pence.", field="items")
        bounds.ensure_item_amount(item.amount, field="items", prefix=f"Item {number}: ")
        if item.instalments > MOST_INSTALMENTS:
            raise RuleBroken(
                f"Item {number}: at most {MOST_INSTALMENTS} instalments (two years weekly).", field="items"
            )
        description = str(item.description or "").strip()
        if not description:
            raise RuleBroken(f"Item {number}: say what it is.", field="items")
        if len(description) > bounds.max_length_of(PackageItem, "description"):
            raise RuleBroken(
                f"Item {number}: the description can be at most "
                f"{bounds.max_length_of(PackageItem, 'description')} characters.",
                field="items",
            )
        if item.instalments < 1 or (item.frequency == Frequency.ONE_OFF and item.instalments != 1):
            raise RuleBroken(f"Item {number}: a one-off item has exactly one instalment.", field="items")
        if item.starts_on is not None and item.starts_on > timezone.localdate() + datetime.timedelta(days=366):
            raise RuleBroken(
                f"Item {number}: the first payment must fall within the next twelve months.", field="items"
            )
        if item.plan_action_id is not None and item.plan_action_id not in action_ids:
            raise RuleBroken(f"Item {number}: the plan action is not in this plan.", field="items")
    # The ceiling is within what the total's column holds (core.checks checks the setting).
    bounds.ensure_package_total(sum((i.amount * i.instalments for i in items), Decimal("0.00")))


def _package_dates(case: Case, *, agreement_signed_on=None, review_by=None) -> None:
    """The written agreement was signed on a day from the case's opening to today; the review is
    after today, within two years. Raises RuleBroken on the field at fault."""
    bounds.ensure_past_date(
        agreement_signed_on,
        field="agreement_signed_on",
        what="The written agreement's date",
        earliest=min(case.opened_on, timezone.localdate()) if case.opened_on else bounds.EARLIEST_RECORD,
    )
    bounds.ensure_review_date(review_by)


def _ensure_justification(justification: str) -> None:
    bounds.ensure_text(justification, field="justification", label="justification")


def _plan_of(case: Case, plan_id) -> FamilyPlan:
    try:
        return case.plans.select_related("meeting").get(pk=plan_id)
    except (FamilyPlan.DoesNotExist, ValueError, TypeError):
        raise RuleBroken("That plan is not one of this case's plans.", field="plan")


def _ensure_case_open(case: Case) -> None:
    if case.status in ENDED_STATUSES:
        raise InvalidTransition("The case is closed: reopen it before changing its support.")


def _set_items(package: SupportPackage, items: list[ItemInput]) -> None:
    """Give the package these items (replacing any it had) and its total."""
    package.items.all().delete()
    PackageItem.objects.bulk_create(
        PackageItem(
            package=package,
            description=i.description.strip(),
            category=i.category,
            payee_id=i.payee_id,
            supplier_id=i.supplier_id,
            amount=i.amount,
            frequency=i.frequency,
            instalments=i.instalments,
            plan_action_id=i.plan_action_id,
            starts_on=i.starts_on,
            hours_per_day=i.hours_per_day,
        )
        for i in items
    )
    package.total = sum((i.amount * i.instalments for i in items), Decimal("0.00"))
    package.save(update_fields=["total"])


def _means_and_funding(
    package: SupportPackage, *, means_decision=None, means_reason=None, other_funding_sources=None
) -> None:
    """Set the decision on means (s.17(8)) and the other funding checked, as given (None: unchanged).
    Giving any funding source also records that other funding was checked.

    Raises RuleBroken (an unknown decision or source; a waiver without its reason).
    """
    if means_decision is not None:
        if means_decision not in MeansDecision.values:
            raise RuleBroken("Choose the decision on means: not assessed, assessed or waived.", field="means_decision")
        package.means_decision = means_decision
    if means_reason is not None:
        package.means_reason = bounds.ensure_text(
            str(means_reason or "").strip(), field="means_reason", label="reason"
        ).strip()
    if package.means_decision == MeansDecision.WAIVED and not package.means_reason:
        raise RuleBroken("Say why the assessment of means was waived.", field="means_reason")
    if other_funding_sources is not None:
        sources = []
        for source in other_funding_sources:
            if source not in OtherFunding.values:
                raise RuleBroken(f"Unknown source of funding “{source}”.", field="other_funding_sources")
            if source not in sources:
                sources.append(source)
        package.other_funding_sources = sources
        if sources:
            package.other_funding_checked = True


def _set_safety_answers(package: SupportPackage, *, by, answers: list[SafetyAnswerInput]) -> dict:
    """Record answers to the safety prompts the package (with its items saved) raises. Returns what
    changed, for the trail.

    Raises RuleBroken (a prompt the package does not raise; an answer that does not fit it; no detail).
    """
    if not answers:
        return {}
    prompts = {p.key: p for p in payees.safety_prompts(package)}
    changed = {}
    now = timezone.now()
    for number, given in enumerate(answers, start=1):
        key = (given.prompt, given.member_id, given.supplier_id)
        prompt = prompts.get(key)
        if prompt is None:
            raise RuleBroken(
                f"Answer {number}: this package raises no such safety question about that person.",
                field="safety_answers",
            )
        if given.answer not in SAFETY_ANSWERS[SafetyPrompt(given.prompt)]:
            raise RuleBroken(
                f"Answer {number}: that answer does not fit the question ({prompt.label.lower()}).",
                field="safety_answers",
            )
        detail = bounds.ensure_text(str(given.detail or "").strip(), field="safety_answers", label="detail").strip()
        if not detail:
            raise RuleBroken(
                f"Answer {number}: give the detail (the registration number, why exempt, when the council was "
                "notified, or why it is not private fostering).",
                field="safety_answers",
            )
        PackageSafetyAnswer.objects.update_or_create(
            package=package,
            prompt=given.prompt,
            member_id=given.member_id,
            supplier_id=given.supplier_id,
            defaults={"answer": given.answer, "detail": detail, "answered_by": by, "answered_at": now},
        )
        changed[f"{given.prompt} about {prompt.name}"] = given.answer
    return changed


def _carry_safety_answers(package: SupportPackage, previous: SupportPackage) -> None:
    """A new version keeps the answers of the version it changes, for the prompts it still raises."""
    raised = {p.key for p in payees.safety_prompts(package)}
    for answer in previous.safety_answers.all():
        if (answer.prompt, answer.member_id, answer.supplier_id) in raised:
            PackageSafetyAnswer.objects.create(
                package=package,
                prompt=answer.prompt,
                member_id=answer.member_id,
                supplier_id=answer.supplier_id,
                answer=answer.answer,
                detail=answer.detail,
                answered_by=answer.answered_by,
                answered_at=answer.answered_at,
            )


def _draft(
    *,
    case: Case,
    by,
    plan_id,
    justification: str,
    other_funding_checked: bool,
    agreement_signed_on: datetime.date | None,
    review_by: datetime.date | None,
    items: list[ItemInput],
    previous: SupportPackage | None = None,
    means_decision: str | None = None,
    means_reason: str | None = None,
    other_funding_sources: list[str] | None = None,
    safety_answers: list[SafetyAnswerInput] | None = None,
) -> SupportPackage:
    """A new draft (a first package, or a new version of `previous`): rule 3 and the items checked."""
    plan = _plan_of(case, plan_id)
    _ensure_plan_ready(plan)
    _ensure_justification(justification)
    _package_dates(
        case,
        agreement_signed_on=agreement_signed_on
        if previous is None or agreement_signed_on != previous.agreement_signed_on
        else None,
        review_by=review_by,
    )
    _validate_items(case, plan, items)
    package = SupportPackage(
        case=case,
        plan=plan,
        version=previous.version + 1 if previous else 1,
        previous=previous,
        justification=justification.strip(),
        other_funding_checked=other_funding_checked,
        agreement_signed_on=agreement_signed_on,
        review_by=review_by,
        created_by=by,
    )
    if previous is not None:  # a new version keeps the decision on means and the funding checked
        package.means_decision = previous.means_decision
        package.means_reason = previous.means_reason
        package.other_funding_sources = list(previous.other_funding_sources)
    _means_and_funding(
        package,
        means_decision=means_decision,
        means_reason=means_reason,
        other_funding_sources=other_funding_sources,
    )
    package.save()
    _set_items(package, items)
    if previous is not None:
        _carry_safety_answers(package, previous)
    _set_safety_answers(package, by=by, answers=safety_answers or [])
    return package


@transaction.atomic
def package_create(
    *,
    case_id: int,
    by,
    plan_id: int,
    justification: str,
    other_funding_checked: bool,
    agreement_signed_on: datetime.date | None,
    review_by: datetime.date | None,
    items: list[ItemInput],
    means_decision: str | None = None,
    means_reason: str | None = None,
    other_funding_sources: list[str] | None = None,
    safety_answers: list[SafetyAnswerInput] | None = None,
) -> SupportPackage:
    """Draft a support package for the case's accepted plan. It may be drafted while another
    package is in approval; its submission waits until that one is decided or withdrawn.

    Raises InvalidTransition (case closed; the case has a draft, or an approved package to change
    instead), RuleBroken (no held meeting / accepted plan, ineligible payee, bad item).
    """
    case = Case.objects.select_for_update().get(pk=case_id)
    ensure_can_work_case(by, case)
    _ensure_case_open(case)
    blocking = drafting_blocked_by(case=case)
    if blocking is not None:
        raise InvalidTransition(
            f"Version {blocking.version} of this case's support package is "
            f"{blocking.get_status_display().lower()}: "
            + (
                "change it rather than drafting another."
                if blocking.status == PackageStatus.APPROVED
                else "carry on with it, or withdraw it first."
            )
        )
    package = _draft(
        case=case,
        by=by,
        plan_id=plan_id,
        justification=justification,
        other_funding_checked=other_funding_checked,
        agreement_signed_on=agreement_signed_on,
        review_by=review_by,
        items=items,
        means_decision=means_decision,
        means_reason=means_reason,
        other_funding_sources=other_funding_sources,
        safety_answers=safety_answers,
    )
    record_event(
        obj=package,
        action="package_drafted",
        by=by,
        case_id=case.pk,
        to_state=package.status,
        changes={"total": str(package.total)},
    )
    return package


def _ensure_plan_ready(plan: FamilyPlan) -> None:
    """Rule 3: support follows a held meeting and a plan the family agreed and we accepted. A case can
    have several meetings (reconvened, review, one cancelled): any meeting of the case held counts."""
    if plan.meeting.status != MeetingStatus.HELD and not plan.case.meetings.filter(status=MeetingStatus.HELD).exists():
        raise RuleBroken("A support package needs a family meeting that has been held.", field="plan")
    if plan.status != PlanStatus.ACCEPTED:
        raise RuleBroken("A support package needs the family's plan to be agreed and accepted.", field="plan")


@transaction.atomic
def package_revise(
    *,
    package_id: int,
    by,
    plan_id: int,
    justification: str,
    other_funding_checked: bool,
    agreement_signed_on: datetime.date | None,
    review_by: datetime.date | None,
    items: list[ItemInput],
    means_decision: str | None = None,
    means_reason: str | None = None,
    other_funding_sources: list[str] | None = None,
    safety_answers: list[SafetyAnswerInput] | None = None,
) -> SupportPackage:
    """Change an approved package, whenever the case is open: a new draft version that must be
    approved again. Without a new written-agreement date, the approved version's is carried over.

    The approved version stays in force (and its payments go on) until the new one is approved;
    then it ends and its unpaid payments are cancelled. Raises InvalidTransition (case closed; not
    approved; a newer version exists; another draft on the case), RuleBroken (as for a new package).
    """
    old = _lock_package(package_id)
    case = old.case
    ensure_can_work_case(by, case)
    _ensure_case_open(case)
    if old.status != PackageStatus.APPROVED:
        raise InvalidTransition("Only an approved package can be changed; edit or withdraw a draft instead.")
    newer = SupportPackage.objects.filter(previous=old).exclude(status=PackageStatus.WITHDRAWN).first()
    if newer is not None:
        raise InvalidTransition(
            f"This package already has a newer version (version {newer.version}, "
            f"{newer.get_status_display().lower()}): carry on with it, or withdraw it first."
        )
    draft = SupportPackage.objects.filter(case_id=case.pk, status=PackageStatus.DRAFT).first()
    if draft is not None:
        raise InvalidTransition(
            f"Version {draft.version} of this case's support package is a draft: carry on with it, "
            "or withdraw it first."
        )
    package = _draft(
        case=case,
        by=by,
        plan_id=plan_id,
        justification=justification,
        other_funding_checked=other_funding_checked,
        agreement_signed_on=agreement_signed_on or old.agreement_signed_on,
        review_by=review_by,
        items=items,
        previous=old,
        means_decision=means_decision,
        means_reason=means_reason,
        other_funding_sources=other_funding_sources,
        safety_answers=safety_answers,
    )
    record_event(
        obj=package,
        action="package_revised",
        by=by,
        case_id=case.pk,
        to_state=package.status,
        changes={"version": [old.version, package.version], "total": [str(old.total), str(package.total)]}
        | ({"agreement_signed_on": "carried from version %d" % old.version} if not agreement_signed_on else {}),
    )
    return package


_UNSET = object()


@transaction.atomic
def package_update(
    *,
    package_id: int,
    by,
    plan_id=_UNSET,
    justification=_UNSET,
    other_funding_checked=_UNSET,
    agreement_signed_on=_UNSET,
    review_by=_UNSET,
    items: list[ItemInput] | None = None,
    means_decision: str | None = None,
    means_reason: str | None = None,
    other_funding_sources: list[str] | None = None,
    safety_answers: list[SafetyAnswerInput] | None = None,
) -> SupportPackage:
    """Edit a draft or a returned package: only the fields given change; `items`, when given,
    replace its items; `safety_answers` answer the safety prompts the package (with those items)
    raises. A returned package stays returned until it is submitted again.

    Raises InvalidTransition (not a draft or returned; case closed), NotPermitted (not the case's
    practitioner), RuleBroken (empty justification, plan not ready, bad item).
    """
    package = _lock_package(package_id)
    ensure_can_work_case(by, package.case)
    if package.status not in EDITABLE_STATUSES:
        raise InvalidTransition(why_not_editable(package))
    _ensure_case_open(package.case)
    before = _editable_fields(package)
    if plan_id is not _UNSET:
        plan = _plan_of(package.case, plan_id)
        _ensure_plan_ready(plan)
        package.plan = plan
    if justification is not _UNSET:
        if not (justification or "").strip():
            raise RuleBroken("Say why this support is needed.", field="justification")
        _ensure_justification(justification)
        package.justification = justification.strip()
    if other_funding_checked is not _UNSET:
        package.other_funding_checked = bool(other_funding_checked)
    _means_and_funding(
        package,
        means_decision=means_decision,
        means_reason=means_reason,
        other_funding_sources=other_funding_sources,
    )
    if agreement_signed_on is not _UNSET:
        if agreement_signed_on != package.agreement_signed_on:
            _package_dates(package.case, agreement_signed_on=agreement_signed_on)
        package.agreement_signed_on = agreement_signed_on
    if review_by is not _UNSET:
        if review_by != package.review_by:
            _package_dates(package.case, review_by=review_by)
        package.review_by = review_by
    if items is not None:
        _validate_items(package.case, package.plan, items)
    elif plan_id is not _UNSET:  # the items must still fit the plan they now belong to
        _validate_items(package.case, package.plan, [ItemInput.of(i) for i in package.items.all()])
    package.save()
    if items is not None:
        _set_items(package, items)
    answered = _set_safety_answers(package, by=by, answers=safety_answers or [])
    after = _editable_fields(package)
    record_event(
        obj=package,
        action="package_updated",
        by=by,
        case_id=package.case_id,
        changes={name: [before[name], after[name]] for name in after if before[name] != after[name]}
        | ({"safety_answers": answered} if answered else {}),
    )
    return package


def _editable_fields(package: SupportPackage) -> dict:
    """What an edit may change, as the trail shows it."""
    return {
        "plan": package.plan_id,
        "justification": package.justification,
        "other_funding_checked": package.other_funding_checked,
        "other_funding_sources": list(package.other_funding_sources),
        "means_decision": package.means_decision,
        "means_reason": package.means_reason,
        "agreement_signed_on": package.agreement_signed_on.isoformat() if package.agreement_signed_on else None,
        "review_by": package.review_by.isoformat() if package.review_by else None,
        "total": str(package.total),
        "items": [
            f"{i.description} £{i.amount} {i.frequency} ×{i.instalments} to "
            + (f"supplier {i.supplier_id}" if i.supplier_id else f"member {i.payee_id}")
            + (f", {i.hours_per_day} hours a day" if i.hours_per_day is not None else "")
            for i in package.items.order_by("id")
        ],
    }


def _lock_package(package_id: int, *, by=None) -> SupportPackage:
    """The package and its case, locked in one statement (the package's row first, as before).
    `by`: whether they declared a conflict in the case is read with it."""
    packages = SupportPackage.objects.select_for_update(of=("self", "case")).select_related(
        "plan__meeting", "case__process", "case__team", "case__locality"
    )
    if by is not None:  # as fgdm's `_lock_case`: the package's `by_conflicted`
        packages = packages.annotate(by_conflicted=conflict_declared(by, "case_id"))
    return packages.get(pk=package_id)


@transaction.atomic
def package_withdraw(*, package_id: int, by, reason: str = "") -> SupportPackage:
    """Withdraw a package that has not been approved: a draft, one waiting for approval (the
    approval task of its tier is done) or a returned one (the rework task is done).

    Raises InvalidTransition (approved, ended or withdrawn already), NotPermitted.
    """
    package = _lock_package(package_id)
    ensure_can_work_case(by, package.case)
    previous = package.status
    _withdraw(package, by=by, reason=reason)
    if previous == PackageStatus.SUBMITTED:
        workflow.advance(
            process=package.case.process, action="package_withdrawn", by=by, tier=package.current_tier, package=package
        )
    elif previous == PackageStatus.RETURNED:
        workflow.advance(process=package.case.process, action="returned_package_withdrawn", by=by, package=package)
    return package


def _withdraw(package: SupportPackage, *, by, reason: str) -> None:
    """Withdraw a locked package that has not been approved: one `package_withdrawn` event."""
    previous = package.status
    ensure_transition(previous, PackageStatus.WITHDRAWN, PACKAGE_TRANSITIONS, label="package")
    package.status = PackageStatus.WITHDRAWN
    package.save(update_fields=["status"])
    record_event(
        obj=package,
        action="package_withdrawn",
        by=by,
        case_id=package.case_id,
        from_state=previous,
        to_state=package.status,
        reason=reason,
    )


def _ensure_no_newer_version(package: SupportPackage) -> None:
    newer = package.later_versions.exclude(status__in=[PackageStatus.WITHDRAWN]).order_by("-version").first()
    if newer is not None:
        raise InvalidTransition(
            f"Version {newer.version} of this package is {newer.get_status_display().lower()}: "
            "withdraw it first, or let its approval replace this version."
        )


@transaction.atomic
def package_end(*, package_id: int, by, reason: str, last_due_on: datetime.date | None = None) -> SupportPackage:
    """End an approved package early (the support is no longer needed). Its payments that have not
    gone to the bank and fall due after `last_due_on` (default: all of them) are cancelled; paid
    and batched payments are never touched. Ending spends less than was approved, so it needs no
    approval.

    Raises NotPermitted (not the case's practitioner), RuleBroken (no reason), InvalidTransition
    (not approved; a newer version is waiting for approval).
    """
    package = _lock_package(package_id)
    ensure_can_work_case(by, package.case)
    return _end(package, by=by, reason=reason, last_due_on=last_due_on)


def _end(package: SupportPackage, *, by, reason: str, last_due_on: datetime.date | None = None) -> SupportPackage:
    """End a locked, approved package: one `package_ended` event, and the process cancels its
    payments that have not gone to the bank (due after `last_due_on`, if given)."""
    ensure_transition(package.status, PackageStatus.ENDED, PACKAGE_TRANSITIONS, label="package")
    if not reason.strip():
        raise RuleBroken("Say why the package ends.", field="reason")
    _ensure_no_newer_version(package)
    package.status = PackageStatus.ENDED
    package.save(update_fields=["status"])
    record_event(
        obj=package,
        action="package_ended",
        by=by,
        case_id=package.case_id,
        from_state=PackageStatus.APPROVED,
        to_state=package.status,
        reason=reason.strip(),
        changes={"last_due_on": last_due_on.isoformat()} if last_due_on else None,
    )
    # The process cancels its payments that have not gone to the bank.
    workflow.advance(
        process=package.case.process,
        action="package_ended",
        by=by,
        package=package,
        last_due_on=last_due_on,
        reason=reason.strip(),
    )
    # The running totals last, after the payments the process locked (network_packages.commitments).
    commitments.package_ended(package)
    return package


@transaction.atomic
def package_pause(
    *, package_id: int, by, pause_from: datetime.date, pause_to: datetime.date, reason: str
) -> SupportPackage:
    """Pause an approved package: its payments due from `pause_from` to `pause_to` (inclusive) that
    have not gone to the bank are cancelled (say the child is in hospital for a fortnight); the
    package stays approved and the payments after the pause go ahead. To pay them later instead,
    change the package (a new version, approved again).

    Raises NotPermitted, RuleBroken (no reason; dates the wrong way round; no payment to pause),
    InvalidTransition (not approved; a newer version is waiting for approval).
    """
    package = _lock_package(package_id)
    ensure_can_work_case(by, package.case)
    if package.status != PackageStatus.APPROVED:
        raise InvalidTransition(
            f"Only an approved package can be paused; this one is {package.get_status_display().lower()}."
        )
    if not reason.strip():
        raise RuleBroken("Say why the payments pause.", field="reason")
    if pause_to < pause_from:
        raise RuleBroken("The pause must end on or after the day it starts.", field="pause_to")
    _ensure_no_newer_version(package)
    record_event(
        obj=package,
        action="package_paused",
        by=by,
        case_id=package.case_id,
        reason=reason.strip(),
        changes={"from": pause_from.isoformat(), "to": pause_to.isoformat()},
    )
    # The process cancels the payments due in the pause (RuleBroken if none has not gone to the bank).
    workflow.advance(
        process=package.case.process,
        action="package_paused",
        by=by,
        package=package,
        pause_from=pause_from,
        pause_to=pause_to,
        reason=reason.strip(),
    )
    return package


def package_is_editable(package: SupportPackage) -> bool:
    return package.status in EDITABLE_STATUSES


@transaction.atomic
def package_review(
    *,
    package_id: int,
    by,
    decision: str,
    notes: str,
    next_review_by: datetime.date | None = None,
    reviewed_on: datetime.date | None = None,
) -> PackageReview:
    """Review an approved package on its review date: it continues until a later review date (which
    becomes its review date), or it ends through package_end (its payments not yet gone to the bank
    are cancelled). Completes the flow's "review the package" task.

    Raises InvalidTransition (not approved; the case is not waiting for the review; ending while a
    newer version waits), NotPermitted (not the case's practitioner), RuleBroken (no notes; unknown
    decision; continuing without a later review date, or ending with one).
    """
    package = _lock_package(package_id)
    ensure_can_work_case(by, package.case)
    if package.status != PackageStatus.APPROVED:
        raise InvalidTransition(
            f"Only an approved package is reviewed; this one is {package.get_status_display().lower()}."
        )
    if not workflow.waiting_for(process=package.case.process, action="package_reviewed", package=package):
        due = f" It is due on {package.review_by.day} {package.review_by:%B %Y}." if package.review_by else ""
        raise InvalidTransition(f"This package's review is not open yet: it opens on its review date.{due}")
    if decision not in ReviewDecision.values:
        raise RuleBroken(f"Unknown decision “{decision}”: continue or end.", field="decision")
    notes = (notes or "").strip()
    if not notes:
        raise RuleBroken("Say what the review found.", field="notes")
    reviewed_on = reviewed_on or timezone.localdate()
    was_due_on = package.review_by
    if decision == ReviewDecision.CONTINUE:
        earliest = max(filter(None, [was_due_on, reviewed_on]))
        if next_review_by is None or next_review_by <= earliest:
            raise RuleBroken(
                f"To continue the package, set its next review date after {earliest.day} {earliest:%B %Y}.",
                field="next_review_by",
            )
        bounds.ensure_review_date(next_review_by, field="next_review_by")
    elif next_review_by is not None:
        raise RuleBroken("A package that ends has no next review date.", field="next_review_by")
    bounds.ensure_text(notes, field="notes")
    review = PackageReview.objects.create(
        package=package,
        reviewed_on=reviewed_on,
        by=by,
        decision=decision,
        notes=notes,
        was_due_on=was_due_on,
        next_review_by=next_review_by,
    )
    if decision == ReviewDecision.CONTINUE:
        package.review_by = next_review_by
        package.save(update_fields=["review_by"])
    record_event(
        obj=package,
        action="package_reviewed",
        by=by,
        case_id=package.case_id,
        reason=notes,
        changes={
            "decision": decision,
            "review_by": [
                was_due_on.isoformat() if was_due_on else None,
                next_review_by.isoformat() if next_review_by else None,
            ],
        },
    )
    if decision == ReviewDecision.END:
        package_end(package_id=package.pk, by=by, reason=f"Ended at its review: {notes}")
    workflow.advance(process=package.case.process, action="package_reviewed", by=by, package=package)
    return review


@transaction.atomic
def packages_close_with_case(*, case: Case, by, reason: str) -> list[SupportPackage]:
    """The case closed (or its referral was declined): withdraw its packages not yet approved
    (drafts, submitted and returned ones) and end its approved ones, as `package_end` does — their
    payments that have not gone to the bank are cancelled; batched and paid ones are never touched.
    Each package changed leaves its own event. Called by the case flow's close step, which has the
    case's open tasks (approvals included) cancelled itself: withdrawing here tells the flow nothing.
    Returns the packages changed (none the second time).

    Raises InvalidTransition (the case is not closed or declined).
    """
    case = Case.objects.select_for_update(of=("self",)).select_related("process", "team").get(pk=case.pk)
    if case.status not in ENDED_STATUSES:
        raise InvalidTransition(
            f"The case is {case.get_status_display().lower()}: its packages close with it only once it is closed."
        )
    why = (reason or "").strip() or "the case was closed"
    why = why[0].upper() + why[1:]
    packages = list(
        SupportPackage.objects.select_for_update(of=("self",))
        .filter(case=case, status__in=CLOSE_WITH_CASE)
        .order_by("version", "id")
    )
    changed = []
    # Those not yet approved first: an approved version ends only once no newer one waits for approval.
    for package in packages:
        if package.status == PackageStatus.APPROVED:
            continue
        package.case = case
        _withdraw(package, by=by, reason=why)
        changed.append(package)
    for package in packages:
        if package.status != PackageStatus.APPROVED:
            continue
        package.case = case
        changed.append(_end(package, by=by, reason=why))
    return changed
