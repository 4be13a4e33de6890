"""The dashboard's pre-aggregated figures (reports.summary builds and reads them).

`FigureCount` holds, for each figure, day and cut the dashboard filters by (the case's locality,
hub, team and stage), how many rows count and their sum; the medians keep a histogram (`days`:
whole days → how many), from which the exact median is read. Nothing here is a record of its own:
`manage.py refresh_figures --all` rebuilds it all from the cases, meetings, plans and packages.
"""

from django.db import models


class FigureRows(models.Model):
    """How many rows (and their sum) count for one figure on one day (or month), for one cut of the cases."""

    figure = models.CharField(max_length=32)
    day = models.DateField()
    # The case's cut, as the filters see it. No constraint: the summary is rebuilt, never edited.
    locality = models.ForeignKey("fgdm.Locality", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")
    hub = models.ForeignKey(
        "fgdm.FamilyHub", null=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    team = models.ForeignKey("fgdm.Team", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")
    stage = models.CharField(max_length=32)
    key = models.CharField(max_length=64, blank=True)  # a category, a tier, a meeting model, a checkpoint…
    days = models.IntegerField(null=True)  # a median's histogram: the whole days between two dates
    other = models.DateField(null=True)  # a second date a figure compares with the period or today
    n = models.IntegerField()
    amount = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    largest = models.DecimalField(max_digits=14, decimal_places=2, null=True)

    class Meta:
        abstract = True

    def __str__(self):
        return f"{self.figure} {self.day} {self.key}: {self.n}"


class FigureCount(FigureRows):
    """A figure's rows of one day."""

    class Meta:
        indexes = [models.Index(fields=["day", "figure"], name="reports_figure_day")]


class FigureMonth(FigureRows):
    """A figure's rows of one whole month (`day` is its first day): FigureCount's days added up, read
    for the months a period covers whole, so a year is read as twelve months rather than 365 days."""

    class Meta:
        indexes = [models.Index(fields=["day", "figure"], name="reports_figure_month")]


class FigureRefresh(models.Model):
    """When the summary was last brought up to date (one row)."""

    started_at = models.DateTimeField()  # changes from this moment on may not be in it yet
    finished_at = models.DateTimeField()
    full_at = models.DateTimeField()  # the last rebuild of every month
    months = models.IntegerField(default=0)  # how many months the last refresh recomputed

    def __str__(self):
        return f"figures as of {self.started_at:%Y-%m-%d %H:%M}"
