"""Case notes (issue 17, part 3): dated, written by the case's staff, never edited or deleted —
corrected only by a new note that names the one it corrects (both kept). Through the service, the
API and the pages; who may read and write them."""

import datetime

import pytest
from django.utils import timezone

from audit.models import AccessLog, DomainEvent
from core.exceptions import InvalidTransition, NotPermitted, RuleBroken
from fgdm import services
from fgdm.models import CaseNote
from tests.helpers import ok, page_ok, post

pytestmark = pytest.mark.django_db

YESTERDAY = datetime.timedelta(days=1)


class TestCaseNoteWrite:
    def test_a_practitioner_writes_a_dated_note_with_one_event(self, world, case):
        day = timezone.localdate() - YESTERDAY
        note = services.case_note_write(case_id=case.pk, by=world.u.prac_east, text="  Visited Nan.  ", noted_on=day)
        assert (note.text, note.noted_on, note.written_by, note.corrects) == (
            "Visited Nan.",
            day,
            world.u.prac_east,
            None,
        )
        assert note.written_at is not None
        [event] = DomainEvent.objects.filter(case_id=case.pk, action="case_note_written")
        assert event.actor_username == "prac.east" and "Visited" not in str(event.changes)

    def test_the_day_defaults_to_today_and_cannot_be_in_the_future(self, world, case):
        note = services.case_note_write(case_id=case.pk, by=world.u.prac_east, text="Phone call")
        assert note.noted_on == timezone.localdate()
        with pytest.raises(RuleBroken) as refused:
            services.case_note_write(
                case_id=case.pk, by=world.u.prac_east, text="x", noted_on=timezone.localdate() + YESTERDAY
            )
        assert refused.value.field == "noted_on"
        assert CaseNote.objects.count() == 1

    def test_an_empty_note_is_refused(self, world, case):
        with pytest.raises(RuleBroken) as refused:
            services.case_note_write(case_id=case.pk, by=world.u.prac_east, text="   ")
        assert refused.value.field == "text" and not CaseNote.objects.exists()

    def test_a_manager_over_the_case_writes_notes(self, world, case):
        services.case_note_write(case_id=case.pk, by=world.u.tm_east, text="Supervision: agreed next steps")
        services.case_note_write(case_id=case.pk, by=world.u.sm, text="Escalation reviewed")
        assert CaseNote.objects.count() == 2

    @pytest.mark.parametrize("who", ["prac_west", "tm_west", "auditor", "fin1", "coord"])
    def test_others_may_not_write(self, world, case, who):
        with pytest.raises(NotPermitted):
            services.case_note_write(case_id=case.pk, by=getattr(world.u, who), text="x")
        assert not CaseNote.objects.exists() and not DomainEvent.objects.filter(action="case_note_written").exists()


class TestCaseNoteCorrect:
    def test_a_correction_is_a_new_note_and_both_are_kept(self, world, case):
        first = services.case_note_write(case_id=case.pk, by=world.u.prac_east, text="Nan is 67.")
        fixed = services.case_note_correct(note_id=first.pk, by=world.u.prac_east2, text="Nan is 76.")
        first.refresh_from_db()
        assert (first.text, first.is_corrected, first.correction) == ("Nan is 67.", True, fixed)
        assert (fixed.corrects, fixed.noted_on, fixed.is_corrected) == (first, first.noted_on, False)
        [event] = DomainEvent.objects.filter(case_id=case.pk, action="case_note_corrected")
        assert event.changes["corrects"] == first.pk

    def test_the_chain_goes_on_from_the_newest_version_only(self, world, case):
        first = services.case_note_write(case_id=case.pk, by=world.u.prac_east, text="v1")
        second = services.case_note_correct(note_id=first.pk, by=world.u.prac_east, text="v2")
        with pytest.raises(InvalidTransition):
            services.case_note_correct(note_id=first.pk, by=world.u.prac_east, text="v2 again")
        third = services.case_note_correct(note_id=second.pk, by=world.u.prac_east, text="v3")
        assert [n.text for n in CaseNote.objects.order_by("id")] == ["v1", "v2", "v3"]
        assert third.corrects == second and second.corrects == first

    def test_an_outsider_cannot_correct(self, world, case):
        first = services.case_note_write(case_id=case.pk, by=world.u.prac_east, text="v1")
        with pytest.raises(NotPermitted):
            services.case_note_correct(note_id=first.pk, by=world.u.prac_west, text="v2")
        assert CaseNote.objects.count() == 1


