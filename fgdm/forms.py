"""Forms of the case pages. They check types only; the services decide the rules."""

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone

from audit.forms import TimelineFilterForm as AuditTimelineFilterForm
from core.exceptions import DomainError
from core.forms import DateTimeField, Form, date_field, growing_rows, rows_plus_one, use_plain_messages
from core.roles import Role
from fgdm.constants import (
    OFFER_ANSWER_TRANSITIONS,
    AdvocacyAnswer,
    ChildParticipation,
    CloseReason,
    CoordinatorRequest,
    DocumentKind,
    LivingWith,
    MeetingModel,
    MessageConsent,
    OfferAnswer,
    OfferCapacity,
    OfferMethod,
    OrderKind,
    Outcome,
    PreparationStatus,
    Relationship,
    Stage,
)
from fgdm.models import FamilyHub, Locality


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, user):
        name = user.get_full_name()
        return f"{name} ({user.get_username()})" if name else user.get_username()


class HubChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, hub):
        return f"{hub.name} ({hub.locality.name})"


# -- referral -------------------------------------------------------------------------------


class CaseFilterForm(Form):
    q = forms.CharField(label="Reference or family name", required=False, max_length=100)
    status = forms.ChoiceField(label="Status", required=False, choices=[])
    stage = forms.ChoiceField(label="Stage", required=False, choices=[("", "Any stage"), *Stage.choices])
    locality = forms.ChoiceField(label="Locality", required=False, choices=[])
    # The caseload page links here for one person's open cases (?lead=<username>&status=open).
    lead = forms.CharField(label="Lead practitioner (username)", required=False, max_length=150)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from fgdm.constants import CaseStatus

        self.fields["status"].choices = [
            ("", "Any status"),
            ("open", "Open (not closed or declined)"),
            *CaseStatus.choices,
        ]
        self.fields["locality"].choices = [
            ("", "Any locality"),
            *Locality.objects.order_by("name").values_list("code", "name"),
        ]

    def clean_q(self):
        return self.cleaned_data["q"].strip()

    def clean_lead(self):
        return self.cleaned_data["lead"].strip()


