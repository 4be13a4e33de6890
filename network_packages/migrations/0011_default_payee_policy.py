"""The council's payee policy, with defaults from Dorset Council's pages on family network support
packages: kinship carers under a court order may be paid; packages are not means-tested; a paid
network member who looks after the child needs a DBS check or a viability assessment; at most
£5,000 to one person in a financial year."""

from decimal import Decimal

from django.db import migrations


def create_policy(apps, schema_editor):
    PayeePolicy = apps.get_model("network_packages", "PayeePolicy")
    if not PayeePolicy.objects.exists():
        PayeePolicy.objects.create(
            pay_kinship_carers_with_order=True,
            means_policy="not_assessed",
            checks_required="dbs_or_viability",
            annual_cap_per_payee=Decimal("5000.00"),
        )


class Migration(migrations.Migration):
    dependencies = [("network_packages", "0010_payee_policy")]
    operations = [migrations.RunPython(create_policy, migrations.RunPython.noop)]
