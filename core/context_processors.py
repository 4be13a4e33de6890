"""What every page's navigation needs to know about the signed-in person: their roles, and the menu
they get (only the pages their roles may open; the API docs are in the footer)."""

from django.urls import reverse

from core.roles import Role, has_role, is_administrator, may


def _menu(user, roles: dict[str, bool]) -> list[tuple[str, str]]:
    finance = roles[Role.FINANCE_OFFICER.value]
    manager = any(roles[r.value] for r in (Role.TEAM_MANAGER, Role.SERVICE_MANAGER, Role.HEAD_OF_SERVICE))
    held = {name for name, has in roles.items() if has}
    # An auditor takes no steps: their home is the case search.
    items = [] if held == {Role.AUDITOR.value} and not user.is_superuser else [("My tasks", reverse("process:home"))]
    if not finance or user.is_superuser:
        items.append(("Cases", reverse("fgdm:case_list")))
    if roles[Role.PRACTITIONER.value] or roles[Role.TEAM_MANAGER.value]:
        items.append(("New referral", reverse("fgdm:case_new")))
    if manager:
        items.append(("Caseload", reverse("process:caseload")))
    # The dashboard and the evaluation returns: the figures of the cases a manager oversees.
    if may(user, "dashboard_view"):
        items += [("Dashboard", reverse("reports:dashboard")), ("Reports", reverse("reports:returns"))]
    if finance:
        items += [
            ("Payments", reverse("payments:payment_list")),
            ("Batches", reverse("payments:batch_list")),
            ("Returns", reverse("payments:returns_import")),
            ("Suppliers", reverse("payments:supplier_list")),
        ]
    # Budgets are a finance report: shown to exactly the roles whose gate lets them open it.
    if may(user, "finance_reports"):
        items.append(("Budgets", reverse("payments:budgets")))
    if roles[Role.AUDITOR.value]:
        items.append(("Subject access requests", reverse("records:sar_list")))
    # Every message sent, or kept because no GOV.UK Notify key is set, and those that failed.
    if is_administrator(user):
        items.append(("Outbox", reverse("notifications:outbox")))
    return items


def _lower(label: str) -> str:
    """ "Finance officer" → "finance officer"; "FGC coordinator" keeps its capitals."""
    return label if label[:2].isupper() else label[0].lower() + label[1:]


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    roles = {role.value: has_role(user, role) for role in Role}
    path = request.path
    menu = _menu(user, roles)
    # The current item is the longest menu address the page's address starts with.
    current = max((href for _, href in menu if path.startswith(href) and href != "/"), key=len, default="/")
    if path != "/" and current == "/":
        current = None
    role_names = (
        ["administrator"]
        if user.is_superuser
        else [_lower(Role(name).label) for name, held in roles.items() if held] or ["no role"]
    )
    return {
        "nav_roles": roles,
        "nav_is_finance": roles[Role.FINANCE_OFFICER.value],
        "nav_items": [{"text": text, "href": href, "current": href == current} for text, href in menu],
        "nav_role_names": ", ".join(role_names),
    }
