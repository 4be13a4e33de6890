"""Who may be paid: the council's payee policy (admin), the facts about a network member the rules
read (age, a kinship court order, since when the child lives with them), and the checks on a
network member paid to look after the child."""

import datetime
from decimal import Decimal

from django.db import transaction

from audit.services import record_event
from core import bounds
from core.exceptions import RuleBroken
from core.money import ensure_money
from core.roles import ensure_administrator
from fgdm.constants import KinshipOrder
from fgdm.models import NetworkMember
from fgdm.permissions import ensure_can_work_case
from network_packages.constants import CheckKind, CheckOutcome, ChecksRequired, MeansPolicy
from network_packages.models import PayeeCheck, PayeePolicy
from network_packages.payees import refusal

_UNSET = object()

POLICY_FIELDS = ("pay_kinship_carers_with_order", "means_policy", "checks_required", "annual_cap_per_payee")


def _shown(value):
    if isinstance(value, Decimal):
        return str(value)
    return value


@transaction.atomic
def payee_policy_set(
    *,
    by,
    pay_kinship_carers_with_order: bool,
    means_policy: str,
    checks_required: str,
    annual_cap_per_payee: Decimal | None,
) -> PayeePolicy:
    """Set the council's payee policy (one row, created if missing). Applies to packages submitted
    or approved from now on. Records `payee_policy_changed`, or nothing if unchanged.

    Raises NotPermitted (not an administrator), RuleBroken (an unknown setting; a cap not in pounds
    and pence, or negative).
    """
    ensure_administrator(by, what="set the payee policy")
    if means_policy not in MeansPolicy.values:
        raise RuleBroken("Choose whether packages are means-tested.", field="means_policy")
    if checks_required not in ChecksRequired.values:
        raise RuleBroken("Choose which checks a paid carer needs.", field="checks_required")
    cap = None if annual_cap_per_payee is None else ensure_money(annual_cap_per_payee, field="annual_cap_per_payee")
    row = PayeePolicy.objects.select_for_update().order_by("pk").first()
    created = row is None
    row = row or PayeePolicy()
    before = {name: _shown(getattr(row, name)) for name in POLICY_FIELDS}
    row.pay_kinship_carers_with_order = bool(pay_kinship_carers_with_order)
    row.means_policy = means_policy
    row.checks_required = checks_required
    row.annual_cap_per_payee = cap
    after = {name: _shown(getattr(row, name)) for name in POLICY_FIELDS}
    changes = {name: [before[name], after[name]] for name in POLICY_FIELDS if before[name] != after[name]}
    if not created and not changes:
        return row
    row.full_clean()
    row.save()
    record_event(obj=row, action="payee_policy_changed", by=by, case_id=None, changes=changes or after)
    return row


@transaction.atomic
def payee_facts_set(
    *,
    member_id: int,
    by,
    date_of_birth=_UNSET,
    lives_with_child_since=_UNSET,
    kinship_order=_UNSET,
) -> NetworkMember:
    """Record what the payee rules read about a network member: their date of birth (nobody under 18
    is paid), since when the child lives with them (private fostering after 28 days) and the court
    order under which they are a kinship carer (a holder of parental responsibility is paid only
    then, if the policy allows). Only the facts given change. Records `payee_facts_changed` (with
    `payment_eligible` when it changes), or nothing if unchanged.

    Raises NotPermitted (not someone who works the case), RuleBroken (a date in the future or before
    anyone could be alive; an unknown order).
    """
    member = NetworkMember.objects.select_for_update(of=("self",)).select_related("case__team").get(pk=member_id)
    ensure_can_work_case(by, member.case)
    names = ("date_of_birth", "lives_with_child_since", "kinship_order")
    before = {name: getattr(member, name) for name in names}
    eligible_before = member.payment_eligible
    if date_of_birth is not _UNSET:
        bounds.ensure_past_date(
            date_of_birth, field="date_of_birth", what="The date of birth", earliest=bounds.EARLIEST_BIRTH
        )
        member.date_of_birth = date_of_birth
    if lives_with_child_since is not _UNSET:
        bounds.ensure_past_date(
            lives_with_child_since,
            field="lives_with_child_since",
            what="The date the child began living with them",
            earliest=bounds.EARLIEST_BIRTH,
        )
        member.lives_with_child_since = lives_with_child_since
    if kinship_order is not _UNSET:
        kinship_order = kinship_order or ""
        if kinship_order and kinship_order not in KinshipOrder.values:
            raise RuleBroken(
                "Choose the court order: special guardianship, child arrangements, or another.", field="kinship_order"
            )
        member.kinship_order = kinship_order
    changes = {
        name: [_date(before[name]), _date(getattr(member, name))]
        for name in names
        if before[name] != getattr(member, name)
    }
    if not changes:
        return member
    member.save(update_fields=list(names))
    if member.payment_eligible != eligible_before:
        changes["payment_eligible"] = [eligible_before, member.payment_eligible]
    record_event(obj=member, action="payee_facts_changed", by=by, case_id=member.case_id, changes=changes)
    return member


def _date(value):
    return value.isoformat() if isinstance(value, datetime.date) else value


@transaction.atomic
def payee_check_record(
    *,
    member_id: int,
    by,
    kind: str,
    outcome: str,
    checked_on: datetime.date | None,
    reference: str = "",
    notes: str = "",
) -> PayeeCheck:
    """Record a DBS check or a viability assessment of a network member, with its date and outcome.
    A childcare or bought-in support item paying them is approved only after a passed one, when the
    policy asks for it. Records `payee_check_recorded`.

    Raises NotPermitted (not someone who works the case), RuleBroken (unknown kind or outcome; no
    date, or a date in the future; a parent or someone else who cannot be paid).
    """
    member = NetworkMember.objects.select_for_update(of=("self",)).select_related("case__team").get(pk=member_id)
    ensure_can_work_case(by, member.case)
    if kind not in CheckKind.values:
        raise RuleBroken("Choose the check: a DBS check or a viability assessment.", field="kind")
    if outcome not in CheckOutcome.values:
        raise RuleBroken("Say whether the check was passed.", field="outcome")
    if checked_on is None:
        raise RuleBroken("Give the date of the check.", field="checked_on")
    bounds.ensure_past_date(checked_on, field="checked_on", what="The date of the check")
    why_not = refusal(member)
    if why_not:
        raise RuleBroken(f"{member.full_name} cannot be paid: {why_not}", field="member")
    reference = bounds.ensure_name(reference, field="reference", label="reference", max_length=100, required=False)
    notes = bounds.ensure_text((notes or "").strip(), field="notes", label="notes")
    check = PayeeCheck.objects.create(
        member=member,
        kind=kind,
        outcome=outcome,
        checked_on=checked_on,
        reference=reference,
        notes=notes,
        by=by,
    )
    record_event(
        obj=check,
        action="payee_check_recorded",
        by=by,
        case_id=member.case_id,
        to_state=outcome,
        changes={"member": member.pk, "kind": kind, "checked_on": checked_on.isoformat()},
    )
    return check
