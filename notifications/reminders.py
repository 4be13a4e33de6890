"""Reminders that come from time, not from a person's step (`manage.py send_reminders`, daily).

Each reminder names its happening once (the plan and its review date; the action and its due date),
so running the command again, twice a day or on two machines, tells nobody twice.
"""

import datetime

from django.conf import settings
from django.db import transaction

from core import notify
from fgdm.constants import ActionStatus, CaseStatus, PlanStatus
from fgdm.models import FamilyPlan, PlanAction

CLOSED = (CaseStatus.CLOSED, CaseStatus.DECLINED)


def reviews_due(today: datetime.date) -> int:
    """The lead practitioner of each case whose accepted plan's review falls within the coming
    FGDM_REVIEW_REMINDER_DAYS days (or has passed, within a month). Returns how many plans."""
    soon = today + datetime.timedelta(days=settings.FGDM_REVIEW_REMINDER_DAYS)
    plans = FamilyPlan.objects.filter(
        status=PlanStatus.ACCEPTED,
        review_by__lte=soon,
        review_by__gte=today - datetime.timedelta(days=31),
    ).exclude(case__status__in=CLOSED)
    count = 0
    for plan in plans.order_by("pk"):
        with transaction.atomic():
            notify.announce(
                "review_due",
                key=f"review-due:plan:{plan.pk}:{plan.review_by.isoformat()}",
                case_id=plan.case_id,
                review_by=plan.review_by.strftime("%-d %B %Y"),
            )
        count += 1
    return count


def actions_due(today: datetime.date) -> int:
    """Each open action a network member owns in an accepted plan, due within the coming
    FGDM_ACTION_REMINDER_DAYS days (not yet past). Returns how many actions."""
    soon = today + datetime.timedelta(days=settings.FGDM_ACTION_REMINDER_DAYS)
    actions = PlanAction.objects.filter(
        plan__status=PlanStatus.ACCEPTED,
        status=ActionStatus.OPEN,
        owner_member__isnull=False,
        due_by__gte=today,
        due_by__lte=soon,
    ).exclude(plan__case__status__in=CLOSED)
    count = 0
    for action in actions.order_by("pk"):
        with transaction.atomic():
            notify.announce(
                "actions_due", key=f"action-due:{action.pk}:{action.due_by.isoformat()}", action_id=action.pk
            )
        count += 1
    return count
