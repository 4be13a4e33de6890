"""Tamper evidence: verify_audit catches an edited, deleted or forged record; PostgreSQL refuses changes."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from audit.models import AccessLog, ChainHead, DomainEvent, ImmutableRecord, LogEntry
from audit.sealing import seal
from audit.services import record_access
from tests import scenario
from tests.helpers import ok


def verify():
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("verify_audit", stdout=out, stderr=err)
    except SystemExit as exit_:
        return exit_.code, out.getvalue() + err.getvalue()
    return 0, out.getvalue() + err.getvalue()


def raw(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def disable_triggers():
    if connection.vendor == "postgresql":
        raw("SET session_replication_role = replica")  # a superuser bypassing triggers, as an attacker might


@pytest.fixture
def trail(world):
    package = scenario.package_approved(world)
    record_access(by=world.u.prac_east, what="case", door="page", obj=package.case, case_id=package.case_id)
    seal()  # as the seal_audit job would a moment later
    return package


@pytest.mark.django_db
class TestVerifyAudit:
    def test_intact_trail_passes(self, trail):
        code, output = verify()
        assert code == 0, output
        assert "audit trail intact" in output
        assert DomainEvent.objects.count() > 5 and LogEntry.objects.count() > 5

    def test_edited_domain_event_is_caught(self, trail):
        victim = DomainEvent.objects.get(action="package_approved")
        disable_triggers()
        raw("UPDATE audit_domainevent SET actor_username = %s WHERE id = %s", ["hos", victim.pk])
        code, output = verify()
        assert code == 1
        assert f"record #{victim.pk}" in output and "changed" in output

    def test_edited_field_change_is_caught(self, trail):
        victim = LogEntry.objects.filter(content_type__model="supportpackage").order_by("seq").last()
        disable_triggers()
        raw("UPDATE audit_logentry SET changes_text = %s WHERE id = %s", ["nothing to see", victim.pk])
        code, output = verify()
        assert code == 1 and f"record #{victim.pk}" in output

    def test_edited_event_changes_are_caught(self, trail):
        victim = DomainEvent.objects.get(action="package_approved")
        disable_triggers()
        raw(
            "UPDATE audit_domainevent SET changes = %s WHERE id = %s",
            ['{"total": "3.00", "tier": "team_manager"}', victim.pk],
        )
        code, output = verify()
        assert code == 1 and f"record #{victim.pk}" in output and "changed" in output

    def test_edited_field_history_changes_are_caught(self, trail):
        victim = LogEntry.objects.filter(content_type__model="supportpackage").order_by("seq").first()
        disable_triggers()
        raw("UPDATE audit_logentry SET changes = %s WHERE id = %s", ['{"total": ["None", "3.00"]}', victim.pk])
        code, output = verify()
        assert code == 1 and f"record #{victim.pk}" in output

    def test_edited_read_is_caught(self, trail):
        victim = AccessLog.objects.get()
        disable_triggers()
        raw("UPDATE audit_accesslog SET actor_username = %s WHERE id = %s", ["nobody", victim.pk])
        code, output = verify()
        assert code == 1 and f"access_log: record #{victim.pk}" in output

    @pytest.mark.parametrize(
        "sql",
        [
            "UPDATE audit_domainevent SET remote_addr = '10.0.0.66' WHERE id = %s",  # an address added afterwards
            "UPDATE audit_domainevent SET via = 'command:seed_demo' WHERE id = %s",
        ],
    )
    def test_origin_added_afterwards_is_caught(self, trail, sql):
        victim = DomainEvent.objects.get(action="package_approved")
        disable_triggers()
        raw(sql, [victim.pk])
        code, output = verify()
        assert code == 1 and f"record #{victim.pk}" in output

    def test_origin_removed_is_caught(self, trail, api, world):
        ok(api.as_user(world.u.auditor).get(f"/api/v1/cases/{trail.case_id}/"))
        seal()
        victim = AccessLog.objects.filter(door="api", what="case").get()
        assert victim.remote_addr == "127.0.0.1"
        disable_triggers()
        raw("UPDATE audit_accesslog SET remote_addr = NULL WHERE id = %s", [victim.pk])
        code, output = verify()
        assert code == 1 and f"record #{victim.pk}" in output

    def test_deleted_field_change_is_caught(self, trail):
        victim = LogEntry.objects.order_by("seq")[3]
        disable_triggers()
        raw("DELETE FROM audit_logentry WHERE id = %s", [victim.pk])
        code, output = verify()
        assert code == 1 and "field_history" in output and "missing" in output

    def test_deleted_record_is_caught(self, trail):
        victim = DomainEvent.objects.order_by("seq")[2]
        disable_triggers()
        raw("DELETE FROM audit_domainevent WHERE id = %s", [victim.pk])
        code, output = verify()
        assert code == 1 and "missing" in output

    def test_last_record_deleted_is_caught(self, trail):
        victim = AccessLog.objects.get()
        disable_triggers()
        raw("DELETE FROM audit_accesslog WHERE id = %s", [victim.pk])
        code, output = verify()
        assert code == 1 and "removed from the end" in output

    def test_forged_record_with_a_hash_but_no_position_is_caught(self, trail):
        first = DomainEvent.objects.order_by("seq").first()
        raw(
            "INSERT INTO audit_domainevent (at, actor_username, action, object_type, object_id, object_repr, "
            "from_state, to_state, reason, changes, prev_hash, hash) "
            "VALUES (%s, 'hos', 'package_approved', 'supportpackage', 1, 'x', '', '', '', '{}', %s, %s)",
            [first.at, first.hash, "f" * 64],
        )
        code, output = verify()
        assert code == 1 and "outside the chain" in output

    def test_a_record_backdated_past_the_grace_and_never_sealed_fails(self, trail):
        """An unsealed record is reported while young; one older than the grace fails verify_audit
        (the sequencer is not running, or a record was slipped in with an old date)."""
        first = DomainEvent.objects.order_by("seq").first()
        raw(
            "INSERT INTO audit_domainevent (at, actor_username, action, object_type, object_id, object_repr, "
            "from_state, to_state, reason, changes, prev_hash, hash) "
            "VALUES (%s, 'hos', 'package_approved', 'supportpackage', 1, 'x', '', '', '', '{}', '', '')",
            [first.at - datetime.timedelta(hours=1)],
        )
        code, output = verify()
        assert code == 1 and "NOT SEALED domain_events" in output and "1 record(s) not yet sealed" in output

    def test_forged_record_with_a_position_is_caught(self, trail):
        last = DomainEvent.objects.order_by("seq").last()
        raw(
            "INSERT INTO audit_domainevent (seq, at, actor_username, action, object_type, object_id, object_repr, "
            "from_state, to_state, reason, changes, prev_hash, hash) "
            "VALUES (%s, %s, 'hos', 'package_approved', 'supportpackage', 1, 'x', '', '', '', '{}', %s, %s)",
            [last.seq + 1, last.at, last.hash, "f" * 64],
        )
        code, output = verify()
        assert code == 1

    def test_the_application_cannot_change_or_delete_a_record(self, trail):
        event = DomainEvent.objects.first()
        event.reason = "edited"
        with pytest.raises(ImmutableRecord):
            event.save()
        with pytest.raises(ImmutableRecord):
            event.delete()

    def test_chain_heads_follow_the_records(self, trail):
        head = ChainHead.objects.get(chain="domain_events")
        assert head.seq == DomainEvent.objects.count()


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger exists on PostgreSQL only")
class TestPostgresTrigger:
    @pytest.mark.parametrize("table", ["audit_domainevent", "audit_logentry", "audit_accesslog"])
    def test_update_and_delete_are_refused(self, trail, table):
        with pytest.raises(DatabaseError), transaction.atomic():
            raw(f"UPDATE {table} SET object_id = 0")
        with pytest.raises(DatabaseError), transaction.atomic():
            raw(f"DELETE FROM {table}")

    def test_deleting_a_user_still_nulls_the_actor(self, trail, world):
        from tests.factories import UserFactory

        leaver = UserFactory(username="leaver")
        record_access(by=leaver, what="case", door="page")
        leaver.delete()
        entry = AccessLog.objects.get(actor_username="leaver")
        assert entry.actor_id is None
        code, output = verify()
        assert code == 0, output
