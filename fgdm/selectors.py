"""Reads of the case side, already filtered to what the user may see."""

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, Value, prefetch_related_objects
from django.http import Http404
from django.utils import timezone

from fgdm.constants import ENDED_STATUSES, MEETING_ARRANGED, PlanStatus
from fgdm.models import (
    AdvocacyOffer,
    Case,
    CaseDocument,
    CaseNote,
    Child,
    ChildOutcome,
    FamilyPlan,
    Locality,
    Meeting,
    MeetingReschedule,
    NetworkMember,
    PlanAction,
    PreProceedings,
    StageChange,
)
from fgdm.visibility import (
    action_scope,
    case_row_scope,
    child_scope,
    meeting_scope,
    member_scope,
    not_conflicted,
    outcome_scope,
    plan_scope,
    sees_whole_case,
    whole_case_scope,
)
from fgdm.visibility import (
    sees_every_case as sees_every_case_of,
)


def case_list(*, user, filters: dict | None = None) -> QuerySet[Case]:
    """Cases the user may see, with what a list needs. Finance officers see none.

    Visibility as a test of each case row (case_row_scope), so a page of the list reads the newest
    first index (case_newest_first) and stops at its LIMIT, and the count is one pass with hashed
    arms: at 50,000 cases the UNION form built and sorted every visible case (25,000 for a manager)
    for each page and again for its count."""
    qs = Case.objects.filter(case_row_scope(user)).select_related("locality", "team", "lead_practitioner")
    filters = filters or {}
    if filters.get("status") == "open":
        qs = qs.exclude(status__in=ENDED_STATUSES)
    elif filters.get("status"):
        qs = qs.filter(status=filters["status"])
    if filters.get("lead"):
        qs = qs.filter(lead_practitioner__username=filters["lead"])
    if filters.get("locality"):
        qs = qs.filter(locality__code=filters["locality"])
    if filters.get("stage"):
        qs = qs.filter(stage=filters["stage"])
    if filters.get("q"):
        from django.db.models import Q

        q = filters["q"]
        qs = qs.filter(Q(reference__icontains=q) | Q(family_name__icontains=q))
    return qs.order_by("-opened_on", "-id")


def case_get_whole(*, user, case_id) -> Case:
    """A case the user sees in full (not only as its FGC coordinator), else Http404."""
    try:
        return Case.objects.filter(whole_case_scope(user)).get(pk=case_id)
    except (Case.DoesNotExist, ValueError, TypeError):
        raise Http404("No such case.")


def meetings_for(*, user, case, whole: bool | None = None) -> QuerySet[Meeting]:
    """A case's meetings; a coordinator who sees the case only for its conference sees only theirs.
    `whole`: sees_whole_case(user, case) when the caller knows it already (one query fewer)."""
    qs = case.meetings.select_related("coordinator", "cancelled_by").prefetch_related(
        Prefetch("reschedules", queryset=MeetingReschedule.objects.select_related("by"))
    )
    if whole is None:
        whole = sees_whole_case(user, case)
    return qs if whole else qs.filter(coordinator=user)


def meetings_seen(*, user, case) -> list[Meeting]:
    """meetings_for of a case read by case_detail, from the meetings it loaded (no query): all of
    them for someone who sees the case in full, else only those the person coordinates."""
    meetings = list(case.meetings.all())
    return meetings if case.whole else [m for m in meetings if m.coordinator_id == user.pk]


def case_get(*, user, case_id) -> Case:
    """One case the user may see, else Http404 (never 403: that would say it exists)."""
    try:
        return case_list(user=user).select_related("hub", "process").get(pk=case_id)
    except (Case.DoesNotExist, ValueError, TypeError):
        raise Http404("No such case.")


