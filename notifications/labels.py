"""The messages in words, for the outbox page: what each template tells, and to whom in which role."""

from core.roles import Role

TEMPLATES = {
    "task_assigned": "A task assigned",
    "package_approval": "A support package waiting for approval",
    "review_due": "A plan review due",
    "batch_approval": "A payment batch waiting for approval",
    "meeting_invitation": "A meeting invitation",
    "meeting_changed": "A meeting changed",
    "meeting_cancelled": "A meeting cancelled",
    "actions_due": "Actions due",
    "payment_made": "A payment made",
    "family_link": "The family's link to their plan",
    "export_ready": "A file ready to download",
}


def template_label(name: str) -> str:
    """The template's name in words (a template without words yet shows its name)."""
    return TEMPLATES.get(name, name.replace("_", " ").capitalize())


def role_label(role: str) -> str:
    """The role a member of staff was told in, in words ("" when none was recorded)."""
    if not role:
        return ""
    try:
        return Role(role).label
    except ValueError:
        return role
