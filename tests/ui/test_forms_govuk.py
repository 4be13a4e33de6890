"""Forms that fit UK users, in GOV.UK Frontend markup: dates in day, month and year boxes, amounts
with a £ prefix, hints and errors whose ids exist, messages in words for people, hubs filtered by
locality. Asserted on the rendered pages and through POSTs."""

import datetime
import re

import pytest
from django.urls import reverse

from fgdm.models import Case
from tests import scenario
from tests.factories import HubFactory
from tests.helpers import formset, package_data, referral_data

pytestmark = pytest.mark.django_db


def ids_in(body: str) -> set[str]:
    return set(re.findall(r'\bid="([^"]+)"', body))


def assert_references_exist(body: str) -> None:
    """Every aria-describedby, label for= and error summary link names an id on the page."""
    ids = ids_in(body)
    for described in re.findall(r'aria-describedby="([^"]+)"', body):
        for one in described.split():
            assert one in ids, one
    for target in re.findall(r'<label[^>]* for="([^"]+)"', body):
        assert target in ids, target
    summary = body.split('class="govuk-error-summary"', 1)
    if len(summary) == 2:
        for target in re.findall(r'href="#([^"]+)"', summary[1].split("</ul>", 1)[0]):
            assert target in ids, target


def referral(world, **overrides):
    data = referral_data(locality=str(world.east.pk))
    data.update(overrides)
    return data


class TestDateInput:
    def test_the_page_shows_three_boxes_and_no_browser_picker(self, client, world):
        client.force_login(world.u.prac_east)
        body = client.get(reverse("fgdm:case_new")).content.decode()
        assert 'class="govuk-date-input"' in body
        for part in ("day", "month", "year"):
            assert f'name="children-0-date_of_birth-{part}"' in body
            assert f'id="id_children-0-date_of_birth-{part}"' in body
        assert 'type="date"' not in body and 'type="datetime-local"' not in body
        assert_references_exist(body)

    def test_a_date_in_parts_is_accepted(self, client, world):
        client.force_login(world.u.prac_east)
        data = referral(world)
        del data["children-0-date_of_birth"]
        data.update(
            {
                "children-0-date_of_birth-day": "9",
                "children-0-date_of_birth-month": "3",
                "children-0-date_of_birth-year": "2017",
            }
        )
        response = client.post(reverse("fgdm:case_new"), data)
        assert response.status_code == 302, response.content.decode()[-3000:]
        child = Case.objects.get().children.get()
        assert child.date_of_birth == datetime.date(2017, 3, 9)

    def test_a_single_iso_date_is_still_accepted(self, client, world):
        client.force_login(world.u.prac_east)
        response = client.post(reverse("fgdm:case_new"), referral(world))
        assert response.status_code == 302
        assert Case.objects.get().children.get().date_of_birth == datetime.date(2017, 3, 9)

    def test_a_uk_typed_single_date_is_accepted(self, client, world):
        client.force_login(world.u.prac_east)
        response = client.post(reverse("fgdm:case_new"), referral(world, **{"children-0-date_of_birth": "09/03/2017"}))
        assert response.status_code == 302
        assert Case.objects.get().children.get().date_of_birth == datetime.date(2017, 3, 9)

    @pytest.mark.parametrize(
        "day, month, year, message, wrong",
        [
            ("9", "", "2017", "Date of birth must include a month", {"month"}),
            ("", "", "2017", "Date of birth must include a day and month", {"day", "month"}),
            ("31", "2", "2017", "Date of birth must be a real date", {"day", "month", "year"}),
            ("9", "3", "17", "Year must include 4 numbers", {"year"}),
        ],
    )
    def test_a_wrong_date_says_what_to_do(self, client, world, day, month, year, message, wrong):
        client.force_login(world.u.prac_east)
        data = referral(world)
        del data["children-0-date_of_birth"]
        data.update(
            {
                "children-0-date_of_birth-day": day,
                "children-0-date_of_birth-month": month,
                "children-0-date_of_birth-year": year,
            }
        )
        response = client.post(reverse("fgdm:case_new"), data)
        body = response.content.decode()
        assert response.status_code == 400 and not Case.objects.exists()
        assert f'<span class="govuk-visually-hidden">Error:</span> {message}' in body
        # The summary says the same words (named by the row) and links to the first box.
        assert f'<a href="#id_children-0-date_of_birth-day">Child 1: {message}</a>' in body
        for part in ("day", "month", "year"):
            box = re.search(rf'<input class="([^"]+)" id="id_children-0-date_of_birth-{part}"', body).group(1)
            assert ("govuk-input--error" in box) == (part in wrong), part
        # What was typed is shown again.
        assert f'name="children-0-date_of_birth-year" type="text" inputmode="numeric" value="{year}"' in body
        assert_references_exist(body)

    def test_a_required_date_left_empty(self, client, world):
        case = scenario.allocated(world)
        client.force_login(world.u.prac_east)
        url = reverse("fgdm:case_stage", args=[case.pk])
        body = client.get(url).content.decode()
        assert 'name="changed_on-day"' in body
        response = client.post(
            url,
            {
                "stage": "child_protection",
                "reason": "Strategy meeting",
                "changed_on-day": "",
                "changed_on-month": "",
                "changed_on-year": "",
            },
        )
        assert response.status_code == 302  # optional: empty boxes are no date


