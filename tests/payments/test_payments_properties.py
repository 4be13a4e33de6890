"""Property-based tests (hypothesis): for any package and schedule, payments sum to the package
total; for any batch, the CSV, BACS and pain.001 files sum to its payments — to the penny."""

import csv
import datetime
import functools
import io
import re
from decimal import Decimal
from types import SimpleNamespace
from xml.etree import ElementTree

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from network_packages import services as package_services
from network_packages.services import ItemInput
from payments import exports
from payments import services as payment_services
from tests import scenario
from tests.helpers import PAIN_NS, pain001_schema

# Each example drives a case through the whole flow, so few examples; the renderers alone get many.
DB_SETTINGS = settings(
    max_examples=3, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
money = st.decimals(
    min_value=Decimal("0.01"), max_value=Decimal("2500.00"), places=2, allow_nan=False, allow_infinity=False
)
item = st.one_of(
    st.tuples(money, st.just("one_off"), st.just(1)),
    st.tuples(money, st.sampled_from(["weekly", "monthly"]), st.integers(min_value=1, max_value=12)),
)


BACS_LABELS = {"VOL1", "HDR1", "HDR2", "UHL1", "EOF1", "EOF2", "UTL1"}


def files_sum(batch, contents: dict[str, bytes]) -> dict[str, tuple[int, Decimal]]:
    """(count, total) each file declares and (checked here) its detail records add up to."""
    out = {}
    rows = list(csv.DictReader(io.StringIO(contents["csv"].decode())))
    details = rows[:-1]
    assert Decimal(rows[-1]["amount"]) == sum(Decimal(r["amount"]) for r in details)
    out["csv"] = (int(rows[-1]["payee"]), Decimal(rows[-1]["amount"]))
    records = contents["bacs18"].decode("ascii").split("\r\n")[:-1]
    assert all(len(r) == (80 if r[:4] in BACS_LABELS else 100) for r in records)
    assert all(re.fullmatch(r"[A-Z0-9.&/\- ]*", r) for r in records)
    credits = [r for r in records[4:-4] if r[15:17] == "99"]  # between the labels and the trailer labels
    utl1 = records[-1]
    assert int(utl1[17:30]) == sum(int(r[35:46]) for r in credits) == int(utl1[4:17])
    out["bacs18"] = (int(utl1[37:44]), Decimal(int(utl1[17:30])) / 100)
    root = ElementTree.fromstring(contents["pain001"])
    amounts = [Decimal(a.text) for a in root.iterfind(".//p:CdtTrfTxInf/p:Amt/p:InstdAmt", PAIN_NS)]
    header = root.find("p:CstmrCdtTrfInitn/p:GrpHdr", PAIN_NS)
    assert Decimal(header.find("p:CtrlSum", PAIN_NS).text) == sum(amounts)
    out["pain001"] = (int(header.find("p:NbOfTxs", PAIN_NS).text), Decimal(header.find("p:CtrlSum", PAIN_NS).text))
    return out


@pytest.mark.django_db
class TestThroughTheServices:
    @DB_SETTINGS
    @given(items=st.lists(item, min_size=1, max_size=4))
    def test_payments_sum_to_the_package_total(self, world, items):
        scenario.no_payee_cap_or_checks()
        case, grandmother, plan = scenario.plan_accepted(world)
        package = package_services.package_create(
            case_id=case.pk,
            by=case.lead_practitioner,
            plan_id=plan.pk,
            justification="Support",
            other_funding_checked=True,
            agreement_signed_on=timezone.localdate(),
            review_by=timezone.localdate() + datetime.timedelta(days=42),
            items=[
                ItemInput(
                    description=f"Item {n}",
                    category="childcare",
                    payee_id=grandmother.pk,
                    amount=amount,
                    frequency=frequency,
                    instalments=count,
                )
                for n, (amount, frequency, count) in enumerate(items)
            ],
        )
        package_services.package_submit(package_id=package.pk, by=case.lead_practitioner)
        package = package_services.package_approve(package_id=package.pk, by=world.u.hos)
        expected = sum((amount * count for amount, _, count in items), Decimal("0.00"))
        payments = list(package.payments.all())
        assert package.total == expected == sum(p.amount for p in payments)
        assert len(payments) == sum(count for _, _, count in items)

    @DB_SETTINGS
    @given(items=st.lists(item, min_size=1, max_size=3))
    def test_batch_files_sum_to_their_payments(self, world, items):
        scenario.no_payee_cap_or_checks()
        case, grandmother, plan = scenario.plan_accepted(world)
        package = package_services.package_create(
            case_id=case.pk,
            by=case.lead_practitioner,
            plan_id=plan.pk,
            justification="Support",
            other_funding_checked=True,
            agreement_signed_on=timezone.localdate(),
            review_by=timezone.localdate() + datetime.timedelta(days=42),
            items=[
                ItemInput(
                    description=f"Item {n}",
                    category="transport",
                    payee_id=grandmother.pk,
                    amount=amount,
                    frequency=frequency,
                    instalments=count,
                )
                for n, (amount, frequency, count) in enumerate(items)
            ],
        )
        package_services.package_submit(package_id=package.pk, by=case.lead_practitioner)
        package = package_services.package_approve(package_id=package.pk, by=world.u.hos)
        payment_services.bank_account_set(
            member_id=grandmother.pk,
            by=world.u.fin1,
            account_name="Mrs Ødegård-Hardy",
            sort_code="089999",
            account_number="66374958",
        )
        payment_services.bank_account_verify(member_id=grandmother.pk, by=world.u.fin2, confirm_shared_account=True)
        for payment in package.payments.order_by("id"):
            payment_services.payment_authorise(payment_id=payment.pk, by=world.u.fin1)
        batch = payment_services.batch_create(
            by=world.u.fin1, payment_ids=list(package.payments.values_list("id", flat=True))
        )
        payment_services.batch_approve(batch_id=batch.pk, by=world.u.fin2)
        contents = {
            fmt: payment_services.batch_export(batch_id=batch.pk, by=world.u.fin1, export_format=fmt)[1]
            for fmt in ("csv", "bacs18", "pain001")
        }
        payments_total = sum(p.amount for p in package.payments.all())
        assert batch.total == payments_total == package.total
        for fmt, (count, total) in files_sum(batch, contents).items():
            assert (count, total) == (package.payments.count(), payments_total), fmt


@functools.cache
def schema():
    return pain001_schema()


names = st.text(min_size=1, max_size=60).filter(lambda t: t.strip())


@settings(max_examples=40, deadline=None)
@given(
    payments=st.lists(
        st.tuples(
            st.decimals(
                min_value=Decimal("0.01"),
                max_value=Decimal("99999.99"),
                places=2,
                allow_nan=False,
                allow_infinity=False,
            ),
            names,
        ),
        min_size=1,
        max_size=25,
    ),
    originator_name=names,
)
def test_renderers_total_to_the_penny_for_any_amounts_and_names(payments, originator_name):
    """The renderers alone, on plain objects: any amounts and any (unicode) names."""
    batch = SimpleNamespace(
        pk=7,
        reference="FNB-20260401-0007",
        payment_count=len(payments),
        total=sum((a for a, _ in payments), Decimal("0.00")),
    )
    rows = [
        SimpleNamespace(
            reference=f"FNSP{n:08d}",
            amount=amount,
            due_on=datetime.date(2026, 4, 1),
            case=SimpleNamespace(reference="FGDM-2026-000001", locality=SimpleNamespace(code="east")),
            payee=SimpleNamespace(
                bank_account=SimpleNamespace(account_name=name, sort_code="089999", account_number="66374958")
            ),
        )
        for n, (amount, name) in enumerate(payments, start=1)
    ]
    originator = exports.Originator(
        name=originator_name, sort_code="400000", account_number="12165678", service_user_number="123456"
    )
    at = datetime.datetime(2026, 4, 1, 9, 30, tzinfo=datetime.timezone.utc)
    contents = {
        fmt: b"".join(exports.render(fmt, batch, rows, originator=originator, exported_at=at))
        for fmt in ("csv", "bacs18", "pain001")
    }
    for fmt, (count, total) in files_sum(batch, contents).items():
        assert (count, total) == (len(payments), batch.total), fmt
    assert (
        len(contents["bacs18"].split(b"\r\n")) == len(payments) + 9
    )  # 4 labels, contra, 3 labels, and after the last CRLF
    schema().validate(contents["pain001"].decode("utf-8"))