def case_detail(*, user, case_id) -> Case:
    """A case the user may see (else Http404), read for its page in one statement for the case and
    what it needs to know of itself, then one per list it shows: its children, network, meetings
    (with their reschedules), plans (with their actions and owners) and stage history — a list the
    case's flags say is empty is set empty without a query.

    Annotated, so the page asks nothing twice and reads no list it knows to be empty:
    `whole` (seen in full, not only as its conference's coordinator: sees_whole_case),
    `has_later_cases`, `has_open_escalations`, `has_outcomes`, `has_advocacy_offers`,
    `has_notes`, `has_documents`. The pre-proceedings record comes with the case (None if none).
    """
    from fgdm.models import ReviewEscalation

    def any_of(model, **extra):
        return Exists(model.objects.filter(case_id=OuterRef("pk"), **extra))

    try:
        case = (
            case_list(user=user)
            .select_related("hub", "referred_by", "process", "pre_proceedings")
            .annotate(
                whole=Exists(Case.objects.filter(whole_case_scope(user), pk=OuterRef("pk"))),
                has_later_cases=Exists(Case.objects.filter(previous_case_id=OuterRef("pk"))),
                has_open_escalations=any_of(ReviewEscalation, resolved_at__isnull=True),
                has_outcomes=any_of(ChildOutcome),
                has_advocacy_offers=any_of(AdvocacyOffer),
                has_notes=any_of(CaseNote),
                has_documents=any_of(CaseDocument),
                has_stage_changes=any_of(StageChange),
                has_reschedules=Exists(MeetingReschedule.objects.filter(meeting__case_id=OuterRef("pk"))),
            )
            .get(pk=case_id)
        )
    except (Case.DoesNotExist, ValueError, TypeError):
        raise Http404("No such case.")

    def unless_empty(queryset, flag: bool):
        return queryset if flag else queryset.none()  # an empty list, and no query for it

    reschedules = MeetingReschedule.objects.select_related("by")
    prefetch_related_objects(
        [case],
        Prefetch("children", queryset=Child.objects.select_related("removed_by")),
        Prefetch("network_members", queryset=NetworkMember.objects.select_related("removed_by")),
        Prefetch(
            "meetings",
            queryset=Meeting.objects.select_related("coordinator", "cancelled_by").prefetch_related(
                Prefetch("reschedules", queryset=unless_empty(reschedules, case.has_reschedules))
            ),
        ),
        Prefetch(
            "stage_changes",
            queryset=unless_empty(StageChange.objects.select_related("changed_by"), case.has_stage_changes),
        ),
        Prefetch(
            "plans",
            queryset=FamilyPlan.objects.prefetch_related(
                Prefetch("actions", queryset=PlanAction.objects.select_related("owner_member"))
            ).order_by("-version"),
        ),
    )
    return case


def children_of(*, case, include_removed: bool = False) -> QuerySet[Child]:
    """A case's children (of a case already read through a selector): those removed only if asked."""
    children = case.children.select_related("removed_by")
    return children.all() if include_removed else children.current()


def members_of(*, case, include_removed: bool = False) -> QuerySet[NetworkMember]:
    """A case's network (of a case already read through a selector): those removed only if asked."""
    members = case.network_members.select_related("removed_by").order_by("id")
    return members.all() if include_removed else members.current()


def member_get(*, user, member_id) -> NetworkMember:
    """A network member of a case the user may see; finance officers may reach payees."""
    visible = NetworkMember.objects.select_related("case").filter(member_scope(user))
    try:
        return visible.get(pk=member_id)
    except (NetworkMember.DoesNotExist, ValueError, TypeError):
        raise Http404("No such network member.")


def meeting_get(*, user, meeting_id) -> Meeting:
    try:
        return (
            Meeting.objects.select_related("case", "coordinator", "cancelled_by", "reconvenes")
            .prefetch_related(Prefetch("reschedules", queryset=MeetingReschedule.objects.select_related("by")))
            .filter(meeting_scope(user))
            .get(pk=meeting_id)
        )
    except (Meeting.DoesNotExist, ValueError, TypeError):
        raise Http404("No such meeting.")


def plans_of_meeting(*, meeting) -> QuerySet[FamilyPlan]:
    """The plans agreed at a meeting (of a meeting already read through a selector), newest first."""
    return meeting.plans.order_by("-version")


def plan_get(*, user, plan_id) -> FamilyPlan:
    try:
        return FamilyPlan.objects.select_related("case", "meeting").filter(plan_scope(user)).get(pk=plan_id)
    except (FamilyPlan.DoesNotExist, ValueError, TypeError):
        raise Http404("No such plan.")


def child_get(*, user, child_id) -> Child:
    """A child of a case the user sees in full (a coordinator sees the conference, not the records)."""
    try:
        return Child.objects.select_related("case").filter(child_scope(user)).get(pk=child_id)
    except (Child.DoesNotExist, ValueError, TypeError):
        raise Http404("No such child.")


