"""The review timer: the case waits for its review date, `workflow_timers` fires it, the review decides."""

import datetime

import pytest
from django.conf import settings
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from core.exceptions import RuleBroken
from fgdm import services as case_services
from fgdm.constants import CaseStatus, Outcome
from tests import scenario
from tests.scenario import fire_timers_on


def open_nodes(case):
    return sorted(
        t.flow_task.name
        for t in Task.objects.filter(
            process_id=case.process_id, status__in=[STATUS.NEW, STATUS.ASSIGNED], flow_task_type="HUMAN"
        )
    )


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
        assert open_nodes(case) == ["review", "review_package"]  # the package's own review falls on the same day
        with pytest.raises(RuleBroken):
            case_services.case_review(case_id=case.pk, by=world.u.prac_east, close=True, outcome="")
        case_services.case_review(
            case_id=case.pk,
            by=world.u.prac_east,
            close=True,
            outcome=Outcome.REMAINED_AT_HOME,
            notes="Mum home and well",
        )
        case.refresh_from_db()
        assert case.status == CaseStatus.CLOSED
        assert case.outcome == Outcome.REMAINED_AT_HOME
        assert open_nodes(case) == [], "closing cancels the package's review too"
        assert case.process.status != "DONE", "a manager may reopen it for a while"
        fire_timers_on(case.closed_on + datetime.timedelta(days=settings.FGDM_REOPEN_DAYS))
        case.process.refresh_from_db()
        assert case.process.status != "DONE"
        fire_timers_on(case.closed_on + datetime.timedelta(days=settings.FGDM_REOPEN_DAYS + 1))
        case.process.refresh_from_db()
        assert case.process.status == "DONE"

    def test_no_support_needed_waits_for_review_then_continues(self, world):
        case, _, plan = scenario.meeting_held(world)
        case_services.plan_accept(plan_id=plan.pk, by=world.u.prac_east, support_needed=False)
        assert open_nodes(case) == []
        fire_timers_on(plan.review_by)
        assert open_nodes(case) == ["review"]
        case_services.case_review(case_id=case.pk, by=world.u.prac_east, close=False, notes="Going well")
        assert open_nodes(case) == ["revise_plan"]


@pytest.mark.django_db
class TestChangingAnApprovedPackage:
    def test_a_change_needs_approval_again_and_replaces_the_old_version(self, world):
        from decimal import Decimal

        from network_packages import services as package_services
        from network_packages.services import ItemInput
        from payments.constants import PaymentStatus

        package = scenario.payments_authorised(world, amount=Decimal("30.00"), frequency="weekly", instalments=6)
        case = package.case
        paid = package.payments.order_by("due_on").first()
        from payments import services as payment_services

        batch = payment_services.batch_create(by=world.u.fin1)
        payment_services.batch_approve(batch_id=batch.pk, by=world.u.fin2)
        payment_services.batch_export(batch_id=batch.pk, by=world.u.fin1)
        payment_services.batch_confirm(batch_id=batch.pk, by=world.u.fin1)

        from core.exceptions import InvalidTransition

        v2 = package_services.package_revise(
            package_id=package.pk,
            by=world.u.prac_east,
            plan_id=package.plan_id,
            justification="Tea costs more",
            other_funding_checked=True,
            agreement_signed_on=datetime.date.today(),
            review_by=package.review_by,
            items=[
                ItemInput(
                    description="Tea",
                    category="food_and_meals",
                    payee_id=paid.payee_id,
                    amount=Decimal("40.00"),
                    frequency="weekly",
                    instalments=5,
                )
            ],
        )
        assert (v2.version, v2.previous_id, v2.status) == (2, package.pk, "draft")
        with pytest.raises(InvalidTransition):
            package_services.package_revise(
                package_id=package.pk,
                by=world.u.prac_east,
                plan_id=package.plan_id,
                justification="Again",
                other_funding_checked=True,
                agreement_signed_on=None,
                review_by=None,
                items=[
                    ItemInput(
                        description="Tea", category="food_and_meals", payee_id=paid.payee_id, amount=Decimal("1.00")
                    )
                ],
            )

        # A change is submitted and approved mid-cycle, while the case waits for its review.
        assert open_nodes(case) == []
        package.refresh_from_db()
        assert package.status == "approved", "the old version stays in force until the new one is approved"
        package_services.package_submit(package_id=v2.pk, by=world.u.prac_east)
        package_services.package_approve(package_id=v2.pk, by=world.u.tm_east)
        package.refresh_from_db()
        assert package.status == "ended"
        statuses = dict(package.payments.values_list("id", "status"))
        assert statuses.pop(paid.pk) == PaymentStatus.PAID
        assert set(statuses.values()) == {PaymentStatus.CANCELLED}
        assert v2.payments.count() == 5 and sum(p.amount for p in v2.payments.all()) == Decimal("200.00")
