"""A case's stage changes at any time (family help ↔ child protection ↔ pre-proceedings ↔ kinship),
with a date, a reason and who changed it, and is kept as its stage history — through the service,
the API and the pages, with every refusal leaving nothing behind. Rules that depend on the stage
(the pre-proceedings duty, conferences at pre-proceedings) follow the current stage."""

import datetime

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.models import DomainEvent
from core.exceptions import InvalidTransition, NotPermitted, RuleBroken, SeparationOfDuties
from fgdm import services
from fgdm.constants import PreProceedingsStatus, Stage
from fgdm.models import Case, PreProceedings, StageChange
from tests import scenario
from tests.helpers import counts, ok, page_ok, post

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def history(case):
    return list(
        StageChange.objects.filter(case=case).values_list(
            "from_stage", "to_stage", "changed_on", "reason", "changed_by"
        )
    )


def opened_days_ago(world, days, **kwargs):
    """An allocated case whose referral was opened `days` days ago."""
    moment = timezone.now() - datetime.timedelta(days=days)
    with time_machine.travel(moment, tick=False):
        case = scenario.allocated(world, **kwargs)
    case.refresh_from_db()
    assert case.opened_on == TODAY() - datetime.timedelta(days=days)
    return case


def change(
    case, by, stage="pre_proceedings", reason="The legal gateway meeting decided to start pre-proceedings.", **kw
):
    return services.case_change_stage(case_id=case.pk, by=by, stage=stage, reason=reason, **kw)


def snapshot(case):
    """Everything a refused change could have touched: every table's row count and the case."""
    fresh = Case.objects.get(pk=case.pk)
    return counts(), (fresh.stage, fresh.status, fresh.updated_at)


class TestReferral:
    def test_the_referral_is_the_first_row_of_the_history(self, world):
        case = scenario.referral(world, stage="child_protection")
        assert history(case) == [("", "child_protection", case.opened_on, "", world.u.prac_east.pk)]
        # The referral's own event records it: no second event for the first stage.
        assert list(DomainEvent.objects.filter(case_id=case.pk).values_list("action", flat=True)) == ["case_referred"]

    def test_the_first_row_comes_through_the_api_too(self, world, api):
        body = ok(
            api.as_user(world.u.tm_east).post(
                "/api/v1/cases/",
                {
                    "family_name": "Ashley",
                    "locality": "east",
                    "stage": "kinship",
                    "referral_reason": "Nan has the children",
                    "children": [{"first_name": "Maisie", "last_name": "Ashley", "date_of_birth": "2018-05-14"}],
                },
                format="json",
            ),
            201,
        )
        [first] = body["stage_history"]
        assert first | {"changed_at": None} == {
            "from_stage": "",
            "to_stage": "kinship",
            "changed_on": TODAY().isoformat(),
            "reason": "",
            "changed_by": "tm.east",
            "changed_at": None,
        }


