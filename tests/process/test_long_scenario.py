"""One case the way casework really goes (issue 12's long scenario), day by day through the services:

1. it escalates from family help to pre-proceedings mid-way;
2. its conference is rescheduled twice, then held;
3. its package is changed mid-cycle and approved again;
4. a baby is expected: a child is added;
5. the lead practitioner is off: the case moves to another practitioner;
6. the family moves away: the case is closed early.

At each step the open tasks (and who has them), the payments and the audit trail are exactly what
they should be: nothing stuck, nothing lost, nothing batched or paid touched.
"""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.conf import settings
from django.core.management import call_command
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from audit.models import DomainEvent
from core.exceptions import RuleBroken
from fgdm import services as case_services
from fgdm.services import ActionInput
from network_packages import services as package_services
from network_packages.services import ItemInput
from payments import services as payment_services
from tests import scenario

D0 = datetime.date(2027, 1, 4)  # a Monday


def on(days: int):
    """Work as if on day D0 + days, at 10:00."""
    moment = datetime.datetime.combine(D0 + datetime.timedelta(days=days), datetime.time(10, 0)).astimezone()
    return time_machine.travel(moment, tick=False)


def day(days: int) -> datetime.date:
    return D0 + datetime.timedelta(days=days)


def tasks(case) -> list[tuple[str, str | None]]:
    """The case's open tasks for people, with who has them."""
    return sorted(
        (t.flow_task.name, t.owner.username if t.owner_id else None)
        for t in Task.objects.filter(
            process_id=case.process_id, status__in=[STATUS.NEW, STATUS.ASSIGNED], flow_task_type="HUMAN"
        ).select_related("owner")
    )


def statuses(package) -> list[str]:
    return [p.status for p in package.payments.order_by("due_on", "id")]


class Trail:
    """The case's audit trail, read step by step: what each step added, in order."""

    def __init__(self, case):
        self.case_id = case.pk
        self.seen = 0

    def new(self) -> list[tuple[str, str]]:
        events = list(
            DomainEvent.objects.filter(case_id=self.case_id, pk__gt=self.seen)
            .order_by("pk")
            .values_list("pk", "action", "actor_username")
        )
        if events:
            self.seen = events[-1][0]
        return [(action, actor) for _, action, actor in events]


def weekly(description, payee, amount, count, action):
    return [
        ItemInput(
            description=description,
            category="food_and_meals",
            payee_id=payee.pk,
            amount=Decimal(amount),
            frequency="weekly",
            instalments=count,
            plan_action_id=action.pk,
        )
    ]


