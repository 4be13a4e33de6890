"""Small numbers in what leaves the system.

A count of 1 to 4 can point to a family (three conferences in Portland this month…), so every
figure exported outside the team — a dashboard CSV, a return's count column — shows such a count
as "fewer than 5". Nought stays 0: it discloses nobody. The dashboard's own page shows the exact
figures to the managers entitled to them; only exports are suppressed.
"""

SMALL_NUMBER = 5
FEWER_THAN = "fewer than 5"


def exported_count(count: int | None) -> int | str:
    """`count` as it may leave the system: "fewer than 5" for 1 to 4, otherwise the number."""
    if count is None:
        return 0
    return FEWER_THAN if 0 < count < SMALL_NUMBER else count