def action_get(*, user, action_id) -> PlanAction:
    try:
        return PlanAction.objects.select_related("plan__case").filter(action_scope(user)).get(pk=action_id)
    except (PlanAction.DoesNotExist, ValueError, TypeError):
        raise Http404("No such action.")


def pre_proceedings_of(*, user, case_id) -> tuple[Case, PreProceedings | None]:
    """A case the user sees in full, and its pre-proceedings record if there is one."""
    case = case_get_whole(user=user, case_id=case_id)
    return case, (
        PreProceedings.objects.filter(case=case)
        .select_related("exemption_decided_by", "intention_recorded_by")
        .prefetch_related("offers__member")
        .first()
    )


def escalated_reviews(*, user) -> list:
    """Overdue reviews escalated to the teams this user manages, not yet done, of cases they may see.

    Visibility tested on each escalation's case row (case_row_scope, the same cases as case_scope):
    case_scope's UNION would list every case the manager sees (200,000 at England for a team
    manager) to keep the few escalated ones."""
    from fgdm.models import ReviewEscalation

    return list(
        ReviewEscalation.objects.filter(resolved_at__isnull=True, case__team__managers=user)
        .filter(case_row_scope(user, "case__"))
        .select_related("case__lead_practitioner")
        .order_by("review_due_on", "id")[:50]
    )


def locality_list() -> QuerySet[Locality]:
    return Locality.objects.all()


def _lead_still_in_team() -> Exists:
    """Whether an outcome's case's lead practitioner is still active and in the case's team."""
    from fgdm.models import Team

    return Exists(
        Team.members.through.objects.filter(
            team_id=OuterRef("case__team_id"), user_id=OuterRef("case__lead_practitioner_id"), user__is_active=True
        )
    )


def outcomes_due(*, user, today=None) -> QuerySet[ChildOutcome]:
    """The outcome checks in this person's queue today: not recorded, due on or before today, of the
    cases they lead — or, where the lead practitioner has left the team (or there is none), of the
    teams they manage. Oldest first.

    Read from the cases it names, never from every check awaited in the county nor every case of a
    team, so it grows with the person's work and the staff, not the data: the teams they manage;
    who has left each of them while still leading one of its cases (_leads_who_left); their teams'
    cases with no lead or such a lead that have a check awaited, from two indexes alone (case_team_lead_id,
    fgdm 0019, and the partial index of checks awaited) before any case row is read; then one query
    unites the ids of their own cases' checks and of those, with visibility tested on each one's case
    row; then the checks are read by id.
    At most five queries whatever the data."""
    from django.contrib.auth import get_user_model

    from fgdm.models import Case, Team

    today = today or timezone.localdate()
    awaited = ChildOutcome.objects.filter(recorded_at__isnull=True, due_on__lte=today)
    # A lead sees their case in full (visibility's lead arm): only a declared conflict hides it.
    arms = [
        awaited.filter(not_conflicted(user, "case__"), case__lead_practitioner=user)
        .annotate(lead_in_team=_lead_still_in_team())
        .filter(lead_in_team=True)
    ]
    managed = list(Team.managers.through.objects.filter(user=user).values_list("team_id", flat=True))
    if managed:
        left = _leads_who_left(managed, get_user_model())
        of_teams = Q(team_id__in=managed, lead_practitioner__isnull=True)
        for team_id, lead_ids in left.items():
            of_teams |= Q(team_id=team_id, lead_practitioner_id__in=lead_ids)
        # The team's cases with no lead (or a lead who has left) that have a check awaited, from the
        # two indexes alone; then their checks, with visibility tested on each case row.
        waiting = list(
            Case.objects.filter(of_teams)
            .filter(Exists(awaited.filter(case_id=OuterRef("pk"))))
            .order_by()  # not the cases' newest-first order: that read every case row to sort ids
            .values_list("pk", flat=True)
        )
        if waiting:
            arms.append(awaited.filter(case_id__in=waiting).filter(case_row_scope(user, "case__", conference=False)))
    ids_of = [arm.order_by().values_list("pk", flat=True) for arm in arms]
    ids = list(ids_of[0].union(*ids_of[1:]) if len(ids_of) > 1 else ids_of[0])
    return (
        ChildOutcome.objects.filter(pk__in=ids).select_related("case", "child", "recorded_by").order_by("due_on", "id")
    )


