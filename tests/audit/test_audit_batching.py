"""Issue 18: a step's audit records are written together, one multi-row INSERT per audit table, in
the step's transaction (audit/batching.py): never after COMMIT, never kept when the change rolls
back, never lost when a savepoint inside it rolls back, and sealed and verified like any other."""

import io

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from audit.models import DomainEvent, LogEntry
from audit.sealing import seal
from audit.services import record_event
from audit.verification import verify_all
from fgdm import services as case_services
from fgdm.models import Case, CaseUserObjectPermission
from fgdm.visibility import grant_case_access
from network_packages import services as package_services
from tests import scenario
from tests.factories import LocalityFactory


class Boom(Exception):
    pass


def inserts(captured, table: str) -> list[str]:
    return [q["sql"] for q in captured.captured_queries if q["sql"].lstrip().startswith(f'INSERT INTO "{table}"')]


def actions(**filters) -> list[str]:
    return list(DomainEvent.objects.filter(**filters).order_by("id").values_list("action", flat=True))


def verify() -> int:
    try:
        call_command("verify_audit", stdout=io.StringIO(), stderr=io.StringIO())
    except SystemExit as exit_:
        return exit_.code
    return 0


class TestOneInsertPerTable:
    def test_a_step_writes_its_records_in_one_insert_per_table(self, world):
        package = scenario.package_submitted(world)
        events_before, entries_before = DomainEvent.objects.count(), LogEntry.objects.count()
        with CaptureQueriesContext(connection) as captured:
            package_services.package_approve(package_id=package.pk, by=world.u.tm_east, note="Agreed")
        # package_approved and payments_scheduled, and the field history of the package, its
        # payments and the case: several records of each table, one INSERT each.
        assert DomainEvent.objects.count() - events_before >= 2
        assert LogEntry.objects.count() - entries_before >= 2
        assert len(inserts(captured, "audit_domainevent")) == 1
        assert len(inserts(captured, "audit_logentry")) == 1
        assert actions(case_id=package.case_id)[-2:] == ["package_approved", "payments_scheduled"]

    def test_an_allocation_grants_in_one_insert_with_the_same_field_history(self, world):
        case = scenario.referral(world)
        with CaptureQueriesContext(connection) as captured:
            with transaction.atomic():
                grant_case_access(world.u.prac_east2, case, "work_case")
        assert len(inserts(captured, "fgdm_caseuserobjectpermission")) == 1
        assert len(inserts(captured, "audit_logentry")) == 1
        grants = list(CaseUserObjectPermission.objects.filter(user=world.u.prac_east2, content_object=case))
        assert sorted(g.permission.codename for g in grants) == ["view_case", "work_case"]
        for grant in grants:
            entry = LogEntry.objects.get_for_object(grant).get()
            assert entry.action == LogEntry.Action.CREATE
            assert entry.object_repr == str(grant)
            assert entry.changes == {
                "permission": ["None", str(grant.permission_id)],
                "id": ["None", str(grant.pk)],
                "user": ["None", str(world.u.prac_east2.pk)],
                "content_object": ["None", str(case.pk)],
            }

    def test_the_grants_field_history_is_as_a_save_leaves_it(self, world):
        case = scenario.referral(world)
        with transaction.atomic():
            grant_case_access(world.u.prac_east2, case)
        saved = CaseUserObjectPermission(
            permission=Permission.objects.get(codename="view_case", content_type__model="case"),
            user=world.u.prac_west,
            content_object=case,
        )
        saved.save()
        granted = CaseUserObjectPermission.objects.get(user=world.u.prac_east2, content_object=case)
        fields = ["action", "content_type_id", "serialized_data", "additional_data", "actor_id", "cid"]
        one, other = (LogEntry.objects.get_for_object(g).values(*fields, "changes").get() for g in (granted, saved))
        assert {k: one[k] for k in fields} == {k: other[k] for k in fields}
        assert set(one["changes"]) == set(other["changes"])


def test_every_step_of_the_path_writes_one_insert_per_audit_table(db):
    """The whole path of bench/workflow_step.py, referral to a confirmed batch. No step asks a
    domain event for its id before it ends (arranging a meeting keys its notification by the
    meeting), so none writes its events in two INSERTs."""
    from bench.workflow_step import drive_one_case
    from process import demo

    demo.seed_reference()
    demo.seed_budgets(demo.seed_users())
    steps: dict = {}
    for run in range(2):
        drive_one_case(steps, model="fnm", run=run)
    for name, step in steps.items():
        for table in ("audit_logentry", "audit_domainevent", "audit_accesslog"):
            written = [sql for sql in step.sql if sql.lstrip().startswith(f'INSERT INTO "{table}"')]
            assert len(written) <= 1, f"{name}: {len(written)} INSERTs into {table}"


