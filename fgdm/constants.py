"""Codes of the case side of FGDM. States and their allowed moves are declared here, once."""

from django.db import models


class Stage(models.TextChoices):
    FAMILY_HELP = "family_help", "Family help"
    CHILD_PROTECTION = "child_protection", "Child protection"
    PRE_PROCEEDINGS = "pre_proceedings", "Pre-proceedings"
    KINSHIP = "kinship", "Kinship care"


class CaseStatus(models.TextChoices):
    REFERRED = "referred", "Referral received"
    ALLOCATED = "allocated", "Allocated — mapping the network"
    MEETING_PLANNED = "meeting_planned", "Meeting planned"
    PLAN_AGREED = "plan_agreed", "Plan agreed by the family"
    PLAN_RETURNED = "plan_returned", "Plan returned to the family"
    PLAN_ACCEPTED = "plan_accepted", "Plan in place"
    CLOSED = "closed", "Closed"
    DECLINED = "declined", "Referral declined"


# A case is closed, or its referral declined: nothing more is done on it unless a manager reopens it.
ENDED_STATUSES = {CaseStatus.CLOSED, CaseStatus.DECLINED}

CASE_TRANSITIONS: dict[str, set[str]] = {
    # A team manager declines a referral only while it waits for allocation; a case closes at any step.
    CaseStatus.REFERRED: {CaseStatus.ALLOCATED, CaseStatus.CLOSED, CaseStatus.DECLINED},
    CaseStatus.ALLOCATED: {CaseStatus.MEETING_PLANNED, CaseStatus.CLOSED},
    # A cancelled meeting takes the case back to mapping the network (a new meeting, or it closes).
    CaseStatus.MEETING_PLANNED: {CaseStatus.PLAN_AGREED, CaseStatus.ALLOCATED, CaseStatus.CLOSED},
    # While the family's plan waits for acceptance, its meeting can be reconvened.
    CaseStatus.PLAN_AGREED: {
        CaseStatus.PLAN_ACCEPTED,
        CaseStatus.PLAN_RETURNED,
        CaseStatus.MEETING_PLANNED,
        CaseStatus.CLOSED,
    },
    CaseStatus.PLAN_RETURNED: {CaseStatus.PLAN_AGREED, CaseStatus.CLOSED},
    # At the review: the family revises the plan, a review meeting is arranged, or the case closes.
    CaseStatus.PLAN_ACCEPTED: {CaseStatus.PLAN_AGREED, CaseStatus.MEETING_PLANNED, CaseStatus.CLOSED},
    # Reopened (within FGDM_REOPEN_DAYS of closing), the case goes back to where its work stands:
    # an accepted plan, a lead practitioner, or a referral waiting for allocation.
    CaseStatus.CLOSED: {CaseStatus.PLAN_ACCEPTED, CaseStatus.ALLOCATED, CaseStatus.REFERRED},
    CaseStatus.DECLINED: {CaseStatus.ALLOCATED, CaseStatus.REFERRED},
}


class CloseReason(models.TextChoices):
    """Why a case closed before (or at) its review. `no_network` is signed off by a manager;
    `other` needs a note."""

    NEEDS_MET = "needs_met", "Needs met"
    FAMILY_DECLINED = "family_declined", "Family declined or withdrew"
    NO_NETWORK = "no_network", "No network identified"
    MOVED_AWAY = "moved_away", "Moved out of area"
    STEPPED_UP = "stepped_up", "Stepped up to statutory services"
    ENTERED_CARE = "entered_care", "Child entered care"
    OTHER = "other", "Other"


class Outcome(models.TextChoices):
    REMAINED_AT_HOME = "remained_at_home", "Child remained at home"
    KINSHIP_CARE = "kinship_care", "Child moved to kinship care"
    CP_PLAN_ENDED = "cp_plan_ended", "Child protection plan ended"
    ENTERED_CARE = "entered_care", "Child entered care"
    OTHER = "other", "Other"


class Relationship(models.TextChoices):
    GRANDPARENT = "grandparent", "Grandparent"
    AUNT_UNCLE = "aunt_uncle", "Aunt or uncle"
    ADULT_SIBLING = "adult_sibling", "Adult sibling"
    OTHER_RELATIVE = "other_relative", "Other relative"
    FRIEND = "friend", "Friend"
    NEIGHBOUR = "neighbour", "Neighbour"
    FAITH_COMMUNITY = "faith_community", "Faith community"
    COMMUNITY_VOLUNTEER = "community_volunteer", "Community volunteer"
    PARENT = "parent", "Parent"
    OTHER = "other", "Other"


