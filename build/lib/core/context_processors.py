"""What every page's navigation needs to know about the signed-in person."""

from core.roles import Role, has_role


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "nav_roles": {role.value: has_role(user, role) for role in Role},
        "nav_is_finance": has_role(user, Role.FINANCE_OFFICER),
    }
