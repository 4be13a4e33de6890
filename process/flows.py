"""The case flow, read top to bottom in the order things happen.

Every human step is completed by a domain service (fgdm, network_packages, payments services),
which says what happened through the workflow port (core.workflow.advance); `STEPS` below maps
each of those actions to the node it completes, or to the event it fires. The gateways read real
columns of the case, its meetings, plans and packages — never process JSON. Node names appear
here and nowhere else.

Three paths run side by side while a case is open:
- the casework itself: allocation, the family's meeting, its plan, reviews;
- a support package's approval, payments and own reviews — a package or a change to one can be
  submitted whenever the case is open, so this path waits for a submission and comes back to
  waiting after each decision;
- closing: the case can be closed at any step, which cancels whatever is open on the other two.
A closed case waits for the reopening period; a manager can reopen it until then.
"""

import datetime

from django.conf import settings
from django.shortcuts import redirect
from django.utils import timezone
from viewflow import this
from viewflow.workflow import flow
from viewflow.workflow.exceptions import FlowRuntimeError
from viewflow.workflow.models import Task
from viewflow.workflow.nodes.end import EndActivation
from viewflow.workflow.nodes.func import FunctionActivation
from viewflow.workflow.nodes.handle import HandleActivation
from viewflow.workflow.nodes.if_gate import IfActivation
from viewflow.workflow.nodes.split import SplitActivation, SplitFirstActivation
from viewflow.workflow.nodes.start import StartHandleActivation
from viewflow.workflow.nodes.switch import SwitchActivation
from viewflow.workflow.nodes.timer import TimerActivation
from viewflow.workflow.nodes.view import ViewActivation
from viewflow.workflow.signals import flow_finished, flow_started, task_finished, task_started
from viewflow.workflow.status import STATUS

from core import notify
from core import workflow as workflow_port
from fgdm.constants import CaseStatus, MeetingModel, MeetingStatus, PlanStatus
from fgdm.models import CaseProcess
from network_packages import selectors as package_selectors
from network_packages import services as package_services
from network_packages.constants import ApprovalTier, PackageStatus
from payments import services as payment_services

# A task in one of these states is still waiting for something (a timer is SCHEDULED).
_WAITING = [STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED, STATUS.SCHEDULED]


def task_page(request, **kwargs):
    """Viewflow needs a view per human node; ours live on the case page."""
    return redirect("process:home")


def _case(activation):
    return activation.process.case


def _lead(activation):
    case = _case(activation)
    by = workflow_port.completing_user()
    if by is not None and case.lead_practitioner_id == by.pk:
        return by  # the lead moved the case on themselves: no need to read them again
    return case.lead_practitioner


def _remembered(activation, question: str, read):
    """`read()`, asked once per step moving on (core.workflow.step_memo); forgotten when a meeting,
    a plan or a package is saved (`_forget`)."""
    memo = workflow_port.step_memo()
    if memo is None:
        return read()
    key = (question, activation.process.pk)
    if key not in memo:
        memo[key] = read()
    return memo[key]


def _forget(sender, **kwargs):
    memo = workflow_port.step_memo()
    if memo:
        memo.clear()


def _tell_owner(activation):
    """A task that starts with an owner is announced to them (`task_assigned`), unless they made it
    themselves by finishing the step before it: nobody is told of the work they just moved on."""
    task = activation.task
    if task.owner_id is None:
        return
    finished_by = workflow_port.completed_by_now()  # a step being completed: who finished it
    if finished_by is None:
        done = Task.objects.filter(process_id=task.process_id, status=STATUS.DONE, owner__isnull=False)
        finished_by = done.order_by("-finished", "-id").values_list("owner_id", flat=True).first()
    if finished_by == task.owner_id:
        return
    notify.announce(
        "task_assigned",
        key=f"task-assigned:{task.pk}:{task.owner_id}",
        user_id=task.owner_id,
        case_id=_case(activation).pk,
        case_reference=_case(activation).reference,
        task=str(task.flow_task.task_title),
    )


def _newest_meeting(activation):
    return _remembered(activation, "newest meeting", lambda: _case(activation).meetings.order_by("-id").first())