class KinshipOrder(models.TextChoices):
    """A court order under which a network member cares for the child as a kinship carer (and so
    holds parental responsibility). Whether such a carer may be paid is the council's payee policy."""

    SPECIAL_GUARDIANSHIP = "special_guardianship", "Special guardianship order"
    CHILD_ARRANGEMENTS = "child_arrangements", "Child arrangements order (lives with)"
    OTHER = "other", "Another court order"


class MeetingModel(models.TextChoices):
    FNM = "fnm", "Family Network Meeting"
    FGC = "fgc", "Family Group Conference"


class MeetingStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    PREPARED = "prepared", "Network prepared"
    HELD = "held", "Held"
    CANCELLED = "cancelled", "Cancelled"


class MeetingPurpose(models.TextChoices):
    """Why a meeting is held: a case can have several (a meeting reconvened, review meetings)."""

    FIRST = "first", "First meeting"
    RECONVENED = "reconvened", "Reconvened meeting"
    REVIEW = "review", "Review meeting"


# A meeting arranged and not yet held or cancelled: a case has at most one at a time.
MEETING_ARRANGED = (MeetingStatus.SCHEDULED, MeetingStatus.PREPARED)

MEETING_TRANSITIONS: dict[str, set[str]] = {
    MeetingStatus.SCHEDULED: {MeetingStatus.PREPARED, MeetingStatus.HELD, MeetingStatus.CANCELLED},
    MeetingStatus.PREPARED: {MeetingStatus.HELD, MeetingStatus.CANCELLED},
    MeetingStatus.HELD: set(),
    MeetingStatus.CANCELLED: set(),
}


class PlanStatus(models.TextChoices):
    AGREED = "agreed", "Agreed by the family"
    ACCEPTED = "accepted", "Accepted"
    RETURNED = "returned", "Returned to the family"
    SUPERSEDED = "superseded", "Superseded"


PLAN_TRANSITIONS: dict[str, set[str]] = {
    # A plan waiting for acceptance is superseded when its meeting is reconvened.
    PlanStatus.AGREED: {PlanStatus.ACCEPTED, PlanStatus.RETURNED, PlanStatus.SUPERSEDED},
    PlanStatus.RETURNED: {PlanStatus.SUPERSEDED},
    PlanStatus.ACCEPTED: {PlanStatus.SUPERSEDED},
    PlanStatus.SUPERSEDED: set(),
}


class ActionStatus(models.TextChoices):
    OPEN = "open", "Open"
    DONE = "done", "Done"


class ChildParticipation(models.TextChoices):
    """How a child takes part in the family's meeting (recorded with their wishes and feelings)."""

    ATTENDS = "attends", "Attends the meeting"
    WRITES = "writes", "Writes or draws their views"
    SENDS_SOMEONE = "sends_someone", "Sends someone to speak for them"
    ADVOCATE = "advocate", "Has an advocate"


class PreparationStatus(models.TextChoices):
    """Where the preparation of one network member for the meeting stands."""

    NOT_CONTACTED = "not_contacted", "Not contacted yet"
    CONTACTED = "contacted", "Contacted"
    PREPARED = "prepared", "Prepared"
    INVITED = "invited", "Invited"
    DECLINED = "declined", "Declined to take part"
    EXCLUDED = "excluded", "Excluded for safety"


# Preparation is done once a member is prepared and invited, has declined, or is excluded for safety.
PREPARATION_DONE = {
    PreparationStatus.INVITED,
    PreparationStatus.DECLINED,
    PreparationStatus.EXCLUDED,
    PreparationStatus.PREPARED,
}


class PreProceedingsStatus(models.TextChoices):
    """The duty to offer a family group decision-making meeting before applying for a care or
    supervision order (Children Act 1989 s.31ZA, inserted by s.1 of the Children's Wellbeing and
    Schools Act 2026). Recording the council's intention to apply starts it, at any stage."""

    INTENDED = "intended", "Intention to apply recorded: no offer yet"
    OFFERED = "offered", "Meeting offered"
    EXEMPT = "exempt", "Not offered: best-interests exemption"
    APPLICATION_MADE = "application_made", "Application to court made"


PRE_PROCEEDINGS_TRANSITIONS: dict[str, set[str]] = {
    # Straight to an application only before s.31ZA is in force (the service checks the duty).
    PreProceedingsStatus.INTENDED: {
        PreProceedingsStatus.OFFERED,
        PreProceedingsStatus.EXEMPT,
        PreProceedingsStatus.APPLICATION_MADE,
    },
    PreProceedingsStatus.OFFERED: {
        PreProceedingsStatus.EXEMPT,
        PreProceedingsStatus.APPLICATION_MADE,
    },
    PreProceedingsStatus.EXEMPT: {PreProceedingsStatus.APPLICATION_MADE},
    PreProceedingsStatus.APPLICATION_MADE: set(),
}


