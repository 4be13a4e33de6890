"""Submitting a package for approval, and approving it by delegated limits: the tier a total needs,
each approver's limit, the decisions."""

from decimal import Decimal

from django.db import transaction
from django.db.models import Prefetch, prefetch_related_objects
from django.utils import timezone

from audit.services import record_event
from core import notify, workflow
from core.exceptions import InvalidTransition, NotPermitted, RuleBroken, ensure_not_same_person, ensure_transition
from core.roles import has_role
from fgdm.permissions import ensure_can_work_case
from fgdm.visibility import package_scope
from network_packages import commitments, payees
from network_packages.constants import (
    PACKAGE_TRANSITIONS,
    TIER_ORDER,
    ApprovalTier,
    PackageStatus,
)
from network_packages.models import Approval, ApprovalLimit, PackageItem, SupportPackage
from network_packages.selectors import budget_position, submission_waits_for
from network_packages.services.packages import ItemInput, _ensure_plan_ready, _lock_package, _validate_items


def _limits() -> dict[str, Decimal | None]:
    """Each tier's approval limit (None: no limit), read from the database."""
    return dict(ApprovalLimit.objects.order_by().values_list("tier", "max_amount"))


def required_tier(total: Decimal) -> str:
    """The lowest tier whose limit covers the total (limits live in the database)."""
    limits = _limits()
    for tier in TIER_ORDER:
        limit = limits.get(tier)
        if tier in limits and (limit is None or total <= limit):
            return tier
    return ApprovalTier.HEAD_OF_SERVICE


def approver_limit(user, *, limits: dict | None = None) -> tuple[str | None, Decimal | None, bool]:
    """(highest tier the user holds, its limit, whether unlimited). No tier: (None, None, False).
    `limits`: the tiers' limits if already read (`_limits`)."""
    limits = _limits() if limits is None else limits
    best = None
    for tier in TIER_ORDER:
        if has_role(user, tier) and tier in limits:
            best = tier
    if best is None:
        return None, None, False
    return best, limits[best], limits[best] is None


def payee_rules_refusals(package: SupportPackage) -> list[str]:
    """What the council's payee rules still need before this package can be approved, in plain
    words (none: it may be approved): every member paid may be paid; the decision on means the
    policy asks for; each safety prompt answered; the checks on paid carers; the cap a person a year.
    The approval page lists them; `package_approve` refuses with the first."""
    rules = payees.policy()
    # Read once, for every rule, and kept on the package: the flow schedules its payments from them.
    prefetch_related_objects(
        [package], Prefetch("items", queryset=PackageItem.objects.select_related("payee", "supplier"))
    )
    items = list(package.items.all())
    refusals = []
    for item in items:
        if item.payee_id:
            why_not = payees.refusal(item.payee, rules=rules)
            if why_not:
                refusals.append(f"{item.payee.full_name} cannot be paid. {why_not}")
    means = payees.means_missing(package, rules=rules)
    if means:
        refusals.append(means)
    refusals += payees.unanswered(payees.safety_prompts(package, items=items))
    refusals += payees.missing_checks(package, rules=rules, items=items)
    refusals += payees.cap_breaches(package, rules=rules, items=items)
    return list(dict.fromkeys(refusals))


def ensure_can_decide(by, package: SupportPackage, *, limits: dict | None = None) -> str:
    """Approvers: a manager at or above the tier the package waits at, who can see the whole case,
    has no conflict in it, and neither drafted nor submitted it. Returns the approver's tier.
    `limits`: the tiers' limits if already read (`_limits`)."""
    # The scope leaves out the cases the person declared a conflict in (fgdm.visibility): one read
    # refuses both.
    if not SupportPackage.objects.filter(pk=package.pk).filter(package_scope(by)).exists():
        raise NotPermitted("You cannot approve packages for this case.")
    tier, _, _ = approver_limit(by, limits=limits)
    if tier is None:
        raise NotPermitted("Only managers with an approval limit can decide on support packages.")
    ensure_not_same_person(
        by, package.submitted_by_id, message="You submitted this package; someone else must approve it."
    )
    ensure_not_same_person(by, package.created_by_id, message="You drafted this package; someone else must approve it.")
    if TIER_ORDER.index(tier) < TIER_ORDER.index(package.current_tier):
        raise NotPermitted(
            f"This package is waiting for a {ApprovalTier(package.current_tier).label.lower()}; "
            f"it has already been endorsed at your tier."
        )
    return tier


