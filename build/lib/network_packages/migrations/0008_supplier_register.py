"""The register of suppliers moves from payments to network_packages (packages name their payees;
payments must sit above packages). Only Django's picture of the models changes: the table stays
payments_supplier, with its rows, constraint and foreign keys. The content type follows the model,
so its field history and permissions stay attached."""

import django.db.models.deletion
import django.db.models.functions.text
from django.conf import settings
from django.db import migrations, models


def _move(apps, old_app, new_app):
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not ContentType.objects.filter(app_label=new_app, model="supplier").exists():
        ContentType.objects.filter(app_label=old_app, model="supplier").update(app_label=new_app)


def move_content_type(apps, schema_editor):
    _move(apps, "payments", "network_packages")


def move_content_type_back(apps, schema_editor):
    _move(apps, "network_packages", "payments")


class Migration(migrations.Migration):
    dependencies = [
        ("network_packages", "0007_item_starts_on"),
        ("payments", "0004_merge_0003_batch_export_chunks_0003_suppliers"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Supplier",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("name", models.CharField(max_length=140, verbose_name="Trading name")),
                        ("supplies", models.CharField(blank=True, max_length=200, verbose_name="What they supply")),
                        ("address", models.TextField(blank=True)),
                        ("email", models.EmailField(blank=True, max_length=254)),
                        ("phone", models.CharField(blank=True, max_length=40)),
                        (
                            "company_number",
                            models.CharField(blank=True, max_length=20, verbose_name="Company or charity number"),
                        ),
                        ("active", models.BooleanField(default=True)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        (
                            "created_by",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "db_table": "payments_supplier",
                        "ordering": ["name", "id"],
                        "permissions": [("manage_suppliers", "Can add and change suppliers")],
                    },
                ),
                migrations.AlterField(
                    model_name="packageitem",
                    name="supplier",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="package_items",
                        to="network_packages.supplier",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="supplier",
                    constraint=models.UniqueConstraint(
                        django.db.models.functions.text.Lower("name"), name="supplier_name_unique"
                    ),
                ),
            ],
        ),
        migrations.RunPython(move_content_type, move_content_type_back),
    ]
