"""The person's rights on one case, asked once per request.

A page offers many buttons, and each asks fgdm.permissions the same questions (a declared conflict?
on the case's team? a manager over it?), each a query. CaseRights asks each check once for the page
and remembers the answer; the checks and their rules stay in fgdm.permissions, and the services
still decide when the form is sent.
"""

from core.pages import allowed
from fgdm.permissions import ensure_can_manage_case, ensure_can_work_case, ensure_can_work_or_manage_case

# A check that passes whenever one of these passes (by what the checks say: who works on the case,
# or manages it, may do what "works on or manages" allows). Used only to skip asking again; a check
# none of them has passed is asked itself.
IMPLIED_BY = {ensure_can_work_or_manage_case: (ensure_can_work_case, ensure_can_manage_case)}


class CaseRights:
    """A memo of `core.pages.allowed(check, user, case)` for one person and one case, for one request."""

    def __init__(self, user, case):
        self.user = user
        self.case = case
        self._answers: dict = {}

    def allows(self, check) -> bool:
        """Whether the permission check (e.g. fgdm.permissions.ensure_can_work_case) lets this person
        act on this case; asked of the check the first time only."""
        if check not in self._answers:
            if any(self._answers.get(stronger) for stronger in IMPLIED_BY.get(check, ())):
                self._answers[check] = True
            else:
                self._answers[check] = allowed(check, self.user, self.case)
        return self._answers[check]
