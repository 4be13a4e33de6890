"""Retention and subject access for the family's and the child's needs and the children's outcomes
(registered with audit.retention and audit.sar from FgdmConfig.ready(), beside the case's own).

Retention follows the case (fgdm.retention): when a closed case's records are due, each of these
records that holds something that may identify someone loses it — a child's language and communication needs, how an excluded member
could challenge it, who an advocate was and the notes, the detail of where a child lives. The
codes (answers, checkpoints, who a child lives with, yes/no) stay for the numbers.
"""

from audit.retention import Due
from audit.sar import Record, Section, Subject
from fgdm.models import AdvocacyOffer, Child, ChildOutcome, NetworkMember
from fgdm.retention import CaseRecords


class NeedsAndOutcomesRecords:
    name = "fgdm.needs_and_outcomes"

    def due(self, *, today):
        for case_due in CaseRecords().due(today=today):
            case_id = case_due.case_id
            kept = (case_due.retention_class, case_due.destroy_after)
            for child in Child.objects.filter(case_id=case_id).exclude(language="", communication_needs=""):
                yield Due(*kept[:1], "fgdm.child", child.pk, case_id, kept[1], f"{case_due.description} child")
            for member in NetworkMember.objects.filter(case_id=case_id).exclude(exclusion_challenge=""):
                yield Due(*kept[:1], "fgdm.networkmember", member.pk, case_id, kept[1], case_due.description)
            offers = AdvocacyOffer.objects.filter(case_id=case_id).exclude(advocate="", note="")
            for offer_id in offers.values_list("pk", flat=True):
                yield Due(*kept[:1], "fgdm.advocacyoffer", offer_id, case_id, kept[1], case_due.description)
            outcomes = ChildOutcome.objects.filter(case_id=case_id).exclude(living_with_detail="")
            for outcome_id in outcomes.values_list("pk", flat=True):
                yield Due(*kept[:1], "fgdm.childoutcome", outcome_id, case_id, kept[1], case_due.description)

    def destroy(self, due: Due):
        if due.object_type == "fgdm.child":
            record = Child.objects.select_for_update().get(pk=due.object_id)
            record.language, record.communication_needs, record.interpreter_needed = "", "", False
            record.save(update_fields=["language", "communication_needs", "interpreter_needed"])
            return record, ["the child's language and communication needs"]
        if due.object_type == "fgdm.networkmember":
            record = NetworkMember.objects.select_for_update().get(pk=due.object_id)
            record.exclusion_challenge = ""
            record.save(update_fields=["exclusion_challenge"])
            return record, ["how they could challenge their exclusion"]
        if due.object_type == "fgdm.advocacyoffer":
            record = AdvocacyOffer.objects.select_for_update().get(pk=due.object_id)
            record.advocate, record.note = "", ""
            record.save(update_fields=["advocate", "note"])
            return record, ["who the advocate was, and the note"]
        record = ChildOutcome.objects.select_for_update().get(pk=due.object_id)
        record.living_with_detail = ""
        record.save(update_fields=["living_with_detail"])
        return record, ["the detail of who the child lives with"]


def _offer(offer: AdvocacyOffer) -> Record:
    return (
        Record(f"Offer of an advocate, {offer.offered_on:%Y-%m-%d}")
        .add("Answer", offer.get_answer_display())
        .add("Answered on", offer.answered_on)
        .add("Advocate", offer.advocate)
        .add("Note", offer.note, "may name third parties")
    )


def collect(subject: Subject) -> list[Section]:
    """What the needs and outcomes hold about a child or a network member."""
    if subject.kind == "child":
        child = Child.objects.get(pk=subject.id)
        section = Section("Your needs, advocacy and outcomes", "case record")
        section.records.append(
            Record("How you communicate")
            .add("Language", child.language)
            .add("Needs an interpreter", child.interpreter_needed)
            .add("Communication needs", child.communication_needs)
        )
        section.records += [_offer(offer) for offer in child.advocacy_offers.order_by("offered_on", "id")]
        for outcome in child.outcomes.order_by("due_on", "id"):
            section.records.append(
                Record(f"Outcome {outcome.get_checkpoint_display().lower()} (due {outcome.due_on:%Y-%m-%d})")
                .add("Lives", outcome.get_living_with_display() if outcome.living_with else "")
                .add("Where, with whom", outcome.living_with_detail)
                .add("On a child protection plan", outcome.on_child_protection_plan)
                .add("Care proceedings issued", outcome.proceedings_issued)
                .add("Entered care", outcome.entered_care)
                .add("Recorded", outcome.recorded_at)
            )
        return [section]
    if subject.kind == "member":
        member = NetworkMember.objects.get(pk=subject.id)
        section = Section("Your exclusion and advocacy", "case record")
        if member.exclusion_status:
            section.records.append(
                Record("Exclusion from the family's meetings")
                .add("Where it stands", member.get_exclusion_status_display())
                .add("How you can challenge it", member.exclusion_challenge)
                .add("Signed off on", member.exclusion_signed_off_at)
            )
        section.records += [_offer(offer) for offer in member.advocacy_offers.order_by("offered_on", "id")]
        return [section] if section.records else []
    return []
