"""Issue 18: budgets keep running totals. After each event that changes what a locality's packages
commit (an approval, an end, a changed version replacing the one it changes, a payment of an ended
package put in a batch or returned by the bank, a case moving locality), the kept total equals the
rule recomputed from the packages and payments; `check_budget_totals` finds a total that differs and
`--fix` rewrites it, audited; two approvals at the same moment are both counted."""

import datetime
import io
import threading
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection, connections, transaction
from django.utils import timezone

from audit.models import DomainEvent
from fgdm import services as case_services
from network_packages import commitments
from network_packages import services as package_services
from network_packages.models import BudgetCommitment
from network_packages.selectors import budget_position, committed_by_locality, committed_in, financial_year_of
from network_packages.services import ItemInput
from payments import services as payment_services
from tests import scenario

YEAR = financial_year_of(timezone.localdate())


def agree() -> None:
    """The kept totals are the rule recomputed, for every locality and year."""
    with transaction.atomic():
        assert commitments.differences() == []
    for year in {year for _, year in commitments.recomputed()} | {YEAR}:
        kept, fresh = (
            committed_by_locality(financial_year=year),
            commitments.recomputed_by_locality(financial_year=year),
        )
        for locality in set(kept) | set(fresh):
            assert kept.get(locality, Decimal("0.00")) == fresh.get(locality, Decimal("0.00")), (locality, year)


def east(world, year=YEAR) -> Decimal:
    return committed_in(locality_id=world.east.pk, financial_year=year)


def authorised_weekly(world, *, amount="25.00", instalments=4):
    return scenario.payments_authorised(world, amount=Decimal(amount), frequency="weekly", instalments=instalments)


def batch_of(world, payments):
    return payment_services.batch_create(by=world.u.fin1, payment_ids=[p.pk for p in payments])


def weeks(package, n):
    return list(package.payments.order_by("due_on")[:n])


