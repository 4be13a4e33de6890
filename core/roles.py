"""Roles, and the role-wide tier of who may do what.

Roles are Django groups with model permissions ("what kind of thing may you do"); the step table
(STEP_ROLES) says which roles may take each kind of step at all. Whether a person may take it on
*this* case is for the domain's services and visibility scopes to say.

One rule for administrators, applied here and nowhere else: a superuser looks after reference data
and holds no casework or finance role unless given one — and then has exactly that role's limits.
`ensure_roles` runs after every migrate, so a new database (production's too) has the groups.
"""

from django.contrib.auth.models import Group, Permission
from django.db import models

from core.exceptions import NotPermitted


class Role(models.TextChoices):
    """Roles are Django groups with these names."""

    PRACTITIONER = "practitioner", "Family help practitioner"
    COORDINATOR = "coordinator", "FGC coordinator"
    TEAM_MANAGER = "team_manager", "Team manager"
    SERVICE_MANAGER = "service_manager", "Service manager"
    HEAD_OF_SERVICE = "head_of_service", "Head of service"
    FINANCE_OFFICER = "finance_officer", "Finance officer"
    AUDITOR = "auditor", "Auditor"


ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.PRACTITIONER: ["fgdm.work_case", "fgdm.add_case", "fgdm.view_case"],
    Role.COORDINATOR: ["fgdm.coordinate_conference", "fgdm.view_case"],
    Role.TEAM_MANAGER: [
        "fgdm.allocate_case",
        "fgdm.view_case",
        "fgdm.add_case",
        "network_packages.approve_team_manager_tier",
    ],
    Role.SERVICE_MANAGER: [
        "fgdm.allocate_case",
        "fgdm.view_case",
        "fgdm.view_all_cases",
        "network_packages.approve_service_manager_tier",
    ],
    Role.HEAD_OF_SERVICE: [
        "fgdm.allocate_case",
        "fgdm.view_case",
        "fgdm.view_all_cases",
        "network_packages.approve_head_of_service_tier",
    ],
    Role.FINANCE_OFFICER: [
        "payments.authorise_payment",
        "payments.verify_bankaccount",
        "payments.manage_batches",
        "payments.view_payment",
        "payments.view_paymentbatch",
    ],
    Role.AUDITOR: ["fgdm.view_case", "fgdm.view_all_cases", "audit.view_domainevent"],
}


def ensure_roles() -> dict[str, Group]:
    """Create the role groups and give each exactly its permissions. Safe to run again."""
    groups = {}
    for role, perms in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        wanted = []
        for dotted in perms:
            app_label, codename = dotted.split(".")
            wanted.append(Permission.objects.get(content_type__app_label=app_label, codename=codename))
        group.permissions.set(wanted)
        groups[role] = group
    return groups


MANAGERS = (Role.TEAM_MANAGER, Role.SERVICE_MANAGER, Role.HEAD_OF_SERVICE)