class TestChangeStage:
    def test_each_change_moves_the_stage_adds_a_row_and_leaves_one_event(self, world):
        case = opened_days_ago(world, 10)
        week_ago = TODAY() - datetime.timedelta(days=7)
        case = change(
            case, world.u.prac_east, "child_protection", "Strategy discussion: section 47", changed_on=week_ago
        )
        assert case.stage == Stage.CHILD_PROTECTION
        case = change(case, world.u.tm_east, "pre_proceedings", "  Legal gateway meeting  ")
        assert Case.objects.get(pk=case.pk).stage == Stage.PRE_PROCEEDINGS
        assert history(case) == [
            ("", "family_help", TODAY() - datetime.timedelta(days=10), "", world.u.prac_east.pk),
            ("family_help", "child_protection", week_ago, "Strategy discussion: section 47", world.u.prac_east.pk),
            ("child_protection", "pre_proceedings", TODAY(), "Legal gateway meeting", world.u.tm_east.pk),
        ]
        events = DomainEvent.objects.filter(case_id=case.pk, action="stage_changed").order_by("id")
        assert [(e.from_state, e.to_state, e.reason, e.actor_username, e.changes) for e in events] == [
            (
                "family_help",
                "child_protection",
                "Strategy discussion: section 47",
                "prac.east",
                {"changed_on": week_ago.isoformat()},
            ),
            (
                "child_protection",
                "pre_proceedings",
                "Legal gateway meeting",
                "tm.east",
                {"changed_on": TODAY().isoformat()},
            ),
        ]
        assert all(e.object_type == "case" and e.object_id == case.pk for e in events)

    def test_back_and_forth_and_on_the_day_it_opened(self, world):
        case = opened_days_ago(world, 3)
        opened = case.opened_on
        change(case, world.u.prac_east, "kinship", "Aunt caring for the children", changed_on=opened)
        change(case, world.u.prac_east, "family_help", "Back home with mum", changed_on=opened)  # same day: fine
        change(case, world.u.prac_east, "kinship", "Mum in hospital again")
        assert [row[:2] for row in history(case)] == [
            ("", "family_help"),
            ("family_help", "kinship"),
            ("kinship", "family_help"),
            ("family_help", "kinship"),
        ]

    @pytest.mark.parametrize("who", ["prac_east", "prac_east2", "tm_east", "sm", "hos"])
    def test_the_cases_practitioners_and_its_managers_may(self, world, who):
        """The lead, a practitioner of the team, a team manager of the team, and the service manager
        and head of service (managers over every locality)."""
        case = scenario.allocated(world)
        change(case, getattr(world.u, who))
        assert StageChange.objects.get(case=case, from_stage="family_help").changed_by == getattr(world.u, who)

    def test_the_lead_practitioner_may_even_outside_the_team(self, world):
        case = scenario.allocated(world)
        world.team_east.members.remove(world.u.prac_east)
        change(case, world.u.prac_east)
        assert Case.objects.get(pk=case.pk).stage == Stage.PRE_PROCEEDINGS


class TestRefusals:
    """Each refusal says why and changes nothing: not the case, no history row, no event."""

    @pytest.mark.parametrize("who", ["prac_west", "tm_west", "coord", "auditor", "fin1"])
    def test_nobody_else_may(self, world, who):
        case = scenario.allocated(world)
        before = snapshot(case)
        with pytest.raises(NotPermitted):
            change(case, getattr(world.u, who))
        assert snapshot(case) == before

    def test_a_declared_conflict_stops_even_the_lead(self, world):
        case = scenario.allocated(world)
        services.conflict_declare(by=world.u.prac_east, case_reference=case.reference, reason="My neighbour")
        before = snapshot(case)
        with pytest.raises(SeparationOfDuties):
            change(case, world.u.prac_east)
        assert snapshot(case) == before

    @pytest.mark.parametrize(
        "kwargs, error, field, message",
        [
            ({"stage": "court"}, RuleBroken, "stage", "Unknown stage “court”"),
            ({"stage": ""}, RuleBroken, "stage", "Unknown stage"),
            ({"stage": "family_help"}, InvalidTransition, None, "already at family help"),
            ({"reason": ""}, RuleBroken, "reason", "Say why the stage changes"),
            ({"reason": "   "}, RuleBroken, "reason", "Say why the stage changes"),
            ({"changed_on": "tomorrow"}, RuleBroken, "changed_on", "in the future"),
            ({"changed_on": "before_opened"}, RuleBroken, "changed_on", "before the case opened"),
        ],
    )
    def test_bad_changes(self, world, kwargs, error, field, message):
        case = opened_days_ago(world, 5)
        dates = {
            "tomorrow": TODAY() + datetime.timedelta(days=1),
            "before_opened": case.opened_on - datetime.timedelta(days=1),
        }
        if "changed_on" in kwargs:
            kwargs = {"changed_on": dates[kwargs["changed_on"]]}
        before = snapshot(case)
        with pytest.raises(error, match=message) as refused:
            change(case, world.u.prac_east, **kwargs)
        assert refused.value.field == field
        assert snapshot(case) == before

    def test_not_dated_before_the_last_change(self, world):
        """The history reads in order: a change cannot be dated before the one it follows."""
        case = opened_days_ago(world, 10)
        change(
            case, world.u.prac_east, "child_protection", "Section 47", changed_on=TODAY() - datetime.timedelta(days=2)
        )
        before = snapshot(case)
        with pytest.raises(RuleBroken, match="before its last change") as refused:
            change(case, world.u.prac_east, changed_on=TODAY() - datetime.timedelta(days=3))
        assert refused.value.field == "changed_on"
        assert snapshot(case) == before

    def test_a_closed_case_stays_at_its_stage(self, world):
        case = scenario.closed_case(world, born=datetime.date(2017, 3, 9))
        before = snapshot(case)
        with pytest.raises(InvalidTransition, match="closed"):
            change(case, world.u.prac_east)
        with pytest.raises(InvalidTransition, match="closed"):
            change(case, world.u.tm_east, stage="kinship")
        assert snapshot(case) == before


