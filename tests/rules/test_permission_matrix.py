"""The permission matrix: every URL the project serves, for every role, on an object in the
person's scope and one outside it, for every method the URL answers.

It is generated from one table, ROUTES: a row per named URL saying what kind of object it shows
(and so who may see it: VISIBLE) and, per method, what it does — "open" (anyone, even signed out),
"signed_in", "read" (whoever sees the object), or a step of core.roles.STEP_ROLES (the roles
that may take that kind of step). The expected answer of each cell follows from the rules:

    signed out                          → page 302 to sign in, API 401
    method the URL does not answer      → 405
    object outside the person's scope   → 404 (never 403: that would say it exists)
    a step the person's role cannot take → 403, before their input is read
    otherwise                           → 200 for a read; for a step not refused (200/201/302, or
                                          400/409 because the empty input or the state is wrong)

Every POST runs inside a transaction that is rolled back, so cells do not change each other.
A new URL without a row fails `test_every_url_has_a_row`: add the row here.
"""

from collections import Counter

import pytest
from django.contrib import admin
from django.db import transaction
from django.test import Client
from django.urls import URLResolver, get_resolver, reverse

from core.roles import STEP_ROLES, may
from reports.figures import SECTIONS as DASHBOARD_SECTIONS
from tests import matrix_world

pytestmark = pytest.mark.django_db

ROLES = ("anon", "prac_east", "prac_west", "coord", "tm_east", "sm", "hos", "fin1", "auditor", "admin")
# An administrator (superuser, no role) looks after reference data in admin: the flag gives no sight
# of casework or money in the pages and the API (fgdm.visibility), so admin sees no case or batch.
ALL_LOCALITIES = {"sm", "hos", "auditor"}

# Who sees the object of each kind: "in" is the East case (prac.east leads it, coord coordinates its
# conference, tm.east manages its team), "out" is the West case (prac.west's).
_CASE_IN = {"prac_east", "coord", "tm_east"} | ALL_LOCALITIES
_CASE_OUT = {"prac_west"} | ALL_LOCALITIES
_SUPPLIER_READERS = {"prac_east", "prac_west", "tm_east", "sm", "hos", "fin1", "auditor"}
VISIBLE = {
    None: {"in": set(ROLES) - {"anon"}, "out": set(ROLES) - {"anon"}},
    "case": {"in": _CASE_IN, "out": _CASE_OUT},  # case, its meetings and plans
    "whole_case": {"in": _CASE_IN - {"coord"}, "out": _CASE_OUT},  # packages, the trail: not for coordinators
    "payee": {"in": _CASE_IN | {"fin1"}, "out": _CASE_OUT | {"fin1"}},  # a network member who is paid
    "payment": {"in": _CASE_IN - {"coord"} | {"fin1"}, "out": _CASE_OUT | {"fin1"}},
    "batch": {"in": {"fin1", "auditor"}, "out": {"fin1", "auditor"}},
    "task": {"in": {"tm_east", "sm", "hos"}, "out": {"sm", "hos"}},  # an allocation task in the queue
    # The same task as a case's open task, which a manager over the case may hand on: whoever sees
    # that referral (its team, every-locality roles).
    "case_task": {"in": {"prac_east", "tm_east", "sm", "hos", "auditor"}, "out": {"prac_west", "sm", "hos", "auditor"}},
    # The council's register of suppliers: everyone who drafts, approves, pays or audits packages.
    "supplier": {"in": _SUPPLIER_READERS, "out": _SUPPLIER_READERS},
    # Subject access requests: whoever handles them (the auditor role), every request.
    "sar": {"in": {"auditor"}, "out": {"auditor"}},
    "sar_item": {"in": {"auditor"}, "out": {"auditor"}},
    # The notifications outbox (what was sent, or would have been): administrators only.
    "outbox": {"in": {"admin"}, "out": {"admin"}},
    # A file prepared in the background (core.exports): only the person who asked for it.
    "prepared_file": {"in": {"tm_east"}, "out": {"sm"}},
}