def _meeting_runner(activation):
    meeting = _newest_meeting(activation)
    if meeting and meeting.coordinator_id is not None:  # a conference, or any meeting at pre-proceedings
        return meeting.coordinator
    return _lead(activation)


def _newest_plan(activation):
    return _remembered(activation, "newest plan", lambda: _case(activation).plans.order_by("-version").first())


def _package_in_approval(activation):
    """The package submitted most recently: the one the approval path is deciding on.

    Never simply the newest package: a draft prepared while another waits for approval must not
    stand in for the package that was decided."""
    return _remembered(
        activation,
        "package in approval",
        lambda: _case(activation).packages.filter(submitted_at__isnull=False).order_by("-submitted_at", "-id").first(),
    )


def _package_due_for_review(case):
    """The case's approved package whose review is due first: a case can have more than one."""
    return package_selectors.package_due_for_review(case=case)


def package_review_moment(case) -> datetime.datetime | None:
    """When the package review path's timer fires: 09:00 on the first review date due."""
    package = _package_due_for_review(case)
    if package is None:
        return None
    return timezone.make_aware(datetime.datetime.combine(package.review_by, datetime.time(9, 0)))


def _escalated_to(tier):
    def condition(activation):
        package = _package_in_approval(activation)
        return package is not None and package.status == PackageStatus.SUBMITTED and package.current_tier == tier

    condition.__doc__ = f"The package is above the approver's limit and goes to the {ApprovalTier(tier).label.lower()}"
    condition.label = ApprovalTier(tier).label.lower()
    return condition


def _package_is(status):
    def condition(activation):
        package = _package_in_approval(activation)
        return package is not None and package.status == status

    condition.__doc__ = f"The package is {PackageStatus(status).label.lower()}"
    condition.label = PackageStatus(status).label.lower()
    return condition


def _newest_meeting_is(*statuses):
    def condition(activation):
        meeting = _newest_meeting(activation)
        return meeting is not None and meeting.status in statuses

    names = " or ".join(MeetingStatus(s).label.lower() for s in statuses)
    condition.__doc__ = f"The newest meeting is {names}"
    condition.label = names
    return condition


def _meeting_to_hold(activation):
    """A new meeting is arranged (reconvened, or a review meeting)"""
    meeting = _newest_meeting(activation)
    return meeting is not None and meeting.status in (MeetingStatus.SCHEDULED, MeetingStatus.PREPARED)


_meeting_to_hold.label = "meeting arranged"


def _plan_accepted(activation):
    """The practitioner accepted the family's plan"""
    plan = _newest_plan(activation)
    return plan is not None and plan.status == PlanStatus.ACCEPTED


_plan_accepted.label = "accepted"


def _case_closed(activation):
    """The review closed the case"""
    return _case(activation).closed_on is not None


_case_closed.label = "closed"


def _has_lead(activation):
    """A reopened case with a lead practitioner and no plan in place"""
    return _lead(activation) is not None


_has_lead.label = "reopened before a plan"


def _reopened_with_plan(activation):
    """A reopened case with a plan in place"""
    return _lead(activation) is not None and _plan_accepted(activation)


_reopened_with_plan.label = "reopened with a plan"


# -- gateways without savepoints -------------------------------------------------------------------
# viewflow evaluates a gateway's condition (and runs a function node) inside a savepoint, so that
# with `propagate_exception=False` a failure can be rolled back and kept on the task as an error.
# The case flow always propagates (the default): an error goes up to the service's transaction,
# which rolls it back. The savepoint is then two statements for nothing, on every gateway of every
# step; these nodes open it only when an error is to be kept.


def _guarded(activation):
    """viewflow's exception guard, with a savepoint only when an error is caught and kept."""
    from django.db import transaction
    from viewflow.workflow.context import context

    if context.propagate_exception:
        return activation.exception_guard()
    guard = activation.exception_guard()

    class _Both:
        def __enter__(self):
            guard.__enter__()
            self.atomic = transaction.atomic(savepoint=True)
            self.atomic.__enter__()

        def __exit__(self, *exc):
            self.atomic.__exit__(*exc)
            return guard.__exit__(*exc)

    return _Both()


