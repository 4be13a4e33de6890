"""The family's plan as a document they keep: in plain words (who does what by when, the contingency,
the review date, the support agreed), as a printable page and a real PDF from one template, and a
version for the court's pre-proceedings checklist. Through the document builder (fgdm.documents),
the API (`GET /api/v1/plans/{id}/document/`) and the pages."""

from decimal import Decimal

import pytest
from django.urls import reverse

from audit.models import AccessLog
from fgdm.documents import COURT, FAMILY, attendees_by_relationship, plan_document
from tests import scenario
from tests.documents.conftest import pdf_text

pytestmark = pytest.mark.django_db


def api_url(plan, **query):
    url = f"/api/v1/plans/{plan.pk}/document/"
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def html_of(response) -> str:
    assert response.status_code == 200, (response.status_code, response.content[:500])
    assert response["Content-Type"].startswith("text/html")
    return response.content.decode()


@pytest.fixture
def accepted(world):
    """The Hardys' plan, accepted: Nan (Margaret Hardy) stays over, by 27 February 2027."""
    case, grandmother, plan = scenario.plan_accepted(world)
    return plan


@pytest.fixture
def with_support(world):
    """An approved package for the plan: £25.00 a week for 12 weeks to Nan."""
    package = scenario.package_approved(world, amount=Decimal("25.00"), frequency="weekly", instalments=12)
    return package.plan


class TestPlanInPlainWords:
    def test_who_does_what_by_when(self, world, accepted):
        html = plan_document(plan=accepted, user=world.u.prac_east).html
        assert "Who does what, and by when" in html
        assert (
            "<strong>Margaret Hardy</strong> (grandparent): Nan stays over while mum is in hospital, by 27 February 2027."
            in html
        )

    def test_the_contingency(self, world, accepted):
        html = plan_document(plan=accepted, user=world.u.prac_east).html
        assert "If things go wrong" in html
        assert "If Nan is unwell, Aunt Jo steps in." in html

    def test_the_review_date_in_uk_style(self, world, accepted):
        html = plan_document(plan=accepted, user=world.u.prac_east).html
        assert "by 3 April 2027" in html
        assert "2027-04-03" not in html and "03/04/2027" not in html

    def test_the_support_agreed(self, world, with_support):
        html = plan_document(plan=with_support, user=world.u.prac_east).html
        assert "The support agreed" in html
        assert "<strong>Margaret Hardy</strong> (grandparent) is paid £25.00 every week for: Sofa bed." in html
        assert "12 weeks, from 20 February 2027 to 8 May 2027" in html
        assert "In all: £300.00." in html

    def test_no_support_agreed_yet_says_so(self, world, accepted):
        html = plan_document(plan=accepted, user=world.u.prac_east).html
        assert "No support from the council has been agreed yet" in html
        assert "£" not in html

    def test_no_codes_or_jargon_for_the_family(self, world, with_support):
        plan = with_support
        html = plan_document(plan=plan, user=world.u.prac_east, version=FAMILY).html
        assert plan.case.reference not in html
        for code in (
            "fnm",
            "FNM",
            "FGC",
            'grandparent"',
            "furniture_and_bedding",
            "weekly",
            "accepted",
            "pre-proceedings",
        ):
            assert code not in html, code
        assert "family network meeting" in html
        assert "Our family plan for Lily" in html

    def test_a_replaced_version_says_so(self, world, accepted):
        accepted.status = "superseded"  # as a revised plan leaves it (rendering only: nothing is saved)
        html = plan_document(plan=accepted, user=world.u.prac_east).html
        assert "A newer version of this plan has replaced it." in html


class TestCourtVersion:
    def test_marked_for_the_pre_proceedings_checklist(self, world, accepted):
        html = plan_document(plan=accepted, user=world.u.prac_east, version=COURT).html
        assert "For the court: pre-proceedings checklist" in html
        assert f"<tr><th>Case reference</th><td>{accepted.case.reference}</td></tr>" in html
        assert "Family network meeting held on 20 February 2027" in html
        assert "<tr><th>Plan agreed by the family</th><td>20 February 2027 (version 1)</td></tr>" in html
        assert "<tr><th>Plan accepted by the council</th><td>20 February 2027</td></tr>" in html

    def test_who_attended_by_relationship(self, world, accepted):
        html = plan_document(plan=accepted, user=world.u.prac_east, version=COURT).html
        # Attendees as recorded: "Margaret, Sarah, Lily" — members matched by first name, the child too.
        assert "Margaret (grandparent)<br>Sarah (parent)<br>Lily (child)" in html
        assert [(a.name, a.relationship) for a in attendees_by_relationship(accepted)] == [
            ("Margaret", "grandparent"),
            ("Sarah", "parent"),
            ("Lily", "child"),
        ]

    def test_a_plan_not_accepted_yet_says_so(self, world):
        case, grandmother, plan = scenario.meeting_held(world)
        html = plan_document(plan=plan, user=world.u.prac_east, version=COURT).html
        assert "<tr><th>Plan accepted by the council</th><td>Not accepted yet</td></tr>" in html

    def test_the_family_version_has_no_court_header(self, world, accepted):
        html = plan_document(plan=accepted, user=world.u.prac_east).html
        assert "For the court" not in html


class TestPdf:
    def test_a_real_pdf_with_the_facts(self, world, with_support):
        text = pdf_text(plan_document(plan=with_support, user=world.u.prac_east).pdf())
        for fact in ("Margaret Hardy", "Nan stays over while mum is in hospital", "27 February 2027", "3 April 2027"):
            assert fact in text, fact
        assert "£25.00" in text


