"""bench/bulk_cases.py: cases written in bulk keep the database's rules and read like real ones.

The generator skips the services (50,000 cases through them would take hours), so this checks
what the services would otherwise guarantee: every case has children and a network, held
meetings have a date, package totals are their items' and their payments', batches add up — and
that the selectors, the figures' scope and the services work on what it wrote.
"""

import datetime

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.db.models import Count, F, Q, Sum

from bench.bulk_cases import generate
from fgdm import services as case_services
from fgdm.constants import ENDED_STATUSES, CaseStatus, MeetingModel, MeetingStatus
from fgdm.models import Case, Child, ChildOutcome, FamilyPlan, Locality, Meeting, NetworkMember
from fgdm.selectors import case_list
from fgdm.services import ChildInput
from network_packages.constants import PackageStatus
from network_packages.models import Approval, SupportPackage
from payments.constants import PaymentStatus
from payments.models import Payment, PaymentBatch
from process.selectors import caseload
from reports.scope import figure_cases

CASES = 30
# The generator draws each case's state from its age, and how many draws a case takes depends on
# today's date: the same seed on another day is another sample. Thirty cases are a small sample (on
# 2026-12-08 seed 3 gave only "plan in place" and "closed"), so these tests run on one fixed day,
# and the clock ticks from there.
ON = datetime.datetime(2026, 11, 20, 10, 0, tzinfo=datetime.timezone.utc)


def quiet(*_):
    pass


@pytest.fixture
def bulk(db):
    with time_machine.travel(ON, tick=True):
        yield generate(cases=CASES, seed=3, practitioners_per_team=3, coordinators=2, log=quiet)


def user(username):
    return get_user_model().objects.get(username=username)


class TestBulkCases:
    def test_writes_the_cases_asked_for_everywhere(self, bulk):
        assert Case.objects.count() == CASES == bulk["fgdm.Case"]
        assert set(Case.objects.values_list("locality__code", flat=True)) == {
            "east",
            "purbeck",
            "dorchester",
            "west",
            "north",
            "chesil",
        }
        assert Case.objects.values("status").distinct().count() >= 3
        assert Case.objects.filter(status=CaseStatus.CLOSED).exists()
        assert Case.objects.filter(reference__startswith="FGDM-").count() == CASES
        oldest = Case.objects.order_by("opened_on").first().opened_on
        assert oldest >= datetime.date.today() - datetime.timedelta(days=3 * 366)

    def test_each_case_has_children_and_a_network(self, bulk):
        counts = Case.objects.annotate(
            children_n=Count("children", distinct=True), members_n=Count("network_members", distinct=True)
        )
        assert all(case.children_n >= 1 for case in counts)
        assert all(3 <= case.members_n <= 8 for case in counts)
        assert not NetworkMember.objects.filter(relationship="parent", is_parent=False).exists()
        assert not Child.objects.filter(date_of_birth__isnull=True, expected_on__isnull=True).exists()

    def test_meetings_and_plans_are_consistent(self, bulk):
        assert not Meeting.objects.filter(status=MeetingStatus.HELD, held_on__isnull=True).exists()
        assert not Meeting.objects.filter(model=MeetingModel.FGC, coordinator__isnull=True).exists()
        assert not Meeting.objects.filter(case__stage="pre_proceedings").exclude(model=MeetingModel.FGC).exists()
        assert not FamilyPlan.objects.exclude(meeting__status=MeetingStatus.HELD).exists()
        assert not Meeting.objects.filter(
            status__in=["scheduled", "prepared"], case__status__in=ENDED_STATUSES
        ).exists()
        # A case in "plan in place" has an accepted plan, its newest.
        for case in Case.objects.filter(status=CaseStatus.PLAN_ACCEPTED):
            assert case.plans.order_by("-version").first().status == "accepted"
        assert not Case.objects.filter(status__in=ENDED_STATUSES, closed_on__isnull=True).exists()
        assert not Case.objects.filter(closed_on__lt=F("opened_on")).exists()

    def test_closed_cases_have_outcome_checks_for_each_child(self, bulk):
        for case in Case.objects.filter(status=CaseStatus.CLOSED).prefetch_related("children", "child_outcomes"):
            assert {(o.child_id, o.checkpoint) for o in case.child_outcomes.all()} == {
                (child.pk, checkpoint)
                for child in case.children.all()
                for checkpoint in ("closure", "six_months", "twelve_months")
            }
        assert not ChildOutcome.objects.filter(recorded_at__isnull=False, due_on__gt=datetime.date.today()).exists()

    def test_package_totals_are_their_items_and_their_payments(self, bulk):
        packages = SupportPackage.objects.annotate(items_total=Sum(F("items__amount") * F("items__instalments")))
        assert packages.exists()
        for package in packages:
            assert package.total == package.items_total
        for package in SupportPackage.objects.filter(status__in=[PackageStatus.APPROVED, PackageStatus.ENDED]):
            # Added up in Python: SQLite sums decimals as floats.
            assert sum(payment.amount for payment in package.payments.all()) == package.total
            approved = Approval.objects.get(package=package, decision="approved")
            assert approved.tier == package.required_tier
            assert approved.approver_id != package.submitted_by_id
        assert not Payment.objects.filter(package__status__in=["draft", "submitted", "returned", "withdrawn"]).exists()

    def test_paid_payments_are_in_batches_that_add_up(self, bulk):
        assert not Payment.objects.filter(status=PaymentStatus.PAID, batch__isnull=True).exists()
        for batch in PaymentBatch.objects.prefetch_related("payments"):
            payments = batch.payments.all()
            assert (batch.payment_count, batch.total) == (len(payments), sum(p.amount for p in payments))
        paid_to_members = Payment.objects.filter(status=PaymentStatus.PAID, payee__isnull=False)
        assert not paid_to_members.filter(payee__bank_account__isnull=True).exists()
        assert not paid_to_members.filter(
            Q(payee__is_parent=True) | Q(payee__has_parental_responsibility=True)
        ).exists()

    def test_selectors_and_figures_read_it(self, bulk):
        sm, tm = user("sm"), user("tm.east")
        conflicted = Case.objects.filter(declared_conflicts__user=sm).count()
        assert case_list(user=sm).count() == CASES - conflicted
        east_team = Case.objects.filter(team__code="east").exclude(declared_conflicts__user=tm)
        assert set(Case.objects.filter(figure_cases(tm)).values_list("pk", flat=True)) == set(
            east_team.values_list("pk", flat=True)
        )
        rows = caseload(user=sm)
        open_cases = Case.objects.exclude(status__in=ENDED_STATUSES).exclude(lead_practitioner=None)
        assert sum(row["open_cases"] for row in rows) == open_cases.exclude(declared_conflicts__user=sm).count()

    def test_services_carry_on_after_it(self, bulk):
        """Keys were handed out by the generator: the database's own sequences must have moved past them."""
        case = case_services.case_create(
            by=user("prac.east"),
            family_name="After",
            locality=Locality.objects.get(code="east"),
            stage="family_help",
            referral_reason="A referral after the bulk load",
            children=[ChildInput(first_name="Amy", last_name="After", date_of_birth=datetime.date(2018, 1, 2))],
        )
        assert Case.objects.count() == CASES + 1
        assert case.children.count() == 1
        again = generate(cases=5, seed=4, practitioners_per_team=3, coordinators=2, log=quiet)
        assert again["fgdm.Case"] == 5
        assert Case.objects.count() == CASES + 6
