"""Each task the case flow creates is linked to the task before it (viewflow's `previous`, which its
undo, revive and admin read), though a step writes its links together when it ends
(core.workflow.link): one INSERT a step instead of one a task."""

from viewflow.workflow.models import Task

from process.flows import CaseFlow
from tests import scenario


def _newest(process_id, node):
    return Task.objects.filter(process_id=process_id, flow_task=node).order_by("-id").first()


def test_an_approval_links_each_task_it_created_to_the_one_before(world):
    process_id = scenario.package_approved(world).case.process_id
    decided = _newest(process_id, CaseFlow.approve_team_manager)
    decision = _newest(process_id, CaseFlow.approval_decision)
    scheduled = _newest(process_id, CaseFlow.schedule_payments)
    split = _newest(process_id, CaseFlow.after_approval)

    assert list(decision.previous.all()) == [decided]
    assert list(scheduled.previous.all()) == [decision]
    assert list(split.previous.all()) == [scheduled]
    for node in (CaseFlow.authorise_payments, CaseFlow.package_review_due, CaseFlow.package_submitted):
        assert list(_newest(process_id, node).previous.all()) == [split], node.name
    assert {task.flow_task for task in split.leading.all()} == {
        CaseFlow.authorise_payments,
        CaseFlow.package_review_due,
        CaseFlow.package_submitted,
    }


def test_every_task_but_the_start_follows_another(world):
    process_id = scenario.payments_authorised(world).case.process_id
    tasks = Task.objects.filter(process_id=process_id)
    assert tasks.count() > 15
    unlinked = tasks.exclude(flow_task=CaseFlow.start).filter(previous__isnull=True)
    assert list(unlinked.values_list("flow_task", flat=True)) == []
    assert Task.previous.through.objects.filter(from_task__process_id=process_id).count() == tasks.count() - 1


def test_a_step_inserts_its_new_tasks_together_in_the_order_it_made_them(world):
    """A referral makes six tasks: the start and the split first (the split's branches take their
    tokens from its id), then the four after it, in one INSERT each time (core.workflow.insert_task)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        case = scenario.referral(world)
    inserts = [q["sql"] for q in captured.captured_queries if q["sql"].startswith('INSERT INTO "viewflow_task" ')]
    assert len(inserts) == 2
    tasks = list(Task.objects.filter(process_id=case.process_id).order_by("id"))
    assert [task.flow_task for task in tasks] == [
        CaseFlow.start,
        CaseFlow.case_open,
        CaseFlow.package_submitted,
        CaseFlow.close_request,
        CaseFlow.resume_at,
        CaseFlow.allocate,
    ]
    split = tasks[1]
    assert all(str(task.token).startswith(f"start/{split.pk}_") for task in tasks[2:4])


def test_the_owner_of_a_task_made_in_a_step_is_told_of_it_by_its_id(world):
    """The lead's "map the family network" task is inserted with the step's others; the lead is told
    of it afterwards, keyed by its id."""
    from notifications.models import Notification

    case = scenario.allocated(world)
    task = Task.objects.get(process_id=case.process_id, flow_task=CaseFlow.map_network)
    assert task.owner == case.lead_practitioner
    assert Notification.objects.filter(key=f"task-assigned:{task.pk}:{task.owner_id}").exists()