class _InsertedDone:
    """A gateway, function or end task is created and completed in the same moment: viewflow inserts
    it (NEW), then updates it (DONE). Here the task is built in memory and inserted once, DONE, when
    it completes, with the step's other new tasks (core.workflow.insert_task), and linked to the
    task before it with the step's other links (core.workflow.link): a part of two INSERTs a step
    instead of an INSERT, a link and an UPDATE a task. A timer's task likewise is inserted once,
    SCHEDULED with its moment. Only when errors propagate (the default): a task
    whose error is to be kept on it is saved as viewflow saves it."""

    _previous = None

    @classmethod
    def create(cls, flow_task, prev_activation, token, data=None, seed=None):
        from viewflow.workflow.context import context

        if not context.propagate_exception:
            return super().create(flow_task, prev_activation, token, data=data, seed=seed)
        task = flow_task.flow_class.task_class(process=prev_activation.process, flow_task=flow_task, token=token)
        task.data = data if data is not None else {}
        task.seed = seed
        activation = cls(task)
        activation._previous = prev_activation.task
        return activation

    def _done(self):
        """viewflow's `complete` (the task is DONE, finished now), the task inserted with the step's
        other new tasks (core.workflow.insert_task)."""
        self.task.finished = timezone.now()
        workflow_port.insert_task(self.task)
        task_finished.send(sender=self.flow_class, process=self.process, task=self.task)

    def _linked(self):
        if self._previous is not None:
            workflow_port.link(self.task, self._previous)
            self._previous = None

    # Unsaved tasks have no id to hash on: an activation stands for its own task (one each).
    def __eq__(self, other):
        return self is other

    def __hash__(self):
        return id(self)


class _IfActivation(_InsertedDone, IfActivation):
    @IfActivation.status.super()
    def complete(self):
        self._done()
        self._linked()

    @IfActivation.status.super()
    def activate(self):
        with _guarded(self):
            self._condition_result = self.flow_task._condition(self)


class _SwitchActivation(_InsertedDone, SwitchActivation):
    @SwitchActivation.status.super()
    def complete(self):
        self._done()
        self._linked()

    @SwitchActivation.status.super()
    def activate(self):
        with _guarded(self):
            for node, cond in self.flow_task._branches:
                if cond:
                    if cond(self):
                        self.next_task = node
                        break
                else:
                    self.next_task = node
            if not self.next_task:
                raise FlowRuntimeError(f"No next task available for {self.flow_task.name}")


class _FunctionActivation(_InsertedDone, FunctionActivation):
    @FunctionActivation.status.super()
    def complete(self):
        self._done()
        self._linked()

    @FunctionActivation.status.super()
    def activate(self):
        with _guarded(self):
            self.task.started = timezone.now()
            task_started.send(sender=self.flow_class, process=self.process, task=self.task)
            self.flow_task._func(self)


class _TimerActivation(_InsertedDone, TimerActivation):
    @TimerActivation.status.super()
    def activate(self):
        with _guarded(self):
            delay = self.flow_task._delay
            if callable(delay):
                delay = delay(self)
            if isinstance(delay, datetime.timedelta):
                delay = timezone.now() + delay
            if not isinstance(delay, datetime.datetime):
                raise ValueError(f"Timer delay must be a timedelta or datetime, got {delay!r}")
            self.task.scheduled = delay
            workflow_port.insert_task(self.task)
            self._linked()


def _linked_later(activation_class, flow_task, prev_activation, token, data, seed):
    """What viewflow's `create` does for a task that waits (inserted NEW, linked to the task
    before it), the task and its link written with the step's others (core.workflow.insert_task,
    link); its owner is told once it has its id."""
    task = flow_task.flow_class.task_class(process=prev_activation.process, flow_task=flow_task, token=token)
    task.data = data if data is not None else {}
    task.seed = seed
    activation = activation_class(task)
    if isinstance(activation, ViewActivation):  # a person's task: its permission and owner, as viewflow sets them
        permission = flow_task.calc_owner_permission(activation)
        if permission:
            task.owner_permission = permission
            task.owner_permission_obj = flow_task.calc_owner_permission_obj(activation)
        owner = flow_task.calc_owner(activation)
        if owner:
            task.owner, task.status = owner, STATUS.ASSIGNED
    workflow_port.insert_task(task)
    workflow_port.link(task, prev_activation.task)
    if isinstance(activation, ViewActivation) and flow_task._on_create is not None:
        workflow_port.when_inserted(task, lambda: flow_task._on_create(activation))
    return activation


