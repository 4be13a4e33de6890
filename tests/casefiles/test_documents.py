"""Case documents (issue 17, part 3): uploaded by the case's staff, their type found from their
content (a forged type is refused and nothing is stored), within the size limit, kept through the
"case_documents" storage under an unguessable name, downloaded only by the case's people through
the app, each download in the access log."""

import hashlib

import pytest
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from audit.models import AccessLog, DomainEvent
from core.exceptions import NotPermitted, RuleBroken
from fgdm import services
from fgdm.models import CaseDocument
from fgdm.uploads import detect_type, safe_file_name
from tests.casefiles import files
from tests.helpers import ok, page_ok

pytestmark = pytest.mark.django_db

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def stored_names() -> list[str]:
    storage = storages["case_documents"]

    def walk(path=""):
        folders, names = storage.listdir(path) if storage.exists(path or ".") else ([], [])
        for name in names:
            yield f"{path}/{name}" if path else name
        for folder in folders:
            yield from walk(f"{path}/{folder}" if path else folder)

    return list(walk())


def upload(case, by, content, name, kind="consent_form", declared=""):
    return services.case_document_upload(
        case_id=case.pk, by=by, kind=kind, content=content, file_name=name, declared_type=declared
    )


class TestDetection:
    @pytest.mark.parametrize(
        "content, found",
        [
            (files.pdf(), "application/pdf"),
            (files.png(), "image/png"),
            (files.jpeg(), "image/jpeg"),
            (files.docx(), DOCX),
            (files.docm(), None),
            (files.plain_zip(), None),
            (files.exe(), None),
            (files.html(), None),
            (b"just some text", None),
        ],
    )
    def test_the_type_comes_from_the_content(self, content, found):
        assert detect_type(content) == found

    @pytest.mark.parametrize(
        "name, safe",
        [
            ("../../etc/passwd.pdf", "passwd.pdf"),
            ("C:\\Users\\sarah\\Consent form.pdf", "Consent form.pdf"),
            ("..hidden.pdf", "hidden.pdf"),
            ("a\x00b\r\nc.pdf", "abc.pdf"),
            ("", "document"),
            ("x" * 300 + ".pdf", "x" * 196 + ".pdf"),
        ],
    )
    def test_names_are_made_safe(self, name, safe):
        assert safe_file_name(name) == safe


class TestUploadService:
    @pytest.mark.parametrize(
        "content, name, kind, content_type",
        [
            (files.pdf(), "Written agreement.pdf", "written_agreement", "application/pdf"),
            (files.png(), "scan.png", "consent_form", "image/png"),
            (files.jpeg(), "letter.JPG", "letter_before_proceedings", "image/jpeg"),
            (files.docx(), "notes.docx", "other", DOCX),
        ],
    )
    def test_a_document_is_kept_with_its_facts(self, world, case, content, name, kind, content_type):
        document = upload(case, world.u.prac_east, content, name, kind=kind)
        assert (document.kind, document.file_name, document.content_type, document.size) == (
            kind,
            name,
            content_type,
            len(content),
        )
        assert document.sha256 == hashlib.sha256(content).hexdigest() and document.uploaded_by == world.u.prac_east
        # An unguessable name, nothing of the uploaded one in it; the bytes kept as they came.
        assert len(document.storage_name.rsplit("/", 1)[-1]) >= 40 and name.split(".")[0] not in document.storage_name
        with storages["case_documents"].open(document.storage_name, "rb") as handle:
            assert handle.read() == content
        [event] = DomainEvent.objects.filter(case_id=case.pk, action="case_document_uploaded")
        assert event.to_state == kind and event.actor_username == "prac.east"

    def test_a_name_without_an_extension_gets_the_one_of_its_type(self, world, case):
        assert upload(case, world.u.prac_east, files.pdf(), "scan").file_name == "scan.pdf"

    @pytest.mark.parametrize(
        "content, name, declared, says",
        [
            (files.exe(), "agreement.pdf", "application/pdf", "must be a PDF, PNG, JPEG or Word"),
            (files.html(), "agreement.pdf", "application/pdf", "must be a PDF, PNG, JPEG or Word"),
            (files.docm(), "agreement.docx", DOCX, "must be a PDF, PNG, JPEG or Word"),
            (files.pdf(), "photo.png", "image/png", "is a PDF but its name ends “.png”"),
            (files.pdf(), "agreement.pdf", "image/png", "is a PDF but was sent as image/png"),
            (files.png(), "scan.png", "text/html", "is a PNG image but was sent as text/html"),
            (b"", "empty.pdf", "application/pdf", "is empty"),
        ],
    )
    def test_a_forged_type_is_refused_and_nothing_is_stored(self, world, case, content, name, declared, says):
        with pytest.raises(RuleBroken) as refused:
            upload(case, world.u.prac_east, content, name, declared=declared)
        assert refused.value.field == "file" and says in refused.value.message
        assert not CaseDocument.objects.exists() and stored_names() == []

    @override_settings(FGDM_DOCUMENT_MAX_BYTES=1024)
    def test_too_large_is_refused(self, world, case):
        with pytest.raises(RuleBroken) as refused:
            upload(case, world.u.prac_east, files.pdf() + b"%" * 2048, "big.pdf")
        assert "must be smaller than 1 KB" in refused.value.message
        assert not CaseDocument.objects.exists() and stored_names() == []

    def test_an_unknown_kind_is_refused(self, world, case):
        with pytest.raises(RuleBroken) as refused:
            upload(case, world.u.prac_east, files.pdf(), "a.pdf", kind="passport")
        assert refused.value.field == "kind" and stored_names() == []

    @pytest.mark.parametrize("who", ["prac_west", "auditor", "fin1", "coord"])
    def test_only_the_cases_staff_upload(self, world, case, who):
        with pytest.raises(NotPermitted):
            upload(case, getattr(world.u, who), files.pdf(), "a.pdf")
        assert stored_names() == []