# URL keyword → which object of the world fills it.
KWARGS = {
    "case_id": "case",
    "meeting_id": "meeting",
    "plan_id": "plan",
    "package_id": "package",
    "member_id": "member",
    "payment_id": "payment",
    "task_id": "task",
    "batch_id": "batch",
    "child_id": "child",
    "action_id": "action",
    "supplier_id": "supplier",
    "request_id": "sar",
    "item_id": "sar_item",
    "offer_id": "offer",
    "outcome_id": "outcome",
    "note_id": "note",
    "document_id": "document",
    "link_id": "family_link",
    "token": "family_token",
    "prepared_file_id": "prepared_file",
}


def row(kind=None, *, api=False, deny=(), redirect=(), **methods):
    """`deny`: (role, scope, method) cells where the role may take this kind of step but the service
    refuses it on this object (e.g. a practitioner preparing a conference: only its coordinator can)."""
    return {"kind": kind, "api": api, "methods": methods, "deny": set(deny), "redirect": set(redirect)}


def api(kind=None, **methods):
    return row(kind, api=True, **methods)


ROUTES = {
    # -- open to everyone -------------------------------------------------------------------------
    "healthz": row(get="open", post="open"),
    "login": row(get="open", post="open"),
    "logout": row(post="open"),
    # Council sign-in (fgdm/sso.py): off here, so both send everyone back to the sign-in page;
    # tests/sso/ drives them against a fake provider.
    "oidc_authentication_init": row(get="open", redirect={(role, "in", "get") for role in ROLES}),
    "oidc_authentication_callback": row(get="open", redirect={(role, "in", "get") for role in ROLES}),
    "oidc_logout": row(post="open"),
    "api-token": api(post="open"),
    "api-logout": api(post="signed_in"),
    "api-schema": api(get="open"),
    # The family's own page: the link is the key (a live link on each side; junk is tests/family's).
    "family:view": row(get="open"),
    "api-docs": api(get="open"),
    "api-redoc": api(get="open"),
    # -- pages ------------------------------------------------------------------------------------
    # The auditor takes no steps: their home leads to the case search.
    "process:home": row(
        get="signed_in", post="signed_in", redirect={("auditor", "in", "get"), ("auditor", "out", "get")}
    ),
    "fgdm:profile": row(get="signed_in", post="signed_in"),
    "notifications:preferences": row(get="signed_in", post="signed_in"),
    "notifications:outbox": row("outbox", get="read"),
    "process:task_take": row("task", post="task_assign"),
    "process:task_reassign": row("case_task", get="task_reassign", post="task_reassign"),
    "process:caseload": row(get="caseload_view"),
    "reports:dashboard": row(get="dashboard_view"),
    **{f"reports:dashboard-{section}-csv": row(get="dashboard_view") for section in DASHBOARD_SECTIONS},
    "records:sar_list": row(get="sar_handle"),
    "records:sar_new": row(get="sar_handle", post="sar_handle"),
    "records:sar_detail": row("sar", get="sar_handle", post="sar_handle"),
    "fgdm:case_list": row(get="signed_in"),
    "fgdm:case_new": row(get="case_create", post="case_create"),
    "fgdm:case_detail": row("case", get="read"),
    "fgdm:case_map": row("case", get="read"),
    "fgdm:case_map_page": row("case", get="read"),
    "fgdm:case_timeline": row("whole_case", get="read"),
    "fgdm:case_timeline_csv": row("whole_case", get="trail_download"),
    "fgdm:case_allocate": row("case", get="case_allocate", post="case_allocate"),
    "fgdm:case_reassign": row("case", get="case_reassign", post="case_reassign"),
    "fgdm:case_consent": row("case", get="case_record_consent", post="case_record_consent"),
    "fgdm:case_edit": row("case", get="case_update", post="case_update"),
    "fgdm:child_new": row("whole_case", get="child_add", post="child_add"),
    "fgdm:child_edit": row("whole_case", get="child_update", post="child_update"),
    "fgdm:child_birth": row("whole_case", get="child_update", post="child_update"),
    "fgdm:child_remove": row("whole_case", get="child_remove", post="child_remove"),
    "fgdm:member_edit": row("payee", get="member_update", post="member_update"),
    "fgdm:member_remove": row("payee", get="member_remove", post="member_remove"),
    "fgdm:member_messages": row("payee", get="member_update", post="member_update"),
    "family:link_new": row("payee", get="member_update", post="member_update"),
    "family:link_revoke": row("payee", get="member_update", post="member_update"),
    "fgdm:member_new": row("case", get="member_add", post="member_add"),
    "fgdm:meeting_new": row("case", get="meeting_schedule", post="meeting_schedule"),
    "fgdm:case_review": row("case", get="case_review", post="case_review"),
    "fgdm:case_stage": row("case", get="case_change_stage", post="case_change_stage"),
    "fgdm:case_decline": row("case", get="case_decline", post="case_decline"),
    "fgdm:case_close": row("case", get="case_close", post="case_close"),
    "fgdm:case_reopen": row("case", get="case_reopen", post="case_reopen"),
    "fgdm:meeting_prepare": row(
        "case", get="meeting_prepare", post="meeting_prepare", deny={("prac_east", "in", "post")}
    ),
    "fgdm:meeting_record": row("case", get="meeting_record", post="meeting_record"),
    "fgdm:meeting_detail": row("case", get="read"),
    "fgdm:meeting_reschedule": row("case", get="meeting_reschedule", post="meeting_reschedule"),
    "fgdm:meeting_cancel": row("case", get="meeting_cancel", post="meeting_cancel"),
    "fgdm:meeting_reconvene": row("case", get="meeting_reconvene", post="meeting_reconvene"),
    "fgdm:plan_detail": row("case", get="read"),
    "fgdm:plan_accept": row("case", post="plan_accept"),
    "fgdm:plan_return": row("case", post="plan_return"),
    "fgdm:plan_revise": row("case", get="plan_revise", post="plan_revise"),
    "fgdm:plan_document": row("case", get="read"),
    "fgdm:case_consent_withdraw": row("case", get="case_withdraw_consent", post="case_withdraw_consent"),
    "fgdm:case_bottom_lines": row("case", get="case_set_bottom_lines", post="case_set_bottom_lines"),
    "fgdm:child_wishes": row("whole_case", get="child_record_wishes", post="child_record_wishes"),
    "fgdm:member_preparation": row("payee", get="member_record_preparation", post="member_record_preparation"),
    "fgdm:member_exclusion": row("payee", get="member_exclusion_propose", post="member_exclusion_propose"),
    "fgdm:member_exclusion_sign_off": row("payee", get="member_exclusion_sign_off", post="member_exclusion_sign_off"),
    "fgdm:member_advocacy": row("payee", get="advocacy_offer", post="advocacy_offer"),
    "fgdm:child_advocacy": row("whole_case", get="advocacy_offer", post="advocacy_offer"),
    "fgdm:advocacy_answer": row("whole_case", get="advocacy_offer", post="advocacy_offer"),
    # The case file (issue 17): whoever sees the case in full reads it; its staff write it.
    "fgdm:case_notes": row("whole_case", get="read"),
    "fgdm:case_note_new": row("whole_case", get="case_note_write", post="case_note_write"),
    "fgdm:note_correct": row("whole_case", get="case_note_write", post="case_note_write"),
    "fgdm:case_document_new": row("whole_case", get="case_document_upload", post="case_document_upload"),
    "fgdm:document_download": row("whole_case", get="read"),
    "fgdm:outcomes_due": row(get="signed_in"),
    "fgdm:outcome_record": row("whole_case", get="outcome_record", post="outcome_record"),
    "fgdm:action_done": row("case", post="action_mark_done"),
    "fgdm:pre_proceedings": row("whole_case", get="read"),
    "fgdm:pre_proceedings_intention": row("whole_case", post="pre_proceedings_intention"),
    "fgdm:pre_proceedings_offer": row("whole_case", post="pre_proceedings_record"),
    "fgdm:pre_proceedings_answer": row("whole_case", post="pre_proceedings_record"),
    "fgdm:pre_proceedings_exemption": row("whole_case", post="pre_proceedings_exemption"),
    "fgdm:pre_proceedings_application": row("whole_case", post="pre_proceedings_application"),
    "network_packages:package_new": row("case", get="package_create", post="package_create"),
    "network_packages:package_detail": row("whole_case", get="read"),
    "network_packages:package_change": row("whole_case", get="package_revise", post="package_revise"),
    "network_packages:package_edit": row("whole_case", get="package_update", post="package_update"),
    "network_packages:package_review": row("whole_case", get="package_review", post="package_review"),
    "network_packages:package_submit": row("whole_case", post="package_submit"),
    "network_packages:package_approve": row("whole_case", get="package_approve", post="package_approve"),
    "network_packages:package_return": row("whole_case", post="package_return"),
    "network_packages:package_withdraw": row("whole_case", post="package_withdraw"),
    "network_packages:package_end": row("whole_case", post="package_end"),
    "network_packages:package_pause": row("whole_case", post="package_pause"),
    "network_packages:package_agreement": row("whole_case", get="read"),
    "network_packages:package_agreement_sign": row(
        "whole_case", get="agreement_record_signature", post="agreement_record_signature"
    ),
    "network_packages:package_safety": row("whole_case", post="package_update"),
    "network_packages:payee": row("whole_case", get="read", post="payee_facts_set"),
    "network_packages:payee_check": row("whole_case", post="payee_check_record"),
    "payments:payment_list": row(get="signed_in"),
    "payments:payment_authorise": row("payment", get="payment_authorise", post="payment_authorise"),
    "payments:payments_authorise": row(post="payment_authorise"),  # the ticked ones: ids in the body
    "payments:payment_detail": row("payment", get="read"),
    "payments:payment_cancel": row("payment", get="payment_cancel", post="payment_cancel"),
    "payments:returns_import": row(get="returns_import", post="returns_import"),
    "payments:budgets": row(get="finance_reports"),
    "payments:transparency": row(get="finance_reports"),
    # The returns (issue 16): whoever reads the dashboard (reports.scope.may_see_figures).
    "reports:returns": row(get="dashboard_view"),
    "reports:returns_prepare": row(get="dashboard_view", post="dashboard_view"),
    "exports:list": row(get="signed_in"),
    "exports:detail": row("prepared_file", get="read", post="signed_in"),
    "exports:download": row("prepared_file", get="read"),
    "payments:bank_details": row("payee", get="bank_account_view", post="bank_account_set"),
    "payments:bank_details_verify": row("payee", get="bank_account_verify", post="bank_account_verify"),
    "payments:supplier_list": row(get="supplier_view", post="supplier_manage"),
    "payments:supplier_detail": row("supplier", get="read", post="supplier_manage"),
    "payments:supplier_bank_details": row("supplier", post="supplier_bank_account_set"),
    "payments:supplier_bank_details_verify": row(
        "supplier",
        get="supplier_bank_account_verify",
        post="supplier_bank_account_verify",
        deny={("fin1", "in", "post")},
    ),  # fin1 entered them
    "payments:batch_list": row(get="signed_in", post="batch_create"),
    "payments:batch_detail": row("batch", get="read"),
    "payments:batch_approve": row("batch", get="batch_approve", post="batch_approve"),
    "payments:batch_export": row("batch", get="batch_export", post="batch_export"),
    "payments:batch_download": row("batch", get="batch_export"),
    "payments:batch_prepare": row("batch", get="batch_export", post="batch_export"),
    "payments:batch_confirm": row("batch", get="batch_confirm", post="batch_confirm"),
    # -- API v1 -----------------------------------------------------------------------------------
    "api-me": api(get="signed_in"),
    "api-me-conflicts": api(get="signed_in", post="signed_in"),
    "api-localities": api(get="signed_in"),
    "api-hubs": api(get="signed_in"),
    "api-cases": api(get="signed_in", post="case_create"),
    "api-case": api("case", get="read", patch="case_update"),
    "api-case-children": api("whole_case", get="read", post="child_add"),
    "api-child": api("whole_case", patch="child_update"),
    "api-child-remove": api("whole_case", post="child_remove"),
    "api-member": api("payee", patch="member_update"),
    "api-member-remove": api("payee", post="member_remove"),
    "api-case-allocate": api("case", post="case_allocate"),
    "api-case-consent": api("case", post="case_record_consent"),
    "api-case-transfer": api("case", post="case_transfer"),
    "api-case-reassign": api("case", post="case_reassign"),
    "api-case-review": api("case", post="case_review"),
    "api-case-stage": api("case", post="case_change_stage"),
    "api-case-decline": api("case", post="case_decline"),
    "api-case-close": api("case", post="case_close"),
    "api-case-reopen": api("case", post="case_reopen"),
    "api-case-members": api("case", get="read", post="member_add"),
    "api-case-meetings": api("case", get="read", post="meeting_schedule"),
    "api-case-audit": api("whole_case", get="read"),
    "api-meeting-prepare": row("case", api=True, post="meeting_prepare", deny={("prac_east", "in", "post")}),
    "api-meeting-record": api("case", post="meeting_record"),
    "api-meeting": api("case", get="read"),
    "api-meeting-reschedule": api("case", post="meeting_reschedule"),
    "api-meeting-cancel": api("case", post="meeting_cancel"),
    "api-meeting-reconvene": api("case", post="meeting_reconvene"),
    "api-plan": api("case", get="read"),
    "api-plan-accept": api("case", post="plan_accept"),
    "api-plan-return": api("case", post="plan_return"),
    "api-plan-revise": api("case", post="plan_revise"),
    "api-plan-document": api("case", get="read"),
    "api-case-consent-withdraw": api("whole_case", post="case_withdraw_consent"),
    "api-case-bottom-lines": api("whole_case", post="case_set_bottom_lines"),
    "api-child-wishes": api("whole_case", post="child_record_wishes"),
    "api-member-preparation": api("payee", post="member_record_preparation"),
    "api-member-exclusion": api("payee", post="member_exclusion_propose"),
    "api-member-exclusion-sign-off": api("payee", post="member_exclusion_sign_off"),
    "api-member-advocacy": api("payee", post="advocacy_offer"),
    "api-child-advocacy": api("whole_case", post="advocacy_offer"),
    "api-case-advocacy": api("whole_case", get="read"),
    "api-advocacy-offer-answer": api("whole_case", post="advocacy_offer"),
    "api-case-notes": api("whole_case", get="read", post="case_note_write"),
    "api-case-documents": api("whole_case", get="read", post="case_document_upload"),
    "api-document": api("whole_case", get="read"),
    "api-outcomes": api(get="signed_in"),
    "api-sars": api(get="sar_handle", post="sar_handle"),
    "api-sar": api("sar", get="sar_handle"),
    "api-sar-id-check": api("sar", post="sar_handle"),
    "api-sar-extend": api("sar", post="sar_handle"),
    "api-sar-gather": api("sar", post="sar_handle"),
    "api-sar-complete": api("sar", post="sar_handle"),
    "api-sar-refuse": api("sar", post="sar_handle"),
    "api-sar-item-decide": api("sar_item", post="sar_handle"),
    "api-outcome": api("whole_case", get="read"),
    "api-outcome-record": api("whole_case", post="outcome_record"),
    "api-action-done": api("case", post="action_mark_done"),
    "api-case-pre-proceedings": api("whole_case", get="read"),
    "api-case-pre-proceedings-intention": api("whole_case", post="pre_proceedings_intention"),
    "api-case-pre-proceedings-offer": api("whole_case", post="pre_proceedings_record"),
    "api-case-pre-proceedings-answer": api("whole_case", post="pre_proceedings_record"),
    "api-case-pre-proceedings-exemption": api("whole_case", post="pre_proceedings_exemption"),
    "api-case-pre-proceedings-application": api("whole_case", post="pre_proceedings_application"),
    "api-tasks": api(get="signed_in"),
    "api-task-assign": api("task", post="task_assign"),
    "api-task-reassign": api("case_task", post="task_reassign"),
    "api-case-packages": api("whole_case", get="read", post="package_create"),
    "api-package": api("whole_case", get="read", patch="package_update"),
    "api-package-change": api("whole_case", post="package_revise"),
    "api-package-review": api("whole_case", post="package_review"),
    "api-package-submit": api("whole_case", post="package_submit"),
    "api-package-approve": api("whole_case", post="package_approve"),
    "api-package-return": api("whole_case", post="package_return"),
    "api-package-withdraw": api("whole_case", post="package_withdraw"),
    "api-package-end": api("whole_case", post="package_end"),
    "api-package-pause": api("whole_case", post="package_pause"),
    "api-package-agreement": api("whole_case", get="read"),
    "api-package-agreement-signatures": api("whole_case", post="agreement_record_signature"),
    "api-member-payee": api("whole_case", get="read", patch="payee_facts_set"),
    "api-member-payee-checks": api("whole_case", post="payee_check_record"),
    "api-bank-account": api("payee", get="bank_account_view", put="bank_account_set"),
    "api-bank-account-verify": api("payee", post="bank_account_verify"),
    "api-suppliers": api(get="supplier_view", post="supplier_manage"),
    "api-supplier": api("supplier", get="read", patch="supplier_manage"),
    "api-supplier-bank-account": api("supplier", get="supplier_bank_account_view", put="supplier_bank_account_set"),
    "api-supplier-bank-account-verify": row(
        "supplier", api=True, post="supplier_bank_account_verify", deny={("fin1", "in", "post")}
    ),
    "api-payments": api(get="signed_in"),
    "api-payment-authorise": api("payment", post="payment_authorise"),
    "api-payments-authorise": api(post="payment_authorise"),  # many: ids in the body
    "api-payment": api("payment", get="read"),
    "api-payment-cancel": api("payment", post="payment_cancel"),
    "api-payment-returns": api(get="returns_import", post="returns_import"),
    "api-budgets": api(get="finance_reports"),
    "api-transparency-spend": api(get="finance_reports"),
    "api-report-meetings": api(get="dashboard_view"),
    "api-report-children": api(get="dashboard_view"),
    "api-report-spend": api(get="dashboard_view"),
    "api-batches": api(get="signed_in", post="batch_create"),
    "api-batch": api("batch", get="read"),
    "api-batch-approve": api("batch", post="batch_approve"),
    "api-batch-export": api("batch", post="batch_export"),
    "api-batch-download": api("batch", get="batch_export"),
    "api-prepared-files": api(get="signed_in", post="signed_in"),
    "api-prepared-file": api("prepared_file", get="read"),
    "api-prepared-file-retry": api("prepared_file", post="signed_in"),
    "api-prepared-file-download": api("prepared_file", get="read"),
    "api-batch-confirm": api("batch", post="batch_confirm"),
    # Each person sees the messages they may (notifications.selectors), an empty page at worst.
    "api-notifications": api(get="signed_in"),
}

