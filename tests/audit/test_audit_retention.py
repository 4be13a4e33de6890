"""Retention: classes and destroy-after dates, legal holds, and apply_retention's dry and real runs."""

import datetime
import getpass
import io

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from audit.models import DomainEvent, LegalHold
from audit.retention import (
    birthday,
    children_in_need_destroy_after,
    financial_year_end,
    payment_destroy_after,
)
from audit.services import legal_hold_place, legal_hold_release, looked_after_mark
from fgdm.models import Case
from tests import scenario
from tests.factories import UserFactory
from tests.scenario import closed_case

OLD = scenario.BORN_LONG_AGO  # youngest child 18 in 2013: due (children in need) since June 2020
YOUNG = datetime.date(2017, 3, 9)  # due in 2042


@pytest.fixture
def admin_user(db):
    return UserFactory(username="admin", is_staff=True, is_superuser=True)


def run(*args):
    out = io.StringIO()
    call_command("apply_retention", *args, stdout=out)
    return out.getvalue()


def retention_events():
    return list(DomainEvent.objects.filter(action="retention_applied").order_by("id"))


class TestDates:
    def test_children_in_need_is_18th_birthday_plus_seven_years(self):
        assert children_in_need_destroy_after(datetime.date(2017, 3, 9)) == datetime.date(2042, 3, 9)

    def test_configurable(self, settings):
        settings.AUDIT_RETENTION = {"children_in_need_years_after_18": 10}
        assert children_in_need_destroy_after(datetime.date(2017, 3, 9)) == datetime.date(2045, 3, 9)

    def test_leap_day_birthday(self):
        assert birthday(datetime.date(2008, 2, 29), 18) == datetime.date(2026, 2, 28)

    @pytest.mark.parametrize(
        "day, end",
        [
            (datetime.date(2026, 3, 31), datetime.date(2026, 3, 31)),
            (datetime.date(2026, 4, 1), datetime.date(2027, 3, 31)),
            (datetime.date(2027, 1, 15), datetime.date(2027, 3, 31)),
        ],
    )
    def test_financial_year(self, day, end):
        assert financial_year_end(day) == end
        assert payment_destroy_after(day) == end.replace(year=end.year + 6)


@pytest.mark.django_db
@pytest.mark.usefixtures("no_messages")
class TestCaseRecords:
    def test_dry_run_reports_only_what_is_past_its_date_and_changes_nothing(self, world):
        old, young = closed_case(world, family="Oldfield"), closed_case(world, born=YOUNG, family="Young")
        scenario.referral(world)  # open: never due
        events = DomainEvent.objects.count()
        output = run("--dry-run")
        assert (
            f"fgdm.case #{old.pk} ({old.reference}; children_in_need, destroy after 2020-06-01): would be destroyed"
            in output
        )
        assert young.reference not in output
        assert "1 record(s) would be destroyed, 0 held, 0 failed" in output
        old.refresh_from_db()
        assert old.family_name == "Oldfield" and DomainEvent.objects.count() == events

    def test_planning_ahead_with_on(self, world):
        young = closed_case(world, born=YOUNG, family="Young")
        assert young.reference in run("--dry-run", "--on", "2042-03-10")
        assert young.reference not in run("--dry-run", "--on", "2042-03-09")
        with pytest.raises(CommandError):
            run("--on", "2042-03-10")

    def test_real_run_anonymises_and_records_the_deletion(self, world):
        from audit.models import LogEntry

        old, young = closed_case(world, family="Oldfield"), closed_case(world, born=YOUNG, family="Young")
        field_history = LogEntry.objects.count()
        output = run("--as", "auditor")
        assert "1 record(s) destroyed" in output
        old.refresh_from_db()
        child, member = old.children.get(), old.network_members.get()
        assert (old.family_name, old.referral_reason, old.consent_given_by) == ("Removed", "", "")
        assert (child.first_name, child.last_name, child.wishes_and_feelings) == ("Removed", "Removed", "")
        assert child.date_of_birth == datetime.date(1995, 1, 1)
        assert (member.full_name, member.phone) == ("Removed", "")
        assert old.plans.get().actions.get().description == "Removed"
        assert (old.status, old.outcome) == ("closed", "remained_at_home")  # the shape of the case stays
        [event] = retention_events()
        assert (event.object_type, event.object_id, event.case_id, event.actor_username) == (
            "case",
            old.pk,
            old.pk,
            "auditor",
        )
        assert event.changes["class"] == "children_in_need" and event.changes["destroy_after"] == "2020-06-01"
        assert LogEntry.objects.count() == field_history  # the removed values are not copied into field history
        young.refresh_from_db()
        assert young.family_name == "Young"
        out = io.StringIO()
        call_command("verify_audit", stdout=out)
        assert "audit trail intact" in out.getvalue()

    def test_a_second_run_does_nothing_more(self, world):
        closed_case(world)
        run()
        assert "0 record(s) destroyed" in run()
        assert len(retention_events()) == 1
        assert retention_events()[0].actor_username == f"system:{getpass.getuser()}"

    def test_legal_hold_keeps_the_case_until_released(self, world, admin_user):
        held, other = closed_case(world, family="Held"), closed_case(world, family="Other")
        hold = legal_hold_place(by=admin_user, reason="Court proceedings", case_id=held.pk)
        output = run("--dry-run")
        assert f"fgdm.case #{held.pk}" in output and "HELD, kept — legal hold" in output
        output = run()
        assert "1 record(s) destroyed, 1 held" in output
        held.refresh_from_db()
        assert held.family_name == "Held"
        assert Case.objects.get(pk=other.pk).family_name == "Removed"
        legal_hold_release(hold_id=hold.pk, by=admin_user, reason="Proceedings ended")
        run()
        held.refresh_from_db()
        assert held.family_name == "Removed"
        assert [e.action for e in DomainEvent.objects.filter(object_type="legalhold").order_by("id")] == [
            "legal_hold_placed",
            "legal_hold_released",
        ]

    def test_a_hold_on_one_record(self, world, admin_user):
        case = closed_case(world)
        legal_hold_place(by=admin_user, reason="Complaint", object_type="fgdm.case", object_id=case.pk)
        assert "1 held" in run()

    def test_looked_after_children_are_kept_to_75(self, world, admin_user):
        in_care = closed_case(world, outcome="entered_care", family="Care")
        assert in_care.reference not in run("--dry-run")
        assert f"{in_care.reference}; looked_after, destroy after 2070-06-01" in run("--dry-run", "--on", "2070-06-02")
        marked = closed_case(world, family="Marked")
        looked_after_mark(case_id=marked.pk, by=admin_user, reason="Section 20 accommodation")
        assert marked.reference not in run("--dry-run")
        looked_after_mark(case_id=in_care.pk, by=admin_user, looked_after=False, reason="Outcome recorded wrongly")
        assert in_care.reference in run("--dry-run")

    def test_only_administrators_hold_or_mark(self, world):
        case = closed_case(world)
        with pytest.raises(PermissionDenied):
            legal_hold_place(by=world.u.auditor, reason="x", case_id=case.pk)
        with pytest.raises(PermissionDenied):
            looked_after_mark(case_id=case.pk, by=world.u.tm_east)
        assert not LegalHold.objects.exists()


