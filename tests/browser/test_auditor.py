"""The auditor's journey, by clicking and typing: find a case by family name, read it, and read its
whole timeline filtered to the money."""

import datetime
import re

import pytest
from django.utils import timezone

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_auditor_searches_cases_and_reads_a_timeline(tour):
    page = tour.page
    today = timezone.localdate()

    tour.sign_in("auditor")
    tour.menu("Cases")
    tour.look("cases", heading="Cases")
    page.get_by_label("Reference or family name").fill("Dawson")
    page.get_by_role("button", name="Search").click()
    tour.look("cases-found", heading="Cases")
    tour.shows("1 case")
    page.get_by_role("link", name=re.compile(r"FGDM-\d{4}-\d{6}")).first.click()
    tour.look("case", heading="Dawson family")

    tour.follow("The whole timeline")
    tour.look("timeline", heading="Timeline")
    page.get_by_label("Money", exact=False).check()
    tour.fill_date("From", today - datetime.timedelta(days=1))
    page.get_by_role("button", name="Filter").click()
    tour.look("timeline-money", heading="Timeline")
    tour.shows("Payment authorised")
    tour.shows("£349.00")

    tour.menu("Subject access requests")
    tour.look("subject-access-requests")
    tour.finish()
