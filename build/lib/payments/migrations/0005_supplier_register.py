"""The register of suppliers now lives in network_packages (see its 0008): payments' foreign keys
point there, and payments forgets the model. Nothing changes in the database."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("network_packages", "0008_supplier_register"),
        ("payments", "0004_merge_0003_batch_export_chunks_0003_suppliers"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="payment",
                    name="supplier",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="payments",
                        to="network_packages.supplier",
                    ),
                ),
                migrations.AlterField(
                    model_name="bankaccount",
                    name="supplier",
                    field=models.OneToOneField(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="bank_account",
                        to="network_packages.supplier",
                    ),
                ),
                migrations.DeleteModel(
                    name="Supplier",
                ),
            ],
        ),
    ]
