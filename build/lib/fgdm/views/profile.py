"""The signed-in person's own page: their roles, teams and declared conflicts of interest."""

from django.contrib.auth.decorators import login_required
from django.urls import reverse

from core.pages import done, form_page, run_service
from core.roles import Role, role_names
from fgdm import forms as f
from fgdm import services


@login_required
def profile(request):
    """Who I am here (roles, teams) and the conflicts of interest I have declared."""
    from django.db.models import Q

    from fgdm.models import DeclaredConflict, Team

    form = f.ConflictForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        conflict = run_service(
            form,
            lambda data: services.conflict_declare(
                by=request.user, case_reference=data["case_reference"], reason=data["reason"]
            ),
        )
        if conflict:
            return done(
                request,
                f"Your conflict of interest in {conflict.case.reference} is recorded. You can no "
                "longer see or act on that case.",
                reverse("fgdm:profile"),
            )
    return form_page(
        request,
        title="Your profile",
        form=form,
        button="Declare the conflict",
        template="fgdm/profile.html",
        status=400 if request.method == "POST" else 200,
        context={
            "roles": (["Administrator"] if request.user.is_superuser else [])
            + [Role(name).label for name in sorted(role_names(request.user)) if name in Role.values],
            "teams": Team.objects.filter(Q(members=request.user) | Q(managers=request.user))
            .distinct()
            .order_by("name"),
            "conflicts": DeclaredConflict.objects.filter(user=request.user)
            .select_related("case")
            .order_by("-declared_at"),
        },
    )
