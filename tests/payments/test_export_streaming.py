"""Payment files are streamed: the renderers' memory does not grow with the batch, the stored file
is chunk rows that reassemble to the bytes whose SHA-256 is recorded, exporting again gives those
bytes, and a download streams them chunk by chunk (and never delivers a damaged file whole)."""

import datetime
import hashlib
import tracemalloc
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.db import connection

from payments import exports
from payments import services as payment_services
from payments.models import BatchExport, BatchExportChunk, ExportDamaged, PaymentBatch
from tests.scenario import approved_batch

FORMATS = ["csv", "bacs18", "pain001"]
ORIGINATOR = exports.Originator(
    name="DORSET COUNCIL", sort_code="089999", account_number="66374958", service_user_number="123456"
)
EXPORTED_AT = datetime.datetime(2026, 11, 23, 9, 30, tzinfo=datetime.timezone.utc)


def fake_payments(count: int):
    """Objects with just what the renderers read, made one at a time (as a database cursor would)."""
    locality = SimpleNamespace(code="east")
    for n in range(1, count + 1):
        account = SimpleNamespace(
            account_name=f"Payee number {n} Zoë O'Brien", sort_code="089999", account_number="66374958"
        )
        yield SimpleNamespace(
            reference=f"FNSP{n:08d}",
            amount=Decimal("123.45"),
            due_on=datetime.date(2026, 12, 1),
            payee=SimpleNamespace(bank_account=account),
            case=SimpleNamespace(reference=f"FGDM-2026-{n:06d}", locality=locality),
        )


def render_peak(export_format: str, count: int) -> tuple[int, int]:
    """Peak bytes allocated while rendering a file of `count` payments, and the file's size."""
    batch = SimpleNamespace(pk=7, reference="FNB-20261123-0007", payment_count=count, total=Decimal("123.45") * count)
    size = 0
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        for piece in exports.render(
            export_format, batch, fake_payments(count), originator=ORIGINATOR, exported_at=EXPORTED_AT
        ):
            size += len(piece)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak, size


class TestRenderersAreMemoryFlat:
    @pytest.mark.parametrize("export_format", FORMATS)
    def test_peak_memory_does_not_grow_with_the_batch(self, export_format):
        render_peak(export_format, 50)  # warm up: imports, regexes and caches
        small_peak, small_size = render_peak(export_format, 200)
        large_peak, large_size = render_peak(export_format, 5_000)
        assert large_size > 20 * small_size  # 25 times the payments, so about 25 times the bytes...
        assert large_peak - small_peak < 16 * 1024, (small_peak, large_peak)  # ...in the same memory


def stored_bytes(export: BatchExport) -> bytes:
    return b"".join(bytes(c) for c in export.chunks.order_by("sequence").values_list("content", flat=True))


@pytest.fixture
def small_chunks(monkeypatch):
    """Chunks of 256 bytes (and two rows a fetch), so a batch of a few payments spans many chunks."""
    monkeypatch.setattr(BatchExport, "CHUNK_SIZE", 256)
    monkeypatch.setattr(BatchExport, "STREAM_ROWS", 2)
    return 256


@pytest.mark.django_db
class TestStoredInChunks:
    @pytest.mark.parametrize("export_format", FORMATS)
    def test_chunks_reassemble_to_the_recorded_sha256_and_again_gives_the_same_bytes(
        self, world, small_chunks, export_format
    ):
        batch = approved_batch(world, amount="99.99", instalments=5)
        batch, export = payment_services.batch_export_file(
            batch_id=batch.pk, by=world.u.fin1, export_format=export_format
        )
        sizes = list(export.chunks.order_by("sequence").values_list("sequence", "content"))
        assert [n for n, _ in sizes] == list(range(len(sizes))) and len(sizes) >= 4
        assert all(len(c) == small_chunks for _, c in sizes[:-1]) and 0 < len(sizes[-1][1]) <= small_chunks
        content = stored_bytes(export)
        assert len(content) == export.size
        assert hashlib.sha256(content).hexdigest() == export.sha256 == batch.export_sha256
        assert export.payment_count == 5 and export.total == batch.total

        # The renderer is deterministic: the same batch and export time make the same bytes.
        payments = batch.payments.select_related("payee__bank_account", "case__locality").order_by("id")
        again = b"".join(
            exports.render(
                export_format,
                batch,
                payments,
                originator=exports.Originator.from_settings(),
                exported_at=export.exported_at,
            )
        )
        assert again == content

        # Exporting again, by another officer, after confirmation: the stored bytes, not a new file.
        payment_services.batch_confirm(batch_id=batch.pk, by=world.u.fin2)
        _, same = payment_services.batch_export(batch_id=batch.pk, by=world.u.fin2, export_format=export_format)
        assert same == content
        assert BatchExport.objects.filter(batch=batch).count() == 1
        assert BatchExportChunk.objects.filter(export__batch=batch).count() == len(sizes)

    def test_a_file_that_fails_half_written_leaves_nothing(self, world, small_chunks, api):
        batch = approved_batch(world, amount="99.99", instalments=5)
        # The batch's stored total no longer matches its payments: pain.001 writes its header (and
        # several chunks) before it finds out, at the end.
        PaymentBatch.objects.filter(pk=batch.pk).update(total=Decimal("1.00"))
        response = api.as_user(world.u.fin1).post(f"/api/v1/payment-batches/{batch.pk}/export/?format=pain001")
        assert response.status_code == 400 and "pain.001 header says 5 payments" in str(response.json())
        assert not BatchExport.objects.exists() and not BatchExportChunk.objects.exists()
        assert PaymentBatch.objects.get(pk=batch.pk).status == "approved"


