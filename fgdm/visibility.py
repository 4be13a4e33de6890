"""Who may see what, declared once: the named scopes every selector and every door composes.

Rule 1 of DESIGN.md. Each scope is a filter (a Q object) for a queryset of the thing it names,
built from subqueries so lists need no DISTINCT; what a person may not see is then a 404 by
construction, in lists and single reads alike. Two exceptions are applied here and nowhere else:

- nobody sees a case (or anything of it) in which they have declared a conflict of interest,
  whatever their role;
- a superuser is an administrator of reference data: the flag gives no sight of casework or
  money. Only roles do (core.roles.held_permissions never counts the flag).

The scopes live with the cases, not in the kernel, because every one of them is a question about
a case — its team, its lead, its coordinator, its conflicts. Everything else of a case (children,
members, meetings, plans, packages, payments, notes...) reaches them through a path to its case
("case__"), tested on that case's row (case_row_scope).
"""

from django.db.models import Q

from core.roles import Role, has_role, held_permissions

# Object permissions granted per case (guardian, direct foreign-key table).
VIEW_CASE = "view_case"
COORDINATE = "coordinate_conference"
# Held through a role: service managers, the head of service and auditors see every locality.
VIEW_ALL_CASES = "fgdm.view_all_cases"

_NOTHING = Q(pk__in=[])


def _case_ids(path: str) -> str:
    """The lookup of a case's id through `path` ("" for a Case queryset itself)."""
    return f"{path}id__in" if path else "pk__in"


def not_conflicted(user, path: str = "") -> Q:
    """Cases (through `path`) in which the user has not declared a conflict of interest."""
    from fgdm.models import DeclaredConflict

    return ~Q(**{_case_ids(path): DeclaredConflict.objects.filter(user=user).values("case_id")})


def sees_every_case(user) -> bool:
    """Whether a role of the user sees every locality (service managers, head of service, auditors)."""
    return VIEW_ALL_CASES in held_permissions(user)


def visible_case_ids(user, *, conference: bool = True):
    """The ids of the cases this user sees through a team, as lead or through a per-case grant: one
    UNION of three index-friendly arms (cases by locality, cases by lead, grants by user), so the
    planner looks each arm up by its index instead of scanning every case against an OR.

    Not for roles that see every locality (sees_every_case): their scope is "no conflict" alone.
    """
    from fgdm.models import Case, CaseUserObjectPermission, Team

    served = Team.localities.through.objects.filter(Q(team__members=user) | Q(team__managers=user)).values(
        "locality_id"
    )
    grants = CaseUserObjectPermission.objects.filter(user=user, permission__codename=VIEW_CASE)
    if not conference:
        # FGC coordinators see only what the conference needs: not packages, payments or the trail.
        coordinated = CaseUserObjectPermission.objects.filter(user=user, permission__codename=COORDINATE)
        grants = grants.exclude(content_object_id__in=coordinated.values("content_object_id"))
    by_locality = Case.objects.filter(locality_id__in=served).order_by().values("id")
    as_lead = Case.objects.filter(lead_practitioner=user).order_by().values("id")
    return by_locality.union(as_lead, grants.order_by().values("content_object_id"))


def case_row_scope(user, path: str = "", *, conference: bool = True) -> Q:
    """The same cases as case_scope, as a test of each case's own row (through `path`): its locality
    among those the user's teams serve, its lead, or a grant for it — one arm each — and no
    conflict declared.

    Every scope through a path uses it (case_scope with a path): an object of a case is mostly read
    one at a time, by its id. And lists read in an order of their own — a queue of open tasks by its
    index, the case list by its newest-first index — where the UNION of visible_case_ids would first
    list every case of the user's localities (half of the county for a manager) before the first row
    of a page.
    """
    from fgdm.models import CaseUserObjectPermission, Team

    if not user.is_authenticated:
        return _NOTHING
    if sees_every_case(user):
        return not_conflicted(user, path) & _has_case(path)
    served = Team.localities.through.objects.filter(Q(team__members=user) | Q(team__managers=user)).values(
        "locality_id"
    )
    # The grants as a set (a hashed subplan, costed as such), not a correlated EXISTS: PostgreSQL costs
    # that once per row, and at 50,000 cases the estimate alone set it compiling the query (JIT) for
    # longer than the query took.
    grants = CaseUserObjectPermission.objects.filter(user=user, permission__codename=VIEW_CASE)
    if not conference:
        coordinated = CaseUserObjectPermission.objects.filter(user=user, permission__codename=COORDINATE)
        grants = grants.exclude(content_object_id__in=coordinated.values("content_object_id"))
    visible = (
        Q(**{f"{path}locality_id__in": served})
        | Q(**{f"{path}lead_practitioner": user})
        | Q(**{_case_ids(path): grants.values("content_object_id")})
    )
    return visible & not_conflicted(user, path) & _has_case(path)