class TestDocumentsApi:
    def test_upload_list_and_download(self, world, case, api):
        client = api.as_user(world.u.prac_east)
        made = ok(
            client.post(
                f"/api/v1/cases/{case.pk}/documents/",
                {
                    "kind": "written_agreement",
                    "file": SimpleUploadedFile("Agreement.pdf", files.pdf(), "application/pdf"),
                },
                format="multipart",
            ),
            201,
        )
        assert (made["kind"], made["file_name"], made["content_type"]) == (
            "written_agreement",
            "Agreement.pdf",
            "application/pdf",
        )
        listed = ok(client.get(f"/api/v1/cases/{case.pk}/documents/"))
        assert [d["id"] for d in listed["results"]] == [made["id"]]
        response = client.get(made["download"])
        assert response.status_code == 200 and b"".join(response.streaming_content) == files.pdf()
        assert response["Content-Type"] == "application/pdf"
        assert (
            response["Content-Disposition"].startswith("attachment;")
            and "Agreement.pdf" in response["Content-Disposition"]
        )
        assert response["X-Content-Type-Options"] == "nosniff"
        [read] = AccessLog.objects.filter(what="case_document", object_id=made["id"])
        assert (read.door, read.actor_username, read.case_id) == ("api", "prac.east", case.pk)

    def test_a_forged_upload_is_a_400_on_the_file(self, world, case, api):
        response = api.as_user(world.u.prac_east).post(
            f"/api/v1/cases/{case.pk}/documents/",
            {"kind": "consent_form", "file": SimpleUploadedFile("consent.pdf", files.exe(), "application/pdf")},
            format="multipart",
        )
        assert response.status_code == 400 and "file" in response.json()
        assert not CaseDocument.objects.exists() and stored_names() == []

    @override_settings(FGDM_DOCUMENT_MAX_BYTES=1024)
    def test_too_large_is_a_400_before_it_is_read(self, world, case, api):
        response = api.as_user(world.u.prac_east).post(
            f"/api/v1/cases/{case.pk}/documents/",
            {"kind": "consent_form", "file": SimpleUploadedFile("big.pdf", files.pdf() + b"%" * 4096)},
            format="multipart",
        )
        assert response.status_code == 400 and "smaller than" in str(response.json()["file"])

    @pytest.mark.parametrize(
        "who, read, write", [("prac_west", 404, 404), ("fin1", 404, 404), ("coord", 404, 404), ("auditor", 200, 403)]
    )
    def test_who_reads_downloads_and_uploads(self, world, case, api, who, read, write):
        document = upload(case, world.u.prac_east, files.pdf(), "a.pdf")
        client = api.as_user(getattr(world.u, who))
        assert client.get(f"/api/v1/cases/{case.pk}/documents/").status_code == read
        assert client.get(f"/api/v1/documents/{document.pk}/").status_code == read
        response = client.post(
            f"/api/v1/cases/{case.pk}/documents/",
            {"kind": "other", "file": SimpleUploadedFile("b.pdf", files.pdf())},
            format="multipart",
        )
        assert response.status_code == write
        assert AccessLog.objects.filter(what="case_document").count() == (1 if read == 200 else 0)