class TestNotesApi:
    def url(self, case):
        return f"/api/v1/cases/{case.pk}/notes/"

    def test_write_list_and_correct(self, world, case, api):
        client = api.as_user(world.u.prac_east)
        first = ok(client.post(self.url(case), {"text": "Home visit"}, format="json"), 201)
        assert first["noted_on"] == timezone.localdate().isoformat() and first["corrects"] is None
        fixed = ok(client.post(self.url(case), {"text": "Home visit (Nan present)", "corrects": first["id"]}), 201)
        assert fixed["corrects"] == first["id"]
        listed = ok(client.get(self.url(case)))
        assert listed["count"] == 2
        by_id = {n["id"]: n for n in listed["results"]}
        assert by_id[first["id"]]["corrected_by"] == fixed["id"]
        assert AccessLog.objects.filter(what="case_notes", door="api", case_id=case.pk).exists()

    def test_bad_input_is_a_400_with_field_messages(self, world, case, api):
        client = api.as_user(world.u.prac_east)
        future = (timezone.localdate() + YESTERDAY).isoformat()
        assert "text" in ok(client.post(self.url(case), {"text": ""}, format="json"), 400)
        assert "noted_on" in ok(client.post(self.url(case), {"text": "x", "noted_on": future}, format="json"), 400)
        assert "corrects" in ok(client.post(self.url(case), {"text": "x", "corrects": 999999}, format="json"), 400)
        assert not CaseNote.objects.exists()

    def test_a_note_of_another_case_cannot_be_corrected_from_here(self, world, case, api):
        from tests import scenario

        other = scenario.allocated(world)
        note = services.case_note_write(case_id=other.pk, by=world.u.prac_east, text="x")
        response = api.as_user(world.u.prac_east).post(self.url(case), {"text": "y", "corrects": note.pk})
        assert response.status_code == 400 and CaseNote.objects.count() == 1

    @pytest.mark.parametrize(
        "who, get, post_",
        [
            ("prac_west", 404, 404),
            ("fin1", 404, 404),
            ("coord", 404, 404),
            ("auditor", 200, 403),
            ("tm_east", 200, 201),
        ],
    )
    def test_who_reads_and_writes(self, world, case, api, who, get, post_):
        client = api.as_user(getattr(world.u, who))
        assert client.get(self.url(case)).status_code == get
        assert client.post(self.url(case), {"text": "x"}, format="json").status_code == post_


class TestNotesPages:
    def test_write_then_correct_through_the_pages(self, world, case, as_page):
        client = as_page(world.u.prac_east)
        post(client, f"/cases/{case.pk}/notes/new/", {"text": "Met Nan at school"})
        note = CaseNote.objects.get()
        detail = page_ok(client, f"/cases/{case.pk}/").content.decode()
        assert "Notes and documents" in detail and "Met Nan at school" in detail
        assert f"/case-notes/{note.pk}/correct/" in detail
        post(client, f"/case-notes/{note.pk}/correct/", {"text": "Met Nan at home"})
        listing = page_ok(client, f"/cases/{case.pk}/notes/").content.decode()
        fixed = CaseNote.objects.get(corrects=note)
        assert "Met Nan at school" in listing and "Met Nan at home" in listing
        assert "Corrected" in listing and f"#note-{fixed.pk}" in listing and f"#note-{note.pk}" in listing
        assert f"/case-notes/{note.pk}/correct/" not in listing  # the corrected one is corrected by its newest

    def test_bad_input_shows_the_error_summary_and_changes_nothing(self, world, case, as_page):
        client = as_page(world.u.prac_east)
        future = timezone.localdate() + YESTERDAY
        response = post(
            client,
            f"/cases/{case.pk}/notes/new/",
            {"text": "x", "noted_on-day": future.day, "noted_on-month": future.month, "noted_on-year": future.year},
            expect=400,
        )
        body = response.content.decode()
        assert "govuk-error-summary" in body and "cannot be in the future" in body
        response = post(client, f"/cases/{case.pk}/notes/new/", {"text": ""}, expect=400)
        assert "govuk-error-summary" in response.content.decode()
        assert not CaseNote.objects.exists()

    def test_the_auditor_reads_but_is_offered_no_writing(self, world, case, as_page):
        services.case_note_write(case_id=case.pk, by=world.u.prac_east, text="Seen by the auditor")
        client = as_page(world.u.auditor)
        body = page_ok(client, f"/cases/{case.pk}/notes/").content.decode()
        assert "Seen by the auditor" in body and "Write a note" not in body and "Correct this note" not in body
        assert client.post(f"/cases/{case.pk}/notes/new/", {"text": "x"}).status_code == 403

    def test_finance_and_outsiders_get_404(self, world, case, as_page):
        note = services.case_note_write(case_id=case.pk, by=world.u.prac_east, text="x")
        for who in ("fin1", "prac_west"):
            client = as_page(getattr(world.u, who))
            assert client.get(f"/cases/{case.pk}/notes/").status_code == 404
            assert client.get(f"/case-notes/{note.pk}/correct/").status_code == 404