@pytest.mark.django_db
class TestEachEventKeepsTheTotal:
    def test_an_approval_adds_its_total_in_the_year_of_its_decision(self, world):
        assert BudgetCommitment.objects.count() == 0
        package = scenario.package_approved(world, amount=Decimal("300.00"))
        assert east(world) == Decimal("300.00")
        row = BudgetCommitment.objects.get()
        assert (row.locality_id, row.financial_year, row.committed_pence) == (world.east.pk, YEAR, 30000)
        assert commitments.key_of(world.east.pk, package.decided_at) == (world.east.pk, YEAR)
        agree()

    def test_an_endorsement_alone_commits_nothing(self, world):
        scenario.no_payee_cap_or_checks()
        big = scenario.package_submitted(world, amount=Decimal("800.00"))
        package_services.package_approve(package_id=big.pk, by=world.u.tm_east, note="Endorsed")
        assert east(world) == Decimal("0.00")
        agree()
        package_services.package_approve(package_id=big.pk, by=world.u.sm, note="Agreed")
        assert east(world) == Decimal("800.00")
        agree()

    def test_an_end_leaves_what_went_to_the_bank(self, world):
        package = authorised_weekly(world)
        batch_of(world, weeks(package, 1))
        assert east(world) == Decimal("100.00")  # in force: its whole total, batched or not
        agree()
        package_services.package_end(package_id=package.pk, by=world.u.prac_east, reason="Mum is home")
        assert east(world) == Decimal("25.00")
        agree()

    def test_a_payment_of_an_ended_package_batched_later_adds_and_a_bank_return_takes_away(self, world):
        package = authorised_weekly(world)
        two = weeks(package, 2)
        # Ends after its second week: the first two payments stay authorised, the rest are cancelled.
        package_services.package_end(
            package_id=package.pk, by=world.u.prac_east, reason="Mum is home", last_due_on=two[1].due_on
        )
        assert east(world) == Decimal("0.00")
        batch = batch_of(world, two)
        assert east(world) == Decimal("50.00")
        agree()
        payment_services.batch_approve(batch_id=batch.pk, by=world.u.fin2)
        payment_services.batch_export(batch_id=batch.pk, by=world.u.fin1)
        returned = two[0]
        content = (
            "reference,amount,returned_on,reason_code,reason\r\n"
            f"{returned.reference},{returned.amount},{timezone.localdate().isoformat()},ARUCS-2,Account closed\r\n"
        ).encode()
        payment_services.returns_import(by=world.u.fin2, content=content)
        assert east(world) == Decimal("25.00")
        agree()

    def test_a_return_of_a_package_in_force_changes_nothing(self, world):
        batch = scenario.approved_batch(world, amount="40.00", instalments=2)
        payment_services.batch_export(batch_id=batch.pk, by=world.u.fin1)
        payment = batch.payments.order_by("id").first()
        content = (
            "reference,amount,returned_on,reason_code,reason\r\n"
            f"{payment.reference},{payment.amount},{timezone.localdate().isoformat()},ARUCS-2,Account closed\r\n"
        ).encode()
        payment_services.returns_import(by=world.u.fin2, content=content)
        assert east(world) == Decimal("80.00")
        agree()

    def test_a_changed_version_replaces_the_one_it_changes(self, world):
        package = authorised_weekly(world)
        batch_of(world, weeks(package, 1))
        item = package.items.get()
        changed = package_services.package_revise(
            package_id=package.pk,
            by=world.u.prac_east,
            plan_id=package.plan_id,
            justification="Two more weeks",
            other_funding_checked=True,
            agreement_signed_on=timezone.localdate(),
            review_by=package.review_by,
            items=[ItemInput(item.description, item.category, item.payee_id, Decimal("25.00"), "weekly", 6)],
        )
        package_services.package_submit(package_id=changed.pk, by=world.u.prac_east)
        changed.refresh_from_db()
        # The approver's position: the version it replaces counts what went to the bank from it.
        position = budget_position(package=changed)
        assert (position.committed, position.after_approval) == (Decimal("25.00"), Decimal("175.00"))
        assert position.committed == commitments.recomputed_by_locality(
            financial_year=YEAR, exclude_ids=(changed.pk,), replaced_ids=(package.pk,)
        ).get(world.east.pk, Decimal("0.00"))
        package_services.package_approve(package_id=changed.pk, by=world.u.tm_east)
        assert east(world) == Decimal("175.00")
        agree()

    def test_closing_the_case_ends_its_package(self, world):
        package = authorised_weekly(world)
        batch_of(world, weeks(package, 3))
        case_services.case_close(case_id=package.case_id, by=world.u.prac_east, reason="needs_met")
        package.refresh_from_db()
        assert package.status == "ended"
        assert east(world) == Decimal("75.00")
        agree()

    def test_a_case_moving_locality_takes_its_commitments_with_it(self, world):
        package = authorised_weekly(world)
        batch_of(world, weeks(package, 1))
        scenario.package_approved(world, amount=Decimal("10.00"))  # another case, staying in East
        case_services.case_transfer(
            case_id=package.case_id,
            by=world.u.sm,
            team=world.team_west,
            lead_practitioner=world.u.prac_west,
            locality=world.west,
        )
        assert (east(world), committed_in(locality_id=world.west.pk, financial_year=YEAR)) == (
            Decimal("10.00"),
            Decimal("100.00"),
        )
        agree()
        package_services.package_end(package_id=package.pk, by=world.u.prac_west, reason="Moved on")
        assert committed_in(locality_id=world.west.pk, financial_year=YEAR) == Decimal("25.00")
        agree()

    def test_the_approvers_position_reads_the_totals_and_just_the_package(self, world, django_assert_max_num_queries):
        for _ in range(3):
            scenario.package_approved(world, amount=Decimal("20.00"))
        pending = scenario.package_submitted(world, amount=Decimal("50.00"))
        with django_assert_max_num_queries(4):  # the budget, the totals, the package decided on (no sums)
            position = budget_position(package=pending)
        assert (position.committed, position.after_approval) == (Decimal("60.00"), Decimal("110.00"))