class TestDocumentPages:
    def test_upload_and_download_through_the_pages(self, world, case, as_page):
        client = as_page(world.u.tm_east)
        response = client.post(
            f"/cases/{case.pk}/documents/new/",
            {"kind": "letter_before_proceedings", "file": SimpleUploadedFile("LBP.docx", files.docx(), DOCX)},
        )
        assert response.status_code == 302
        document = CaseDocument.objects.get()
        body = page_ok(client, f"/cases/{case.pk}/").content.decode()
        assert "LBP.docx" in body and f"/documents/{document.pk}/" in body and "Letter before proceedings" in body
        download = client.get(f"/documents/{document.pk}/")
        assert download.status_code == 200 and download["Content-Type"] == DOCX
        assert b"".join(download.streaming_content) == files.docx()
        assert AccessLog.objects.filter(what="case_document", door="page", object_id=document.pk).count() == 1

    def test_a_forged_file_shows_the_error_summary(self, world, case, as_page):
        client = as_page(world.u.prac_east)
        response = client.post(
            f"/cases/{case.pk}/documents/new/",
            {"kind": "consent_form", "file": SimpleUploadedFile("consent.pdf", files.html(), "application/pdf")},
        )
        body = response.content.decode()
        assert (
            response.status_code == 400 and "govuk-error-summary" in body and "must be a PDF, PNG, JPEG or Word" in body
        )
        assert 'href="#id_file"' in body or "#file" in body
        assert not CaseDocument.objects.exists() and stored_names() == []

    def test_no_kind_and_no_file_are_form_errors(self, world, case, as_page):
        response = as_page(world.u.prac_east).post(f"/cases/{case.pk}/documents/new/", {})
        assert response.status_code == 400 and response.content.decode().count("govuk-error-message") >= 2

    def test_finance_and_outsiders_get_404_and_the_auditor_may_not_upload(self, world, case, as_page):
        document = upload(case, world.u.prac_east, files.pdf(), "a.pdf")
        for who in ("fin1", "prac_west"):
            client = as_page(getattr(world.u, who))
            assert client.get(f"/documents/{document.pk}/").status_code == 404
            assert client.get(f"/cases/{case.pk}/documents/new/").status_code == 404
        auditor = as_page(world.u.auditor)
        assert auditor.get(f"/documents/{document.pk}/").status_code == 200
        assert auditor.get(f"/cases/{case.pk}/documents/new/").status_code == 403
        assert "Upload a document" not in page_ok(auditor, f"/cases/{case.pk}/").content.decode()


class TestStorageSettings:
    def test_the_default_is_a_private_directory_outside_static_and_media(self, settings):
        from config.settings.base import case_documents_storage

        chosen = case_documents_storage({})
        assert chosen["BACKEND"] == "django.core.files.storage.FileSystemStorage"
        location = chosen["OPTIONS"]["location"]
        assert location.endswith("var/case-documents") and chosen["OPTIONS"]["file_permissions_mode"] == 0o600
        assert str(settings.STATIC_ROOT) not in location and "media" not in location

    def test_s3_is_chosen_by_settings(self):
        from config.settings.base import case_documents_storage

        chosen = case_documents_storage(
            {
                "FGDM_DOCUMENTS_STORAGE": "s3",
                "FGDM_DOCUMENTS_S3_BUCKET": "council-case-documents",
                "FGDM_DOCUMENTS_S3_ENDPOINT_URL": "https://minio.internal:9000",
                "FGDM_DOCUMENTS_S3_REGION": "eu-west-2",
            }
        )
        assert chosen["BACKEND"] == "storages.backends.s3.S3Storage"
        options = chosen["OPTIONS"]
        assert (options["bucket_name"], options["default_acl"], options["file_overwrite"]) == (
            "council-case-documents",
            "private",
            False,
        )
        assert options["endpoint_url"] == "https://minio.internal:9000" and options["region_name"] == "eu-west-2"

    def test_the_s3_backend_loads(self):
        from storages.backends.s3 import S3Storage

        storage = S3Storage(bucket_name="council-case-documents", default_acl="private", region_name="eu-west-2")
        assert storage.bucket_name == "council-case-documents"

    def test_the_tests_keep_documents_out_of_the_checkout(self, settings):
        assert str(settings.BASE_DIR) not in str(storages["case_documents"].location)
