"""Retention and subject access cover the case file: a closed case's notes lose their words and its
documents their files (deleted from the storage) when the case's records are destroyed; a subject
access bundle holds the notes and lists the documents (their files supplied separately)."""

import pytest
from django.core.files.storage import storages
from django.utils import timezone

from audit import sar
from audit.models import DomainEvent
from audit.retention import apply_retention
from fgdm import services
from fgdm.models import CaseDocument, CaseNote
from fgdm.retention import REMOVED
from tests import scenario
from tests.casefiles import files

pytestmark = pytest.mark.django_db


def case_file(world, case):
    note = services.case_note_write(case_id=case.pk, by=world.u.prac_east, text="Nan (Margaret) will have Lily")
    correction = services.case_note_correct(note_id=note.pk, by=world.u.prac_east, text="Nan (Maggie) will have Lily")
    document = services.case_document_upload(
        case_id=case.pk, by=world.u.prac_east, kind="consent_form", content=files.pdf(), file_name="Hardy consent.pdf"
    )
    return note, correction, document


class TestRetention:
    def test_the_case_file_is_destroyed_with_the_case(self, world):
        case = scenario.closed_case(world)
        note, correction, document = case_file(world, case)
        storage = storages["case_documents"]
        assert storage.exists(document.storage_name)
        from audit.models import LogEntry

        def history_names_margaret():
            return any("Margaret" in str(entry.changes) for entry in LogEntry.objects.filter(object_pk=str(note.pk)))

        assert history_names_margaret()

        outcomes = apply_retention(today=timezone.localdate(), dry_run=False)
        destroyed = {(o.due.object_type, o.due.object_id) for o in outcomes if o.result == "destroyed"}
        assert {
            ("fgdm.case", case.pk),
            ("fgdm.casenote", note.pk),
            ("fgdm.casenote", correction.pk),
            ("fgdm.casedocument", document.pk),
        } <= destroyed
        note.refresh_from_db()
        correction.refresh_from_db()
        document.refresh_from_db()
        assert note.text == correction.text == REMOVED and correction.corrects == note  # the chain stays
        assert document.file_name == REMOVED and document.file_deleted_at is not None
        assert not storage.exists(document.storage_name)
        assert DomainEvent.objects.filter(action="retention_applied", object_type="casedocument").count() == 1
        # The field history written before loses the note's words too.
        assert not history_names_margaret()
        # Done once: a second run finds nothing more.
        assert apply_retention(today=timezone.localdate(), dry_run=True) == []

    def test_an_open_case_keeps_its_file(self, world):
        case = scenario.allocated(world)
        note, _, document = case_file(world, case)
        apply_retention(today=timezone.localdate(), dry_run=False)
        note.refresh_from_db()
        assert note.text.startswith("Nan") and storages["case_documents"].exists(document.storage_name)

    def test_a_destroyed_file_is_a_404_and_the_page_says_so(self, world, api):
        case = scenario.closed_case(world)
        _, _, document = case_file(world, case)
        apply_retention(today=timezone.localdate(), dry_run=False)
        assert api.as_user(world.u.auditor).get(f"/api/v1/documents/{document.pk}/").status_code == 404


class TestSubjectAccess:
    def test_the_bundle_holds_the_notes_and_lists_the_documents(self, world):
        case = scenario.closed_case(world)
        note, correction, document = case_file(world, case)
        lily = case.children.get()
        bundle = sar.build(kind="child", subject_id=lily.pk, by=world.u.auditor)
        sections = {section["title"]: section for section in bundle["sections"]}
        notes = sections["Case notes"]["records"]
        texts = [value["value"] for record in notes for value in record["values"] if value["label"] == "Note"]
        assert texts == ["Nan (Margaret) will have Lily", "Nan (Maggie) will have Lily"]
        assert any(value["label"] == "Corrected by a later note" for value in notes[0]["values"])
        assert all(
            value["redact"] for record in notes for value in record["values"] if value["label"] == "Note"
        )  # the words may name others: reviewed before it is sent
        [listed] = sections["Documents on the case"]["records"]
        values = {value["label"]: value["value"] for value in listed["values"]}
        assert values["Kind"] == "Consent form" and values["File name"] == "Hardy consent.pdf"
        assert "supplied separately" in values["The file"] and document.sha256 in values["The file"]
        assert "Case notes" in sar.to_html(bundle)

    def test_a_network_members_bundle_has_them_too(self, world):
        case = scenario.closed_case(world)
        case_file(world, case)
        member = case.network_members.first()
        bundle = sar.build(kind="member", subject_id=member.pk, by=world.u.auditor)
        titles = [section["title"] for section in bundle["sections"]]
        assert "Case notes" in titles and "Documents on the case" in titles


class TestPostgresAndSqliteAlike:
    def test_the_newest_note_comes_first(self, world):
        case = scenario.allocated(world)
        today = timezone.localdate()
        older = services.case_note_write(
            case_id=case.pk, by=world.u.prac_east, text="older", noted_on=today - timezone.timedelta(days=3)
        )
        newer = services.case_note_write(case_id=case.pk, by=world.u.prac_east, text="newer")
        from fgdm import selectors

        assert list(selectors.notes_of(case=case)) == [newer, older]
        assert CaseNote.objects.count() == 2 and CaseDocument.objects.count() == 0