class TestRulesFollowTheCurrentStage:
    """The pre-proceedings duty starts when the council records its intention to apply to court, at
    whatever stage the case is (s.31ZA is not limited to cases at pre-proceedings), and a change of
    stage does not end it. The meeting rule of pre-proceedings follows the case's current stage."""

    def parent(self, case):
        return case.network_members.get(is_parent=True)

    def test_the_duty_starts_with_the_intention_at_any_stage(self, world):
        case, _ = scenario.with_network(world, stage="family_help")
        with pytest.raises(InvalidTransition, match="intention to apply"):
            services.pre_proceedings_record_offer(
                case_id=case.pk,
                by=world.u.prac_east,
                member_id=self.parent(case).pk,
                method="letter",
                offered_on=TODAY(),
            )
        assert not PreProceedings.objects.filter(case=case).exists()
        record = services.pre_proceedings_record_intention(
            case_id=case.pk, by=world.u.prac_east, order_kind="interim_care", intended_on=TODAY()
        )
        assert (record.status, record.stage_at_intention) == (PreProceedingsStatus.INTENDED, "family_help")
        services.pre_proceedings_record_offer(
            case_id=case.pk, by=world.u.prac_east, member_id=self.parent(case).pk, method="letter", offered_on=TODAY()
        )
        assert PreProceedings.objects.get(case=case).status == PreProceedingsStatus.OFFERED

    def test_a_duty_begun_continues_when_the_case_changes_stage(self, world):
        case, _ = scenario.with_network(world, stage="pre_proceedings")
        services.pre_proceedings_record_intention(
            case_id=case.pk, by=world.u.prac_east, order_kind="care", intended_on=TODAY()
        )
        offer = services.pre_proceedings_record_offer(
            case_id=case.pk, by=world.u.prac_east, member_id=self.parent(case).pk, method="letter", offered_on=TODAY()
        )
        change(case, world.u.prac_east, "child_protection", "Stepped down while the family's meeting is arranged")
        offer = services.pre_proceedings_record_answer(
            case_id=case.pk, by=world.u.prac_east, offer_id=offer.pk, answer="declined", answered_on=TODAY()
        )
        assert offer.answer == "declined"
        record = services.pre_proceedings_record_application(case_id=case.pk, by=world.u.tm_east, made_on=TODAY())
        assert record.application_basis == "declined"

    def test_meetings_arranged_at_pre_proceedings_have_a_coordinator_by_the_current_stage(self, world):
        moved_in, _ = scenario.with_network(world, stage="family_help")
        change(moved_in, world.u.prac_east, "pre_proceedings", "Legal gateway meeting")
        arrange = dict(
            by=world.u.prac_east, scheduled_for=timezone.now() + datetime.timedelta(days=7), venue="Leigh Park Hub"
        )
        with pytest.raises(RuleBroken, match="run by an independent coordinator"):
            services.meeting_schedule(case_id=moved_in.pk, model="fnm", **arrange)
        assert services.meeting_schedule(case_id=moved_in.pk, model="fgc", coordinator=world.u.coord, **arrange).pk

        moved_out, _ = scenario.with_network(world, stage="pre_proceedings")
        change(moved_out, world.u.prac_east, "family_help", "Stepped down")
        assert services.meeting_schedule(case_id=moved_out.pk, model="fnm", **arrange).model == "fnm"

    def test_the_case_page_shows_the_duty_at_every_stage(self, world, client):
        case, _ = scenario.with_network(world, stage="family_help")
        client.force_login(world.u.prac_east)
        url = reverse("fgdm:case_detail", args=[case.pk])
        assert "Pre-proceedings duty" in page_ok(client, url).content.decode()
        change(case, world.u.prac_east)
        assert "No intention to apply recorded" in page_ok(client, url).content.decode()


