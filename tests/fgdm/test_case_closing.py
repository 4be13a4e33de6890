"""Close at any point (issue 12, part 4): a team manager declines a referral; the lead practitioner or a
manager closes a case at any step with a reason (no network identified: a manager's sign-off); closing
withdraws or ends the case's packages (payments not yet batched cancelled, batched and paid ones never
touched) and cancels its open tasks; a manager reopens it within FGDM_REOPEN_DAYS, after which a new
referral links to it. Each a service with one audit event, used by the API and the page alike."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from dateutil.relativedelta import relativedelta
from django.utils import timezone

from audit.models import DomainEvent
from core import workflow
from core.exceptions import InvalidTransition, NotPermitted, RuleBroken
from fgdm import services as case_services
from fgdm.constants import CaseStatus
from fgdm.models import Case
from network_packages import services as package_services
from network_packages.services import ItemInput
from payments import services as payment_services
from tests import scenario
from tests.helpers import ok, page_ok, post, referral_data

pytestmark = pytest.mark.django_db

# What a closed case's process waits for: a manager's reopening, or the end of the period.
REOPEN_STEPS = {"reopen_request", "reopen_period_ends"}


def steps(case) -> set[str]:
    """The names of the case's open tasks (the flow's nodes it waits at)."""
    return {task.flow_task.name for task in workflow.open_tasks(process_id=case.process_id)}


def events(case, action=None) -> list[DomainEvent]:
    qs = DomainEvent.objects.filter(case_id=case.pk).order_by("id")
    return list(qs.filter(action=action) if action else qs)


def on_day(day: datetime.date):
    """The clock at 10:00 on `day`."""
    return time_machine.travel(datetime.datetime.combine(day, datetime.time(10, 0)).astimezone(), tick=False)


def close(world, case, *, by=None, reason="needs_met", **kwargs):
    return case_services.case_close(case_id=case.pk, by=by or world.u.tm_east, reason=reason, **kwargs)


# -- the services --------------------------------------------------------------------------------


class TestCaseDecline:
    def test_a_manager_declines_a_referral_waiting_for_allocation(self, world, today):
        case = scenario.referral(world)
        assert "allocate" in steps(case)
        case = case_services.case_decline(case_id=case.pk, by=world.u.tm_east, reason="Already supported by CAMHS.")
        case.refresh_from_db()
        assert case.status == CaseStatus.DECLINED
        assert (case.closed_on, case.closed_by, case.close_note) == (
            today,
            world.u.tm_east,
            "Already supported by CAMHS.",
        )
        [event] = events(case, "referral_declined")
        assert (event.actor_username, event.from_state, event.to_state) == ("tm.east", "referred", "declined")
        assert event.reason == "Already supported by CAMHS."
        assert event.changes["retention_class"] == "children_in_need"
        # The flow closed the case: allocation is no longer waiting; a manager may reopen it.
        assert steps(case) <= REOPEN_STEPS
        assert workflow.waiting_for(process=case.process, action="case_reopened")

    @pytest.mark.parametrize(
        "who, state, reason, error",
        [
            ("prac_east", "referral", "No", NotPermitted),  # not a manager
            ("tm_west", "referral", "No", NotPermitted),  # another team's manager
            ("tm_east", "allocated", "No", InvalidTransition),  # no longer waiting for allocation
            ("tm_east", "declined", "No", InvalidTransition),  # already declined
            ("tm_east", "referral", "  ", RuleBroken),  # no reason
        ],
    )
    def test_refusals_change_nothing(self, world, who, state, reason, error):
        case = scenario.allocated(world) if state == "allocated" else scenario.referral(world)
        if state == "declined":
            case_services.case_decline(case_id=case.pk, by=world.u.tm_east, reason="Not for us")
        before, status = DomainEvent.objects.count(), Case.objects.get(pk=case.pk).status
        with pytest.raises(error) as refused:
            case_services.case_decline(case_id=case.pk, by=getattr(world.u, who), reason=reason)
        assert DomainEvent.objects.count() == before
        assert Case.objects.get(pk=case.pk).status == status
        if state == "allocated":
            assert "close it instead" in refused.value.message


def _meeting_planned(world):
    case, _ = scenario.with_network(world)
    case_services.meeting_schedule(
        case_id=case.pk,
        by=world.u.prac_east,
        model="fnm",
        scheduled_for=timezone.now() + datetime.timedelta(days=3),
        venue="Hub",
    )
    return case


# Every open step a case can be closed at: (how to get there, the step it waits at).
OPEN_STEPS = {
    "referred": (scenario.referral, "allocate"),
    "allocated": (scenario.allocated, "map_network"),
    "meeting_planned": (_meeting_planned, "hold_meeting"),
    "plan_agreed": (lambda world: scenario.meeting_held(world)[0], "accept_plan"),
    "package_submitted": (lambda world: scenario.package_submitted(world).case, "approve_team_manager"),
    "payments_scheduled": (lambda world: scenario.package_approved(world).case, "authorise_payments"),
}


class TestCaseClose:
    @pytest.mark.parametrize("at", sorted(OPEN_STEPS))
    def test_a_manager_closes_the_case_at_any_step_and_its_open_tasks_are_cancelled(self, world, today, at):
        reach, step = OPEN_STEPS[at]
        case = Case.objects.get(pk=reach(world).pk)
        assert step in steps(case)
        previous = case.status
        close(world, case, reason="family_declined", note="The family no longer wants help.")
        case.refresh_from_db()
        assert (case.status, case.closed_on, case.closed_by) == ("closed", today, world.u.tm_east)
        assert (case.close_reason, case.close_note) == ("family_declined", "The family no longer wants help.")
        assert steps(case) <= REOPEN_STEPS
        [event] = events(case, "case_closed")
        assert (event.from_state, event.to_state) == (previous, "closed")
        assert event.reason == "Family declined or withdrew: The family no longer wants help."

    def test_the_lead_practitioner_closes_and_the_retention_class_is_recorded(self, world, today):
        case = scenario.allocated(world)
        close(world, case, by=world.u.prac_east, reason="moved_away", outcome="remained_at_home")
        case.refresh_from_db()
        assert (case.closed_by, case.close_reason, case.outcome) == (
            world.u.prac_east,
            "moved_away",
            "remained_at_home",
        )
        [event] = events(case, "case_closed")
        # Lily, born 9 March 2017: kept until her 18th birthday plus seven years (children in need).
        assert event.changes == {
            "close_reason": "moved_away",
            "outcome": "remained_at_home",
            "outcome_checks": 3,  # Lily's outcome at closure, 6 and 12 months
            "retention_class": "children_in_need",
            "destroy_after": "2042-03-09",
        }

    def test_a_child_who_entered_care_makes_the_case_looked_after(self, world):
        case = scenario.allocated(world)
        close(world, case, by=world.u.prac_east, reason="entered_care")
        case.refresh_from_db()
        assert case.outcome == "entered_care"
        [event] = events(case, "case_closed")
        assert event.changes["retention_class"] == "looked_after"
        assert event.changes["destroy_after"] == (datetime.date(2017, 3, 9) + relativedelta(years=75)).isoformat()

    def test_no_network_identified_is_signed_off_by_a_manager(self, world):
        case = scenario.allocated(world)
        with pytest.raises(NotPermitted) as refused:
            close(world, case, by=world.u.prac_east, reason="no_network")
        assert refused.value.field == "reason"
        assert "signed off by a manager" in refused.value.message
        assert Case.objects.get(pk=case.pk).status == "allocated"
        close(world, case, by=world.u.tm_east, reason="no_network", note="Nobody in the family could be found.")
        assert Case.objects.get(pk=case.pk).close_reason == "no_network"

    @pytest.mark.parametrize(
        "who, reason, note, outcome, error, field",
        [
            ("prac_east2", "needs_met", "", "", NotPermitted, None),  # of the team, but not the lead
            ("prac_west", "needs_met", "", "", NotPermitted, None),
            ("tm_west", "needs_met", "", "", NotPermitted, None),  # another team's manager
            ("coord", "needs_met", "", "", NotPermitted, None),
            ("prac_east", "no_network", "", "", NotPermitted, "reason"),
            ("prac_east", "finished", "", "", RuleBroken, "reason"),  # not a close reason code
            ("prac_east", "other", "  ", "", RuleBroken, "note"),  # "other" needs a note
            ("prac_east", "needs_met", "", "happy", RuleBroken, "outcome"),
            ("prac_east", "entered_care", "", "remained_at_home", RuleBroken, "outcome"),
        ],
    )
    def test_refusals_change_nothing(self, world, who, reason, note, outcome, error, field):
        case = scenario.allocated(world)
        before = DomainEvent.objects.count()
        with pytest.raises(error) as refused:
            close(world, case, by=getattr(world.u, who), reason=reason, note=note, outcome=outcome)
        assert refused.value.field == field
        assert DomainEvent.objects.count() == before
        case.refresh_from_db()
        assert (case.status, case.closed_on, case.close_reason) == ("allocated", None, "")
        assert "map_network" in steps(case)

    def test_a_closed_case_cannot_be_closed_again(self, world):
        case = scenario.allocated(world)
        close(world, case, reason="other", note="Case opened by mistake.")
        with pytest.raises(InvalidTransition) as refused:
            close(world, case)
        assert "reopen" in refused.value.message

    def test_closing_ends_approved_packages_and_cancels_only_payments_not_yet_batched(self, world):
        package, payments = _package_with_payments_in_every_state(world)
        case = package.case
        # A change of the approved package waits as a draft: it is withdrawn.
        change = package_services.package_revise(
            package_id=package.pk,
            by=world.u.prac_east,
            plan_id=package.plan_id,
            justification="More weeks",
            other_funding_checked=True,
            agreement_signed_on=timezone.localdate(),
            review_by=timezone.localdate() + datetime.timedelta(days=60),
            items=[ItemInput.of(item) for item in package.items.all()],
        )
        close(world, case, by=world.u.prac_east, reason="needs_met")
        package.refresh_from_db()
        change.refresh_from_db()
        assert (package.status, change.status) == ("ended", "withdrawn")
        assert _statuses(payments) == ["paid", "batched", "cancelled", "cancelled"]
        assert [e.action for e in events(case)][-5:] == [
            "case_closed",
            "package_withdrawn",
            "package_ended",
            "payment_cancelled",
            "payment_cancelled",
        ]
        assert steps(case) <= REOPEN_STEPS


def _package_with_payments_in_every_state(world):
    """An approved weekly package of four payments: one paid, one batched, one authorised, one scheduled."""
    package = scenario.package_approved(world, amount=Decimal("25.00"), frequency="weekly", instalments=4)
    payee = package.items.first().payee
    payment_services.bank_account_set(
        member_id=payee.pk, by=world.u.fin1, account_name="M HARDY", sort_code="40-00-00", account_number="12165678"
    )
    payment_services.bank_account_verify(member_id=payee.pk, by=world.u.fin2)
    payments = list(package.payments.order_by("due_on", "id"))
    for payment in payments[:3]:
        payment_services.payment_authorise(payment_id=payment.pk, by=world.u.fin1)
    paid = payment_services.batch_create(by=world.u.fin1, payment_ids=[payments[0].pk])
    payment_services.batch_approve(batch_id=paid.pk, by=world.u.fin2)
    payment_services.batch_export(batch_id=paid.pk, by=world.u.fin1)
    payment_services.batch_confirm(batch_id=paid.pk, by=world.u.fin2)
    batched = payment_services.batch_create(by=world.u.fin1, payment_ids=[payments[1].pk])
    payment_services.batch_approve(batch_id=batched.pk, by=world.u.fin2)
    assert _statuses(payments) == ["paid", "batched", "authorised", "scheduled"]
    return package, payments


def _statuses(payments) -> list[str]:
    for payment in payments:
        payment.refresh_from_db()
    return [payment.status for payment in payments]


class TestPackagesCloseWithCase:
    """The flow's close step calls this; here it is called on its own."""

    @staticmethod
    def _closed_without_the_flow(case):
        # The case as the flow's close step finds it: closed, its packages not yet touched.
        Case.objects.filter(pk=case.pk).update(status=CaseStatus.CLOSED, closed_on=timezone.localdate())

    def test_only_scheduled_and_authorised_payments_are_cancelled(self, world):
        package, payments = _package_with_payments_in_every_state(world)
        self._closed_without_the_flow(package.case)
        last = DomainEvent.objects.order_by("-id").first().pk
        changed = package_services.packages_close_with_case(
            case=package.case, by=world.u.tm_east, reason="the case was closed: needs met"
        )
        assert [p.pk for p in changed] == [package.pk]
        package.refresh_from_db()
        assert package.status == "ended"
        assert _statuses(payments) == ["paid", "batched", "cancelled", "cancelled"]
        written = list(DomainEvent.objects.filter(pk__gt=last).order_by("id"))
        assert [(e.action, e.actor_username) for e in written] == [
            ("package_ended", "tm.east"),
            ("payment_cancelled", "tm.east"),
            ("payment_cancelled", "tm.east"),
        ]
        assert written[0].reason == "The case was closed: needs met"
        # Once is enough: a second call finds nothing to close.
        assert package_services.packages_close_with_case(case=package.case, by=world.u.tm_east, reason="x") == []
        assert DomainEvent.objects.filter(pk__gt=written[-1].pk).count() == 0

    def test_a_submitted_package_is_withdrawn(self, world):
        package = scenario.package_submitted(world)
        self._closed_without_the_flow(package.case)
        [withdrawn] = package_services.packages_close_with_case(case=package.case, by=world.u.tm_east, reason="Moved")
        assert withdrawn.status == "withdrawn"
        package.refresh_from_db()
        assert package.status == "withdrawn"
        assert not package.payments.exists()

    def test_an_open_case_keeps_its_packages(self, world):
        package = scenario.package_approved(world)
        with pytest.raises(InvalidTransition):
            package_services.packages_close_with_case(case=package.case, by=world.u.tm_east, reason="x")
        package.refresh_from_db()
        assert package.status == "approved"