@pytest.mark.django_db
def test_a_case_that_changes_course_all_the_way_to_an_early_close(world):
    u = world.u

    # -- referred and allocated, the network mapped --------------------------------------------
    with on(0):
        case = scenario.allocated(world)
        nan = case_services.member_add(
            case_id=case.pk, by=u.prac_east, full_name="Margaret Hardy", relationship="grandparent"
        )
        case_services.member_add(
            case_id=case.pk, by=u.prac_east, full_name="Sarah Hardy", relationship="parent", is_parent=True
        )
    trail = Trail(case)
    trail.new()
    assert tasks(case) == [("map_network", "prac.east")]

    # -- 1. escalates to pre-proceedings mid-way -------------------------------------------------
    with on(2):
        case_services.case_change_stage(
            case_id=case.pk, by=u.tm_east, stage="pre_proceedings", reason="Legal planning meeting: threshold met"
        )
        case.refresh_from_db()
        assert case.stage == "pre_proceedings"
        assert [(c.from_stage, c.to_stage) for c in case.stage_changes.order_by("id")] == [
            ("", "family_help"),
            ("family_help", "pre_proceedings"),
        ]
        assert tasks(case) == [("map_network", "prac.east")], "a stage change moves no step"
        assert trail.new() == [("stage_changed", "tm.east")]
        # The current stage rules: at pre-proceedings the family's meeting is a conference.
        with pytest.raises(RuleBroken):
            case_services.meeting_schedule(
                case_id=case.pk, by=u.prac_east, model="fnm", scheduled_for=on_day(14), venue="Hub"
            )
        assert trail.new() == []
        meeting = case_services.meeting_schedule(
            case_id=case.pk,
            by=u.prac_east,
            model="fgc",
            scheduled_for=on_day(14),
            venue="Leigh Park Family Hub",
            coordinator=u.coord,
        )
    assert tasks(case) == [("prepare_network", "coord")]
    assert [a for a, _ in trail.new()] == ["meeting_scheduled", "case_meeting_planned"]

    # -- 2. rescheduled twice, then held ---------------------------------------------------------
    with on(5):
        preparing = Task.objects.get(process_id=case.process_id, flow_task_type="HUMAN", status=STATUS.ASSIGNED)
        case_services.meeting_reschedule(
            meeting_id=meeting.pk, by=u.coord, scheduled_for=on_day(21), reason="Nan is in hospital that week"
        )
    assert tasks(case) == [("prepare_network", "coord")]
    assert Task.objects.get(pk=preparing.pk).status == STATUS.ASSIGNED, "preparation goes on to the new date"
    assert trail.new() == [("meeting_rescheduled", "coord")]
    with on(10):
        scenario.prepare_everyone(case, by=u.coord)
        case_services.meeting_prepare(meeting_id=meeting.pk, by=u.coord)
    assert tasks(case) == [("hold_meeting", "coord")]
    trail.new()
    with on(18):
        holding = Task.objects.get(process_id=case.process_id, flow_task_type="HUMAN", status=STATUS.ASSIGNED)
        case_services.meeting_reschedule(
            meeting_id=meeting.pk,
            by=u.prac_east,
            scheduled_for=on_day(28),
            venue="Wareham Library",
            reason="The hub is closed for repairs",
        )
    assert tasks(case) == [("hold_meeting", "coord")], "the conference is still to hold, with its coordinator"
    assert Task.objects.get(pk=holding.pk).status == STATUS.DONE, "the flow went round the reschedule path"
    assert trail.new() == [("meeting_rescheduled", "prac.east")]
    meeting.refresh_from_db()
    assert (meeting.venue, meeting.scheduled_for.date()) == ("Wareham Library", day(28))
    assert [(r.to_scheduled_for.date(), r.reason) for r in meeting.reschedules.order_by("id")] == [
        (day(21), "Nan is in hospital that week"),
        (day(28), "The hub is closed for repairs"),
    ]
    with on(28):
        plan = case_services.meeting_record(
            meeting_id=meeting.pk,
            by=u.coord,
            held_on=day(28),
            attendees="Margaret, Sarah, Lily",
            private_family_time=True,
            actions=[ActionInput(description="Nan has Lily after school", owner_member_id=nan.pk, due_by=day(35))],
            contingency="If Nan is unwell, Aunt Jo steps in.",
            review_by=day(70),
        )
    assert tasks(case) == [("accept_plan", "prac.east")]
    assert [a for a, _ in trail.new()] == ["meeting_held", "plan_agreed", "case_plan_agreed"]

    # -- 3. a package, paid in part, then changed mid-cycle and approved again -----------------
    with on(29):
        case_services.plan_accept(plan_id=plan.pk, by=u.prac_east, support_needed=True)
        assert tasks(case) == [("draft_package", "prac.east")]
        action = plan.actions.get()
        v1 = package_services.package_create(
            case_id=case.pk,
            by=u.prac_east,
            plan_id=plan.pk,
            justification="Tea for Lily at Nan's after school.",
            other_funding_checked=True,
            agreement_signed_on=day(29),
            review_by=day(90),
            items=weekly("Tea after school", nan, "30.00", 6, action),
        )
        package_services.package_submit(package_id=v1.pk, by=u.prac_east)
        assert tasks(case) == [("approve_team_manager", None)]
        package_services.package_approve(package_id=v1.pk, by=u.tm_east)
        assert tasks(case) == [("authorise_payments", None)]
        assert statuses(v1) == ["scheduled"] * 6
        payment_services.bank_account_set(
            member_id=nan.pk, by=u.fin1, account_name="M HARDY", sort_code="40-00-00", account_number="12165678"
        )
        payment_services.bank_account_verify(member_id=nan.pk, by=u.fin2)
        authorised, refused = payment_services.payments_authorise_many(
            payment_ids=list(v1.payments.values_list("id", flat=True)), by=u.fin1
        )
        assert (len(authorised), refused) == (6, [])
    assert tasks(case) == [], "waiting for the review, and for the package's own review"
    assert [a for a, _ in trail.new()] == [
        "plan_accepted",
        "case_plan_accepted",
        "package_drafted",
        "package_submitted",
        "package_approved",
        "payments_scheduled",
        "bank_details_entered",
        "bank_details_verified",
        "payment_authorised",
        "payment_authorised",
        "payment_authorised",
        "payment_authorised",
        "payment_authorised",
        "payment_authorised",
    ]
    with on(37):
        first_two = list(v1.payments.order_by("due_on").values_list("id", flat=True)[:2])
        batch = payment_services.batch_create(by=u.fin1, payment_ids=first_two)
        payment_services.batch_approve(batch_id=batch.pk, by=u.fin2)
        payment_services.batch_export(batch_id=batch.pk, by=u.fin1)
        payment_services.batch_confirm(batch_id=batch.pk, by=u.fin1)
    assert statuses(v1) == ["paid", "paid"] + ["authorised"] * 4
    trail.new()

    with on(40):  # Nan now gives Lily tea every day: the package is changed, not at a review
        v2 = package_services.package_revise(
            package_id=v1.pk,
            by=u.prac_east,
            plan_id=plan.pk,
            justification="Tea every weekday now mum works late.",
            other_funding_checked=True,
            agreement_signed_on=None,  # carried from version 1
            review_by=day(100),
            items=weekly("Tea every weekday", nan, "45.00", 5, action),
        )
        assert v2.agreement_signed_on == day(29)
        package_services.package_submit(package_id=v2.pk, by=u.prac_east)
        assert tasks(case) == [("approve_team_manager", None)]
        v1.refresh_from_db()
        assert v1.status == "approved" and statuses(v1) == ["paid", "paid"] + ["authorised"] * 4, "in force until v2"
        package_services.package_approve(package_id=v2.pk, by=u.tm_east)
    v1.refresh_from_db()
    assert v1.status == "ended"
    assert statuses(v1) == ["paid", "paid"] + ["cancelled"] * 4, "paid ones untouched, the rest cancelled"
    assert statuses(v2) == ["scheduled"] * 5
    assert tasks(case) == [("authorise_payments", None)]
    assert [a for a, _ in trail.new()] == [
        "package_revised",
        "package_submitted",
        "package_approved",
        "package_ended",
        "payment_cancelled",
        "payment_cancelled",
        "payment_cancelled",
        "payment_cancelled",
        "payments_scheduled",
    ]
    with on(41):
        payment_services.payments_authorise_many(payment_ids=list(v2.payments.values_list("id", flat=True)), by=u.fin1)
        first = v2.payments.order_by("due_on").first()
        batch = payment_services.batch_create(by=u.fin1, payment_ids=[first.pk])
        payment_services.batch_approve(batch_id=batch.pk, by=u.fin2)
    assert statuses(v2) == ["batched"] + ["authorised"] * 4
    assert tasks(case) == []
    trail.new()

    # -- 4. a baby is expected ------------------------------------------------------------------
    with on(45):
        baby = case_services.child_add(
            case_id=case.pk, by=u.prac_east, last_name="Hardy", expected_on=day(120), reason="Mum is expecting"
        )
    assert (baby.date_of_birth, baby.expected_on) == (None, day(120))
    assert list(case.children.filter(removed_at__isnull=True).values_list("first_name", flat=True)) == ["Lily", ""]
    assert trail.new() == [("child_added", "prac.east")]
    assert tasks(case) == []

    # -- 5. the review opens; the lead is off and the case moves ---------------------------------
    scenario.fire_timers_on(day(70))
    assert tasks(case) == [("review", "prac.east")]
    with on(71):
        case_services.case_reassign(
            case_id=case.pk, by=u.tm_east, lead_practitioner=u.prac_east2, reason="Claire is on long-term leave"
        )
    case.refresh_from_db()
    assert case.lead_practitioner == u.prac_east2
    assert tasks(case) == [("review", "prac.east2")], "the new lead has the review at once"
    assert trail.new() == [("case_reassigned", "tm.east")]

    # -- 6. the family moves away: closed early ---------------------------------------------------
    with on(72):
        case_services.case_close(
            case_id=case.pk, by=u.prac_east2, reason="moved_away", note="The family moved to Bristol."
        )
    case.refresh_from_db()
    assert (case.status, case.close_reason, case.closed_by, case.closed_on) == (
        "closed",
        "moved_away",
        u.prac_east2,
        day(72),
    )
    assert tasks(case) == [], "closing cancels the review"
    waiting = Task.objects.filter(
        process_id=case.process_id, status__in=[STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED, STATUS.SCHEDULED]
    )
    assert sorted(t.flow_task.name for t in waiting) == ["reopen_period_ends", "reopen_request", "reopen_window"], (
        "only the reopening window waits: the casework, the package path and its review timer are cancelled"
    )
    v2.refresh_from_db()
    assert v2.status == "ended"
    assert statuses(v2) == ["batched"] + ["cancelled"] * 4, "the batched payment goes to the bank as approved"
    assert statuses(v1) == ["paid", "paid"] + ["cancelled"] * 4
    assert [a for a, _ in trail.new()] == [
        "case_closed",
        "package_ended",
        "payment_cancelled",
        "payment_cancelled",
        "payment_cancelled",
        "payment_cancelled",
    ]
    case.process.refresh_from_db()
    assert case.process.status != STATUS.DONE, "a manager may reopen it for a while"
    scenario.fire_timers_on(day(72 + settings.FGDM_REOPEN_DAYS + 1))
    case.process.refresh_from_db()
    assert case.process.status == STATUS.DONE
    assert trail.new() == []
    call_command("seal_audit", stdout=open("/dev/null", "w"))  # as its timer job did every minute
    call_command("verify_audit", stdout=open("/dev/null", "w"))


def on_day(days: int) -> datetime.datetime:
    """10:00 on day D0 + days (a meeting's time)."""
    return datetime.datetime.combine(day(days), datetime.time(10, 0)).astimezone()
