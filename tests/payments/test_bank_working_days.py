"""Issue 14: a bank file is dated for the next bank working day (BACS processing date in UHL1,
pain.001 ReqdExctnDt), never the export day and never a weekend or an England-and-Wales bank holiday
(from the `holidays` library), tested over a Christmas and an Easter."""

import datetime
import zoneinfo
from xml.etree import ElementTree

import pytest
import time_machine

from payments import services as payment_services
from payments.bankdays import is_bank_working_day, next_bank_working_day
from tests.helpers import PAIN_NS
from tests.scenario import approved_batch

LONDON = zoneinfo.ZoneInfo("Europe/London")
D = datetime.date

# (exported on, processed on)
DAYS = [
    # Christmas 2026: Fri 25 Christmas Day, Sat 26 Boxing Day, Mon 28 its substitute day.
    pytest.param(D(2026, 12, 24), D(2026, 12, 29), id="christmas-eve-2026"),
    pytest.param(D(2026, 12, 25), D(2026, 12, 29), id="christmas-day-2026"),
    # Christmas 2027 falls on a Saturday: Mon 27 and Tue 28 are the substitute days.
    pytest.param(D(2027, 12, 24), D(2027, 12, 29), id="christmas-eve-2027"),
    # Easter 2027: Good Friday 26 March, Easter Monday 29 March.
    pytest.param(D(2027, 3, 25), D(2027, 3, 30), id="maundy-thursday-2027"),
    # Easter 2026: Good Friday 3 April, Easter Monday 6 April.
    pytest.param(D(2026, 4, 2), D(2026, 4, 7), id="maundy-thursday-2026"),
    pytest.param(D(2026, 6, 7), D(2026, 6, 8), id="a-sunday"),
    pytest.param(D(2026, 6, 5), D(2026, 6, 8), id="a-friday"),
    pytest.param(D(2026, 6, 9), D(2026, 6, 10), id="a-tuesday"),
    pytest.param(D(2026, 5, 22), D(2026, 5, 26), id="before-the-spring-bank-holiday"),
]


class TestNextBankWorkingDay:
    @pytest.mark.parametrize("exported,processed", DAYS)
    def test_next_bank_working_day(self, exported, processed):
        assert next_bank_working_day(exported) == processed

    def test_holidays(self):
        for day in (D(2026, 12, 25), D(2026, 12, 28), D(2027, 3, 26), D(2027, 3, 29), D(2026, 8, 31)):
            assert not is_bank_working_day(day)
        assert is_bank_working_day(D(2026, 12, 29)) and not is_bank_working_day(D(2026, 12, 27))


def export_on(world, day: datetime.date, export_format: str):
    with time_machine.travel(datetime.datetime.combine(day, datetime.time(16, 30), tzinfo=LONDON), tick=False):
        batch = approved_batch(world)
        return payment_services.batch_export(batch_id=batch.pk, by=world.u.fin1, export_format=export_format)


@pytest.mark.django_db
class TestBankFiles:
    @pytest.mark.parametrize(
        "exported,processed",
        [
            pytest.param(D(2026, 12, 24), D(2026, 12, 29), id="christmas"),
            pytest.param(D(2027, 3, 25), D(2027, 3, 30), id="easter"),
        ],
    )
    def test_bacs18_processing_date(self, world, exported, processed):
        _, content = export_on(world, exported, "bacs18")
        records = content.decode("ascii").split("\r\n")
        uhl1, hdr1 = records[3], records[1]
        assert uhl1[4:10] == f" {processed:%y}{processed.timetuple().tm_yday:03d}"
        assert hdr1[41:47] == f" {exported:%y}{exported.timetuple().tm_yday:03d}"  # made on the export day

    @pytest.mark.parametrize(
        "exported,processed",
        [
            pytest.param(D(2026, 12, 24), D(2026, 12, 29), id="christmas"),
            pytest.param(D(2027, 3, 25), D(2027, 3, 30), id="easter"),
            pytest.param(D(2026, 6, 7), D(2026, 6, 8), id="sunday"),
        ],
    )
    def test_pain001_requested_execution_date(self, world, exported, processed):
        _, content = export_on(world, exported, "pain001")
        root = ElementTree.fromstring(content)
        assert root.find(".//p:PmtInf/p:ReqdExctnDt", PAIN_NS).text == processed.isoformat()
