"""Reads of sensitive records are logged through every door; a case's timeline (page, CSV, API) is
filterable, newest first, paginated, shown only to those who see the whole case, and each read of it
is logged."""

import csv
import datetime
import io

import pytest
from django.urls import reverse

from audit.models import AccessLog, DomainEvent
from tests import scenario
from tests.factories import UserFactory
from tests.helpers import ok


def reads(**where):
    return list(
        AccessLog.objects.filter(**where).order_by("pk").values_list("actor_username", "door", "what", "case_id")
    )


@pytest.mark.django_db
class TestReadsAreLogged:
    def test_case_page(self, world, client):
        case = scenario.allocated(world)
        client.force_login(world.u.prac_east)
        assert client.get(reverse("fgdm:case_detail", args=[case.pk])).status_code == 200
        assert reads(what="case") == [("prac.east", "page", "case", case.pk)]

    def test_case_page_out_of_scope_logs_nothing(self, world, client):
        case = scenario.allocated(world)
        client.force_login(world.u.prac_west)
        assert client.get(reverse("fgdm:case_detail", args=[case.pk])).status_code == 404
        assert reads() == []

    def test_plan_page_and_api(self, world, client, api):
        case, _, plan = scenario.meeting_held(world)
        client.force_login(world.u.prac_east)
        assert client.get(reverse("fgdm:plan_detail", args=[plan.pk])).status_code == 200
        ok(api.as_user(world.u.auditor).get(f"/api/v1/plans/{plan.pk}/"))
        assert reads(what="plan") == [("prac.east", "page", "plan", case.pk), ("auditor", "api", "plan", case.pk)]

    def test_case_through_the_api(self, world, api):
        case = scenario.allocated(world)
        ok(api.as_user(world.u.tm_east).get(f"/api/v1/cases/{case.pk}/"))
        assert reads(what="case") == [("tm.east", "api", "case", case.pk)]

    def test_bank_details_page_and_api(self, world, client, api):
        package = scenario.payments_authorised(world)
        payee = package.items.first().payee
        client.force_login(world.u.fin1)
        assert client.get(reverse("payments:bank_details", args=[payee.pk])).status_code == 200
        ok(api.as_user(world.u.fin2).get(f"/api/v1/network-members/{payee.pk}/bank-account/"))
        assert reads(what="bank_details") == [
            ("fin1", "page", "bank_details", package.case_id),
            ("fin2", "api", "bank_details", package.case_id),
        ]

    def test_admin_change_pages(self, world, client):
        admin = UserFactory(username="admin", is_staff=True, is_superuser=True)
        package = scenario.payments_authorised(world)
        case = package.case
        payee = package.items.first().payee
        client.force_login(admin)
        for obj in (case, payee, package.plan, payee.bank_account):
            url = reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])
            assert client.get(url).status_code == 200
        assert client.get(reverse("admin:fgdm_case_changelist")).status_code == 200  # a list: not a read of one
        assert reads(door="admin") == [
            ("admin", "admin", "case", case.pk),
            ("admin", "admin", "network_member", case.pk),
            ("admin", "admin", "plan", case.pk),
            ("admin", "admin", "bank_details", case.pk),
        ]
        assert AccessLog.objects.get(what="network_member").object_id == payee.pk


def timeline_of(client, case_id, **params):
    response = ok(client.get(f"/api/v1/cases/{case_id}/audit/", params))
    return response


@pytest.mark.django_db
class TestTimelineApi:
    def test_default_is_the_domain_events_and_the_read_is_logged(self, world, api):
        package = scenario.package_approved(world)
        client = api.as_user(world.u.auditor)
        body = timeline_of(client, package.case_id)
        stored = DomainEvent.objects.filter(case_id=package.case_id).order_by("-at", "-id")
        assert [(e["action"], e["actor"]) for e in body["results"]] == [(e.action, e.actor_username) for e in stored]
        assert {e["kind"] for e in body["results"]} == {"people", "decisions", "money"}
        assert reads(what="trail") == [("auditor", "api", "trail", package.case_id)]

    @pytest.mark.parametrize(
        "kind, expected",
        [
            ("money", {"package_drafted", "package_submitted", "package_approved", "payments_scheduled"}),
            ("people", {"case_allocated", "member_added", "consent_recorded"}),
            (
                "decisions",
                {
                    "case_referred",
                    "meeting_scheduled",
                    "case_meeting_planned",
                    "meeting_held",
                    "plan_agreed",
                    "case_plan_agreed",
                    "plan_accepted",
                    "case_plan_accepted",
                },
            ),
        ],
    )
    def test_filter_by_kind(self, world, api, kind, expected):
        package = scenario.package_approved(world)
        body = timeline_of(api.as_user(world.u.auditor), package.case_id, kind=kind)
        assert {e["action"] for e in body["results"]} <= expected
        assert {e["action"] for e in body["results"]} >= expected - {"consent_recorded"}
        assert {e["kind"] for e in body["results"]} == {kind}

    def test_workflow_and_access_kinds(self, world, api, client):
        case = scenario.allocated(world)
        client.force_login(world.u.prac_east)
        client.get(reverse("fgdm:case_detail", args=[case.pk]))
        body = timeline_of(api.as_user(world.u.auditor), case.pk, kind="workflow,access")
        rows = [(e["kind"], e["action"], e["actor"]) for e in body["results"]]
        assert ("workflow", "task_completed", "tm.east") in rows  # the allocation step
        assert ("access", "read_case", "prac.east") in rows
        assert [e["action"] for e in body["results"][:2]] == ["read_trail", "read_case"]  # newest first, this read too
        allocate = next(e for e in body["results"] if e["action"] == "task_completed")
        assert allocate["changes"] == {"task": "allocate"}

    def test_filter_by_actor_and_dates(self, world, api, today):
        package = scenario.package_approved(world)
        client = api.as_user(world.u.auditor)
        by_tm = timeline_of(client, package.case_id, actor="tm.east")["results"]
        assert {e["action"] for e in by_tm} == {"case_allocated", "package_approved", "payments_scheduled"}
        assert timeline_of(client, package.case_id, since=today.isoformat(), until=today.isoformat())["count"] > 5
        tomorrow = (today + datetime.timedelta(days=1)).isoformat()
        assert timeline_of(client, package.case_id, since=tomorrow)["count"] == 0

    @pytest.mark.parametrize(
        "params", [{"kind": "gossip"}, {"since": "yesterday"}, {"since": "2026-02-02", "until": "2026-02-01"}]
    )
    def test_bad_filters_are_400(self, world, api, params):
        case = scenario.referral(world)
        response = api.as_user(world.u.auditor).get(f"/api/v1/cases/{case.pk}/audit/", params)
        assert response.status_code == 400
        assert not AccessLog.objects.filter(what="trail").exists()

    def test_paginated_across_sources(self, world, api, monkeypatch):
        from rest_framework.pagination import PageNumberPagination

        monkeypatch.setattr(PageNumberPagination, "page_size", 3)
        case = scenario.allocated(world)
        client = api.as_user(world.u.auditor)
        for _ in range(3):
            ok(client.get(f"/api/v1/cases/{case.pk}/"))
        first = timeline_of(client, case.pk, kind="people,decisions,workflow,access")
        second = ok(client.get(first["next"]))
        assert len(first["results"]) == 3 and first["count"] >= 7
        seen = first["results"] + second["results"]
        assert [e["at"] for e in seen] == sorted((e["at"] for e in seen), reverse=True)


