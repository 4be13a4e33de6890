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
