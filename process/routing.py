"""Task routing: where a workflow task's step is done, for the inbox and the case page."""

from django.urls import reverse

from network_packages.constants import PackageStatus
from payments.constants import PaymentStatus
from process.flows import CaseFlow


def _latest(objects, key="id"):
    """The newest of already-loaded objects (lists prefetched with the tasks: no query per row)."""
    objects = list(objects)
    return max(objects, key=lambda o: getattr(o, key)) if objects else None


def task_url(task) -> str:
    """Where the step of this task is done."""
    case = getattr(task.process, "case", None)
    node = task.flow_task
    if case is None:
        return reverse("process:home")
    if node is CaseFlow.allocate:
        return reverse("fgdm:case_allocate", args=[case.pk])
    if node in (CaseFlow.prepare_network, CaseFlow.hold_meeting):
        meeting = _latest(case.meetings.all())
        if meeting:
            step = "meeting_prepare" if node is CaseFlow.prepare_network else "meeting_record"
            return reverse(f"fgdm:{step}", args=[meeting.pk])
    if node in (CaseFlow.accept_plan, CaseFlow.revise_plan):
        plan = _latest(case.plans.all(), key="version")
        if plan:
            step = "plan_detail" if node is CaseFlow.accept_plan else "plan_revise"
            return reverse(f"fgdm:{step}", args=[plan.pk])
    if node is CaseFlow.draft_package:
        package = _latest(p for p in case.packages.all() if p.status in (PackageStatus.DRAFT, PackageStatus.RETURNED))
        if package:
            return reverse("network_packages:package_detail", args=[package.pk])
        return reverse("network_packages:package_new", args=[case.pk])
    if node is CaseFlow.rework_package:
        package = _latest(p for p in case.packages.all() if p.status == PackageStatus.RETURNED)
        if package:
            return reverse("network_packages:package_detail", args=[package.pk])
    if node is CaseFlow.review_package:
        package = _latest(p for p in case.packages.all() if p.status == PackageStatus.APPROVED)
        if package:
            return reverse("network_packages:package_detail", args=[package.pk])
    if node in CaseFlow.approval_nodes().values():
        packages = list(case.packages.all())
        package = _latest(p for p in packages if p.status == PackageStatus.SUBMITTED) or _latest(packages)
        if package:
            return reverse("network_packages:package_detail", args=[package.pk])
    if node is CaseFlow.authorise_payments:
        return reverse("payments:payment_list") + f"?case={case.pk}&status={PaymentStatus.SCHEDULED}"
    if node is CaseFlow.review:
        return reverse("fgdm:case_review", args=[case.pk])
    return reverse("fgdm:case_detail", args=[case.pk])
