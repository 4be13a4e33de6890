"""Managers deciding on support packages at each tier, by clicking: a team manager approves within
their limit (£500); a £5,600 package is endorsed by the team manager and the service manager and
approved by the head of service; the service manager approves a package the team manager endorsed."""

import re
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from fgdm import services as case_services
from fgdm.models import Case
from network_packages import services as package_services
from network_packages.constants import Category, Frequency
from network_packages.models import Supplier
from network_packages.services import ItemInput

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def submit_big_package() -> str:
    """The Bennett family's plan (waiting for acceptance in the demo) accepted and a £5,600 package
    submitted by prac.east, through the services: above the service manager's £5,000, so it needs
    every tier. Returns the case's reference."""
    prac = get_user_model().objects.get(username="prac.east")
    case = Case.objects.get(family_name="Bennett")
    plan = case.plans.get()
    case_services.plan_accept(plan_id=plan.pk, by=prac, support_needed=True)
    nan = case.network_members.get(full_name="Jean Bennett")
    action = plan.actions.order_by("pk").first()
    furniture = Supplier.objects.get(name="Purbeck Community Furniture")
    package = package_services.package_create(
        case_id=case.pk,
        by=prac,
        plan_id=plan.pk,
        justification="Nan moves in for the year while Mum recovers: a bed and furniture for her room, and "
        "fuel for the school run.",
        other_funding_checked=True,
        agreement_signed_on=timezone.localdate(),
        review_by=plan.review_by,
        items=[
            ItemInput(
                "Fuel for Nan's school run", Category.TRANSPORT, nan.pk, Decimal("250.00"), Frequency.MONTHLY, 12
            ),
            ItemInput(
                "Bed, wardrobe and bedding for Nan's room",
                Category.FURNITURE_AND_BEDDING,
                None,
                Decimal("2600.00"),
                plan_action_id=action.pk,
                supplier_id=furniture.pk,
            ),
        ],
    )
    package_services.package_submit(package_id=package.pk, by=prac)
    return case.reference


def take(tour, step: str, reference: str, slug: str):
    """Take a step waiting in 'My tasks' for the case `reference`, and look at where it leads."""
    tour.page.get_by_role("button", name=re.compile(rf"Take\W+{step}.*{reference}")).click()
    tour.look(slug, heading="Support package")


def decide(tour, verb: str, *, note: str = ""):
    """Approve or endorse from the package page: its button leads to the check page, which does it."""
    tour.page.get_by_role("link", name=f"{verb} the package").click()
    tour.look(f"check-{verb.lower()}", heading=f"{verb} this package")
    if note:
        tour.page.get_by_label("Note (optional)").fill(note)
    tour.page.get_by_role("button", name=f"Yes, {verb.lower()} the package").click()


def test_managers_approve_at_each_tier(tour):
    bennett = submit_big_package()
    hansford = Case.objects.get(family_name="Hansford").reference
    nowak = Case.objects.get(family_name="Nowak").reference

    # tm.west approves the Hansford package change (£380), within a team manager's £500
    tour.sign_in("tm.west", expect_heading="My tasks")
    take(tour, r"Approve the package \(team manager\)", hansford, "hansford-package")
    tour.shows("£380.00")
    decide(tour, "Approve", note="Agreed: the fuel keeps Noah and Isla's school run going.")
    tour.look("hansford-approved", heading="Support package")
    tour.shows("The package is approved")
    tour.sign_out()

    # tm.east endorses the £5,600 Bennett package up: above their limit
    tour.sign_in("tm.east", expect_heading="My tasks")
    take(tour, r"Approve the package \(team manager\)", bennett, "bennett-package-tm")
    tour.shows("above your limit")
    decide(tour, "Endorse", note="Agreed: keeps Josh at home with his family.")
    tour.look("bennett-endorsed-tm", heading="Support package")
    tour.shows("waits for a service manager")
    tour.sign_out()

    # sm approves the Nowak bus pass (£780, endorsed by tm.west in the demo), then endorses Bennett up
    tour.sign_in("sm", expect_heading="My tasks")
    take(tour, r"Approve the package \(service manager\)", nowak, "nowak-package")
    decide(tour, "Approve")
    tour.look("nowak-approved", heading="Support package")
    tour.shows("The package is approved (£780.00)")
    tour.menu("My tasks")
    tour.look("sm-tasks", heading="My tasks")
    take(tour, r"Approve the package \(service manager\)", bennett, "bennett-package-sm")
    decide(tour, "Endorse")
    tour.look("bennett-endorsed-sm", heading="Support package")
    tour.shows("waits for a head of service")
    tour.sign_out()

    # hos approves it
    tour.sign_in("hos", expect_heading="My tasks")
    take(tour, r"Approve the package \(head of service\)", bennett, "bennett-package-hos")
    decide(tour, "Approve")
    tour.look("bennett-approved", heading="Support package")
    tour.shows("The package is approved (£5,600.00)")
    tour.finish()