# The role-wide tier: which roles may take each kind of step at all. Whether they may take it on
# this case (their team, their conference, not their own submission…) is for the services to say.
# Pages and the API ask this before reading the input, so a refused role gets 403, not field errors.
STEP_ROLES: dict[str, tuple[str, ...]] = {
    "case_create": (Role.PRACTITIONER, Role.TEAM_MANAGER),
    "case_allocate": MANAGERS,
    "case_transfer": MANAGERS,
    "case_reassign": MANAGERS,
    # Ending a case off the main path (fgdm.services.ensure_may_decline / _close / _reopen say which case):
    # a manager declines a referral or reopens a case; its lead practitioner or a manager closes it.
    "case_decline": MANAGERS,
    "case_close": (Role.PRACTITIONER, *MANAGERS),
    "case_reopen": MANAGERS,
    "task_reassign": MANAGERS,
    "caseload_view": MANAGERS,
    "dashboard_view": MANAGERS,
    # The case's practitioners or its managers (fgdm.services.ensure_may_change_stage).
    "case_change_stage": (Role.PRACTITIONER, *MANAGERS),
    "case_record_consent": (Role.PRACTITIONER,),
    "case_review": (Role.PRACTITIONER,),
    "member_add": (Role.PRACTITIONER,),
    "meeting_schedule": (Role.PRACTITIONER,),
    "meeting_prepare": (Role.COORDINATOR, Role.PRACTITIONER),
    "meeting_record": (Role.COORDINATOR, Role.PRACTITIONER),
    # Moving or cancelling a meeting: the case's practitioners, or the conference's coordinator.
    "meeting_reschedule": (Role.COORDINATOR, Role.PRACTITIONER),
    "meeting_cancel": (Role.COORDINATOR, Role.PRACTITIONER),
    "meeting_reconvene": (Role.PRACTITIONER,),
    "plan_accept": (Role.PRACTITIONER,),
    "plan_return": (Role.PRACTITIONER,),
    "plan_revise": (Role.PRACTITIONER,),
    "package_create": (Role.PRACTITIONER,),
    "package_revise": (Role.PRACTITIONER,),
    "package_update": (Role.PRACTITIONER,),
    "package_review": (Role.PRACTITIONER,),
    "package_submit": (Role.PRACTITIONER,),
    # Recording who signed a package's written agreement: the case's practitioners (the service checks).
    "agreement_record_signature": (Role.PRACTITIONER,),
    "package_withdraw": (Role.PRACTITIONER,),
    "package_end": (Role.PRACTITIONER,),
    "package_pause": (Role.PRACTITIONER,),
    # What the payee rules read about a network member (age, a kinship order), and checks on paid carers.
    "payee_facts_set": (Role.PRACTITIONER,),
    "payee_check_record": (Role.PRACTITIONER,),
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
    # Subject access requests: the auditor role is the council's information governance here
    # (core.sar_services; the log and every bundle are theirs alone).
    "sar_handle": (Role.AUDITOR,),
    "payment_cancel": (Role.FINANCE_OFFICER,),
    "returns_import": (Role.FINANCE_OFFICER,),
    "finance_reports": (Role.FINANCE_OFFICER, Role.AUDITOR, Role.SERVICE_MANAGER, Role.HEAD_OF_SERVICE),
    "task_assign": (Role.PRACTITIONER, Role.COORDINATOR, *MANAGERS, Role.FINANCE_OFFICER),
    "case_withdraw_consent": (Role.PRACTITIONER,),
    "case_set_bottom_lines": (Role.PRACTITIONER,),
    "child_record_wishes": (Role.PRACTITIONER,),
    "member_record_preparation": (Role.COORDINATOR, Role.PRACTITIONER),
    "action_mark_done": (Role.PRACTITIONER,),
    # The pre-proceedings duty (s.31ZA): the intention to apply is the council's decision, recorded
    # by the case's practitioners or managers; offers and answers by its practitioners; the
    # best-interests exemption by the manager who decides it, as themselves; the application by a manager.
    "pre_proceedings_intention": (Role.PRACTITIONER, *MANAGERS),
    "pre_proceedings_record": (Role.PRACTITIONER,),
    "pre_proceedings_exemption": MANAGERS,
    "pre_proceedings_application": MANAGERS,
    # Correcting the record: the practitioners who work the case (fgdm.permissions says which case).
    "case_update": (Role.PRACTITIONER,),
    "child_add": (Role.PRACTITIONER,),
    "child_update": (Role.PRACTITIONER,),
    "child_remove": (Role.PRACTITIONER,),
    "member_update": (Role.PRACTITIONER,),
    "member_remove": (Role.PRACTITIONER,),
    # Excluding someone for safety: proposed by the case's practitioners (or its conference's
    # coordinator), signed off by a manager over the case who did not propose it.
    "member_exclusion_propose": (Role.PRACTITIONER, Role.COORDINATOR),
    "member_exclusion_sign_off": MANAGERS,
    "advocacy_offer": (Role.PRACTITIONER,),
    # The case file (issue 17): notes and documents are written by the case's staff, its practitioners
    # and the managers over it (fgdm.permissions says which case); auditors read, finance never sees them.
    "case_note_write": (Role.PRACTITIONER, *MANAGERS),
    "case_document_upload": (Role.PRACTITIONER, *MANAGERS),
    # A child's outcome after closure: the case's practitioners, or its managers (the lead has left).
    "outcome_record": (Role.PRACTITIONER, *MANAGERS),
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
    """True if the user is in the group of this role. A superuser holds only the roles given to them."""
    if not user.is_authenticated:
        return False
    return role in role_names(user)


def held_permissions(user) -> set[str]:
    """The model permissions ("app.codename") the user holds through their roles or directly, read
    once per user instance. Unlike Django's `has_perm`, the superuser flag adds nothing."""
    if not user.is_authenticated or not user.is_active:
        return set()
    cache = getattr(user, "_fgdm_permissions", None)
    if cache is None:
        from django.db.models import Q

        rows = Permission.objects.filter(Q(group__user=user) | Q(user=user)).values_list(
            "content_type__app_label", "codename"
        )
        cache = user._fgdm_permissions = {f"{app}.{codename}" for app, codename in rows}
    return cache


def read_permissions(users) -> None:
    """Read the model permissions of several people in one statement, kept on each as
    `held_permissions` keeps them (those already read are left as they are)."""
    from django.db.models import Q

    wanted = {user.pk: user for user in users if user.is_active and getattr(user, "_fgdm_permissions", None) is None}
    if not wanted:
        return
    held: dict[int, set[str]] = {pk: set() for pk in wanted}
    rows = Permission.objects.filter(Q(group__user__in=wanted) | Q(user__in=wanted)).values_list(
        "group__user", "user", "content_type__app_label", "codename"
    )
    for through_group, directly, app, codename in rows:
        for pk in {through_group, directly} & held.keys():
            held[pk].add(f"{app}.{codename}")
    for pk, user in wanted.items():
        user._fgdm_permissions = held[pk]


def ensure_finance(user) -> None:
    if not has_role(user, Role.FINANCE_OFFICER):
        raise NotPermitted("Only a finance officer can do this.")


def is_administrator(user) -> bool:
    """An administrator looks after reference data (teams, approval limits, budgets): an active
    superuser. The flag gives no casework or finance role (see `has_role`)."""
    return bool(user.is_authenticated and user.is_active and user.is_superuser)


def ensure_administrator(user, *, what: str) -> None:
    """Raise NotPermitted unless the user is an administrator; `what` completes "Only an
    administrator can …" (e.g. "change teams")."""
    if not is_administrator(user):
        raise NotPermitted(f"Only an administrator can {what}.")
