"""Reads of support packages, already filtered to what the user may see."""
from django.db.models import Prefetch, QuerySet
from django.http import Http404

from fgdm.permissions import full_case_scope_q
from network_packages.models import ApprovalLimit, PackageItem, SupportPackage


def package_list(*, user, case_id: int | None = None) -> QuerySet[SupportPackage]:
    qs = SupportPackage.objects.filter(full_case_scope_q(user, "case__")).select_related("case", "plan")
    if case_id is not None:
        qs = qs.filter(case_id=case_id)
    return qs.prefetch_related(
        Prefetch("items", queryset=PackageItem.objects.select_related("payee", "plan_action"))
    ).order_by("-id")


def package_get(*, user, package_id) -> SupportPackage:
    try:
        return package_list(user=user).get(pk=package_id)
    except (SupportPackage.DoesNotExist, ValueError, TypeError):
        raise Http404("No such support package.")


def approval_limits() -> dict[str, ApprovalLimit]:
    return {limit.tier: limit for limit in ApprovalLimit.objects.all()}
