"""What the case side holds about a child or a network member, for a subject access request
(registered with audit.sar from FgdmConfig.ready()). Other people's details are marked for
redaction; staff acting in their role are not third parties."""

from audit.sar import Record, Section, Subject, UnknownSubject
from fgdm.models import Child, NetworkMember, PlanAction

THIRD_CHILD = "third party: another child"
THIRD_MEMBER = "third party: a member of the family network"
THIRD_FREE_TEXT = "may name third parties"
# Why a member was kept out of the meetings is recorded about them, often from what others said:
# the subject's own exclusion reason is always reviewed before it is sent (third parties, and the
# social-work exemption: disclosure likely to cause serious harm).
OWN_EXCLUSION_REASON = "your own exclusion reason: review for third parties and serious harm"


def child_subject(child_id: int) -> Subject:
    child = Child.objects.select_related("case").filter(pk=child_id).first()
    if child is None:
        raise UnknownSubject(f"No child #{child_id}.")
    return Subject(
        "child",
        child.pk,
        str(child),
        child.case_id,
        child.case.reference,
        object_type="child",
        related=[("case", child.case_id)],
    )


def member_subject(member_id: int) -> Subject:
    member = NetworkMember.objects.select_related("case").filter(pk=member_id).first()
    if member is None:
        raise UnknownSubject(f"No network member #{member_id}.")
    return Subject(
        "member", member.pk, member.full_name, member.case_id, member.case.reference, object_type="networkmember"
    )


def _member_record(member: NetworkMember, redact: str = "") -> Record:
    return (
        Record(f"Network member: {member.full_name}")
        .add("Name", member.full_name, redact)
        .add("Relationship", member.get_relationship_display(), redact)
        .add("Parent", member.is_parent, redact)
        .add("Parental responsibility", member.has_parental_responsibility, redact)
        .add("Lives with the child", member.lives_with_child, redact)
        .add("Phone", member.phone, redact)
        .add("E-mail", member.email, redact)
        .add("Address", member.address, redact)
        .add("Language", member.language, redact)
        .add("Needs an interpreter", member.interpreter_needed, redact)
        .add("Communication needs", member.communication_needs, redact)
        .add("Excluded from meetings", member.excluded_from_meetings, redact)
        .add("Reason for exclusion", member.exclusion_reason, redact or OWN_EXCLUSION_REASON)
        .add("Preparation for the meeting", member.get_preparation_status_display(), redact)
        .add("Preparation notes", member.preparation_notes, redact)
        .add("How they can still contribute", member.how_to_contribute, redact)
        .add("Removed from the network", member.removed_at, redact)
        .add("Why they were removed", member.removal_reason, redact or THIRD_FREE_TEXT)
    )