class TestMeetingTime:
    def test_date_and_24_hour_time_in_boxes(self, client, world):
        case, _grandmother = scenario.with_network(world)
        client.force_login(world.u.prac_east)
        url = reverse("fgdm:meeting_new", args=[case.pk])
        body = client.get(url).content.decode()
        assert 'name="scheduled_for-time"' in body and 'name="scheduled_for-day"' in body
        assert 'type="datetime-local"' not in body
        when = datetime.date.today() + datetime.timedelta(days=10)
        data = {
            "model": "fnm",
            "venue": "Leigh Park Family Hub",
            "scheduled_for-day": str(when.day),
            "scheduled_for-month": str(when.month),
            "scheduled_for-year": str(when.year),
            "scheduled_for-time": "25:00",
        }
        body = client.post(url, data).content.decode()
        assert "Enter the time in 24-hour clock, like 14:30" in body
        data["scheduled_for-time"] = "14:30"
        assert client.post(url, data).status_code == 302
        meeting = case.meetings.get()
        from django.utils import timezone

        assert timezone.localtime(meeting.scheduled_for).strftime("%H:%M") == "14:30"


class TestErrorsForPeople:
    def test_summary_and_message_are_the_same_words_linked_to_the_field(self, client, world):
        client.force_login(world.u.prac_east)
        response = client.post(reverse("fgdm:case_new"), referral(world, family_name="", locality=""))
        body = response.content.decode()
        assert response.status_code == 400
        assert '<a href="#id_family_name">Enter the family name</a>' in body
        assert '<a href="#id_locality">Select the locality</a>' in body
        assert 'class="govuk-form-group govuk-form-group--error"' in body
        assert 'id="id_family_name-error" class="govuk-error-message"' in body
        assert re.search(r'<input[^>]*class="govuk-input[^"]*govuk-input--error"[^>]*id="id_family_name"', body)
        assert "This field is required" not in body and "Family name: " not in body
        assert body.split("<title>", 1)[1].startswith("Error: ")
        assert_references_exist(body)

    def test_no_child_row_says_add_a_child(self, client, world):
        client.force_login(world.u.prac_east)
        data = {k: v for k, v in referral(world).items() if not k.startswith("children-0-")}
        data.update(formset("children", [], total=3))
        body = client.post(reverse("fgdm:case_new"), data).content.decode()
        assert "Add at least one child" in body and "Please submit" not in body

    def test_a_radio_question_links_to_its_first_answer(self, client, world):
        case = scenario.allocated(world)
        client.force_login(world.u.prac_east)
        body = client.post(reverse("fgdm:case_stage", args=[case.pk]), {"reason": "x"}).content.decode()
        assert '<a href="#id_stage_0">Select the new stage</a>' in body
        assert 'id="id_stage_0"' in body and 'class="govuk-radios"' in body and "<legend" in body
        assert_references_exist(body)

    def test_hints_have_ids_that_exist(self, client, world):
        client.force_login(world.u.prac_east)
        body = client.get(reverse("fgdm:case_new")).content.decode()
        assert 'id="id_hub-hint" class="govuk-hint"' in body
        assert 'aria-describedby="id_hub-hint"' in body
        assert_references_exist(body)


class TestMoney:
    def test_amounts_have_a_pound_prefix(self, client, world):
        case, grandmother, plan = scenario.plan_accepted(world)
        client.force_login(world.u.prac_east)
        body = client.get(reverse("network_packages:package_new", args=[case.pk])).content.decode()
        wrapper = body.split(
            '<div class="govuk-input__wrapper"><div class="govuk-input__prefix" aria-hidden="true">£</div>'
        )
        assert len(wrapper) > 1
        assert 'name="items-0-amount"' in wrapper[1].split(">", 1)[0]
        assert 'inputmode="decimal"' in wrapper[1].split(">", 1)[0]
        assert "govuk-input--width-10" in wrapper[1].split(">", 1)[0]
        assert_references_exist(body)

    @pytest.mark.parametrize(
        "amount, message",
        [
            ("", "Enter the amount per instalment, like £250.00"),
            ("lots", "Enter an amount, like £250.00"),
            ("0.00", "Amount per instalment must be £0.01 or more"),
        ],
    )
    def test_amount_messages(self, client, world, amount, message):
        case, grandmother, plan = scenario.plan_accepted(world)
        client.force_login(world.u.prac_east)
        data = package_data(case, grandmother, plan, amount=amount)
        body = client.post(reverse("network_packages:package_new", args=[case.pk]), data).content.decode()
        assert f"Item 1: {message}" in body

    def test_pound_sign_typed_is_accepted(self, client, world):
        case, grandmother, plan = scenario.plan_accepted(world)
        client.force_login(world.u.prac_east)
        data = package_data(case, grandmother, plan, amount="£1,300.50")
        assert client.post(reverse("network_packages:package_new", args=[case.pk]), data).status_code == 302
        assert str(case.packages.get().items.get().amount) == "1300.50"


