"""manage.py bulk_data: bulk cases with their workflow and their audit trail (bench/bulk_trail.py).

Smoke tests only (the benchmark itself, bench/scale.py, is never part of the suite): a handful of
cases, on SQLite and PostgreSQL. The trail's chains verify and carry on when the services write
after it; the tasks are where the queues and the flow expect them.
"""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from viewflow.workflow.models import Task

from audit.models import DomainEvent, LogEntry
from audit.sealing import seal
from audit.verification import verify_all
from fgdm import services as case_services
from fgdm.constants import ENDED_STATUSES
from fgdm.models import Case
from process.flows import CaseFlow
from process.selectors import task_list

CASES = 40
OPEN_TASK = ["NEW", "ASSIGNED", "STARTED", "SCHEDULED"]


@pytest.fixture
def bulk(db):
    out = io.StringIO()
    call_command("bulk_data", cases=CASES, seed=7, practitioners_per_team=3, coordinators=2, force=True, stdout=out)
    return out.getvalue()


def user(username):
    return get_user_model().objects.get(username=username)


class TestBulkData:
    def test_refuses_without_force_when_debug_is_off(self, db):
        with pytest.raises(CommandError, match="DEBUG is off"):
            call_command("bulk_data", cases=1, stdout=io.StringIO())

    def test_shows_progress_and_writes_the_cases(self, bulk):
        assert f"{CASES} / {CASES} cases" in bulk
        assert Case.objects.count() == CASES

    def test_the_audit_chains_verify(self, bulk):
        seal()  # what the services wrote around the bulk rows (budgets, users), as seal_audit would
        counts, breaks = verify_all()
        assert breaks == []
        assert counts["domain_events"] == DomainEvent.objects.count() > CASES
        assert counts["field_history"] == LogEntry.objects.count()
        referred = DomainEvent.objects.filter(action="case_referred", object_type="case")
        assert set(referred.values_list("case_id", flat=True)) == set(Case.objects.values_list("pk", flat=True))
        closed = Case.objects.filter(status="closed").values_list("pk", flat=True)
        assert set(DomainEvent.objects.filter(action="case_closed").values_list("case_id", flat=True)) == set(closed)

    def test_leaves_nothing_unsealed(self, bulk):
        """verify_audit says intact straight after, with no sequencer running."""
        assert DomainEvent.objects.filter(seq__isnull=True).count() == 0
        assert LogEntry.objects.filter(seq__isnull=True).count() == 0
        assert verify_all()[1] == []

    def test_every_case_has_its_process_and_open_cases_their_work(self, bulk):
        assert not Case.objects.filter(process__isnull=True).exists()
        for case in Case.objects.exclude(status__in=ENDED_STATUSES):
            waiting = Task.objects.filter(process_id=case.process_id, status__in=OPEN_TASK)
            # the casework branch waits somewhere (a task or the review timer), and so does closing
            assert waiting.filter(flow_task=CaseFlow.close_request).count() == 1
            assert waiting.count() >= 3
            assert Task.objects.filter(process_id=case.process_id, status="DONE").count() >= 3
        for case in Case.objects.filter(status__in=ENDED_STATUSES):
            open_work = Task.objects.filter(process_id=case.process_id, status__in=["NEW", "ASSIGNED"])
            assert set(open_work.values_list("flow_task", flat=True)) <= {CaseFlow.reopen_request}

    def test_the_queues_show_the_tasks(self, bulk):
        assigned = Task.objects.filter(status="ASSIGNED").select_related("owner")
        assert assigned.exists()
        for task in assigned:
            assert task in task_list(user=task.owner)
        allocations = Task.objects.filter(flow_task=CaseFlow.allocate, status="NEW")
        for task in allocations:
            team = task.process.case.team
            assert task in task_list(user=team.managers.first())

    def test_the_services_carry_on_after_it(self, bulk, client):
        """Closing an open bulk case goes through the flow, and its events chain on from the bulk ones."""
        case = Case.objects.exclude(status__in=ENDED_STATUSES).exclude(lead_practitioner=None).first()
        case_services.case_close(case_id=case.pk, by=case.lead_practitioner, reason="needs_met", note="")
        case.refresh_from_db()
        assert case.status == "closed"
        assert Task.objects.filter(process_id=case.process_id, flow_task=CaseFlow.close_case, status="DONE").exists()
        assert verify_all()[1] == []
        client.force_login(case.lead_practitioner)
        assert client.get("/").status_code == 200