class CaseCreateForm(Form):
    family_name = forms.CharField(label="Family name", max_length=100)
    locality = forms.ModelChoiceField(
        label="Locality", queryset=Locality.objects.order_by("name"), empty_label="Choose a locality"
    )
    hub = HubChoiceField(
        label="Family hub (optional)",
        required=False,
        queryset=FamilyHub.objects.select_related("locality").order_by("locality__name", "name"),
        empty_label="None",
        help_text="The hub or network point nearest the family, in the same locality.",
    )
    stage = forms.ChoiceField(label="Stage", choices=Stage.choices)
    referral_reason = forms.CharField(label="Reason for the referral", widget=forms.Textarea(attrs={"rows": 4}))
    child_lives_with = forms.CharField(label="Who the children live with (optional)", max_length=200, required=False)
    consent_given_by = forms.CharField(
        label="Consent given by (optional)",
        max_length=200,
        required=False,
        help_text="Who agreed to the referral and to sharing information, if already known.",
    )
    previous_case = forms.CharField(
        label="Follows a closed case (optional)",
        max_length=20,
        required=False,
        help_text="The reference of the family's closed case or declined referral that this referral follows, "
        "like FGDM-2026-000123.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        group_hubs_by_locality(self.fields["hub"], locality_field=self["locality"].auto_id)

    def clean(self):
        data = super().clean()
        locality, hub = data.get("locality"), data.get("hub")
        if locality and hub and hub.locality_id != locality.pk:
            self.add_error("hub", f"Select a family hub in {locality.name}, or “None”")
        return data


def group_hubs_by_locality(field, *, locality_field: str) -> None:
    """Show a hub list grouped by locality (`<optgroup label="Locality">`, which works without
    JavaScript); core/static/core/hub-filter.js then shows only the chosen locality's hubs."""
    groups: dict[str, list] = {}
    for hub in field.queryset:
        groups.setdefault(hub.locality.name, []).append((str(hub.pk), hub.name))
    field.widget.choices = [("", field.empty_label or ""), *groups.items()]
    field.widget.attrs.update({"data-module": "app-hub-filter", "data-locality-select": locality_field})


def _check_child(form) -> None:
    """The service's rule for a child (fgdm.services.ensure_child_details: born, or expected), shown
    on the child's own fields (a row of the referral, the "add a child" page)."""
    from fgdm.services import ensure_child_details

    data = form.cleaned_data
    if form.errors or not any(data.get(name) for name in ("first_name", "last_name", "date_of_birth", "expected_on")):
        return
    try:
        ensure_child_details(
            first_name=data.get("first_name", ""),
            last_name=data.get("last_name", ""),
            date_of_birth=data.get("date_of_birth"),
            expected_on=data.get("expected_on"),
        )
    except DomainError as exc:
        form.add_error(exc.field if exc.field in form.fields else None, exc.message)


class ChildForm(Form):
    first_name = forms.CharField(
        label="First name", max_length=100, required=False, help_text="Can wait for a child not born yet."
    )
    last_name = forms.CharField(label="Last name", max_length=100)
    date_of_birth = date_field("Date of birth", required=False)
    expected_on = date_field("…or, not born yet, expected on", required=False)

    def clean(self):
        data = super().clean()
        _check_child(self)
        return data


ChildFormSet = growing_rows(ChildForm, noun="child")


def child_rows_plus_one(data, *, prefix="children"):
    """The referral's children as typed (`data`, the POST), unchecked, with one more empty row."""
    return rows_plus_one(ChildFormSet, data, prefix=prefix)


# -- correcting the record ------------------------------------------------------------------


class CaseDetailsForm(Form):
    family_name = forms.CharField(label="Family name", max_length=100)
    referral_reason = forms.CharField(label="Reason for the referral", widget=forms.Textarea(attrs={"rows": 4}))
    hub = HubChoiceField(
        label="Family hub (optional)", required=False, queryset=FamilyHub.objects.none(), empty_label="None"
    )
    child_lives_with = forms.CharField(label="Who the children live with (optional)", max_length=200, required=False)

    def __init__(self, *args, case, **kwargs):
        kwargs.setdefault(
            "initial",
            {
                "family_name": case.family_name,
                "referral_reason": case.referral_reason,
                "hub": case.hub_id,
                "child_lives_with": case.child_lives_with,
            },
        )
        super().__init__(*args, **kwargs)
        self.fields["hub"].queryset = case.locality.hubs.select_related("locality").order_by("name")
        self.fields[
            "hub"
        ].help_text = (
            f"Hubs in {case.locality.name}. A family that moved to another locality is transferred by a manager."
        )


class ChildAddForm(ChildForm):
    reason = forms.CharField(
        label="Why the child is added",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For example: a new baby; a half-brother the referral did not name.",
    )


class ChildDetailsForm(Form):
    """A child's name and date of birth (or, not born yet, the date they are expected)."""

    first_name = forms.CharField(label="First name", max_length=100, required=False)
    last_name = forms.CharField(label="Last name", max_length=100)
    date_of_birth = date_field("Date of birth")
    expected_on = date_field("Expected on")
    language = forms.CharField(label="Language the child prefers to speak (optional)", max_length=100, required=False)
    interpreter_needed = forms.BooleanField(label="The child needs an interpreter", required=False)
    communication_needs = forms.CharField(
        label="Communication needs (optional)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="For example: Makaton, a hearing loop, pictures, short sessions.",
    )

    def __init__(self, *args, child, **kwargs):
        kwargs.setdefault(
            "initial",
            {
                "first_name": child.first_name,
                "last_name": child.last_name,
                "date_of_birth": child.date_of_birth,
                "expected_on": child.expected_on,
                "language": child.language,
                "interpreter_needed": child.interpreter_needed,
                "communication_needs": child.communication_needs,
            },
        )
        super().__init__(*args, **kwargs)
        del self.fields["date_of_birth" if child.is_unborn else "expected_on"]
        if not child.is_unborn:
            self.fields["first_name"].required = True


class ChildBirthForm(Form):
    date_of_birth = date_field("Date of birth")
    first_name = forms.CharField(label="First name", max_length=100)
    last_name = forms.CharField(label="Last name", max_length=100)

    def __init__(self, *args, child, **kwargs):
        kwargs.setdefault("initial", {"first_name": child.first_name, "last_name": child.last_name})
        super().__init__(*args, **kwargs)


class MemberMessagesForm(Form):
    """What a network member agreed to be sent by the council: each channel names the address held."""

    messages = forms.ChoiceField(label="What did they agree to be sent?", widget=forms.RadioSelect, choices=[])

    def __init__(self, *args, member, **kwargs):
        kwargs.setdefault("initial", {"messages": member.messages})
        super().__init__(*args, **kwargs)
        email = member.email or "no e-mail address held"
        phone = member.phone or "no phone number held"
        labels = {
            MessageConsent.NONE: "Nothing: they have not agreed, or they want no more messages",
            MessageConsent.EMAIL: f"E-mails, to {email}",
            MessageConsent.SMS: f"Text messages, to {phone}",
            MessageConsent.EMAIL_AND_SMS: f"E-mails and text messages, to {email} and {phone}",
        }
        self.fields["messages"].choices = [(value, labels[value]) for value in MessageConsent.values]
        if member.messages != MessageConsent.NONE and member.messages_agreed_at:
            recorded = member.messages_recorded_by.get_username() if member.messages_recorded_by else "someone"
            self.fields["messages"].help_text = (
                f"They agreed on {timezone.localtime(member.messages_agreed_at):%-d %B %Y} "
                f"({member.get_messages_display().lower()}; recorded by {recorded})."
            )
        else:
            self.fields["messages"].help_text = (
                "Ask them first, and record only what they agreed to: meeting invitations and changes, their "
                "actions due, payments made and a link to the plan. To change an address, correct their details."
            )


class RemovalForm(Form):
    reason = forms.CharField(
        label="Why",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Nothing is deleted: the record stays, marked as removed, with who removed it, when and why.",
    )


# -- case steps -----------------------------------------------------------------------------


class AllocateForm(Form):
    lead_practitioner = UserChoiceField(
        label="Lead practitioner", queryset=get_user_model().objects.none(), empty_label="Choose a practitioner"
    )

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead_practitioner"].queryset = (
            case.team.members.filter(groups__name=Role.PRACTITIONER, is_active=True).order_by("username").distinct()
        )


