"""The person's rights on one case, for a page's buttons.

The checks and their rules stay in fgdm.permissions, and the services still decide when the form is
sent. A page that asks many of them (the case page) runs inside `fgdm.permissions.asked_once()`,
which asks the database each of their questions once for the page; CaseRights only carries the
person and the case to the helpers that draw the page's parts.
"""

from core.pages import allowed


class CaseRights:
    """`allows(check)`: `core.pages.allowed(check, user, case)` for one person and one case."""

    def __init__(self, user, case):
        self.user = user
        self.case = case

    def allows(self, check) -> bool:
        """Whether the permission check (e.g. fgdm.permissions.ensure_can_work_case) lets this person
        act on this case."""
        return allowed(check, self.user, self.case)