@transaction.atomic
def package_approve(*, package_id: int, by, note: str = "") -> SupportPackage:
    """Approve a submitted package — or, when its total is above the approver's limit, endorse it
    and escalate it to the next tier (delegated limits). On approval the flow schedules payments.

    Raises InvalidTransition (not submitted, e.g. approved twice), SeparationOfDuties (drafted or
    submitted it; declared conflict), NotPermitted (not an approver at or above the waiting tier),
    RuleBroken (the payee rules: `payee_rules_refusals`).
    """
    package = _lock_package(package_id)
    ensure_transition(package.status, PackageStatus.APPROVED, PACKAGE_TRANSITIONS, label="package")
    limits = _limits()  # read once: who may decide, and up to how much
    tier = ensure_can_decide(by, package, limits=limits)
    refusals = payee_rules_refusals(package)
    if refusals:
        raise RuleBroken(refusals[0])
    _, limit, unlimited = approver_limit(by, limits=limits)
    waiting_at = package.current_tier
    if unlimited or package.total <= limit:
        budget = budget_position(package=package)  # a warning to the approver, kept with the decision
        package.status = PackageStatus.APPROVED
        package.decided_by = by
        package.decided_at = timezone.now()
        package.save(update_fields=["status", "decided_by", "decided_at"])
        Approval.objects.create(
            package=package, approver=by, tier=tier, amount=package.total, package_version=package.version, note=note
        )
        record_event(
            obj=package,
            action="package_approved",
            by=by,
            case_id=package.case_id,
            from_state=PackageStatus.SUBMITTED,
            to_state=package.status,
            reason=note,
            changes={"total": str(package.total), "tier": tier}
            | ({"over_budget": budget.warning} if budget and budget.over_budget else {}),
        )
        replaced = _end_previous_version(package, by=by) if package.previous_id else None
    else:
        next_tier = TIER_ORDER[TIER_ORDER.index(tier) + 1]
        package.current_tier = next_tier
        package.save(update_fields=["current_tier"])
        Approval.objects.create(
            package=package,
            approver=by,
            tier=tier,
            amount=package.total,
            package_version=package.version,
            note=note,
            decision=Approval.Decision.ESCALATED,
        )
        event = record_event(
            obj=package,
            action="package_escalated",
            by=by,
            case_id=package.case_id,
            reason=note,
            changes={"total": str(package.total), "limit": str(limit), "tier": [waiting_at, next_tier]},
        )
        notify.announce("package_awaiting_approval", key=f"package-approval:{event.pk}", package_id=package.pk)
    workflow.advance(
        process=package.case.process,
        action="package_approved" if package.status == PackageStatus.APPROVED else "package_endorsed",
        by=by,
        tier=waiting_at,
        package=package,  # the package the approval path decides on: the flow need not read it again
    )
    if package.status == PackageStatus.APPROVED:
        # The running totals last, after the payments the flow locked (network_packages.commitments).
        commitments.package_approved(package, replaced=replaced)
    return package


def _end_previous_version(package: SupportPackage, *, by) -> SupportPackage:
    """A newer version is approved: the one it replaces ends (its unpaid payments are cancelled by
    the case flow when it schedules the new version's payments)."""
    previous = SupportPackage.objects.select_for_update().get(pk=package.previous_id)
    ensure_transition(previous.status, PackageStatus.ENDED, PACKAGE_TRANSITIONS, label="package")
    previous.status = PackageStatus.ENDED
    previous.save(update_fields=["status"])
    record_event(
        obj=previous,
        action="package_ended",
        by=by,
        case_id=previous.case_id,
        from_state=PackageStatus.APPROVED,
        to_state=previous.status,
        reason=f"Replaced by version {package.version}",
    )
    return previous


