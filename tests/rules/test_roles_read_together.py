"""core.roles.read_permissions: several people's permissions in one statement, the same as each
read on their own (held_permissions)."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.roles import held_permissions, read_permissions

User = get_user_model()


def test_read_together_as_each_alone(world):
    people = [world.u.tm_east, world.u.sm, world.u.prac_east, world.u.fin1]
    through_roles = held_permissions(User.objects.get(pk=world.u.prac_east.pk))
    direct = next(
        p
        for p in Permission.objects.select_related("content_type").order_by("pk")
        if f"{p.content_type.app_label}.{p.codename}" not in through_roles
    )
    world.u.prac_east.user_permissions.add(direct)  # one held directly, not through a role

    alone = {user.pk: held_permissions(User.objects.get(pk=user.pk)) for user in people}
    fresh = list(User.objects.filter(pk__in=[user.pk for user in people]))
    with CaptureQueriesContext(connection) as captured:
        read_permissions(fresh)
        together = {user.pk: held_permissions(user) for user in fresh}
    assert len(captured.captured_queries) == 1
    assert together == alone
    assert f"{direct.content_type.app_label}.{direct.codename}" in together[world.u.prac_east.pk]
