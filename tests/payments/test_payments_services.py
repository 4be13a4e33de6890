"""Money rules through the payments services: verified bank details, two people, exact totals."""

from decimal import Decimal

import pytest

from core.exceptions import InvalidTransition, NotPermitted, RuleBroken, SeparationOfDuties
from payments import services as payment_services
from payments.constants import BatchStatus, PaymentStatus
from payments.models import BankAccount, PaymentBatch
from tests import scenario


def set_bank(member, by, **overrides):
    values = {"account_name": "M HARDY", "sort_code": "40-00-00", "account_number": "12165678"} | overrides
    return payment_services.bank_account_set(member_id=member.pk, by=by, **values)


@pytest.mark.django_db
class TestBankDetails:
    def test_enterer_cannot_verify(self, world):
        package = scenario.package_approved(world)
        payee = package.items.first().payee
        set_bank(payee, world.u.fin1)
        with pytest.raises(SeparationOfDuties):
            payment_services.bank_account_verify(member_id=payee.pk, by=world.u.fin1)
        assert not BankAccount.objects.get(member=payee).is_verified

    def test_practitioner_enters_finance_verifies(self, world):
        package = scenario.package_approved(world)
        payee = package.items.first().payee
        set_bank(payee, world.u.prac_east)
        with pytest.raises(NotPermitted):
            payment_services.bank_account_verify(member_id=payee.pk, by=world.u.prac_east2)
        account = payment_services.bank_account_verify(member_id=payee.pk, by=world.u.fin1)
        assert account.is_verified

    def test_practitioner_of_another_team_cannot_enter(self, world):
        package = scenario.package_approved(world)
        with pytest.raises(NotPermitted):
            set_bank(package.items.first().payee, world.u.prac_west)

    @pytest.mark.parametrize(
        "field, value",
        [
            ("sort_code", "40-00"),
            ("sort_code", "ab-cd-ef"),
            ("account_number", "12345"),
            ("account_number", "1234567x"),
            ("account_number", "12345678"),
            ("account_name", "  "),
        ],
    )
    def test_invalid_details_are_refused_and_nothing_saved(self, world, field, value):
        package = scenario.package_approved(world)
        with pytest.raises(RuleBroken) as error:
            set_bank(package.items.first().payee, world.u.fin1, **{field: value})
        assert error.value.field == field
        assert BankAccount.objects.count() == 0

    def test_a_parent_cannot_be_given_bank_details(self, world):
        case, _ = scenario.with_network(world)
        mother = case.network_members.get(is_parent=True)
        with pytest.raises(RuleBroken):
            set_bank(mother, world.u.fin1)

    def test_changing_verified_details_needs_verifying_again_and_blocks_export(self, world):
        package = scenario.payments_authorised(world)
        batch = payment_services.batch_create(by=world.u.fin1)
        payment_services.batch_approve(batch_id=batch.pk, by=world.u.fin2)
        set_bank(package.items.first().payee, world.u.prac_east, account_number="83144321")
        with pytest.raises(RuleBroken):
            payment_services.batch_export(batch_id=batch.pk, by=world.u.fin1)
        batch.refresh_from_db()
        assert batch.status == BatchStatus.APPROVED


@pytest.mark.django_db
class TestAuthorise:
    def test_needs_verified_bank_details(self, world):
        package = scenario.package_approved(world)
        set_bank(package.items.first().payee, world.u.fin1)
        with pytest.raises(RuleBroken):
            payment_services.payment_authorise(payment_id=package.payments.get().pk, by=world.u.fin2)

    def test_only_finance(self, world):
        package = scenario.package_approved(world)
        with pytest.raises(NotPermitted):
            payment_services.payment_authorise(payment_id=package.payments.get().pk, by=world.u.prac_east)

    def test_authorising_the_last_payment_moves_the_case_on(self, world):
        from viewflow.workflow.models import Task

        package = scenario.package_approved(world, amount=Decimal("10.00"), frequency="weekly", instalments=3)
        payee = package.items.first().payee
        set_bank(payee, world.u.fin1)
        payment_services.bank_account_verify(member_id=payee.pk, by=world.u.fin2)
        payments = list(package.payments.order_by("id"))
        task = Task.objects.get(process_id=package.case.process_id, flow_task_type="HUMAN", status="NEW")
        assert task.flow_task.name == "authorise_payments"
        for payment in payments[:2]:
            payment_services.payment_authorise(payment_id=payment.pk, by=world.u.fin1)
        task.refresh_from_db()
        assert task.status == "NEW"
        payment_services.payment_authorise(payment_id=payments[2].pk, by=world.u.fin1)
        task.refresh_from_db()
        assert task.status == "DONE" and task.owner == world.u.fin1


@pytest.mark.django_db
class TestBatches:
    def test_creator_cannot_approve(self, world):
        scenario.payments_authorised(world)
        batch = payment_services.batch_create(by=world.u.fin1)
        with pytest.raises(SeparationOfDuties):
            payment_services.batch_approve(batch_id=batch.pk, by=world.u.fin1)

    def test_unapproved_batch_cannot_be_exported(self, world):
        scenario.payments_authorised(world)
        batch = payment_services.batch_create(by=world.u.fin1)
        with pytest.raises(InvalidTransition):
            payment_services.batch_export(batch_id=batch.pk, by=world.u.fin2)

    def test_nothing_to_batch(self, world):
        with pytest.raises(RuleBroken):
            payment_services.batch_create(by=world.u.fin1)
        assert PaymentBatch.objects.count() == 0

    def test_named_payment_not_authorised_is_refused(self, world):
        package = scenario.package_approved(world)
        with pytest.raises(RuleBroken):
            payment_services.batch_create(by=world.u.fin1, payment_ids=[package.payments.get().pk])
        assert PaymentBatch.objects.count() == 0

    def test_export_is_byte_identical_and_totals_reconcile(self, world):
        import csv
        import hashlib
        import io

        package = scenario.payments_authorised(world, amount=Decimal("33.33"), frequency="weekly", instalments=3)
        last_due = package.payments.order_by("-due_on").first().due_on
        batch = payment_services.batch_create(by=world.u.fin1, due_by=last_due)
        payment_services.batch_approve(batch_id=batch.pk, by=world.u.fin2)
        batch, first = payment_services.batch_export(batch_id=batch.pk, by=world.u.fin1)
        _, again = payment_services.batch_export(batch_id=batch.pk, by=world.u.fin2)
        assert first == again
        assert batch.export_sha256 == hashlib.sha256(first).hexdigest()
        rows = list(csv.DictReader(io.StringIO(first.decode())))
        details = [r for r in rows if r["record_type"] == "D"]
        trailer = rows[-1]
        assert (
            sum(Decimal(r["amount"]) for r in details)
            == Decimal(trailer["amount"])
            == package.total
            == Decimal("99.99")
        )
        assert int(trailer["payee"]) == len(details) == 3
        assert {r["cost_centre"] for r in details} == {"east"}
        payment_services.batch_confirm(batch_id=batch.pk, by=world.u.fin1)
        assert set(package.payments.values_list("status", flat=True)) == {PaymentStatus.PAID}
        with pytest.raises(InvalidTransition):
            payment_services.batch_confirm(batch_id=batch.pk, by=world.u.fin1)
