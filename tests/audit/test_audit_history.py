"""Field history is written from the values an instance was loaded with (audit/history.py), not by
reading the row again before each save, and says exactly what auditlog's own read would have said."""

from decimal import Decimal

import pytest
from auditlog.diff import model_instance_diff
from django.db import connection
from django.test.utils import CaptureQueriesContext

from audit.models import LogEntry
from network_packages.models import Budget
from tests.factories import LocalityFactory

pytestmark = pytest.mark.django_db


def _reads_of_budget(captured) -> list[str]:
    return [
        q["sql"]
        for q in captured.captured_queries
        if q["sql"].startswith("SELECT") and "network_packages_budget" in q["sql"]
    ]


def _history(budget) -> list[dict]:
    return [entry.changes for entry in LogEntry.objects.get_for_object(budget).order_by("pk")]


@pytest.fixture
def budget():
    return Budget.objects.create(locality=LocalityFactory(code="east"), financial_year=2026, amount=Decimal("1000"))


class TestFieldHistoryWithoutARead:
    def test_a_loaded_instance_is_saved_without_reading_its_row_again(self, budget):
        loaded = Budget.objects.get(pk=budget.pk)
        expected = model_instance_diff(Budget.objects.get(pk=budget.pk), _changed(loaded, "2500.50"))
        with CaptureQueriesContext(connection) as captured:
            loaded.save()
        assert _reads_of_budget(captured) == []
        assert _history(budget)[-1] == {name: list(pair) for name, pair in expected.items()}
        assert _history(budget)[-1] == {"amount": ["1000.00", "2500.50"]}

    def test_update_fields_limit_the_diff_as_before(self, budget):
        loaded = Budget.objects.get(pk=budget.pk)
        loaded.amount, loaded.financial_year = Decimal("7"), 2027
        loaded.save(update_fields=["amount"])
        assert _history(budget)[-1] == {"amount": ["1000.00", "7"]}

    def test_a_second_save_of_the_same_instance_diffs_against_what_the_first_wrote(self, budget):
        budget.amount = Decimal("1200.5")  # a created instance: its values as the database keeps them
        with CaptureQueriesContext(connection) as captured:
            budget.save()
            budget.amount = Decimal("1300")
            budget.save()
        assert _reads_of_budget(captured) == []
        assert _history(budget)[-2:] == [{"amount": ["1000.00", "1200.5"]}, {"amount": ["1200.50", "1300"]}]

    def test_another_copy_saved_meanwhile_makes_the_diff_read_the_row(self, budget):
        first, second = Budget.objects.get(pk=budget.pk), Budget.objects.get(pk=budget.pk)
        first.amount = Decimal("10")
        first.save()
        second.financial_year = 2030
        with CaptureQueriesContext(connection) as captured:
            second.save()
        assert len(_reads_of_budget(captured)) == 1
        assert _history(budget)[-1] == {"financial_year": ["2026", "2030"], "amount": ["10.00", "1000.00"]}

    def test_a_refreshed_instance_diffs_against_the_refreshed_values(self, budget):
        stale = Budget.objects.get(pk=budget.pk)
        Budget.objects.get(pk=budget.pk).save()  # nothing changed
        fresh = Budget.objects.get(pk=budget.pk)
        fresh.amount = Decimal("55")
        fresh.save()
        stale.refresh_from_db()
        stale.amount = Decimal("66")
        with CaptureQueriesContext(connection) as captured:
            stale.save()
        assert _reads_of_budget(captured) == []
        assert _history(budget)[-1] == {"amount": ["55.00", "66"]}

    def test_an_instance_not_loaded_from_the_database_is_diffed_against_a_read(self, budget):
        unloaded = Budget(pk=budget.pk, locality_id=budget.locality_id, financial_year=2026, amount=Decimal("3"))
        unloaded._state.adding = False  # as a copy made by hand would be
        with CaptureQueriesContext(connection) as captured:
            unloaded.save()
        assert len(_reads_of_budget(captured)) == 1
        assert _history(budget)[-1] == {"amount": ["1000.00", "3"]}

    def test_a_deferred_field_makes_the_diff_read_the_row(self, budget):
        partial = Budget.objects.only("id", "amount").get(pk=budget.pk)
        partial.amount = Decimal("4")
        partial.save()
        assert _history(budget)[-1] == {"amount": ["1000.00", "4"]}


def _changed(budget, amount):
    budget.amount = Decimal(amount)
    return budget