# Django admin: administrators only (everyone else is sent to the admin sign-in), and for them only
# reference data can be added, changed or deleted; case, money and audit records are read-only.
ADMIN_SITE_ROUTES = {
    "admin:index": "get",
    "admin:app_list": "get",
    "admin:password_change": "get",
    "admin:password_change_done": "get",
    "admin:jsi18n": "get",
}
ADMIN_EXEMPT = {"admin:login", "admin:logout", "admin:autocomplete", "admin:view_on_site"}  # tested below
# Every tier has its limit, and the payee policy is one row: nothing to add.
ONE_PER_TIER = {"network_packages.approvallimit", "network_packages.payeepolicy"}
# Reference data, and the records administrators keep by hand (retention: legal holds, looked-after marks).
REFERENCE_DATA = {
    "fgdm.locality",
    "fgdm.familyhub",
    "fgdm.localalliancegroup",
    "fgdm.team",
    "network_packages.approvallimit",
    "auth.user",
    "auth.group",
    "audit.legalhold",
    "audit.lookedaftermark",
    "network_packages.budget",
    "network_packages.payeepolicy",
}
METHODS = ("get", "post", "put", "patch")
BODY_METHODS = ("put", "patch")  # sent as JSON; only the API answers them
NOT_REFUSED = {200, 201, 302, 400, 409}


