"""The OpenAPI schema generates cleanly and the docs render; list answers cost the same few queries
however many rows they hold (no N+1)."""

import datetime
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests import scenario
from tests.helpers import ok


def test_schema_validates_without_warnings(db, tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yml"))
    schema = (tmp_path / "schema.yml").read_text()
    for name in (
        "/api/v1/cases/{case_id}/packages/",
        "/api/v1/payment-batches/{batch_id}/export/",
        "/api/v1/tasks/{task_id}/assign/",
        "/api/v1/cases/{case_id}/audit/",
        "/api/v1/auth/token/",
    ):
        assert name in schema


def test_docs_render(client, db):
    assert client.get("/api/v1/schema/").status_code == 200
    response = client.get("/api/v1/docs/")
    assert response.status_code == 200 and b"swagger" in response.content.lower()


@pytest.mark.django_db
class TestMe:
    @pytest.mark.parametrize(
        "username, roles, teams",
        [
            ("prac_east", ["practitioner"], ["east"]),
            ("tm_east", ["team_manager"], ["east"]),
            ("fin1", ["finance_officer"], []),
            ("sm", ["service_manager"], []),
        ],
    )
    def test_me(self, world, api, username, roles, teams):
        user = getattr(world.u, username)
        me = ok(api.as_user(user).get("/api/v1/users/me/"))
        assert me == {"username": user.username, "full_name": user.get_full_name(), "roles": roles, "teams": teams}


@pytest.mark.django_db
class TestReferenceLists:
    def test_localities_and_hubs(self, world, api):
        from tests.factories import HubFactory

        HubFactory(name="Leigh Park Family Hub", locality=world.east)
        HubFactory(name="Bridport Family Hub", locality=world.west)
        client = api.as_user(world.u.prac_east)
        assert ok(client.get("/api/v1/localities/"))["results"] == [
            {"code": "east", "name": "East"},
            {"code": "west", "name": "West"},
        ]
        hubs = ok(client.get("/api/v1/hubs/?locality=east"))
        assert hubs["count"] == 1 and hubs["results"][0] | {"id": 0} == {
            "id": 0,
            "name": "Leigh Park Family Hub",
            "kind": "main",
            "lead_organisation": "",
            "designated": "",
            "locality": "east",
            "status": "designated",
            "status_as_at": None,
        }
        assert ok(client.get("/api/v1/hubs/"))["count"] == 2


def queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        ok(client.get(url))
    return len(captured)


@pytest.mark.django_db
class TestListsDoNotGrowWithRows:
    def test_case_side_lists(self, world, api):
        first = scenario.package_submitted(world).case
        client = api.as_user(world.u.prac_east)
        urls = [
            "/api/v1/cases/",
            "/api/v1/tasks/",
            f"/api/v1/cases/{first.pk}/packages/",
            f"/api/v1/cases/{first.pk}/network-members/",
            f"/api/v1/cases/{first.pk}/meetings/",
            f"/api/v1/cases/{first.pk}/audit/",
        ]
        one = {url: queries(client, url) for url in urls}
        for _ in range(2):
            scenario.package_submitted(world)  # more cases, more tasks
        from fgdm import services as case_services
        from network_packages import services as package_services
        from network_packages.services import ItemInput

        returned = first.packages.get()
        package_services.package_return(package_id=returned.pk, by=world.u.tm_east, reason="Cheaper sofa bed, please")
        package_services.package_withdraw(package_id=returned.pk, by=world.u.prac_east)
        for name in ("Jo Hardy", "Sam Hardy"):
            member = case_services.member_add(
                case_id=first.pk, by=world.u.prac_east, full_name=name, relationship="aunt_uncle"
            )
            package = package_services.package_create(
                case_id=first.pk,
                by=world.u.prac_east,
                plan_id=returned.plan_id,
                justification="More",
                other_funding_checked=True,
                agreement_signed_on=timezone.localdate(),
                review_by=returned.review_by,
                items=[
                    ItemInput(
                        description=f"Bus pass {n}", category="transport", payee_id=member.pk, amount=Decimal("20.00")
                    )
                    for n in range(3)
                ],
            )
            if name == "Jo Hardy":  # one open package per case: the first draft is withdrawn
                package_services.package_withdraw(package_id=package.pk, by=world.u.prac_east)
        package_services.package_submit(package_id=package.pk, by=world.u.prac_east)
        package_services.package_approve(package_id=package.pk, by=world.u.tm_east)
        assert first.packages.count() == 3 and first.network_members.count() == 4
        more = {url: queries(client, url) for url in urls}
        assert more == one

    def test_money_side_lists(self, world, api):
        from payments import services as payment_services

        scenario.payments_authorised(world)
        client = api.as_user(world.u.fin1)
        batch = payment_services.batch_create(by=world.u.fin2)
        urls = [
            "/api/v1/payments/",
            "/api/v1/payment-batches/",
            f"/api/v1/payment-batches/{batch.pk}/",
            "/api/v1/tasks/",
        ]
        one = {url: queries(client, url) for url in urls}
        for _ in range(2):
            scenario.payments_authorised(world, amount=Decimal("100.00"), frequency="weekly", instalments=3)
        bigger = payment_services.batch_create(
            by=world.u.fin2, due_by=timezone.localdate() + datetime.timedelta(days=30)
        )
        assert bigger.payment_count == 6
        more = {
            url: queries(client, url) for url in urls[:2] + [f"/api/v1/payment-batches/{bigger.pk}/", "/api/v1/tasks/"]
        }
        assert list(more.values()) == list(one.values())