class ReassignForm(AllocateForm):
    """A new lead from the case's team (not the present one), and why."""

    reason = forms.CharField(
        label="Why (optional)", required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=1000
    )

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, case=case, **kwargs)
        self.fields["lead_practitioner"].label = "New lead practitioner"
        if case.lead_practitioner_id:
            self.fields["lead_practitioner"].queryset = self.fields["lead_practitioner"].queryset.exclude(
                pk=case.lead_practitioner_id
            )


class StageForm(Form):
    stage = forms.ChoiceField(label="New stage", widget=forms.RadioSelect, choices=[])
    reason = forms.CharField(
        label="Why the stage changes",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For example: the legal gateway meeting decided to start pre-proceedings.",
    )
    changed_on = date_field(
        "Date of the change (optional)",
        required=False,
        help_text="The day the case moved to the new stage, if not today. Not before the case opened or its "
        "last change of stage.",
    )

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        # Only the stages the case can move to: it is already at its own.
        self.fields["stage"].choices = [choice for choice in Stage.choices if choice[0] != case.stage]


class ConsentForm(Form):
    given_by = forms.CharField(label="Who gave consent", max_length=200, help_text="For example: Sarah Hardy (mother).")
    scope = forms.ChoiceField(
        label="What they agreed to",
        widget=forms.RadioSelect,
        error_messages={"required": "Select what they agreed to"},
        choices=[
            ("both", "The referral and sharing information with the family network"),
            ("refer", "The referral only — nothing is shared with the network yet"),
        ],
    )

    def clean(self):
        data = super().clean()
        scope = data.get("scope")
        data["to_refer"], data["to_share"] = True, scope == "both"
        return data