def named_urls(patterns=None, namespace=None):
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            inner = ":".join(filter(None, [namespace, pattern.namespace])) or None
            yield from named_urls(pattern.url_patterns, inner)
        elif pattern.name:
            yield ":".join(filter(None, [namespace, pattern.name])), pattern


def admin_model_routes():
    for model, model_admin in admin.site._registry.items():
        yield f"{model._meta.app_label}.{model._meta.model_name}", model, model_admin


def expected(spec, role, scope, method, *, kind, is_api, user, public, deny=(), redirect=()):
    if (role, scope, method) in redirect:
        return {302}
    if spec is None:
        if role != "anon" or public:
            return {405}
        return {401} if is_api else {302, 405}
    if spec == "open":
        return {200, 302, 400, 405} if method == "post" else {200}
    if role == "anon":
        return {401} if is_api else {302}
    if role not in VISIBLE[kind][scope]:
        return {404}
    if spec == "read" or (spec == "signed_in" and method == "get"):
        return {200}
    if spec == "signed_in":
        return NOT_REFUSED
    if not may(user, spec) or (role, scope, method) in deny:
        return {403}
    return {200} if method == "get" and not is_api else NOT_REFUSED


@pytest.fixture
def matrix(world):
    return matrix_world.build(world)


def call(client, method, url):
    with transaction.atomic():
        response = (
            getattr(client, method)(url, content_type="application/json")
            if method in BODY_METHODS
            else getattr(client, method)(url)
        )
        transaction.set_rollback(True)
    return response


