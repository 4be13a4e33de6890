"""Words for the names a case's trail carries: domain event actions, reads of the records and the
workflow's steps. One table for every page that shows the trail (the case page's history, the
auditor's timeline), so no internal name (`approve_service_manager`, `payments.authorise_payment`)
reaches a person.

The actions are plain strings recorded by the apps on every floor (fgdm cannot import those above
it, and needs only their names); the steps' words come from the flow's own titles through the
kernel's workflow port.
"""

import re

from core import workflow

EVENT_LABELS = {
    # the case
    "case_referred": "Referral received",
    # a case's move to a new status, when no service names it otherwise (`case_<status>`)
    "case_meeting_planned": "Meeting planned",
    "case_plan_agreed": "Plan agreed by the family",
    "case_plan_returned": "Plan returned to the family",
    "case_plan_accepted": "Plan accepted: the plan is in place",
    "case_declined": "Referral declined",
    "case_allocated": "Lead practitioner allocated",
    "case_reassigned": "Lead practitioner changed",
    "case_transferred": "Case transferred to another team",
    "case_updated": "Case details corrected",
    "case_closed": "Case closed",
    "case_reopened": "Case reopened",
    "case_reviewed": "Plan reviewed with the family",
    "case_meeting_cancelled": "Meeting cancelled",
    "referral_declined": "Referral declined",
    "stage_changed": "Stage changed",
    "consent_recorded": "Consent recorded",
    "consent_withdrawn": "Consent withdrawn",
    "bottom_lines_set": "Bottom lines recorded",
    "review_escalated": "Overdue review escalated",
    "review_continue": "Review: the case continues",
    "review_meeting_arranged": "Review meeting arranged",
    "conflict_declared": "Conflict of interest declared",
    "legal_hold_placed": "Records held for legal reasons",
    "legal_hold_released": "Legal hold released",
    "looked_after_marked": "Child recorded as looked after",
    # children and the network
    "child_added": "Child added",
    "child_updated": "Child's details corrected",
    "child_born": "Birth recorded",
    "child_removed": "Child removed from the case",
    "child_wishes_recorded": "Child's wishes and feelings recorded",
    "member_added": "Added to the family network",
    "member_updated": "Network member's details corrected",
    "member_removed": "Removed from the family network",
    "member_preparation": "Preparation of a network member recorded",
    "member_exclusion_proposed": "Exclusion for safety proposed",
    "member_exclusion_signed_off": "Exclusion for safety signed off",
    "advocacy_offered": "Advocate offered",
    "advocacy_answered": "Answer to the offer of an advocate recorded",
    "outcome_recorded": "Child's outcome after closure recorded",
    # the case file
    "case_note_written": "Case note written",
    "case_note_corrected": "Case note corrected by a new note",
    "case_document_uploaded": "Document uploaded",
    # meetings and plans
    "meeting_scheduled": "Meeting arranged",
    "meeting_rescheduled": "Meeting moved",
    "meeting_cancelled": "Meeting cancelled",
    "meeting_prepared": "Network prepared for the meeting",
    "network_prepared": "Network prepared for the meeting",
    "meeting_held": "Meeting held",
    "meeting_reconvened": "Meeting reconvened",
    "plan_agreed": "Plan agreed by the family",
    "plan_accepted": "Plan accepted",
    "plan_returned": "Plan returned to the family",
    "plan_revised": "Revised plan recorded",
    "plan_superseded": "Plan replaced by a new version",
    "plan_action_done": "Plan action done",
    # pre-proceedings
    "pre_proceedings_intended": "Intention to apply to court recorded",
    "pre_proceedings_offered": "Family meeting offered (pre-proceedings)",
    "pre_proceedings_answered": "Family's answer recorded (pre-proceedings)",
    "pre_proceedings_exempt": "Exemption from the duty recorded",
    "pre_proceedings_application_made": "Application to court recorded",
    # packages
    "package_drafted": "Support package drafted",
    "package_updated": "Support package changed",
    "package_submitted": "Support package submitted",
    "package_resubmitted": "Support package submitted again",
    "package_approved": "Support package approved",
    "package_escalated": "Support package sent to a higher approver",
    "package_returned": "Support package returned",
    "package_withdrawn": "Support package withdrawn",
    "returned_package_withdrawn": "Returned support package withdrawn",
    "package_revised": "Support package changed (new version)",
    "package_reviewed": "Support package reviewed",
    "package_ended": "Support package ended",
    "package_paused": "Support package paused",
    "agreement_signed": "Written agreement signed",
    "payee_facts_changed": "Payee's details changed",
    "payee_policy_changed": "Payee rules changed",
    "payee_check_recorded": "Check on a paid carer recorded",
    "supplier_added": "Supplier added",
    "supplier_changed": "Supplier changed",
    "budget_set": "Budget set",
    "budget_total_fixed": "Budget running total corrected",
    "payment_total_fixed": "Payment running total corrected",
    "approval_limit_created": "Approval limit set",
    # payments
    "bank_details_entered": "Bank details entered",
    "bank_details_changed": "Bank details changed",
    "bank_details_verified": "Bank details verified",
    "payments_scheduled": "Payments scheduled",
    "payment_authorised": "Payment authorised",
    "payments_authorised": "Payments authorised",
    "payment_batched": "Payment added to a batch",
    "payment_paid": "Payment paid",
    "payment_returned": "Payment returned by the bank",
    "payment_cancelled": "Payment cancelled",
    "payment_reopened": "Payment reopened",
    "batch_created": "Payment batch created",
    "batch_approved": "Payment batch approved",
    "batch_exported": "Payment batch exported",
    "batch_exported_again": "Payment batch exported again",
    "batch_downloaded": "Payment file downloaded",
    "batch_confirmed": "Payment batch confirmed",
    "returns_imported": "Bank returns imported",
    # the workflow and access
    "task_assigned": "Step taken",
    "task_reassigned": "Step handed to someone else",
    "task_completed": "Step completed",
    # subject access requests
    "sar_received": "Subject access request received",
    "sar_id_checked": "Requester's identity checked",
    "sar_items_gathered": "Records gathered for a subject access request",
    "sar_item_decided": "Decision on a record for a subject access request",
    "sar_extended": "Subject access request extended",
    "sar_refused": "Subject access request refused",
    "sar_completed": "Subject access request completed",
}

