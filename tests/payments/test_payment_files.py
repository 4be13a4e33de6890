"""Payment files: CSV, BACS Standard 18 and ISO 20022 pain.001.001.03 — layout, totals to the
penny, the official XSD, a file per format with its SHA-256, and the same bytes every time."""

import csv
import hashlib
import io
import re
from decimal import Decimal
from xml.etree import ElementTree

import pytest
from django.urls import reverse
from django.utils import timezone

from payments import exports
from payments import services as payment_services
from payments.bankdays import next_bank_working_day
from payments.models import BatchExport, PaymentBatch
from tests import scenario
from tests.helpers import PAIN_NS, pain001_schema
from tests.scenario import approved_batch


def bacs_records(content: bytes) -> list[str]:
    text = content.decode("ascii")
    assert text.endswith("\r\n")
    return text.split("\r\n")[:-1]


@pytest.mark.django_db
class TestBacsStandard18:
    def test_layout_totals_and_character_set(self, world, settings):
        settings.FGDM_ORIGINATOR = {
            "name": "Dorset Council (Children's)",
            "sort_code": "400000",
            "account_number": "12165678",
            "service_user_number": "654321",
        }
        batch = approved_batch(world)
        batch, content = payment_services.batch_export(batch_id=batch.pk, by=world.u.fin1, export_format="bacs18")
        records = bacs_records(content)
        labels = {"VOL1", "HDR1", "HDR2", "UHL1", "EOF1", "EOF2", "UTL1"}
        assert [len(r) for r in records if r[:4] in labels] == [80] * 7  # as Bacs defines them
        assert all(len(r) == 100 for r in records if r[:4] not in labels)
        assert all(re.fullmatch(r"[A-Z0-9.&/\- ]*", r) for r in records), "only BACS characters"
        kinds = [r[:4] for r in records]
        assert kinds[:4] == ["VOL1", "HDR1", "HDR2", "UHL1"] and kinds[-3:] == ["EOF1", "EOF2", "UTL1"]
        vol, hdr1, hdr2, uhl1 = records[:4]
        assert vol[41:47] == "654321" and vol[79] == "1"
        assert hdr1[4:21] == "A654321S  1654321" and hdr2[4:15] == "F0200000100"
        day = next_bank_working_day(timezone.localtime(batch.exported_at).date())  # the processing day
        assert uhl1[4:10] == f" {day:%y}{day.timetuple().tm_yday:03d}"
        assert records[-3][4:] == hdr1[4:] and records[-2][4:] == hdr2[4:]

        credits, contra = records[4:-4], records[-4]
        assert len(credits) == 3 == batch.payment_count
        for record, payment in zip(credits, batch.payments.order_by("id"), strict=True):
            assert record[0:6] == "400000" and record[6:14] == "12165678" and record[14] == "0"
            assert record[15:17] == "99"
            assert record[17:23] == "400000" and record[23:31] == "12165678"
            assert int(record[35:46]) == int(payment.amount * 100) == 12345
            assert record[46:64] == "DORSET COUNCIL CHI"  # cleaned, cut to 18
            assert record[64:82] == payment.reference.ljust(18)
            assert record[82:100] == "MRS ZOE O BRIEN-HA"  # accents folded, ' dropped, cut to 18
        assert contra[15:17] == "17" and contra[0:6] == "400000"
        assert int(contra[35:46]) == 3 * 12345

        utl1 = records[-1]
        assert int(utl1[4:17]) == int(utl1[17:30]) == int(batch.total * 100) == 37035
        assert int(utl1[30:37]) == 1 and int(utl1[37:44]) == 3

    @pytest.mark.parametrize("pad", [False, True])
    def test_label_records_are_80_characters_or_100_when_the_bureau_asks(self, world, settings, pad):
        settings.FGDM_BACS_PAD_LABELS_TO_100 = pad
        batch = approved_batch(world)
        _, content = payment_services.batch_export(batch_id=batch.pk, by=world.u.fin1, export_format="bacs18")
        records = bacs_records(content)
        labels = [r for r in records if r[:4] in {"VOL1", "HDR1", "HDR2", "UHL1", "EOF1", "EOF2", "UTL1"}]
        assert [r[:4] for r in labels] == ["VOL1", "HDR1", "HDR2", "UHL1", "EOF1", "EOF2", "UTL1"]
        assert {len(r) for r in labels} == ({100} if pad else {80})
        assert {len(r) for r in records if r not in labels} == {100}  # the data records, either way
        if pad:
            assert all(r[80:] == " " * 20 for r in labels)
        assert len(content) == (100 if pad else 80) * 7 + 100 * (batch.payment_count + 1) + 2 * len(records)

    @pytest.mark.parametrize(
        "text,expected",
        [
            ("mrs o'neill", "MRS O NEILL       "),
            ("Zoë & José / Ltd.", "ZOE & JOSE / LTD. "),
            ("a" * 30, "A" * 18),
            ("  tabs\tand\nnewlines  ", "TABS AND NEWLINES "),
            ("£50 #1 @home", "50 1 HOME         "),
        ],
    )
    def test_names_are_cleaned_and_cut_to_18(self, text, expected):
        assert exports.bacs_text(text, 18) == expected


