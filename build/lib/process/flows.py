"""The case flow, read top to bottom in the order things happen.

Every human step is completed by a domain service (fgdm, network_packages, payments services),
which says what happened through the workflow port (core.workflow.advance); `STEPS` below maps
each of those actions to the node it completes. The gateways read real columns of the case, its
meetings, plans and packages — never process JSON. Node names appear here and nowhere else.
"""

import datetime

from django.shortcuts import redirect
from django.utils import timezone
from viewflow import this
from viewflow.workflow import flow, lock

from fgdm.constants import MeetingModel, PlanStatus
from fgdm.models import CaseProcess
from network_packages.constants import ApprovalTier, PackageStatus
from payments import services as payment_services


def task_page(request, **kwargs):
    """Viewflow needs a view per human node; ours live on the case page."""
    return redirect("process:home")


def _lead(activation):
    return activation.process.case.lead_practitioner


def _meeting_runner(activation):
    meeting = activation.process.case.meetings.order_by("-id").first()
    if meeting and meeting.model == MeetingModel.FGC:
        return meeting.coordinator
    return activation.process.case.lead_practitioner


def _latest_package(activation):
    return activation.process.case.packages.order_by("-id").first()


def _escalated_to(tier):
    def condition(activation):
        package = _latest_package(activation)
        return package is not None and package.status == PackageStatus.SUBMITTED and package.current_tier == tier

    condition.__doc__ = f"The package is above the approver's limit and goes to the {ApprovalTier(tier).label.lower()}"
    condition.label = ApprovalTier(tier).label.lower()
    return condition


def _package_is(status):
    def condition(activation):
        package = _latest_package(activation)
        return package is not None and package.status == status

    condition.__doc__ = f"The package is {PackageStatus(status).label.lower()}"
    condition.label = PackageStatus(status).label.lower()
    return condition