def _leads_who_left(team_ids: list, User) -> dict[int, list[int]]:
    """For each of these teams, the people who still lead one of its cases but are no longer active
    members of it. One query: each person is tested against each team (an index probe of the team's
    cases by lead, case_team_lead_id), so it costs what the staff costs, not what the cases cost.
    The probe is a scalar subquery (the first such case, else NULL), not EXISTS, which PostgreSQL
    may run as a hash of every case of the team (200,000 at England) joined to the staff."""
    from django.db.models import Subquery
    from django.db.models.lookups import IsNull

    from fgdm.models import Case, Team

    def leads_one(team_id):
        case = Case.objects.filter(team_id=team_id, lead_practitioner_id=OuterRef("pk")).order_by().values("pk")[:1]
        return IsNull(Subquery(case), False)

    per_team = [
        User.objects.filter(leads_one(team_id))
        .exclude(
            Exists(Team.members.through.objects.filter(team_id=team_id, user_id=OuterRef("pk"), user__is_active=True))
        )
        .annotate(team=Value(team_id))
        .values_list("team", "pk")
        .order_by()
        for team_id in team_ids
    ]
    rows = per_team[0].union(*per_team[1:], all=True) if len(per_team) > 1 else per_team[0]
    left: dict[int, list[int]] = {}
    for team_id, user_id in rows:
        left.setdefault(team_id, []).append(user_id)
    return left


def exclusions_to_sign_off(*, user) -> list[NetworkMember]:
    """Exclusions for safety proposed on cases of the teams this person manages (or every team, for
    those who see every locality), not proposed by them, waiting for their sign-off."""
    from core.roles import MANAGERS, role_names
    from fgdm.constants import ExclusionStatus

    if not role_names(user).intersection(MANAGERS):
        return []
    from fgdm.models import Team

    waiting = NetworkMember.objects.current().filter(exclusion_status=ExclusionStatus.PROPOSED)
    if not sees_every_case_of(user):
        # A subquery of the teams they manage, not a join through the managers: no DISTINCT needed.
        waiting = waiting.filter(case__team_id__in=Team.managers.through.objects.filter(user=user).values("team_id"))
    # The few proposed exclusions are read first, and visibility tested on each one's case row.
    return list(
        waiting.filter(case_row_scope(user, "case__"))
        .exclude(exclusion_proposed_by=user)
        .select_related("case", "exclusion_proposed_by")
        .order_by("exclusion_proposed_at", "id")[:50]
    )


def outcome_list(*, user, case_id=None) -> QuerySet[ChildOutcome]:
    """Every outcome check the user may see (of cases seen in full), soonest due first."""
    outcomes = ChildOutcome.objects.filter(outcome_scope(user)).select_related("case", "child", "recorded_by")
    if case_id is not None:
        outcomes = outcomes.filter(case_id=case_id)
    return outcomes.order_by("due_on", "id")


def outcome_get(*, user, outcome_id) -> ChildOutcome:
    try:
        return (
            ChildOutcome.objects.select_related("case__team", "child", "recorded_by")
            .filter(outcome_scope(user))
            .get(pk=outcome_id)
        )
    except (ChildOutcome.DoesNotExist, ValueError, TypeError):
        raise Http404("No such outcome check.")


def outcomes_of(*, case) -> QuerySet[ChildOutcome]:
    """A case's outcome checks (of a case already read through a selector)."""
    return case.child_outcomes.select_related("child", "recorded_by").order_by("due_on", "child_id", "id")


def advocacy_offers_of(*, case) -> QuerySet[AdvocacyOffer]:
    """A case's offers of an advocate (of a case already read through a selector), in order."""
    return case.advocacy_offers.select_related("child", "member", "offered_by").order_by("offered_on", "id")


def advocacy_offer_get(*, user, offer_id) -> AdvocacyOffer:
    try:
        return (
            AdvocacyOffer.objects.select_related("case", "child", "member", "offered_by")
            .filter(outcome_scope(user))
            .get(pk=offer_id)
        )
    except (AdvocacyOffer.DoesNotExist, ValueError, TypeError):
        raise Http404("No such offer of an advocate.")