class _LinkedLater:
    """A task that waits (a person's step, an event, the reopening window) is inserted, and linked
    to the task before it, with the step's other new tasks and links.
    Only when errors propagate (the default), as `_InsertedDone`."""

    @classmethod
    def create(cls, flow_task, prev_activation, token, data=None, seed=None):
        from viewflow.workflow.context import context

        if not context.propagate_exception:
            return super().create(flow_task, prev_activation, token, data=data, seed=seed)
        return _linked_later(cls, flow_task, prev_activation, token, data, seed)

    # A task waiting to be inserted has no id to hash on: an activation stands for its own task.
    def __eq__(self, other):
        return self is other

    def __hash__(self):
        return id(self)


class _ViewActivation(_LinkedLater, ViewActivation):
    pass


class _HandleActivation(_LinkedLater, HandleActivation):
    pass


class _SplitFirstActivation(_LinkedLater, SplitFirstActivation):
    pass


class View(flow.View):
    activation_class = _ViewActivation


class MessageCatch(flow.MessageCatch):
    activation_class = _HandleActivation


class SplitFirst(flow.SplitFirst):
    activation_class = _SplitFirstActivation


class _StartActivation(StartHandleActivation):
    """viewflow's start, without the savepoint of its own atomic block (the service's transaction
    holds it), without saving the process a second time when the start handler has saved it, and
    without locking the row of the process it has just made (core.workflow.new_process_lock)."""

    @StartHandleActivation.status.super()
    def complete(self):
        self.task.finished = timezone.now()
        workflow_port.insert_task(self.task)  # with the step's other new tasks
        task_finished.send(sender=self.flow_class, process=self.process, task=self.task)

    @StartHandleActivation.status.super()
    def execute(self):
        from django.db import transaction

        task_started.send(sender=self.flow_class, process=self.process, task=self.task)
        with transaction.atomic(savepoint=False), workflow_port.links_together():
            if self.process.pk is None:
                self.process.save()
            # The process was made by this start (the start handler saves it): nobody waits on it.
            with workflow_port.new_process_lock(self.flow_class, self.process.pk):
                self.complete()
                flow_started.send(sender=self.flow_class, process=self.process, task=self.task)
                self.activate_next()


class _EndActivation(_InsertedDone, EndActivation):
    @EndActivation.status.super()
    def complete(self):
        self._done()
        self._linked()

    @EndActivation.status.super()
    def activate(self):
        with _guarded(self):
            self.task.started = timezone.now()
            task_started.send(sender=self.flow_class, process=self.process, task=self.task)
            active = (
                self.flow_class.task_class._default_manager.filter(process=self.process, finished__isnull=True)
                .exclude(pk=self.task.pk)
                .count()
            )
            if active == 0:
                self.process.status = STATUS.DONE
                self.process.finished = timezone.now()
                self.process.save()
            task_finished.send(sender=self.flow_class, process=self.process, task=self.task)
            if active == 0:
                flow_finished.send(sender=self.flow_class, process=self.process, task=self.task)


class _BranchEndActivation(_EndActivation):
    """The end of a package's branch (its payments authorised, its reviews over): the case's process
    goes on, so the unfinished tasks need not be counted. While the case is open its closing event
    waits (the case_open split made it, and only closing completes it), and after a closing the
    process ends at `end`, after the reopening period, only."""

    @EndActivation.status.super()
    def activate(self):
        with _guarded(self):
            self.task.started = timezone.now()
            task_started.send(sender=self.flow_class, process=self.process, task=self.task)
            task_finished.send(sender=self.flow_class, process=self.process, task=self.task)


class End(flow.End):
    activation_class = _EndActivation


class BranchEnd(End):
    activation_class = _BranchEndActivation


