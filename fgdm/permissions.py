"""Who may do what on a case. Services call these; views never decide for themselves."""

from django.db.models import Q

from fgdm.constants import Role
from fgdm.exceptions import NotPermitted, SeparationOfDuties

# Object permissions granted per case (guardian, direct foreign-key table).
VIEW_CASE = "view_case"
COORDINATE = "coordinate_conference"


MANAGERS = (Role.TEAM_MANAGER, Role.SERVICE_MANAGER, Role.HEAD_OF_SERVICE)

# The role-wide tier: which roles may take each kind of step at all. Whether they may take it on
# this case (their team, their conference, not their own submission…) is for the services to say.
# Pages and the API ask this before reading the input, so a refused role gets 403, not field errors.
STEP_ROLES: dict[str, tuple[str, ...]] = {
    "case_create": (Role.PRACTITIONER, Role.TEAM_MANAGER),
    "case_allocate": MANAGERS,
    "case_transfer": MANAGERS,
    "case_record_consent": (Role.PRACTITIONER,),
    "case_review": (Role.PRACTITIONER,),
    "member_add": (Role.PRACTITIONER,),
    "meeting_schedule": (Role.PRACTITIONER,),
    "meeting_prepare": (Role.COORDINATOR, Role.PRACTITIONER),
    "meeting_record": (Role.COORDINATOR, Role.PRACTITIONER),
    "plan_accept": (Role.PRACTITIONER,),
    "plan_return": (Role.PRACTITIONER,),
    "plan_revise": (Role.PRACTITIONER,),
    "package_create": (Role.PRACTITIONER,),
    "package_revise": (Role.PRACTITIONER,),
    "package_submit": (Role.PRACTITIONER,),
    "package_withdraw": (Role.PRACTITIONER,),
    "package_end": (Role.PRACTITIONER,),
    "package_pause": (Role.PRACTITIONER,),
    "package_approve": MANAGERS,
    "package_return": MANAGERS,
    "bank_account_view": (Role.FINANCE_OFFICER, Role.PRACTITIONER, Role.AUDITOR),
    "bank_account_set": (Role.FINANCE_OFFICER, Role.PRACTITIONER),
    "bank_account_verify": (Role.FINANCE_OFFICER,),
    # The council's register of suppliers (shops, taxi firms) that packages may pay: not personal
    # data, so everyone who drafts, approves, pays or audits packages may read it; finance keeps it.
    "supplier_view": (Role.PRACTITIONER, *MANAGERS, Role.FINANCE_OFFICER, Role.AUDITOR),
    "supplier_manage": (Role.FINANCE_OFFICER,),
    "supplier_bank_account_view": (Role.FINANCE_OFFICER, Role.AUDITOR),
    "supplier_bank_account_set": (Role.FINANCE_OFFICER,),
    "supplier_bank_account_verify": (Role.FINANCE_OFFICER,),
    "payment_authorise": (Role.FINANCE_OFFICER,),
    "batch_create": (Role.FINANCE_OFFICER,),
    "batch_approve": (Role.FINANCE_OFFICER,),
    "batch_export": (Role.FINANCE_OFFICER,),
    "batch_confirm": (Role.FINANCE_OFFICER,),
    "trail_download": (Role.AUDITOR,),
    "payment_cancel": (Role.FINANCE_OFFICER,),
    "returns_import": (Role.FINANCE_OFFICER,),
    "finance_reports": (Role.FINANCE_OFFICER, Role.AUDITOR, Role.SERVICE_MANAGER, Role.HEAD_OF_SERVICE),
    "task_assign": (Role.PRACTITIONER, Role.COORDINATOR, *MANAGERS, Role.FINANCE_OFFICER),
    "case_withdraw_consent": (Role.PRACTITIONER,),
    "case_set_bottom_lines": (Role.PRACTITIONER,),
    "child_record_wishes": (Role.PRACTITIONER,),
    "member_record_preparation": (Role.COORDINATOR, Role.PRACTITIONER),
    "action_mark_done": (Role.PRACTITIONER,),
    "pre_proceedings_record": (Role.PRACTITIONER,),
    "pre_proceedings_application": MANAGERS,
}


def may(user, step: str) -> bool:
    """True if one of the user's roles may take this kind of step (see STEP_ROLES).

    Only real role membership counts: an administrator (superuser) looks after reference data and
    does no casework or finance through the pages or the API unless given a role.
    """
    if not user.is_authenticated:
        return False
    return bool(role_names(user).intersection(STEP_ROLES[step]))


def ensure_may(user, step: str) -> None:
    """Raise NotPermitted unless one of the user's roles may take this kind of step."""
    if not may(user, step):
        names = [Role(role).label.lower().replace("fgc", "FGC") for role in STEP_ROLES[step]]
        who = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]
        raise NotPermitted(f"Your role cannot do this: only a {who} can.")


def role_names(user) -> set[str]:
    """The names of the role groups the user is in, read once per user instance."""
    cache = getattr(user, "_fgdm_roles", None)
    if cache is None:
        cache = user._fgdm_roles = set(user.groups.values_list("name", flat=True))
    return cache


def has_role(user, role: str) -> bool:
    """True if the user is in the group of this role (superusers count as every role)."""
    if not user.is_authenticated:
        return False
    return user.is_superuser or role in role_names(user)


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


def ensure_no_conflict(user, case_id: int) -> None:
    """Nobody acts on a case where they (or a relative) are in the family's network."""
    from fgdm.models import DeclaredConflict

    if DeclaredConflict.objects.filter(user=user, case_id=case_id).exists():
        raise SeparationOfDuties("You have declared a conflict of interest in this case; someone else must act.")


def ensure_can_work_case(user, case) -> None:
    """Practitioners of the case's team (and its lead) record the casework."""
    ensure_no_conflict(user, case.pk)
    if case.lead_practitioner_id == user.pk:
        return
    if has_role(user, Role.PRACTITIONER) and case.team.members.filter(pk=user.pk).exists():
        return
    raise NotPermitted("Only the lead practitioner or a practitioner of the case's team can do this.")


def ensure_can_manage_case(user, case) -> None:
    """Managers over the case's locality (team managers of its team, service managers, head of service)."""
    ensure_no_conflict(user, case.pk)
    if has_role(user, Role.SERVICE_MANAGER) or has_role(user, Role.HEAD_OF_SERVICE):
        return
    if has_role(user, Role.TEAM_MANAGER) and case.team.managers.filter(pk=user.pk).exists():
        return
    raise NotPermitted("Only a manager over this case's team can do this.")


def ensure_finance(user) -> None:
    if not has_role(user, Role.FINANCE_OFFICER):
        raise NotPermitted("Only a finance officer can do this.")
