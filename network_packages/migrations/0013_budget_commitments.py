"""Running totals of what each locality's packages commit against its budget, per financial year,
filled for the data already there with the rule recomputed (network_packages.commitments)."""

import django.db.models.deletion
from django.db import migrations, models


def fill(apps, schema_editor):
    from network_packages.commitments import fill as fill_totals

    # The historical models: what went to the bank is read through the payments' reverse relation,
    # so this migration depends on the payments app's latest state.
    fill_totals(
        packages=apps.get_model("network_packages", "SupportPackage"),
        commitments=apps.get_model("network_packages", "BudgetCommitment"),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("fgdm", "0016_sign_in_identity"),
        ("network_packages", "0012_merge_signatures_and_payee_policy"),
        ("payments", "0006_ascii_digit_bank_details"),
    ]

    operations = [
        migrations.CreateModel(
            name="BudgetCommitment",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("financial_year", models.PositiveSmallIntegerField()),
                ("committed_pence", models.BigIntegerField(default=0)),
                (
                    "locality",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to="fgdm.locality"
                    ),
                ),
            ],
            options={
                "ordering": ["-financial_year", "locality_id"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("locality", "financial_year"), name="commitment_once_per_locality_year"
                    )
                ],
            },
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
