"""Which steps a page offers: a button only when the person can take the step now, asked of the same
checks the services make (`fgdm.services.ensure_may_*`, `fgdm.permissions`)."""

from core.exceptions import DomainError
from core.roles import may
from fgdm import services
from fgdm.constants import MEETING_ARRANGED, CaseStatus, MeetingModel, MeetingStatus
from fgdm.permissions import ensure_can_work_case
from fgdm.views.rights import CaseRights


def can(user, step: str, check, obj) -> bool:
    """The person's role may take this kind of step (the page's gate) and the service's own check
    lets them take it on this object now."""
    if not may(user, step):
        return False
    try:
        check(user, obj)
    except DomainError:
        return False
    return True


def _runs(user, meeting, rights: CaseRights | None) -> bool:
    """The person who runs the meeting: its coordinator (a conference, any meeting at pre-proceedings),
    otherwise an FNM's practitioners."""
    if meeting.coordinator_id is not None:
        return meeting.coordinator_id == user.pk
    if rights is not None:
        return may(user, "meeting_record") and rights.allows(ensure_can_work_case)
    return can(user, "meeting_record", ensure_can_work_case, meeting.case)


def meeting_actions(user, meeting, *, rights: CaseRights | None = None) -> dict:
    """What this person can do with the meeting now (the buttons of the meeting and case pages).
    `rights`: the person's rights on the meeting's case, asked once for the page (CaseRights)."""
    arranged = meeting.status in MEETING_ARRANGED
    runs = arranged and _runs(user, meeting, rights)
    return {
        "prepare": runs and meeting.model == MeetingModel.FGC and meeting.status == MeetingStatus.SCHEDULED,
        "record": runs and not (meeting.model == MeetingModel.FGC and meeting.status == MeetingStatus.SCHEDULED),
        "preparation": runs and may(user, "member_record_preparation"),
        "reschedule": arranged and can(user, "meeting_reschedule", services.ensure_may_reschedule, meeting),
        "cancel": arranged and can(user, "meeting_cancel", services.ensure_may_cancel, meeting),
        # Only while the case's plan waits for acceptance (read first: no query for the other meetings).
        "reconvene": meeting.status == MeetingStatus.HELD
        and meeting.case.status == CaseStatus.PLAN_AGREED
        and can(user, "meeting_reconvene", services.ensure_may_reconvene, meeting),
    }


def may_arrange(user, case) -> bool:
    """Whether to offer "Arrange the meeting" (or a review meeting) on the case page."""
    return can(user, "meeting_schedule", services.ensure_may_arrange, case)
