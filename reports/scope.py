"""Whose figures a person sees, and the filters every figure, chart and return is cut by.

Reports read across the floors below (cases, packages, payments) and change nothing. Which cases a
figure counts is decided here and nowhere else:

- team managers count their own teams' cases (the team the case belongs to), service managers
  and heads of service the whole county;
- nobody counts a case in which they declared a conflict of interest (fgdm.visibility);
- anyone else (practitioners, coordinators, finance officers, auditors, an administrator without
  a role) counts nothing.

Each figure then applies the period to its own date (a referral to the day the case opened, a
meeting to the day it was held, a package to the day it was approved…), and `Filters.case_q` cuts
by locality, Local Alliance Group, hub, team and stage.
"""

import datetime
from dataclasses import dataclass

from django.db.models import Q

from core.roles import STEP_ROLES, has_role
from fgdm.visibility import not_conflicted, sees_every_case

_NOTHING = Q(pk__in=[])

# The roles that read the dashboard and the returns: the step table says, once.
FIGURE_ROLES = STEP_ROLES["dashboard_view"]


def may_see_figures(user) -> bool:
    """Whether any role of the user reads the dashboard and the returns (managers)."""
    return user.is_authenticated and any(has_role(user, role) for role in FIGURE_ROLES)


def county_wide(user) -> bool:
    """Whether the user's figures are the whole county's (a service manager, a head of service)."""
    return may_see_figures(user) and sees_every_case(user)


def figure_cases(user, path: str = "") -> Q:
    """The cases (through `path`, e.g. "case__" or "meeting__case__") whose figures `user` sees."""
    if not may_see_figures(user):
        return _NOTHING
    if county_wide(user):
        return not_conflicted(user, path)
    # A subquery of the teams they manage, not a join through the managers table: the planner then
    # reads the cases by team (an index) instead of joining every case to the team's managers.
    from fgdm.models import Team

    managed = Team.managers.through.objects.filter(user=user).values("team_id")
    return Q(**{f"{path}team_id__in": managed}) & not_conflicted(user, path)


@dataclass(frozen=True)
class Filters:
    """What a dashboard or return is cut by. `None` (or "" for the stage) is "all"."""

    date_from: datetime.date
    date_to: datetime.date
    locality: object | None = None  # fgdm.models.Locality
    alliance_group: object | None = None  # fgdm.models.LocalAllianceGroup
    hub: object | None = None  # fgdm.models.FamilyHub
    team: object | None = None  # fgdm.models.Team
    stage: str = ""

    def case_q(self, path: str = "") -> Q:
        """Cases (through `path`) in the chosen locality, Local Alliance Group, hub, team and stage."""
        q = Q()
        if self.locality is not None:
            q &= Q(**{f"{path}locality": self.locality})
        if self.alliance_group is not None:
            q &= Q(**{f"{path}locality__in": self.alliance_group.localities.all()})
        if self.hub is not None:
            q &= Q(**{f"{path}hub": self.hub})
        if self.team is not None:
            q &= Q(**{f"{path}team": self.team})
        if self.stage:
            q &= Q(**{f"{path}stage": self.stage})
        return q

    def in_period(self, lookup: str) -> Q:
        """`lookup` (a date, or a datetime's `__date`) falls within the period, both ends included."""
        return Q(**{f"{lookup}__gte": self.date_from, f"{lookup}__lte": self.date_to})


def scoped(user, filters: Filters, path: str = "") -> Q:
    """The cases (through `path`) that count for `user` under `filters` (the period aside)."""
    return figure_cases(user, path) & filters.case_q(path)