def _has_case(path: str) -> Q:
    """Through a nullable path (a workflow process's case), only rows that reach a case."""
    return Q(**{f"{path}id__isnull": False}) if path else Q()


def case_scope(user, path: str = "", *, conference: bool = True) -> Q:
    """Cases (or objects through `path`, e.g. "case__") this user may see.

    The case's team or a team serving its locality, its lead practitioner, its FGC coordinator, a
    manager over its locality, or a role that sees every locality. With `conference=False`, not the
    cases someone sees only as their conference's coordinator (see whole_case_scope).

    For a Case queryset itself (path ""): one `id IN (… UNION …)` (visible_case_ids), never an OR of
    subqueries on the case's own columns, which makes PostgreSQL scan and filter every case; one case
    asked for by its id is found by each arm's index (0.2 ms). Through a path (a child, a member, a
    meeting, a plan, an action, an outcome, a note or document): the test on the case's own row
    (case_row_scope), the same cases — such an object is mostly read one at a time, and for one row
    the UNION would first list every case of the person's localities: a team manager's child,
    member or meeting by id took 12-35 ms at 10,000 cases against 0.2 ms on the row (and 98 ms
    against 2 ms a package at 400,000). The one list read through a path, the outcome checks, is
    faster on the row too (a page: 360 -> 170 ms at 10,000 cases).
    """
    if path:
        return case_row_scope(user, path, conference=conference)
    if not user.is_authenticated:
        return _NOTHING
    if sees_every_case(user):
        return not_conflicted(user, path)
    visible = Q(**{_case_ids(path): visible_case_ids(user, conference=conference)})
    return visible & not_conflicted(user, path)


def whole_case_scope(user, path: str = "") -> Q:
    """Cases seen in full: not those seen only as their conference's coordinator."""
    return case_scope(user, path, conference=False)


def sees_whole_case(user, case) -> bool:
    from fgdm.models import Case

    return Case.objects.filter(whole_case_scope(user), pk=case.pk).exists()


def meeting_scope(user, path: str = "") -> Q:
    """Meetings: every meeting of a case seen in full; a coordinator who sees the case only for
    its conference sees only the meeting they coordinate — not other meetings' notes."""
    return whole_case_scope(user, f"{path}case__") | (
        Q(**{f"{path}coordinator": user}) & case_scope(user, f"{path}case__")
    )


def plan_scope(user) -> Q:
    """Family plans: those of the meetings the user sees."""
    return meeting_scope(user, "meeting__")


def action_scope(user) -> Q:
    """Plan actions: those of the cases the user sees (the coordinator's too: they follow them up)."""
    return case_scope(user, "plan__case__")


def child_scope(user) -> Q:
    """Children: of cases seen in full (a coordinator sees the conference, not the records)."""
    return whole_case_scope(user, "case__")


def member_scope(user) -> Q:
    """Network members: of cases the user sees; finance officers also reach the payees — members
    named on a package item — of cases they have no conflict in, and nothing else of the case."""
    scope = case_scope(user, "case__")
    if has_role(user, Role.FINANCE_OFFICER):
        from django.db.models import Exists, OuterRef

        from fgdm.models import NetworkMember

        # Tested on the member's own row (an index probe of its package items), not `pk IN (every
        # payee)`: a member is read one at a time, and that set is every payee of the county.
        named = Exists(NetworkMember.objects.filter(pk=OuterRef("pk"), package_items__isnull=False))
        scope = scope | (named & not_conflicted(user, "case__"))
    return scope


