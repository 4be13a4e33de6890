"""Create the chain heads up front, so appending a record never has to create one."""

from django.db import migrations

CHAINS = ["field_history", "domain_events", "access_log"]


def create_heads(apps, schema_editor):
    ChainHead = apps.get_model("audit", "ChainHead")
    for chain in CHAINS:
        ChainHead.objects.get_or_create(chain=chain)


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_refuse_update_delete_on_postgresql")]
    operations = [migrations.RunPython(create_heads, migrations.RunPython.noop)]