class TestCaseReopen:
    def test_a_closed_case_goes_back_to_its_lead_and_the_network(self, world, today):
        case = scenario.allocated(world)
        close(world, case, by=world.u.prac_east, reason="family_declined", note="Changed their minds")
        case = case_services.case_reopen(case_id=case.pk, by=world.u.tm_east, reason="The family asked again.")
        case.refresh_from_db()
        assert case.status == "allocated"
        assert (case.closed_on, case.closed_by, case.close_reason, case.close_note) == (None, None, "", "")
        assert "map_network" in steps(case)
        [event] = events(case, "case_reopened")
        assert (event.from_state, event.to_state, event.reason) == ("closed", "allocated", "The family asked again.")
        # What the closing said stays in the trail.
        assert event.changes == {
            "closed_on": [today.isoformat(), None],
            "closed_by": ["prac.east", None],
            "close_reason": ["family_declined", None],
            "close_note": ["Changed their minds", None],
        }

    def test_a_declined_referral_waits_for_allocation_again(self, world):
        case = scenario.referral(world)
        case_services.case_decline(case_id=case.pk, by=world.u.tm_east, reason="Wrong area")
        case_services.case_reopen(case_id=case.pk, by=world.u.sm, reason="The family moved back.")
        case.refresh_from_db()
        assert case.status == "referred"
        assert "allocate" in steps(case)

    def test_a_case_with_an_accepted_plan_waits_for_its_review(self, world):
        case, _, plan = scenario.meeting_held(world)
        case_services.plan_accept(plan_id=plan.pk, by=world.u.prac_east, support_needed=False)
        close(world, case, by=world.u.prac_east, reason="needs_met", outcome="remained_at_home")
        case_services.case_reopen(case_id=case.pk, by=world.u.tm_east, reason="Nan is in hospital now.")
        case.refresh_from_db()
        assert (case.status, case.outcome) == ("plan_accepted", "")
        assert "review" in steps(case)

    def test_within_the_period_and_not_after(self, world, settings):
        settings.FGDM_REOPEN_DAYS = 28
        first, second = scenario.allocated(world), scenario.allocated(world)
        close(world, first)
        close(world, second)
        closed_on = timezone.localdate()
        with on_day(closed_on + datetime.timedelta(days=28)):
            case_services.case_reopen(case_id=first.pk, by=world.u.tm_east, reason="In time")
        scenario.fire_timers_on(closed_on + datetime.timedelta(days=29))
        with on_day(closed_on + datetime.timedelta(days=29)):
            with pytest.raises(InvalidTransition) as refused:
                case_services.case_reopen(case_id=second.pk, by=world.u.tm_east, reason="Too late")
        assert "make a new referral linked to this case" in refused.value.message.lower()
        assert Case.objects.get(pk=second.pk).status == "closed"

    def test_the_period_is_a_setting(self, world, settings):
        settings.FGDM_REOPEN_DAYS = 3
        case = scenario.allocated(world)
        close(world, case)
        with on_day(timezone.localdate() + datetime.timedelta(days=4)):
            with pytest.raises(InvalidTransition):
                case_services.case_reopen(case_id=case.pk, by=world.u.tm_east, reason="Too late")

    @pytest.mark.parametrize(
        "who, closed, reason, error",
        [
            ("prac_east", True, "Again", NotPermitted),  # reopening is a manager's
            ("tm_west", True, "Again", NotPermitted),
            ("tm_east", False, "Again", InvalidTransition),  # open
            ("tm_east", True, " ", RuleBroken),  # no reason
        ],
    )
    def test_refusals_change_nothing(self, world, who, closed, reason, error):
        case = scenario.allocated(world)
        if closed:
            close(world, case)
        before = DomainEvent.objects.count()
        with pytest.raises(error):
            case_services.case_reopen(case_id=case.pk, by=getattr(world.u, who), reason=reason)
        assert DomainEvent.objects.count() == before
        assert Case.objects.get(pk=case.pk).status == ("closed" if closed else "allocated")