def clients(world):
    made = {"anon": Client()}
    for role in ROLES[1:]:
        made[role] = Client()
        made[role].force_login(getattr(world.u, role))
    return made


def test_every_url_has_a_row():
    missing = []
    for name, pattern in named_urls():
        if name.startswith("admin:"):
            continue
        if name not in ROUTES:
            missing.append(f"{name} ({pattern.pattern})")
    assert not missing, (
        f"URLs without a row in tests/rules/test_permission_matrix.py ROUTES — say who may see and do what there: {missing}"
    )
    stale = set(ROUTES) - {name for name, _ in named_urls()}
    assert not stale, f"rows for URLs that no longer exist: {stale}"
    for name, spec in ROUTES.items():
        for step in spec["methods"].values():
            assert step in ("open", "signed_in", "read") or step in STEP_ROLES, (name, step)


def test_every_admin_url_is_covered():
    covered = set(ADMIN_SITE_ROUTES) | ADMIN_EXEMPT
    for label, model, _ in admin_model_routes():
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}_"
        covered |= {prefix + view for view in ("changelist", "add", "change", "delete", "history")}
        covered |= {prefix + "password_change"} if label == "auth.user" else set()
    missing = {name for name, _ in named_urls() if name.startswith("admin:")} - covered
    assert not missing, f"admin URLs the matrix does not know: {missing}"


