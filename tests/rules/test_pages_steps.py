"""The other roads through the pages: the FGC, a returned and revised plan, escalation above a
manager's limit, the review, taking tasks, finding cases; every page for the role that uses it;
and more bad input that must be a form error and write nothing."""

import datetime
import re
from decimal import Decimal

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from audit.models import DomainEvent
from fgdm.models import Case, FamilyPlan, Meeting
from network_packages.models import SupportPackage
from payments.models import PaymentBatch
from tests import scenario
from tests.helpers import formset, package_data, post, referral_data
from tests.helpers import page_ok as ok

pytestmark = pytest.mark.django_db


def error_page(response, *expected, status=400):
    assert response.status_code == status, response.status_code
    body = response.content.decode()
    # A refusal by role alone is the "You cannot do this" page; a service's refusal is the form
    # with its errors (which may also answer 403).
    assert "There is a problem" in body or (response.status_code == 403 and "You cannot do this" in body)
    for text in expected:
        assert text in body, text
    return body


def banner(response) -> str:
    """The success message shown on the page a step redirected to."""
    return " ".join(str(m) for m in response.wsgi_request._messages)


def open_task(case, node):
    return Task.objects.filter(
        process_id=case.process_id,
        flow_task=getattr(case.process.flow_class, node),
        status__in=[STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED],
    ).first()


def actions(rows, total=5):
    return formset("actions", rows, total=total)


