"""Roles are Django groups with model permissions ("what kind of thing may you do").

Which cases a person may act on is decided separately (fgdm.permissions). `ensure_roles` is run
after every migrate, so a new database — production's too — always has the groups.
"""

from django.contrib.auth.models import Group, Permission

from fgdm.constants import Role

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