# The matrix is thousands of requests: dealt round-robin by URL into shards, so that pytest-xdist's
# workers share it rather than one worker carrying it alone at the end of the run. Every call is
# rolled back, so no cell depends on another.
SHARDS = 6


@pytest.mark.parametrize("shard", range(SHARDS))
def test_matrix(world, matrix, shard):
    """Every cell of ROUTES × ROLES × scope × method answers as the rules say (one shard of the URLs)."""
    made = clients(world)
    wrong, cells = [], Counter()
    routed = [(name, pattern) for name, pattern in named_urls() if name in ROUTES]
    for name, pattern in routed[shard::SHARDS]:
        spec = ROUTES[name]
        keywords = list(pattern.pattern.converters)
        for scope in ("in", "out") if keywords else ("in",):
            url = reverse(name, kwargs={k: getattr(matrix[scope], KWARGS[k]) for k in keywords})
            for method in METHODS:
                if method in BODY_METHODS and not spec["api"]:
                    continue
                for role in ROLES:
                    want = expected(
                        spec["methods"].get(method),
                        role,
                        scope,
                        method,
                        kind=spec["kind"],
                        is_api=spec["api"],
                        user=getattr(world.u, role, None),
                        public="open" in spec["methods"].values(),
                        deny=spec["deny"],
                        redirect=spec.get("redirect", ()),
                    )
                    client = made[role]
                    if (
                        name in ("logout", "oidc_logout") and role != "anon"
                    ):  # signing out must not sign out the others' cells
                        client = Client()
                        client.force_login(getattr(world.u, role))
                    got = call(client, method, url).status_code
                    cells[scope] += 1
                    if got not in want:
                        wrong.append(
                            f"{method.upper()} {url} ({name}, {scope}) as {role}: {got}, expected {sorted(want)}"
                        )
    print(
        f"\npermission matrix, shard {shard + 1} of {SHARDS}: {sum(cells.values())} cells"
        f" ({cells['in']} in scope, {cells['out']} out of scope)"
    )
    assert not wrong, "\n".join(wrong)


