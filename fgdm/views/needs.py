"""Pages for the family's and the child's needs, and the children's outcomes after closure:
proposing and signing off an exclusion for safety, offering an advocate (and its answer), the
outcome checks in a person's queue and recording one. Each POST calls one service; a refusal shows
on the form and nothing changes."""

from django.contrib.auth.decorators import login_required
from django.urls import reverse
from django.views.decorators.http import require_safe

from core.forms import EmptyForm
from core.pages import done, form_page, gate, page, run_service
from fgdm import forms as f
from fgdm import selectors, services


def _caption(case):
    return f"{case.reference} — {case.family_name} family"


def _bound(request):
    return request.POST if request.method == "POST" else None


def _page(request, *, case, form, title, button, intro, call, message, back=None):
    """One form, one service, back to the case page (or `back`)."""
    back = back or reverse("fgdm:case_detail", args=[case.pk])
    if request.method == "POST":
        result = run_service(form, call)
        if result:
            return done(request, message(result), back)
    return form_page(
        request,
        title=title,
        caption=_caption(case),
        form=form,
        button=button,
        context={"intro": intro, "back": back},
        status=400 if request.method == "POST" else 200,
    )


@login_required
def member_exclusion(request, member_id):
    member = selectors.member_get(user=request.user, member_id=member_id)
    gate(request, "member_exclusion_propose")
    return _page(
        request,
        case=member.case,
        form=f.ExclusionProposeForm(_bound(request)),
        title=f"Propose excluding {member.full_name} for safety",
        button="Propose the exclusion",
        intro="Excluding someone from the family's meetings needs a manager's sign-off: until a manager over the case "
        "signs it off, they are not excluded. Say how they may still contribute and how they can challenge it.",
        call=lambda data: services.member_exclusion_propose(member_id=member.pk, by=request.user, **data),
        message=lambda m: f"Excluding {m.full_name} is proposed: a manager over the case signs it off.",
    )


@login_required
def member_exclusion_sign_off(request, member_id):
    member = selectors.member_get(user=request.user, member_id=member_id)
    gate(request, "member_exclusion_sign_off")
    proposed_by = member.exclusion_proposed_by
    return _page(
        request,
        case=member.case,
        form=EmptyForm(_bound(request)),
        title=f"Sign off excluding {member.full_name}",
        button="Sign off the exclusion",
        intro=(
            f"Proposed by {(proposed_by.get_full_name() or proposed_by.get_username()) if proposed_by else 'nobody'}. "
            f"Why: {member.exclusion_reason or '—'} How they may still contribute: {member.how_to_contribute or '—'} "
            f"How they can challenge it: {member.exclusion_challenge or '—'} "
            "Signing off excludes them from the family's meetings for safety, with your name."
        ),
        call=lambda data: services.member_exclusion_sign_off(member_id=member.pk, by=request.user),
        message=lambda m: f"{m.full_name} is excluded from the family's meetings for safety.",
    )


def _advocacy(request, *, case, person, call):
    return _page(
        request,
        case=case,
        form=f.AdvocacyOfferForm(_bound(request)),
        title=f"Offer an advocate to {person}",
        button="Record the offer",
        intro="Every child is offered an advocate, and so is an adult of the network who needs one. Record the "
        "answer now, or later when it comes.",
        call=call,
        message=lambda offer: f"The offer of an advocate to {person} is recorded.",
    )


@login_required
def child_advocacy(request, child_id):
    child = selectors.child_get(user=request.user, child_id=child_id)
    gate(request, "advocacy_offer")
    return _advocacy(
        request,
        case=child.case,
        person=child,
        call=lambda data: services.advocacy_offer_record(child_id=child.pk, by=request.user, **data),
    )


@login_required
def member_advocacy(request, member_id):
    member = selectors.member_get(user=request.user, member_id=member_id)
    gate(request, "advocacy_offer")
    return _advocacy(
        request,
        case=member.case,
        person=member,
        call=lambda data: services.advocacy_offer_record(member_id=member.pk, by=request.user, **data),
    )


@login_required
def advocacy_answer(request, offer_id):
    offer = selectors.advocacy_offer_get(user=request.user, offer_id=offer_id)
    gate(request, "advocacy_offer")
    return _page(
        request,
        case=offer.case,
        form=f.AdvocacyAnswerForm(_bound(request)),
        title=f"The answer to the offer of an advocate to {offer.person}",
        button="Record the answer",
        intro=f"Offered on {offer.offered_on:%-d %B %Y}.",
        call=lambda data: services.advocacy_offer_answer(offer_id=offer.pk, by=request.user, **data),
        message=lambda o: f"The answer of {o.person} is recorded: {o.get_answer_display().lower()}.",
    )


@login_required
@require_safe
def outcomes_due(request):
    """The outcome checks in this person's queue today (also on the home page)."""
    return page(
        request,
        "fgdm/outcomes_due.html",
        {"title": "Children's outcomes to record", "outcomes": selectors.outcomes_due(user=request.user)[:200]},
    )


@login_required
def outcome_record(request, outcome_id):
    outcome = selectors.outcome_get(user=request.user, outcome_id=outcome_id)
    gate(request, "outcome_record")
    return _page(
        request,
        case=outcome.case,
        form=f.OutcomeRecordForm(_bound(request)),
        title=f"{outcome.child}: outcome {outcome.get_checkpoint_display().lower()}",
        button="Record the outcome",
        intro=f"The case closed on {outcome.closed_on:%-d %B %Y}; this check fell due on {outcome.due_on:%-d %B %Y}.",
        call=lambda data: services.outcome_record(outcome_id=outcome.pk, by=request.user, **data),
        message=lambda o: f"The outcome {o.get_checkpoint_display().lower()} for {o.child} is recorded.",
    )