class TestApi:
    def test_pdf_by_default(self, world, api, with_support):
        response = api.as_user(world.u.prac_east).get(api_url(with_support))
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert f'filename="family-plan-{with_support.case.reference}-v1.pdf"' in response["Content-Disposition"]
        text = pdf_text(response.content)
        assert "Margaret Hardy" in text and "£25.00" in text

    def test_a_client_asking_for_a_pdf_gets_it_and_errors_as_json(self, world, api, with_support):
        response = api.as_user(world.u.prac_east).get(api_url(with_support), HTTP_ACCEPT="application/pdf")
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        refused = api.as_user(world.u.fin1).get(api_url(with_support), HTTP_ACCEPT="application/pdf")
        assert refused.status_code == 404 and refused.json()["detail"]

    def test_a_coordinator_is_not_told_there_is_no_support(self, world, api):
        package = scenario.package_approved(world, model="fgc")
        html = html_of(api.as_user(world.u.coord).get(api_url(package.plan, format="html")))
        assert "No support from the council has been agreed yet" not in html and "£" not in html
        assert "written in its written agreement with them" in html

    def test_format_html_is_the_printable_page(self, world, api, with_support):
        html = html_of(api.as_user(world.u.prac_east).get(api_url(with_support, format="html")))
        assert "Nan stays over while mum is in hospital, by 27 February 2027." in html
        assert "If Nan is unwell, Aunt Jo steps in." in html
        assert "by 3 April 2027" in html
        assert "is paid £25.00 every week" in html

    def test_for_court(self, world, api, accepted):
        html = html_of(api.as_user(world.u.prac_east).get(api_url(accepted, format="html", **{"for": "court"})))
        assert "For the court: pre-proceedings checklist" in html
        assert accepted.case.reference in html
        assert "Margaret (grandparent)" in html
        court_pdf = api.as_user(world.u.prac_east).get(api_url(accepted, **{"for": "court"}))
        assert "pre-proceedings checklist" in pdf_text(court_pdf.content)
        assert court_pdf["Content-Disposition"].endswith('-v1-court.pdf"')

    @pytest.mark.parametrize("query,field", [({"format": "docx"}, "format"), ({"for": "judge"}, "for")])
    def test_unknown_format_or_version_is_400(self, world, api, accepted, query, field):
        response = api.as_user(world.u.prac_east).get(api_url(accepted, **query))
        assert response.status_code == 400
        assert response.json()[field]

    @pytest.mark.parametrize("role", ["prac_west", "fin1", "tm_west", "anon"])
    def test_out_of_scope_is_404_and_finance_never_sees_a_plan(self, world, api, accepted, role):
        client = api if role == "anon" else api.as_user(getattr(world.u, role))
        response = client.get(api_url(accepted))
        assert response.status_code == (401 if role == "anon" else 404)
        assert not AccessLog.objects.filter(what="plan_document").exists()

    @pytest.mark.parametrize("role", ["prac_east", "prac_east2", "tm_east", "sm", "hos", "auditor"])
    def test_whoever_sees_the_plan_may_download_it(self, world, api, accepted, role):
        response = api.as_user(getattr(world.u, role)).get(api_url(accepted))
        assert response.status_code == 200

    def test_the_conferences_coordinator_may_download_it(self, world, api):
        case, grandmother, plan = scenario.plan_accepted(world, model="fgc")
        response = api.as_user(world.u.coord).get(api_url(plan, format="html"))
        assert "family group conference" in html_of(response)

    def test_each_download_is_in_the_access_log(self, world, api, accepted):
        client = api.as_user(world.u.prac_east)
        client.get(api_url(accepted))
        client.get(api_url(accepted, format="html"))
        logs = AccessLog.objects.filter(what="plan_document", door="api", object_id=accepted.pk)
        assert logs.count() == 2
        assert {log.actor_username for log in logs} == {"prac.east"}
        assert {log.case_id for log in logs} == {accepted.case_id}


class TestPages:
    def test_links_on_the_case_page_and_the_plan_page(self, world, client, accepted):
        client.force_login(world.u.prac_east)
        url = reverse("fgdm:plan_document", args=[accepted.pk])
        for page in (
            reverse("fgdm:case_detail", args=[accepted.case_id]),
            reverse("fgdm:plan_detail", args=[accepted.pk]),
        ):
            html = client.get(page).content.decode()
            assert f'<a class="govuk-link" href="{url}">Print the plan</a>' in html
            assert f'<a class="govuk-link" href="{url}?format=pdf">Download as PDF</a>' in html
            assert f"{url}?for=court&amp;format=pdf" in html

    def test_printable_page_and_pdf(self, world, client, with_support):
        client.force_login(world.u.prac_east)
        url = reverse("fgdm:plan_document", args=[with_support.pk])
        html = html_of(client.get(url))
        assert "Nan stays over while mum is in hospital, by 27 February 2027." in html
        pdf = client.get(url + "?format=pdf")
        assert pdf["Content-Type"] == "application/pdf"
        assert "£25.00" in pdf_text(pdf.content)
        assert AccessLog.objects.filter(what="plan_document", door="page", object_id=with_support.pk).count() == 2

    def test_finance_and_another_team_get_404(self, world, client, accepted):
        for user in (world.u.fin1, world.u.prac_west):
            client.force_login(user)
            assert client.get(reverse("fgdm:plan_document", args=[accepted.pk])).status_code == 404

    def test_unknown_format_is_400(self, world, client, accepted):
        client.force_login(world.u.prac_east)
        assert client.get(reverse("fgdm:plan_document", args=[accepted.pk]) + "?format=docx").status_code == 400
