"""The home page and task lists offer only what the person may take, in words for people; the
auditor lands on the case search; the seed's report names no node or permission."""

import io
import re
from html.parser import HTMLParser

import pytest
from django.core.management import call_command
from django.urls import reverse
from viewflow.workflow.models import Task

from core.workflow import OPEN_STATUSES
from process import labels
from tests import scenario

pytestmark = pytest.mark.django_db

# An internal name: a node (approve_service_manager) or a permission (payments.authorise_payment).
INTERNAL = re.compile(r"\b[a-z]+(?:_[a-z]+)+\b|\b[a-z_]+\.[a-z]+_[a-z_]+\b")


class _Links(HTMLParser):
    """The links inside <main> (the page's own content, not the menu), and its text."""

    def __init__(self):
        super().__init__()
        self.depth = 0
        self.links = []
        self.text = []
        self.in_tag = []

    def handle_starttag(self, tag, attrs):
        if tag == "main":
            self.depth += 1
        if self.depth and tag == "a":
            href = dict(attrs).get("href") or ""
            if href.startswith("/"):
                self.links.append(href)

    def handle_endtag(self, tag):
        if tag == "main":
            self.depth -= 1

    def handle_data(self, data):
        if self.depth:
            self.text.append(data)


def parse(html: str) -> _Links:
    links = _Links()
    links.feed(html)
    return links


@pytest.fixture
def busy(world):
    """Work waiting for every role: a referral to allocate (East), a package submitted for a team
    manager, an approved package whose payments finance authorises, and a batch to approve."""
    scenario.referral(world)
    submitted = scenario.package_submitted(world)
    approved = scenario.package_approved(world)
    batch = scenario.approved_batch(world)
    return {"submitted": submitted, "approved": approved, "batch": batch}


class TestOnlyStepsYouCanTake:
    @pytest.mark.parametrize("who", ["prac_east", "coord", "tm_east", "sm", "fin1", "fin2"])
    def test_every_link_on_the_home_page_answers(self, client, world, busy, who):
        client.force_login(getattr(world.u, who))
        response = client.get(reverse("process:home"))
        assert response.status_code == 200
        links = parse(response.content.decode()).links
        for href in links:
            answer = client.get(href)
            assert answer.status_code not in (403, 404, 405), (who, href, answer.status_code)

    def test_a_manager_sees_the_approval_and_a_practitioner_does_not(self, client, world, busy):
        package = busy["submitted"]
        detail = reverse("network_packages:package_detail", args=[package.pk])
        client.force_login(world.u.tm_east)
        assert detail in parse(client.get(reverse("process:home")).content.decode()).links
        client.force_login(world.u.prac_east)
        home = client.get(reverse("process:home")).content.decode()
        assert "Approve the package" not in home

    def test_finance_is_offered_no_casework_and_the_auditor_no_finance(self, client, world, busy):
        client.force_login(world.u.fin1)
        home = client.get(reverse("process:home")).content.decode()
        assert "Authorise the payments" in home
        assert "Allocate a lead practitioner" not in home and "Draft the support package" not in home
        client.force_login(world.u.auditor)
        page = client.get(reverse("process:home"), follow=True).content.decode()
        assert "Authorise the payments" not in page and "Approve the batch" not in page

    def test_a_task_someone_cannot_take_is_not_offered(self, client, world, busy):
        """A team manager who is not a practitioner is never linked to a practitioner's step."""
        client.force_login(world.u.tm_east)
        rows = [t for t in Task.objects.filter(status__in=OPEN_STATUSES) if not labels.may_take(world.u.tm_east, t)]
        home = client.get(reverse("process:home")).content.decode()
        for task in rows:
            assert labels.task_name(task) not in home or labels.may_take(world.u.tm_east, task)

    def test_the_take_button_only_for_roles_that_take_tasks(self, client, world, busy):
        client.force_login(world.u.tm_east)
        assert "/take/" in client.get(reverse("process:home")).content.decode()


class TestTheAuditorLandsOnTheCaseSearch:
    def test_home_leads_an_auditor_to_the_case_list(self, client, world, busy):
        client.force_login(world.u.auditor)
        response = client.get("/")
        assert response.status_code == 302 and response["Location"] == reverse("fgdm:case_list")
        assert client.get(response["Location"]).status_code == 200

    def test_signing_in_lands_there(self, client, world):
        world.u.auditor.set_password("a-long-test-password")
        world.u.auditor.save()
        response = client.post(
            reverse("login"), {"username": "auditor", "password": "a-long-test-password"}, follow=True
        )
        assert response.redirect_chain[-1][0] == reverse("fgdm:case_list")

    def test_someone_with_another_role_too_keeps_the_task_list(self, client, world):
        from django.contrib.auth.models import Group

        world.u.auditor.groups.add(Group.objects.get(name="finance_officer"))
        client.force_login(world.u.auditor)
        assert client.get("/").status_code == 200


class TestWordsForPeople:
    def test_task_rows_show_no_internal_name(self, client, world, busy):
        for who in ("prac_east", "tm_east", "fin1"):
            client.force_login(getattr(world.u, who))
            html = client.get(reverse("process:home")).content.decode()
            for table in re.findall(
                r'<table class="govuk-table" id="(?:assigned|available)">(.*?)</table>', html, re.S
            ):
                text = re.sub(r"<[^>]+>", " ", table)
                assert not INTERNAL.search(text), (who, INTERNAL.search(text).group())

    def test_every_task_node_has_words(self, world, busy):
        for task in Task.objects.filter(status__in=OPEN_STATUSES):
            line = labels.task_line(task)
            assert not INTERNAL.search(line), line

    def test_the_seed_report_names_no_node_or_permission(self, db):
        out = io.StringIO()
        call_command("seed_demo", force=True, stdout=out)
        waiting = [line for line in out.getvalue().splitlines() if "waiting for:" in line]
        assert waiting
        for line in waiting:
            said = line.split("waiting for:", 1)[1]
            assert not INTERNAL.search(said), line
        assert "payments.authorise_payment" not in out.getvalue()
        assert "approve_service_manager" not in out.getvalue()


def test_allocate_is_offered_to_the_team_manager_as_words(client, world):
    case = scenario.referral(world)
    client.force_login(world.u.tm_east)
    html = client.get(reverse("process:home")).content.decode()
    assert "Allocate a lead practitioner" in html
    assert reverse("fgdm:case_allocate", args=[case.pk]) in html