def test_a_meeting_still_to_be_held_is_cancelled_when_the_case_closes(world):
    case = _meeting_planned(world)
    meeting = case.meetings.get()
    close(world, case, by=world.u.prac_east, reason="family_declined", note="They withdrew")
    later = timezone.now() + datetime.timedelta(days=10)
    with pytest.raises(InvalidTransition) as refused:
        case_services.meeting_reschedule(meeting_id=meeting.pk, by=world.u.prac_east, scheduled_for=later, reason="x")
    assert "reopen" in refused.value.message
    meeting.refresh_from_db()
    assert (meeting.status, meeting.cancel_reason) == ("cancelled", "The case closed: family declined or withdrew.")
    assert [e.action for e in events(case)][-2:] == ["case_closed", "meeting_cancelled"]
    # Reopened, the case maps its network again and arranges a new meeting.
    case_services.case_reopen(case_id=case.pk, by=world.u.tm_east, reason="They came back")
    assert Case.objects.get(pk=case.pk).status == "allocated"
    assert "map_network" in steps(case)
    case_services.meeting_schedule(case_id=case.pk, by=world.u.prac_east, model="fnm", scheduled_for=later, venue="Hub")
    assert Case.objects.get(pk=case.pk).status == "meeting_planned"
    assert "hold_meeting" in steps(case)