def test_admin_matrix(world, matrix):
    """Only administrators get into the admin; there, case, money and audit records are read-only."""
    made = clients(world)
    wrong, count = [], 0

    def check(url, role, method, want):
        nonlocal count
        count += 1
        got = call(made[role], method, url).status_code
        if got not in want:
            wrong.append(f"{method.upper()} {url} as {role}: {got}, expected {sorted(want)}")

    for name in ADMIN_SITE_ROUTES:
        kwargs = {"app_label": "fgdm"} if name == "admin:app_list" else {}
        url = reverse(name, kwargs=kwargs)
        for role in ROLES:
            check(url, role, "get", {200} if role == "admin" else {302})
    for label, model, _model_admin in admin_model_routes():
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}_"
        obj = model._default_manager.order_by("pk").first()
        editable = label in REFERENCE_DATA
        urls = {
            "changelist": (reverse(prefix + "changelist"), {200}),
            "add": (reverse(prefix + "add"), {200} if editable and label not in ONE_PER_TIER else {403}),
        }
        if obj is not None:
            urls["change"] = (reverse(prefix + "change", args=[obj.pk]), {200})
            urls["history"] = (reverse(prefix + "history", args=[obj.pk]), {200})
            urls["delete"] = (reverse(prefix + "delete", args=[obj.pk]), {200, 403} if editable else {403})
        for view, (url, admin_want) in urls.items():
            for role in ROLES:
                check(url, role, "get", admin_want if role == "admin" else {302})
            if view in ("add", "change", "delete") and not editable:
                # A read-only record cannot be changed by posting the form either.
                check(url, "admin", "post", {403})
    print(f"\nadmin matrix: {count} cells")
    assert not wrong, "\n".join(wrong)