def collect(subject: Subject) -> list[Section]:
    if subject.kind not in ("child", "member"):
        return []
    if subject.kind == "child":
        child = Child.objects.select_related("case__locality", "case__team").get(pk=subject.id)
        case = child.case
    else:
        member = NetworkMember.objects.select_related("case__locality", "case__team").get(pk=subject.id)
        case = member.case
    sections = []
    person = Section("About you", "case record")
    if subject.kind == "child":
        person.records.append(
            Record("Child")
            .add("First name", child.first_name)
            .add("Last name", child.last_name)
            .add("Date of birth", child.date_of_birth)
            .add("Expected on (before the birth was recorded)", child.expected_on)
            .add("Your wishes and feelings", child.wishes_and_feelings)
            .add("How you take part", child.get_participation_display())
            .add("Who speaks for you", child.participation_detail)
            .add("Removed from the case", child.removed_at)
            .add("Why you were removed from the case", child.removal_reason, THIRD_FREE_TEXT)
        )
    else:
        person.records.append(_member_record(member))
    sections.append(person)

    case_section = Section("The case", "case record")
    case_section.records.append(
        Record(f"Case {case.reference}")
        .add("Family name", case.family_name)
        .add("Locality", case.locality.name)
        .add("Team", case.team.name)
        .add("Stage", case.get_stage_display())
        .add("Status", case.get_status_display())
        .add("Opened", case.opened_on)
        .add("Closed", case.closed_on)
        .add("Why it closed", case.get_close_reason_display())
        .add("Note on the closing", case.close_note, THIRD_FREE_TEXT)
        .add("Outcome", case.get_outcome_display())
        .add("Follows case", case.previous_case.reference if case.previous_case_id else "")
        .add("Reason for referral", case.referral_reason, THIRD_FREE_TEXT)
        .add("Consent to share given by", case.consent_given_by, THIRD_FREE_TEXT)
        .add("Consent withdrawn by", case.consent_withdrawn_by, THIRD_FREE_TEXT)
        .add("Consent withdrawn on", case.consent_withdrawn_at)
        .add("The referrer's bottom lines", case.bottom_lines, THIRD_FREE_TEXT)
        .add("Where the child lives", case.child_lives_with, THIRD_FREE_TEXT)
    )
    sections.append(case_section)

    stages = Section("Stages of the case", "case record")
    for change in case.stage_changes.order_by("changed_on", "id"):
        title = (
            f"Referred at {change.get_to_stage_display()}"
            if not change.from_stage
            else f"{change.get_from_stage_display()} to {change.get_to_stage_display()}"
        )
        stages.records.append(
            Record(title)
            .add("Stage", change.get_to_stage_display())
            .add("From", change.changed_on)
            .add("Why it changed", change.reason, THIRD_FREE_TEXT)
        )
    sections.append(stages)

    others = Section("Other people in the case", "case record")
    for other in case.children.exclude(pk=subject.id if subject.kind == "child" else None):
        redact = THIRD_CHILD if subject.kind == "child" else "third party: a child (unless you act for them)"
        others.records.append(
            Record("A child")
            .add("Name", f"{other.first_name} {other.last_name}".strip(), redact)
            .add("Date of birth", other.date_of_birth, redact)
            .add("Expected on", other.expected_on, redact)
            .add("Wishes and feelings", other.wishes_and_feelings, redact)
            .add("Removed from the case", other.removed_at, redact)
            .add("Why they were removed", other.removal_reason, redact)
        )
    for other in case.network_members.exclude(pk=subject.id if subject.kind == "member" else None):
        others.records.append(_member_record(other, THIRD_MEMBER))
    sections.append(others)

    meetings = Section("Meetings and plans", "case record")
    for meeting in case.meetings.order_by("scheduled_for"):
        meetings.records.append(
            Record(f"{meeting.get_model_display()} on {meeting.scheduled_for:%Y-%m-%d}")
            .add("Purpose", meeting.get_purpose_display())
            .add("Venue", meeting.venue)
            .add("Cancelled because", meeting.cancel_reason, THIRD_FREE_TEXT)
            .add("Held on", meeting.held_on)
            .add("Who attended", meeting.attendees, THIRD_FREE_TEXT)
            .add("How the child took part", meeting.child_participation)
            .add("Bottom lines", meeting.bottom_lines, THIRD_FREE_TEXT)
            .add("The family's request for a coordinator", meeting.coordinator_request, THIRD_FREE_TEXT)
            .add("Information given", meeting.information_shared, THIRD_FREE_TEXT)
            .add("Private family time (minutes)", meeting.private_family_time_minutes)
        )
    actions = (
        PlanAction.objects.filter(plan__case=case)
        .select_related("plan", "owner_member")
        .order_by("plan__version", "id")
    )
    for plan in case.plans.order_by("version"):
        record = (
            Record(f"Family plan, version {plan.version}")
            .add("Status", plan.get_status_display())
            .add("Agreed on", plan.agreed_on)
            .add("Review by", plan.review_by)
            .add("Contingency", plan.contingency, THIRD_FREE_TEXT)
            .add("Monitoring", plan.monitoring, THIRD_FREE_TEXT)
            .add("Reasons it was returned", plan.return_reason, THIRD_FREE_TEXT)
        )
        for action in (a for a in actions if a.plan_id == plan.pk):
            mine = subject.kind == "member" and action.owner_member_id == subject.id
            checked = f" (checked by {action.checked_by})" if action.checked_by else ""
            record.add(
                "Action",
                f"{action.description} — {action.owner_name}{checked}, {action.get_status_display()}",
                "" if mine else THIRD_FREE_TEXT,
            )
        meetings.records.append(record)
    sections.append(meetings)
    pre = getattr(case, "pre_proceedings", None)
    if pre is not None:
        sections.append(
            Section(
                "Before court proceedings",
                "case record",
                [
                    Record("The duty to offer a family meeting (Children Act 1989 s.31ZA)")
                    .add("Where it stands", pre.get_status_display())
                    .add("The order the council intended to apply for", pre.get_order_kind_display())
                    .add("Intention decided on", pre.intended_on)
                    .add("Best-interests exemption", pre.exemption_reason, THIRD_FREE_TEXT)
                    .add("Application to court", pre.application_made_on),
                    *(
                        Record("The offer of a family meeting")
                        .add("To", offer.person_name, THIRD_FREE_TEXT)
                        .add("How", offer.get_method_display())
                        .add("Offered on", offer.offered_on)
                        .add("Answer", offer.get_answer_display())
                        .add("Answered on", offer.answered_on)
                        for offer in pre.offers.select_related("member")
                    ),
                ],
            )
        )
    return sections