# Reads of the records (the access log's `what`).
READ_LABELS = {
    "case": "the case page",
    "children": "the children's details",
    "meeting": "a meeting",
    "network_member": "a network member's details",
    "plan": "a family plan",
    "plan_document": "the printed plan",
    "written_agreement": "a written agreement",
    "case_document": "an uploaded document",
    "case_notes": "the case notes",
    "bank_details": "bank details",
    "export_file": "a payment file",
    "trail": "the timeline",
    "trail_csv": "the timeline as CSV",
    "subject_access_export": "a subject access bundle",
    "transparency_report": "the transparency report",
    "auditor_read": "records, as an auditor",
}

INTERNAL_NAME = re.compile(r"\b[a-z]+(?:[_.][a-z]+)+\b")


def humanise(name: str) -> str:
    """The last resort for a name missing from the tables: words, never the name itself."""
    words = re.sub(r"[_.]+", " ", name or "").strip()
    return words[:1].upper() + words[1:]


def event_label(action: str) -> str:
    """Words for a trail entry's action (a read is `read_<what>`)."""
    if action in EVENT_LABELS:
        return EVENT_LABELS[action]
    if action.startswith("read_"):
        return "Read " + READ_LABELS.get(action[5:], humanise(action[5:]).lower())
    return humanise(action)


def read_label(what: str) -> str:
    return READ_LABELS.get(what, humanise(what).lower())


def step_label(node_name: str) -> str:
    """The words for a workflow step, from the flow's own titles."""
    flow_class = workflow.flow_class()
    node = getattr(flow_class, node_name, None)
    title = getattr(node, "task_title", None)
    return str(title) if title else humanise(node_name)


def words(text: str) -> str:
    """A text with any internal name left in it replaced by words (`approve_team_manager` →
    "Approve team manager"), for descriptions recorded with a node's name in them."""
    return INTERNAL_NAME.sub(lambda match: humanise(match.group(0)).lower(), text or "")
