"""The case flow moved from fgdm/flows.py to process/flows.py. Viewflow stores each process's flow
and each task's node as a dotted reference ("fgdm/flows.CaseFlow.allocate"): point the rows made
before the move at the new place. Viewflow's tables are not audited (no field history to keep)."""

from django.db import migrations
from django.db.models import Value
from django.db.models.functions import Replace

OLD, NEW = "fgdm/flows.CaseFlow", "process/flows.CaseFlow"


def forwards(apps, schema_editor):
    _move(apps, OLD, NEW)


def backwards(apps, schema_editor):
    _move(apps, NEW, OLD)


def _move(apps, old, new):
    Process = apps.get_model("viewflow", "Process")
    Task = apps.get_model("viewflow", "Task")
    Process.objects.filter(flow_class=old).update(flow_class=new)
    Task.objects.filter(flow_task__startswith=old + ".").update(
        flow_task=Replace("flow_task", Value(old + "."), Value(new + "."))
    )


class Migration(migrations.Migration):
    dependencies = [
        ("viewflow", "0015_task_scheduled"),
        ("fgdm", "0003_fgdm_practice"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
