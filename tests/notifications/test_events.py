"""The events: who is told of what, through the real services (messages kept in the outbox)."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.utils import timezone

from fgdm import services as case_services
from fgdm.models import NetworkMember
from notifications.models import Notification, Preference, StaffContact
from payments import services as payment_services
from process import services as process_services
from tests import scenario

pytestmark = pytest.mark.django_db


def agree(member, messages="email", email="nan@example.org", phone="07700900123"):
    NetworkMember.objects.filter(pk=member.pk).update(
        messages=messages, messages_agreed_at=timezone.now(), email=email, phone=phone
    )
    member.refresh_from_db()
    return member


def told(event):
    return {(n.recipient, n.channel, n.template) for n in Notification.objects.filter(event=event)}


class TestStaff:
    def test_a_package_submitted_tells_the_team_manager_of_its_locality(self, world):
        package = scenario.package_submitted(world)
        rows = Notification.objects.filter(event="package_awaiting_approval")
        assert {n.user for n in rows} == {world.u.tm_east}  # not tm_west, not the submitter
        message = rows.get()
        assert message.to_role == "team_manager" and message.channel == "email"
        assert message.address == world.u.tm_east.email
        assert message.personalisation["case_reference"] == package.case.reference
        assert message.personalisation["total"] == "£300.00"

    def test_an_escalated_package_tells_the_next_tier(self, world):
        package = scenario.package_submitted(world, amount="800.00")
        from network_packages import services as package_services

        package_services.package_approve(package_id=package.pk, by=world.u.tm_east, note="Over my limit")
        later = Notification.objects.filter(event="package_awaiting_approval", to_role="service_manager")
        assert {n.user for n in later} == {world.u.sm}

    def test_a_manager_of_the_tier_with_a_conflict_in_the_case_is_not_told(self, world):
        """The managers told are read with their sight of the case in one query: a conflict
        declared in it, or no sight of it, leaves a manager of the tier out."""
        from core.roles import Role
        from network_packages import services as package_services

        package = scenario.package_submitted(world, amount="800.00")
        world.u.hos.groups.add(Group.objects.get(name=Role.SERVICE_MANAGER))  # two managers at the tier
        case_services.conflict_declare(by=world.u.sm, case_reference=package.case.reference, reason="My niece")
        package_services.package_approve(package_id=package.pk, by=world.u.tm_east, note="Over my limit")
        later = Notification.objects.filter(event="package_awaiting_approval", to_role="service_manager")
        assert {n.user for n in later} == {world.u.hos}

    def test_a_staff_member_who_chose_text_messages_gets_one(self, world):
        Preference.objects.create(user=world.u.tm_east, kind="package_approval", choice="sms")
        StaffContact.objects.create(user=world.u.tm_east, mobile="07700 900982")
        scenario.package_submitted(world)
        assert told("package_awaiting_approval") == {(f"user:{world.u.tm_east.pk}", "sms", "package_approval")}

    def test_a_staff_member_who_chose_nothing_is_not_told(self, world):
        Preference.objects.create(user=world.u.tm_east, kind="package_approval", choice="none")
        scenario.package_submitted(world)
        assert told("package_awaiting_approval") == set()

    def test_a_batch_tells_the_other_finance_officers(self, world):
        scenario.approved_batch(world)
        assert {n.user for n in Notification.objects.filter(event="batch_awaiting_approval")} == {world.u.fin2}

    def test_a_task_handed_on_tells_its_new_owner(self, world):
        from viewflow.workflow.models import Task

        case = scenario.allocated(world)
        task = Task.objects.get(process_id=case.process_id, flow_task_type="HUMAN", status="ASSIGNED")
        process_services.task_reassign(task_id=task.pk, by=world.u.tm_east, to=world.u.prac_east2, reason="Cover")
        rows = Notification.objects.filter(event="task_assigned").exclude(user=world.u.prac_east)  # allocation
        assert [n.user for n in rows] == [world.u.prac_east2]
        assert rows.get().personalisation["case_reference"] == case.reference

    def test_a_review_due_is_told_once_to_the_lead_practitioner(self, world):
        case, _, plan = scenario.plan_accepted(world)
        day = plan.review_by - datetime.timedelta(days=3)
        call_command("send_reminders", today=day)
        call_command("send_reminders", today=day)
        call_command("send_reminders", today=day + datetime.timedelta(days=1))
        rows = Notification.objects.filter(event="review_due")
        assert [n.user for n in rows] == [case.lead_practitioner]
        assert rows.get().about_plan


class TestMembers:
    def test_meeting_invitation_change_and_cancellation_go_to_members_who_agreed(self, world):
        case, grandmother = scenario.with_network(world)
        agree(grandmother, messages="email_and_sms")
        when = timezone.now() + datetime.timedelta(days=10)
        meeting = case_services.meeting_schedule(
            case_id=case.pk, by=case.lead_practitioner, model="fnm", scheduled_for=when, venue="Leigh Park Family Hub"
        )
        me = f"member:{grandmother.pk}"
        assert told("meeting_scheduled") == {(me, "email", "meeting_invitation"), (me, "sms", "meeting_invitation")}
        invitation = Notification.objects.filter(event="meeting_scheduled").first()
        assert invitation.personalisation["venue"] == "Leigh Park Family Hub"
        case_services.meeting_reschedule(
            meeting_id=meeting.pk,
            by=case.lead_practitioner,
            scheduled_for=when + datetime.timedelta(days=1),
            reason="Nan away",
        )
        assert told("meeting_rescheduled") == {(me, "email", "meeting_changed"), (me, "sms", "meeting_changed")}
        case_services.meeting_cancel(meeting_id=meeting.pk, by=case.lead_practitioner, reason="Family asked")
        assert told("meeting_cancelled") == {(me, "email", "meeting_cancelled"), (me, "sms", "meeting_cancelled")}

    def test_nobody_excluded_or_not_agreeing_is_told_of_a_meeting(self, world):
        case, grandmother = scenario.with_network(world)
        agree(grandmother)
        NetworkMember.objects.filter(pk=grandmother.pk).update(excluded_from_meetings=True, exclusion_reason="Risk")
        case_services.meeting_schedule(
            case_id=case.pk,
            by=case.lead_practitioner,
            model="fnm",
            scheduled_for=timezone.now() + datetime.timedelta(days=10),
            venue="Hub",
        )
        assert not Notification.objects.filter(member__isnull=False).exists()

    def test_a_member_is_reminded_of_their_action_once(self, world):
        case, grandmother, plan = scenario.plan_accepted(world)
        agree(grandmother)
        action = plan.actions.get()
        day = action.due_by - datetime.timedelta(days=1)
        call_command("send_reminders", today=day)
        call_command("send_reminders", today=day + datetime.timedelta(days=1))
        rows = Notification.objects.filter(event="actions_due")
        assert [(n.member, n.template) for n in rows] == [(grandmother, "actions_due")]
        assert rows.get().personalisation["action"] == action.description

    def test_a_payment_made_tells_the_member_the_amount_and_date_never_bank_details(self, world):
        batch = scenario.approved_batch(world)
        grandmother = batch.payments.first().payee
        agree(grandmother)
        payment_services.batch_export(batch_id=batch.pk, by=world.u.fin1)
        payment_services.batch_confirm(batch_id=batch.pk, by=world.u.fin1)
        rows = Notification.objects.filter(event="payment_made")
        assert rows.count() == batch.payments.count()
        message = rows.first()
        assert message.personalisation["amount"] == "£123.45"
        assert set(message.personalisation) == {"name", "amount", "paid_on"}
        assert "12165678" not in str(message.personalisation) and "40-00-00" not in str(message.personalisation)


class TestTasksTheFlowHandsOut:
    def test_allocating_a_case_tells_the_lead_of_their_first_task(self, world):
        case = scenario.allocated(world)
        [message] = Notification.objects.filter(event="task_assigned")
        assert message.user == world.u.prac_east and message.to_role == "assignee"
        assert message.personalisation["case_reference"] == case.reference
        assert message.personalisation["task"]

    def test_nobody_is_told_of_the_tasks_they_moved_on_to_themselves(self, world):
        # The lead maps the network, holds the meeting, accepts the plan: each next step is theirs.
        case, _, _ = scenario.plan_accepted(world)
        [told] = Notification.objects.filter(event="task_assigned", case=case)  # only the allocation
        assert told.user == world.u.prac_east

    def test_a_conference_tells_the_coordinator_of_the_meeting_to_hold(self, world):
        case, _, _ = scenario.meeting_held(world, model="fgc")
        assert Notification.objects.filter(event="task_assigned", case=case, user=world.u.coord).exists()


class TestWritingOnce:
    """A message to a member of staff is one INSERT: no read of their preferences first, no check
    for an earlier row, no savepoint; the same happening announced again makes nothing new."""

    def test_a_staff_message_is_one_statement(self, world, django_assert_num_queries):
        from core import notify

        user_and_case_reads = 2  # the recipients function: the person and the case
        with django_assert_num_queries(user_and_case_reads + 1) as captured:
            notify.announce("task_assigned", key="task-assigned:once", user_id=world.u.prac_east.pk, case_id=None)
        assert captured.captured_queries[-1]["sql"].startswith("INSERT")
        assert told("task_assigned") == {(f"user:{world.u.prac_east.pk}", "email", "task_assigned")}

    def test_the_same_happening_announced_again_makes_nothing_new(self, world):
        from core import notify

        for _ in range(2):
            notify.announce("task_assigned", key="task-assigned:again", user_id=world.u.prac_east.pk, case_id=None)
        assert Notification.objects.filter(key="task-assigned:again").count() == 1

    def test_a_choice_made_after_a_message_does_not_repeat_it(self, world):
        from core import notify

        notify.announce("task_assigned", key="task-assigned:chosen", user_id=world.u.prac_east.pk, case_id=None)
        Preference.objects.create(user=world.u.prac_east, kind="task_assigned", choice="sms")
        StaffContact.objects.create(user=world.u.prac_east, mobile="07700 900982")
        notify.announce("task_assigned", key="task-assigned:chosen", user_id=world.u.prac_east.pk, case_id=None)
        assert {n.channel for n in Notification.objects.filter(key="task-assigned:chosen")} == {"email", "sms"}
