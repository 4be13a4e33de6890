"""Payees' bank details: entered (modulus-checked), held for re-verification after a change, and
verified by a finance officer who did not enter them."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from audit.services import record_event
from core.exceptions import InvalidTransition, RuleBroken, ensure_not_same_person
from core.roles import Role, ensure_finance, has_role
from core.text import single_line
from fgdm.models import NetworkMember
from fgdm.permissions import ensure_can_work_case, ensure_no_conflict
from network_packages.models import Supplier
from payments import modulus
from payments.constants import (
    ACCOUNT_NAME_MAX_LENGTH,
    PENDING_STATUSES,
)
from payments.models import (
    BankAccount,
    Payment,
    account_number_validator,
    sort_code_validator,
)
from payments.selectors import same_account_elsewhere, shared_account_warning


def normalise_sort_code(value: str) -> str:
    return "".join(ch for ch in str(value) if ch not in " -")


@transaction.atomic
def bank_account_set(*, member_id: int, by, account_name: str, sort_code: str, account_number: str) -> BankAccount:
    """Enter or change a network member's bank details. A change needs verifying again before use.

    Raises RuleBroken (invalid sort code or account number, payee not eligible), NotPermitted.
    """
    member = NetworkMember.objects.select_for_update(of=("self",)).select_related("case__team").get(pk=member_id)
    if not has_role(by, Role.FINANCE_OFFICER):
        ensure_can_work_case(by, member.case)
    why_not = member.payment_refusal
    if why_not:
        raise RuleBroken(f"{member.full_name} cannot be paid. {why_not}")
    return _bank_account_save(
        owner=member,
        by=by,
        account_name=account_name,
        sort_code=sort_code,
        account_number=account_number,
        case_id=member.case_id,
    )


@transaction.atomic
def supplier_bank_account_set(
    *, supplier_id: int, by, account_name: str, sort_code: str, account_number: str
) -> BankAccount:
    """Enter or change a supplier's bank details (finance only). A change needs verifying again.

    Raises RuleBroken (invalid sort code or account number), NotPermitted.
    """
    ensure_finance(by)
    supplier = Supplier.objects.select_for_update().get(pk=supplier_id)
    return _bank_account_save(
        owner=supplier,
        by=by,
        account_name=account_name,
        sort_code=sort_code,
        account_number=account_number,
        case_id=None,
    )


def _owner_filter(owner) -> dict:
    """Keyword filter for the bank account (or payments) of a network member or a supplier."""
    return {"supplier": owner} if owner.is_supplier else {"member": owner}


def _payments_of(owner):
    return Payment.objects.filter(**({"supplier": owner} if owner.is_supplier else {"payee": owner}))


def _bank_account_save(
    *, owner, by, account_name: str, sort_code: str, account_number: str, case_id: int | None
) -> BankAccount:
    sort_code, account_number = _checked_bank_details(sort_code, account_number)
    account_name = single_line(
        account_name, field="account_name", label="name on the account", max_length=ACCOUNT_NAME_MAX_LENGTH
    )
    account = BankAccount.objects.select_for_update().filter(**_owner_filter(owner)).first()
    action = "bank_details_changed" if account else "bank_details_entered"
    was_verified = bool(account and account.is_verified)
    if account is None:
        account = BankAccount(**_owner_filter(owner))
    account.account_name = account_name
    account.sort_code = sort_code
    account.account_number = account_number
    account.entered_by = by
    account.entered_at = timezone.now()
    account.verified_by = None
    account.verified_at = None
    account.changed_after_verification = was_verified or account.changed_after_verification
    account.save()
    # Payments not yet paid wait for the new details to be verified: they cannot be authorised,
    # batched or exported until then (the services check), and the pages flag them.
    held = _payments_of(owner).filter(status__in=PENDING_STATUSES).count()
    record_event(
        obj=account,
        action=action,
        by=by,
        case_id=case_id,
        from_state="verified" if was_verified else ("unverified" if action == "bank_details_changed" else ""),
        to_state="unverified",
        changes={"pending_payments_held": held} if held else None,
    )
    return account


def _checked_bank_details(sort_code: str, account_number: str) -> tuple[str, str]:
    """The sort code and 8-digit account number BACS uses, checked with Vocalink's modulus rules.

    Raises RuleBroken naming the field at fault.
    """
    try:  # 6, 7, 9 and 10 digit account numbers become the 8 digits (and sort code) BACS uses
        sort_code, account_number = modulus.bacs_sort_code_and_account(sort_code, account_number)
    except modulus.BankDetailsError as error:
        raise RuleBroken(error.message, field=error.field)
    for field, value, validator in (
        ("sort_code", sort_code, sort_code_validator),
        ("account_number", account_number, account_number_validator),
    ):
        try:
            validator(value)
        except ValidationError as error:
            raise RuleBroken(error.messages[0], field=field)
    if not modulus.check(sort_code, account_number):
        raise RuleBroken(
            "This account number does not pass the bank's check for this sort code (Vocalink modulus "
            "check): please check both with the payee.",
            field="account_number",
        )
    return sort_code, account_number


@transaction.atomic
def bank_account_verify(*, member_id: int, by, confirm_shared_account: bool = False) -> BankAccount:
    """A finance officer who did not enter them confirms a network member's bank details (rule 2).
    When the same account is on file for another payee, the officer must confirm they checked it
    (`confirm_shared_account`); the event records the confirmation.

    Raises NotPermitted, InvalidTransition (none entered, already verified), SeparationOfDuties,
    RuleBroken (the account is shared with another payee and the check is not confirmed).
    """
    ensure_finance(by)
    account = BankAccount.objects.select_for_update().filter(member_id=member_id).first()
    if account is not None:
        ensure_no_conflict(by, account.member.case_id)
    return _bank_account_verify(
        account,
        by=by,
        case_id=account.member.case_id if account else None,
        confirm_shared_account=confirm_shared_account,
    )


@transaction.atomic
def supplier_bank_account_verify(*, supplier_id: int, by, confirm_shared_account: bool = False) -> BankAccount:
    """A finance officer who did not enter them confirms a supplier's bank details (rule 2), as for
    a network member's (a shared account needs `confirm_shared_account`).

    Raises NotPermitted, InvalidTransition (none entered, already verified), SeparationOfDuties,
    RuleBroken (shared account not confirmed).
    """
    ensure_finance(by)
    account = BankAccount.objects.select_for_update().filter(supplier_id=supplier_id).first()
    return _bank_account_verify(account, by=by, case_id=None, confirm_shared_account=confirm_shared_account)


def _bank_account_verify(
    account: BankAccount | None, *, by, case_id: int | None, confirm_shared_account: bool = False
) -> BankAccount:
    if account is None:
        raise InvalidTransition("There are no bank details to verify.")
    if account.is_verified:
        raise InvalidTransition("These bank details are already verified.")
    ensure_not_same_person(
        by, account.entered_by, message="You entered these bank details; another officer must verify them."
    )
    shared = same_account_elsewhere(account)
    if shared and not confirm_shared_account:
        raise RuleBroken(
            shared_account_warning(account) + " Then confirm you checked it.", field="confirm_shared_account"
        )
    account.verified_by = by
    account.verified_at = timezone.now()
    account.changed_after_verification = False
    account.save(update_fields=["verified_by", "verified_at", "changed_after_verification"])
    record_event(
        obj=account,
        action="bank_details_verified",
        by=by,
        case_id=case_id,
        from_state="unverified",
        to_state="verified",
        changes={
            "same_account_as": [
                f"supplier {other.supplier_id}" if other.supplier_id else f"member {other.member_id}"
                for other in shared
            ],
            "shared_account_checked": True,
        }
        if shared
        else None,
    )
    return account
