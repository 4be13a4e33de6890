"""Pages of a list read by their ids first (issue 18: lists at England scale).

A list whose filter joins each row to another table (a workflow task to its case, for visibility)
and is ordered by its own columns cannot stop at its LIMIT: PostgreSQL reads every candidate row in
full — thousands of wide task rows in a table of millions — and sorts them all to keep 25, and a
separate COUNT joins them all again. Read by their ids first, the filter and order select only ids
and sort keys, which the indexes hold (viewflow_task's covering queue index, process 0005), with the
count of all of them in the same statement (a window aggregate computed before the LIMIT); the
page's own rows are then read by id, with their select_related and prefetches.
"""

from functools import cached_property

from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db import connections
from django.db.models import Count, Window


class IdsFirstPaginator(Paginator):
    """A Paginator whose page is read as its ids, then those rows of `object_list`.

    By default the ids come from `object_list` itself with the count of the whole list in the same
    statement (`COUNT(*) OVER ()`): a page is two statements, as a COUNT and a LIMIT were (an empty
    list one). A page past the end has no ids to carry the count: it takes a COUNT (and `get_page`
    then draws the last page, as Paginator's does).

    `ids`: instead, the list's ids in its order as a queryset of tuples whose first item is the id
    (a UNION ordered by columns it selects, which the ORM cannot put a window aggregate on): read
    with the count the same way, as `SELECT *, COUNT(*) OVER () FROM (the union) ORDER BY … LIMIT …`.
    """

    def __init__(self, object_list, per_page, *, ids=None, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.ids = ids

    @cached_property
    def count(self):
        return self.count_all()

    def get_page(self, number):
        """The page, else the first for a number that is not one, else the last (as Paginator's)."""
        try:
            return self.page(number)
        except PageNotAnInteger:
            return self.page(1)
        except EmptyPage:
            return self.page(self.num_pages)

    def page(self, number):
        window = None
        if "count" not in self.__dict__:
            number = self._positive(number)
            bottom = (number - 1) * self.per_page
            window = self._ids_with_count(bottom, bottom + self.per_page + self.orphans)
            # No ids: an empty list if this was page 1, else a page past the end, which needs a count.
            self.__dict__["count"] = window[0][1] if window else 0 if number == 1 else self.count_all()
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        if window is None:  # counted already (a page past the end, drawn as the last): ids alone
            window = self._ids_with_count(bottom, top)
        ids = [row[0] for row in window][: top - bottom]
        rows = {row.pk: row for row in self.object_list.filter(pk__in=ids)} if ids else {}
        return self._get_page([rows[pk] for pk in ids if pk in rows], number, self)

    def count_all(self) -> int:
        return (self.object_list if self.ids is None else self.ids).count()

    def _ids_with_count(self, start: int, stop: int) -> list[tuple]:
        """(id, count of the whole list) of rows start..stop of the list, in its order."""
        if self.ids is None:
            listed = self.object_list.annotate(listed=Window(Count("pk"))).values_list("pk", "listed")
            return list(listed[start:stop])
        query = self.ids.query
        connection = connections[self.ids.db]
        quote = connection.ops.quote_name
        order = ", ".join(
            f"{quote(field.lstrip('-'))} {'DESC' if field.startswith('-') else 'ASC'}" for field in query.order_by
        )
        sql, params = query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT *, COUNT(*) OVER () FROM ({sql}) AS listed ORDER BY {order} LIMIT %s OFFSET %s",
                (*params, stop - start, start),
            )
            return [(row[0], row[-1]) for row in cursor.fetchall()]

    def _positive(self, number) -> int:
        """validate_number's checks that need no count: a whole number, 1 or more."""
        try:
            if isinstance(number, float) and not number.is_integer():
                raise ValueError
            number = int(number)
        except (TypeError, ValueError):
            raise PageNotAnInteger(self.error_messages["invalid_page"])
        if number < 1:
            raise EmptyPage(self.error_messages["min_page"])
        return number


class RowsWithCountPaginator(IdsFirstPaginator):
    """A Paginator whose page is its rows with the count of the whole list, in one statement
    (`COUNT(*) OVER ()`, computed before the LIMIT): for a short list whose every row is evaluated to
    be ordered anyway — each person of a caseload tested by subqueries — where a COUNT and then a
    LIMIT would evaluate them all twice. The rows are read in full: not for lists of wide rows in
    their thousands (IdsFirstPaginator reads ids first). A page past the end takes a COUNT, then the
    last page is drawn as Paginator draws it."""

    def page(self, number):
        if "count" in self.__dict__:
            return Paginator.page(self, number)
        number = self._positive(number)
        bottom = (number - 1) * self.per_page
        counted = self.object_list.annotate(listed_with=Window(Count("pk")))
        rows = list(counted[bottom : bottom + self.per_page + self.orphans])
        self.__dict__["count"] = rows[0].listed_with if rows else 0 if number == 1 else self.count_all()
        number = self.validate_number(number)
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        return self._get_page(rows[: top - bottom], number, self)