class TestPreviousCase:
    def test_a_new_referral_follows_a_closed_case(self, world):
        old = scenario.allocated(world)
        close(world, old)
        new = case_services.case_create(
            by=world.u.prac_east,
            family_name="Hardy",
            locality=world.east,
            stage="family_help",
            referral_reason="Mum is unwell again.",
            children=[case_services.ChildInput("Lily", "Hardy", datetime.date(2017, 3, 9))],
            previous_case=old.reference.lower(),
        )
        assert new.previous_case == old
        assert list(old.later_cases.all()) == [new]
        [event] = events(new, "case_referred")
        assert event.changes == {"previous_case": old.reference}

    @pytest.mark.parametrize("which", ["open", "other_team", "unknown"])
    def test_only_a_closed_case_the_referrer_sees(self, world, which):
        if which == "open":
            previous = scenario.allocated(world).pk
        elif which == "other_team":
            west = scenario.allocated(world, locality=world.west)
            close(world, west, by=world.u.tm_west)
            previous = west.pk
        else:
            previous = "FGDM-2020-999999"
        count = Case.objects.count()
        with pytest.raises(RuleBroken) as refused:
            case_services.case_create(
                by=world.u.prac_east,
                family_name="Hardy",
                locality=world.east,
                stage="family_help",
                referral_reason="Again",
                children=[case_services.ChildInput("Lily", "Hardy", datetime.date(2017, 3, 9))],
                previous_case=previous,
            )
        assert refused.value.field == "previous_case"
        assert Case.objects.count() == count