class TestFamilyGroupConference:
    def test_fgc_through_the_pages(self, client, world):
        case, grandmother = scenario.with_network(world, stage="pre_proceedings")
        u, today = world.u, timezone.localdate()
        client.force_login(u.prac_east)
        when = (timezone.localtime() + datetime.timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
        url = reverse("fgdm:meeting_new", args=[case.pk])
        page = ok(client, url).content.decode()
        assert f'value="{u.coord.pk}"' in page  # the coordinator is offered
        # A meeting without an independent coordinator at pre-proceedings, whatever its model: refused
        error_page(
            client.post(url, {"model": "fnm", "scheduled_for": when, "venue": "Hub"}),
            "run by an independent coordinator",
        )
        error_page(client.post(url, {"model": "fgc", "scheduled_for": when, "venue": "Hub"}), "independent coordinator")
        assert not Meeting.objects.exists()
        response = post(client, url, {"model": "fgc", "scheduled_for": when, "venue": "Hub", "coordinator": u.coord.pk})
        meeting = Meeting.objects.get()
        assert meeting.coordinator == u.coord

        # the coordinator finds the step on the home page and prepares the network
        client.force_login(u.coord)
        home = ok(client, reverse("process:home")).content.decode()
        assert reverse("fgdm:meeting_prepare", args=[meeting.pk]) in home
        page = ok(client, reverse("fgdm:case_detail", args=[case.pk])).content.decode()
        assert "Recent history" not in page and "Support packages" not in page  # only what the conference needs
        assert "Add a network member" not in page
        ok(client, reverse("fgdm:meeting_prepare", args=[meeting.pk]))
        for member in case.network_members.all():  # each person is prepared and invited first
            ok(client, reverse("fgdm:member_preparation", args=[member.pk]))
            post(client, reverse("fgdm:member_preparation", args=[member.pk]), {"status": "invited"})
        response = post(client, reverse("fgdm:meeting_prepare", args=[meeting.pk]))
        assert "The network is prepared" in banner(client.get(response["Location"]))

        # and records the conference: without private family time it is refused
        record = reverse("fgdm:meeting_record", args=[meeting.pk])
        ok(client, record)
        data = {
            "held_on": today.isoformat(),
            "attendees": "Margaret, Sarah",
            "contingency": "",
            "review_by": (today + datetime.timedelta(days=30)).isoformat(),
        }
        data.update(actions([{"description": "Nan has Lily on Fridays", "owner_member": str(grandmother.pk)}]))
        error_page(client.post(record, data), "private family time")
        assert not FamilyPlan.objects.exists()
        post(client, record, {**data, "private_family_time": "on"})
        assert case.plans.get().actions.get().owner_member == grandmother

    def test_practitioner_cannot_record_a_conference(self, client, world):
        case, grandmother = scenario.with_network(world)
        from fgdm import services

        meeting = services.meeting_schedule(
            case_id=case.pk,
            by=world.u.prac_east,
            model="fgc",
            scheduled_for=timezone.now(),
            venue="Hub",
            coordinator=world.u.coord,
        )
        client.force_login(world.u.prac_east)
        error_page(client.post(reverse("fgdm:meeting_prepare", args=[meeting.pk])), "coordinator", status=403)
        meeting.refresh_from_db()
        assert meeting.status == "scheduled"


class TestPlanReturnedAndRevised:
    def test_return_then_revise_then_accept(self, client, world):
        case, grandmother, plan = scenario.meeting_held(world)
        client.force_login(world.u.prac_east)
        page = ok(client, reverse("fgdm:plan_detail", args=[plan.pk])).content.decode()
        assert "Accept the plan" in page and "Return the plan" in page
        error_page(client.post(reverse("fgdm:plan_return", args=[plan.pk]), {"reason": ""}), "Reasons")
        plan.refresh_from_db()
        assert plan.status == "agreed"
        post(client, reverse("fgdm:plan_return", args=[plan.pk]), {"reason": "Who has Lily on Saturdays?"})
        plan.refresh_from_db()
        assert plan.status == "returned" and plan.return_reason == "Who has Lily on Saturdays?"

        # the home page leads to the revise page, which starts from the old plan
        home = ok(client, reverse("process:home")).content.decode()
        revise = reverse("fgdm:plan_revise", args=[plan.pk])
        assert revise in home
        page = ok(client, revise).content.decode()
        assert "Nan stays over while mum is in hospital" in page
        today = timezone.localdate()
        data = {"contingency": "Aunt Jo steps in.", "review_by": (today + datetime.timedelta(days=60)).isoformat()}
        data.update(
            actions(
                [
                    {"description": "Nan stays over while mum is in hospital", "owner_member": str(grandmother.pk)},
                    {"description": "Uncle Tom has Lily on Saturdays", "owner_text": "Tom Hardy (uncle)"},
                ]
            )
        )
        response = post(client, revise, data)
        new = case.plans.get(version=2)
        assert response["Location"] == reverse("fgdm:plan_detail", args=[new.pk])
        assert [a.owner_name for a in new.actions.order_by("id")] == ["Margaret Hardy", "Tom Hardy (uncle)"]
        post(client, reverse("fgdm:plan_accept", args=[new.pk]), {"support_needed": "no"})
        new.refresh_from_db()
        assert new.status == "accepted"
        page = ok(client, reverse("fgdm:case_detail", args=[case.pk])).content.decode()
        assert "Superseded" in page and "Draft a support package" not in page

    def test_action_without_owner_is_a_form_error(self, client, world):
        case, grandmother = scenario.with_network(world)
        from fgdm import services

        meeting = services.meeting_schedule(
            case_id=case.pk, by=world.u.prac_east, model="fnm", scheduled_for=timezone.now(), venue="Hub"
        )
        client.force_login(world.u.prac_east)
        today = timezone.localdate()
        data = {
            "held_on": today.isoformat(),
            "attendees": "Nan",
            "review_by": (today + datetime.timedelta(days=30)).isoformat(),
        }
        data.update(actions([{"description": "Somebody helps"}]))
        error_page(client.post(reverse("fgdm:meeting_record", args=[meeting.pk]), data), "say who will do it")
        # a review date before the meeting: the service refuses, on its field
        data.update(actions([{"description": "Nan helps", "owner_text": "Nan"}]))
        data["review_by"] = (today - datetime.timedelta(days=1)).isoformat()
        error_page(client.post(reverse("fgdm:meeting_record", args=[meeting.pk]), data), "after the meeting")
        data["held_on"] = (today + datetime.timedelta(days=2)).isoformat()
        data["review_by"] = (today + datetime.timedelta(days=30)).isoformat()
        error_page(client.post(reverse("fgdm:meeting_record", args=[meeting.pk]), data), "in the future")
        assert not FamilyPlan.objects.exists()


class TestApprovalAboveTheLimit:
    def test_team_manager_endorses_up_and_the_service_manager_approves(self, client, world):
        package = scenario.package_submitted(world, amount=Decimal("1200.00"))
        url = reverse("network_packages:package_detail", args=[package.pk])
        client.force_login(world.u.tm_east)
        page = ok(client, url).content.decode()
        assert "£1,200.00" in page and "above your limit" in page and "Endorse the package" in page
        assert "up to <strong>£500.00</strong>" in page
        response = post(client, reverse("network_packages:package_approve", args=[package.pk]), {"note": "Endorsed"})
        assert "waits for a service manager" in banner(client.get(response["Location"]))
        package.refresh_from_db()
        assert package.status == "submitted" and package.current_tier == "service_manager"
        assert not package.payments.exists()

        # the team manager cannot decide again: no form, and a forced POST is refused
        page = ok(client, url).content.decode()
        assert "Endorsed and passed up" in page and "Waiting for a service manager" in page
        assert "Approve the package" not in page
        error_page(
            client.post(reverse("network_packages:package_approve", args=[package.pk]), {"note": "again"}),
            "already been endorsed",
            status=403,
        )
        package.refresh_from_db()
        assert package.status == "submitted" and package.approvals.count() == 1

        # a team manager of another team does not even see it
        client.force_login(world.u.tm_west)
        assert client.get(url).status_code == 404

        client.force_login(world.u.sm)
        home = ok(client, reverse("process:home")).content.decode()
        assert url in home
        page = ok(client, url).content.decode()
        assert "Approve the package" in page and "above your limit" not in page
        response = post(client, reverse("network_packages:package_approve", args=[package.pk]), {"note": "Agreed"})
        assert "is approved" in banner(client.get(response["Location"]))
        package.refresh_from_db()
        assert package.status == "approved" and package.payments.count() == 1

    def test_return_needs_reasons_and_then_goes_back_to_the_practitioner(self, client, world):
        package = scenario.package_submitted(world)
        client.force_login(world.u.tm_east)
        error_page(
            client.post(reverse("network_packages:package_return", args=[package.pk]), {"reason": " "}), "Reasons"
        )
        package.refresh_from_db()
        assert package.status == "submitted"
        post(client, reverse("network_packages:package_return", args=[package.pk]), {"reason": "Get a quote."})
        package.refresh_from_db()
        assert package.status == "returned"
        client.force_login(world.u.prac_east)
        home = ok(client, reverse("process:home")).content.decode()
        assert reverse("network_packages:package_detail", args=[package.pk]) in home
        page = ok(client, reverse("network_packages:package_detail", args=[package.pk])).content.decode()
        assert "Get a quote." in page and "Submit it again" in page
        post(client, reverse("network_packages:package_submit", args=[package.pk]))
        package.refresh_from_db()
        assert package.status == "submitted"

    def test_drafter_who_is_also_a_manager_cannot_approve_it(self, client, world):
        """Separation of duties holds on the page too, whoever the person is."""
        from django.contrib.auth.models import Group

        world.u.prac_east.groups.add(Group.objects.get(name="team_manager"))
        world.team_east.managers.add(world.u.prac_east)
        package = scenario.package_submitted(world)
        client.force_login(world.u.prac_east)
        error_page(
            client.post(reverse("network_packages:package_approve", args=[package.pk]), {"note": ""}),
            "someone else must approve it",
            status=403,
        )
        package.refresh_from_db()
        assert package.status == "submitted" and not package.approvals.exists()


def fire_timers_on(day):
    with time_machine.travel(datetime.datetime.combine(day, datetime.time(10, 0)).astimezone(), tick=False):
        call_command("workflow_timers", stdout=open("/dev/null", "w"))


class TestReview:
    def test_review_closes_the_case_with_an_outcome(self, client, world):
        package = scenario.payments_authorised(world)
        case = package.case
        fire_timers_on(package.plan.review_by)
        client.force_login(world.u.prac_east)
        url = reverse("fgdm:case_review", args=[case.pk])
        assert url in ok(client, reverse("process:home")).content.decode()
        page = ok(client, url).content.decode()
        assert "Nan stays over while mum is in hospital" in page and "£300.00" in page
        events = DomainEvent.objects.count()
        error_page(client.post(url, {"decision": "close", "outcome": ""}), "Choose the outcome")
        error_page(client.post(url, {"decision": "maybe"}), "What happens next?")
        assert DomainEvent.objects.count() == events
        response = post(client, url, {"decision": "close", "outcome": "remained_at_home", "notes": "Mum is home."})
        assert "The case is closed." in banner(client.get(response["Location"]))
        case.refresh_from_db()
        assert case.status == "closed" and case.outcome == "remained_at_home"
        page = ok(client, reverse("fgdm:case_detail", args=[case.pk])).content.decode()
        assert "Child remained at home" in page and re.search(r'<g id="step-close_case" [^>]*class="done"', page)

    def test_review_continues_to_a_revised_plan(self, client, world):
        case, _, plan = scenario.meeting_held(world)
        from fgdm import services

        services.plan_accept(plan_id=plan.pk, by=world.u.prac_east, support_needed=False)
        fire_timers_on(plan.review_by)
        client.force_login(world.u.prac_east)
        post(client, reverse("fgdm:case_review", args=[case.pk]), {"decision": "continue", "notes": "Going well"})
        assert open_task(case, "revise_plan") is not None
        page = ok(client, reverse("fgdm:plan_detail", args=[plan.pk])).content.decode()
        assert reverse("fgdm:plan_revise", args=[plan.pk]) in page


class TestTasks:
    def test_take_a_task_from_the_queue(self, client, world):
        case = scenario.referral(world)
        task = open_task(case, "allocate")
        client.force_login(world.u.tm_east)
        home = ok(client, reverse("process:home")).content.decode()
        assert reverse("process:task_take", args=[task.pk]) in home
        response = post(client, reverse("process:task_take", args=[task.pk]))
        assert response["Location"] == reverse("fgdm:case_allocate", args=[case.pk])
        task.refresh_from_db()
        assert task.owner == world.u.tm_east and task.status == STATUS.ASSIGNED
        home = ok(client, reverse("process:home")).content.decode()
        assert "Assigned to you" in home and reverse("process:task_take", args=[task.pk]) not in home
        error_page(client.post(reverse("process:task_take", args=[task.pk])), "already yours")

    def test_tasks_out_of_reach_are_404(self, client, world):
        case = scenario.referral(world)
        task = open_task(case, "allocate")
        for user in (world.u.tm_west, world.u.prac_east, world.u.fin1):
            client.force_login(user)
            assert client.post(reverse("process:task_take", args=[task.pk])).status_code == 404
        client.force_login(world.u.tm_east)
        assert client.post(reverse("process:task_take", args=[999999])).status_code == 404
        assert client.get(reverse("process:task_take", args=[task.pk])).status_code == 405
        task.refresh_from_db()
        assert task.owner is None

    def test_allocation_offers_only_the_teams_practitioners(self, client, world):
        case = scenario.referral(world)
        client.force_login(world.u.tm_east)
        url = reverse("fgdm:case_allocate", args=[case.pk])
        page = ok(client, url).content.decode()
        assert f'value="{world.u.prac_east.pk}"' in page and f'value="{world.u.prac_east2.pk}"' in page
        assert f'value="{world.u.prac_west.pk}"' not in page and f'value="{world.u.tm_east.pk}"' not in page
        error_page(client.post(url, {"lead_practitioner": world.u.prac_west.pk}), "Lead practitioner")
        error_page(client.post(url, {"lead_practitioner": "x"}), "Lead practitioner")
        case.refresh_from_db()
        assert case.lead_practitioner is None and case.status == "referred"
        # a practitioner cannot allocate, even by posting the form
        client.force_login(world.u.prac_east)
        error_page(client.post(url, {"lead_practitioner": world.u.prac_east.pk}), "manager", status=403)
        case.refresh_from_db()
        assert case.lead_practitioner is None


class TestCaseList:
    def test_search_filter_and_pages(self, client, world):
        from fgdm import services
        from fgdm.services import ChildInput

        child = [ChildInput(first_name="A", last_name="B", date_of_birth=datetime.date(2018, 1, 1))]
        for number in range(27):
            services.case_create(
                by=world.u.prac_east,
                family_name=f"Family{number:02d}",
                locality=world.east,
                stage="kinship" if number == 5 else "family_help",
                referral_reason="r",
                children=child,
            )
        other = scenario.referral(world, by=world.u.prac_west, locality=world.west)  # another team's
        client.force_login(world.u.prac_east)
        url = reverse("fgdm:case_list")
        page = ok(client, url).content.decode()
        # By its reference: the family's name "Hardy" may also be a demo user's surname (Faker).
        assert "27 cases" in page and "Page 1 of 2" in page and other.reference not in page
        page = ok(client, url + "?page=2").content.decode()
        assert len(re.findall(r'href="/cases/\d+/"', page)) == 2
        page = ok(client, url + "?q=family03").content.decode()
        assert "Family03" in page and "Family04" not in page and "1 case matches" in page
        page = ok(client, url + "?stage=kinship").content.decode()
        assert "Family05" in page and "1 case matches" in page
        page = ok(client, url + "?status=referred&locality=east&page=2").content.decode()
        assert "Page 2 of 2" in page and "page=1" in page and "status=referred" in page
        assert ok(client, url + "?status=nonsense&page=zz").status_code == 200
        page = ok(client, url + "?locality=west").content.decode()
        assert "No cases match" in page


class TestEveryPageForItsRole:
    @pytest.fixture
    def story(self, world):
        package = scenario.payments_authorised(world)
        batch = __import__("payments.services", fromlist=["batch_create"]).batch_create(by=world.u.fin1)
        case = package.case
        return {
            "case": case,
            "package": package,
            "plan": package.plan,
            "meeting": case.meetings.get(),
            "payee": package.items.get().payee,
            "batch": batch,
        }

    PAGES = {
        "prac_east": [
            "home",
            "case_list",
            "case_new",
            "case",
            "map",
            "consent",
            "member_new",
            "plan",
            "package",
            "bank",
            "payments",
        ],
        "prac_east2": ["home", "case", "plan", "package"],
        "tm_east": ["home", "case_list", "case_new", "case", "map", "plan", "package"],
        "sm": ["home", "case_list", "case", "plan", "package"],
        "hos": ["home", "case", "package"],
        # The auditor's home is the case search (tests/ui/test_tasks.py: "/" leads there).
        "auditor": ["case_list", "case", "map", "plan", "package", "batches", "batch"],
        "fin1": ["home", "payments", "bank", "batches", "batch"],
        "fin2": ["home", "payments", "bank", "batches", "batch"],
    }

    def url(self, name, s):
        case = s["case"]
        return {
            "home": reverse("process:home"),
            "case_list": reverse("fgdm:case_list"),
            "case_new": reverse("fgdm:case_new"),
            "case": reverse("fgdm:case_detail", args=[case.pk]),
            "map": reverse("fgdm:case_map", args=[case.pk]),
            "consent": reverse("fgdm:case_consent", args=[case.pk]),
            "member_new": reverse("fgdm:member_new", args=[case.pk]),
            "plan": reverse("fgdm:plan_detail", args=[s["plan"].pk]),
            "package": reverse("network_packages:package_detail", args=[s["package"].pk]),
            "bank": reverse("payments:bank_details", args=[s["payee"].pk]),
            "payments": reverse("payments:payment_list"),
            "batches": reverse("payments:batch_list"),
            "batch": reverse("payments:batch_detail", args=[s["batch"].pk]),
        }[name]

    @pytest.mark.parametrize("who", list(PAGES))
    def test_pages_render(self, client, world, story, who):
        client.force_login(getattr(world.u, who))
        for name in self.PAGES[who]:
            response = client.get(self.url(name, story))
            assert response.status_code == 200, (who, name, response.status_code)

    def test_finance_officers_never_reach_case_pages(self, client, world, story):
        client.force_login(world.u.fin1)
        for name in ("case", "map", "consent", "member_new", "plan", "package"):
            assert client.get(self.url(name, story)).status_code == 404, name
        assert client.get(reverse("fgdm:case_review", args=[story["case"].pk])).status_code == 404
        assert "FGDM-" not in client.get(reverse("fgdm:case_list")).content.decode()
        page = client.get(reverse("process:home")).content.decode()
        assert "New referral" not in page and 'href="/cases/"' not in page

    def test_other_team_gets_404_on_the_money_too(self, client, world, story):
        client.force_login(world.u.prac_west)
        for name in ("package", "batch", "map"):
            assert client.get(self.url(name, story)).status_code == 404, name
        page = client.get(reverse("payments:payment_list")).content.decode()
        assert story["case"].reference not in page

    def test_header_shows_the_person_and_their_roles(self, client, world):
        client.force_login(world.u.fin1)
        page = client.get(reverse("process:home")).content.decode()
        assert "fin1" in page and "finance officer" in page and reverse("payments:payment_list") in page
        assert 'href="/api/v1/docs/"' in page and 'action="/accounts/logout/"' in page
        client.force_login(world.u.tm_east)
        page = client.get(reverse("process:home")).content.decode()
        assert "team manager" in page and reverse("fgdm:case_new") in page
        assert reverse("payments:batch_list") not in page

    def test_sign_out_is_a_post(self, client, world):
        client.force_login(world.u.prac_east)
        assert client.get(reverse("logout")).status_code == 405
        response = client.post(reverse("logout"))
        assert response.status_code == 302
        assert client.get(reverse("process:home")).status_code == 302


class TestMoreBadInput:
    @pytest.mark.parametrize(
        "field, value, message",
        [
            ("instalments", "1.5", "Number of instalments"),
            ("instalments", "0", "Number of instalments"),
            ("instalments", "500", "Number of instalments"),
            ("amount", "99999999999", "Amount per instalment"),
            ("amount", "", "Amount per instalment"),
            ("amount", "three hundred", "Enter an amount, like £250.00"),
            ("payee", "999999", "Paid to"),
            ("category", "jewellery", "Category"),
            ("plan_action", "x", "Plan action"),
        ],
    )
    def test_item_fields(self, client, world, field, value, message):
        case, grandmother, plan = scenario.plan_accepted(world)
        client.force_login(world.u.prac_east)
        events = DomainEvent.objects.count()
        data = package_data(case, grandmother, plan)
        data[f"items-0-{field}"] = value
        error_page(client.post(reverse("network_packages:package_new", args=[case.pk]), data), message)
        assert not SupportPackage.objects.exists() and DomainEvent.objects.count() == events

    def test_one_off_with_several_instalments_is_refused_by_the_service(self, client, world):
        case, grandmother, plan = scenario.plan_accepted(world)
        client.force_login(world.u.prac_east)
        error_page(
            client.post(
                reverse("network_packages:package_new", args=[case.pk]),
                package_data(case, grandmother, plan, instalments="3"),
            ),
            "exactly one instalment",
        )
        assert not SupportPackage.objects.exists()

    def test_bad_package_dates(self, client, world):
        case, grandmother, plan = scenario.plan_accepted(world)
        client.force_login(world.u.prac_east)
        data = package_data(case, grandmother, plan)
        data["agreement_signed_on"] = "31/02/2026"
        data["review_by"] = "soon"
        error_page(
            client.post(reverse("network_packages:package_new", args=[case.pk]), data),
            "Written agreement signed on",
            "Review the package by",
        )
        assert not SupportPackage.objects.exists()

    def test_submit_without_agreement_date_is_refused_and_stays_draft(self, client, world):
        case, grandmother, plan = scenario.plan_accepted(world)
        client.force_login(world.u.prac_east)
        data = package_data(case, grandmother, plan)
        data["agreement_signed_on"] = ""
        post(client, reverse("network_packages:package_new", args=[case.pk]), data)
        package = SupportPackage.objects.get()
        error_page(client.post(reverse("network_packages:package_submit", args=[package.pk])), "written agreement")
        package.refresh_from_db()
        assert package.status == "draft"

    def test_no_child_no_referral(self, client, world):
        client.force_login(world.u.prac_east)
        data = {
            "family_name": "Hardy",
            "locality": str(world.east.pk),
            "stage": "family_help",
            "referral_reason": "Help",
        }
        data.update(formset("children", [], total=3))
        error_page(client.post(reverse("fgdm:case_new"), data), "Add at least one child")
        data.update(formset("children", [{"first_name": "Lily"}], total=3))
        error_page(client.post(reverse("fgdm:case_new"), data), "Last name", "Date of birth")
        data.update(
            formset("children", [{"first_name": "Lily", "last_name": "Hardy", "date_of_birth": "2017-03-09"}], total=3)
        )
        error_page(client.post(reverse("fgdm:case_new"), {**data, "locality": "999999"}), "Locality")
        error_page(client.post(reverse("fgdm:case_new"), {**data, "stage": "panic"}), "Stage")
        assert not Case.objects.exists()

    def test_finance_officer_cannot_open_a_referral(self, client, world):
        client.force_login(world.u.fin1)
        error_page(
            client.post(reverse("fgdm:case_new"), referral_data(locality=str(world.east.pk))),
            "family help practitioner or team manager",
            status=403,
        )
        assert not Case.objects.exists()

    def test_authorise_refused_until_bank_details_are_verified(self, client, world):
        package = scenario.package_approved(world)
        payment = package.payments.get()
        client.force_login(world.u.fin1)
        error_page(
            client.post(reverse("payments:payment_authorise", args=[payment.pk]), {"next": "https://evil.example/"}),
            "bank details must be entered and verified",
        )
        payment.refresh_from_db()
        assert payment.status == "scheduled"

    def test_authorise_never_redirects_off_site(self, client, world):
        package = scenario.package_approved(world)
        payee = package.items.get().payee
        from payments import services

        services.bank_account_set(
            member_id=payee.pk, by=world.u.fin1, account_name="M HARDY", sort_code="400000", account_number="12165678"
        )
        services.bank_account_verify(member_id=payee.pk, by=world.u.fin2)
        client.force_login(world.u.fin2)
        response = post(
            client,
            reverse("payments:payment_authorise", args=[package.payments.get().pk]),
            {"next": "https://evil.example/"},
        )
        assert response["Location"] == reverse("payments:payment_list")

    def test_batch_input(self, client, world):
        scenario.payments_authorised(world)
        client.force_login(world.u.fin1)
        url = reverse("payments:batch_list")
        error_page(client.post(url, {"payment_ids": ["abc"]}), "Or only these payments")
        error_page(client.post(url, {"due_by": "tomorrow"}), "Include authorised payments due on or before")
        past = (timezone.localdate() - datetime.timedelta(days=30)).isoformat()
        error_page(client.post(url, {"due_by": past}), "no authorised payments due")
        assert not PaymentBatch.objects.exists()

    def test_payment_filters_never_fail(self, client, world):
        scenario.payments_authorised(world)
        client.force_login(world.u.fin1)
        url = reverse("payments:payment_list")
        for query in (
            "?case=abc",
            "?case=99999999999999999999999",
            "?due_before=never",
            "?status=lost",
            "?page=999",
            "?case=FGDM-2026-999999",
        ):
            assert client.get(url + query).status_code == 200, query
        case = Case.objects.get()
        page = client.get(url + f"?case={case.reference}").content.decode()
        assert "1 payment, £300.00" in page


class TestChangingAnApprovedPackage:
    def test_change_makes_a_new_draft_version(self, client, world):
        package = scenario.package_approved(world)
        client.force_login(world.u.prac_east)
        detail = reverse("network_packages:package_detail", args=[package.pk])
        change = reverse("network_packages:package_change", args=[package.pk])
        assert change in ok(client, detail).content.decode()
        page = ok(client, change).content.decode()
        assert 'value="Sofa bed"' in page and "stays in force" in page
        data = package_data(package.case, package.items.get().payee, package.plan, amount="350.00")
        data["items-INITIAL_FORMS"] = "1"
        bad = dict(data, **{"items-0-amount": "-1"})
        error_page(client.post(change, bad), "Amount per instalment")
        assert SupportPackage.objects.count() == 1
        post(client, change, data)
        v2 = SupportPackage.objects.get(version=2)
        assert (v2.status, v2.previous_id, v2.total) == ("draft", package.pk, Decimal("350.00"))
        package.refresh_from_db()
        assert package.status == "approved"
        page = ok(client, detail).content.decode()
        assert "Changed by" in page and change not in page
        error_page(client.post(change, data), "newer version", status=409)
        assert SupportPackage.objects.count() == 2

    def test_only_the_cases_practitioners_can_change_it(self, client, world):
        package = scenario.package_approved(world)
        client.force_login(world.u.tm_east)
        detail = reverse("network_packages:package_detail", args=[package.pk])
        change = reverse("network_packages:package_change", args=[package.pk])
        assert change not in ok(client, detail).content.decode()
        data = package_data(package.case, package.items.get().payee, package.plan)
        error_page(client.post(change, data), "practitioner", status=403)
        client.force_login(world.u.prac_west)
        assert client.get(change).status_code == 404
        assert SupportPackage.objects.count() == 1