class CaseFlow(flow.Flow):
    """Family Group Decision Making

    From referral through the family's meeting and plan to an approved support package,
    authorised payments and reviews, until the case closes with an outcome.
    """

    process_class = CaseProcess
    lock_impl = lock.select_for_update_lock

    start = flow.StartHandle(this.start_case).Annotation(title="Referral received").Next(this.allocate)

    allocate = (
        flow.View(task_page)
        .Annotation(title="Screen and allocate a lead practitioner")
        .Permission("fgdm.allocate_case")
        .Next(this.map_network)
    )

    map_network = (
        flow.View(task_page)
        .Annotation(title="Map the family network and arrange the meeting")
        .Permission("fgdm.work_case")
        .Assign(_lead)
        .Next(this.meeting_model)
    )

    meeting_model = (
        flow.If(this.is_conference)
        .Annotation(title="Family Group Conference?")
        .Then(this.prepare_network)
        .Else(this.hold_meeting)
    )

    prepare_network = (
        flow.View(task_page)
        .Annotation(title="Coordinator prepares each network member")
        .Permission("fgdm.coordinate_conference")
        .Assign(_meeting_runner)
        .Next(this.hold_meeting)
    )

    hold_meeting = (
        flow.View(task_page)
        .Annotation(title="Hold the meeting and record the family's plan")
        .Permission("fgdm.work_case")
        .Assign(_meeting_runner)
        .Next(this.accept_plan)
    )

    accept_plan = (
        flow.View(task_page)
        .Annotation(title="Accept the family's plan or return it with reasons")
        .Permission("fgdm.work_case")
        .Assign(_lead)
        .Next(this.plan_decision)
    )

    plan_decision = (
        flow.If(this.plan_accepted).Annotation(title="Plan accepted?").Then(this.support_needed).Else(this.revise_plan)
    )

    revise_plan = (
        flow.View(task_page)
        .Annotation(title="Record the family's revised plan")
        .Permission("fgdm.work_case")
        .Assign(_lead)
        .Next(this.accept_plan)
    )

    support_needed = (
        flow.If(this.needs_support)
        .Annotation(title="Is support needed?")
        .Then(this.draft_package)
        .Else(this.wait_for_review)
    )

    draft_package = (
        flow.View(task_page)
        .Annotation(title="Draft and submit the support package")
        .Permission("fgdm.work_case")
        .Assign(_lead)
        .Next(this.approve_team_manager)
    )

    approve_team_manager = (
        flow.View(task_page)
        .Annotation(title="Team manager approves the package (or endorses it up)")
        .Permission("network_packages.approve_team_manager_tier")
        .Next(this.approval_decision)
    )

    approval_decision = (
        flow.Switch()
        .Annotation(title="Approved, returned or above the approver's limit?")
        .Case(this.schedule_payments, _package_is(PackageStatus.APPROVED))
        .Case(this.draft_package, _package_is(PackageStatus.RETURNED))
        .Case(this.approve_service_manager, _escalated_to(ApprovalTier.SERVICE_MANAGER))
        .Case(this.approve_head_of_service, _escalated_to(ApprovalTier.HEAD_OF_SERVICE))
        .Default(this.wait_for_review)
    )

    approve_service_manager = (
        flow.View(task_page)
        .Annotation(title="Service manager approves the package (or endorses it up)")
        .Permission("network_packages.approve_service_manager_tier")
        .Next(this.approval_decision)
    )

    approve_head_of_service = (
        flow.View(task_page)
        .Annotation(title="Head of service approves the package")
        .Permission("network_packages.approve_head_of_service_tier")
        .Next(this.approval_decision)
    )

    schedule_payments = (
        flow.Function(this.create_payments)
        .Annotation(title="Schedule one payment per instalment")
        .Next(this.authorise_payments)
    )

    authorise_payments = (
        flow.View(task_page)
        .Annotation(title="Finance verifies bank details and authorises payments")
        .Permission("payments.authorise_payment")
        .Next(this.wait_for_review)
    )

    wait_for_review = flow.Timer(this.review_due).Annotation(title="Wait for the review date").Next(this.review)

    review = (
        flow.View(task_page)
        .Annotation(title="Review the plan with the family")
        .Permission("fgdm.work_case")
        .Assign(_lead)
        .Next(this.review_decision)
    )

    review_decision = (
        flow.If(this.case_closing).Annotation(title="Close the case?").Then(this.end).Else(this.revise_plan)
    )

    end = flow.End().Annotation(title="Case closed with an outcome")

    # -- the handlers the nodes call ------------------------------------------------------

    def start_case(self, activation, case):
        activation.process.save()
        case.process = activation.process
        case.save(update_fields=["process"])
        return activation.process

    def is_conference(self, activation):
        """The family's meeting is a Family Group Conference"""
        meeting = activation.process.case.meetings.order_by("-id").first()
        return meeting is not None and meeting.model == MeetingModel.FGC

    def plan_accepted(self, activation):
        """The practitioner accepted the family's plan"""
        plan = activation.process.case.plans.order_by("-version").first()
        return plan is not None and plan.status == PlanStatus.ACCEPTED

    def needs_support(self, activation):
        """The plan needs a support package"""
        return bool(activation.process.case.support_needed)

    def create_payments(self, activation):
        package = _latest_package(activation)
        if package.previous_id:  # a changed package replaces the one before it
            payment_services.payments_cancel_unpaid(package=package.previous, by=package.decided_by)
        payment_services.payments_schedule(package=package, by=package.decided_by)

    def review_due(self, activation):
        """The plan's review date, 09:00"""
        plan = activation.process.case.plans.order_by("-version").first()
        review_on = plan.review_by if plan else timezone.localdate() + datetime.timedelta(days=90)
        return timezone.make_aware(datetime.datetime.combine(review_on, datetime.time(9, 0)))

    def case_closing(self, activation):
        """The review closed the case with an outcome"""
        return activation.process.case.closed_on is not None

    @classmethod
    def approval_nodes(cls) -> dict:
        """The approval task of each tier: a decision completes the task of the tier it was made at."""
        return {
            ApprovalTier.TEAM_MANAGER: cls.approve_team_manager,
            ApprovalTier.SERVICE_MANAGER: cls.approve_service_manager,
            ApprovalTier.HEAD_OF_SERVICE: cls.approve_head_of_service,
        }


# What the domain says happened (core.workflow.advance) and the human task it completes. A test
# fails when a human task has no action here, or an action names no task of the flow.
_APPROVAL = CaseFlow.approval_nodes()
STEPS = {
    "case_allocated": CaseFlow.allocate,
    "meeting_arranged": CaseFlow.map_network,
    "network_prepared": CaseFlow.prepare_network,
    "meeting_held": CaseFlow.hold_meeting,
    "plan_accepted": CaseFlow.accept_plan,
    "plan_returned": CaseFlow.accept_plan,
    "plan_revised": CaseFlow.revise_plan,
    "package_submitted": CaseFlow.draft_package,
    "package_approved": _APPROVAL,
    "package_endorsed": _APPROVAL,
    "package_returned": _APPROVAL,
    "package_withdrawn": _APPROVAL,
    "payments_authorised": CaseFlow.authorise_payments,
    "case_reviewed": CaseFlow.review,
}
