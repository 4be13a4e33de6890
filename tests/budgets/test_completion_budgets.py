"""SQL statements of each workflow step through the services, held to a budget (issue 18: at most
about 16 statements a completion).

The steps are those of bench/workflow_step.py (referral to a confirmed payment batch, as the pages
and the API call the services), driven twice on the demo reference data; the second case is
measured (the first fills the per-process caches: content types, roles). Each budget is the count
measured on PostgreSQL and SQLite after the completion work (the larger of the two), so a statement
added to a step fails here with the step's SQL listed. Lower a budget when a step gets cheaper.
"""

import pytest
from django.db import connection

from bench.workflow_step import drive_one_case, kind_of

# step: at most this many statements (before the completion work, on PostgreSQL: case_create 53,
# case_allocate 65, meeting_schedule 42, meeting_record 50, plan_accept 51, package_submit 56,
# package_approve 84, payment_authorise 33; measured before the services' own reads were trimmed:
# 29, 41, 25, 29, 26, 41, 61, 18). The steps that complete a workflow task first.
BUDGETS = {
    "case_create": 14,
    "case_allocate": 18,
    "meeting_schedule": 13,
    "meeting_record": 15,
    "plan_accept": 14,
    "package_submit": 25,
    # These two also keep the payments' running totals (one upsert each: payments.totals).
    "package_approve": 30,
    "payment_authorise": 15,
    # Steps that complete no workflow task (measured so that the path as a whole is pinned too).
    "case_record_consent": 7,
    "member_add": 8,
    "package_create": 13,
    "bank_account_set": 9,
    "bank_account_verify": 11,
}

# No savepoint is opened by the flow's lock, its start, gateways, functions, timers or ends: only the
# service's own atomic block (a SAVEPOINT inside the test's transaction) and what catches an error
# (nothing: the lead's two case permissions are granted without one, the case being locked, and a
# notification is one INSERT … ON CONFLICT DO NOTHING).
SAVEPOINTS = {
    "case_create": 1,
    "case_allocate": 1,
    "meeting_schedule": 1,
    "meeting_record": 1,
    "plan_accept": 1,
    "package_submit": 1,
    "package_approve": 1,
    "payment_authorise": 1,
}


@pytest.fixture
def driven(db):
    from process import demo

    demo.seed_reference()
    demo.seed_budgets(demo.seed_users())
    steps: dict = {}
    for run in range(2):
        drive_one_case(steps, model="fnm", run=run)
    return steps


def _listed(step) -> str:
    return "\n".join(f"{n:>3}. [{kind_of(sql)}] {sql[:300]}" for n, sql in enumerate(step.sql, start=1))


@pytest.mark.parametrize("name", sorted(BUDGETS))
def test_each_step_within_its_statement_budget(driven, name):
    step = driven[name]
    assert step.queries[-1] <= BUDGETS[name], (
        f"{name}: {step.queries[-1]} statements, budget {BUDGETS[name]} ({connection.vendor}):\n{_listed(step)}"
    )


@pytest.mark.parametrize("name", sorted(SAVEPOINTS))
def test_no_savepoint_where_nothing_catches(driven, name):
    step = driven[name]
    savepoints = [sql for sql in step.sql if sql.lstrip().upper().startswith("SAVEPOINT")]
    assert len(savepoints) <= SAVEPOINTS[name], f"{name}:\n{_listed(step)}"


def test_a_completion_looks_as_viewflow_leaves_it(driven):
    """The task a service completed is DONE with its owner and its assigned, started and finished
    moments in order, as viewflow's assign, start and execute leave it (one save instead of two)."""
    from viewflow.workflow.models import Task
    from viewflow.workflow.status import STATUS

    from process.flows import CaseFlow

    for node in (CaseFlow.allocate, CaseFlow.approve_team_manager, CaseFlow.authorise_payments):
        task = Task.objects.filter(flow_task=node).order_by("-id").first()
        assert task.status == STATUS.DONE
        assert task.owner_id is not None
        assert task.assigned is not None and task.started is not None and task.finished is not None
        assert task.assigned <= task.started <= task.finished
        assert task.previous.exists() and task.leading.exists()


@pytest.mark.django_db
def test_the_conference_path_is_measured_to_its_end():
    """`bench/workflow_step.py --model fgc` drives a Family Group Conference: the coordinator records
    the network's preparation before preparing the conference (it stopped at meeting_prepare, which
    refuses while anyone is still to be prepared)."""
    from process import demo

    demo.seed_reference()
    demo.seed_budgets(demo.seed_users())
    steps: dict = {}
    drive_one_case(steps, model="fgc", run=0)
    assert {"member_record_preparation", "meeting_prepare", "meeting_record", "payment_authorise"} <= set(steps)
    assert steps["meeting_prepare"].queries[-1] <= BUDGETS["meeting_record"]
