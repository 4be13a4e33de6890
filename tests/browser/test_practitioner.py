"""A family help practitioner's journey, by clicking and typing: a new referral, its allocation by the
team manager, then the Bennett family's plan (held in the demo data) accepted and a support package
drafted and submitted — at 1280 px, and again at a phone's 390 px."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from fgdm.models import Case
from tests.browser.tour import PHONE

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def practitioner_journey(tour):
    page = tour.page
    today = timezone.localdate()

    # prac.east opens a referral for the Hardy family from the menu
    tour.sign_in("prac.east", expect_heading="My tasks")
    tour.menu("New referral")
    tour.look("new-referral", heading="New referral")
    page.get_by_label("Family name").fill("Hardy")
    tour.choose("Locality", "East")
    tour.choose("Family hub (optional)", "Leigh Park Family Hub")
    page.get_by_label("Reason for the referral").fill(
        "Mum is going into hospital for an operation and will need weeks to recover. Nan lives nearby and wants to help."
    )
    page.get_by_label("Who the children live with (optional)").fill("Mother")
    page.get_by_label("Consent given by (optional)").fill("Sarah Hardy (mother)")
    child = page.get_by_role("group", name="Child 1")
    child.get_by_label("First name").fill("Lily")
    child.get_by_label("Last name").fill("Hardy")
    tour.fill_date("Date of birth", datetime.date(2017, 3, 9), within=child)
    page.get_by_role("button", name="Open the referral").click()
    tour.look("referral-opened", heading="Hardy family")
    tour.shows("is open")
    reference = re.search(r"FGDM-\d{4}-\d{6}", page.get_by_role("heading", level=1).inner_text()).group(0)
    tour.sign_out()

    # tm.east takes the screening step from their tasks and allocates prac.east
    tour.sign_in("tm.east", expect_heading="My tasks")
    page.get_by_role("button", name=re.compile(rf"Take\W+Allocate a lead practitioner.*{reference}")).click()
    tour.look("allocate", heading="Allocate a lead practitioner")
    tour.choose("Lead practitioner", "Hannah Moore")
    page.get_by_role("button", name="Allocate").click()
    tour.look("allocated", heading="Hardy family")
    tour.shows("allocated to Hannah Moore")
    tour.sign_out()

    # prac.east finds the new case in her tasks, then accepts the Bennett family's plan
    tour.sign_in("prac.east", expect_heading="My tasks")
    expect(page.get_by_role("link", name=re.compile(f"Map the family network.*{reference}"))).to_be_visible()
    bennett = Case.objects.get(family_name="Bennett").reference
    page.get_by_role("link", name=re.compile(f"Accept the family's plan.*{bennett}")).click()
    tour.look("plan", heading="Family plan")
    tour.choose("Does the family need a support package?", "Yes")
    page.get_by_role("button", name="Accept the plan").click()
    tour.look("plan-accepted", heading="Bennett family")
    tour.shows("The plan is accepted")

    # drafts a package: Nan's bus fares, £12.50 a week for 6 weeks
    tour.follow("Draft a support package")
    tour.look("draft-package", heading="Draft a support package")
    page.get_by_label("Why this support is needed").fill(
        "Nan collects Josh from school twice a week; the bus fares are more than she can afford."
    )
    page.get_by_label("I have checked other sources of funding", exact=False).first.check()
    page.get_by_label("Universal Credit or other benefits").check()
    tour.fill_date("Written agreement signed on", today)
    tour.fill_date("Review the package by", today + datetime.timedelta(weeks=6))
    item = page.get_by_role("group", name="Item 1")
    item.get_by_label("Description").fill("Nan's bus fares to collect Josh from school")
    tour.choose("Category", "Transport", within=item)
    tour.choose("Paid to", "Jean Bennett", within=item)
    tour.choose("Plan action it supports", "Nan has Josh after school", within=item)
    item.get_by_label(re.compile(r"^Amount")).fill("12.50")
    tour.choose("How often", "Weekly", within=item)
    item.get_by_label("Number of instalments").fill("6")
    tour.fill_date("First payment on", today + datetime.timedelta(days=7), within=item)
    page.get_by_role("button", name="Save the draft package").click()
    tour.look("package-draft", heading="Support package")
    tour.shows("£75.00")

    # and submits it for approval
    page.get_by_role("button", name="Submit for approval").click()
    tour.look("package-submitted", heading="Support package")
    tour.shows("submitted for approval")
    tour.finish()


def test_practitioner_from_referral_to_package_submitted(tour):
    practitioner_journey(tour)


def test_practitioner_on_a_phone(tour):
    tour.use_width(PHONE)
    practitioner_journey(tour)