def communication_needs_of(*, meeting) -> list[dict]:
    """Who needs what to take part in a meeting: the case's current children and the network members
    invited or to be invited (not those excluded for safety, nor those who declined) with a language,
    an interpreter or other communication needs."""
    from fgdm.constants import PreparationStatus

    rows = []
    for child in meeting.case.children.current().order_by("id"):
        if child.language or child.interpreter_needed or child.communication_needs:
            rows.append(
                {
                    "who": str(child),
                    "role": "Child",
                    "language": child.language,
                    "interpreter": child.interpreter_needed,
                    "needs": child.communication_needs,
                }
            )
    members = (
        meeting.case.network_members.current()
        .filter(excluded_from_meetings=False)
        .exclude(preparation_status=PreparationStatus.DECLINED)
    )
    for member in members.order_by("full_name", "id"):
        if member.language or member.interpreter_needed or member.communication_needs:
            rows.append(
                {
                    "who": member.full_name,
                    "role": member.get_relationship_display(),
                    "language": member.language,
                    "interpreter": member.interpreter_needed,
                    "needs": member.communication_needs,
                }
            )
    return rows


def case_overdue(*, case, plans, meetings, outcomes, escalations, today=None) -> list[str]:
    """What is overdue on a case, in words for its page: escalated reviews, the accepted plan's review
    date, its actions past their dates, meetings whose date has passed without being recorded, and
    children's outcome checks due but not recorded. Reads what the page has already loaded."""
    today = today or timezone.localdate()
    if case.status in ENDED_STATUSES:
        overdue = []
    else:
        overdue = [
            f"The review was due on {e.review_due_on:%-d %B %Y}: {e.working_days_overdue} working days overdue, "
            "escalated to the team manager."
            for e in escalations
        ]
        plan = next((p for p in plans if p.status == PlanStatus.ACCEPTED), None)
        if plan and plan.review_by and plan.review_by < today and not escalations:
            overdue.append(f"The plan's review was due by {plan.review_by:%-d %B %Y}.")
        if plans:
            late = plans[0].progress(today)["overdue"]
            if late:
                overdue.append(f"{late} of the plan's actions {'is' if late == 1 else 'are'} past the date agreed.")
        for meeting in meetings:
            if meeting.status in MEETING_ARRANGED and timezone.localdate(meeting.scheduled_for) < today:
                overdue.append(
                    f"The {meeting.get_model_display()} was due on {timezone.localtime(meeting.scheduled_for):%-d %B %Y}"
                    " and has not been recorded as held, moved or cancelled."
                )
    due = [o for o in outcomes if not o.is_recorded and o.due_on <= today]
    if due:
        overdue.append(
            f"{len(due)} check{'s' if len(due) > 1 else ''} of the children's outcomes after closure "
            f"{'are' if len(due) > 1 else 'is'} due and not recorded."
        )
    return overdue


# -- the case file: notes and documents ---------------------------------------------------------------
# Whoever sees the case in full (its team, its lead, managers over it, auditors): not an FGC coordinator
# who sees it only for the conference, never finance (fgdm.visibility.whole_case_scope).


def notes_of(*, case) -> QuerySet[CaseNote]:
    """A case's notes, newest first, each with the note it corrects and the one correcting it (of a
    case already read through a selector)."""
    return case.notes.select_related("written_by", "corrects", "correction").order_by("-noted_on", "-written_at", "-id")


def note_get(*, user, note_id) -> CaseNote:
    try:
        return (
            CaseNote.objects.select_related("case", "written_by", "corrects", "correction")
            .filter(whole_case_scope(user, "case__"))
            .get(pk=note_id)
        )
    except (CaseNote.DoesNotExist, ValueError, TypeError):
        raise Http404("No such case note.")


def documents_of(*, case) -> QuerySet[CaseDocument]:
    """A case's documents, newest first (of a case already read through a selector)."""
    return case.documents.select_related("uploaded_by").order_by("-uploaded_at", "-id")


def document_get(*, user, document_id) -> CaseDocument:
    try:
        return (
            CaseDocument.objects.select_related("case", "uploaded_by")
            .filter(whole_case_scope(user, "case__"))
            .get(pk=document_id)
        )
    except (CaseDocument.DoesNotExist, ValueError, TypeError):
        raise Http404("No such document.")
