"""Each dashboard figure against a hand-built set of cases where the right answer is known.

Cases are built through the services (tests/scenario.py); the dates the services stamp as today
are then moved back with a plain update, as a case opened weeks ago would have them."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from fgdm import services as case_services
from fgdm.models import Case, ChildOutcome, FamilyPlan, Meeting, PlanAction
from network_packages import services as package_services
from network_packages.models import Budget, SupportPackage
from reports import figures
from reports.scope import Filters
from tests import scenario

pytestmark = pytest.mark.django_db


def days_ago(n: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=n)


def period(**cuts) -> Filters:
    return Filters(date_from=days_ago(90), date_to=timezone.localdate(), **cuts)


def table(section: figures.Section, slug: str) -> dict[str, tuple]:
    """A table of a section as {row label: values}."""
    found = next(t for t in section.tables if t.slug == slug)
    return {row.label: row.values for row in found.rows}


def held_case(world, *, opened: int, held: int, agreed: int, model="fnm", **kwargs):
    """A case whose meeting was held: opened `opened` days ago, its meeting held `held` days ago and
    its plan agreed `agreed` days ago."""
    case, grandmother, plan = scenario.meeting_held(world, model=model, **kwargs)
    Case.objects.filter(pk=case.pk).update(opened_on=days_ago(opened))
    Meeting.objects.filter(case=case).update(held_on=days_ago(held))
    FamilyPlan.objects.filter(pk=plan.pk).update(agreed_on=days_ago(agreed))
    return case, grandmother, plan


class TestReferralsAndMeetings:
    def test_three_meetings_held_median_14_days(self, world):
        # Referral to meeting: 10, 14 and 30 days; meeting to plan: 2, 4 and 7 days.
        held_case(world, opened=20, held=10, agreed=8)
        held_case(world, opened=24, held=10, agreed=6)
        held_case(world, opened=40, held=10, agreed=3, model="fgc")
        declined = scenario.referral(world)
        case_services.case_decline(case_id=declined.pk, by=world.u.tm_east, reason="Not for FGDM: support elsewhere")

        section = figures.referrals_and_meetings(world.u.sm, period())

        assert table(section, "referrals") == {
            "Referrals received": (4,),
            "Referrals declined by a manager": (1,),
            "Closed because the family declined or withdrew": (0,),
        }
        meetings = table(section, "meetings")
        assert meetings["Meetings held"] == (2, 1)
        assert meetings["Meetings offered (arranged)"] == (2, 1)
        assert meetings["Meetings cancelled"] == (0, 0)
        timing = table(section, "timeliness")
        assert timing["From referral to the first meeting held"] == (Decimal("14"), 3)
        assert timing["From the meeting to the family's plan"] == (Decimal("4"), 3)

    def test_median_of_an_even_count_is_the_mean_of_the_middle_two(self, world):
        held_case(world, opened=20, held=10, agreed=10)
        held_case(world, opened=25, held=10, agreed=10)
        timing = table(figures.referrals_and_meetings(world.u.sm, period()), "timeliness")
        assert timing["From referral to the first meeting held"] == (Decimal("12.5"), 2)
        assert timing["From the meeting to the family's plan"] == (Decimal("0"), 2)

    def test_no_meeting_no_median(self, world):
        timing = table(figures.referrals_and_meetings(world.u.sm, period()), "timeliness")
        assert timing["From referral to the first meeting held"] == (None, 0)

    def test_a_meeting_held_before_the_period_is_not_counted(self, world):
        held_case(world, opened=200, held=100, agreed=100)
        section = figures.referrals_and_meetings(world.u.sm, period())
        assert table(section, "meetings")["Meetings held"] == (0, 0)
        assert table(section, "referrals")["Referrals received"] == (0,)
        assert table(section, "timeliness")["From referral to the first meeting held"] == (None, 0)

    def test_cancelled_meeting_and_family_declined(self, world):
        case, _ = scenario.with_network(world)
        meeting = case_services.meeting_schedule(
            case_id=case.pk,
            by=case.lead_practitioner,
            model="fnm",
            scheduled_for=timezone.now() + datetime.timedelta(days=3),
            venue="Hub",
        )
        case_services.meeting_cancel(meeting_id=meeting.pk, by=case.lead_practitioner, reason="Nan is unwell")
        case_services.case_close(case_id=case.pk, by=case.lead_practitioner, reason="family_declined")
        section = figures.referrals_and_meetings(world.u.sm, period())
        assert table(section, "meetings")["Meetings cancelled"] == (1, 0)
        assert table(section, "referrals")["Closed because the family declined or withdrew"] == (1,)


class TestPlans:
    def test_agreed_accepted_returned_revised_and_actions(self, world):
        case, _, plan = scenario.plan_accepted(world)
        _, _, returned = scenario.meeting_held(world)
        case_services.plan_return(plan_id=returned.pk, by=world.u.prac_east, reason="Who picks Lily up?")
        revised = case_services.plan_revise(
            plan_id=returned.pk,
            by=world.u.prac_east,
            actions=[case_services.ActionInput(description="Aunt Jo picks Lily up", owner_text="Aunt Jo")],
            contingency="Nan",
            review_by=timezone.localdate() + datetime.timedelta(days=30),
        )
        action = plan.actions.get()
        case_services.action_mark_done(action_id=action.pk, by=world.u.prac_east)
        # An open action of the accepted plan, due a week ago: overdue.
        PlanAction.objects.create(plan=plan, description="Mum rings school", owner_text="Mum", due_by=days_ago(7))

        section = figures.plans(world.u.sm, period())
        assert table(section, "plans") == {
            "Plans agreed by the family": (3,),
            "Plans accepted by the practitioner": (1,),
            "Plans returned to the family": (1,),
            "Revised plans (a second or later version)": (1,),
        }
        assert revised.version == 2
        assert table(section, "actions") == {"Actions done": (1,), "Actions overdue": (1,)}


class TestSupport:
    def test_categories_tiers_months_budget_sizes(self, world):
        scenario.no_payee_cap_or_checks()
        scenario.package_approved(world)  # £300 sofa bed, approved by tm.east
        big = scenario.package_submitted(world, amount=Decimal("800.00"))
        package_services.package_approve(package_id=big.pk, by=world.u.tm_east, note="Endorsed")
        package_services.package_approve(package_id=big.pk, by=world.u.sm, note="Agreed")
        scenario.package_submitted(world, amount=Decimal("50.00"))  # waiting: not approved, not counted
        from network_packages.selectors import financial_year_of

        Budget.objects.create(locality=world.east, financial_year=financial_year_of(timezone.localdate()), amount=10000)

        section = figures.support(world.u.sm, Filters(date_from=timezone.localdate(), date_to=timezone.localdate()))

        categories = table(section, "categories")
        assert categories["Furniture and bedding"] == (2, Decimal("1100.00"))
        assert categories["Childcare"] == (0, Decimal("0.00"))
        tiers = table(section, "tiers")
        assert tiers["Team manager"] == (1, Decimal("300.00"))
        assert tiers["Service manager"] == (1, Decimal("800.00"))
        assert tiers["Head of service"] == (0, Decimal("0.00"))
        assert table(section, "months") == {timezone.localdate().strftime("%B %Y"): (2, Decimal("1100.00"))}
        assert table(section, "budget") == {
            "East": (Decimal("1100.00"), Decimal("10000.00")),
            "West": (Decimal("0.00"), None),
        }
        assert table(section, "sizes") == {
            "Average package": (Decimal("550.00"),),
            "Largest package": (Decimal("800.00"),),
        }
        assert table(section, "repeats") == {
            "Families with a package approved in the period": (2,),
            "Of whom, families with more than one package": (0,),
        }

    def test_a_second_package_for_a_family_is_a_repeat(self, world):
        first = scenario.package_approved(world)
        case = first.case
        package_services.package_end(package_id=first.pk, by=case.lead_practitioner, reason="Mum is home")
        plan = case.plans.get()
        second = package_services.package_create(
            case_id=case.pk,
            by=case.lead_practitioner,
            plan_id=plan.pk,
            justification="Bus fares to school",
            other_funding_checked=True,
            agreement_signed_on=timezone.localdate(),
            review_by=timezone.localdate() + datetime.timedelta(days=42),
            items=[package_services.ItemInput("Bus fares", "transport", first.items.get().payee_id, Decimal("40.00"))],
        )
        package_services.package_submit(package_id=second.pk, by=case.lead_practitioner)
        package_services.package_approve(package_id=second.pk, by=world.u.tm_east)

        section = figures.support(world.u.tm_east, period())
        assert table(section, "repeats") == {
            "Families with a package approved in the period": (1,),
            "Of whom, families with more than one package": (1,),
        }
        # The ended package counts what went to the bank from it (nothing yet), the new one its total.
        assert table(section, "budget")["East"][0] == Decimal("40.00")
        assert SupportPackage.objects.filter(case=case).count() == 2


class TestPreProceedings:
    def test_offer_acceptance_meeting_exemption_application(self, world):
        case, _, _ = scenario.meeting_held(world, model="fgc")
        case_services.pre_proceedings_record_intention(
            case_id=case.pk, by=world.u.prac_east, order_kind="care", intended_on=days_ago(20)
        )
        sarah = case.network_members.get(is_parent=True)
        offer = case_services.pre_proceedings_record_offer(
            case_id=case.pk, by=world.u.prac_east, method="letter", offered_on=days_ago(19), member_id=sarah.pk
        )
        case_services.pre_proceedings_record_answer(
            case_id=case.pk, by=world.u.prac_east, offer_id=offer.pk, answer="accepted", answered_on=days_ago(18)
        )
        Meeting.objects.filter(case=case).update(held_on=days_ago(5))
        case_services.pre_proceedings_record_application(case_id=case.pk, by=world.u.tm_east, made_on=days_ago(1))

        other = scenario.allocated(world)
        case_services.pre_proceedings_record_intention(
            case_id=other.pk, by=world.u.prac_east, order_kind="supervision", intended_on=days_ago(3)
        )
        case_services.pre_proceedings_record_exemption(case_id=other.pk, by=world.u.tm_east, reason="Risk to Lily")

        assert table(figures.pre_proceedings(world.u.sm, period()), "pre-proceedings") == {
            "Intentions to apply to court recorded": (2,),
            "People offered a meeting": (1,),
            "Offers accepted": (1,),
            "Offers declined": (0,),
            "Meetings held before the application": (1,),
            "Best-interests exemptions": (1,),
            "Applications to court made": (1,),
        }


class TestOutcomes:
    def test_recorded_outcomes_and_checks_awaited(self, world):
        case = scenario.closed_case(world)
        at_closure = ChildOutcome.objects.get(case=case, checkpoint="closure")
        case_services.outcome_record(
            outcome_id=at_closure.pk,
            by=world.u.prac_east,
            living_with="kin",
            on_child_protection_plan=False,
            proceedings_issued=False,
            entered_care=False,
        )
        rows = table(figures.outcomes(world.u.sm, period()), "outcomes")
        assert rows["Checks recorded"] == (1, 0, 0)
        assert rows["Living with family or friends (kinship care)"] == (1, 0, 0)
        assert rows["Living at home"] == (0, 0, 0)
        assert rows["Not on a child protection plan"] == (1, 0, 0)
        assert rows["No care proceedings issued"] == (1, 0, 0)
        assert rows["Entered care"] == (0, 0, 0)
        assert rows["Checks due and not yet recorded"] == (0, 0, 0)
        assert rows["Checks not yet due"] == (0, 1, 1)
