"""The written agreement of each support package (kinship care guidance 2024): what is paid, to whom,
how much, how often, for how long, the review date, what happens if circumstances change and lines
to sign; signing is recorded against the version (and the terms) it was for. Through the document
builder and the service (network_packages), the API (`GET /api/v1/packages/{id}/agreement/`,
`POST …/agreement/signatures/`) and the pages."""

import dataclasses
import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from audit.models import AccessLog, DomainEvent
from core.exceptions import InvalidTransition, NotPermitted, RuleBroken
from network_packages import services
from network_packages.documents import agreement_checksum, agreement_document
from network_packages.models import AgreementSignature
from network_packages.services import ItemInput
from tests import scenario
from tests.documents.conftest import pdf_text
from tests.helpers import counts

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2027, 2, 20)


def agreement_url(package, **query):
    url = f"/api/v1/packages/{package.pk}/agreement/"
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def signatures_url(package):
    return f"/api/v1/packages/{package.pk}/agreement/signatures/"


def sign(package, world, *, name="Margaret Hardy", signed_as="grandmother", on=TODAY):
    return services.agreement_record_signature(
        package_id=package.pk, by=world.u.prac_east, signed_by_name=name, signed_as=signed_as, signed_on=on
    )


@pytest.fixture
def weekly(world):
    """Approved: £25.00 a week for 12 weeks to Nan, from 20 February 2027, reviewed by 3 April 2027."""
    return scenario.package_approved(world, amount=Decimal("25.00"), frequency="weekly", instalments=12)


class TestWhatTheAgreementSays:
    def test_what_is_paid_to_whom_how_much_how_often_for_how_long(self, weekly):
        html = agreement_document(package=weekly).html
        assert (
            "<tr><td>Sofa bed (furniture and bedding)</td><td>Margaret Hardy (grandparent)</td>"
            '<td class="num">£25.00</td><td>Every week</td><td>12 weeks, from 20 February 2027 to 8 May 2027</td>'
            '<td class="num">£300.00</td></tr>'
        ) in html
        assert '<td class="num"><strong>£300.00</strong></td>' in html

    def test_a_one_off_payment(self, world):
        package = scenario.package_approved(world)
        html = agreement_document(package=package).html
        assert "<td>Once</td><td>A single payment, on 20 February 2027</td>" in html

    def test_monthly_payments(self, world):
        package = scenario.package_approved(world, amount=Decimal("65.00"), frequency="monthly", instalments=3)
        html = agreement_document(package=package).html
        assert "<td>Every month</td><td>3 months, from 20 February 2027 to 20 April 2027</td>" in html

    def test_the_review_date(self, weekly):
        assert "look at this support again by 3 April 2027" in agreement_document(package=weekly).html

    def test_what_happens_if_circumstances_change(self, weekly):
        html = agreement_document(package=weekly).html
        assert "If circumstances change" in html
        assert "Tell your family help practitioner straight away if anything changes" in html
        assert "A change is a new version of this agreement, which you will be asked to sign again." in html

    def test_signature_lines_for_each_payee_and_the_council(self, weekly):
        html = agreement_document(package=weekly).html
        assert "<tr><td>Margaret Hardy</td><td>grandparent</td><td></td><td></td></tr>" in html
        assert "<tr><td></td><td>family help practitioner, for the council</td><td></td><td></td></tr>" in html

    def test_a_draft_says_nothing_is_paid_until_approved(self, world):
        package = scenario.package_submitted(world)
        assert (
            "This support has not been approved yet. Nothing is paid until it is."
            in agreement_document(package=package).html
        )

    def test_a_real_pdf_with_the_facts(self, weekly):
        text = pdf_text(agreement_document(package=weekly).pdf())
        for fact in ("Margaret Hardy", "£25.00", "Every week", "8 May 2027", "3 April 2027", "If circumstances change"):
            assert fact in text, fact


