"""bench/bulk_cases.py's fast row path: `Maker` (instances without Model.__init__) and `Copier`
(PostgreSQL's COPY instead of bulk_create) must give the rows the ordinary path gives, or the
generated data would change with the database it is written to."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone
from viewflow.workflow.models import Process, Task
from viewflow.workflow.token import Token

from audit.models import DomainEvent
from bench.bulk_cases import Copier, Maker
from fgdm.models import Case
from process.flows import CaseFlow

AT = timezone.make_aware(datetime.datetime(2025, 3, 4, 10, 30))


def fields(obj):
    return {field.attname: getattr(obj, field.attname) for field in obj._meta.concrete_fields}


def task_values(process, owner):
    return {
        "flow_task": CaseFlow.allocate,
        "flow_task_type": CaseFlow.allocate.task_type,
        "status": "ASSIGNED",
        "created": AT,
        "assigned": AT,
        "token": Token("start/7_1"),
        "owner": owner,
        "owner_permission": "fgdm.allocate_case",
        "process": process,
        "data": {"note": "x"},
    }


class TestMaker:
    def test_builds_what_the_model_builds(self):
        owner = get_user_model()(pk=5, username="tm")
        process = Process(pk=9, flow_class=CaseFlow, status="NEW", created=AT, data={})
        values = task_values(process, owner)
        made = Maker()(Task, 11, values)
        ordinary = Task(pk=11, **values)
        assert fields(made) == fields(ordinary)  # defaults too (finished, scheduled, comments …)
        assert made.owner is owner and made.process is process and made.owner_id == 5
        assert made._state.adding and made.pk == 11

        event = {"at": AT, "actor": None, "action": "case_referred", "object_type": "case", "object_id": 3}
        assert fields(Maker()(DomainEvent, 2, event)) == fields(DomainEvent(pk=2, **event))

    def test_a_one_to_one_model_is_built_the_ordinary_way(self):
        process = Process(pk=9, flow_class=CaseFlow, status="NEW", created=AT, data={})
        case = Maker()(Case, 4, {"process": process, "reference": "FGDM-2025-000004"})
        assert process.case is case  # the one-to-one descriptor's other side, which only __init__ fills

    def test_refuses_a_field_the_model_does_not_have(self):
        with pytest.raises(TypeError, match="no field colour"):
            Maker()(Task, 1, {"colour": "red"})


@pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY is PostgreSQL's")
class TestCopier:
    def test_writes_the_rows_bulk_create_writes(self, db):
        owner = get_user_model().objects.create(username="tm")
        make, copier = Maker(), Copier(connection)
        copied = make(Process, 900001, {"flow_class": CaseFlow, "status": "NEW", "created": AT, "data": {"a": [1]}})
        created = make(Process, 900002, {"flow_class": CaseFlow, "status": "NEW", "created": AT, "data": {"a": [1]}})
        copier.write(Process, [copied])
        Process.objects.bulk_create([created])
        tasks = [make(Task, 900000 + n, task_values(process, owner)) for n, process in ((1, copied), (2, created))]
        copier.write(Task, [tasks[0]])
        Task.objects.bulk_create([tasks[1]])
        links = [make(Task.previous.through, None, {"from_task_id": t.pk, "to_task_id": t.pk}) for t in tasks]
        copier.write(Task.previous.through, [links[0]])  # no key given: the database's sequence gives it
        Task.previous.through.objects.bulk_create([links[1]])

        def read(model, pk, *ignore):
            row = model.objects.filter(pk=pk).values().get()
            return {key: value for key, value in row.items() if key not in ("id", *ignore)}

        assert read(Process, 900001) == read(Process, 900002)
        assert read(Task, 900001, "process_id") == read(Task, 900002, "process_id")
        assert Task.objects.get(pk=900001).flow_task == CaseFlow.allocate
        assert Task.objects.get(pk=900001).data == {"note": "x"}
        assert set(Task.previous.through.objects.values_list("from_task_id", "to_task_id")) == {
            (900001, 900001),
            (900002, 900002),
        }