class TestApi:
    def url(self, case):
        return f"/api/v1/cases/{case.pk}/stage/"

    def test_change_and_read_the_history(self, world, api):
        case = opened_days_ago(world, 4)
        client = api.as_user(world.u.prac_east)
        body = ok(
            client.post(
                self.url(case),
                {"stage": "child_protection", "reason": "Section 47", "changed_on": case.opened_on.isoformat()},
                format="json",
            )
        )
        assert body["id"] == case.pk and body["stage"] == "child_protection"
        body = ok(
            api.as_user(world.u.sm).post(
                self.url(case), {"stage": "pre_proceedings", "reason": "Legal gateway"}, format="json"
            )
        )
        detail = ok(api.as_user(world.u.auditor).get(f"/api/v1/cases/{case.pk}/"))
        assert detail["stage"] == "pre_proceedings"
        assert detail["stage_history"] == body["stage_history"]
        rows = [{k: v for k, v in row.items() if k != "changed_at"} for row in detail["stage_history"]]
        assert rows == [
            {
                "from_stage": "",
                "to_stage": "family_help",
                "changed_on": case.opened_on.isoformat(),
                "reason": "",
                "changed_by": "prac.east",
            },
            {
                "from_stage": "family_help",
                "to_stage": "child_protection",
                "changed_on": case.opened_on.isoformat(),
                "reason": "Section 47",
                "changed_by": "prac.east",
            },
            {
                "from_stage": "child_protection",
                "to_stage": "pre_proceedings",
                "changed_on": TODAY().isoformat(),
                "reason": "Legal gateway",
                "changed_by": "sm",
            },
        ]
        assert all(row["changed_at"] for row in detail["stage_history"])
        assert DomainEvent.objects.filter(case_id=case.pk, action="stage_changed").count() == 2

    @pytest.mark.parametrize(
        "body, status, errors",
        [
            ({"stage": "court", "reason": "x"}, 400, {"stage"}),
            ({"reason": "x"}, 400, {"stage"}),
            ({"stage": "kinship"}, 400, {"reason"}),
            ({"stage": "kinship", "reason": ""}, 400, {"reason"}),
            ({"stage": "kinship", "reason": "   "}, 400, {"reason"}),
            ({"stage": "kinship", "reason": "x", "changed_on": "tomorrow"}, 400, {"changed_on"}),
            ({"stage": "kinship", "reason": "x", "changed_on": "before_opened"}, 400, {"changed_on"}),
            ({"stage": "kinship", "reason": "x", "changed_on": "1 May"}, 400, {"changed_on"}),
            ({"stage": "family_help", "reason": "x"}, 409, {"detail"}),
        ],
    )
    def test_refusals_change_nothing(self, world, api, body, status, errors):
        case = opened_days_ago(world, 2)
        dates = {
            "tomorrow": (TODAY() + datetime.timedelta(days=1)).isoformat(),
            "before_opened": (case.opened_on - datetime.timedelta(days=1)).isoformat(),
        }
        if body.get("changed_on") in dates:
            body = body | {"changed_on": dates[body["changed_on"]]}
        before = snapshot(case)
        response = api.as_user(world.u.prac_east).post(self.url(case), body, format="json")
        assert response.status_code == status, response.json()
        assert set(response.json()) == errors
        if status == 409:
            assert "already at family help" in response.json()["detail"]
        assert snapshot(case) == before

    @pytest.mark.parametrize(
        "who, status",
        [("prac_west", 404), ("fin1", 404), ("coord", 403), ("auditor", 403), ("tm_west", 404)],
    )
    def test_who_may_not(self, world, api, who, status):
        case = scenario.meeting_held(world, model="fgc")[0]  # coord sees it as its conference's coordinator
        before = snapshot(case)
        response = api.as_user(getattr(world.u, who)).post(
            self.url(case), {"stage": "kinship", "reason": "x"}, format="json"
        )
        assert response.status_code == status
        assert snapshot(case) == before

    def test_a_closed_case_answers_409(self, world, api):
        case = scenario.closed_case(world, born=datetime.date(2017, 3, 9))
        before = snapshot(case)
        response = api.as_user(world.u.tm_east).post(self.url(case), {"stage": "kinship", "reason": "x"}, format="json")
        assert response.status_code == 409 and "closed" in response.json()["detail"]
        assert snapshot(case) == before

    def test_the_case_costs_the_same_queries_however_long_its_history(self, world, api):
        case = scenario.allocated(world)
        client = api.as_user(world.u.prac_east)
        url = f"/api/v1/cases/{case.pk}/"

        def queries():
            with CaptureQueriesContext(connection) as captured:
                ok(client.get(url))
            return len(captured)

        one = queries()
        for stage in ("child_protection", "pre_proceedings", "kinship", "family_help", "child_protection"):
            change(case, world.u.tm_east, stage, f"To {stage}")
        assert len(ok(client.get(url))["stage_history"]) == 6
        assert queries() == one

    def test_the_schema_names_the_endpoint_and_the_history(self, db, tmp_path):
        call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yml"))
        schema = (tmp_path / "schema.yml").read_text()
        assert "/api/v1/cases/{case_id}/stage/" in schema
        assert "stage_history:" in schema and "StageChange:" in schema


