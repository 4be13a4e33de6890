"""Issue 18: an audit trail that does not serialise the system.

A record is appended unsealed in ONE INSERT (no lock on the chain head, no second statement); the
sequencer (audit.sealing, `manage.py seal_audit`, the `seal_audit` timer job) seals records into
the chain in batches; verify_audit checks everything sealed and reports what waits.
"""

import datetime
import io
import threading

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import DatabaseError, connection, connections, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from audit.masking import MASK
from audit.models import ChainHead, DomainEvent, LogEntry, LookedAfterMark, Redaction
from audit.sealing import seal, seal_chain
from audit.services import record_event
from audit.verification import verify_all
from fgdm.models import Child
from tests.factories import LocalityFactory

AUDIT_TABLES = ("audit_logentry", "audit_domainevent", "audit_accesslog", "audit_redaction", "audit_chainhead")


def verify():
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("verify_audit", stdout=out, stderr=err)
    except SystemExit as exit_:
        return exit_.code, out.getvalue() + err.getvalue()
    return 0, out.getvalue() + err.getvalue()


def event(obj, n=0, **fields):
    return DomainEvent(
        at=fields.pop("at", timezone.now()),
        action=f"bulk_{n}",
        object_type=obj._meta.model_name,
        object_id=obj.pk,
        object_repr=str(obj),
        **fields,
    )


def seqs(model=DomainEvent) -> list[int]:
    return list(model.objects.filter(seq__isnull=False).order_by("seq").values_list("seq", flat=True))


def assert_contiguous(model=DomainEvent):
    found = seqs(model)
    assert found == list(range(1, len(found) + 1))
    head = ChainHead.objects.get(pk=model.CHAIN)
    assert head.seq == len(found)