@transaction.atomic
def package_return(*, package_id: int, by, reason: str) -> SupportPackage:
    """Return a submitted package to the practitioner with reasons."""
    package = _lock_package(package_id)
    ensure_transition(package.status, PackageStatus.RETURNED, PACKAGE_TRANSITIONS, label="package")
    ensure_can_decide(by, package)
    if not reason.strip():
        raise RuleBroken("Give the reasons for returning the package.", field="reason")
    package.status = PackageStatus.RETURNED
    package.return_reason = reason.strip()
    package.decided_by = by
    package.decided_at = timezone.now()
    package.save(update_fields=["status", "return_reason", "decided_by", "decided_at"])
    record_event(
        obj=package,
        action="package_returned",
        by=by,
        case_id=package.case_id,
        from_state=PackageStatus.SUBMITTED,
        to_state=package.status,
        reason=package.return_reason,
    )
    workflow.advance(
        process=package.case.process, action="package_returned", by=by, tier=package.current_tier, package=package
    )
    return package


@transaction.atomic
def package_submit(*, package_id: int, by) -> SupportPackage:
    """Submit the package for approval (a draft, or a returned package edited); the total decides
    the approval tier. One package of a case is in approval at a time.

    Raises RuleBroken (rule 3: held meeting and accepted plan, written agreement date, review
    date, other funding checked, eligible payees), InvalidTransition (not draft or returned;
    another package of the case is submitted or returned).
    """
    package = _lock_package(package_id, by=by)
    ensure_can_work_case(by, package.case, conflict=package.by_conflicted)
    ensure_transition(package.status, PackageStatus.SUBMITTED, PACKAGE_TRANSITIONS, label="package")
    waits_for = submission_waits_for(package)
    if waits_for:
        raise InvalidTransition(waits_for)
    _ensure_plan_ready(package.plan)
    if package.agreement_signed_on is None:
        raise RuleBroken("Record the date the written agreement was signed.", field="agreement_signed_on")
    if package.review_by is None:
        raise RuleBroken("Set a review date for the package.", field="review_by")
    if not package.other_funding_checked:
        raise RuleBroken("Confirm that other sources of funding were checked.", field="other_funding_checked")
    items = list(package.items.select_related("payee", "supplier"))
    members = list(package.case.network_members.all())  # read once: who may be paid, who the child lives with
    _validate_items(package.case, package.plan, [ItemInput.of(i) for i in items], members=members)
    means = payees.means_missing(package)
    if means:
        raise RuleBroken(means, field="means_decision")
    current = [member for member in members if member.removed_at is None]
    unanswered = payees.unanswered(payees.safety_prompts(package, items=items, members=current))
    if unanswered:
        raise RuleBroken(unanswered[0], field="safety_answers")
    previous = package.status
    package.total = sum((i.total for i in items), Decimal("0.00"))
    package.required_tier = required_tier(package.total)
    package.current_tier = TIER_ORDER[0]
    package.status = PackageStatus.SUBMITTED
    package.submitted_by = by
    package.submitted_at = timezone.now()
    package.return_reason = ""
    package.save()
    event = record_event(
        obj=package,
        action="package_submitted",
        by=by,
        case_id=package.case_id,
        from_state=previous,
        to_state=package.status,
        changes={"total": str(package.total), "tier": package.required_tier},
    )
    notify.announce("package_awaiting_approval", key=f"package-approval:{event.pk}", package_id=package.pk)
    # A draft starts an approval; a returned package goes back to it (the rework task is done).
    workflow.advance(
        process=package.case.process,
        action="package_resubmitted" if previous == PackageStatus.RETURNED else "package_submitted",
        by=by,
        package=package,
    )
    return package
