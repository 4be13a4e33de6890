"""Reads of what was sent: who may see which messages."""

from django.db.models import Q, QuerySet

from core.roles import Role, has_role, is_administrator
from fgdm.visibility import case_scope
from notifications.constants import Choice, Kind
from notifications.models import Notification, Preference, StaffContact


def sees_every_notification(user) -> bool:
    """Administrators (who keep the outbox and the failures) and auditors."""
    return is_administrator(user) or has_role(user, Role.AUDITOR)


def notification_list(*, user, filters: dict | None = None) -> QuerySet[Notification]:
    """What was sent or would have been, newest first.

    Administrators and auditors see every message; other staff those sent to themselves and those
    about cases they can see — finance officers never one about a member or a family's plan.
    """
    rows = Notification.objects.select_related("member", "user")
    if not sees_every_notification(user):
        if not user.is_authenticated:
            return rows.none()
        about_cases = Q(case__isnull=False) & Q(**{"case__in": _visible_cases(user)})
        if has_role(user, Role.FINANCE_OFFICER):
            about_cases &= Q(member__isnull=True, about_plan=False)
        rows = rows.filter(Q(user=user) | about_cases)
    filters = filters or {}
    for name in ("status", "channel", "event", "template"):
        if filters.get(name):
            rows = rows.filter(**{name: filters[name]})
    if filters.get("case"):
        rows = rows.filter(case_id=filters["case"])
    return rows.order_by("-created_at", "-id")


def _visible_cases(user):
    from fgdm.models import Case

    return Case.objects.filter(case_scope(user)).values("pk")


def outbox(*, status: str = "") -> QuerySet[Notification]:
    """Every message, newest first (the outbox page, administrators only), optionally of one status."""
    rows = Notification.objects.select_related("member", "user")
    return (rows.filter(status=status) if status else rows).order_by("-created_at", "-id")


def preferences_of(user) -> dict:
    """{kind: choice} for every kind (e-mail where none was chosen), and the mobile number."""
    chosen = dict(Preference.objects.filter(user=user).values_list("kind", "choice"))
    mobile = StaffContact.objects.filter(user=user).values_list("mobile", flat=True).first() or ""
    return {"choices": {kind: chosen.get(kind, Choice.EMAIL) for kind in Kind.values}, "mobile": mobile}
