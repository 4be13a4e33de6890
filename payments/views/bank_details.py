"""Payees' bank details: a network member's, entered and verified by different people."""

from django.contrib.auth.decorators import login_required
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from audit.services import record_access
from core.pages import done, gate, page, run_service
from fgdm.selectors import member_get
from payments import forms as f
from payments import selectors, services


def _bank_page(request, member, *, form=None, verify_form=None, status=200):
    account = selectors.bank_account_for(member=member)
    show_full = selectors.bank_details_shown_in_full(user=request.user, account=account)
    if account is not None:  # masked or in full (to the verifier), the account name is shown: a read
        record_access(
            by=request.user, what="bank_details", door="page", obj=account, case_id=member.case_id, path=request.path
        )
    form = form or f.BankAccountForm()
    return page(
        request,
        "payments/bank_details.html",
        {
            "title": f"Bank details: {member.full_name}",
            "member": member,
            "account": account,
            "show_full": show_full,
            "returned": selectors.return_to_these_details(owner=member, account=account),
            "form": form,
            "verify_form": verify_form or f.VerifyForm(),
            "shared_warning": selectors.shared_account_warning(account) if show_full else "",
            "all_forms": [x for x in (form, verify_form) if x is not None],
            "payments": selectors.payment_list(user=request.user).filter(payee=member),
        },
        status=status,
    )


@login_required
def bank_details(request, member_id):
    member = member_get(user=request.user, member_id=member_id)
    gate(request, "bank_account_set" if request.method == "POST" else "bank_account_view")
    if request.method == "POST":
        form = f.BankAccountForm(request.POST)
        if run_service(form, lambda data: services.bank_account_set(member_id=member.pk, by=request.user, **data)):
            return done(
                request,
                f"{member.full_name}'s bank details are saved. Another finance officer must verify "
                "them before they are used.",
                reverse("payments:bank_details", args=[member.pk]),
            )
        return _bank_page(request, member, form=form, status=400)
    return _bank_page(request, member)


def verify_check_page(request, *, account, owner, action, back):
    """GET of verifying bank details: the details in full (to the officer who may verify them, the
    same rule as the page: finance, not verified yet, not entered by them), and "You cannot undo this"."""
    may_verify = selectors.bank_details_shown_in_full(user=request.user, account=account)
    if account is not None:
        record_access(by=request.user, what="bank_details", door="page", obj=account, path=request.path)
    facts = [("Paid to", owner)]
    if may_verify:
        facts += [
            ("Name on the account", account.account_name),
            ("Sort code", f"{account.sort_code[:2]}-{account.sort_code[2:4]}-{account.sort_code[4:]}"),
            ("Account number", account.account_number),
            ("Entered by", account.entered_by.get_full_name() or account.entered_by.get_username()),
        ]
    shared = selectors.shared_account_warning(account) if may_verify else ""
    return page(
        request,
        "includes/confirm.html",
        {
            "title": "Verify these bank details?",
            "intro": "Check the sort code and account number against the payee's own evidence, confirmed on a "
            "number you found independently. Once verified, payments to these details can be authorised.",
            "summary": facts,
            "extra_warning": shared,
            "not_now": ""
            if may_verify
            else "You cannot verify these bank details: none are waiting to be verified, or you entered them "
            "yourself (another finance officer verifies them).",
            "action": action,
            "form": f.VerifyForm() if shared else None,
            "button": "Yes, verify the bank details",
            "cancel": back,
            "back": back,
        },
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def bank_details_verify(request, member_id):
    """GET: the check page; POST: verify the member's bank details."""
    member = member_get(user=request.user, member_id=member_id)
    gate(request, "bank_account_verify")
    if request.method != "POST":
        return verify_check_page(
            request,
            account=selectors.bank_account_for(member=member),
            owner=member.full_name,
            action=reverse("payments:bank_details_verify", args=[member.pk]),
            back=reverse("payments:bank_details", args=[member.pk]),
        )
    form = f.VerifyForm(request.POST)
    if run_service(
        form,
        lambda data: services.bank_account_verify(
            member_id=member.pk, by=request.user, confirm_shared_account=data["confirm_shared_account"]
        ),
    ):
        return done(
            request,
            f"{member.full_name}'s bank details are verified. Their payments can now be authorised.",
            reverse("payments:bank_details", args=[member.pk]),
        )
    return _bank_page(request, member, verify_form=form, status=400)
