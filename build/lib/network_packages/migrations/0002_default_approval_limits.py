from decimal import Decimal

from django.db import migrations

DEFAULTS = [("team_manager", Decimal("500.00")), ("service_manager", Decimal("5000.00")), ("head_of_service", None)]


def create_defaults(apps, schema_editor):
    ApprovalLimit = apps.get_model("network_packages", "ApprovalLimit")
    for tier, amount in DEFAULTS:
        ApprovalLimit.objects.get_or_create(tier=tier, defaults={"max_amount": amount})


class Migration(migrations.Migration):
    dependencies = [("network_packages", "0001_initial")]
    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
