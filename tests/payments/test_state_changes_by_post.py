"""Issue 14: a plain link changes nothing. Exporting a batch is POST only (GET answers 405, on pages
and in the API); downloading a stored file is a GET that writes nothing but the access log."""

import pytest
from django.urls import reverse

from audit.models import AccessLog, DomainEvent, LogEntry
from payments import services as payment_services
from payments.models import BatchExport, PaymentBatch
from tests.scenario import approved_batch


def written():
    """What a request may have written besides the access log."""
    return (DomainEvent.objects.count(), LogEntry.objects.count(), BatchExport.objects.count())


@pytest.mark.django_db
class TestApiExportIsPostOnly:
    def test_get_export_answers_405_and_marks_nothing(self, world, api):
        batch = approved_batch(world)
        before = written()
        response = api.as_user(world.u.fin1).get(f"/api/v1/payment-batches/{batch.pk}/export/?format=csv")
        assert response.status_code == 405
        assert PaymentBatch.objects.get(pk=batch.pk).status == "approved"
        assert written() == before

    def test_post_export_takes_the_format_from_the_body(self, world, api):
        batch = approved_batch(world)
        response = api.as_user(world.u.fin1).post(
            f"/api/v1/payment-batches/{batch.pk}/export/", {"format": "bacs18"}, format="json"
        )
        assert response.status_code == 200 and response.getvalue().startswith(b"VOL1")
        assert PaymentBatch.objects.get(pk=batch.pk).export_format == "bacs18"

    def test_unknown_format_in_the_body_is_a_field_error(self, world, api):
        batch = approved_batch(world)
        response = api.as_user(world.u.fin1).post(
            f"/api/v1/payment-batches/{batch.pk}/export/", {"format": "xls"}, format="json"
        )
        assert response.status_code == 400 and "csv" in response.json()["format"][0]
        assert not BatchExport.objects.exists()


@pytest.mark.django_db
class TestApiDownload:
    def test_download_returns_the_stored_bytes_and_writes_only_the_access_log(self, world, api):
        batch = approved_batch(world)
        client = api.as_user(world.u.fin1)
        exported = client.post(f"/api/v1/payment-batches/{batch.pk}/export/", {"format": "csv"}, format="json")
        body = exported.getvalue()
        before, accesses = written(), AccessLog.objects.count()
        for _ in range(2):
            response = api.as_user(world.u.fin2).get(f"/api/v1/payment-batches/{batch.pk}/download/?format=csv")
            assert response.status_code == 200 and response.getvalue() == body
            assert response["X-Checksum-SHA256"] == exported["X-Checksum-SHA256"]
        assert written() == before
        assert AccessLog.objects.count() == accesses + 2

    def test_a_format_not_exported_is_404_and_nothing_is_made(self, world, api):
        batch = approved_batch(world)
        payment_services.batch_export(batch_id=batch.pk, by=world.u.fin1, export_format="csv")
        before = written()
        response = api.as_user(world.u.fin1).get(f"/api/v1/payment-batches/{batch.pk}/download/?format=bacs18")
        assert response.status_code == 404 and "export" in response.json()["detail"]
        assert written() == before

    def test_download_of_a_batch_not_exported_is_404(self, world, api):
        batch = approved_batch(world)
        before = written()
        response = api.as_user(world.u.fin1).get(f"/api/v1/payment-batches/{batch.pk}/download/?format=csv")
        assert response.status_code == 404
        assert written() == before

    def test_download_answers_only_get(self, world, api):
        batch = approved_batch(world)
        payment_services.batch_export(batch_id=batch.pk, by=world.u.fin1, export_format="csv")
        assert api.as_user(world.u.fin1).post(f"/api/v1/payment-batches/{batch.pk}/download/").status_code == 405


@pytest.mark.django_db
class TestPages:
    def test_get_of_the_export_url_only_asks_first(self, world, client):
        """A GET of the export URL is the check page ("You cannot undo this"): it exports nothing."""
        batch = approved_batch(world)
        client.force_login(world.u.fin1)
        before = written()
        response = client.get(reverse("payments:batch_export", args=[batch.pk]) + "?format=csv")
        assert response.status_code == 200 and "You cannot undo this." in response.content.decode()
        assert PaymentBatch.objects.get(pk=batch.pk).status == "approved" and written() == before

    def test_download_page_writes_nothing_but_the_access_log(self, world, client):
        batch = approved_batch(world)
        payment_services.batch_export(batch_id=batch.pk, by=world.u.fin1, export_format="csv")
        client.force_login(world.u.fin2)
        before, accesses = written(), AccessLog.objects.count()
        response = client.get(reverse("payments:batch_download", args=[batch.pk]) + "?format=csv")
        assert response.status_code == 200 and response.getvalue().startswith(b"record_type")
        assert written() == before and AccessLog.objects.count() == accesses + 1

    def test_download_page_does_not_make_a_format_not_exported(self, world, client):
        batch = approved_batch(world)
        payment_services.batch_export(batch_id=batch.pk, by=world.u.fin1, export_format="csv")
        client.force_login(world.u.fin1)
        before = written()
        response = client.get(reverse("payments:batch_download", args=[batch.pk]) + "?format=pain001")
        assert response.status_code == 404
        assert written() == before and not BatchExport.objects.filter(export_format="pain001").exists()

    def test_every_export_button_is_a_post_form_with_csrf(self, world, client):
        batch = approved_batch(world)
        client.force_login(world.u.fin1)
        export_url = reverse("payments:batch_export", args=[batch.pk])
        for step in ("approved", "exported"):
            html = client.get(reverse("payments:batch_detail", args=[batch.pk])).content.decode()
            if step == "approved":  # the buttons lead to the check page, whose form POSTs the export
                assert f'href="{export_url}?format=csv"' in html
                html = client.get(f"{export_url}?format=csv").content.decode()
            forms = html.split("<form")[1:]
            exporting = [f for f in forms if f'action="{export_url}"' in f]
            assert exporting, step
            assert all('method="post"' in f and "csrfmiddlewaretoken" in f for f in exporting)
            payment_services.batch_export(batch_id=batch.pk, by=world.u.fin1, export_format="csv")
