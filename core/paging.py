"""Pages of a list read by their ids first (issue 18: lists at England scale).

A list whose filter joins each row to another table (a workflow task to its case, for visibility)
and is ordered by its own columns cannot stop at its LIMIT: PostgreSQL reads every candidate row in
full — thousands of wide task rows in a table of millions — and sorts them all to keep 25. Read by
their ids first, the same filter and order select only ids and sort keys, which the indexes hold
(viewflow_task's covering queue index, process 0005), so nothing but index entries is sorted; the
page's own rows are then read by id, with their select_related and prefetches.
"""

from functools import cached_property

from django.core.paginator import Paginator
from django.db.models.query import FlatValuesListIterable


class IdsFirstPaginator(Paginator):
    """A Paginator whose page reads the page's ids first, then those rows of `object_list`.

    `ids`: the list's ids in the list's order — by default `object_list`'s own
    (`values_list("pk", flat=True)`): then the page is one statement, its rows `WHERE id IN (the
    page's ids, as a subquery with its LIMIT)`. Or a queryset of tuples whose first item is the id
    (a UNION ordered by a column it selects, which cannot be a subquery of one column): then two
    statements, the ids and then those rows. The count is `ids`' COUNT.
    """

    def __init__(self, object_list, per_page, *, ids=None, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.ids = ids if ids is not None else object_list.values_list("pk", flat=True)

    @cached_property
    def count(self):
        return self.ids.count()

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        window = self.ids[bottom:top]
        if window._iterable_class is FlatValuesListIterable:
            return self._get_page(self.object_list.filter(pk__in=window), number, self)
        ids = [row[0] for row in window]
        rows = {row.pk: row for row in self.object_list.filter(pk__in=ids)} if ids else {}
        return self._get_page([rows[pk] for pk in ids if pk in rows], number, self)
