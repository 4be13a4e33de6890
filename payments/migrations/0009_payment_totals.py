"""Running totals of the payments in each status (count, pence), sharded in slots (issue 18: the
payments list counted and summed 974,000 payments on each view), filled for the payments already
there by counting them (payments.totals)."""

from django.db import migrations, models


def fill(apps, schema_editor):
    from payments.totals import fill as fill_totals

    fill_totals(payments=apps.get_model("payments", "Payment"), totals=apps.get_model("payments", "PaymentTotal"))


class Migration(migrations.Migration):
    dependencies = [("payments", "0008_bank_account_number_index")]

    operations = [
        migrations.CreateModel(
            name="PaymentTotal",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("slot", models.PositiveSmallIntegerField(unique=True)),
                ("scheduled_count", models.BigIntegerField(default=0)),
                ("scheduled_pence", models.BigIntegerField(default=0)),
                ("authorised_count", models.BigIntegerField(default=0)),
                ("authorised_pence", models.BigIntegerField(default=0)),
                ("batched_count", models.BigIntegerField(default=0)),
                ("batched_pence", models.BigIntegerField(default=0)),
                ("paid_count", models.BigIntegerField(default=0)),
                ("paid_pence", models.BigIntegerField(default=0)),
                ("returned_count", models.BigIntegerField(default=0)),
                ("returned_pence", models.BigIntegerField(default=0)),
                ("cancelled_count", models.BigIntegerField(default=0)),
                ("cancelled_pence", models.BigIntegerField(default=0)),
            ],
            options={"ordering": ["slot"]},
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
