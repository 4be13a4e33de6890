"""Finance, by clicking and typing: fin1 enters the Tizzard neighbour's bank details (the demo's
approved weekly package waits for them), fin2 verifies them, fin1 authorises the payments and
creates a batch, fin2 approves it, fin1 exports the bank file and confirms the bank has paid."""

import datetime
import re

import pytest
from django.utils import timezone

from fgdm.models import Case

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_finance_from_bank_details_to_a_confirmed_batch(tour):
    page = tour.page
    today = timezone.localdate()
    tizzard = Case.objects.get(family_name="Tizzard").reference

    # fin1 takes the finance step for the Tizzard case and enters Linda Cole's bank details
    tour.sign_in("fin1", expect_heading="My tasks")
    page.get_by_role("button", name=re.compile(rf"Take\W+Authorise the payments.*{tizzard}")).click()
    tour.look("payments-of-the-case", heading="Payments")
    page.get_by_role("link", name=re.compile("bank details of Linda Cole")).first.click()
    tour.look("bank-details", heading="Linda Cole")
    page.get_by_label("Name on the account").fill("MRS L COLE")
    page.get_by_label("Sort code").fill("40-00-00")
    page.get_by_label("Account number").fill("12165678")
    page.get_by_role("button", name="Save the bank details").click()
    tour.look("bank-details-saved", heading="Linda Cole")
    tour.shows("Another finance officer must verify them")
    tour.sign_out()

    # fin2 verifies them, from the list on their home page
    tour.sign_in("fin2", expect_heading="My tasks")
    page.get_by_role("link", name="Linda Cole", exact=True).click()
    tour.look("bank-details-to-verify", heading="Linda Cole")
    tour.shows("12165678")
    page.get_by_role("button", name="Verify the bank details").click()
    tour.look("bank-details-verified", heading="Linda Cole")
    tour.shows("bank details are verified")
    tour.sign_out()

    # fin1 authorises the case's scheduled payments together
    tour.sign_in("fin1", expect_heading="My tasks")
    page.get_by_role("link", name=re.compile(rf"^Authorise the payments\W+{tizzard}")).click()
    tour.look("payments-to-authorise", heading="Payments")
    page.get_by_role("link", name="Select all scheduled payments on this page").click()
    tour.look("payments-selected", heading="Payments")
    page.get_by_role("button", name="Authorise the selected payments").click()
    tour.look("payments-authorised", heading="Authorising the selected payments")
    tour.shows("12 payments authorised")

    # and creates a batch of what is due in the next week
    tour.menu("Batches")
    tour.look("batches", heading="Payment batches")
    tour.fill_date("Include authorised payments due on or before", today + datetime.timedelta(days=7))
    page.get_by_role("button", name="Create the batch").click()
    tour.look("batch-created", heading="FNB-")
    tour.shows("is created with")
    batch = re.search(r"FNB-\d{8}-\d{4}", page.get_by_role("heading", level=1).inner_text()).group(0)
    tour.sign_out()

    # fin2 approves the batch
    tour.sign_in("fin2", expect_heading="My tasks")
    page.get_by_role("link", name=batch).click()
    tour.look("batch-to-approve", heading=batch)
    page.get_by_role("link", name="Approve the batch").click()
    tour.look("batch-approve-check", heading="Approve this batch?")
    page.get_by_label(re.compile(f"I have checked batch {batch}")).check()
    page.get_by_role("button", name="Yes, approve the batch").click()
    tour.look("batch-approved", heading=batch)
    tour.shows("The batch is approved")
    tour.sign_out()

    # fin1 exports the bank file (a download), then confirms the bank has paid
    tour.sign_in("fin1", expect_heading="My tasks")
    page.get_by_role("link", name=batch).click()
    tour.look("batch-to-export", heading=batch)
    page.get_by_role("link", name=re.compile("Export: BACS")).click()
    tour.look("batch-export-check", heading="Export this batch?")
    with page.expect_download() as download:
        page.get_by_role("button", name="Yes, export the file").click()
    assert download.value.suggested_filename.startswith(batch)
    tour.menu("Batches")
    tour.look("batches-after-export", heading="Payment batches")
    page.get_by_role("link", name=batch).click()
    tour.look("batch-exported", heading=batch)
    tour.shows("Exported")
    page.get_by_role("link", name=re.compile("Confirm the bank has paid")).click()
    tour.look("batch-confirm-check", heading="Confirm the bank has paid this batch?")
    page.get_by_label(re.compile(f"The bank has paid batch {batch}")).check()
    page.get_by_role("button", name="Yes, the bank has paid").click()
    tour.look("batch-confirmed", heading=batch)
    tour.shows("Confirmed")
    tour.finish()
