"""Meeting pages: arranging a meeting, the meeting's own page, preparing the network, recording it,
and moving, cancelling or reconvening it. Every button is offered from the check its service makes."""

from django.contrib.auth.decorators import login_required
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_safe

from audit.services import record_access
from core.forms import EmptyForm, in_days, today, wants_another_row
from core.pages import done, form_page, gate, page, run_service
from fgdm import forms as f
from fgdm import selectors, services
from fgdm.constants import CaseStatus, MeetingModel, MeetingStatus
from fgdm.views.cases import _caption, _case_step
from fgdm.views.offers import meeting_actions


@login_required
def meeting_new(request, case_id):
    review = selectors.case_get(user=request.user, case_id=case_id).status == CaseStatus.PLAN_ACCEPTED
    return _case_step(
        request,
        case_id,
        step="meeting_schedule",
        title="Arrange a review meeting" if review else "Arrange the family meeting",
        form_class=f.MeetingScheduleForm,
        button="Arrange the meeting",
        intro=(
            "The family meet again to review their plan and agree the next one. "
            if review
            else "A Family Network Meeting is run by the practitioner; a Family Group Conference by an independent "
            "coordinator, who prepares the network first. "
        )
        + "At pre-proceedings any family meeting is run by an independent coordinator, whatever it is called.",
        call=lambda case, data: services.meeting_schedule(
            case_id=case.pk,
            by=request.user,
            model=data["model"],
            scheduled_for=data["scheduled_for"],
            venue=data["venue"],
            coordinator=data["coordinator"],
            bottom_lines=data["bottom_lines"],
            coordinator_request_kind=data["coordinator_request_kind"] or "none",
            coordinator_request=data["coordinator_request"],
            coordinator_request_met=data["coordinator_request_met"],
            coordinator_request_note=data["coordinator_request_note"],
        ),
        message=lambda meeting: (
            f"The {meeting.get_model_display()} is arranged for "
            f"{timezone.localtime(meeting.scheduled_for):%-d %B %Y at %H:%M}."
        ),
    )


