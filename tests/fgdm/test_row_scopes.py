"""Packages and payments are scoped on each one's case row (fgdm.visibility.package_scope and
payment_scope use case_row_scope): the same packages and payments as the cases each person sees in
full — their team's localities, cases they lead, their grants — never a case they declared a
conflict in, and not a case someone sees only as its FGC coordinator."""

import pytest

from fgdm.models import Case, DeclaredConflict
from fgdm.visibility import package_scope, payment_scope, whole_case_scope
from network_packages.models import SupportPackage
from payments.models import Payment
from tests import scenario

PEOPLE = ["prac_east", "prac_east2", "prac_west", "coord", "tm_east", "tm_west", "sm", "hos", "auditor"]


def _seen_in_full(user):
    return set(Case.objects.filter(whole_case_scope(user)).values_list("pk", flat=True))


@pytest.mark.django_db
def test_packages_and_payments_are_those_of_cases_seen_in_full(world):
    east = scenario.payments_authorised(world)
    west = scenario.package_approved(world, locality=world.west, approver=world.u.tm_west)
    # A conflict declared by the East manager, on a second East case with its own package.
    conflicted = scenario.package_submitted(world)
    DeclaredConflict.objects.create(case=conflicted.case, user=world.u.tm_east, reason="my neighbour's family")
    assert {east.case_id, west.case_id, conflicted.case_id} <= set(Case.objects.values_list("pk", flat=True))

    for who in PEOPLE:
        user = getattr(world.u, who)
        cases = _seen_in_full(user)
        packages = set(SupportPackage.objects.filter(package_scope(user)).values_list("pk", flat=True))
        assert packages == set(SupportPackage.objects.filter(case_id__in=cases).values_list("pk", flat=True)), who
        payments = set(Payment.objects.filter(payment_scope(user)).values_list("pk", flat=True))
        assert payments == set(Payment.objects.filter(case_id__in=cases).values_list("pk", flat=True)), who
        # One package asked for alone (the approval's and the notification's check) answers the same.
        for package in (east, west, conflicted):
            assert SupportPackage.objects.filter(package_scope(user), pk=package.pk).exists() == (
                package.case_id in cases
            ), (who, package.case_id)

    tm_east = world.u.tm_east
    assert SupportPackage.objects.filter(package_scope(tm_east), pk=east.pk).exists()
    assert not SupportPackage.objects.filter(package_scope(tm_east), pk=conflicted.pk).exists()
    assert not SupportPackage.objects.filter(package_scope(tm_east), pk=west.pk).exists()
