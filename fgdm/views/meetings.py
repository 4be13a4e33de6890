"""Meeting pages: arranging the meeting, preparing the network for a conference, recording it."""

from django.contrib.auth.decorators import login_required
from django.urls import reverse
from django.utils import timezone

from core.forms import EmptyForm, in_days, today, wants_another_row
from core.pages import done, form_page, gate, run_service
from fgdm import forms as f
from fgdm import selectors, services
from fgdm.views.cases import _caption, _case_step


@login_required
def meeting_new(request, case_id):
    return _case_step(
        request,
        case_id,
        step="meeting_schedule",
        title="Arrange the family meeting",
        form_class=f.MeetingScheduleForm,
        button="Arrange the meeting",
        intro="A Family Network Meeting is run by the practitioner; a Family Group Conference by an independent "
        "coordinator, who prepares the network first. At pre-proceedings it must be a Family Group Conference.",
        call=lambda case, data: services.meeting_schedule(
            case_id=case.pk,
            by=request.user,
            model=data["model"],
            scheduled_for=data["scheduled_for"],
            venue=data["venue"],
            coordinator=data["coordinator"],
            bottom_lines=data["bottom_lines"],
            coordinator_request=data["coordinator_request"],
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
            "exclusion_reason": member.exclusion_reason,
            "how_to_contribute": member.how_to_contribute,
        },
    )
    meeting = member.case.meetings.order_by("-id").first()
    back = (
        reverse("fgdm:meeting_prepare", args=[meeting.pk])
        if meeting and meeting.model == "fgc"
        else reverse("fgdm:case_detail", args=[member.case_id])
    )
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
            "safely attend is excluded with the reason, and can still contribute another way.",
            "back": back,
        },
        status=400 if request.method == "POST" else 200,
    )