def outcome_scope(user) -> Q:
    """Children's outcome checks and advocacy offers: whoever sees their case in full (a closed case
    stays in scope)."""
    return whole_case_scope(user, "case__")


def package_scope(user, path: str = "") -> Q:
    """Support packages (or objects through `path`): of cases seen in full.

    Tested on each package's case row (case_row_scope), not as `case_id IN (… UNION …)`: a package
    is mostly asked for one at a time (may this manager approve it, be told of it), and for one row
    the UNION would first list every case of the person's localities — 98 ms at 400,000 cases for
    a team manager, against 2 ms on the row. A page of the list is read by the packages' own index
    the same way (8 ms against 160 ms), and a count is no slower."""
    return case_row_scope(user, f"{path}case__", conference=False)


def payment_scope(user, path: str = "") -> Q:
    """Payments: finance officers see every payment of a case they have no conflict in; others the
    payments of cases they see in full (tested on the case row, as package_scope)."""
    if has_role(user, Role.FINANCE_OFFICER):
        return not_conflicted(user, f"{path}case__")
    return case_row_scope(user, f"{path}case__", conference=False)


def bank_account_scope(user) -> Q:
    """Payees' bank details: finance officers see suppliers' and those of members of cases they
    have no conflict in; others those of members of cases they see in full (masked, see payments)."""
    if has_role(user, Role.FINANCE_OFFICER) or has_role(user, Role.AUDITOR):
        return not_conflicted(user, "member__case__")
    return Q(member__isnull=False) & whole_case_scope(user, "member__case__")


def batch_scope(user) -> Q:
    """Payment batches are finance's (and auditors'): other roles see none."""
    if has_role(user, Role.FINANCE_OFFICER) or has_role(user, Role.AUDITOR):
        return Q()
    return _NOTHING


def grant_case_access(user, case, *codenames: str) -> None:
    """Give one person access to one case (lead practitioner, FGC coordinator): guardian's per-case
    grants (direct foreign-key table), as its `assign_perm` leaves them, each grant once.

    One read finds the permissions and which of them the person already holds; the missing grants
    are then inserted together, one INSERT, each with its field history as a save gives it
    (audit.history.create_all). No savepoint: callers hold the case's lock, so nobody grants on the
    same case meanwhile. Raises Permission.DoesNotExist for an unknown codename.
    """
    from django.contrib.auth.models import Permission
    from django.contrib.contenttypes.models import ContentType
    from django.db.models import Exists, OuterRef

    from audit.history import create_all
    from fgdm.models import Case, CaseUserObjectPermission

    wanted = list(dict.fromkeys((VIEW_CASE, *codenames)))
    held = CaseUserObjectPermission.objects.filter(permission=OuterRef("pk"), user=user, content_object=case)
    permissions = sorted(
        Permission.objects.filter(content_type=ContentType.objects.get_for_model(Case), codename__in=wanted)
        .select_related("content_type")  # the grant's name in the field history names it
        .annotate(granted=Exists(held)),
        key=lambda permission: wanted.index(permission.codename),
    )
    if len(permissions) != len(wanted):
        raise Permission.DoesNotExist(f"No case permission {sorted(set(wanted) - {p.codename for p in permissions})}.")
    # guardian's save() refuses a permission of another model; these were read by the case's type.
    create_all(
        CaseUserObjectPermission,
        [
            CaseUserObjectPermission(permission=permission, user=user, content_object=case)
            for permission in permissions
            if not permission.granted
        ],
    )


def revoke_case_access(user, case) -> None:
    """Take away every per-case grant this person had on this case."""
    from fgdm.models import CaseUserObjectPermission

    CaseUserObjectPermission.objects.filter(user=user, content_object=case).delete()