class TestSigning:
    def test_recorded_against_the_version_and_its_terms(self, world, weekly):
        signature = sign(weekly, world)
        assert signature.package_version == weekly.version == 1
        assert signature.agreement_checksum == agreement_checksum(weekly)
        assert len(signature.agreement_checksum) == 64
        assert (signature.signed_by_name, signature.signed_as, signature.signed_on) == (
            "Margaret Hardy",
            "grandmother",
            TODAY,
        )
        assert signature.recorded_by == world.u.prac_east

    def test_the_agreement_shows_who_signed(self, world, weekly):
        assert "Not signed yet for version 1." in agreement_document(package=weekly).html
        sign(weekly, world)
        html = agreement_document(package=weekly).html
        assert "Signed for version 1: Margaret Hardy (grandmother) on 20 February 2027." in html
        assert "Not signed" not in html

    def test_signing_leaves_one_event_without_the_name(self, world, weekly):
        before = DomainEvent.objects.count()
        sign(weekly, world)
        assert DomainEvent.objects.count() == before + 1
        event = DomainEvent.objects.latest("id")
        assert (event.action, event.object_id, event.case_id) == ("agreement_signed", weekly.pk, weekly.case_id)
        assert event.changes["package_version"] == 1
        assert event.changes["agreement_checksum"] == agreement_checksum(weekly)
        assert "Margaret" not in str(event.changes)

    def test_approving_keeps_a_signature_given_on_the_draft(self, world):
        package = scenario.package_submitted(world)
        sign(package, world)
        approved = services.package_approve(package_id=package.pk, by=world.u.tm_east, note="Agreed")
        assert "Signed for version 1: Margaret Hardy" in agreement_document(package=approved).html

    def test_a_newer_version_is_unsigned(self, world, weekly):
        sign(weekly, world)
        item = weekly.items.get()
        newer = services.package_revise(
            package_id=weekly.pk,
            by=world.u.prac_east,
            plan_id=weekly.plan_id,
            justification=weekly.justification,
            other_funding_checked=True,
            agreement_signed_on=None,
            review_by=weekly.review_by,
            items=[dataclasses.replace(ItemInput.of(item), amount=Decimal("30.00"))],
        )
        assert newer.version == 2
        html = agreement_document(package=newer).html
        assert "Not signed yet for version 2." in html
        assert "Signed for" not in html
        # The old version keeps its signature.
        assert "Signed for version 1: Margaret Hardy" in agreement_document(package=weekly).html

    def test_a_draft_changed_after_signing_needs_signing_again(self, world):
        package = scenario.package_submitted(world)
        services.package_return(package_id=package.pk, by=world.u.tm_east, reason="Get a cheaper sofa bed")
        sign(package, world)
        item = package.items.get()
        services.package_update(
            package_id=package.pk,
            by=world.u.prac_east,
            items=[dataclasses.replace(ItemInput.of(item), amount=Decimal("250.00"))],
        )
        package.refresh_from_db()
        html = agreement_document(package=package).html
        assert "this agreement changed after it was signed, so it needs signing again" in html
        assert "Signed for" not in html
        sign(package, world)  # the same person signs the new terms
        assert "Signed for version 1: Margaret Hardy" in agreement_document(package=package).html

    @pytest.mark.parametrize(
        "field,kwargs",
        [
            ("signed_by_name", {"name": "  "}),
            ("signed_by_name", {"name": "Margaret\nHardy"}),
            ("signed_by_name", {"name": "M" * 201}),
            ("signed_as", {"signed_as": ""}),
            ("signed_on", {"on": None}),
            ("signed_on", {"on": TODAY + datetime.timedelta(days=1)}),
            ("signed_on", {"on": datetime.date(2020, 1, 1)}),
        ],
    )
    def test_bad_input_names_the_field_and_writes_nothing(self, world, weekly, field, kwargs):
        before = counts()
        with pytest.raises(RuleBroken) as refused:
            sign(weekly, world, **kwargs)
        assert refused.value.field == field
        assert counts() == before

    def test_the_same_signature_twice_is_refused(self, world, weekly):
        sign(weekly, world)
        with pytest.raises(InvalidTransition, match="already recorded"):
            sign(weekly, world, name="margaret hardy")

    def test_a_withdrawn_version_is_not_signed(self, world):
        package = scenario.package_submitted(world)
        services.package_withdraw(package_id=package.pk, by=world.u.prac_east, reason="Not needed")
        with pytest.raises(InvalidTransition):
            sign(package, world)

    def test_only_who_works_the_case(self, world, weekly):
        with pytest.raises(NotPermitted):
            services.agreement_record_signature(
                package_id=weekly.pk,
                by=world.u.prac_west,
                signed_by_name="Margaret Hardy",
                signed_as="grandmother",
                signed_on=TODAY,
            )


BODY = {"signed_by_name": "Margaret Hardy", "signed_as": "grandmother", "signed_on": "2027-02-20"}


