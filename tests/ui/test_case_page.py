"""The case at a glance (issue 15): the summary, the sections, the task list, the network picture,
the flow map, the auditor's timeline in words, and confirmation before what cannot be undone."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from audit.models import DomainEvent
from fgdm import services as case_services
from fgdm.labels import EVENT_LABELS
from tests import scenario

pytestmark = pytest.mark.django_db

SECTIONS = ["steps", "details", "children", "network", "meetings", "plans", "packages", "history"]


def case_page(client, user, case):
    client.force_login(user)
    response = client.get(reverse("fgdm:case_detail", args=[case.pk]))
    return response.status_code, response.content.decode()


def task_list(page: str) -> str:
    return re.search(r'<ul class="govuk-task-list".*?</ul>', page, re.S).group(0)


def linked_steps(page: str) -> list[str]:
    return re.findall(r'<a class="govuk-link govuk-task-list__link" href="[^"]*"[^>]*>([^<]+)</a>', task_list(page))


class TestSummary:
    def test_shows_stage_where_it_stands_what_is_next_and_for_whom(self, client, world):
        case, _ = scenario.with_network(world)
        _, page = case_page(client, world.u.prac_east, case)
        glance = re.search(r'<dl class="govuk-summary-list" id="at-a-glance">.*?</dl>', page, re.S).group(0)
        assert "Family help" in glance
        assert "The case is at: Map the family network and arrange the meeting." in glance
        # The page escapes the name (Faker's "O'Donnell" is O&#x27;Donnell in the HTML).
        lead = escape(world.u.prac_east.get_full_name() or world.u.prac_east.get_username())
        assert "What happens next" in glance and f"For: {lead}" in glance
        assert "Nothing is overdue" in glance
        assert "govuk-warning-text" not in page.split('id="at-a-glance"')[0]

    def test_overdue_meeting_and_actions_are_warned(self, client, world):
        case, _ = scenario.with_network(world)
        case_services.meeting_schedule(
            case_id=case.pk,
            by=world.u.prac_east,
            model="fnm",
            venue="Leigh Park Family Hub",
            scheduled_for=timezone.now() - datetime.timedelta(days=3),
        )
        _, page = case_page(client, world.u.prac_east, case)
        top = page.split('id="at-a-glance"')[0]
        assert "govuk-warning-text" in top
        assert "has not been recorded as held, moved or cancelled" in top
        assert "1 overdue" in page

    def test_the_next_step_waits_for_a_role_when_nobody_has_it(self, client, world):
        package = scenario.package_submitted(world)
        _, page = case_page(client, world.u.prac_east, package.case)
        assert "For: Any team manager" in page


class TestSections:
    def test_every_section_has_a_heading_to_jump_to(self, client, world):
        package = scenario.package_approved(world)
        _, page = case_page(client, world.u.prac_east, package.case)
        nav = re.search(r'<nav class="app-contents".*?</nav>', page, re.S).group(0)
        for anchor in SECTIONS:
            assert f'href="#{anchor}"' in nav
            assert re.search(rf'<h2 class="govuk-heading-l" id="{anchor}">', page), anchor
        # the packages and payments still come from the apps above (core.pages.sections_for)
        packages = page.split('id="packages"')[1].split('id="history"')[0]
        assert "Support package, version 1" in packages and "Payments" in packages

    def test_tables_have_captions_and_scroll_in_their_own_region(self, client, world):
        package = scenario.package_approved(world)
        _, page = case_page(client, world.u.prac_east, package.case)
        tables = re.findall(r"<table class=\"govuk-table\".*?</table>", page, re.S)
        assert len(tables) >= 5
        assert all('<caption class="govuk-table__caption' in table for table in tables)
        assert page.count('class="app-table-scroll" role="region"') >= len(tables) - 1  # removed rows: in details


class TestNetworkPicture:
    def test_one_node_per_member_around_the_child_with_a_title(self, client, world):
        case, grandmother = scenario.with_network(world)
        case_services.member_add(
            case_id=case.pk, by=world.u.prac_east, full_name="Dave Next-Door", relationship="neighbour"
        )
        case_services.member_exclusion_propose(
            member_id=grandmother.pk,
            by=world.u.prac_east,
            reason="Unsafe with the child's father",
            how_to_contribute="In writing",
            how_to_challenge="Ask the team manager",
        )
        case_services.member_exclusion_sign_off(member_id=grandmother.pk, by=world.u.tm_east)
        _, page = case_page(client, world.u.prac_east, case)
        svg = re.search(r'<svg [^>]*class="app-network-svg"[^>]*>.*?</svg>', page, re.S).group(0)
        assert 'role="img"' in svg and '<title id="network-title">' in svg and '<desc id="network-desc">' in svg
        members = case.network_members.filter(removed_at__isnull=True)
        assert len(re.findall(r'data-member="\d+"', svg)) == members.count() == 3
        assert "Lily" in svg  # the child in the middle
        assert "Grandparent" in svg and "Neighbour" in svg and "Parent" in svg
        assert svg.count("app-network-svg__member--excluded") == 1
        assert "excluded from meetings for safety" in svg
        # the same people in a table beside it
        table = re.search(r'<table class="govuk-table" id="network-table">.*?</table>', page, re.S).group(0)
        for member in members:
            assert member.full_name in table
        assert "Excluded for safety" in table


class TestTaskList:
    def test_practitioner_gets_a_link_to_their_own_step_only(self, client, world):
        case = scenario.allocated(world)
        _, page = case_page(client, world.u.prac_east, case)
        assert linked_steps(page) == ["Map the family network and arrange the meeting"]
        steps = task_list(page)
        assert "Completed" in steps and "In progress" in steps and "Cannot start yet" in steps
        assert "Go to this step" not in page

    def test_approval_is_offered_to_the_manager_not_the_practitioner_nor_the_auditor(self, client, world):
        package = scenario.package_submitted(world)
        case = package.case
        _, page = case_page(client, world.u.prac_east, case)
        assert linked_steps(page) == []
        assert "Team manager approves the package (or endorses it up)" in task_list(page)
        _, page = case_page(client, world.u.auditor, case)
        assert linked_steps(page) == []
        _, page = case_page(client, world.u.tm_east, case)
        assert linked_steps(page) == ["Team manager approves the package (or endorses it up)"]

    def test_finance_step_is_not_offered_on_the_case_page(self, client, world):
        package = scenario.package_approved(world)
        case = package.case
        for user in (world.u.prac_east, world.u.auditor, world.u.tm_east):
            code, page = case_page(client, user, case)
            assert code == 200
            assert "Finance verifies bank details and authorises payments" in task_list(page)
            assert linked_steps(page) == [], user
        # a finance officer never sees the case page (only payments and payees)
        code, _ = case_page(client, world.u.fin1, case)
        assert code == 404


class TestFlowMap:
    def test_case_page_shows_the_part_around_the_current_step_and_links_the_whole_map(self, client, world):
        case = scenario.allocated(world)
        _, page = case_page(client, world.u.prac_east, case)
        focus = re.search(r'<svg [^>]*class="flowmap-svg flowmap-svg--focus"[^>]*>', page).group(0)
        view_box = [float(v) for v in re.search(r'viewBox="([^"]+)"', focus).group(1).split()]
        assert view_box[2:] == [400, 340]
        assert reverse("fgdm:case_map_page", args=[case.pk]) in page
        full = client.get(reverse("fgdm:case_map_page", args=[case.pk])).content.decode()
        assert 'class="app-flowmap app-flowmap--full" role="region"' in full
        assert re.search(r'<g id="step-map_network" [^>]*class="current"', full)


INTERNAL = re.compile(r"\b[a-z]+(?:_[a-z]+)+\b|\b[a-z]+\.[a-z_]+\b")


class TestTimelineWords:
    def test_no_row_shows_an_internal_name(self, client, world):
        package = scenario.payments_authorised(world)
        case = package.case
        client.force_login(world.u.prac_east)
        client.get(reverse("fgdm:case_detail", args=[case.pk]))  # a read, for the access rows
        client.force_login(world.u.auditor)
        url = reverse("fgdm:case_timeline", args=[case.pk])
        page = client.get(url, {"kind": ["people", "decisions", "money", "workflow", "access"]}).content.decode()
        table = re.search(r'<table class="govuk-table" id="timeline">.*?</table>', page, re.S).group(0)
        rows = re.findall(r'<tr class="govuk-table__row">(.*?)</tr>', table.split("<tbody")[1], re.S)
        assert len(rows) > 20
        for row in rows:
            cells = re.findall(r'<td class="govuk-table__cell[^"]*">(.*?)</td>', row, re.S)
            shown = " ".join(re.sub(r"<[^>]+>", " ", cell) for n, cell in enumerate(cells) if n != 1)  # not "who"
            for user in vars(world.u).values():  # people's usernames are not internal names
                shown = shown.replace(user.get_username(), "someone")
            assert not INTERNAL.search(shown), shown
        assert "Step completed" in table and "Team manager approves the package" in table

    def test_every_action_recorded_on_a_case_has_words(self, world):
        scenario.payments_authorised(world)
        case = scenario.closed_case(world, family="Lane")
        actions = set(DomainEvent.objects.values_list("action", flat=True))
        assert actions and actions <= set(EVENT_LABELS), actions - set(EVENT_LABELS)
        assert case.status == "closed"


class TestIrreversibleSteps:
    def test_closing_goes_through_a_confirmation_page(self, client, world):
        case = scenario.allocated(world)
        _, page = case_page(client, world.u.prac_east, case)
        close = reverse("fgdm:case_close", args=[case.pk])
        assert f'href="{close}"' in page and f'action="{close}"' not in page
        confirm = client.get(close)
        assert confirm.status_code == 200
        text = confirm.content.decode()
        assert "govuk-warning-text" in text and "does not bring them back" in text
        case.refresh_from_db()
        assert case.status == "allocated"
        done = client.post(close, {"reason": "family_declined", "note": ""})
        assert done.status_code == 302
        case.refresh_from_db()
        assert case.status == "closed"

    @pytest.mark.parametrize("step", ["child_remove", "member_remove", "meeting_cancel"])
    def test_removing_and_cancelling_warn_first(self, client, world, step):
        case, grandmother = scenario.with_network(world)
        meeting = case_services.meeting_schedule(
            case_id=case.pk,
            by=world.u.prac_east,
            model="fnm",
            venue="Hub",
            scheduled_for=timezone.now() + datetime.timedelta(days=3),
        )
        target = {"child_remove": case.children.first(), "member_remove": grandmother, "meeting_cancel": meeting}[step]
        client.force_login(world.u.prac_east)
        page = client.get(reverse(f"fgdm:{step}", args=[target.pk])).content.decode()
        assert "govuk-warning-text" in page and "cannot be undone" in page
