"""Who may see what, declared once: the named scopes every selector and every door composes.

Rule 1 of DESIGN.md. Each scope is a filter (a Q object) on a queryset of the thing named, built
from subqueries so lists need no DISTINCT; what is out of scope is then a 404 by construction.
"""

from django.db.models import Q

# Object permissions granted per case (guardian, direct foreign-key table).
VIEW_CASE = "view_case"


COORDINATE = "coordinate_conference"


def case_scope_q(user, prefix: str = "", *, conference: bool = True) -> Q:
    """A filter for the cases (or objects through `prefix`, e.g. "case__") this user may see.

    Rule 1: the case's team or a team serving its locality, its lead practitioner, its FGC
    coordinator, a manager over its locality, or someone who sees every locality (service
    managers, head of service, auditors). Built from subqueries so lists need no DISTINCT.
    """
    from fgdm.models import CaseUserObjectPermission, DeclaredConflict, Team

    if not user.is_authenticated:
        return Q(pk__in=[])
    # Nobody sees a case in which they have declared a conflict of interest, whatever their role.
    conflicted = DeclaredConflict.objects.filter(user=user).values("case_id")
    not_conflicted = ~Q(**{f"{prefix}pk__in" if not prefix else f"{prefix}id__in": conflicted})
    if user.is_superuser or user.has_perm("fgdm.view_all_cases"):
        return not_conflicted
    served = Team.localities.through.objects.filter(Q(team__members=user) | Q(team__managers=user)).values(
        "locality_id"
    )
    grants = CaseUserObjectPermission.objects.filter(user=user, permission__codename=VIEW_CASE)
    if not conference:
        # FGC coordinators see only what the conference needs: not packages, payments or the trail.
        coordinated = CaseUserObjectPermission.objects.filter(user=user, permission__codename=COORDINATE)
        grants = grants.exclude(content_object_id__in=coordinated.values("content_object_id"))
    granted = grants.values("content_object_id")
    return (
        Q(**{f"{prefix}locality_id__in": served})
        | Q(**{f"{prefix}lead_practitioner": user})
        | Q(**{f"{prefix}pk__in" if not prefix else f"{prefix}id__in": granted})
    ) & not_conflicted


def full_case_scope_q(user, prefix: str = "") -> Q:
    """Like case_scope_q, but without cases seen only as an FGC coordinator."""
    return case_scope_q(user, prefix, conference=False)


def sees_whole_case(user, case) -> bool:
    from fgdm.models import Case

    return Case.objects.filter(full_case_scope_q(user), pk=case.pk).exists()


def grant_case_access(user, case, *codenames: str) -> None:
    """Give one person access to one case (lead practitioner, FGC coordinator)."""
    from guardian.shortcuts import assign_perm

    for codename in (VIEW_CASE, *codenames):
        assign_perm(f"fgdm.{codename}", user, case)


def revoke_case_access(user, case) -> None:
    """Take away every per-case grant this person had on this case."""
    from fgdm.models import CaseUserObjectPermission

    CaseUserObjectPermission.objects.filter(user=user, content_object=case).delete()