class TestApi:
    def test_pdf_by_default(self, world, api, weekly):
        response = api.as_user(world.u.prac_east).get(agreement_url(weekly))
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert f'filename="written-agreement-{weekly.case.reference}-v1.pdf"' in response["Content-Disposition"]
        assert "£25.00" in pdf_text(response.content)

    def test_a_client_asking_for_a_pdf_gets_it(self, world, api, weekly):
        response = api.as_user(world.u.prac_east).get(agreement_url(weekly), HTTP_ACCEPT="application/pdf")
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"

    def test_format_html(self, world, api, weekly):
        response = api.as_user(world.u.tm_east).get(agreement_url(weekly, format="html"))
        assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
        html = response.content.decode()
        assert "Margaret Hardy (grandparent)" in html and "£25.00" in html and "3 April 2027" in html

    def test_unknown_format_is_400(self, world, api, weekly):
        response = api.as_user(world.u.prac_east).get(agreement_url(weekly, format="docx"))
        assert response.status_code == 400 and response.json()["format"]

    @pytest.mark.parametrize("role", ["prac_west", "tm_west", "coord", "fin1"])
    def test_out_of_scope_is_404(self, world, api, weekly, role):
        # A conference's coordinator and finance officers see no packages (finance sees payments).
        assert api.as_user(getattr(world.u, role)).get(agreement_url(weekly)).status_code == 404

    def test_each_download_is_in_the_access_log(self, world, api, weekly):
        client = api.as_user(world.u.auditor)
        client.get(agreement_url(weekly))
        client.get(agreement_url(weekly, format="html"))
        logs = AccessLog.objects.filter(what="written_agreement", door="api", object_id=weekly.pk)
        assert logs.count() == 2 and {log.case_id for log in logs} == {weekly.case_id}

    def test_record_a_signature(self, world, api, weekly):
        response = api.as_user(world.u.prac_east).post(signatures_url(weekly), BODY, format="json")
        assert response.status_code == 201, response.content
        body = response.json()
        assert body["package"] == weekly.pk and body["package_version"] == 1
        assert body["agreement_checksum"] == agreement_checksum(weekly)
        assert body["signed_on"] == "2027-02-20" and body["recorded_by"] == "prac.east"
        html = api.get(agreement_url(weekly, format="html")).content.decode()
        assert "Signed for version 1: Margaret Hardy (grandmother) on 20 February 2027." in html

    @pytest.mark.parametrize(
        "body,field",
        [
            ({**BODY, "signed_by_name": ""}, "signed_by_name"),
            ({k: v for k, v in BODY.items() if k != "signed_as"}, "signed_as"),
            ({**BODY, "signed_on": "20/02/2027x"}, "signed_on"),
            ({**BODY, "signed_on": "2027-02-21"}, "signed_on"),
            ({**BODY, "signed_by_name": "Margaret\tHardy"}, "signed_by_name"),
        ],
    )
    def test_bad_input_is_400_with_field_messages(self, world, api, weekly, body, field):
        before = counts()
        response = api.as_user(world.u.prac_east).post(signatures_url(weekly), body, format="json")
        assert response.status_code == 400, response.content
        assert response.json()[field]
        assert counts() == before

    def test_unknown_package_is_404(self, world, api, weekly):
        response = api.as_user(world.u.prac_east).post(
            f"/api/v1/packages/{weekly.pk + 999}/agreement/signatures/", BODY
        )
        assert response.status_code == 404

    def test_a_manager_may_not_record_it(self, world, api, weekly):
        response = api.as_user(world.u.tm_east).post(signatures_url(weekly), BODY, format="json")
        assert response.status_code == 403
        assert not AgreementSignature.objects.exists()

    def test_twice_is_409(self, world, api, weekly):
        client = api.as_user(world.u.prac_east)
        client.post(signatures_url(weekly), BODY, format="json")
        assert client.post(signatures_url(weekly), BODY, format="json").status_code == 409


class TestPages:
    def test_the_package_page_links_to_the_agreement_and_says_it_is_unsigned(self, world, client, weekly):
        client.force_login(world.u.prac_east)
        html = client.get(reverse("network_packages:package_detail", args=[weekly.pk])).content.decode()
        url = reverse("network_packages:package_agreement", args=[weekly.pk])
        assert f'<a class="govuk-link" href="{url}">Written agreement, version 1</a>' in html
        assert f'<a class="govuk-link" href="{url}?format=pdf">Download as PDF</a>' in html
        assert "Not signed yet for version 1." in html
        assert reverse("network_packages:package_agreement_sign", args=[weekly.pk]) in html

    def test_a_manager_sees_no_signature_form(self, world, client, weekly):
        client.force_login(world.u.tm_east)
        html = client.get(reverse("network_packages:package_detail", args=[weekly.pk])).content.decode()
        assert "Written agreement" in html
        assert reverse("network_packages:package_agreement_sign", args=[weekly.pk]) not in html

    def test_record_a_signature_on_the_page(self, world, client, weekly):
        client.force_login(world.u.prac_east)
        url = reverse("network_packages:package_agreement_sign", args=[weekly.pk])
        assert client.get(url).status_code == 200
        response = client.post(url, BODY)
        assert response.status_code == 302
        html = client.get(response["Location"]).content.decode()
        assert "Margaret Hardy (grandmother) on 20 February 2027" in html
        assert AgreementSignature.objects.get().package_version == 1

    def test_bad_input_on_the_page_is_400_and_writes_nothing(self, world, client, weekly):
        client.force_login(world.u.prac_east)
        response = client.post(
            reverse("network_packages:package_agreement_sign", args=[weekly.pk]), {**BODY, "signed_on": "2027-02-21"}
        )
        assert response.status_code == 400
        assert "cannot be in the future" in response.content.decode()
        assert not AgreementSignature.objects.exists()

    def test_printable_page_and_pdf(self, world, client, weekly):
        client.force_login(world.u.prac_east)
        url = reverse("network_packages:package_agreement", args=[weekly.pk])
        assert "Every week" in client.get(url).content.decode()
        assert "£25.00" in pdf_text(client.get(url + "?format=pdf").content)
        assert AccessLog.objects.filter(what="written_agreement", door="page").count() == 2
