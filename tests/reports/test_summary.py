"""The dashboard from the pre-aggregated summary (reports.summary) gives exactly the figures of the
direct computation (reports.figures), figure by figure, for every filter, on random bulk data."""

import datetime
import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone

from fgdm.constants import Stage
from fgdm.models import Case, DeclaredConflict, FamilyHub, LocalAllianceGroup, Locality, Team
from reports import figures, summary
from reports.models import FigureCount, FigureRefresh
from reports.scope import Filters

pytestmark = pytest.mark.django_db


def flat(sections) -> dict:
    """Every cell of the dashboard as {(section, table, row): values}."""
    return {
        (section.slug, table.slug, row.label): row.values
        for section in sections
        for table in section.tables
        for row in table.rows
    }


def assert_same(user, filters):
    direct, summed = flat(figures.dashboard(user, filters)), flat(summary.dashboard(user, filters)[0])
    differing = {k: (direct[k], summed.get(k)) for k in direct if direct[k] != summed.get(k)}
    assert not differing, differing
    assert direct.keys() == summed.keys()


def user(username):
    return get_user_model().objects.get(username=username)


@pytest.fixture
def bulk(db):
    call_command(
        "bulk_data", cases=150, seed=11, practitioners_per_team=3, coordinators=2, force=True, stdout=io.StringIO()
    )
    summary.refresh(everything=True)


def periods():
    today = timezone.localdate()
    return [
        (today - datetime.timedelta(days=365), today),
        (today - datetime.timedelta(days=3 * 365), today + datetime.timedelta(days=30)),
        (today - datetime.timedelta(days=45), today - datetime.timedelta(days=10)),
        (today.replace(day=1), today),
    ]


class TestSummaryEqualsDirect:
    def test_every_figure_every_period_county_and_team_manager(self, bulk):
        assert FigureCount.objects.exists()
        for username in ("sm", "hos", "tm.east", "tm.west"):
            for start, end in periods():
                assert_same(user(username), Filters(date_from=start, date_to=end))

    def test_every_filter(self, bulk):
        start, end = periods()[1]
        sm = user("sm")
        cuts = [{"locality": loc} for loc in Locality.objects.all()]
        cuts += [{"team": team} for team in Team.objects.all()]
        cuts += [{"hub": hub} for hub in FamilyHub.objects.all()[:4]]
        cuts += [{"alliance_group": group} for group in LocalAllianceGroup.objects.all()[:3]]
        cuts += [{"stage": stage.value} for stage in Stage]
        cuts += [{"locality": Locality.objects.first(), "stage": Stage.FAMILY_HELP.value}]
        for cut in cuts:
            assert_same(sm, Filters(date_from=start, date_to=end, **cut))
        tm = user("tm.east")
        for cut in [{"stage": Stage.KINSHIP.value}, {"team": Team.objects.filter(managers=tm).first()}]:
            assert_same(tm, Filters(date_from=start, date_to=end, **cut))

    def test_a_declared_conflict_is_taken_away_from_the_summary(self, bulk):
        sm, tm = user("sm"), user("tm.east")
        start, end = periods()[1]
        filters = Filters(date_from=start, date_to=end)
        before = flat(summary.dashboard(sm, filters)[0])
        # Conflicts in a case with a package approved (every support figure moves), and in others.
        with_package = Case.objects.filter(packages__status="approved", packages__decided_at__date__gte=start)
        chosen = list(with_package.order_by("pk")[:2]) + list(Case.objects.filter(opened_on__gte=start)[:3])
        for case in chosen:
            DeclaredConflict.objects.get_or_create(case=case, user=sm, defaults={"reason": "My neighbour"})
            DeclaredConflict.objects.get_or_create(case=case, user=tm, defaults={"reason": "My neighbour"})
        assert summary.uses_summary(sm) is not None
        after = flat(summary.dashboard(sm, filters)[0])
        key = ("referrals", "referrals", "Referrals received")
        opened = sum(1 for case in set(chosen) if start <= case.opened_on <= end)
        assert after[key] == (before[key][0] - opened,)
        assert after != before
        assert_same(sm, filters)
        assert_same(tm, filters)
        assert_same(sm, Filters(date_from=start, date_to=end, locality=chosen[0].locality))
        assert_same(tm, Filters(date_from=start, date_to=end, stage=chosen[0].stage))


class TestRefresh:
    def test_a_change_is_in_the_figures_after_the_next_refresh_of_its_months(self, bulk):
        sm = user("sm")
        start, end = periods()[1]
        filters = Filters(date_from=start, date_to=end)
        # A case moved to another stage through the service: its audit event marks its months touched.
        from fgdm import services as case_services

        case = (
            Case.objects.filter(opened_on__gte=start, stage=Stage.FAMILY_HELP, closed_on__isnull=True)
            .order_by("pk")
            .first()
        )
        case_services.case_change_stage(case_id=case.pk, by=case.lead_practitioner, stage=Stage.KINSHIP, reason="Moved")
        cut = Filters(date_from=start, date_to=end, stage=Stage.KINSHIP.value)
        assert flat(summary.dashboard(sm, cut)[0]) != flat(figures.dashboard(sm, cut))
        done = summary.refresh()
        assert done.months >= 1 and done.full_at < done.started_at
        assert_same(sm, cut)
        assert_same(sm, filters)
        assert summary.differences() == []

    def test_the_check_finds_a_tampered_summary(self, bulk):
        assert summary.differences() == []
        row = FigureCount.objects.filter(figure="received").first()
        FigureCount.objects.filter(pk=row.pk).update(n=row.n + 1)
        assert summary.differences()
        out, err = io.StringIO(), io.StringIO()
        with pytest.raises(SystemExit):
            call_command("refresh_figures", check=True, stdout=out, stderr=err)
        call_command("refresh_figures", all=True, stdout=out)
        assert summary.differences() == []
        assert FigureRefresh.objects.count() == 1