# -- the API --------------------------------------------------------------------------------------


class TestApi:
    def test_decline(self, world, api):
        case = scenario.referral(world)
        url = f"/api/v1/cases/{case.pk}/decline/"
        assert api.as_user(world.u.tm_east).post(url, {}, format="json").json() == {
            "reason": ["This field is required."]
        }
        assert api.as_user(world.u.prac_east).post(url, {"reason": "No"}, format="json").status_code == 403
        assert api.as_user(world.u.tm_west).post(url, {"reason": "No"}, format="json").status_code == 404
        body = ok(api.as_user(world.u.tm_east).post(url, {"reason": "Already supported."}, format="json"))
        assert (body["status"], body["close_note"], body["closed_by"]) == ("declined", "Already supported.", "tm.east")
        again = api.as_user(world.u.tm_east).post(url, {"reason": "No"}, format="json")
        assert again.status_code == 409 and "declined" in again.json()["detail"]

    def test_close(self, world, api):
        case = scenario.allocated(world)
        url = f"/api/v1/cases/{case.pk}/close/"
        lead = api.as_user(world.u.prac_east)
        bad = lead.post(url, {"reason": "finished"}, format="json")
        assert bad.status_code == 400 and "reason" in bad.json()
        assert lead.post(url, {"reason": "other"}, format="json").json() == {
            "note": ["Say why the case closes: a note is needed when the reason is “other”."]
        }
        no_network = lead.post(url, {"reason": "no_network"}, format="json")
        assert no_network.status_code == 403 and "signed off by a manager" in no_network.json()["detail"]
        assert api.as_user(world.u.prac_east2).post(url, {"reason": "needs_met"}, format="json").status_code == 403
        assert api.as_user(world.u.prac_west).post(url, {"reason": "needs_met"}, format="json").status_code == 404
        assert api.as_user(world.u.auditor).post(url, {"reason": "needs_met"}, format="json").status_code == 403
        lead = api.as_user(world.u.prac_east)  # one client: as_user switches who it is
        body = ok(
            lead.post(url, {"reason": "stepped_up", "note": "Child protection plan", "outcome": ""}, format="json")
        )
        assert {k: body[k] for k in ("status", "close_reason", "close_note", "closed_by", "previous_case")} == {
            "status": "closed",
            "close_reason": "stepped_up",
            "close_note": "Child protection plan",
            "closed_by": "prac.east",
            "previous_case": None,
        }
        again = lead.post(url, {"reason": "needs_met"}, format="json")
        assert again.status_code == 409 and "reopen" in again.json()["detail"]

    def test_reopen(self, world, api):
        case = scenario.allocated(world)
        close(world, case)
        url = f"/api/v1/cases/{case.pk}/reopen/"
        assert api.as_user(world.u.prac_east).post(url, {"reason": "Again"}, format="json").status_code == 403
        assert api.as_user(world.u.tm_west).post(url, {"reason": "Again"}, format="json").status_code == 404
        assert api.as_user(world.u.tm_east).post(url, {}, format="json").status_code == 400
        with on_day(timezone.localdate() + datetime.timedelta(days=60)):
            late = api.as_user(world.u.tm_east).post(url, {"reason": "Again"}, format="json")
        assert late.status_code == 409
        assert "make a new referral linked to this case" in late.json()["detail"].lower()
        body = ok(api.as_user(world.u.tm_east).post(url, {"reason": "Again"}, format="json"))
        assert (body["status"], body["closed_on"], body["close_reason"]) == ("allocated", None, "")
        opened = api.as_user(world.u.tm_east).post(url, {"reason": "Again"}, format="json")
        assert opened.status_code == 409 and "open" in opened.json()["detail"]

    def test_a_referral_names_the_case_it_follows_by_id(self, world, api):
        old = scenario.allocated(world)
        client = api.as_user(world.u.prac_east)
        body = {
            "family_name": "Hardy",
            "locality": "east",
            "stage": "family_help",
            "referral_reason": "Again",
            "children": [{"first_name": "Lily", "last_name": "Hardy", "date_of_birth": "2017-03-09"}],
            "previous_case": old.pk,
        }
        refused = client.post("/api/v1/cases/", body, format="json")
        assert refused.status_code == 400 and "still open" in refused.json()["previous_case"][0]
        assert client.post("/api/v1/cases/", {**body, "previous_case": "x"}, format="json").status_code == 400
        close(world, old)
        new = ok(client.post("/api/v1/cases/", body, format="json"), 201)
        assert new["previous_case"] == old.pk
        assert ok(client.get(f"/api/v1/cases/{new['id']}/"))["previous_case"] == old.pk