class ConsentWithdrawForm(Form):
    withdrawn_by = forms.CharField(label="Who withdrew consent", max_length=200)
    reason = forms.CharField(
        label="What they said (optional)", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class BottomLinesForm(Form):
    bottom_lines = forms.CharField(
        label="Bottom lines",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="What any plan must achieve for the child to be safe. The family "
        "hears these at the start of the meeting.",
    )


class WishesForm(Form):
    wishes_and_feelings = forms.CharField(
        label="The child's wishes and feelings",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="In the child's own words where you can.",
    )
    participation = forms.ChoiceField(
        label="How the child will take part", choices=ChildParticipation.choices, widget=forms.RadioSelect
    )
    participation_detail = forms.CharField(
        label="Who speaks for them (if someone or an advocate)", max_length=200, required=False
    )


class PreparationForm(Form):
    status = forms.ChoiceField(
        label="Where their preparation stands",
        widget=forms.RadioSelect,
        choices=[
            c
            for c in PreparationStatus.choices
            if c[0] not in (PreparationStatus.NOT_CONTACTED, PreparationStatus.EXCLUDED)
        ],
        help_text="Excluding someone for safety is proposed on its own page and signed off by a manager.",
    )
    notes = forms.CharField(label="Notes (optional)", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ExclusionProposeForm(Form):
    reason = forms.CharField(
        label="Why it is not safe for them to take part in the meetings", widget=forms.Textarea(attrs={"rows": 3})
    )
    how_to_contribute = forms.CharField(
        label="How they may still contribute",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="For example: a letter read out in the information stage, a phone call before the meeting.",
    )
    how_to_challenge = forms.CharField(
        label="How they can challenge the exclusion",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="For example: write to the team manager; the council's complaints procedure.",
    )


class AdvocacyOfferForm(Form):
    offered_on = date_field("Date the advocate was offered")
    answer = forms.ChoiceField(label="Their answer", choices=AdvocacyAnswer.choices, widget=forms.RadioSelect)
    answered_on = date_field("Date of the answer (if answered)", required=False)

    advocate = forms.CharField(label="The advocate (name, service) if accepted", max_length=200, required=False)
    note = forms.CharField(label="Note (optional)", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class AdvocacyAnswerForm(Form):
    answer = forms.ChoiceField(
        label="Their answer",
        choices=[c for c in AdvocacyAnswer.choices if c[0] != AdvocacyAnswer.AWAITING],
        widget=forms.RadioSelect,
    )
    answered_on = date_field("Date of the answer")
    advocate = forms.CharField(label="The advocate (name, service) if accepted", max_length=200, required=False)
    note = forms.CharField(label="Note (optional)", required=False, widget=forms.Textarea(attrs={"rows": 2}))


def _yes_no(label, *, whether: str):
    return forms.TypedChoiceField(
        label=label,
        choices=[("yes", "Yes"), ("no", "No")],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": f"Select whether {whether}"},
    )


class OutcomeRecordForm(Form):
    living_with = forms.ChoiceField(
        label="Who the child lives with", choices=LivingWith.choices, widget=forms.RadioSelect
    )
    living_with_detail = forms.CharField(
        label="Detail (who, where; needed for “other”)", max_length=200, required=False
    )
    on_child_protection_plan = _yes_no("On a child protection plan", whether="the child is on a child protection plan")
    proceedings_issued = _yes_no("Care proceedings issued", whether="care proceedings were issued")
    entered_care = _yes_no("Entered care", whether="the child entered care")


class PreProceedingsForm(Form):
    """A form of the pre-proceedings page: it may offer choices from the case and its record."""

    def __init__(self, *args, case, record=None, **kwargs):
        self.case, self.record = case, record
        super().__init__(*args, **kwargs)


class IntentionForm(PreProceedingsForm):
    order_kind = forms.ChoiceField(label="The order the council intends to apply for", choices=OrderKind.choices)
    intended_on = date_field(
        "When the council decided to apply", help_text="For example, the day of the legal planning meeting."
    )


class MemberOfferChoice(forms.ModelChoiceField):
    def label_from_instance(self, member):
        why = "parent" if member.is_parent else "holds parental responsibility"
        return f"{member.full_name} ({why})"


class OfferForm(PreProceedingsForm):
    member = MemberOfferChoice(
        label="Who was offered the meeting",
        required=False,
        queryset=None,
        empty_label="Someone not in the family's network (name them below)",
        help_text="Each parent and each holder of parental responsibility is offered the meeting.",
    )
    name = forms.CharField(label="Their name, if not in the network", max_length=200, required=False)
    capacity = forms.ChoiceField(
        label="If not in the network: they are",
        choices=[("", "Choose"), *OfferCapacity.choices],
        required=False,
    )
    method = forms.ChoiceField(label="How the meeting was offered", choices=OfferMethod.choices)
    offered_on = date_field("When it was offered")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = (
            self.case.network_members.current()
            .filter(Q(is_parent=True) | Q(has_parental_responsibility=True))
            .order_by("full_name")
        )

    def clean(self):
        data = super().clean()
        member = data.pop("member", None)
        data["member_id"] = member.pk if member else None
        return data


class AnswerForm(PreProceedingsForm):
    offer = forms.ChoiceField(label="Whose answer")
    answer = forms.ChoiceField(
        label="Their answer", choices=[c for c in OfferAnswer.choices if c[0] != OfferAnswer.PENDING]
    )
    answered_on = date_field(
        "Date", help_text="When they accepted or declined; for no reply, the date the reply was asked for by."
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        offers = self.record.offers.select_related("member") if self.record else []
        self.fields["offer"].choices = [
            (o.pk, f"{o.person_name} — offered {o.offered_on:%-d %B %Y}: {o.get_answer_display().lower()}")
            for o in offers
            if OFFER_ANSWER_TRANSITIONS[o.answer]
        ]

    def clean(self):
        data = super().clean()
        if "offer" in data:
            data["offer_id"] = int(data.pop("offer"))
        return data


class ExemptionForm(PreProceedingsForm):
    reason = forms.CharField(
        label="Why offering a family meeting is not in the child's best interests",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="You confirm this decision as yourself: it is recorded as yours.",
    )


class ApplicationForm(PreProceedingsForm):
    made_on = date_field("Date of the application to court")


class MemberForm(Form):
    full_name = forms.CharField(label="Full name", max_length=200)
    relationship = forms.ChoiceField(label="Relationship to the child", choices=Relationship.choices)
    is_parent = forms.BooleanField(label="This person is a parent of the child", required=False)
    has_parental_responsibility = forms.BooleanField(label="This person holds parental responsibility", required=False)
    lives_with_child = forms.BooleanField(label="This person lives with the child", required=False)
    phone = forms.CharField(label="Phone (optional)", max_length=40, required=False)
    email = forms.EmailField(label="Email (optional)", required=False)
    address = forms.CharField(label="Address (optional)", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    language = forms.CharField(label="Language they prefer to speak (optional)", max_length=100, required=False)
    interpreter_needed = forms.BooleanField(label="They need an interpreter", required=False)
    communication_needs = forms.CharField(
        label="Communication needs (optional)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="For example: hearing loop, large print, easy read, a British Sign Language interpreter.",
    )


class MemberDetailsForm(MemberForm):
    """Correct a network member's details (the same fields as adding them)."""

    def __init__(self, *args, member, **kwargs):
        kwargs.setdefault("initial", {name: getattr(member, name) for name in MemberForm.base_fields})
        super().__init__(*args, **kwargs)


class MeetingScheduleForm(Form):
    model = forms.ChoiceField(label="Kind of meeting", choices=MeetingModel.choices, widget=forms.RadioSelect)
    scheduled_for = DateTimeField(label="Date and time", noun="The meeting's date and time")
    venue = forms.CharField(label="Venue", max_length=200)
    coordinator = UserChoiceField(
        label="Independent coordinator (a Family Group Conference, or any meeting at pre-proceedings)",
        required=False,
        queryset=get_user_model().objects.none(),
        empty_label="None",
    )
    coordinator_request_kind = forms.ChoiceField(
        label="The family asked for a coordinator who matches their",
        choices=CoordinatorRequest.choices,
        initial=CoordinatorRequest.NONE,
        required=False,
    )
    coordinator_request = forms.CharField(
        label="What they asked for (which language, culture or gender)", max_length=300, required=False
    )
    coordinator_request_met = forms.TypedChoiceField(
        label="Does the coordinator allocated meet the request?",
        choices=[("", "No request"), ("yes", "Yes"), ("no", "No")],
        coerce=lambda value: value == "yes",
        empty_value=None,
        required=False,
    )
    coordinator_request_note = forms.CharField(
        label="Why it could not be met, or how it was (optional)", max_length=300, required=False
    )
    bottom_lines = forms.CharField(
        label="Bottom lines set by the referrer (optional)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Leave empty to use the case's bottom lines.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["coordinator"].queryset = _coordinators()


def _coordinators():
    return (
        get_user_model().objects.filter(groups__name=Role.COORDINATOR, is_active=True).order_by("username").distinct()
    )


MEETING_DATE = dict(label="New date and time", noun="The meeting's date and time")


class MeetingRescheduleForm(Form):
    scheduled_for = DateTimeField(**MEETING_DATE)
    venue = forms.CharField(label="Venue", max_length=200)
    reason = forms.CharField(
        label="Why the meeting is moved",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For example: Nan is in hospital that week. The move is kept in the meeting's history.",
    )


class MeetingCancelForm(Form):
    reason = forms.CharField(
        label="Why the meeting is cancelled",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For example: the family withdrew; the children moved out of the area.",
    )


class MeetingReconveneForm(Form):
    scheduled_for = DateTimeField(**{**MEETING_DATE, "label": "Date and time"})
    venue = forms.CharField(label="Venue", max_length=200)
    model = forms.ChoiceField(label="Kind of meeting", choices=MeetingModel.choices, widget=forms.RadioSelect)
    coordinator = UserChoiceField(
        label="Independent coordinator (Family Group Conference only)",
        required=False,
        queryset=get_user_model().objects.none(),
        empty_label="The conference's coordinator",
    )
    reason = forms.CharField(
        label="Why the meeting is reconvened",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For example: the family need to agree who has the children at weekends.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["coordinator"].queryset = _coordinators()


class DeclineForm(Form):
    reason = forms.CharField(
        label="Why the referral is declined",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="For example: the family is already supported by another service. The referrer and the case's "
        "history see this reason.",
    )


class CloseForm(Form):
    reason = forms.ChoiceField(
        label="Why the case closes",
        widget=forms.RadioSelect,
        choices=CloseReason.choices,
        help_text="“No network identified” is a manager's sign-off: only a manager over the case can choose it.",
    )
    note = forms.CharField(
        label="Note",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What happened, in a sentence or two. Needed when the reason is “other”.",
    )
    outcome = forms.ChoiceField(
        label="Outcome for the child (optional)",
        required=False,
        choices=[("", "Not recorded"), *Outcome.choices],
        help_text="When the child entered care, the outcome “child entered care” is recorded for you.",
    )


class ReopenForm(Form):
    reason = forms.CharField(
        label="Why the case is reopened",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For example: the family asked for help again a week after the case closed.",
    )


class ReviewForm(Form):
    decision = forms.ChoiceField(
        label="What happens next?",
        widget=forms.RadioSelect,
        choices=[("continue", "Continue: the family revises the plan"), ("close", "Close the case")],
    )
    outcome = forms.ChoiceField(
        label="Outcome for the child (if closing)",
        required=False,
        choices=[("", "Choose an outcome"), *Outcome.choices],
    )
    notes = forms.CharField(label="Notes (optional)", required=False, widget=forms.Textarea(attrs={"rows": 3}))


# -- meetings and plans ---------------------------------------------------------------------


class MeetingRecordForm(Form):
    held_on = date_field("Date held")
    attendees = forms.CharField(label="Who attended", widget=forms.Textarea(attrs={"rows": 2}))
    private_family_time = forms.BooleanField(label="The family had private time without professionals", required=False)
    child_participation = forms.CharField(label="How the child took part (optional)", max_length=200, required=False)
    information_shared = forms.CharField(
        label="Stage 1 — information the professionals gave (optional)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    private_family_time_minutes = forms.IntegerField(
        label="Stage 2 — private family time, in minutes (optional)", required=False, min_value=1, max_value=1440
    )
    contingency = forms.CharField(label="Contingency plan", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    monitoring = forms.CharField(
        label="How the plan will be monitored (optional)", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    review_by = date_field("Review the plan by")


class PlanForm(Form):
    contingency = forms.CharField(label="Contingency plan", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    monitoring = forms.CharField(
        label="How the plan will be monitored (optional)", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    review_by = date_field("Review the plan by")


class ActionForm(Form):
    description = forms.CharField(label="What will be done", max_length=1000)
    owner_member = forms.TypedChoiceField(
        label="Who (network member)", required=False, coerce=int, empty_value=None, choices=[]
    )
    owner_text = forms.CharField(label="…or who (someone else)", max_length=200, required=False)
    due_by = date_field("By when", required=False)
    checked_by = forms.CharField(label="Who checks it is done (optional)", max_length=200, required=False)

    def __init__(self, *args, members=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner_member"].choices = [("", "Someone else"), *[(m.pk, m.full_name) for m in members]]

    def clean(self):
        data = super().clean()
        if data.get("description") and data.get("owner_member") is None and not (data.get("owner_text") or "").strip():
            self.add_error("owner_text", "Choose a network member or say who will do it.")
        return data


ActionFormSet = growing_rows(ActionForm, noun="action")
ACTION_ROWS = 3  # empty rows a new plan starts with; "Add another action" gives more


def action_formset(data=None, *, members, initial=None, prefix="actions"):
    """The plan's actions, as many as the family agrees: `initial` rows (default three empty ones)."""
    rows = initial if initial is not None else [{}] * ACTION_ROWS
    return ActionFormSet(
        data, prefix=prefix, initial=None if data is not None else rows, form_kwargs={"members": list(members)}
    )


def action_rows_plus_one(data, *, members, prefix="actions"):
    """The plan's actions as typed, unchecked, with one more empty row."""
    return rows_plus_one(ActionFormSet, data, prefix=prefix, form_kwargs={"members": list(members)})


def actions_from_formset(formset):
    from fgdm.services import ActionInput

    return [
        ActionInput(
            description=f.cleaned_data["description"],
            owner_member_id=f.cleaned_data.get("owner_member"),
            owner_text=f.cleaned_data.get("owner_text") or "",
            due_by=f.cleaned_data.get("due_by"),
            checked_by=f.cleaned_data.get("checked_by") or "",
        )
        for f in formset.forms
        if f.cleaned_data and f.cleaned_data.get("description")
    ]


class PlanAcceptForm(Form):
    support_needed = forms.TypedChoiceField(
        label="Does the family need a support package?",
        widget=forms.RadioSelect,
        choices=[("yes", "Yes"), ("no", "No")],
        coerce=lambda v: v == "yes",
        error_messages={"required": "Select whether the family needs a support package"},
    )


class ConflictForm(Form):
    case_reference = forms.CharField(
        label="Case reference", max_length=20, help_text="The family's case reference, for example FGDM-2026-000123."
    )
    reason = forms.CharField(
        label="How you know the family",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For example: the child's grandmother is my neighbour; I am related to the aunt.",
    )


# -- the case's timeline --------------------------------------------------------------------------


class TimelineFilterForm(AuditTimelineFilterForm):
    """The timeline's filters (audit.forms) with dates typed the UK way and messages for people
    (audit sits below core, so the boxes are added here, where the pages and the API use it)."""

    since = date_field("From", required=False, noun="The start date")
    until = date_field("To", required=False, noun="The end date")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        use_plain_messages(self)


# -- the case file: notes and documents -----------------------------------------------------------------


class CaseNoteForm(Form):
    noted_on = date_field(
        "Date the note is about",
        required=False,
        help_text="Leave blank for today. It cannot be in the future.",
    )
    text = forms.CharField(label="Note", widget=forms.Textarea(attrs={"rows": 8}))


class CaseDocumentForm(Form):
    kind = forms.ChoiceField(label="What is this document?", choices=DocumentKind.choices, widget=forms.RadioSelect)
    file = forms.FileField(
        label="Upload a file",
        help_text="A PDF, PNG, JPEG or Word (.docx) document. The file is checked: its name must match what it is.",
    )
