"""Retention of case records (registered with audit.retention from FgdmConfig.ready()).

A closed case (or a declined referral) falls in the class that keeps it longest of those it
qualifies for (see docs/audit.md, "Retention"):

- court proceedings: an application to court was made (pre-proceedings): to the youngest child's
  75th birthday (`court_proceedings_until_age`);
- looked after (below): to the youngest child's 75th birthday;
- child protection: the case was ever at the child protection stage (its stage history, or its
  stage now): the later of the youngest child's 25th birthday and 35 years after it closed
  (`child_protection_until_age`, `child_protection_years_after_closing`);
- children in need, every other case: as follows.

A closed case (or a declined referral) is kept until its youngest child's 18th birthday plus seven
years (children in need, `AUDIT_RETENTION["children_in_need_years_after_18"]`), or to the youngest
child's 75th birthday if a child is looked after: the case closed with the outcome "child entered
care" (closing it for the reason "child entered care" records that outcome), or an administrator
marked it looked after (audit.LookedAfterMark; a mark saying "not looked after" wins over the
outcome). Closing a case records in its event the class it falls in and the date. Then what identifies the family is removed; the case, its dates, stages, states and
outcome stay so that numbers and the money's trail still add up (the stage history keeps its
stages and dates; the reasons for its changes are removed).

The youngest child counts every child the case has held, removed ones too (their records are kept
with the case), and a child not yet born by the date they were expected.
"""

import datetime

from django.db.models import Exists, Max, OuterRef, Q
from django.db.models.functions import Coalesce

from audit.models import LookedAfterMark
from audit.retention import (
    Due,
    child_protection_destroy_after,
    children_in_need_destroy_after,
    court_proceedings_destroy_after,
    looked_after_destroy_after,
)
from fgdm.constants import ENDED_STATUSES, Outcome, Stage
from fgdm.models import (
    Case,
    Child,
    FamilyPlan,
    Meeting,
    MeetingReschedule,
    NetworkMember,
    PlanAction,
    PreProceedings,
    PreProceedingsOffer,
    StageChange,
)

CHILDREN_IN_NEED = "children_in_need"
CHILD_PROTECTION = "child_protection"
LOOKED_AFTER = "looked_after"
COURT_PROCEEDINGS = "court_proceedings"
REMOVED = "Removed"

# Ties (the same date) go to the class named first: it says more about the case.
CLASS_ORDER = [COURT_PROCEEDINGS, LOOKED_AFTER, CHILD_PROTECTION, CHILDREN_IN_NEED]


def case_retention(
    case: Case,
    *,
    youngest: datetime.date | None,
    mark: bool | None,
    child_protection: bool = False,
    court: bool = False,
) -> tuple[str, datetime.date | None]:
    """(retention class, destroy-after date) of a case; the date is None while it is open.

    The case falls in the class that keeps it longest of those it qualifies for: court proceedings
    (`court`: an application to court was made), looked after, child protection
    (`child_protection`: ever at that stage), children in need.
    """
    looked_after = mark if mark is not None else case.outcome == Outcome.ENTERED_CARE
    classes = [CHILDREN_IN_NEED]
    if child_protection:
        classes.append(CHILD_PROTECTION)
    if looked_after:
        classes.append(LOOKED_AFTER)
    if court:
        classes.append(COURT_PROCEEDINGS)
    classes.sort(key=CLASS_ORDER.index)
    if case.status not in ENDED_STATUSES or youngest is None:
        return classes[0], None
    closed_on = case.closed_on or youngest
    dates = {
        CHILDREN_IN_NEED: children_in_need_destroy_after(youngest),
        CHILD_PROTECTION: child_protection_destroy_after(youngest, closed_on),
        LOOKED_AFTER: looked_after_destroy_after(youngest),
        COURT_PROCEEDINGS: court_proceedings_destroy_after(youngest),
    }
    retention_class = max(classes, key=lambda name: (dates[name], -CLASS_ORDER.index(name)))
    return retention_class, dates[retention_class]


def _ever_child_protection():
    return Q(stage=Stage.CHILD_PROTECTION) | Q(
        Exists(StageChange.objects.filter(case_id=OuterRef("pk"), to_stage=Stage.CHILD_PROTECTION))
    )


def _went_to_court():
    return Exists(PreProceedings.objects.filter(case_id=OuterRef("pk"), application_made_on__isnull=False))


def retention_of(case: Case) -> tuple[str, datetime.date | None]:
    """(retention class, destroy-after date) of one case as it stands now: what closing it records."""
    youngest = Child.objects.filter(case_id=case.pk).aggregate(youngest=Max(Coalesce("date_of_birth", "expected_on")))[
        "youngest"
    ]
    mark = LookedAfterMark.objects.filter(case_id=case.pk).values_list("looked_after", flat=True).first()
    court = Case.objects.filter(pk=case.pk).filter(_went_to_court()).exists()
    child_protection = Case.objects.filter(pk=case.pk).filter(_ever_child_protection()).exists()
    return case_retention(case, youngest=youngest, mark=mark, child_protection=child_protection, court=court)


