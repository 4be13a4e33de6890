"""The case flow driven through the services: each step moves the workflow on."""

from decimal import Decimal

import pytest
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from core.exceptions import InvalidTransition, NotPermitted, RuleBroken, SeparationOfDuties
from fgdm.constants import CaseStatus
from network_packages import services as package_services
from network_packages.constants import PackageStatus
from payments import services as payment_services
from payments.constants import BatchStatus, PaymentStatus
from tests import scenario


def open_nodes(case):
    return sorted(
        t.flow_task.name
        for t in Task.objects.filter(
            process_id=case.process_id, status__in=[STATUS.NEW, STATUS.ASSIGNED], flow_task_type="HUMAN"
        )
    )


@pytest.mark.django_db
class TestCaseFlow:
    def test_referral_waits_for_allocation(self, world):
        case = scenario.referral(world)
        assert case.reference.startswith("FGDM-")
        assert case.status == CaseStatus.REFERRED
        assert open_nodes(case) == ["allocate"]

    def test_fnm_path_goes_straight_to_meeting(self, world):
        case, _ = scenario.with_network(world)
        assert open_nodes(case) == ["map_network"]
        case, _, plan = scenario.meeting_held(world)
        assert open_nodes(case) == ["accept_plan"]
        assert plan.version == 1

    def test_fgc_path_has_coordinator_preparation(self, world):
        case, _, plan = scenario.meeting_held(world, model="fgc")
        done = [t.flow_task.name for t in Task.objects.filter(process_id=case.process_id, status=STATUS.DONE)]
        assert "prepare_network" in done
        assert open_nodes(case) == ["accept_plan"]

    def test_whole_path_to_confirmed_batch(self, world):
        package = scenario.payments_authorised(world)
        case = package.case
        assert open_nodes(case) == []  # waiting for the review timer
        timers = Task.objects.filter(process_id=case.process_id, status=STATUS.SCHEDULED)
        assert sorted(t.flow_task.name for t in timers) == ["package_review_due", "wait_for_review"]
        batch = payment_services.batch_create(by=world.u.fin1)
        payment_services.batch_approve(batch_id=batch.pk, by=world.u.fin2)
        batch, content = payment_services.batch_export(batch_id=batch.pk, by=world.u.fin1)
        payment_services.batch_confirm(batch_id=batch.pk, by=world.u.fin1)
        batch.refresh_from_db()
        assert batch.status == BatchStatus.CONFIRMED
        assert batch.total == package.total == Decimal("300.00")
        assert set(package.payments.values_list("status", flat=True)) == {PaymentStatus.PAID}
        assert b"300.00" in content


@pytest.mark.django_db
class TestApprovalTiers:
    @pytest.mark.parametrize(
        "amount, tier",
        [
            ("300.00", "team_manager"),
            ("500.00", "team_manager"),
            ("500.01", "service_manager"),
            ("1200.00", "service_manager"),
            ("5000.00", "service_manager"),
            ("7000.00", "head_of_service"),
        ],
    )
    def test_every_package_starts_with_the_team_manager(self, world, amount, tier):
        package = scenario.package_submitted(world, amount=Decimal(amount))
        assert package.required_tier == tier
        assert package.current_tier == "team_manager"
        assert open_nodes(package.case) == ["approve_team_manager"]

    def test_above_the_limit_a_team_managers_approval_escalates(self, world):
        package = scenario.package_submitted(world, amount=Decimal("1200.00"))
        package_services.package_approve(package_id=package.pk, by=world.u.tm_east, note="Endorsed")
        package.refresh_from_db()
        assert package.status == PackageStatus.SUBMITTED, "escalated, not approved"
        assert package.current_tier == "service_manager"
        assert open_nodes(package.case) == ["approve_service_manager"]
        assert package.payments.count() == 0
        with pytest.raises(NotPermitted):
            package_services.package_approve(package_id=package.pk, by=world.u.tm_east)
        package_services.package_approve(package_id=package.pk, by=world.u.sm)
        package.refresh_from_db()
        assert package.status == PackageStatus.APPROVED
        assert package.payments.count() == 1
        assert list(package.approvals.order_by("at").values_list("approver__username", "decision")) == [
            ("tm.east", "escalated"),
            ("sm", "approved"),
        ]

    def test_head_of_service_for_large_package(self, world):
        scenario.no_payee_cap_or_checks()  # £7,000 to Nan: over the default cap a person a year
        package = scenario.package_submitted(world, amount=Decimal("7000.00"))
        package_services.package_approve(package_id=package.pk, by=world.u.tm_east)
        package_services.package_approve(package_id=package.pk, by=world.u.sm)
        package.refresh_from_db()
        assert package.current_tier == "head_of_service" and package.status == PackageStatus.SUBMITTED
        package_services.package_approve(package_id=package.pk, by=world.u.hos)
        package.refresh_from_db()
        assert package.status == PackageStatus.APPROVED

    def test_limits_live_in_the_database(self, world):
        from network_packages.models import ApprovalLimit

        ApprovalLimit.objects.filter(tier="team_manager").update(max_amount=Decimal("2000.00"))
        package = scenario.package_submitted(world, amount=Decimal("1200.00"))
        assert package.required_tier == "team_manager"
        package_services.package_approve(package_id=package.pk, by=world.u.tm_east)
        package.refresh_from_db()
        assert package.status == PackageStatus.APPROVED

    def test_approving_twice_is_refused(self, world):
        package = scenario.package_approved(world)
        with pytest.raises(InvalidTransition):
            package_services.package_approve(package_id=package.pk, by=world.u.sm)

    def test_weekly_instalments_become_payments(self, world):
        package = scenario.package_approved(world, amount=Decimal("25.00"), frequency="weekly", instalments=12)
        assert package.total == Decimal("300.00")
        payments = list(package.payments.order_by("due_on"))
        assert len(payments) == 12
        assert sum(p.amount for p in payments) == package.total
        assert (payments[1].due_on - payments[0].due_on).days == 7


