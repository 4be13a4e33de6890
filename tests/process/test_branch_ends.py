"""A package's branch ends (its payments authorised, its review over) without counting the case's
unfinished tasks: the case's process goes on until it ends after the reopening period."""

from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from fgdm.models import CaseProcess
from process.flows import CaseFlow
from tests import scenario


def test_payments_authorised_ends_the_branch_not_the_process(world):
    process_id = scenario.payments_authorised(world).case.process_id
    ended = Task.objects.get(process_id=process_id, flow_task=CaseFlow.payments_authorised)
    assert ended.status == STATUS.DONE and ended.finished is not None
    process = CaseProcess.objects.get(pk=process_id)
    assert process.status != STATUS.DONE and process.finished is None
    # The case can still be closed: its closing event waits.
    assert Task.objects.filter(process_id=process_id, flow_task=CaseFlow.close_request, status=STATUS.NEW).exists()