class CaseRecords:
    name = "fgdm.case"

    def due(self, *, today):
        # The earliest any closed case can be due: its youngest child born at least 25 years ago
        # (the shortest period); the exact date is worked out per case.
        marks = dict(LookedAfterMark.objects.values_list("case_id", "looked_after"))
        child_protection = set(
            Case.objects.filter(status__in=ENDED_STATUSES).filter(_ever_child_protection()).values_list("pk", flat=True)
        )
        cases = (
            Case.objects.filter(status__in=ENDED_STATUSES)
            .annotate(youngest=Max(Coalesce("children__date_of_birth", "children__expected_on")))
            .annotate(court=_went_to_court())
            .only("pk", "reference", "status", "outcome", "stage", "closed_on")
            .order_by("pk")
        )
        for case in cases.iterator(chunk_size=2000):
            retention_class, destroy_after = case_retention(
                case,
                youngest=case.youngest,
                mark=marks.get(case.pk),
                child_protection=case.pk in child_protection,
                court=case.court,
            )
            if destroy_after is not None and destroy_after < today:
                yield Due(retention_class, "fgdm.case", case.pk, case.pk, destroy_after, case.reference)

    def history_of(self, due: Due):
        """The case's records whose field history loses its free text with the case (audit.redaction)."""
        case_id = due.object_id
        yield "fgdm.case", case_id
        for model, lookup in (
            (Child, "case_id"),
            (NetworkMember, "case_id"),
            (Meeting, "case_id"),
            (MeetingReschedule, "meeting__case_id"),
            (FamilyPlan, "case_id"),
            (PlanAction, "plan__case_id"),
            (PreProceedings, "case_id"),
            (StageChange, "case_id"),
        ):
            label = f"fgdm.{model._meta.model_name}"
            for pk in model.objects.filter(**{lookup: case_id}).values_list("pk", flat=True):
                yield label, pk

    def destroy(self, due: Due):
        case = Case.objects.select_for_update().get(pk=due.object_id)
        case.family_name, case.referral_reason = REMOVED, ""
        case.consent_given_by, case.child_lives_with = "", ""
        case.consent_withdrawn_by, case.bottom_lines = "", ""
        # Why it closed is case content; a case closed for "other" keeps a note (a constraint).
        case.close_note = REMOVED if case.close_note else ""
        case.save(
            update_fields=[
                "close_note",
                "family_name",
                "referral_reason",
                "consent_given_by",
                "child_lives_with",
                "consent_withdrawn_by",
                "bottom_lines",
            ]
        )
        for child in Child.objects.filter(case=case):
            child.first_name, child.last_name, child.wishes_and_feelings = REMOVED, REMOVED, ""
            child.participation_detail = ""
            child.removal_reason = REMOVED if child.removal_reason else ""  # a removal keeps a reason
            # The year only, for statistics.
            if child.date_of_birth is not None:
                child.date_of_birth = child.date_of_birth.replace(month=1, day=1)
            if child.expected_on is not None:
                child.expected_on = child.expected_on.replace(month=1, day=1)
            child.save()
        NetworkMember.objects.filter(case=case).update(
            full_name=REMOVED,
            phone="",
            email="",
            address="",
            language="",
            interpreter_needed=False,
            communication_needs="",
            exclusion_reason="",
            preparation_notes="",
            how_to_contribute="",
        )
        # A removal keeps a reason (a constraint): its words go, the fact that there was one stays.
        NetworkMember.objects.filter(case=case).exclude(removal_reason="").update(removal_reason=REMOVED)
        Meeting.objects.filter(case=case).update(
            venue="",
            bottom_lines="",
            attendees="",
            child_participation="",
            coordinator_request="",
            information_shared="",
        )
        # A cancellation keeps a reason (a constraint): its words go, the fact that there was one stays.
        Meeting.objects.filter(case=case).exclude(cancel_reason="").update(cancel_reason=REMOVED)
        MeetingReschedule.objects.filter(meeting__case=case).update(from_venue="", to_venue="", reason=REMOVED)
        FamilyPlan.objects.filter(case=case).update(contingency="", return_reason="", monitoring="")
        PlanAction.objects.filter(plan__case=case).update(description=REMOVED, owner_text="", checked_by="")
        PreProceedings.objects.filter(case=case).update(exemption_reason="")
        # Someone offered the pre-proceedings meeting who is not in the network: their name goes.
        PreProceedingsOffer.objects.filter(record__case=case, member__isnull=True).update(name=REMOVED)
        # The stage history keeps its stages and dates (for the numbers); why each change was made is
        # case content. The stage at referral has no reason to remove.
        StageChange.objects.filter(case=case).exclude(reason="").update(reason=REMOVED)
        removed = [
            "family name",
            "referral reason",
            "consent given by",
            "where the child lives",
            "children's names, wishes and feelings, day and month of birth (or expected) and why any was removed",
            "network members' names, contact details, language and communication needs, and why any was removed",
            "meeting venues, attendees and notes, and why meetings were moved or cancelled",
            "plans' contingencies, reasons and actions",
            "bottom lines, who withdrew consent, preparation notes and pre-proceedings reasons",
            "the note on why the case closed (or the referral was declined)",
            "the reasons for changes of stage",
        ]
        case.refresh_from_db()
        return case, removed