class TestPages:
    def test_change_the_stage_on_the_page(self, world, client):
        case = opened_days_ago(world, 3)
        client.force_login(world.u.prac_east)
        detail = page_ok(client, reverse("fgdm:case_detail", args=[case.pk])).content.decode()
        url = reverse("fgdm:case_stage", args=[case.pk])
        assert f'href="{url}"' in detail and "Change the stage" in detail
        form = page_ok(client, url).content.decode()
        assert 'value="pre_proceedings"' in form and 'value="family_help"' not in form  # not where it is already
        response = post(
            client,
            url,
            {"stage": "pre_proceedings", "reason": "Legal gateway meeting", "changed_on": case.opened_on.isoformat()},
        )
        assert response["Location"] == reverse("fgdm:case_detail", args=[case.pk])
        case.refresh_from_db()
        assert case.stage == Stage.PRE_PROCEEDINGS
        assert history(case)[-1] == (
            "family_help",
            "pre_proceedings",
            case.opened_on,
            "Legal gateway meeting",
            world.u.prac_east.pk,
        )
        detail = page_ok(client, reverse("fgdm:case_detail", args=[case.pk])).content.decode()
        assert f"{case.reference} is now at pre-proceedings." in detail
        history_table = detail.split('id="stage-history"')[1].split("</table>")[0]
        assert "At referral" in history_table and "Legal gateway meeting" in history_table
        assert history_table.index("At referral") < history_table.index("Legal gateway meeting")  # oldest first

    def test_a_manager_is_offered_it_too(self, world, client):
        case = scenario.allocated(world)
        client.force_login(world.u.tm_east)
        detail = page_ok(client, reverse("fgdm:case_detail", args=[case.pk])).content.decode()
        assert reverse("fgdm:case_stage", args=[case.pk]) in detail
        post(client, reverse("fgdm:case_stage", args=[case.pk]), {"stage": "kinship", "reason": "Aunt has them"})
        assert Case.objects.get(pk=case.pk).stage == Stage.KINSHIP

    @pytest.mark.parametrize("who", ["coord", "auditor"])
    def test_not_offered_to_those_who_may_not(self, world, client, who):
        case = scenario.meeting_held(world, model="fgc")[0]
        client.force_login(getattr(world.u, who))
        detail = page_ok(client, reverse("fgdm:case_detail", args=[case.pk])).content.decode()
        assert reverse("fgdm:case_stage", args=[case.pk]) not in detail
        assert 'id="stage-history"' in detail  # the history is part of the case they see
        assert client.get(reverse("fgdm:case_stage", args=[case.pk])).status_code == 403

    def test_not_offered_on_a_closed_case_and_refused_there(self, world, client):
        case = scenario.closed_case(world, born=datetime.date(2017, 3, 9))
        client.force_login(world.u.prac_east)
        detail = page_ok(client, reverse("fgdm:case_detail", args=[case.pk])).content.decode()
        assert reverse("fgdm:case_stage", args=[case.pk]) not in detail
        before = snapshot(case)
        response = client.post(reverse("fgdm:case_stage", args=[case.pk]), {"stage": "kinship", "reason": "x"})
        assert response.status_code == 409 and "its stage cannot change while it is closed" in response.content.decode()
        assert snapshot(case) == before

    @pytest.mark.parametrize(
        "data, message",
        [
            ({"stage": "kinship", "reason": ""}, "Enter why the stage changes"),
            ({"stage": "family_help", "reason": "x"}, "Select the new stage from the list"),
            (
                {"stage": "kinship", "reason": "x", "changed_on": "tomorrow"},
                "The stage cannot change on a date in the future",
            ),
            ({"stage": "kinship", "reason": "x", "changed_on": "before_opened"}, "before the case opened"),
        ],
    )
    def test_bad_input_is_shown_on_the_form_and_changes_nothing(self, world, client, data, message):
        case = opened_days_ago(world, 2)
        dates = {
            "tomorrow": (TODAY() + datetime.timedelta(days=1)).isoformat(),
            "before_opened": (case.opened_on - datetime.timedelta(days=1)).isoformat(),
        }
        if data.get("changed_on") in dates:
            data = data | {"changed_on": dates[data["changed_on"]]}
        client.force_login(world.u.prac_east)
        before = snapshot(case)
        response = client.post(reverse("fgdm:case_stage", args=[case.pk]), data)
        assert response.status_code == 400 and message in response.content.decode()
        assert snapshot(case) == before

    def test_other_teams_get_404(self, world, client):
        case = scenario.allocated(world)
        client.force_login(world.u.prac_west)
        assert client.get(reverse("fgdm:case_stage", args=[case.pk])).status_code == 404
        assert (
            client.post(reverse("fgdm:case_stage", args=[case.pk]), {"stage": "kinship", "reason": "x"}).status_code
            == 404
        )


