"""Support packages: drafting, changing (a new version), submitting, withdrawing, ending, pausing."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from audit.services import record_event
from core import workflow
from core.exceptions import InvalidTransition, RuleBroken, ensure_transition
from fgdm.constants import ENDED_STATUSES, MeetingStatus, PlanStatus
from fgdm.models import Case, FamilyPlan
from fgdm.permissions import ensure_can_work_case
from network_packages.constants import (
    EDITABLE_STATUSES,
    OPEN_STATUSES,
    PACKAGE_TRANSITIONS,
    Category,
    Frequency,
    PackageStatus,
)
from network_packages.models import PENNY, PackageItem, Supplier, SupportPackage
from network_packages.selectors import open_package_of

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
        )


def _validate_items(case: Case, plan: FamilyPlan, items: list[ItemInput]) -> None:
    if not items:
        raise RuleBroken("A package needs at least one item.", field="items")
    members = {m.pk: m for m in case.network_members.all()}
    suppliers = {s.pk: s for s in Supplier.objects.filter(pk__in={i.supplier_id for i in items if i.supplier_id})}
    action_ids = set(plan.actions.values_list("pk", flat=True))
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
            if not payee.payment_eligible:
                raise RuleBroken(
                    f"Item {number}: {payee.full_name} is a parent or holds parental responsibility and cannot be "
                    "paid from a family network support package.",
                    field="items",
                )
        if item.category not in Category.values:
            raise RuleBroken(f"Item {number}: unknown category “{item.category}”.", field="items")
        if item.frequency not in Frequency.values:
            raise RuleBroken(f"Item {number}: unknown frequency “{item.frequency}”.", field="items")
        if item.amount <= 0 or item.amount != item.amount.quantize(PENNY):
            raise RuleBroken(f"Item {number}: the amount must be positive, in whole pence.", field="items")
        if item.instalments < 1 or (item.frequency == Frequency.ONE_OFF and item.instalments != 1):
            raise RuleBroken(f"Item {number}: a one-off item has exactly one instalment.", field="items")
        if item.starts_on is not None and item.starts_on > timezone.localdate() + datetime.timedelta(days=366):
            raise RuleBroken(
                f"Item {number}: the first payment must fall within the next twelve months.", field="items"
            )
        if item.plan_action_id is not None and item.plan_action_id not in action_ids:
            raise RuleBroken(f"Item {number}: the plan action is not in this plan.", field="items")


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
) -> SupportPackage:
    """Draft a support package for the case's accepted plan.

    Raises RuleBroken (no held meeting / accepted plan, ineligible payee, bad item).
    """
    case = Case.objects.select_for_update().get(pk=case_id)
    ensure_can_work_case(by, case)
    if case.status in ENDED_STATUSES:
        raise RuleBroken("The case is closed.")
    open_package = open_package_of(case=case)
    if open_package is not None:
        raise InvalidTransition(
            f"Version {open_package.version} of this case's support package is "
            f"{open_package.get_status_display().lower()}: "
            + (
                "change it rather than drafting another."
                if open_package.status == PackageStatus.APPROVED
                else "carry on with it, or withdraw it first."
            )
        )
    try:
        plan = case.plans.select_related("meeting").get(pk=plan_id)
    except (FamilyPlan.DoesNotExist, ValueError, TypeError):
        raise RuleBroken("That plan is not one of this case's plans.", field="plan")
    _ensure_plan_ready(plan)
    _validate_items(case, plan, items)
    package = SupportPackage.objects.create(
        case=case,
        plan=plan,
        justification=justification.strip(),
        other_funding_checked=other_funding_checked,
        agreement_signed_on=agreement_signed_on,
        review_by=review_by,
        created_by=by,
    )
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
        )
        for i in items
    )
    package.total = sum((i.amount * i.instalments for i in items), Decimal("0.00"))
    package.save(update_fields=["total"])
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
) -> SupportPackage:
    """Change an approved package: a new draft version that must be approved again.

    The approved version stays in force (and its payments go on) until the new one is approved;
    then it ends and its unpaid payments are cancelled. Raises InvalidTransition (not approved, or
    a newer version exists), RuleBroken (as for a new package).
    """
    old = _lock_package(package_id)
    case = old.case
    ensure_can_work_case(by, case)
    if old.status != PackageStatus.APPROVED:
        raise InvalidTransition("Only an approved package can be changed; edit or withdraw a draft instead.")
    if SupportPackage.objects.filter(previous=old).exclude(status=PackageStatus.WITHDRAWN).exists():
        raise InvalidTransition("This package already has a newer version.")
    try:
        plan = case.plans.select_related("meeting").get(pk=plan_id)
    except (FamilyPlan.DoesNotExist, ValueError, TypeError):
        raise RuleBroken("That plan is not one of this case's plans.", field="plan")
    _ensure_plan_ready(plan)
    _validate_items(case, plan, items)
    package = SupportPackage.objects.create(
        case=case,
        plan=plan,
        version=old.version + 1,
        previous=old,
        justification=justification.strip(),
        other_funding_checked=other_funding_checked,
        agreement_signed_on=agreement_signed_on,
        review_by=review_by,
        created_by=by,
    )
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
        )
        for i in items
    )
    package.total = sum((i.amount * i.instalments for i in items), Decimal("0.00"))
    package.save(update_fields=["total"])
    record_event(
        obj=package,
        action="package_revised",
        by=by,
        case_id=case.pk,
        to_state=package.status,
        changes={"version": [old.version, package.version], "total": [str(old.total), str(package.total)]},
    )
    return package


def _lock_package(package_id: int) -> SupportPackage:
    package = SupportPackage.objects.select_for_update(of=("self",)).select_related("plan__meeting").get(pk=package_id)
    package.case = (
        Case.objects.select_for_update(of=("self",)).select_related("process", "team").get(pk=package.case_id)
    )
    return package


@transaction.atomic
def package_withdraw(*, package_id: int, by, reason: str = "") -> SupportPackage:
    """Withdraw a package that has not been approved."""
    package = _lock_package(package_id)
    ensure_can_work_case(by, package.case)
    previous = package.status
    _withdraw(package, by=by, reason=reason)
    if previous == PackageStatus.SUBMITTED:
        workflow.advance(process=package.case.process, action="package_withdrawn", by=by, tier=package.current_tier)
    elif previous == PackageStatus.RETURNED:
        workflow.advance(process=package.case.process, action="returned_package_withdrawn", by=by)
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


def package_is_editable(package: SupportPackage) -> bool:
    return package.status in EDITABLE_STATUSES