SCOPED = ("prac_east", "coord", "tm_east")


@pytest.mark.parametrize(
    "name, roles",
    [
        ("fgdm:case_list", (*SCOPED, "fin1")),
        ("api-cases", (*SCOPED, "fin1")),
        ("process:home", SCOPED),
        ("api-tasks", SCOPED),
        ("payments:payment_list", SCOPED),
        ("api-payments", SCOPED),
    ],
)
def test_lists_never_show_what_is_out_of_scope(world, matrix, name, roles):
    """Out-of-scope cases are not in lists, counts or search results (finance officers see every
    payment, with its case reference, but no case)."""
    from fgdm.models import Case

    west = Case.objects.get(pk=matrix["out"].case)
    made = clients(world)
    for role in roles:
        for query in ("", f"?q={west.reference}", f"?q={west.family_name}", f"?case={west.pk}"):
            response = made[role].get(reverse(name) + query)
            assert response.status_code in (200, 400), (name, role, query, response.status_code)
            body = response.content.decode()
            if name.startswith("api-"):
                assert west.reference not in body, (name, role, query)
            else:  # a page may echo the search box, but lists no link to the case or its reference
                assert reverse("fgdm:case_detail", args=[west.pk]) not in body, (name, role, query)
                assert body.count(west.reference) <= body.count(f'value="{west.reference}"'), (name, role, query)