@pytest.mark.django_db
class TestAppendWithoutALock:
    def test_record_event_is_one_insert(self):
        locality = LocalityFactory()
        with CaptureQueriesContext(connection) as queries:
            written = record_event(obj=locality, action="locality_checked", by=None, case_id=None)
        assert len(queries) == 1, [q["sql"] for q in queries]
        assert queries[0]["sql"].startswith("INSERT INTO")
        assert written.seq is None and written.hash == "" and not written.sealed

    def test_a_field_history_entry_is_one_insert(self):
        with CaptureQueriesContext(connection) as queries:
            LookedAfterMark.objects.create(case_id=99, marked_at=timezone.now())
        audit = [q["sql"] for q in queries if any(table in q["sql"] for table in AUDIT_TABLES)]
        assert len(audit) == 1 and audit[0].startswith('INSERT INTO "audit_logentry"'), audit
        assert LogEntry.objects.get().seq is None

    def test_sealing_chains_them_and_verify_reports_what_waits(self):
        locality = LocalityFactory()
        for n in range(3):
            record_event(obj=locality, action=f"step_{n}", by=None, case_id=None)
        code, output = verify()
        assert code == 0, output
        assert "domain_events: 3 record(s) not yet sealed" in output and "wait to be sealed" in output
        out = io.StringIO()
        call_command("seal_audit", stdout=out)
        assert "domain_events: 3 record(s) sealed" in out.getvalue()
        assert_contiguous()
        code, output = verify()
        assert code == 0 and "not yet sealed" not in output and output.strip().endswith("audit trail intact")

    def test_bulk_create_writes_unsealed_records_that_seal_and_verify(self):
        locality = LocalityFactory()
        given = event(locality, seq=None, hash="f" * 64)  # whatever a caller leaves, nothing is chained yet
        DomainEvent.objects.bulk_create([given, *[event(locality, n) for n in range(1, 50)]])
        assert DomainEvent.objects.filter(seq__isnull=True, hash="", prev_hash="").count() == 50
        assert seal()["domain_events"] == 50
        assert_contiguous()
        assert verify_all()[1] == []

    def test_bulk_created_field_history_is_masked(self):
        child_type = ContentType.objects.get_for_model(Child)
        entry = LogEntry(
            content_type=child_type,
            object_pk="7",
            object_id=7,
            object_repr="Alfie Hardy",
            action=LogEntry.Action.UPDATE,
            changes={"first_name": ["Alfie", "Alf"], "status": ["a", "b"]},
            changes_text="first_name: Alfie -> Alf",
        )
        LogEntry.objects.bulk_create([entry])
        stored = LogEntry.objects.get()
        assert stored.changes == {"first_name": [MASK, MASK], "status": ["a", "b"]}
        assert stored.object_repr == "child #7" and stored.changes_text == ""
        seal()
        assert verify_all()[1] == []

    def test_sealing_5000_records_takes_a_bounded_number_of_statements(self):
        locality = LocalityFactory()
        DomainEvent.objects.bulk_create([event(locality, n) for n in range(5000)], batch_size=1000)
        with CaptureQueriesContext(connection) as queries:
            assert seal_chain(DomainEvent) == 5000
        # five batches of 1,000 (lock, head, read, one UPDATE, head; savepoints here) and a last look
        assert len(queries) <= 48, len(queries)
        assert_contiguous()
        assert verify_all()[1] == []

    def test_records_written_after_a_seal_chain_on(self):
        locality = LocalityFactory()
        record_event(obj=locality, action="first", by=None, case_id=None)
        seal()
        record_event(obj=locality, action="second", by=None, case_id=None)
        seal()
        assert list(DomainEvent.objects.order_by("seq").values_list("action", flat=True)) == ["first", "second"]
        assert_contiguous()
        assert verify_all()[1] == []

    def test_a_record_waiting_past_the_grace_fails_verify(self, settings):
        settings.FGDM_AUDIT_SEAL_GRACE_MINUTES = 15
        locality = LocalityFactory()
        DomainEvent.objects.bulk_create([event(locality, at=timezone.now() - datetime.timedelta(minutes=16))])
        code, output = verify()
        assert code == 1 and "NOT SEALED domain_events" in output and "the sequencer is not running" in output
        seal()
        assert verify()[0] == 0

    def test_a_sealed_record_edited_is_caught_an_unsealed_one_is_the_window(self):
        """Said plainly: before it is sealed a record is not covered (the trigger still refuses the
        application's UPDATE on PostgreSQL); once sealed, an edit breaks the chain."""
        locality = LocalityFactory()
        written = record_event(obj=locality, action="approved", by=None, case_id=None)
        seal()
        _tamper(DomainEvent, written.pk, action="refused")
        code, output = verify()
        assert code == 1 and f"record #{written.pk}" in output and "changed" in output

    def test_anchor_audit_seals_first(self, settings, tmp_path):
        settings.AUDIT_ANCHOR_DIR = str(tmp_path)
        locality = LocalityFactory()
        record_event(obj=locality, action="approved", by=None, case_id=None)
        out = io.StringIO()
        call_command("anchor_audit", stdout=out)
        assert "domain_events: 1 record(s) sealed first" in out.getvalue()
        assert "domain_events: position 1 " in out.getvalue()


def _tamper(model, pk, **values):
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL session_replication_role = replica")
        model.objects.filter(pk=pk).update(**values)


