"""Words for people about the flow's tasks: what a task asks for and whom it waits for.

Node names (`approve_service_manager`) and permissions (`payments.authorise_payment`) are the
code's; pages, the seed's report and the task lists say these instead. One table, here.
"""

from core.roles import ROLE_PERMISSIONS, Role, may
from process.flows import CaseFlow

# Each person-task node: the kind of step (core.roles.STEP_ROLES) its page takes. A task is offered
# as a link only to someone whose role may take that step (the same check the page's gate makes).
TASK_STEPS = {
    CaseFlow.allocate: "case_allocate",
    CaseFlow.map_network: "meeting_schedule",
    CaseFlow.prepare_network: "meeting_prepare",
    CaseFlow.hold_meeting: "meeting_record",
    CaseFlow.accept_plan: "plan_accept",
    CaseFlow.revise_plan: "plan_revise",
    CaseFlow.draft_package: "package_create",
    CaseFlow.rework_package: "package_update",
    CaseFlow.review_package: "package_review",
    CaseFlow.approve_team_manager: "package_approve",
    CaseFlow.approve_service_manager: "package_approve",
    CaseFlow.approve_head_of_service: "package_approve",
    CaseFlow.authorise_payments: "payment_authorise",
    CaseFlow.review: "case_review",
}

# Short names of the steps, for lists where the flow's longer annotation would not fit.
TASK_NAMES = {
    CaseFlow.allocate: "Allocate a lead practitioner",
    CaseFlow.map_network: "Map the family network",
    CaseFlow.prepare_network: "Prepare the network for the conference",
    CaseFlow.hold_meeting: "Hold the meeting and record the plan",
    CaseFlow.accept_plan: "Accept the family's plan",
    CaseFlow.revise_plan: "Record the revised plan",
    CaseFlow.draft_package: "Draft the support package",
    CaseFlow.rework_package: "Rework the returned package",
    CaseFlow.review_package: "Review the support package",
    CaseFlow.approve_team_manager: "Approve the package (team manager)",
    CaseFlow.approve_service_manager: "Approve the package (service manager)",
    CaseFlow.approve_head_of_service: "Approve the package (head of service)",
    CaseFlow.authorise_payments: "Authorise the payments",
    CaseFlow.review: "Review the plan with the family",
}


def task_name(task) -> str:
    """What the task asks for, in words (never the node's name)."""
    node = task.flow_task
    return TASK_NAMES.get(node) or str(getattr(node, "task_title", "") or "A step of the case")


def task_step(task) -> str | None:
    """The kind of step (STEP_ROLES) the task's page takes, or None for a node that is no one's."""
    return TASK_STEPS.get(task.flow_task)


def may_take(user, task) -> bool:
    """Whether this person's role may take the task's step: what the step's page checks first."""
    step = task_step(task)
    return step is not None and may(user, step)


def _role_for(permission: str) -> str:
    roles = [Role(role).label for role, perms in ROLE_PERMISSIONS.items() if permission in perms]
    if not roles:
        return "someone whose role may do it"
    names = [label.lower().replace("fgc", "FGC") for label in roles]
    article = "an" if names[0][0] in "aeiou" or names[0].startswith("FGC") else "a"
    return f"{article} " + (names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1])


def waiting_for(task) -> str:
    """Whom the task waits for: the person who has it, else the role that may take it."""
    if task.owner_id:
        owner = task.owner
        return owner.get_full_name() or owner.get_username()
    if task.owner_permission:
        return _role_for(task.owner_permission)
    return "someone whose role may do it"


def task_line(task) -> str:
    """One task in words: "Approve the package (service manager), for a service manager"."""
    return f"{task_name(task)}, for {waiting_for(task)}"
