"""The review timer: the case waits for its review date, `workflow_timers` fires it, the review decides."""
import datetime

import pytest
import time_machine
from django.core.management import call_command
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from fgdm import services as case_services
from fgdm.constants import CaseStatus, Outcome
from fgdm.exceptions import RuleBroken
from tests import scenario


def open_nodes(case):
    return sorted(t.flow_task.name for t in Task.objects.filter(process_id=case.process_id,
                                                                 status__in=[STATUS.NEW, STATUS.ASSIGNED]))


def fire_timers_on(day: datetime.date):
    with time_machine.travel(datetime.datetime.combine(day, datetime.time(10, 0)).astimezone(), tick=False):
        call_command("workflow_timers", stdout=open("/dev/null", "w"))


@pytest.mark.django_db
class TestReviewTimer:
    def test_review_does_not_fire_early(self, world):
        package = scenario.payments_authorised(world)
        plan = package.plan
        fire_timers_on(plan.review_by - datetime.timedelta(days=1))
        assert open_nodes(package.case) == []

    def test_review_fires_on_the_review_date_and_closes(self, world):
        package = scenario.payments_authorised(world)
        case = package.case
        fire_timers_on(package.plan.review_by)
        assert open_nodes(case) == ["review"]
        with pytest.raises(RuleBroken):
            case_services.case_review(case_id=case.pk, by=world.u.prac_east, close=True, outcome="")
        case_services.case_review(case_id=case.pk, by=world.u.prac_east, close=True,
                                  outcome=Outcome.REMAINED_AT_HOME, notes="Mum home and well")
        case.refresh_from_db()
        assert case.status == CaseStatus.CLOSED
        assert case.outcome == Outcome.REMAINED_AT_HOME
        assert case.process.status == "DONE"

    def test_no_support_needed_waits_for_review_then_continues(self, world):
        case, _, plan = scenario.meeting_held(world)
        case_services.plan_accept(plan_id=plan.pk, by=world.u.prac_east, support_needed=False)
        assert open_nodes(case) == []
        fire_timers_on(plan.review_by)
        assert open_nodes(case) == ["review"]
        case_services.case_review(case_id=case.pk, by=world.u.prac_east, close=False, notes="Going well")
        assert open_nodes(case) == ["revise_plan"]
