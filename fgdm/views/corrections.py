"""Pages that correct the record of a case's people. Children: add one (with the reason), correct a
name or date of birth, record the birth of a child who was expected, remove one (with the reason).
The network: correct a member's details (contact details, language, interpreter, communication
needs) and remove a member (with the reason). Nothing is deleted. Each POST calls one service; a
refusal shows on the form and nothing changes."""

from django.contrib.auth.decorators import login_required
from django.urls import reverse

from core.pages import done, form_page, gate, run_service, sections_for
from fgdm import forms as f
from fgdm import selectors, services


def _caption(case):
    return f"{case.reference} — {case.family_name} family"


def _page(request, *, case, form, title, button, intro, call, message, warning=""):
    """One form, one service, back to the case page. With a `warning`, the page is the confirmation
    of a step that cannot be undone: the GET says what will happen, the POST does it."""
    back = reverse("fgdm:case_detail", args=[case.pk])
    if request.method == "POST":
        result = run_service(form, call)
        if result:
            return done(request, message(result) if callable(message) else message, back)
    return form_page(
        request,
        title=title,
        caption=_caption(case),
        form=form,
        button=button,
        context={"intro": intro, "back": back, "warning": warning},
        template="fgdm/confirm_page.html" if warning else "fgdm/form_page.html",
        status=400 if request.method == "POST" else 200,
    )


def _bound(request):
    return request.POST if request.method == "POST" else None


@login_required
def child_new(request, case_id):
    case = selectors.case_get_whole(user=request.user, case_id=case_id)
    gate(request, "child_add")
    return _page(
        request,
        case=case,
        form=f.ChildAddForm(_bound(request), initial={"last_name": case.family_name}),
        title="Add a child to the case",
        button="Add the child",
        intro="A new baby, or a child the referral did not name. For a child not born yet, give the date they are "
        "expected instead of a date of birth; their first name can wait until the birth is recorded.",
        call=lambda data: services.child_add(case_id=case.pk, by=request.user, **data),
        message=lambda child: f"{child} is added to the case.",
    )


@login_required
def child_edit(request, child_id):
    child = selectors.child_get(user=request.user, child_id=child_id)
    gate(request, "child_update")
    return _page(
        request,
        case=child.case,
        form=f.ChildDetailsForm(_bound(request), child=child),
        title=f"Correct {child}'s details",
        button="Save the corrections",
        intro="Put right a name or a date typed wrongly. The case's history records which details changed and "
        "who changed them; a child's names and dates themselves are never written into the history.",
        call=lambda data: services.child_update(child_id=child.pk, by=request.user, **data),
        message=lambda saved: f"{saved}'s details are saved.",
    )


@login_required
def child_birth(request, child_id):
    child = selectors.child_get(user=request.user, child_id=child_id)
    gate(request, "child_update")
    return _page(
        request,
        case=child.case,
        form=f.ChildBirthForm(_bound(request), child=child),
        title=f"Record the birth: {child}",
        button="Record the birth",
        intro="The baby's date of birth and name. Their wishes and feelings can be recorded from then on.",
        call=lambda data: services.child_update(child_id=child.pk, by=request.user, **data),
        message=lambda born: f"The birth of {born} is recorded.",
    )


@login_required
def child_remove(request, child_id):
    child = selectors.child_get(user=request.user, child_id=child_id)
    gate(request, "child_remove")
    return _page(
        request,
        case=child.case,
        form=f.RemovalForm(_bound(request)),
        title=f"Remove {child} from the case",
        button="Remove from the case",
        intro="For a child added in error, or no longer part of this family's case. A case keeps at least one child.",
        warning=f"{child} will no longer be part of this case. This cannot be undone: to bring them back, add them "
        "again as a new child.",
        call=lambda data: services.child_remove(child_id=child.pk, by=request.user, reason=data["reason"]),
        message=lambda removed: f"{removed} is removed from the case. Their record is kept.",
    )


@login_required
def member_edit(request, member_id):
    member = selectors.member_get(user=request.user, member_id=member_id)
    gate(request, "member_update")
    eligible = member.payment_eligible

    def message(saved):
        if saved.payment_eligible == eligible:
            return f"{saved.full_name}'s details are saved."
        if saved.payment_eligible:
            return f"{saved.full_name}'s details are saved: they can now be paid from a support package."
        return (
            f"{saved.full_name}'s details are saved: as a parent or a holder of parental responsibility they can no "
            "longer be paid from a support package. Packages already approved are not changed: change or end them."
        )

    return _page(
        request,
        case=member.case,
        form=f.MemberDetailsForm(_bound(request), member=member),
        title=f"Correct {member.full_name}'s details",
        button="Save the corrections",
        intro="Put right their details, or add how to reach them and what they need to take part. Parents and "
        "people holding parental responsibility cannot be paid from a support package.",
        call=lambda data: services.member_update(member_id=member.pk, by=request.user, **data),
        message=message,
    )


@login_required
def member_remove(request, member_id):
    member = selectors.member_get(user=request.user, member_id=member_id)
    gate(request, "member_remove")
    return _page(
        request,
        case=member.case,
        form=f.RemovalForm(_bound(request)),
        title=f"Remove {member.full_name} from the family network",
        button="Remove from the network",
        intro="They stay on record, marked as removed, and can no longer be named as a payee on a new item of a "
        "support package. Payments already scheduled to them stand: change or end the package to stop them.",
        warning=f"{member.full_name} will no longer be part of the family network. This cannot be undone: to bring "
        "them back, add them again.",
        call=lambda data: services.member_remove(member_id=member.pk, by=request.user, reason=data["reason"]),
        message=lambda removed: f"{removed.full_name} is removed from the family network. Their record is kept.",
    )


@login_required
def member_messages(request, member_id):
    """What a network member agreed to be sent (radios naming the address held), and below it what
    the floors above add for the member (the family's link to the plan)."""
    member = selectors.member_get(user=request.user, member_id=member_id)
    gate(request, "member_update")
    case = member.case
    here = reverse("fgdm:member_messages", args=[member.pk])
    form = f.MemberMessagesForm(_bound(request), member=member)
    if request.method == "POST":
        saved = run_service(
            form,
            lambda data: services.member_messages_set(member_id=member.pk, by=request.user, messages=data["messages"]),
        )
        if saved:
            return done(request, f"What {saved.full_name} agreed to be sent is saved.", here)
    return form_page(
        request,
        title=f"Messages to {member.full_name}",
        caption=_caption(case),
        form=form,
        button="Save what they agreed",
        context={
            "intro": "The council sends a network member messages only if they agreed to it, and never to someone "
            "excluded from the meetings for safety or removed from the network.",
            "back": reverse("fgdm:case_detail", args=[case.pk]),
            "sections": sections_for("member_messages", request, member=member),
        },
        template="fgdm/member_messages.html",
        status=400 if request.method == "POST" else 200,
    )
