"""Subject access request export: everything held about a child or a network member, with other
people's details marked for redaction, as JSON and HTML; building it is logged."""

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from audit.models import AccessLog
from tests import scenario


def export(tmp_path, *args):
    out = io.StringIO()
    call_command("sar_export", *args, "--out", str(tmp_path), stdout=out)
    [json_file] = tmp_path.glob("*.json")
    [html_file] = tmp_path.glob("*.html")
    return json.loads(json_file.read_text()), html_file.read_text(), out.getvalue()


def values(bundle, section_title):
    section = next(s for s in bundle["sections"] if s["title"] == section_title)
    return [(v["label"], v["value"], v["redact"]) for r in section["records"] for v in r["values"]]


@pytest.mark.django_db
class TestSarExport:
    def test_child(self, world, tmp_path):
        package = scenario.payments_authorised(world)
        case = package.case
        child = case.children.get()
        bundle, page, output = export(tmp_path, "--child", str(child.pk), "--as", "auditor")
        assert bundle["subject"] == {
            "kind": "child",
            "id": child.pk,
            "name": "Lily Hardy",
            "case_reference": case.reference,
        }
        assert ("Date of birth", "2017-03-09", "") in values(bundle, "About you")
        others = values(bundle, "Other people in the case")
        assert ("Name", "Margaret Hardy", "third party: a member of the family network") in others
        assert all(redact for _, _, redact in others)
        money = values(bundle, "Support and payments")
        assert ("Paid to", "Margaret Hardy", "third party: a payee") in money
        assert any(label == "Action" for label, _, _ in values(bundle, "Meetings and plans"))
        trail = next(s for s in bundle["sections"] if s["title"] == "Changes to these records")
        assert any("case referred" in r["title"] for r in trail["records"])
        assert "<h1>Subject access request: Lily Hardy</h1>" in page and "review for redaction" in page
        assert "value(s) marked for redaction review" in output
        read = AccessLog.objects.get(what="subject_access_export")
        assert (read.actor_username, read.door, read.object_type, read.object_id, read.case_id) == (
            "auditor",
            "command",
            "child",
            child.pk,
            case.pk,
        )

    def test_member_sees_their_own_details_unredacted(self, world, tmp_path):
        package = scenario.payments_authorised(world)
        nan = package.items.first().payee
        bundle, page, _ = export(tmp_path, "--member", str(nan.pk))
        about = values(bundle, "About you")
        assert ("Name", "Margaret Hardy", "") in about
        money = values(bundle, "Support and payments")
        assert ("Paid to", "Margaret Hardy", "") in money
        assert ("Account number", "****5678", "") in money and "12165678" not in json.dumps(bundle)
        others = values(bundle, "Other people in the case")
        assert ("Name", "Lily Hardy", "third party: a child (unless you act for them)") in others
        assert ("Name", "Sarah Hardy", "third party: a member of the family network") in others

    def test_html_escapes_what_was_typed(self, world, tmp_path):
        from fgdm import services as case_services

        case = scenario.allocated(world)
        member = case_services.member_add(
            case_id=case.pk, by=world.u.prac_east, full_name="<script>x</script>", relationship="friend"
        )
        _, page, _ = export(tmp_path, "--member", str(member.pk))
        assert "<script>" not in page and "&lt;script&gt;" in page

    def test_unknown_person(self, world, tmp_path):
        with pytest.raises(CommandError):
            call_command("sar_export", "--child", "999999", "--out", str(tmp_path), stdout=io.StringIO())
        assert not AccessLog.objects.exists()

    def test_needs_one_subject(self, world, tmp_path):
        with pytest.raises(CommandError):
            call_command("sar_export", "--out", str(tmp_path), stdout=io.StringIO())