@pytest.mark.django_db
class TestTimelinePage:
    def test_page_lists_filters_and_logs_the_read(self, world, client):
        package = scenario.package_approved(world)
        client.force_login(world.u.auditor)
        url = reverse("fgdm:case_timeline", args=[package.case_id])
        response = client.get(url)
        assert response.status_code == 200
        text = response.content.decode()
        assert "Support package approved" in text and "Referral received" in text and "Download as CSV" in text
        money = client.get(url, {"kind": "money"}).content.decode()
        assert "Support package approved" in money and "Referral received" not in money
        assert reads(what="trail") == [("auditor", "page", "trail", package.case_id)] * 2

    def test_case_page_links_to_it(self, world, client):
        case = scenario.referral(world)
        client.force_login(world.u.prac_east)
        assert (
            reverse("fgdm:case_timeline", args=[case.pk])
            in client.get(reverse("fgdm:case_detail", args=[case.pk])).content.decode()
        )

    def test_bad_filters_show_an_error_not_a_500(self, world, client):
        case = scenario.referral(world)
        client.force_login(world.u.auditor)
        response = client.get(reverse("fgdm:case_timeline", args=[case.pk]), {"since": "soon"})
        assert response.status_code == 200 and "The start date must be a real date" in response.content.decode()

    @pytest.mark.parametrize(
        "username, code",
        [
            ("prac_east", 200),
            ("tm_east", 200),
            ("auditor", 200),
            ("prac_west", 404),
            ("fin1", 404),
            ("coord", 404),
        ],
    )
    def test_who_may_read_it(self, world, client, username, code):
        case = scenario.meeting_held(world, model="fgc")[0]
        client.force_login(getattr(world.u, username))
        assert client.get(reverse("fgdm:case_timeline", args=[case.pk])).status_code == code


@pytest.mark.django_db
class TestTimelineCsv:
    def test_auditor_downloads_the_filtered_trail_streamed(self, world, client):
        package = scenario.package_approved(world)
        client.force_login(world.u.auditor)
        response = client.get(reverse("fgdm:case_timeline_csv", args=[package.case_id]), {"kind": "money"})
        assert response.status_code == 200 and response.streaming
        assert response["Content-Disposition"].startswith('attachment; filename="FGDM-')
        rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
        assert {r["action"] for r in rows} == {
            "package_drafted",
            "package_submitted",
            "package_approved",
            "payments_scheduled",
        }
        approved = next(r for r in rows if r["action"] == "package_approved")
        assert (approved["actor"], approved["kind"], approved["to_state"]) == ("tm.east", "money", "approved")
        assert reads(what="trail_csv") == [("auditor", "page", "trail_csv", package.case_id)]

    def test_free_text_cannot_become_a_formula(self, world, client):
        from fgdm import services as case_services

        case, _, plan = scenario.meeting_held(world)
        case_services.plan_return(plan_id=plan.pk, by=world.u.prac_east, reason='=HYPERLINK("http://x")')
        client.force_login(world.u.auditor)
        body = b"".join(client.get(reverse("fgdm:case_timeline_csv", args=[case.pk])).streaming_content).decode()
        assert "'=HYPERLINK" in body

    def test_practitioners_see_the_page_but_not_the_download(self, world, client):
        case = scenario.referral(world)
        client.force_login(world.u.prac_east)
        assert client.get(reverse("fgdm:case_timeline_csv", args=[case.pk])).status_code == 403
        assert "Download as CSV" not in client.get(reverse("fgdm:case_timeline", args=[case.pk])).content.decode()