@pytest.mark.django_db
class TestDownloadStreams:
    def test_api_and_page_stream_the_stored_chunks(self, world, small_chunks, api, client):
        from django.urls import reverse

        batch = approved_batch(world, amount="99.99", instalments=5)
        response = api.as_user(world.u.fin1).post(f"/api/v1/payment-batches/{batch.pk}/export/?format=bacs18")
        assert response.status_code == 200 and response.streaming
        export = BatchExport.objects.get(batch=batch, export_format="bacs18")
        pieces = list(response.streaming_content)
        assert len(pieces) == export.chunks.count() > 1  # one piece per stored chunk, not one whole file
        body = b"".join(pieces)
        assert body == stored_bytes(export)
        assert response["X-Checksum-SHA256"] == hashlib.sha256(body).hexdigest() == export.sha256
        assert int(response["Content-Length"]) == len(body) == export.size

        client.force_login(world.u.fin2)
        page = client.get(reverse("payments:batch_download", args=[batch.pk]) + "?format=bacs18")
        assert page.status_code == 200 and page.streaming and page.getvalue() == body
        assert page["X-Checksum-SHA256"] == export.sha256

    @pytest.mark.parametrize("damage", ["changed", "missing"])
    def test_a_damaged_file_is_never_delivered_whole(self, world, small_chunks, api, damage):
        batch = approved_batch(world, amount="99.99", instalments=5)
        _, export = payment_services.batch_export_file(batch_id=batch.pk, by=world.u.fin1, export_format="csv")
        chunk = export.chunks.get(sequence=1)
        if damage == "changed":  # e.g. someone with database access edits an amount
            BatchExportChunk.objects.filter(pk=chunk.pk).update(content=bytes(chunk.content).replace(b"1", b"9"))
        else:
            chunk.delete()
        response = api.as_user(world.u.fin1).post(f"/api/v1/payment-batches/{batch.pk}/export/?format=csv")
        assert response.status_code == 200 and response.streaming  # the headers are already sent...
        delivered = bytearray()
        with pytest.raises(ExportDamaged):
            for piece in response.streaming_content:
                delivered += piece
        assert len(delivered) < export.size  # ...but the body stops short of Content-Length


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # needs the migrations' data back
def test_migration_moves_stored_files_into_chunks_and_back(world):
    """0003 cuts each file stored whole into 64 KiB chunks (and marks removed ones); reversed, it
    joins them back."""
    from django.db.migrations.executor import MigrationExecutor

    before, after = [("payments", "0002_returns_exports_reverification")], [("payments", "0003_batch_export_chunks")]
    exported = approved_batch(world, instalments=2)
    payment_services.batch_export_file(batch_id=exported.pk, by=world.u.fin1, export_format="csv")
    content = stored_bytes(BatchExport.objects.get())
    sha = hashlib.sha256(content).hexdigest()

    try:
        MigrationExecutor(connection).migrate(before)
        old = MigrationExecutor(connection).loader.project_state(before).apps
        OldExport = old.get_model("payments", "BatchExport")
        assert bytes(OldExport.objects.get().content) == content
        big = bytes(range(256)) * 700 + b"tail"  # 179,204 bytes: two full chunks and a part
        first = OldExport.objects.get()
        OldExport.objects.create(
            batch_id=first.batch_id,
            export_format="pain001",
            content=big,
            sha256=hashlib.sha256(big).hexdigest(),
            size=len(big),
            payment_count=2,
            total=first.total,
            exported_by_id=first.exported_by_id,
            exported_at=first.exported_at,
        )
        OldExport.objects.create(
            batch_id=first.batch_id,
            export_format="bacs18",
            content=None,
            sha256="0" * 64,
            size=10,
            payment_count=2,
            total=first.total,
            exported_by_id=first.exported_by_id,
            exported_at=first.exported_at,
        )

        MigrationExecutor(connection).migrate(after)
        files = {e.export_format: e for e in BatchExport.objects.all()}
        assert stored_bytes(files["csv"]) == content and files["csv"].sha256 == sha and not files["csv"].content_removed
        assert stored_bytes(files["pain001"]) == big
        assert [len(c) for c in files["pain001"].chunks.order_by("sequence").values_list("content", flat=True)] == [
            65536,
            65536,
            len(big) - 131072,
        ]
        assert b"".join(files["pain001"].stream()) == big
        assert files["bacs18"].content_removed and not files["bacs18"].chunks.exists()

        MigrationExecutor(connection).migrate(before)
        old = MigrationExecutor(connection).loader.project_state(before).apps
        back = {e.export_format: e.content for e in old.get_model("payments", "BatchExport").objects.all()}
        assert bytes(back["csv"]) == content and bytes(back["pain001"]) == big and back["bacs18"] is None
    finally:  # the next tests need the latest schema, whatever happened here
        MigrationExecutor(connection).migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