class _SplitActivation(_InsertedDone, SplitActivation):
    @SplitActivation.status.super()
    def complete(self):
        self._done()
        self._linked()
        workflow_port.write_new_tasks()  # the tokens of its branches are made from its id


class Split(flow.Split):
    activation_class = _SplitActivation


class StartHandle(flow.StartHandle):
    activation_class = _StartActivation


class If(flow.If):
    activation_class = _IfActivation


class Switch(flow.Switch):
    activation_class = _SwitchActivation


class Function(flow.Function):
    activation_class = _FunctionActivation


class Timer(flow.Timer):
    activation_class = _TimerActivation


class CaseFlow(flow.Flow):
    """Family Group Decision Making

    From referral through the family's meeting and plan to an approved support package,
    authorised payments and reviews, until the case closes with an outcome.
    """

    process_class = CaseProcess
    lock_impl = workflow_port.row_lock  # SELECT … FOR UPDATE on the process row, without a savepoint

    start = StartHandle(this.start_case).Annotation(title="Referral received").Next(this.case_open)

    case_open = (
        Split()
        .Annotation(title="The case is open")
        .Next(this.resume_at)
        .Next(this.package_submitted)
        .Next(this.close_request)
    )

    resume_at = (
        Switch()
        .Annotation(title="A new referral, or a reopened case?")
        .Case(this.review, _reopened_with_plan)
        .Case(this.map_network, _has_lead)
        .Default(this.allocate)
    )

    # -- the casework ---------------------------------------------------------------------

    allocate = (
        View(task_page)
        .Annotation(title="Screen the referral: allocate a lead practitioner or decline it")
        .Permission("fgdm.allocate_case")
        .Next(this.referral_decision)
    )

    referral_decision = (
        If(this.referral_declined).Annotation(title="Referral declined?").Then(this.close_case).Else(this.map_network)
    )

    map_network = (
        View(task_page)
        .Annotation(title="Map the family network and arrange the meeting")
        .Permission("fgdm.work_case")
        .Assign(_lead)
        .onCreate(_tell_owner)
        .Next(this.meeting_model)
    )

    meeting_model = (
        If(this.is_conference)
        .Annotation(title="Family Group Conference?")
        .Then(this.prepare_network)
        .Else(this.hold_meeting)
    )

    prepare_network = (
        View(task_page)
        .Annotation(title="Coordinator prepares each network member")
        .Permission("fgdm.coordinate_conference")
        .Assign(_meeting_runner)
        .onCreate(_tell_owner)
        .Next(this.meeting_outcome)
    )

    hold_meeting = (
        View(task_page)
        .Annotation(title="Hold the meeting and record the family's plan (or reschedule or cancel it)")
        .Permission("fgdm.work_case")
        .Assign(_meeting_runner)
        .onCreate(_tell_owner)
        .Next(this.meeting_outcome)
    )

    meeting_outcome = (
        Switch()
        .Annotation(title="Meeting held, cancelled or still to hold?")
        .Case(this.accept_plan, _newest_meeting_is(MeetingStatus.HELD))
        .Case(this.map_network, _newest_meeting_is(MeetingStatus.CANCELLED))
        .Default(this.hold_meeting)
    )

    accept_plan = (
        View(task_page)
        .Annotation(title="Accept the family's plan, return it with reasons, or reconvene the meeting")
        .Permission("fgdm.work_case")
        .Assign(_lead)
        .onCreate(_tell_owner)
        .Next(this.plan_decision)
    )

    plan_decision = (
        Switch()
        .Annotation(title="Plan accepted, returned, or the meeting reconvened?")
        .Case(this.support_needed, _plan_accepted)
        .Case(this.meeting_model, _meeting_to_hold)
        .Default(this.revise_plan)
    )

    revise_plan = (
        View(task_page)
        .Annotation(title="Record the family's revised plan")
        .Permission("fgdm.work_case")
        .Assign(_lead)
        .onCreate(_tell_owner)
        .Next(this.accept_plan)
    )

    support_needed = (
        If(this.needs_new_support)
        .Annotation(title="Is new support needed?")
        .Then(this.draft_package)
        .Else(this.wait_for_review)
    )

    draft_package = (
        View(task_page)
        .Annotation(title="Draft and submit the support package")
        .Permission("fgdm.work_case")
        .Assign(_lead)
        .onCreate(_tell_owner)
        .Next(this.wait_for_review)
    )

    wait_for_review = Timer(this.review_due).Annotation(title="Wait for the review date").Next(this.review)

    review = (
        View(task_page)
        .Annotation(title="Review the plan with the family")
        .Permission("fgdm.work_case")
        .Assign(_lead)
        .onCreate(_tell_owner)
        .Next(this.review_decision)
    )

    review_decision = (
        Switch()
        .Annotation(title="Close, meet again or revise the plan?")
        .Case(this.close_case, _case_closed)
        .Case(this.meeting_model, _meeting_to_hold)
        .Default(this.revise_plan)
    )

    # -- support packages: submitted whenever the case is open ----------------------------

    package_submitted = (
        MessageCatch()
        .Annotation(title="A support package, or a change to one, is submitted")
        .Next(this.approve_team_manager)
    )

    approve_team_manager = (
        View(task_page)
        .Annotation(title="Team manager approves the package (or endorses it up)")
        .Permission("network_packages.approve_team_manager_tier")
        .Next(this.approval_decision)
    )

    approval_decision = (
        Switch()
        .Annotation(title="Approved, returned, withdrawn or above the approver's limit?")
        .Case(this.schedule_payments, _package_is(PackageStatus.APPROVED))
        .Case(this.rework_package, _package_is(PackageStatus.RETURNED))
        .Case(this.approve_service_manager, _escalated_to(ApprovalTier.SERVICE_MANAGER))
        .Case(this.approve_head_of_service, _escalated_to(ApprovalTier.HEAD_OF_SERVICE))
        .Default(this.package_submitted)
    )

    approve_service_manager = (
        View(task_page)
        .Annotation(title="Service manager approves the package (or endorses it up)")
        .Permission("network_packages.approve_service_manager_tier")
        .Next(this.approval_decision)
    )

    approve_head_of_service = (
        View(task_page)
        .Annotation(title="Head of service approves the package")
        .Permission("network_packages.approve_head_of_service_tier")
        .Next(this.approval_decision)
    )

    rework_package = (
        View(task_page)
        .Annotation(title="Edit the returned package and submit it again, or withdraw it")
        .Permission("fgdm.work_case")
        .Assign(_lead)
        .onCreate(_tell_owner)
        .Next(this.rework_decision)
    )

    rework_decision = (
        If(this.package_resubmitted)
        .Annotation(title="Submitted again?")
        .Then(this.approve_team_manager)
        .Else(this.package_submitted)
    )

    schedule_payments = (
        Function(this.create_payments)
        .Annotation(title="Schedule one payment per instalment (ending the version it replaces)")
        .Next(this.after_approval)
    )

    after_approval = (
        Split()
        .Annotation(title="Package approved")
        .Next(this.authorise_payments)
        .Next(this.package_review_due)
        .Next(this.package_submitted)
    )

    authorise_payments = (
        View(task_page)
        .Annotation(title="Finance verifies bank details and authorises payments")
        .Permission("payments.authorise_payment")
        .Next(this.payments_authorised)
    )

    payments_authorised = BranchEnd().Annotation(title="Payments authorised")

    package_review_due = (
        Timer(this.package_review_at).Annotation(title="Wait for the package's review date").Next(this.review_package)
    )

    review_package = (
        View(task_page)
        .Annotation(title="Review the support package: continue it to a new date, or end it")
        .Permission("fgdm.work_case")
        .Assign(_lead)
        .onCreate(_tell_owner)
        .Next(this.package_review_next)
    )

    package_review_next = (
        If(this.package_continues)
        .Annotation(title="Package continues?")
        .Then(this.package_review_due)
        .Else(this.package_reviewed)
    )

    package_reviewed = BranchEnd().Annotation(title="Package ended at its review")

    # -- closing, at any step, and reopening ----------------------------------------------

    close_request = (
        MessageCatch().Annotation(title="Closed early by the lead practitioner or a manager").Next(this.close_case)
    )

    close_case = (
        Function(this.close_now)
        .Annotation(title="End the case's packages and cancel its open tasks")
        .Next(this.reopen_window)
    )

    reopen_window = (
        SplitFirst()
        .Annotation(title="Reopened within the period?")
        .Next(this.reopen_request)
        .Next(this.reopen_period_ends)
    )

    reopen_request = MessageCatch().Annotation(title="Reopened by a manager").Next(this.case_open)

    reopen_period_ends = Timer(this.reopen_deadline).Annotation(title="The period for reopening ends").Next(this.end)

    end = End().Annotation(title="Case closed with an outcome")

    # -- the handlers the nodes call ------------------------------------------------------

    def start_case(self, activation, case):
        activation.process.save()
        case.process = activation.process
        # Saved with the reference the referral has just been given (fgdm's case_create): one
        # UPDATE and one field-history entry for the new case's two late fields.
        case.save(update_fields=["process", "reference"])
        return activation.process

    def referral_declined(self, activation):
        """The team manager declined the referral"""
        return _case(activation).status == CaseStatus.DECLINED

    def is_conference(self, activation):
        """The family's meeting is a Family Group Conference"""
        meeting = _newest_meeting(activation)
        return meeting is not None and meeting.model == MeetingModel.FGC

    def needs_new_support(self, activation):
        """The plan needs support and no package is approved or on its way"""
        case = _case(activation)
        on_its_way = (PackageStatus.SUBMITTED, PackageStatus.APPROVED, PackageStatus.RETURNED)
        return bool(case.support_needed) and not case.packages.filter(status__in=on_its_way).exists()

    def package_resubmitted(self, activation):
        """The returned package was submitted again"""
        package = _package_in_approval(activation)
        return package is not None and package.status == PackageStatus.SUBMITTED

    def create_payments(self, activation):
        package = _package_in_approval(activation)
        self._cancel_package_reviews(activation)
        if package.previous_id:  # a changed package replaces the one before it
            payment_services.payments_cancel_unpaid(package=package.previous, by=package.decided_by)
        payment_services.payments_schedule(package=package, by=package.decided_by)

    def review_due(self, activation):
        """The plan's review date, 09:00"""
        plan = _newest_plan(activation)
        review_on = plan.review_by if plan else timezone.localdate() + datetime.timedelta(days=90)
        return timezone.make_aware(datetime.datetime.combine(review_on, datetime.time(9, 0)))

    def package_review_at(self, activation):
        """The first review date of the case's approved packages, 09:00"""
        return package_review_moment(_case(activation)) or timezone.now()

    def package_continues(self, activation):
        """An approved package has a later review date"""
        return _package_due_for_review(_case(activation)) is not None

    def close_now(self, activation):
        """Whatever the case was doing stops: its packages end (payments not yet batched are
        cancelled by payments; batched and paid ones are never touched) and its open tasks are
        cancelled."""
        case = _case(activation)
        by = case.closed_by or case.lead_practitioner
        package_services.packages_close_with_case(case=case, by=by, reason=self._closing_reason(case))
        cancel_open_tasks(activation.process, keep=activation.task)

    def reopen_deadline(self, activation):
        """The last day a manager may reopen the case (FGDM_REOPEN_DAYS after it closed)"""
        closed_on = _case(activation).closed_on or timezone.localdate()
        last_day = closed_on + datetime.timedelta(days=settings.FGDM_REOPEN_DAYS)
        return timezone.make_aware(datetime.datetime.combine(last_day + datetime.timedelta(days=1), datetime.time()))

    @staticmethod
    def _closing_reason(case) -> str:
        if case.status == CaseStatus.DECLINED:
            return "the referral was declined"
        if not case.close_reason:
            return "the case was closed"
        return f"the case was closed: {case.get_close_reason_display().lower()}"

    def _cancel_package_reviews(self, activation):
        cancel_open_tasks(activation.process, nodes=[CaseFlow.package_review_due, CaseFlow.review_package])

    @classmethod
    def approval_nodes(cls) -> dict:
        """The approval task of each tier: a decision completes the task of the tier it was made at."""
        return {
            ApprovalTier.TEAM_MANAGER: cls.approve_team_manager,
            ApprovalTier.SERVICE_MANAGER: cls.approve_service_manager,
            ApprovalTier.HEAD_OF_SERVICE: cls.approve_head_of_service,
        }