class TestRollbacks:
    def test_a_savepoint_that_rolls_back_takes_its_records_and_no_others(self, world):
        east = world.east
        with CaptureQueriesContext(connection) as captured:
            with transaction.atomic():
                record_event(obj=east, action="before_the_savepoint", by=None, case_id=None)
                try:
                    with transaction.atomic():
                        LocalityFactory(code="gone", name="Gone")  # its field history goes too
                        record_event(obj=east, action="in_the_savepoint", by=None, case_id=None)
                        raise Boom
                except Boom:
                    pass
                record_event(obj=east, action="after_the_savepoint", by=None, case_id=None)
                record_event(obj=east, action="and_another", by=None, case_id=None)
        assert actions(object_type="locality") == ["before_the_savepoint", "after_the_savepoint", "and_another"]
        assert not LogEntry.objects.filter(object_repr__contains="Gone").exists()
        # Those made before the savepoint are written as it begins; those after, together at the end.
        assert len(inserts(captured, "audit_domainevent")) == 2

    def test_a_savepoint_released_keeps_its_records_for_the_one_insert(self, world):
        with CaptureQueriesContext(connection) as captured:
            with transaction.atomic():
                with transaction.atomic():
                    record_event(obj=world.east, action="inner", by=None, case_id=None)
                record_event(obj=world.east, action="outer", by=None, case_id=None)
        assert actions(object_type="locality") == ["inner", "outer"]
        assert len(inserts(captured, "audit_domainevent")) == 1

    def test_a_rolled_back_service_leaves_no_record(self, world):
        case = scenario.referral(world)
        events, entries = DomainEvent.objects.count(), LogEntry.objects.count()
        with pytest.raises(Boom), CaptureQueriesContext(connection) as captured:
            with transaction.atomic():
                case_services.case_allocate(case_id=case.pk, by=world.u.tm_east, lead_practitioner=world.u.prac_east)
                raise Boom
        assert (DomainEvent.objects.count(), LogEntry.objects.count()) == (events, entries)
        assert Case.objects.get(pk=case.pk).lead_practitioner_id is None
        # Nothing was even sent to the database: the records waited for a commit that never came.
        assert inserts(captured, "audit_domainevent") == inserts(captured, "audit_logentry") == []

    def test_the_trail_read_inside_the_transaction_sees_the_records_waiting(self, world):
        with transaction.atomic():
            event = record_event(obj=world.east, action="waiting", by=None, case_id=None)
            assert DomainEvent.objects.filter(action="waiting").count() == 1
            assert event.pk is not None

    def test_a_waiting_records_id_is_known_when_asked_for(self, world):
        with transaction.atomic():
            event = record_event(obj=world.east, action="asked", by=None, case_id=None)
            assert DomainEvent.objects.get(pk=event.pk).action == "asked"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
class TestRealTransactions:
    """Outside a test's own transaction: COMMIT and ROLLBACK, not savepoints."""

    def test_records_are_written_before_commit_and_dropped_on_rollback(self):
        locality = LocalityFactory()
        before = DomainEvent.objects.count()
        with pytest.raises(Boom):
            with transaction.atomic():
                record_event(obj=locality, action="rolled_back", by=None, case_id=None)
                raise Boom
        with CaptureQueriesContext(connection) as captured:
            with transaction.atomic():
                for n in range(3):
                    record_event(obj=locality, action=f"committed_{n}", by=None, case_id=None)
        statements = [q["sql"].split(None, 1)[0].upper() for q in captured.captured_queries]
        assert statements[-2:] == ["INSERT", "COMMIT"]  # written in the transaction, just before COMMIT
        assert len(inserts(captured, "audit_domainevent")) == 1
        assert DomainEvent.objects.count() - before == 3
        assert not DomainEvent.objects.filter(action="rolled_back").exists()
        assert connection.audit_pending == []


class TestSealed:
    def test_records_written_together_seal_and_verify(self, world):
        package = scenario.package_approved(world)
        assert DomainEvent.objects.filter(case_id=package.case_id, seq__isnull=True).exists()
        sealed = seal()
        assert sealed["domain_events"] > 0 and sealed["field_history"] > 0
        assert verify_all()[1] == []
        assert verify() == 0
        assert not DomainEvent.objects.filter(seq__isnull=True).exists()
        assert not LogEntry.objects.filter(seq__isnull=True).exists()