class TestCharacterCount:
    def test_a_textarea_with_a_limit_counts_characters(self, client, world):
        client.force_login(world.u.prac_east)
        body = client.get(reverse("fgdm:profile")).content.decode()
        assert 'class="govuk-form-group govuk-character-count" data-module="govuk-character-count"' in body
        assert 'data-maxlength="2000"' in body and "govuk-js-character-count" in body
        assert 'id="id_reason-info" class="govuk-hint govuk-character-count__message"' in body
        assert ' maxlength="2000"' not in body  # the count says it; a paste is not cut short
        assert_references_exist(body)


class TestHubsByLocality:
    def test_hubs_are_grouped_by_locality(self, client, world):
        HubFactory(name="Weymouth Hub", locality=world.east)
        HubFactory(name="Poole Hub", locality=world.west)
        client.force_login(world.u.prac_east)
        body = client.get(reverse("fgdm:case_new")).content.decode()
        assert '<optgroup label="East">' in body and '<optgroup label="West">' in body
        east = body.split('<optgroup label="East">', 1)[1].split("</optgroup>", 1)[0]
        assert "Weymouth Hub" in east and "Poole Hub" not in east
        assert 'data-module="app-hub-filter"' in body and 'data-locality-select="id_locality"' in body
        assert "core/hub-filter" in body

    def test_a_hub_of_another_locality_is_refused(self, client, world):
        poole = HubFactory(name="Poole Hub", locality=world.west)
        client.force_login(world.u.prac_east)
        response = client.post(reverse("fgdm:case_new"), referral(world, hub=str(poole.pk)))
        body = response.content.decode()
        assert response.status_code == 400 and not Case.objects.exists()
        assert '<a href="#id_hub">Select a family hub in East, or “None”</a>' in body

    def test_a_hub_of_the_locality_is_kept(self, client, world):
        weymouth = HubFactory(name="Weymouth Hub", locality=world.east)
        client.force_login(world.u.prac_east)
        assert client.post(reverse("fgdm:case_new"), referral(world, hub=str(weymouth.pk))).status_code == 302
        assert Case.objects.get().hub == weymouth


class TestNoAnswerChosenForThePerson:
    def test_support_needed_is_not_preselected(self, client, world):
        case, _grandmother, plan = scenario.meeting_held(world)
        client.force_login(world.u.prac_east)
        body = client.get(reverse("fgdm:plan_detail", args=[plan.pk])).content.decode()
        assert 'name="support_needed"' in body
        assert not re.search(r'name="support_needed"[^>]*checked', body)
        body = client.post(reverse("fgdm:plan_accept", args=[plan.pk]), {}).content.decode()
        assert "Select whether the family needs a support package" in body

    def test_consent_scope_must_be_chosen(self, client, world):
        case = scenario.allocated(world)
        client.force_login(world.u.prac_east)
        url = reverse("fgdm:case_consent", args=[case.pk])
        assert "checked" not in client.get(url).content.decode().split('name="scope"', 1)[1].split(">", 1)[0]
        body = client.post(url, {"given_by": "Sarah Hardy"}).content.decode()
        assert "Select what they agreed to" in body


class TestPagesInGovukMarkup:
    def test_form_page_markup(self, client, world):
        case = scenario.allocated(world)
        client.force_login(world.u.prac_east)
        body = client.get(reverse("fgdm:case_stage", args=[case.pk])).content.decode()
        assert 'class="govuk-heading-l"' in body and 'class="govuk-button"' in body
        assert 'class="button' not in body

    def test_add_another_is_a_secondary_button(self, client, world):
        client.force_login(world.u.prac_east)
        body = client.get(reverse("fgdm:case_new")).content.decode()
        assert 'class="govuk-button govuk-button--secondary" type="submit" name="add_child"' in body
        assert 'class="govuk-fieldset app-row"' in body

    def test_sign_in_error_in_an_error_summary(self, client, world):
        response = client.post(reverse("login"), {"username": "prac.east", "password": "wrong"})
        body = response.content.decode()
        assert 'class="govuk-error-summary"' in body
        assert "Enter a correct username and password" in body
        assert body.split("<title>", 1)[1].startswith("Error: ")
        assert 'class="govuk-input govuk-input--width-20 govuk-input--error"' in body
        assert_references_exist(body)

    def test_sign_in_page(self, client):
        body = client.get(reverse("login")).content.decode()
        assert 'class="govuk-heading-l">Sign in' in body and 'autocomplete="current-password"' in body


class TestWorkflowWords:
    def test_a_step_not_ready_names_no_node(self, world):
        from core.exceptions import InvalidTransition
        from core.workflow import complete_task
        from process.flows import CaseFlow

        case = scenario.allocated(world)
        with pytest.raises(InvalidTransition) as caught:
            complete_task(process=case.process, node=CaseFlow.approve_service_manager, by=world.u.sm)
        message = caught.value.message
        assert "approve_service_manager" not in message and "not waiting" not in message
        assert "Go back to the case" in message