class OrderKind(models.TextChoices):
    """The order the council intends to apply for: the duty attaches to any of them."""

    CARE = "care", "Care order"
    SUPERVISION = "supervision", "Supervision order"
    INTERIM_CARE = "interim_care", "Interim care order"
    INTERIM_SUPERVISION = "interim_supervision", "Interim supervision order"


class OfferCapacity(models.TextChoices):
    """Why the person must be offered the meeting."""

    PARENT = "parent", "Parent"
    PARENTAL_RESPONSIBILITY = "parental_responsibility", "Holds parental responsibility"


class OfferMethod(models.TextChoices):
    LETTER = "letter", "Letter (the letter before proceedings)"
    IN_PERSON = "in_person", "In person"
    PHONE = "phone", "Phone"
    EMAIL = "email", "Email"
    TEXT_MESSAGE = "text_message", "Text message"
    VIDEO_CALL = "video_call", "Video call"


class OfferAnswer(models.TextChoices):
    PENDING = "pending", "No answer yet"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    NO_REPLY = "no_reply", "No reply by the date"


# An answer is recorded once; a person who did not reply by the date may still reply later.
OFFER_ANSWER_TRANSITIONS: dict[str, set[str]] = {
    OfferAnswer.PENDING: {OfferAnswer.ACCEPTED, OfferAnswer.DECLINED, OfferAnswer.NO_REPLY},
    OfferAnswer.NO_REPLY: {OfferAnswer.ACCEPTED, OfferAnswer.DECLINED},
    OfferAnswer.ACCEPTED: set(),
    OfferAnswer.DECLINED: set(),
}


class ApplicationBasis(models.TextChoices):
    """Why the council could apply to court: the endings the duty allows, or (before the duty came
    into force) none of them."""

    DECLINED = "declined", "Everyone offered declined or did not reply"
    MEETING_HELD = "meeting_held", "A family group decision-making meeting was held after the offer"
    EXEMPTION = "exemption", "Best-interests exemption"
    NOT_IN_FORCE = "not_in_force", "Duty not yet in force: recorded as good practice"


class MessageConsent(models.TextChoices):
    """Whether a network member agreed to be sent messages by the council (GOV.UK Notify), and how."""

    NONE = "none", "Has not agreed to messages"
    EMAIL = "email", "By e-mail"
    SMS = "sms", "By text message"
    EMAIL_AND_SMS = "email_and_sms", "By e-mail and text message"


class ExclusionStatus(models.TextChoices):
    """Excluding someone from the family's meetings for safety: a practitioner (or the conference's
    coordinator) proposes it; it takes effect only when a manager over the case signs it off."""

    PROPOSED = "proposed", "Proposed, waiting for a manager's sign-off"
    SIGNED_OFF = "signed_off", "Signed off by a manager"


class CoordinatorRequest(models.TextChoices):
    """What the family asked for in the coordinator of their conference (the detail says which)."""

    NONE = "none", "No request"
    LANGUAGE = "language", "A coordinator who speaks their language"
    CULTURE = "culture", "A coordinator who shares their culture, faith or ethnicity"
    GENDER = "gender", "A coordinator of a given gender"


class AdvocacyAnswer(models.TextChoices):
    """The answer to the offer of an advocate to a child (or an adult who needs one)."""

    AWAITING = "awaiting", "No answer yet"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"


class OutcomeCheckpoint(models.TextChoices):
    """When a child's outcome is checked after their case closes."""

    CLOSURE = "closure", "At closure"
    SIX_MONTHS = "six_months", "6 months after closure"
    TWELVE_MONTHS = "twelve_months", "12 months after closure"


# Months after the closing day each checkpoint falls due.
OUTCOME_CHECKPOINT_MONTHS = {
    OutcomeCheckpoint.CLOSURE: 0,
    OutcomeCheckpoint.SIX_MONTHS: 6,
    OutcomeCheckpoint.TWELVE_MONTHS: 12,
}


class LivingWith(models.TextChoices):
    """Who a child lives with when their outcome is checked."""

    AT_HOME = "at_home", "At home with parents"
    KIN = "kin", "With family or friends (kinship care)"
    IN_CARE = "in_care", "In care"
    OTHER = "other", "Other"


class DocumentKind(models.TextChoices):
    """What an uploaded case document is (fgdm.models.CaseDocument)."""

    WRITTEN_AGREEMENT = "written_agreement", "Signed written agreement"
    CONSENT_FORM = "consent_form", "Consent form"
    LETTER_BEFORE_PROCEEDINGS = "letter_before_proceedings", "Letter before proceedings"
    OTHER = "other", "Other"


class DocumentType(models.TextChoices):
    """The types a case document may be, as found in its content (fgdm.uploads), never its name."""

    PDF = "application/pdf", "PDF"
    PNG = "image/png", "PNG image"
    JPEG = "image/jpeg", "JPEG image"
    DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "Word document (.docx)"