@pytest.mark.django_db
class TestPain001:
    def test_validates_against_the_official_xsd_with_matching_totals(self, world):
        batch = approved_batch(world, name='Zoë <O\'Brien> & "Co"')
        batch, content = payment_services.batch_export(batch_id=batch.pk, by=world.u.fin1, export_format="pain001")
        schema = pain001_schema()
        schema.validate(content.decode("utf-8"))
        root = ElementTree.fromstring(content)
        amounts = [Decimal(a.text) for a in root.iterfind(".//p:CdtTrfTxInf/p:Amt/p:InstdAmt", PAIN_NS)]
        assert all(a.get("Ccy") == "GBP" for a in root.iterfind(".//p:InstdAmt", PAIN_NS))
        for header in (root.find("p:CstmrCdtTrfInitn/p:GrpHdr", PAIN_NS), root.find(".//p:PmtInf", PAIN_NS)):
            assert int(header.find("p:NbOfTxs", PAIN_NS).text) == len(amounts) == batch.payment_count == 3
            assert Decimal(header.find("p:CtrlSum", PAIN_NS).text) == sum(amounts) == batch.total
        assert root.find(".//p:Cdtr/p:Nm", PAIN_NS).text == 'Zoë <O\'Brien> & "Co"'


@pytest.mark.django_db
class TestExportEveryFormat:
    def test_each_format_once_with_its_own_checksum_and_same_bytes_again(self, world, api):
        batch = approved_batch(world)
        client = api.as_user(world.u.fin1)
        first = {}
        for fmt, content_type, ext in [
            ("bacs18", "text/plain", "bacs.txt"),
            ("csv", "text/csv", "csv"),
            ("pain001", "application/xml", "pain001.xml"),
        ]:
            response = client.post(f"/api/v1/payment-batches/{batch.pk}/export/?format={fmt}")
            assert response.status_code == 200 and response.streaming
            assert response["Content-Type"].startswith(content_type)
            assert response["Content-Disposition"] == f'attachment; filename="{batch.reference}.{ext}"'
            body = response.getvalue()
            assert response["X-Checksum-SHA256"] == hashlib.sha256(body).hexdigest()
            assert int(response["Content-Length"]) == len(body)
            first[fmt] = body
        batch.refresh_from_db()
        assert batch.status == "exported" and batch.export_format == "bacs18"
        stored = {e.export_format: e.sha256 for e in BatchExport.objects.filter(batch=batch)}
        assert stored == {fmt: hashlib.sha256(body).hexdigest() for fmt, body in first.items()}
        payment_services.batch_confirm(batch_id=batch.pk, by=world.u.fin2)
        for fmt, body in first.items():
            again = api.as_user(world.u.fin2).post(f"/api/v1/payment-batches/{batch.pk}/export/?format={fmt}")
            assert again.status_code == 200 and again.getvalue() == body
        assert BatchExport.objects.filter(batch=batch).count() == 3

    def test_csv_sums_to_the_batch(self, world):
        batch = approved_batch(world)
        _, content = payment_services.batch_export(batch_id=batch.pk, by=world.u.fin1, export_format="csv")
        rows = list(csv.DictReader(io.StringIO(content.decode())))
        details, trailer = rows[:-1], rows[-1]
        assert sum(Decimal(r["amount"]) for r in details) == Decimal(trailer["amount"]) == batch.total
        assert int(trailer["payee"]) == len(details) == batch.payment_count

    def test_not_approved_is_409_and_nothing_stored(self, world, api):
        package = scenario.payments_authorised(world)
        batch = payment_services.batch_create(by=world.u.fin1)
        response = api.as_user(world.u.fin1).post(f"/api/v1/payment-batches/{batch.pk}/export/?format=bacs18")
        assert response.status_code == 409
        assert not BatchExport.objects.exists() and package.payments.get().status == "batched"

    def test_page_offers_and_downloads_every_format(self, world, client):
        batch = approved_batch(world)
        client.force_login(world.u.fin1)
        page = client.get(reverse("payments:batch_detail", args=[batch.pk])).content.decode()
        for fmt in ("csv", "bacs18", "pain001"):  # each leads to the check page before the first export
            assert f'{reverse("payments:batch_export", args=[batch.pk])}?format={fmt}"' in page
        response = client.post(reverse("payments:batch_export", args=[batch.pk]), {"format": "pain001"})
        assert response.status_code == 200 and response["Content-Type"] == "application/xml"
        body = response.getvalue()
        page = client.get(reverse("payments:batch_detail", args=[batch.pk])).content.decode()
        assert hashlib.sha256(body).hexdigest() in page
        assert "?format=pain001" in page  # the stored file downloads; the others are exported by POST
        for fmt in ("csv", "bacs18"):
            assert f"?format={fmt}" not in page and f'name="format" value="{fmt}"' in page
        client.post(reverse("payments:batch_export", args=[batch.pk]), {"format": "bacs18"})
        bacs = client.get(reverse("payments:batch_download", args=[batch.pk]) + "?format=bacs18")
        assert bacs.status_code == 200 and bacs.getvalue().startswith(b"VOL1")
        again = client.get(reverse("payments:batch_download", args=[batch.pk]) + "?format=pain001")
        assert again.getvalue() == body
        assert PaymentBatch.objects.get(pk=batch.pk).status == "exported"

    def test_page_refuses_an_unknown_format(self, world, client):
        batch = approved_batch(world)
        client.force_login(world.u.fin1)
        response = client.post(reverse("payments:batch_export", args=[batch.pk]), {"format": "xls"})
        assert response.status_code == 400
        assert PaymentBatch.objects.get(pk=batch.pk).status == "approved" and not BatchExport.objects.exists()
