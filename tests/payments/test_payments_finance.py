"""Finance rules through services, API and pages: bank details checked with Vocalink's rules and
verified again after a change; duplicate payments; a crash in batch creation; bank returns;
a payment's history; budgets; the transparency report."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from audit.models import DomainEvent
from core.exceptions import InvalidTransition, NotPermitted, RuleBroken
from fgdm import services as case_services
from network_packages import services as package_services
from network_packages.models import Budget
from network_packages.selectors import financial_year_of
from payments import services as payment_services
from payments.models import BankAccount, Payment, PaymentBatch, PaymentReturn, ReturnsImport
from payments.services import batches as batch_services
from tests import scenario

BANK = {"account_name": "M HARDY", "sort_code": "40-00-00", "account_number": "12165678"}
FAR = datetime.timedelta(days=400)


def set_bank(member, by, **overrides):
    return payment_services.bank_account_set(member_id=member.pk, by=by, **(BANK | overrides))


def state():
    return (
        BankAccount.objects.count(),
        PaymentBatch.objects.count(),
        ReturnsImport.objects.count(),
        PaymentReturn.objects.count(),
        DomainEvent.objects.count(),
        sorted(Payment.objects.values_list("id", "status", "batch_id")),
    )


@pytest.mark.django_db
class TestBankDetailsModulus:
    @pytest.mark.parametrize(
        "sort_code,account,field",
        [
            ("40-00-0", "12165678", "sort_code"),
            ("40-0A-00", "12165678", "sort_code"),
            ("40-00-00", "1216567X", "account_number"),
            ("40-00-00", "12345678", "account_number"),  # fails modulus
            ("08-99-99", "66374959", "account_number"),  # Vocalink test 29: fails modulus 10
        ],
    )
    def test_api_answers_400_on_the_field_and_writes_nothing(self, world, api, sort_code, account, field):
        package = scenario.package_approved(world)
        payee = package.items.first().payee
        before = state()
        response = api.as_user(world.u.fin1).put(
            f"/api/v1/network-members/{payee.pk}/bank-account/",
            BANK | {"sort_code": sort_code, "account_number": account},
            format="json",
        )
        assert response.status_code == 400 and list(response.json()) == [field], response.json()
        assert state() == before

    def test_page_shows_the_modulus_failure_on_the_account_number(self, world, client):
        package = scenario.package_approved(world)
        payee = package.items.first().payee
        client.force_login(world.u.fin1)
        before = state()
        response = client.post(reverse("payments:bank_details", args=[payee.pk]), BANK | {"account_number": "12345678"})
        assert response.status_code == 400
        page = response.content.decode()
        assert "does not pass the bank&#x27;s check" in page and 'href="#id_account_number"' in page
        assert state() == before

    def test_vocalink_valid_details_are_accepted_with_short_numbers_padded(self, world):
        package = scenario.package_approved(world)
        payee = package.items.first().payee
        account = set_bank(payee, world.u.fin1, sort_code="08 99 99", account_number="66374958")
        assert (account.sort_code, account.account_number) == ("089999", "66374958")


@pytest.mark.django_db
class TestChangeAfterVerification:
    def test_change_holds_pending_payments_until_verified_again(self, world, client):
        package = scenario.payments_authorised(world, amount=Decimal("20.00"), frequency="weekly", instalments=2)
        payee = package.items.first().payee
        account = set_bank(payee, world.u.prac_east, account_number="83144321")
        assert not account.is_verified and account.changed_after_verification
        event = DomainEvent.objects.filter(action="bank_details_changed").get()
        assert (event.from_state, event.to_state, event.changes) == (
            "verified",
            "unverified",
            {"pending_payments_held": 2},
        )
        with pytest.raises(RuleBroken):
            payment_services.batch_create(by=world.u.fin1, due_by=timezone.localdate() + FAR)
        client.force_login(world.u.fin1)
        assert "Changed: verify again" in client.get(reverse("payments:payment_list")).content.decode()
        payment_services.bank_account_verify(member_id=payee.pk, by=world.u.fin2)
        account.refresh_from_db()
        assert account.is_verified and not account.changed_after_verification
        batch = payment_services.batch_create(by=world.u.fin1, due_by=timezone.localdate() + FAR)
        assert batch.payment_count == 2

    def test_change_after_batching_blocks_export_until_verified_again(self, world):
        package = scenario.payments_authorised(world)
        batch = payment_services.batch_create(by=world.u.fin1)
        payment_services.batch_approve(batch_id=batch.pk, by=world.u.fin2)
        set_bank(package.items.first().payee, world.u.prac_east, account_number="83144321")
        with pytest.raises(RuleBroken, match="not verified again"):
            payment_services.batch_export(batch_id=batch.pk, by=world.u.fin1, export_format="bacs18")
        payment_services.bank_account_verify(member_id=package.items.first().payee_id, by=world.u.fin2)
        _, content = payment_services.batch_export(batch_id=batch.pk, by=world.u.fin1, export_format="bacs18")
        assert b"83144321" in content


def revised_with_same_item(world, package, *, by_approver):
    """A new version of an approved package, after the case's review, with the same weekly item:
    its payments start again from today, repeating the weeks the first version already paid."""
    case, item, lead = package.case, package.items.get(), package.case.lead_practitioner
    with time_machine.travel(
        datetime.datetime.combine(package.plan.review_by, datetime.time(10, 0)).astimezone(), tick=False
    ):
        call_command("workflow_timers", stdout=io.StringIO())
    case_services.case_review(case_id=case.pk, by=lead, close=False, notes="Carry on")
    plan = case_services.plan_revise(
        plan_id=package.plan_id,
        by=lead,
        contingency="",
        actions=[case_services.ActionInput(description="Nan stays over", owner_member_id=item.payee_id)],
        review_by=package.plan.review_by + datetime.timedelta(days=60),
    )
    case_services.plan_accept(plan_id=plan.pk, by=lead, support_needed=True)
    revised = package_services.package_revise(
        package_id=package.pk,
        by=lead,
        plan_id=plan.pk,
        justification=package.justification,
        other_funding_checked=True,
        agreement_signed_on=timezone.localdate(),
        review_by=plan.review_by,
        items=[
            package_services.ItemInput(
                description=item.description,
                category=item.category,
                payee_id=item.payee_id,
                amount=item.amount,
                frequency=item.frequency,
                instalments=item.instalments,
            )
        ],
    )
    package_services.package_submit(package_id=revised.pk, by=lead)
    return package_services.package_approve(package_id=revised.pk, by=by_approver)


@pytest.mark.django_db
class TestDuplicates:
    def test_same_payee_amount_item_and_period_blocks_the_batch(self, world, api):
        package = scenario.payments_authorised(world, amount=Decimal("25.00"), frequency="weekly", instalments=2)
        first = payment_services.batch_create(by=world.u.fin1, due_by=timezone.localdate() + FAR)
        revised = revised_with_same_item(world, package, by_approver=world.u.tm_east)
        for payment in revised.payments.order_by("id"):
            payment_services.payment_authorise(payment_id=payment.pk, by=world.u.fin1)
        before = state()
        response = api.as_user(world.u.fin2).post(
            "/api/v1/payment-batches/", {"due_by": str(timezone.localdate() + FAR)}, format="json"
        )
        assert response.status_code == 400
        message = response.json()["detail"]
        assert "Possible duplicate payments" in message and first.reference in message
        assert all(p.reference in message for p in revised.payments.all())
        assert state() == before

    def test_cancelling_the_duplicate_lets_the_batch_through(self, world):
        package = scenario.payments_authorised(world, amount=Decimal("25.00"), frequency="weekly", instalments=2)
        payment_services.batch_create(by=world.u.fin1, due_by=timezone.localdate() + FAR)
        revised = revised_with_same_item(world, package, by_approver=world.u.tm_east)
        duplicate, later = revised.payments.order_by("id")
        for payment in (duplicate, later):
            payment_services.payment_authorise(payment_id=payment.pk, by=world.u.fin1)
        payment_services.payment_cancel(payment_id=duplicate.pk, by=world.u.fin2, reason="Duplicate of week 1")
        with pytest.raises(RuleBroken, match=later.reference):
            payment_services.batch_create(by=world.u.fin2, due_by=timezone.localdate() + FAR)
        payment_services.payment_cancel(payment_id=later.pk, by=world.u.fin2, reason="Duplicate of week 2")
        with pytest.raises(RuleBroken, match="no authorised payments"):
            payment_services.batch_create(by=world.u.fin2, due_by=timezone.localdate() + FAR)

    def test_different_periods_are_not_duplicates(self, world):
        scenario.payments_authorised(world, amount=Decimal("25.00"), frequency="weekly", instalments=3)
        batch = payment_services.batch_create(by=world.u.fin1, due_by=timezone.localdate() + FAR)
        assert batch.payment_count == 3

    def test_cancel_needs_finance_and_a_reason_and_an_unbatched_payment(self, world):
        package = scenario.payments_authorised(world)
        payment = package.payments.get()
        with pytest.raises(NotPermitted):
            payment_services.payment_cancel(payment_id=payment.pk, by=world.u.prac_east, reason="x")
        with pytest.raises(RuleBroken):
            payment_services.payment_cancel(payment_id=payment.pk, by=world.u.fin1, reason=" ")
        payment_services.batch_create(by=world.u.fin1)
        with pytest.raises(InvalidTransition):
            payment_services.payment_cancel(payment_id=payment.pk, by=world.u.fin1, reason="Too late")


@pytest.mark.django_db
class TestCrashInBatchCreation:
    # The test runs in a transaction, so batch_create's own atomic block is a savepoint: rolled back
    # by the crash exactly as its transaction would be. (A transactional test would flush the
    # approval limits that a migration creates, for every transactional test after it.)
    def test_a_crash_half_way_leaves_no_batch_and_no_payment_moved(self, world, monkeypatch):
        scenario.payments_authorised(world, amount=Decimal("10.00"), frequency="weekly", instalments=4)
        before = state()
        real = batch_services.append_events
        seen = []

        def crash_after_the_payments_moved(events, **kwargs):
            # batch_create moves the payments with one UPDATE, then appends their events in bulk:
            # the crash comes after both, before the batch's own event and the budgets.
            events = list(events)
            real(events, **kwargs)
            seen.extend(event["object_id"] for event in events if event["action"] == "payment_batched")
            assert Payment.objects.filter(status="batched").count() == 4  # moved, not yet committed
            raise RuntimeError("power cut")

        monkeypatch.setattr(batch_services, "append_events", crash_after_the_payments_moved)
        with pytest.raises(RuntimeError):
            payment_services.batch_create(by=world.u.fin1, due_by=timezone.localdate() + FAR)
        assert len(seen) == 4
        assert state() == before
        assert not PaymentBatch.objects.exists()
        assert set(Payment.objects.values_list("status", flat=True)) == {"authorised"}


def exported(world, **kwargs):
    package = scenario.payments_authorised(world, **kwargs)
    batch = payment_services.batch_create(by=world.u.fin1, due_by=timezone.localdate() + FAR)
    payment_services.batch_approve(batch_id=batch.pk, by=world.u.fin2)
    payment_services.batch_export(batch_id=batch.pk, by=world.u.fin1, export_format="bacs18")
    return package, batch


def returns_file(*rows, header="reference,amount,returned_on,reason_code,reason"):
    lines = [header, *[",".join(str(v) for v in row) for row in rows]]
    return ("\r\n".join(lines) + "\r\n").encode()


@pytest.mark.django_db
class TestReturns:
    def test_returned_payments_are_reopened_and_keep_their_history(self, world, api, today):
        package, batch = exported(world, amount=Decimal("40.00"), frequency="weekly", instalments=2)
        payment_services.batch_confirm(batch_id=batch.pk, by=world.u.fin2)
        returned, kept = package.payments.order_by("id")
        content = returns_file((returned.reference, "40.00", today.isoformat(), "ARUCS-2", "Account closed"))
        upload = SimpleUploadedFile("returns.csv", content, content_type="text/csv")
        response = api.as_user(world.u.fin1).post("/api/v1/payment-returns/", {"file": upload}, format="multipart")
        assert response.status_code == 201, response.json()
        assert response.json()["payments"] == [returned.reference] and response.json()["total"] == "40.00"
        returned.refresh_from_db()
        kept.refresh_from_db()
        assert (returned.status, returned.batch, returned.times_returned) == ("scheduled", None, 1)
        assert kept.status == "paid"
        assert PaymentReturn.objects.get().batch == batch
        detail = api.as_user(world.u.fin2).get(f"/api/v1/payments/{returned.pk}/").json()
        actions = [(e["action"], e["from_state"], e["to_state"]) for e in detail["history"]]
        assert actions == [
            ("payment_authorised", "scheduled", "authorised"),
            ("payment_batched", "authorised", "batched"),
            ("payment_paid", "batched", "paid"),
            ("payment_returned", "paid", "returned"),
            ("payment_reopened", "returned", "scheduled"),
        ]
        assert detail["returns"][0]["batch"] == batch.reference and detail["times_returned"] == 1
        # corrected details, verified again, authorised again, into a new batch
        set_bank(returned.payee, world.u.fin1, account_number="83144321")
        payment_services.bank_account_verify(member_id=returned.payee_id, by=world.u.fin2)
        payment_services.payment_authorise(payment_id=returned.pk, by=world.u.fin1)
        again = payment_services.batch_create(by=world.u.fin1, payment_ids=[returned.pk])
        assert again.pk != batch.pk and again.total == Decimal("40.00")

    @pytest.mark.parametrize(
        "rows,expected",
        [
            ([("FNSP99999999", "40.00", "2026-04-01", "X", "Closed")], "no payment has the reference FNSP99999999"),
            ([("{ref}", "40.0x", "2026-04-01", "X", "Closed")], "amount"),
            ([("{ref}", "40.00", "01/04/2026", "X", "Closed")], "returned_on"),
            ([("{ref}", "40.00", "2026-04-01", "X")], "4 columns"),
            ([("{ref}", "40.00", "2026-04-01", "X", "")], "reason is empty"),
            ([("{ref}", "41.00", "2026-04-01", "X", "Closed")], "was for £40.00"),
            (
                [("{ref}", "40.00", "2026-04-01", "X", "Closed"), ("{ref}", "40.00", "2026-04-01", "X", "Closed")],
                "also on line 3",
            ),
            ([("BANANA", "40.00", "2026-04-01", "X", "Closed")], "not a payment reference"),
        ],
    )
    def test_bad_files_apply_nothing(self, world, rows, expected):
        package, batch = exported(world, amount=Decimal("40.00"), frequency="weekly", instalments=2)
        good = package.payments.order_by("id").last()
        ref = package.payments.order_by("id").first().reference
        content = returns_file(
            (good.reference, "40.00", "2026-04-01", "X", "Closed"),
            *[tuple(v.format(ref=ref) for v in row) for row in rows],
        )
        before = state()
        with pytest.raises(RuleBroken) as error:
            payment_services.returns_import(by=world.u.fin1, content=content)
        assert expected in error.value.message and "nothing was changed" in error.value.message
        assert state() == before

    @pytest.mark.parametrize(
        "content,expected",
        [
            (b"", "column names"),
            (b"ref,amount\r\nFNSP1,1\r\n", "column names"),
            (b"\xff\xfe\x00", "UTF-8"),
            (returns_file(), "no returned payments"),
        ],
    )
    def test_malformed_files(self, world, content, expected):
        with pytest.raises(RuleBroken, match=expected):
            payment_services.returns_import(by=world.u.fin1, content=content)

    def test_a_payment_not_sent_to_the_bank_cannot_be_returned(self, world):
        package = scenario.payments_authorised(world)
        payment = package.payments.get()
        with pytest.raises(RuleBroken, match="not sent to the bank"):
            payment_services.returns_import(
                by=world.u.fin1, content=returns_file((payment.reference, "300.00", "2026-04-01", "X", "Closed"))
            )

    def test_the_same_file_twice_is_refused(self, world):
        package, _ = exported(world)
        content = returns_file((package.payments.get().reference, "300.00", "2026-04-01", "X", "Closed"))
        payment_services.returns_import(by=world.u.fin1, content=content)
        with pytest.raises(InvalidTransition):
            payment_services.returns_import(by=world.u.fin1, content=content)

    def test_only_finance(self, world, api):
        with pytest.raises(NotPermitted):
            payment_services.returns_import(by=world.u.tm_east, content=returns_file())
        upload = SimpleUploadedFile("r.csv", returns_file(), content_type="text/csv")
        assert (
            api.as_user(world.u.prac_east)
            .post("/api/v1/payment-returns/", {"file": upload}, format="multipart")
            .status_code
            == 403
        )

    def test_page_upload_applies_or_shows_every_error(self, world, client):
        package, batch = exported(world)
        payment = package.payments.get()
        client.force_login(world.u.fin1)
        bad = SimpleUploadedFile(
            "r.csv",
            returns_file(
                (payment.reference, "300.00", "nope", "X", "Closed"),
                ("FNSP00000000", "1.00", "2026-04-01", "X", "Closed"),
            ),
        )
        response = client.post(reverse("payments:returns_import"), {"file": bad})
        assert response.status_code == 400
        page = response.content.decode()
        assert "line 2: returned_on" in page and "nothing was changed" in page
        good = SimpleUploadedFile("r.csv", returns_file((payment.reference, "300.00", "2026-04-01", "X", "Closed")))
        response = client.post(reverse("payments:returns_import"), {"file": good})
        assert response.status_code == 302
        payment.refresh_from_db()
        assert payment.status == "scheduled" and payment.times_returned == 1
        detail = client.get(reverse("payments:payment_detail", args=[payment.pk])).content.decode()
        assert "Payment returned" in detail and "Payment reopened" in detail and batch.reference in detail
        assert batch.reference in client.get(reverse("payments:batch_detail", args=[batch.pk])).content.decode()

    def test_returns_page_is_finance_only(self, world, client):
        client.force_login(world.u.prac_east)
        assert client.get(reverse("payments:returns_import")).status_code == 403  # a role refusal, as in the API


@pytest.mark.django_db
class TestBudgets:
    def test_approver_is_warned_when_approval_would_go_over_budget(self, world, api, client):
        year = financial_year_of(timezone.localdate())
        Budget.objects.create(locality=world.east, financial_year=year, amount=Decimal("500.00"))
        scenario.package_approved(world, amount=Decimal("300.00"))
        pending = scenario.package_submitted(world, amount=Decimal("250.00"))
        body = api.as_user(world.u.tm_east).get(f"/api/v1/packages/{pending.pk}/").json()
        assert body["budget"]["over_budget"] is True
        assert (body["budget"]["budget"], body["budget"]["committed"], body["budget"]["after_approval"]) == (
            "500.00",
            "300.00",
            "550.00",
        )
        assert "over its" in body["budget"]["warning"] and "£50.00 over" in body["budget"]["warning"]
        client.force_login(world.u.tm_east)
        page = client.get(reverse("network_packages:package_detail", args=[pending.pk])).content.decode()
        assert "£50.00 over" in page
        # a warning, not a refusal
        package_services.package_approve(package_id=pending.pk, by=world.u.tm_east)
        assert api.as_user(world.u.tm_east).get(f"/api/v1/packages/{pending.pk}/").json()["budget"] is None
        event = DomainEvent.objects.filter(action="package_approved", object_id=pending.pk).get()
        assert "£50.00 over" in event.changes["over_budget"]

    def test_within_budget_and_no_budget(self, world, api):
        pending = scenario.package_submitted(world, amount=Decimal("250.00"))
        body = api.as_user(world.u.tm_east).get(f"/api/v1/packages/{pending.pk}/").json()
        assert body["budget"]["budget"] is None and body["budget"]["warning"].startswith("No budget is set")
        Budget.objects.create(
            locality=world.east, financial_year=financial_year_of(timezone.localdate()), amount=Decimal("1000.00")
        )
        body = api.as_user(world.u.tm_east).get(f"/api/v1/packages/{pending.pk}/").json()
        assert body["budget"]["over_budget"] is False and body["budget"]["warning"] == ""

    def test_report_shows_commitments_and_actual_payments(self, world, api, client):
        year = financial_year_of(timezone.localdate())
        Budget.objects.create(locality=world.east, financial_year=year, amount=Decimal("1000.00"))
        package, batch = exported(world, amount=Decimal("100.00"), frequency="weekly", instalments=3)
        payment_services.batch_confirm(batch_id=batch.pk, by=world.u.fin2)
        body = api.as_user(world.u.fin1).get(f"/api/v1/budgets/?financial_year={year}").json()
        east = next(line for line in body["results"] if line["locality"] == "east")
        assert (east["budget"], east["committed"], east["paid"], east["remaining"]) == (
            "1000.00",
            "300.00",
            "300.00",
            "700.00",
        )
        west = next(line for line in body["results"] if line["locality"] == "west")
        assert west["budget"] is None and west["paid"] == "0.00"
        assert api.as_user(world.u.prac_east).get("/api/v1/budgets/").status_code == 403
        client.force_login(world.u.sm)
        assert "£700.00" in client.get(reverse("payments:budgets") + f"?financial_year={year}").content.decode()
        client.force_login(world.u.prac_east)
        assert client.get(reverse("payments:budgets")).status_code == 403  # a role refusal, as in the API

    def test_admin_edits_budgets_with_an_event(self, world, admin_client):
        response = admin_client.post(
            reverse("admin:network_packages_budget_add"),
            {"locality": world.east.pk, "financial_year": 2026, "amount": "12000.00"},
        )
        assert response.status_code == 302
        assert Budget.objects.get().financial_year_label == "2026-27"
        assert DomainEvent.objects.filter(action="budget_set").exists()


@pytest.mark.django_db
class TestTransparency:
    def test_spend_over_500_with_individuals_redacted(self, world, api, today):
        package, batch = exported(
            world, amount=Decimal("600.00"), frequency="weekly", instalments=2, approver=world.u.hos
        )
        payment_services.batch_confirm(batch_id=batch.pk, by=world.u.fin2)
        small, small_batch = exported(world, amount=Decimal("500.00"), approver=world.u.hos)
        payment_services.batch_confirm(batch_id=small_batch.pk, by=world.u.fin2)
        response = api.as_user(world.u.auditor).get(
            f"/api/v1/transparency/spend-over-500/?date_from={today - datetime.timedelta(days=1)}&date_to={today}"
        )
        assert response.status_code == 200 and response.streaming
        text = response.getvalue().decode()
        rows = list(csv.DictReader(io.StringIO(text)))
        assert [r["Transaction number"] for r in rows] == [p.reference for p in package.payments.order_by("id")]
        assert all(r["Amount"] == "600.00" and r["Supplier name"] == "REDACTED - PERSONAL DATA" for r in rows)
        assert "Hardy" not in text and "Margaret" not in text and "Sofa" not in text
        assert rows[0]["Purpose of expenditure"] == "Furniture and bedding"

    def test_refusals(self, world, api, client, today):
        assert (
            api.as_user(world.u.prac_east)
            .get(f"/api/v1/transparency/spend-over-500/?date_from={today}&date_to={today}")
            .status_code
            == 403
        )
        assert (
            api.as_user(world.u.fin1)
            .get(f"/api/v1/transparency/spend-over-500/?date_from={today}&date_to=2000-01-01")
            .status_code
            == 400
        )
        client.force_login(world.u.fin1)
        assert client.get(reverse("payments:transparency")).status_code == 200
        response = client.get(reverse("payments:transparency") + f"?date_from={today}&date_to={today}")
        assert response.status_code == 200 and response.getvalue().startswith(b"Body name,")