@pytest.mark.django_db
class TestRefusals:
    def test_self_approval(self, world):
        package = scenario.package_submitted(world)
        world.u.prac_east.groups.add(*world.u.tm_east.groups.all())
        from django.contrib.auth import get_user_model

        prac = get_user_model().objects.get(pk=world.u.prac_east.pk)
        with pytest.raises(SeparationOfDuties):
            package_services.package_approve(package_id=package.pk, by=prac)

    def test_return_goes_back_to_the_practitioner_to_rework(self, world):
        package = scenario.package_submitted(world)
        package_services.package_return(package_id=package.pk, by=world.u.tm_east, reason="Get a second quote")
        assert open_nodes(package.case) == ["rework_package"]
        package_services.package_submit(package_id=package.pk, by=world.u.prac_east)
        assert open_nodes(package.case) == ["approve_team_manager"]

    def test_package_before_meeting_held(self, world):
        case, grandmother = scenario.with_network(world)
        with pytest.raises(RuleBroken):
            from fgdm.models import FamilyPlan

            package_services.package_create(
                case_id=case.pk,
                by=world.u.prac_east,
                plan_id=FamilyPlan.objects.count() + 1,
                justification="x",
                other_funding_checked=True,
                agreement_signed_on=None,
                review_by=None,
                items=[],
            )

    def test_approver_cannot_authorise_payments(self, world):  # noqa: D102
        from django.contrib.auth.models import Group

        from core.roles import Role

        world.u.sm.groups.add(Group.objects.get(name=Role.FINANCE_OFFICER))
        from django.contrib.auth import get_user_model

        sm = get_user_model().objects.get(pk=world.u.sm.pk)
        package = scenario.package_approved(world, amount=Decimal("1200.00"), approver=sm)
        payee = package.items.first().payee
        payment_services.bank_account_set(
            member_id=payee.pk, by=world.u.fin1, account_name="M HARDY", sort_code="400000", account_number="12165678"
        )
        payment_services.bank_account_verify(member_id=payee.pk, by=world.u.fin2)
        with pytest.raises(SeparationOfDuties):
            payment_services.payment_authorise(payment_id=package.payments.first().pk, by=sm)


@pytest.mark.django_db
class TestTaskQueue:
    def test_allocation_is_in_the_team_managers_queue_only(self, world):
        scenario.referral(world)
        from process.selectors import task_list

        assert [t.flow_task.name for t in task_list(user=world.u.tm_east)] == ["allocate"]
        assert list(task_list(user=world.u.tm_west)) == []
        assert list(task_list(user=world.u.prac_east)) == []

    def test_lead_practitioner_inbox_after_allocation(self, world):
        case = scenario.allocated(world)
        from process.selectors import task_list

        tasks = list(task_list(user=world.u.prac_east))
        assert [t.flow_task.name for t in tasks] == ["map_network"]
        assert tasks[0].process.case == case

    def test_take_a_task(self, world):
        from process.selectors import task_list
        from process.services import task_assign

        scenario.referral(world)
        task = task_list(user=world.u.tm_east).get()
        task_assign(task_id=task.pk, by=world.u.tm_east)
        task.refresh_from_db()
        assert task.owner == world.u.tm_east
        with pytest.raises(InvalidTransition):
            task_assign(task_id=task.pk, by=world.u.tm_east)
