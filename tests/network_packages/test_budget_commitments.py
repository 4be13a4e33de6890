"""Issue 14: after a package ends, what was paid on it stays in the budget's commitments (it had
dropped out, so "remaining" was wrong). A package in force counts its whole total; an ended one, or
the version a changed package replaces, what went to the bank."""

from decimal import Decimal

import pytest
from django.utils import timezone

from network_packages import services as package_services
from network_packages.models import Budget
from network_packages.selectors import committed_in, financial_year_of
from payments import services as payment_services
from tests import scenario


def paid_weekly(world, *, sent=2, instalments=6):
    """£25 a week for `instalments` weeks; the first `sent` instalments batched, exported and paid."""
    package = scenario.payments_authorised(world, amount=Decimal("25.00"), frequency="weekly", instalments=instalments)
    first = list(package.payments.order_by("due_on").values_list("pk", flat=True)[:sent])
    batch = payment_services.batch_create(by=world.u.fin1, payment_ids=first)
    payment_services.batch_approve(batch_id=batch.pk, by=world.u.fin2)
    payment_services.batch_export(batch_id=batch.pk, by=world.u.fin1)
    payment_services.batch_confirm(batch_id=batch.pk, by=world.u.fin2)
    return package


def east_line(api, world, year):
    body = api.as_user(world.u.fin1).get(f"/api/v1/budgets/?financial_year={year}").json()
    return next(line for line in body["results"] if line["locality"] == "east")


@pytest.mark.django_db
class TestEndedPackagesStayCounted:
    def test_report_counts_what_was_paid_on_an_ended_package(self, world, api):
        year = financial_year_of(timezone.localdate())
        Budget.objects.create(locality=world.east, financial_year=year, amount=Decimal("1000.00"))
        package = paid_weekly(world)
        assert east_line(api, world, year)["committed"] == "150.00"
        package_services.package_end(package_id=package.pk, by=world.u.prac_east, reason="Mum is home")
        line = east_line(api, world, year)
        assert (line["committed"], line["paid"], line["remaining"]) == ("50.00", "50.00", "950.00")

    def test_the_approvers_position_counts_it_too(self, world, api):
        year = financial_year_of(timezone.localdate())
        package = paid_weekly(world)
        package_services.package_end(package_id=package.pk, by=world.u.prac_east, reason="Mum is home")
        assert committed_in(locality_id=world.east.pk, financial_year=year) == Decimal("50.00")
        Budget.objects.create(locality=world.east, financial_year=year, amount=Decimal("300.00"))
        pending = scenario.package_submitted(world, amount=Decimal("260.00"))
        body = api.as_user(world.u.tm_east).get(f"/api/v1/packages/{pending.pk}/").json()["budget"]
        assert (body["committed"], body["after_approval"], body["over_budget"]) == ("50.00", "310.00", True)

    def test_a_batched_payment_counts_and_a_cancelled_one_does_not(self, world):
        year = financial_year_of(timezone.localdate())
        package = scenario.payments_authorised(world, amount=Decimal("25.00"), frequency="weekly", instalments=4)
        payment_services.batch_create(by=world.u.fin1, payment_ids=[package.payments.order_by("due_on").first().pk])
        package_services.package_end(package_id=package.pk, by=world.u.prac_east, reason="Done")
        assert committed_in(locality_id=world.east.pk, financial_year=year) == Decimal("25.00")

    def test_a_package_in_force_counts_its_whole_total(self, world):
        year = financial_year_of(timezone.localdate())
        paid_weekly(world)
        assert committed_in(locality_id=world.east.pk, financial_year=year) == Decimal("150.00")
        # The year is the approval's, as before.
        assert committed_in(locality_id=world.east.pk, financial_year=year - 1) == Decimal("0.00")
