"""A bare viewflow flow of the same shape as the case flow's main path, for bench/scale.py.

Seven human steps (allocate, map the network, hold the meeting, accept the plan, submit the package,
approve it, authorise the payments) with a gateway after each decision, as in process.flows.CaseFlow,
on viewflow's own Process and Task tables, with the same lock (select_for_update). Completing a step
here is what core.workflow.complete_task does for a service — lock, assign, start, execute — with no
domain rows, no permission checks and no audit: the floor the full service path is compared with.
"""

import sys

from django.db import transaction
from viewflow import this
from viewflow.workflow import flow, lock
from viewflow.workflow.status import STATUS


def _no_view(request, **kwargs):  # viewflow needs a view per human node; nothing calls it
    raise NotImplementedError


def _yes(activation):
    return True


class BareFlow(flow.Flow):
    """The case flow's main path, bare."""

    lock_impl = lock.select_for_update_lock

    start = flow.StartHandle(this.begin).Next(this.allocate)
    allocate = flow.View(_no_view).Next(this.referral_decision)
    referral_decision = flow.If(_yes).Then(this.map_network).Else(this.end)
    map_network = flow.View(_no_view).Next(this.meeting_model)
    meeting_model = flow.If(_yes).Then(this.hold_meeting).Else(this.hold_meeting)
    hold_meeting = flow.View(_no_view).Next(this.meeting_outcome)
    meeting_outcome = flow.If(_yes).Then(this.accept_plan).Else(this.map_network)
    accept_plan = flow.View(_no_view).Next(this.plan_decision)
    plan_decision = flow.If(_yes).Then(this.submit_package).Else(this.accept_plan)
    submit_package = flow.View(_no_view).Next(this.approve)
    approve = flow.View(_no_view).Next(this.approval_decision)
    approval_decision = flow.If(_yes).Then(this.authorise).Else(this.submit_package)
    authorise = flow.View(_no_view).Next(this.end)
    end = flow.End()

    def begin(self, activation):
        activation.process.save()
        return activation.process


# viewflow stores a flow as "<app label>/<path in the app>" and refuses a flow outside an installed
# app. The benchmark's flow is no part of the application, so it is filed under the process app's
# name for this run only (nothing is added to the app).
ALIAS = "process.bench_bare_flow"
BareFlow.__module__ = ALIAS
sys.modules.setdefault(ALIAS, sys.modules[__name__])

STEPS = ["allocate", "map_network", "hold_meeting", "accept_plan", "submit_package", "approve", "authorise"]


def start():
    with transaction.atomic():
        return BareFlow.start.run()


def complete(process, node_name: str, by) -> None:
    """As core.workflow.complete_task: lock the process, assign, start and execute the open task."""
    node = getattr(BareFlow, node_name)
    with transaction.atomic(), BareFlow.lock(process.pk):
        task = process.task_set.filter(flow_task=node, status__in=[STATUS.NEW, STATUS.ASSIGNED]).first()
        activation = node.activation_class(task)
        if task.status == STATUS.NEW:
            activation.assign(by)
        if task.status == STATUS.ASSIGNED:
            activation.start(None)
        activation.execute()
