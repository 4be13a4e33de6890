"""Export files move from one BinaryField per file into chunk rows of at most 64 KiB.

Each stored file is cut into `BatchExportChunk` rows (its bytes, size and SHA-256 unchanged); a file
already removed under the retention schedule gets `content_removed_at` (the time of this migration:
when it was removed is in its retention event). `PaymentBatch.export_content`, copied into
`BatchExport` by 0002 and not written since, goes. Reversible: chunks are joined back into
`BatchExport.content` (the files of 0002 onwards are all there; `export_content` comes back empty).
"""

import django.db.models.deletion
from django.db import migrations, models
from django.utils import timezone

CHUNK_SIZE = 64 * 1024  # BatchExport.CHUNK_SIZE when this was written


def _settle_constraints(schema_editor):
    # PostgreSQL refuses ALTER TABLE on a table with pending (deferred) foreign key checks in the
    # same transaction: run them now, before the columns are removed.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def content_into_chunks(apps, schema_editor):
    BatchExport = apps.get_model("payments", "BatchExport")
    BatchExportChunk = apps.get_model("payments", "BatchExportChunk")
    removed_at = timezone.now()
    for export_id in BatchExport.objects.order_by("pk").values_list("pk", flat=True):
        export = BatchExport.objects.get(pk=export_id)  # one file in memory at a time
        if export.content is None:
            export.content_removed_at = removed_at
            export.save(update_fields=["content_removed_at"])
            continue
        content = bytes(export.content)
        BatchExportChunk.objects.bulk_create(
            BatchExportChunk(export_id=export_id, sequence=n, content=content[start : start + CHUNK_SIZE])
            for n, start in enumerate(range(0, len(content), CHUNK_SIZE))
        )
    _settle_constraints(schema_editor)


def chunks_into_content(apps, schema_editor):
    BatchExport = apps.get_model("payments", "BatchExport")
    BatchExportChunk = apps.get_model("payments", "BatchExportChunk")
    for export_id in BatchExport.objects.order_by("pk").values_list("pk", flat=True):
        chunks = BatchExportChunk.objects.filter(export_id=export_id).order_by("sequence")
        if chunks.exists():
            content = b"".join(bytes(c) for c in chunks.values_list("content", flat=True))
        else:
            content = None
        BatchExport.objects.filter(pk=export_id).update(content=content)
    _settle_constraints(schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("payments", "0002_returns_exports_reverification"),
    ]

    operations = [
        migrations.AddField(
            model_name="batchexport",
            name="content_removed_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AlterField(
            model_name="batchexport",
            name="size",
            field=models.PositiveBigIntegerField(),
        ),
        migrations.CreateModel(
            name="BatchExportChunk",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("sequence", models.PositiveIntegerField()),
                ("content", models.BinaryField(editable=False)),
                (
                    "export",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="chunks", to="payments.batchexport"
                    ),
                ),
            ],
            options={
                "ordering": ["export", "sequence"],
                "constraints": [models.UniqueConstraint(fields=("export", "sequence"), name="batch_export_chunk_once")],
            },
        ),
        migrations.RunPython(content_into_chunks, chunks_into_content),
        migrations.RemoveField(
            model_name="batchexport",
            name="content",
        ),
        migrations.RemoveField(
            model_name="paymentbatch",
            name="export_content",
        ),
    ]
