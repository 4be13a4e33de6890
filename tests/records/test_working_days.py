"""Working days leave out England and Wales bank holidays, from the `holidays` library: one helper
(audit.dates) for review escalations, subject access request deadlines and bank processing dates.
Checked over a Christmas and an Easter."""

import datetime

import pytest

from audit import dates
from core.sar_services import sar_deadline
from fgdm import services as case_services
from fgdm.models import FamilyPlan, ReviewEscalation
from payments.bankdays import next_bank_working_day
from tests import scenario
from tests.scenario import run_on

D = datetime.date
# Christmas 2026: Friday 25 December; Boxing Day falls on Saturday 26, its substitute is Monday 28.
CHRISTMAS_EVE_2026 = D(2026, 12, 24)
# Easter 2027: Good Friday 26 March, Easter Monday 29 March.
GOOD_FRIDAY_2027 = D(2027, 3, 26)


class TestTheHelper:
    def test_christmas_and_its_substitute_day_are_not_working_days(self):
        assert dates.is_working_day(CHRISTMAS_EVE_2026)
        for day in (D(2026, 12, 25), D(2026, 12, 26), D(2026, 12, 27), D(2026, 12, 28)):
            assert not dates.is_working_day(day), day
        assert dates.next_working_day(CHRISTMAS_EVE_2026) == D(2026, 12, 29)
        assert dates.add_working_days(D(2026, 12, 23), 2) == D(2026, 12, 29)

    def test_easter_good_friday_and_easter_monday_are_not_working_days(self):
        assert not dates.is_working_day(GOOD_FRIDAY_2027)
        assert not dates.is_working_day(D(2027, 3, 29))
        assert dates.next_working_day(D(2027, 3, 25)) == D(2027, 3, 30)
        assert dates.working_days_between(D(2027, 3, 25), D(2027, 3, 31)) == 2  # Tue 30, Wed 31

    def test_one_off_bank_holidays_come_from_the_library(self):
        # Days no hand-typed list of the usual holidays would hold: the State Funeral of Queen
        # Elizabeth II and the Coronation of King Charles III.
        assert dates.is_bank_holiday(D(2022, 9, 19))
        assert dates.is_bank_holiday(D(2023, 5, 8))

    def test_counting_backwards_is_refused(self):
        with pytest.raises(ValueError):
            dates.add_working_days(D(2026, 12, 1), -1)


class TestBankProcessingDates:
    def test_a_file_sent_on_christmas_eve_is_processed_after_the_substitute_boxing_day(self):
        assert next_bank_working_day(CHRISTMAS_EVE_2026) == D(2026, 12, 29)

    def test_a_file_sent_on_maundy_thursday_is_processed_after_easter_monday(self):
        assert next_bank_working_day(D(2027, 3, 25)) == D(2027, 3, 30)


class TestSubjectAccessDeadlines:
    def test_one_calendar_month_falling_on_christmas_moves_to_the_next_working_day(self):
        assert sar_deadline(D(2026, 11, 25)) == D(2026, 12, 29)

    def test_one_calendar_month_falling_on_good_friday_moves_past_easter_monday(self):
        assert sar_deadline(D(2027, 2, 26)) == D(2027, 3, 30)

    def test_the_corresponding_day_or_the_last_of_a_shorter_month(self):
        assert sar_deadline(D(2027, 1, 12)) == D(2027, 2, 12)
        assert sar_deadline(D(2027, 1, 31)) == D(2027, 3, 1)  # 28 February 2027 is a Sunday
        assert sar_deadline(D(2027, 4, 30)) == D(2027, 5, 31) + datetime.timedelta(days=1)  # 31 May: bank holiday
        assert sar_deadline(D(2026, 10, 12), extended_months=2) == D(2027, 1, 12)


@pytest.mark.django_db
class TestReviewEscalation:
    def test_christmas_bank_holidays_do_not_count_towards_escalation(self, world, settings):
        """Due Wednesday 23 December 2026 with 3 working days allowed: Thursday 24 is the first,
        Christmas Day and the substitute Boxing Day (Monday 28) do not count, so Tuesday 29 and
        Wednesday 30 make three, and the review escalates on Thursday 31 — not on Tuesday 29, as
        counting Monday to Friday alone would."""
        settings.FGDM_REVIEW_ESCALATION_WORKING_DAYS = 3
        package = scenario.payments_authorised(world)
        run_on(package.plan.review_by, "workflow_timers")
        FamilyPlan.objects.filter(pk=package.plan.pk).update(review_by=D(2026, 12, 23))
        run_on(D(2026, 12, 29), "escalate_reviews")
        run_on(D(2026, 12, 30), "escalate_reviews")
        assert not ReviewEscalation.objects.exists()
        run_on(D(2026, 12, 31), "escalate_reviews")
        escalation = ReviewEscalation.objects.get()
        assert escalation.working_days_overdue == 4
        assert case_services.working_days_between(D(2026, 12, 23), D(2026, 12, 31)) == 4