def _raw(sql, params=()):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger exists on PostgreSQL only")
class TestTriggerLetsTheSealerSealOnce:
    def test_sealing_once_is_allowed_and_nothing_else(self):
        locality = LocalityFactory()
        written = record_event(obj=locality, action="approved", by=None, case_id=None)
        other = record_event(obj=locality, action="other", by=None, case_id=None)
        with pytest.raises(DatabaseError):  # unsealed, but another column changed with the seal
            _raw(
                "UPDATE audit_domainevent SET seq = 1, prev_hash = 'a', hash = 'b', action = 'x' WHERE id = %s",
                [written.pk],
            )
        with pytest.raises(DatabaseError):  # unsealed, another column alone
            _raw("UPDATE audit_domainevent SET action = 'x' WHERE id = %s", [written.pk])
        with pytest.raises(DatabaseError):
            _raw("DELETE FROM audit_domainevent WHERE id = %s", [other.pk])
        assert seal()["domain_events"] == 2  # the sealer's own UPDATE passes
        with pytest.raises(DatabaseError):  # a sealed record cannot be sealed again
            _raw("UPDATE audit_domainevent SET seq = 9, prev_hash = '', hash = 'c' WHERE id = %s", [written.pk])
        with pytest.raises(DatabaseError):
            _raw("UPDATE audit_domainevent SET hash = 'c' WHERE id = %s", [written.pk])
        assert verify_all()[1] == []

    def test_redactions_are_sealed_and_otherwise_refused(self):
        redaction = Redaction.objects.create(
            at=timezone.now(), entry_id=1, entry_seq=1, entry_hash="a", redacted_hash="b", reason="test"
        )
        with pytest.raises(DatabaseError):
            _raw("UPDATE audit_redaction SET reason = 'x' WHERE id = %s", [redaction.pk])
        assert seal()["redactions"] == 1
        with pytest.raises(DatabaseError):
            _raw("UPDATE audit_redaction SET seq = 5 WHERE id = %s", [redaction.pk])


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row and advisory locks are real only on PostgreSQL")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
class TestConcurrency:
    def test_a_writer_never_waits_for_another_writers_open_transaction(self):
        locality = LocalityFactory()
        a_wrote, b_done = threading.Event(), threading.Event()
        problems = []

        def writer_a():
            try:
                with transaction.atomic():
                    record_event(obj=locality, action="a_open", by=None, case_id=None)
                    a_wrote.set()
                    if not b_done.wait(timeout=20):  # before: B waited on the chain head until A committed
                        problems.append("B did not commit while A's transaction was open")
            except Exception as error:
                problems.append(repr(error))
            finally:
                connections.close_all()

        def writer_b():
            try:
                a_wrote.wait(timeout=20)
                for n in range(3):
                    record_event(obj=locality, action=f"b_{n}", by=None, case_id=None)  # each commits
                b_done.set()
            except Exception as error:
                problems.append(repr(error))
            finally:
                connections.close_all()

        threads = [threading.Thread(target=writer_a), threading.Thread(target=writer_b)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert problems == []
        assert seal()["domain_events"] == 4
        assert_contiguous()
        assert verify_all()[1] == []
        sealed = list(DomainEvent.objects.order_by("seq").values_list("action", flat=True))
        assert sorted(sealed) == ["a_open", "b_0", "b_1", "b_2"]

    def test_two_sealers_at_once_never_fork_the_chain(self):
        locality = LocalityFactory()
        DomainEvent.objects.bulk_create([event(locality, n) for n in range(3000)], batch_size=1000)
        barrier = threading.Barrier(2)
        sealed, problems = [], []

        def sealer():
            try:
                barrier.wait(timeout=20)
                sealed.append(seal_chain(DomainEvent, batch_size=100))
            except Exception as error:
                problems.append(repr(error))
            finally:
                connections.close_all()

        threads = [threading.Thread(target=sealer) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert problems == []
        assert sum(sealed) == 3000
        assert_contiguous()
        assert verify_all()[1] == []

    def test_a_seal_committed_while_verify_walks_the_chain_is_no_break(self, monkeypatch):
        """The sequencer commits a batch (records and head) between verify's walk of the records and
        its read of the head: verify reads one snapshot, so the chain is whole, not "cut short"."""
        from audit import verification

        locality = LocalityFactory()
        DomainEvent.objects.bulk_create([event(locality, n) for n in range(5)])
        assert seal()["domain_events"] == 5
        DomainEvent.objects.bulk_create([event(locality, n) for n in range(5, 8)])  # waiting to be sealed
        sealed_meanwhile = []
        real_chain_head = verification.ChainHead

        class SealedJustBefore:
            """ChainHead, but another connection seals what waits just before verify reads a head."""

            class objects:
                @staticmethod
                def filter(**kwargs):
                    if kwargs.get("chain") == DomainEvent.CHAIN and not sealed_meanwhile:

                        def sealer():
                            try:
                                sealed_meanwhile.append(seal_chain(DomainEvent))
                            finally:
                                connections.close_all()

                        thread = threading.Thread(target=sealer)
                        thread.start()
                        thread.join(timeout=60)
                    return real_chain_head.objects.filter(**kwargs)

        monkeypatch.setattr(verification, "ChainHead", SealedJustBefore)
        counts, breaks = verify_all()
        assert sealed_meanwhile == [3], "the sequencer did seal in the middle of verify's walk"
        assert breaks == []
        assert counts["domain_events"] == 5, "what verify's snapshot held: the 3 sealed since wait for the next run"
        monkeypatch.setattr(verification, "ChainHead", real_chain_head)
        assert verify_all() == ({**counts, "domain_events": 8}, [])
