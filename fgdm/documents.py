"""The family's plan as a document the family keep: in plain words, as a printable page and a PDF
(core.documents), and a version for the court's pre-proceedings checklist.

Nothing here writes: the pages and the API read the plan through `fgdm.selectors.plan_get` (out of
scope is 404; finance officers never see plans) and write the read to the access log. The support
the council agreed lives in network_packages, a floor above: it adds its part to the document as a
section of the page "plan_document" (core.pages.add_section), and is handed the reader as
`request.user`.
"""

import re
from dataclasses import dataclass
from types import SimpleNamespace

from django.utils import timezone

from core.documents import Document, render, uk_date
from core.exceptions import RuleBroken
from core.pages import sections_for
from fgdm.constants import MeetingModel, PlanStatus
from fgdm.models import FamilyPlan, NetworkMember
from fgdm.visibility import sees_whole_case

FAMILY, COURT = "family", "court"
VERSIONS = (FAMILY, COURT)

# How the family would name each kind of meeting (no initials).
MEETING_WORDS = {
    MeetingModel.FNM: "family network meeting",
    MeetingModel.FGC: "family group conference",
}


def chosen_version(value: str | None) -> str:
    """`?for=` of the plan document: the family's (default) or the court's. Raises RuleBroken (400)."""
    value = (value or FAMILY).strip().lower()
    if value not in VERSIONS:
        raise RuleBroken(
            "Choose for=family (the family's copy) or for=court (the pre-proceedings checklist).", field="for"
        )
    return value


@dataclass(frozen=True)
class Attendee:
    name: str
    relationship: str  # "grandparent", "" when the name is not someone in the network


def attendees_by_relationship(plan: FamilyPlan) -> list[Attendee]:
    """Who attended the plan's meeting, each with their relationship to the child where they are in
    the family's network (matched on the full name, or on a first name only one member has)."""
    members = list(NetworkMember.objects.filter(case_id=plan.case_id).order_by("id"))
    by_full = {m.full_name.casefold(): m for m in members}
    firsts: dict[str, list[NetworkMember]] = {}
    for m in members:
        firsts.setdefault(m.full_name.split()[0].casefold() if m.full_name.split() else "", []).append(m)
    children = {c.first_name.casefold() for c in plan.case.children.all() if c.first_name}
    attended = []
    for name in (n.strip() for n in re.split(r"[,;\n]", plan.meeting.attendees or "")):
        if not name:
            continue
        key = name.casefold()
        member = by_full.get(key)
        if member is None:
            same_first = firsts.get(key.split()[0] if key.split() else "", [])
            member = same_first[0] if len(same_first) == 1 and " " not in key else None
        if member is not None:
            attended.append(Attendee(name, member.get_relationship_display().lower()))
        else:
            attended.append(Attendee(name, "child" if key.split()[0] in children else ""))
    return attended


def _children_names(case) -> str:
    names = [c.first_name for c in case.children.current().order_by("id") if c.first_name]
    if not names:
        return ""
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _actions(plan: FamilyPlan) -> list[dict]:
    return [
        {
            "who": action.owner_name,
            "relationship": action.owner_member.get_relationship_display().lower() if action.owner_member_id else "",
            "what": action.description,
            "by": uk_date(action.due_by),
            "checked_by": action.checked_by,
            "done": uk_date(action.done_on) if action.done_on else "",
        }
        for action in plan.actions.select_related("owner_member").order_by("id")
    ]


def plan_document(*, plan: FamilyPlan, user, version: str = FAMILY) -> Document:
    """The family's plan in plain words: who does what by when, what happens if it goes wrong, when it
    is reviewed and the support agreed. `version` COURT adds the pre-proceedings checklist header:
    the case reference, the meeting's date, who attended by relationship, and when the plan was
    agreed and accepted. The caller has fetched `plan` through a selector for `user`."""
    case = plan.case
    meeting = plan.meeting
    court = version == COURT
    children = _children_names(case)
    context = {
        "plan": plan,
        "court": court,
        "family": f"The {case.family_name} family",
        "children": children,
        "meeting_words": MEETING_WORDS.get(meeting.model, "family meeting"),
        "meeting_on": uk_date(meeting.held_on),
        "agreed_on": uk_date(plan.agreed_on),
        "accepted_on": uk_date(timezone.localdate(plan.decided_at))
        if plan.status == PlanStatus.ACCEPTED and plan.decided_at
        else "",
        "superseded": plan.status == PlanStatus.SUPERSEDED,
        "review_by": uk_date(plan.review_by),
        "actions": _actions(plan),
        "sections": sections_for("plan_document", SimpleNamespace(user=user), plan=plan, case=case),
        "support_needed": case.support_needed,
        # A conference's coordinator sees the plan but not the packages: say where the support is
        # written down rather than that there is none.
        "sees_support": sees_whole_case(user, case),
    }
    if court:
        context.update(reference=case.reference, attendees=attendees_by_relationship(plan))
    title = f"Our family plan{f' for {children}' if children else ''}"
    if court:
        title = f"Family plan for the court: pre-proceedings checklist ({case.reference})"
    filename = f"family-plan-{case.reference}-v{plan.version}{'-court' if court else ''}"
    return render("fgdm/documents/plan.html", context, title=title, filename=filename)