def cancel_open_tasks(process, *, keep=None, nodes=None) -> int:
    """Cancel the process's waiting tasks (all of them, or those at `nodes`), except `keep`.

    Called under the flow's lock (from a node's handler or a reaction)."""
    tasks = process.task_set.filter(status__in=_WAITING)
    if keep is not None:
        tasks = tasks.exclude(pk=keep.pk)
    if nodes is not None:
        tasks = tasks.filter(flow_task__in=nodes)
    cancelled = 0
    for task in tasks:
        activation = task.flow_task.activation_class(task)
        cancel = getattr(activation, "cancel", None)
        if cancel is not None and cancel.can_proceed():
            cancel()
        else:  # a started human task or gateway: stop it all the same
            task.status = STATUS.CANCELED
            task.finished = timezone.now()
            task.save(update_fields=["status", "finished"])
        cancelled += 1
    return cancelled


# What the domain says happened (core.workflow.advance) and what it completes: a human task, the
# task of the tier a decision was made at, the first open one of several tasks, or an event the
# flow waits for. A test fails when a human task has no action here, or an action names no task
# or event of the flow.
_APPROVAL = CaseFlow.approval_nodes()
STEPS = {
    "case_allocated": CaseFlow.allocate,
    "referral_declined": CaseFlow.allocate,
    "meeting_arranged": CaseFlow.map_network,
    "network_prepared": CaseFlow.prepare_network,
    "meeting_rescheduled": CaseFlow.hold_meeting,
    "meeting_cancelled": (CaseFlow.prepare_network, CaseFlow.hold_meeting),
    "meeting_held": CaseFlow.hold_meeting,
    "meeting_reconvened": CaseFlow.accept_plan,
    "plan_accepted": CaseFlow.accept_plan,
    "plan_returned": CaseFlow.accept_plan,
    "plan_revised": CaseFlow.revise_plan,
    "package_submitted": CaseFlow.package_submitted,
    "package_resubmitted": CaseFlow.rework_package,
    "returned_package_withdrawn": CaseFlow.rework_package,
    "package_approved": _APPROVAL,
    "package_endorsed": _APPROVAL,
    "package_returned": _APPROVAL,
    "package_withdrawn": _APPROVAL,
    "payments_authorised": CaseFlow.authorise_payments,
    "package_reviewed": CaseFlow.review_package,
    "case_reviewed": CaseFlow.review,
    "review_meeting_arranged": CaseFlow.review,
    "case_closed": CaseFlow.close_request,
    "case_reopened": CaseFlow.reopen_request,
}

