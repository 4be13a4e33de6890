"""Issue 14: the chain's head leaves the database. anchor_audit writes the chains' heads, signed
with AUDIT_ANCHOR_KEY, to AUDIT_ANCHOR_DIR; verify_audit checks the chains against every anchor, so
a chain rewritten whole in the database (every hash and the head recomputed) is caught."""

import io
import json

import pytest
from django.core.management import call_command

from audit.chain import link_hash
from audit.models import ChainHead, DomainEvent
from audit.sealing import seal
from audit.verification import verify_all
from tests import scenario
from tests.audit.test_audit_chain import disable_triggers


def run(command):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command(command, stdout=out, stderr=err)
    except SystemExit as exit_:
        return exit_.code, out.getvalue() + err.getvalue()
    return 0, out.getvalue() + err.getvalue()


def rewrite_domain_events_from(victim):
    """What someone with write access to the database could do: change a record, then recompute the
    hash of it and of every record after it, and the chain head, so the chain verifies again."""
    disable_triggers()  # on PostgreSQL, as a superuser could
    DomainEvent.objects.filter(pk=victim.pk).update(actor_username="hos")  # past save(): as raw SQL would
    prev_hash = DomainEvent.objects.get(seq=victim.seq - 1).hash if victim.seq > 1 else "0" * 64
    for record in DomainEvent.objects.filter(seq__gte=victim.seq).order_by("seq"):
        new_hash = link_hash(chain=DomainEvent.CHAIN, seq=record.seq, prev_hash=prev_hash, record=record)
        DomainEvent.objects.filter(pk=record.pk).update(prev_hash=prev_hash, hash=new_hash)
        prev_hash = new_hash
    ChainHead.objects.filter(chain=DomainEvent.CHAIN).update(hash=prev_hash)


@pytest.fixture
def anchors(settings, tmp_path):
    settings.AUDIT_ANCHOR_DIR = str(tmp_path / "anchors")
    return tmp_path / "anchors"


@pytest.mark.django_db
class TestAnchors:
    def test_anchor_is_written_signed_and_verified(self, world, anchors):
        scenario.package_approved(world)
        code, output = run("anchor_audit")
        assert code == 0, output
        (path,) = anchors.glob("anchor-*.json")
        data = json.loads(path.read_text())
        head = ChainHead.objects.get(chain="domain_events")
        assert data["heads"]["domain_events"] == {"seq": head.seq, "hash": head.hash}
        assert len(data["signature"]) == 64
        code, output = run("verify_audit")
        assert code == 0 and "1 anchor(s)" in output and "audit trail intact" in output

    def test_a_chain_rewritten_whole_is_caught_by_the_anchor(self, world, anchors):
        scenario.package_approved(world)
        assert run("anchor_audit")[0] == 0
        scenario.package_approved(world)  # more records after the anchor
        seal()
        victim = DomainEvent.objects.filter(action="package_approved").order_by("seq").first()
        rewrite_domain_events_from(victim)
        assert verify_all()[1] == []  # the chain alone no longer notices
        code, output = run("verify_audit")
        assert code == 1
        assert "BROKEN domain_events" in output and "the chain was rewritten" in output

    def test_a_rewrite_after_the_last_anchor_is_left_to_the_next_one(self, world, anchors):
        scenario.package_approved(world)
        assert run("anchor_audit")[0] == 0
        anchored = ChainHead.objects.get(pk="domain_events").seq
        scenario.package_approved(world)
        seal()
        rewrite_domain_events_from(DomainEvent.objects.get(seq=anchored + 1))
        assert run("verify_audit")[0] == 0  # anchors cover what was there when they were written
        assert run("anchor_audit")[0] == 0

    def test_records_removed_below_an_anchor_are_caught(self, world, anchors):
        scenario.package_approved(world)
        assert run("anchor_audit")[0] == 0
        head = ChainHead.objects.get(pk="domain_events")
        disable_triggers()
        DomainEvent.objects.filter(seq=head.seq)._raw_delete(DomainEvent.objects.db)
        last = DomainEvent.objects.order_by("-seq").first()
        ChainHead.objects.filter(pk="domain_events").update(seq=last.seq, hash=last.hash)
        assert verify_all()[1] == []
        code, output = run("verify_audit")
        assert code == 1 and "is missing" in output

    def test_an_edited_anchor_file_is_caught(self, world, anchors):
        scenario.package_approved(world)
        assert run("anchor_audit")[0] == 0
        (path,) = anchors.glob("anchor-*.json")
        data = json.loads(path.read_text())
        data["heads"]["domain_events"]["seq"] -= 1
        path.write_text(json.dumps(data))
        code, output = run("verify_audit")
        assert code == 1 and f"anchor {path.name}" in output and "not signed with this key" in output

    def test_the_key_comes_from_the_settings(self, world, anchors, settings):
        scenario.package_approved(world)
        settings.AUDIT_ANCHOR_KEY = "first key"
        assert run("anchor_audit")[0] == 0
        assert run("verify_audit")[0] == 0
        settings.AUDIT_ANCHOR_KEY = "another key"
        assert run("verify_audit")[0] == 1
        settings.AUDIT_ANCHOR_KEY = ""  # derived from SECRET_KEY: still not the key it was signed with
        assert run("verify_audit")[0] == 1

    def test_no_anchor_is_written_over_a_broken_chain(self, world, anchors):
        scenario.package_approved(world)
        seal()  # a record edited before it is sealed is the trail's window of weakness (audit.sealing)
        victim = DomainEvent.objects.order_by("seq").first()
        disable_triggers()
        DomainEvent.objects.filter(pk=victim.pk).update(actor_username="hos")
        code, output = run("anchor_audit")
        assert code == 1 and "No anchor written" in output
        assert not list(anchors.glob("anchor-*.json"))

    def test_without_anchors_verify_says_so_and_passes(self, world, anchors):
        scenario.package_approved(world)
        code, output = run("verify_audit")
        assert code == 0 and "no anchors" in output