@login_required
def meeting_prepare(request, meeting_id):
    meeting = selectors.meeting_get(user=request.user, meeting_id=meeting_id)
    gate(request, "meeting_prepare")
    form = EmptyForm((request.POST if request.method == "POST" else None))
    if request.method == "POST":
        if run_service(form, lambda data: services.meeting_prepare(meeting_id=meeting.pk, by=request.user)):
            return done(
                request,
                "The network is prepared. Record the conference and the family's plan once it has been held.",
                reverse("fgdm:case_detail", args=[meeting.case_id]),
            )
    return form_page(
        request,
        title="Prepare the network for the conference",
        caption=_caption(meeting.case),
        form=form,
        button="The network is prepared",
        template="fgdm/meeting_prepare.html",
        context={
            "meeting": meeting,
            "case": meeting.case,
            "members": meeting.case.network_members.current(),
            "back": reverse("fgdm:case_detail", args=[meeting.case_id]),
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
def meeting_record(request, meeting_id):
    meeting = selectors.meeting_get(user=request.user, meeting_id=meeting_id)
    gate(request, "meeting_record")
    case = meeting.case
    members = case.network_members.current().order_by("full_name")
    bound = request.POST if request.method == "POST" else None
    if wants_another_row(request, "add_action"):
        # "Add another action": the form again as typed, unchecked, with one more row. Nothing is saved.
        form = f.MeetingRecordForm(initial=request.POST.dict())
        actions = f.action_rows_plus_one(request.POST, members=members)
        bound = None
    else:
        form = f.MeetingRecordForm(
            bound, initial={"held_on": today(), "review_by": in_days(42), "private_family_time": meeting.model == "fgc"}
        )
        actions = f.action_formset(bound, members=members)
    if bound is not None:
        plan = run_service(
            form,
            lambda data: services.meeting_record(
                meeting_id=meeting.pk,
                by=request.user,
                held_on=data["held_on"],
                attendees=data["attendees"],
                private_family_time=data["private_family_time"],
                child_participation=data["child_participation"],
                actions=f.actions_from_formset(actions),
                contingency=data["contingency"],
                review_by=data["review_by"],
                monitoring=data["monitoring"],
                information_shared=data["information_shared"],
                private_family_time_minutes=data["private_family_time_minutes"],
            ),
            formsets=[actions],
        )
        if plan:
            return done(
                request,
                "The meeting and the family's plan are recorded. Accept the plan, or return it "
                "to the family with your reasons.",
                reverse("fgdm:plan_detail", args=[plan.pk]),
            )
    return form_page(
        request,
        title="Record the meeting and the family's plan",
        caption=_caption(case),
        form=form,
        formsets=[actions],
        button="Record the meeting and plan",
        template="fgdm/plan_form.html",
        context={
            "meeting": meeting,
            "case": case,
            "actions": actions,
            "back": reverse("fgdm:case_detail", args=[case.pk]),
        },
        status=400 if bound is not None else 200,
    )


@login_required
def member_preparation(request, member_id):
    member = selectors.member_get(user=request.user, member_id=member_id)
    gate(request, "member_record_preparation")
    bound = request.POST if request.method == "POST" else None
    form = f.PreparationForm(
        bound,
        initial={
            "status": member.preparation_status,
            "notes": member.preparation_notes,
        },
    )
    meeting = services.arranged_meeting(member.case)
    if meeting is None:
        back = reverse("fgdm:case_detail", args=[member.case_id])
    elif meeting.model == MeetingModel.FGC and meeting.status == MeetingStatus.SCHEDULED:
        back = reverse("fgdm:meeting_prepare", args=[meeting.pk])
    else:
        back = reverse("fgdm:meeting_detail", args=[meeting.pk])
    if request.method == "POST":
        if run_service(
            form, lambda data: services.member_record_preparation(member_id=member.pk, by=request.user, **data)
        ):
            return done(request, f"{member.full_name}'s preparation is recorded.", back)
    return form_page(
        request,
        title=f"Preparing {member.full_name}",
        caption=_caption(member.case),
        form=form,
        button="Record",
        context={
            "intro": "Contact, prepare and invite each person the family names. Someone who cannot "
            "safely attend is excluded on its own page: proposed with the reason, how they can still "
            "contribute and how they can challenge it, then signed off by a manager.",
            "back": back,
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_safe
def meeting_detail(request, meeting_id):
    """The meeting's own page: what it is for, when and where (and every move), its network's
    preparation while it is arranged, what was recorded when it was held, and what can be done now."""
    meeting = selectors.meeting_get(user=request.user, meeting_id=meeting_id)
    case = meeting.case
    record_access(by=request.user, what="meeting", door="page", obj=meeting, case_id=case.pk, path=request.path)
    actions = meeting_actions(request.user, meeting)
    arranged = meeting.status in (MeetingStatus.SCHEDULED, MeetingStatus.PREPARED)
    return page(
        request,
        "fgdm/meeting_detail.html",
        {
            "title": f"{meeting.get_model_display()} — {meeting.get_purpose_display().lower()}",
            "caption": _caption(case),
            "meeting": meeting,
            "case": case,
            "moves": list(meeting.reschedules.all()),
            "members": list(case.network_members.current().order_by("full_name")) if arranged else [],
            "communication_needs": selectors.communication_needs_of(meeting=meeting),
            "plans": list(selectors.plans_of_meeting(meeting=meeting)),
            "reconvened_by": list(meeting.reconvened_by.order_by("id")),
            "can": actions,
            "back": reverse("fgdm:case_detail", args=[case.pk]),
        },
    )


def _meeting_step(
    request, meeting_id, *, step, title, form_class, initial, call, message, to, intro, button, warning=""
):
    """One page, one form, one service, for a step on a meeting (with a `warning`: the confirmation
    page of a step that cannot be undone)."""
    meeting = selectors.meeting_get(user=request.user, meeting_id=meeting_id)
    gate(request, step)
    form = form_class((request.POST if request.method == "POST" else None), initial=initial(meeting))
    if request.method == "POST":
        result = run_service(form, lambda data: call(meeting, data))
        if result:
            return done(request, message(result), to(result))
    return form_page(
        request,
        title=title,
        caption=_caption(meeting.case),
        form=form,
        button=button,
        template="fgdm/confirm_page.html" if warning else "fgdm/meeting_step.html",
        context={
            "warning": warning,
            "meeting": meeting,
            "case": meeting.case,
            "intro": intro,
            "moves": list(meeting.reschedules.all()),
            "back": reverse("fgdm:meeting_detail", args=[meeting.pk]),
        },
        status=400 if request.method == "POST" else 200,
    )


def _local(moment):
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


@login_required
def meeting_reschedule(request, meeting_id):
    return _meeting_step(
        request,
        meeting_id,
        step="meeting_reschedule",
        title="Move the meeting",
        form_class=f.MeetingRescheduleForm,
        initial=lambda meeting: {"scheduled_for": _local(meeting.scheduled_for), "venue": meeting.venue},
        button="Move the meeting",
        intro="Give the new date and time (and venue, if it changes) and why. The meeting's history keeps every "
        "move. Tell the family and everyone invited.",
        call=lambda meeting, data: services.meeting_reschedule(
            meeting_id=meeting.pk,
            by=request.user,
            scheduled_for=data["scheduled_for"],
            venue=data["venue"],
            reason=data["reason"],
        ),
        message=lambda meeting: (
            f"The meeting is moved to {timezone.localtime(meeting.scheduled_for):%-d %B %Y at %H:%M}."
        ),
        to=lambda meeting: reverse("fgdm:meeting_detail", args=[meeting.pk]),
    )


@login_required
def meeting_cancel(request, meeting_id):
    return _meeting_step(
        request,
        meeting_id,
        step="meeting_cancel",
        title="Cancel the meeting",
        form_class=f.MeetingCancelForm,
        initial=lambda meeting: {},
        button="Cancel the meeting",
        intro="The meeting will not take place. The case goes back to mapping the network, where a new meeting "
        "is arranged, or the case is closed. Nothing recorded about the meeting is deleted.",
        warning="Cancelling the meeting cannot be undone: to meet, arrange a new meeting.",
        call=lambda meeting, data: services.meeting_cancel(
            meeting_id=meeting.pk, by=request.user, reason=data["reason"]
        ),
        message=lambda meeting: (
            "The meeting is cancelled. Arrange a new meeting when the family is ready, or close the case."
        ),
        to=lambda meeting: reverse("fgdm:case_detail", args=[meeting.case_id]),
    )


@login_required
def meeting_reconvene(request, meeting_id):
    return _meeting_step(
        request,
        meeting_id,
        step="meeting_reconvene",
        title="Reconvene the meeting",
        form_class=f.MeetingReconveneForm,
        initial=lambda meeting: {"model": meeting.model, "venue": meeting.venue},
        button="Reconvene the meeting",
        intro="The family meet again before their plan is accepted. The plan waiting for acceptance is superseded: "
        "the reconvened meeting agrees the next one. A conference keeps its coordinator unless you choose another.",
        call=lambda meeting, data: services.meeting_reconvene(
            meeting_id=meeting.pk,
            by=request.user,
            scheduled_for=data["scheduled_for"],
            venue=data["venue"],
            reason=data["reason"],
            model=data["model"],
            coordinator=data["coordinator"],
        ),
        message=lambda meeting: (
            f"The {meeting.get_model_display()} is reconvened for "
            f"{timezone.localtime(meeting.scheduled_for):%-d %B %Y at %H:%M}."
        ),
        to=lambda meeting: reverse("fgdm:meeting_detail", args=[meeting.pk]),
    )