@pytest.mark.django_db
class TestCheckCommand:
    def run(self, *args):
        out, err = io.StringIO(), io.StringIO()
        try:
            call_command("check_budget_totals", *args, stdout=out, stderr=err)
            code = 0
        except SystemExit as exit:
            code = exit.code
        return code, out.getvalue(), err.getvalue()

    def test_agreeing_totals_pass(self, world):
        scenario.package_approved(world, amount=Decimal("300.00"))
        code, out, _ = self.run()
        assert code == 0 and "agree" in out

    def test_finds_a_tampered_total_and_fix_repairs_it_with_an_event(self, world):
        scenario.package_approved(world, amount=Decimal("300.00"))
        scenario.package_approved(world, amount=Decimal("12.34"))
        BudgetCommitment.objects.filter(locality=world.east).update(committed_pence=1)
        # A total kept for a locality and year where nothing is committed is a difference too.
        BudgetCommitment.objects.create(locality=world.west, financial_year=YEAR - 1, committed_pence=500)
        code, out, err = self.run()
        label = f"{YEAR}-{(YEAR + 1) % 100:02d}"
        assert code == 1
        assert f"East {label}: kept £0.01, recomputed £312.34" in out
        assert f"West {YEAR - 1}-{YEAR % 100:02d}: kept £5.00, recomputed £0.00" in out
        assert "2 budget total(s) differed" in err
        assert east(world) == Decimal("0.01")  # without --fix nothing changes
        assert not DomainEvent.objects.filter(action="budget_total_fixed").exists()

        code, out, _ = self.run("--fix")
        assert code == 1 and "(fixed)" in out  # a run that found a difference says so, fixed or not
        assert east(world) == Decimal("312.34")
        events = DomainEvent.objects.filter(action="budget_total_fixed").order_by("id")
        assert [e.changes for e in events] == [
            {"committed": ["0.01", "312.34"]},
            {"committed": ["5.00", "0.00"]},
        ]
        assert self.run()[0] == 0
        agree()

    def test_a_missing_total_is_found_and_made(self, world):
        scenario.package_approved(world, amount=Decimal("300.00"))
        BudgetCommitment.objects.all().delete()
        code, out, _ = self.run("--fix")
        assert code == 1 and "kept £0.00, recomputed £300.00" in out
        assert east(world) == Decimal("300.00")

    def test_fill_writes_every_total_from_the_packages(self, world):
        """What the migration (and bench/bulk_cases.py) does for data written without the services."""
        package = authorised_weekly(world)
        batch_of(world, weeks(package, 1))
        package_services.package_end(package_id=package.pk, by=world.u.prac_east, reason="Done")
        scenario.package_approved(world, amount=Decimal("7.00"))
        BudgetCommitment.objects.all().delete()
        assert commitments.fill() == 1
        assert east(world) == Decimal("32.00")
        agree()


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks are real only on PostgreSQL (SQLite serialises writers)"
)
@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # needs the migrations' data back
def test_two_approvals_at_the_same_moment_are_both_counted(world):
    from core.roles import Role
    from tests.factories import UserFactory

    first = scenario.package_submitted(world, amount=Decimal("300.00"))
    second = scenario.package_submitted(world, amount=Decimal("45.67"))
    other_manager = UserFactory(username="tm2.east", roles=[Role.TEAM_MANAGER])
    world.team_east.managers.add(other_manager)
    barrier = threading.Barrier(2)
    errors = []

    def approve(package, by):
        try:
            barrier.wait(timeout=10)
            package_services.package_approve(package_id=package.pk, by=by)
        except Exception as error:  # noqa: BLE001 — reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=approve, args=(first, world.u.tm_east)),
        threading.Thread(target=approve, args=(second, other_manager)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert east(world) == Decimal("345.67")
    assert BudgetCommitment.objects.get().committed_pence == 34567
    agree()


def test_the_year_is_the_local_date_of_the_decision():
    """A decision at 00:30 on 1 April in London is 23:30 on 31 March in UTC: the new year's, as the
    rule's `decided_at__date` reads it."""
    moment = datetime.datetime(2027, 3, 31, 23, 30, tzinfo=datetime.timezone.utc)
    assert commitments.key_of(1, moment) == (1, 2027)
    assert commitments.pence(Decimal("12.34")) == 1234 and commitments.pounds(1234) == Decimal("12.34")


@pytest.mark.django_db
def test_cases_written_in_bulk_end_with_their_totals():
    """bench/bulk_cases.py writes packages and payments without the services, then fills the totals."""
    from bench.bulk_cases import generate

    generate(cases=30, seed=3, practitioners_per_team=2, coordinators=1, log=lambda *_: None)
    assert BudgetCommitment.objects.exists()
    agree()
