"""Support package pages: draft, show, submit, approve, return, withdraw. One service per POST."""
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from fgdm.constants import PlanStatus
from fgdm.selectors import case_get
from fgdm.views import form_page, page, run_service
from network_packages import forms as f
from network_packages import selectors, services
from network_packages.services import ItemInput


@login_required
def package_new(request, case_id):
    case = case_get(user=request.user, case_id=case_id)
    plan = case.plans.filter(status=PlanStatus.ACCEPTED).order_by("-version").first()
    payees = [m for m in case.network_members.order_by("full_name") if m.payment_eligible]
    actions = list(plan.actions.order_by("id")) if plan else []
    form = f.PackageForm((request.POST if request.method == "POST" else None))
    items = f.ItemFormSet((request.POST if request.method == "POST" else None), prefix="items", form_kwargs={"payees": payees, "actions": actions})
    if request.method == "POST":
        def call(data):
            return services.package_create(
                case_id=case.pk, by=request.user, plan_id=plan.pk if plan else None,
                justification=data["justification"], other_funding_checked=data["other_funding_checked"],
                agreement_signed_on=data["agreement_signed_on"], review_by=data["review_by"],
                items=[ItemInput(description=i.cleaned_data["description"], category=i.cleaned_data["category"],
                                 payee_id=i.cleaned_data["payee"], amount=i.cleaned_data["amount"],
                                 frequency=i.cleaned_data["frequency"], instalments=i.cleaned_data["instalments"],
                                 plan_action_id=i.cleaned_data.get("plan_action"))
                       for i in items.forms if i.cleaned_data],
            )

        package = run_service(form, call, formsets=[items])
        if package:
            return redirect("network_packages:package_detail", package.pk)
    return form_page(request, title="Draft a support package", caption=f"{case.reference} — {case.family_name} family",
                     form=form, formsets=[items], button="Save the draft package",
                     template="network_packages/package_new.html",
                     context={"case": case, "plan": plan, "items": items, "payees": payees,
                              "back": reverse("fgdm:case_detail", args=[case.pk])},
                     status=400 if request.method == "POST" else 200)


def _page(request, package, *, status=200, **forms):
    context = {
        "title": f"Support package, version {package.version}",
        "caption": f"{package.case.reference} — {package.case.family_name} family",
        "package": package,
        "items": list(package.items.all()),
        "approvals": list(package.approvals.select_related("approver").order_by("at")),
        "note_form": forms.get("note_form") or f.NoteForm(),
        "return_form": forms.get("return_form") or f.ReasonForm(),
        "withdraw_form": forms.get("withdraw_form") or f.OptionalReasonForm(),
        "submit_form": forms.get("submit_form") or f.EmptyForm(),
        "all_forms": [form for form in forms.values()],
        "back": reverse("fgdm:case_detail", args=[package.case_id]),
    }
    return page(request, "network_packages/package_detail.html", context, status=status)


@login_required
def package_detail(request, package_id):
    return _page(request, selectors.package_get(user=request.user, package_id=package_id))


def _action(request, package_id, form_class, form_name, call):
    package = selectors.package_get(user=request.user, package_id=package_id)
    form = form_class(request.POST)
    if run_service(form, lambda data: call(package, data)):
        return redirect("network_packages:package_detail", package.pk)
    return _page(request, package, status=400, **{form_name: form})


@login_required
@require_POST
def package_submit(request, package_id):
    return _action(request, package_id, f.EmptyForm, "submit_form",
                   lambda p, data: services.package_submit(package_id=p.pk, by=request.user))


@login_required
@require_POST
def package_approve(request, package_id):
    return _action(request, package_id, f.NoteForm, "note_form",
                   lambda p, data: services.package_approve(package_id=p.pk, by=request.user, note=data["note"]))


@login_required
@require_POST
def package_return(request, package_id):
    return _action(request, package_id, f.ReasonForm, "return_form",
                   lambda p, data: services.package_return(package_id=p.pk, by=request.user, reason=data["reason"]))


@login_required
@require_POST
def package_withdraw(request, package_id):
    return _action(request, package_id, f.OptionalReasonForm, "withdraw_form",
                   lambda p, data: services.package_withdraw(package_id=p.pk, by=request.user, reason=data["reason"]))