# -- the pages ------------------------------------------------------------------------------------


def _offered(client, case) -> set[str]:
    page = client.get(f"/cases/{case.pk}/").content.decode()
    return {
        label
        for label, url in (
            ("decline", f"/cases/{case.pk}/decline/"),
            ("close", f"/cases/{case.pk}/close/"),
            ("reopen", f"/cases/{case.pk}/reopen/"),
        )
        if f'href="{url}"' in page
    }


class TestPages:
    def test_each_step_is_offered_only_to_whom_may_take_it_now(self, world, client):
        referral, allocated = scenario.referral(world), scenario.allocated(world)
        people = {name: getattr(world.u, name) for name in ("prac_east", "prac_east2", "tm_east", "auditor")}

        def offered(case):
            result = {}
            for name, person in people.items():
                client.force_login(person)
                result[name] = _offered(client, case)
            return result

        assert offered(referral) == {
            "prac_east": set(),  # not its lead (it has none yet)
            "prac_east2": set(),
            "tm_east": {"decline", "close"},
            "auditor": set(),
        }
        assert offered(allocated) == {
            "prac_east": {"close"},
            "prac_east2": set(),
            "tm_east": {"close"},
            "auditor": set(),
        }
        close(world, allocated)
        assert offered(allocated) == {"prac_east": set(), "prac_east2": set(), "tm_east": {"reopen"}, "auditor": set()}
        with on_day(timezone.localdate() + datetime.timedelta(days=40)):
            client.force_login(world.u.tm_east)
            page = client.get(f"/cases/{allocated.pk}/").content.decode()
            assert "reopen" not in _offered(client, allocated)
            assert f"/cases/new/?previous_case={allocated.reference}" in page

    def test_decline_page(self, world, client):
        case = scenario.referral(world)
        client.force_login(world.u.tm_east)
        page_ok(client, f"/cases/{case.pk}/decline/")
        assert client.post(f"/cases/{case.pk}/decline/", {"reason": ""}).status_code == 400
        post(client, f"/cases/{case.pk}/decline/", {"reason": "Already supported by CAMHS."})
        case.refresh_from_db()
        assert case.status == "declined"
        page = page_ok(client, f"/cases/{case.pk}/").content.decode()
        assert "Referral declined" in page and "Already supported by CAMHS." in page
        client.force_login(world.u.prac_east)
        assert client.get(f"/cases/{case.pk}/decline/").status_code == 403

    def test_close_page(self, world, client):
        case = scenario.allocated(world)
        client.force_login(world.u.prac_east)
        page = page_ok(client, f"/cases/{case.pk}/close/").content.decode()
        assert 'value="no_network"' in page and 'type="radio"' in page
        refused = client.post(f"/cases/{case.pk}/close/", {"reason": "no_network"})
        assert refused.status_code == 403 and "signed off by a manager" in refused.content.decode()
        assert client.post(f"/cases/{case.pk}/close/", {"reason": "other"}).status_code == 400
        assert client.post(f"/cases/{case.pk}/close/", {"reason": "nope"}).status_code == 400
        post(client, f"/cases/{case.pk}/close/", {"reason": "moved_away", "note": "To Cornwall", "outcome": ""})
        case.refresh_from_db()
        assert (case.status, case.close_reason) == ("closed", "moved_away")
        page = page_ok(client, f"/cases/{case.pk}/").content.decode()
        assert "Moved out of area" in page and "To Cornwall" in page
        again = client.post(f"/cases/{case.pk}/close/", {"reason": "needs_met"})
        assert again.status_code == 409
        client.force_login(world.u.prac_west)
        assert client.get(f"/cases/{case.pk}/close/").status_code == 404

    def test_reopen_page(self, world, client):
        case = scenario.allocated(world)
        close(world, case)
        client.force_login(world.u.tm_east)
        assert "can be reopened until" in page_ok(client, f"/cases/{case.pk}/reopen/").content.decode()
        with on_day(timezone.localdate() + datetime.timedelta(days=30)):
            client.force_login(world.u.tm_east)  # a new session on that day
            late = client.post(f"/cases/{case.pk}/reopen/", {"reason": "Again"})
        client.force_login(world.u.tm_east)
        assert late.status_code == 409 and "make a new referral linked to this case" in late.content.decode().lower()
        post(client, f"/cases/{case.pk}/reopen/", {"reason": "The family asked again."})
        case.refresh_from_db()
        assert case.status == "allocated"
        client.force_login(world.u.prac_east)
        assert client.get(f"/cases/{case.pk}/reopen/").status_code == 403

    def test_a_new_referral_names_the_case_it_follows_by_reference(self, world, client):
        old = scenario.allocated(world)
        close(world, old)
        client.force_login(world.u.prac_east)
        form = page_ok(client, f"/cases/new/?previous_case={old.reference}").content.decode()
        assert f'value="{old.reference}"' in form
        refused = client.post("/cases/new/", referral_data(locality=str(world.east.pk), previous_case="FGDM-1-1"))
        assert refused.status_code == 400 and "No case you can see has that reference" in refused.content.decode()
        post(client, "/cases/new/", referral_data(locality=str(world.east.pk), previous_case=old.reference))
        new = Case.objects.get(previous_case=old)
        assert f'href="/cases/{old.pk}/"' in page_ok(client, f"/cases/{new.pk}/").content.decode()
        assert f'href="/cases/{new.pk}/"' in page_ok(client, f"/cases/{old.pk}/").content.decode()


class TestRetention:
    def test_a_declined_referral_is_kept_as_a_closed_case_and_its_reason_removed_with_the_rest(self, world):
        from django.core.management import call_command

        case = case_services.case_create(
            by=world.u.prac_east,
            family_name="Hardy",
            locality=world.east,
            stage="family_help",
            referral_reason="Mum in hospital",
            children=[case_services.ChildInput("Lily", "Hardy", datetime.date(2017, 3, 9))],
        )
        scenario.born_long_ago(case)
        case_services.case_decline(case_id=case.pk, by=world.u.tm_east, reason="The Hardys moved to Leeds.")
        [declined] = events(case, "referral_declined")
        assert declined.changes == {"retention_class": "children_in_need", "destroy_after": "2020-06-01"}
        call_command("apply_retention", stdout=open("/dev/null", "w"))
        case.refresh_from_db()
        assert (case.family_name, case.close_note, case.status) == ("Removed", "Removed", "declined")
        assert events(case, "retention_applied")
