"""Retention and subject access for the case file: case notes and uploaded documents (registered
with audit.retention and audit.sar from FgdmConfig.ready(), beside the case's own).

Retention follows the case (fgdm.retention): when a closed case's records are due, each note loses
its words and each document its file (deleted from the storage) and its name; what stays (dates,
kinds, sizes, the SHA-256 of what was held) says that something was there, not what. The field
history of both loses its free text too (`history_of`).

A subject access bundle lists the case's notes (their words, to be reviewed for third parties) and
its documents (kind, name, date): the files themselves are supplied separately, each reviewed first.
"""

from django.utils import timezone

from audit.retention import Due
from audit.sar import Record, Section, Subject
from fgdm.models import CaseDocument, CaseNote
from fgdm.retention import REMOVED, CaseRecords
from fgdm.uploads import document_storage

THIRD_FREE_TEXT = "may name third parties"
FILES_SEPARATELY = (
    "The file itself is supplied separately (download it from the case page and review it for third "
    "parties before it is sent)."
)


class CaseFileRecords:
    name = "fgdm.case_file"

    def due(self, *, today):
        cases = {due.case_id: due for due in CaseRecords().due(today=today)}
        ids = sorted(cases)
        for start in range(0, len(ids), 1000):
            chunk = ids[start : start + 1000]
            for note_id, case_id in (
                CaseNote.objects.filter(case_id__in=chunk).order_by("pk").values_list("pk", "case_id")
            ):
                case_due = cases[case_id]
                yield Due(
                    case_due.retention_class,
                    "fgdm.casenote",
                    note_id,
                    case_id,
                    case_due.destroy_after,
                    f"{case_due.description} note",
                )
            for document_id, case_id in (
                CaseDocument.objects.filter(case_id__in=chunk).order_by("pk").values_list("pk", "case_id")
            ):
                case_due = cases[case_id]
                yield Due(
                    case_due.retention_class,
                    "fgdm.casedocument",
                    document_id,
                    case_id,
                    case_due.destroy_after,
                    f"{case_due.description} document",
                )

    def history_of(self, due: Due):
        yield due.object_type, due.object_id

    def destroy(self, due: Due):
        if due.object_type == "fgdm.casenote":
            note = CaseNote.objects.select_for_update().get(pk=due.object_id)
            note.text = REMOVED
            note.save(update_fields=["text"])
            return note, ["the case note's words"]
        document = CaseDocument.objects.select_for_update().get(pk=due.object_id)
        document.file_name = REMOVED
        document.file_deleted_at = document.file_deleted_at or timezone.now()
        document.save(update_fields=["file_name", "file_deleted_at"])
        # Last: a failure before this leaves the record and its file as they were.
        document_storage().delete(document.storage_name)
        return document, ["the document's file (deleted from storage) and its name"]


def collect(subject: Subject) -> list[Section]:
    """The case's notes and documents, for a child or a network member of the case."""
    if subject.kind not in ("child", "member") or subject.case_id is None:
        return []
    notes = Section("Case notes", "case record")
    for note in CaseNote.objects.filter(case_id=subject.case_id).select_related("corrects").order_by("noted_on", "id"):
        record = (
            Record(f"Case note of {note.noted_on:%Y-%m-%d}")
            .add("About the day", note.noted_on)
            .add("Written", note.written_at)
            .add("Note", note.text, THIRD_FREE_TEXT)
        )
        if note.corrects_id:
            record.add("Corrects the note written", note.corrects.written_at)
        if CaseNote.objects.filter(corrects_id=note.pk).exists():
            record.add("Corrected by a later note", True)
        notes.records.append(record)
    documents = Section("Documents on the case", "case record")
    for document in CaseDocument.objects.filter(case_id=subject.case_id).order_by("uploaded_at", "id"):
        documents.records.append(
            Record(f"{document.get_kind_display()}, uploaded {document.uploaded_at:%Y-%m-%d}")
            .add("Kind", document.get_kind_display())
            .add("File name", document.file_name, THIRD_FREE_TEXT)
            .add("Type", document.get_content_type_display())
            .add("Uploaded", document.uploaded_at)
            .add("Size (bytes)", document.size)
            .add(
                "The file",
                f"Destroyed under the retention schedule on {document.file_deleted_at:%Y-%m-%d}."
                if document.file_deleted_at
                else f"{FILES_SEPARATELY} SHA-256 {document.sha256}.",
            )
        )
    return [notes, documents]