@pytest.mark.django_db
class TestPaymentRecords:
    def exported(self, world):
        from payments import services as payment_services

        package = scenario.payments_authorised(world)
        batch = payment_services.batch_create(by=world.u.fin1)
        payment_services.batch_approve(batch_id=batch.pk, by=world.u.fin2)
        payment_services.batch_export(batch_id=batch.pk, by=world.u.fin1)
        return package, batch

    def test_kept_six_years_after_the_financial_year(self, world):
        package, batch = self.exported(world)
        destroy_after = payment_destroy_after(package.payments.get().due_on)
        assert batch.reference not in run("--dry-run", "--on", destroy_after.isoformat())
        later = (destroy_after + datetime.timedelta(days=1)).isoformat()
        output = run("--dry-run", "--on", later)
        assert f"payments.paymentbatch #{batch.pk} ({batch.reference}; payment_records" in output
        assert "payments.bankaccount" in output

    def test_real_run_removes_the_file_and_the_bank_details(self, world, client):
        from payments.models import BankAccount, PaymentBatch

        package, batch = self.exported(world)
        sha = PaymentBatch.objects.get(pk=batch.pk).export_sha256
        size = batch.exports.get().size
        later = payment_destroy_after(package.payments.get().due_on) + datetime.timedelta(days=1)
        with time_machine.travel(datetime.datetime.combine(later, datetime.time(9)).astimezone(), tick=False):
            output = run()
        assert "2 record(s) destroyed" in output
        batch = PaymentBatch.objects.get(pk=batch.pk)
        assert batch.export_sha256 == sha and batch.exports.get().sha256 == sha
        export = batch.exports.get()
        assert not export.chunks.exists() and export.content_removed  # the file (names, bank details) is gone
        assert export.size == size > 0 and export.payment_count == 1  # what it was stays
        client.force_login(world.u.fin1)
        page = client.get(reverse("payments:batch_detail", args=[batch.pk])).content.decode()
        assert sha in page and "File removed under the retention schedule" in page
        from core.exceptions import InvalidTransition
        from payments import services as payment_services

        for export_format in ("csv", "bacs18"):  # neither the file again nor a new one
            with pytest.raises(InvalidTransition):
                payment_services.batch_export(batch_id=batch.pk, by=world.u.fin1, export_format=export_format)
        assert not BankAccount.objects.exists()
        assert package.payments.get().amount == package.total  # the money's record stays
        assert {e.object_type for e in retention_events()} == {"paymentbatch", "bankaccount"}

    def test_held_batch_is_kept(self, world, admin_user):
        package, batch = self.exported(world)
        legal_hold_place(by=admin_user, reason="Fraud inquiry", object_type="payments.paymentbatch", object_id=batch.pk)
        later = payment_destroy_after(package.payments.get().due_on) + datetime.timedelta(days=1)
        with time_machine.travel(datetime.datetime.combine(later, datetime.time(9)).astimezone(), tick=False):
            assert "1 record(s) destroyed, 1 held" in run()
        assert batch.exports.get().chunks.exists() and not batch.exports.get().content_removed


@pytest.mark.django_db
class TestHoldAdmin:
    def test_administrator_places_and_releases_a_hold_in_admin(self, world, client, admin_user):
        case = closed_case(world)
        client.force_login(admin_user)
        response = client.post(
            "/admin/audit/legalhold/add/",
            {"kind": "legal", "inquiry": "", "case_id": case.pk, "object_type": "", "object_id": "", "reason": "Court"},
        )
        assert response.status_code == 302, response.content.decode()[:2000]
        hold = LegalHold.objects.get()
        assert hold.placed_by == admin_user and hold.is_active
        response = client.post(f"/admin/audit/legalhold/{hold.pk}/change/", {"release_reason": "Finished"})
        assert response.status_code == 302
        hold.refresh_from_db()
        assert not hold.is_active
        assert [e.action for e in DomainEvent.objects.filter(object_type="legalhold")] == [
            "legal_hold_released",
            "legal_hold_placed",
        ]

    def test_others_cannot_open_it(self, world, client):
        staff = UserFactory(username="staffer", is_staff=True)
        client.force_login(staff)
        assert client.get("/admin/audit/legalhold/").status_code == 403