# A submission also completes the practitioner's "draft the package" to-do, when it is open.
ALSO_COMPLETES = {"package_submitted": CaseFlow.draft_package}

# The row a step's service hands the flow (core.workflow.advance(..., meeting=…, package=…): the
# row it has just locked and changed) and the question of the gateways it answers, so that they do
# not read it again. Only where the row is the answer by the rules:
# - the meeting a practitioner has just arranged is the case's newest (the newest id), and so is the
#   meeting just held (no other can be arranged while one is still to be held);
# - the package just decided, or resubmitted or withdrawn after a return, is the one the approval
#   path is deciding on: a package is submitted only while the flow waits for a submission (the
#   step is refused otherwise), so one package at a time is on the approval path.
HANDED = {
    "meeting_arranged": ("meeting", "newest meeting"),
    "review_meeting_arranged": ("meeting", "newest meeting"),
    "meeting_held": ("meeting", "newest meeting"),
    "package_approved": ("package", "package in approval"),
    "package_endorsed": ("package", "package in approval"),
    "package_returned": ("package", "package in approval"),
    "package_withdrawn": ("package", "package in approval"),
    "package_resubmitted": ("package", "package in approval"),
    "returned_package_withdrawn": ("package", "package in approval"),
}


def known_answers(action: str, *, process, details: dict) -> dict:
    """What the service of `action` handed the flow, as the step's memo holds it (`_remembered`)."""
    name, question = HANDED.get(action, (None, None))
    row = details.get(name) if name else None
    return {(question, process.pk): row} if row is not None else {}
