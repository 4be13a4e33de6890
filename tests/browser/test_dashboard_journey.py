"""A service manager reads the dashboard: the whole county's figures for the financial year so far,
then one locality's, and downloads a section as CSV. axe-core finds no serious violation on the way,
and each chart (an SVG image) is drawn."""

import csv
import io

import pytest

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def charts_drawn(page) -> int:
    """How many chart images the browser decoded (an image it could not draw has no natural width)."""
    return page.evaluate(
        "() => [...document.querySelectorAll('.app-dashboard-chart img')]"
        ".filter(img => img.complete && img.naturalWidth > 0).length"
    )


def test_service_manager_reads_the_dashboard(tour):
    tour.sign_in("sm", expect_heading="My tasks")
    tour.start("/dashboard/")
    tour.look("dashboard", heading="Dashboard")
    tour.shows("Whole county")
    page = tour.page
    total = page.locator(".app-dashboard-chart img").count()
    assert total >= 5
    assert charts_drawn(page) == total

    # One locality's figures
    page.get_by_text("Change the period and filters").click()
    tour.choose("Locality", "East")
    page.get_by_role("button", name="Show the figures").click()
    tour.look("dashboard-east", heading="Dashboard")
    tour.shows("Only East locality")
    assert charts_drawn(page) == page.locator(".app-dashboard-chart img").count()

    # A mistake in the period is shown on the form, not as figures
    page.get_by_text("Change the period and filters").click()
    group = page.get_by_role("group", name="Period from")
    group.get_by_label("Day", exact=True).fill("31")
    group.get_by_label("Month", exact=True).fill("2")
    group.get_by_label("Year", exact=True).fill("2026")
    page.get_by_role("button", name="Show the figures").click()
    tour.look("dashboard-bad-period", heading="Dashboard")
    tour.shows("There is a problem")
    group = page.get_by_role("group", name="Period from")
    group.get_by_label("Day", exact=True).fill("1")
    group.get_by_label("Month", exact=True).fill("4")
    page.get_by_role("button", name="Show the figures").click()
    tour.look("dashboard-from-april", heading="Dashboard")

    # The referrals and meetings section as CSV, with the same filters
    with page.expect_download() as download:
        page.get_by_role("link", name="Download this table as CSV (Referrals and meetings)").click()
    path = download.value.path()
    rows = list(csv.reader(io.StringIO(open(path, encoding="utf-8").read())))
    assert rows[0] == ["Table", "Row", "Column", "Value"]
    assert any(row[:2] == ["Referrals received and declined", "Referrals received"] for row in rows)
    assert download.value.suggested_filename.startswith("dashboard-referrals-")
    tour.finish()
