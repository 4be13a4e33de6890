"""Payees' bank details: a network member's, entered and verified by different people."""

from django.contrib.auth.decorators import login_required
from django.urls import reverse
from django.views.decorators.http import require_POST

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


@login_required
@require_POST
def bank_details_verify(request, member_id):
    member = member_get(user=request.user, member_id=member_id)
    gate(request, "bank_account_verify")
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