@pytest.mark.usefixtures("no_messages")
class TestRecordsKeptAndRemoved:
    def test_retention_removes_the_reasons_and_keeps_the_stages(self, world):
        from dateutil.relativedelta import relativedelta

        from tests.scenario import run_on

        case = scenario.closed_case(world, stages=[("child_protection", "Strategy discussion about Lily Hardy")])
        # Once at child protection, the case is kept 35 years after it closed (fgdm.retention).
        run_on(TODAY(), "apply_retention")
        assert not DomainEvent.objects.filter(case_id=case.pk, action="retention_applied").exists()
        run_on(case.closed_on + relativedelta(years=35, days=1), "apply_retention")
        rows = list(StageChange.objects.filter(case=case).values_list("from_stage", "to_stage", "changed_on", "reason"))
        assert rows == [
            ("", "family_help", case.opened_on, ""),
            ("family_help", "child_protection", case.opened_on, "Removed"),
        ]
        assert Case.objects.get(pk=case.pk).stage == Stage.CHILD_PROTECTION
        event = DomainEvent.objects.get(case_id=case.pk, action="retention_applied")
        assert "the reasons for changes of stage" in event.changes["removed"]

    def test_subject_access_lists_the_stages_with_reasons_marked_for_review(self, world):
        from fgdm.sar import collect

        case = scenario.closed_case(world, stages=[("kinship", "Aunt Jo looks after Lily")])
        subject = services_subject(case)
        section = next(s for s in collect(subject) if s.title == "Stages of the case")
        assert [r.title for r in section.records] == ["Referred at Family help", "Family help to Kinship care"]
        reasons = [(v.value, v.redact) for r in section.records for v in r.values if v.label == "Why it changed"]
        assert reasons == [("", "may name third parties"), ("Aunt Jo looks after Lily", "may name third parties")]


def services_subject(case):
    from fgdm.sar import child_subject

    return child_subject(case.children.get().pk)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # needs the migrations' data back
def test_the_migration_gives_existing_cases_their_first_row(world):
    """0004 creates the history and gives each case opened before it one row: the stage it is at
    (it could not change before), from the day it opened, recorded by its referrer."""
    from django.db.migrations.executor import MigrationExecutor

    before, after = [("fgdm", "0003_fgdm_practice")], [("fgdm", "0004_stage_history")]
    opened = opened_days_ago(world, 30, stage="child_protection")
    by_manager = scenario.referral(world, by=world.u.tm_east, stage="kinship")
    try:
        MigrationExecutor(connection).migrate(before)
        MigrationExecutor(connection).migrate(after)
        new = MigrationExecutor(connection).loader.project_state(after).apps
        rows = new.get_model("fgdm", "StageChange").objects.order_by("case_id")
        assert [
            (r.case_id, r.from_stage, r.to_stage, r.changed_on, r.reason, r.changed_by_id, r.changed_at) for r in rows
        ] == [
            (opened.pk, "", "child_protection", opened.opened_on, "", world.u.prac_east.pk, opened.created_at),
            (by_manager.pk, "", "kinship", by_manager.opened_on, "", world.u.tm_east.pk, by_manager.created_at),
        ]
    finally:  # the next tests need the latest schema, whatever happened here
        MigrationExecutor(connection).migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
