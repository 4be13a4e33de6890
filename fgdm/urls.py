from django.urls import path

from fgdm import views
from fgdm.views import documents as document_views
from fgdm.views import timeline as timeline_views

app_name = "fgdm"
urlpatterns = [
    path("profile/", views.profile, name="profile"),
    path("cases/", views.case_list, name="case_list"),
    path("cases/new/", views.case_new, name="case_new"),
    path("cases/<int:case_id>/", views.case_detail, name="case_detail"),
    path("cases/<int:case_id>/map.svg", views.case_map, name="case_map"),
    path("cases/<int:case_id>/timeline/", timeline_views.case_timeline, name="case_timeline"),
    path("cases/<int:case_id>/timeline.csv", timeline_views.case_timeline_csv, name="case_timeline_csv"),
    path("cases/<int:case_id>/edit/", views.case_edit, name="case_edit"),
    path("cases/<int:case_id>/children/new/", views.child_new, name="child_new"),
    path("cases/<int:case_id>/allocate/", views.case_allocate, name="case_allocate"),
    path("cases/<int:case_id>/reassign/", views.case_reassign, name="case_reassign"),
    path("cases/<int:case_id>/consent/", views.case_consent, name="case_consent"),
    path("cases/<int:case_id>/members/new/", views.member_new, name="member_new"),
    path("cases/<int:case_id>/meetings/new/", views.meeting_new, name="meeting_new"),
    path("cases/<int:case_id>/stage/", views.case_stage, name="case_stage"),
    path("cases/<int:case_id>/review/", views.case_review, name="case_review"),
    path("cases/<int:case_id>/decline/", views.case_decline, name="case_decline"),
    path("cases/<int:case_id>/close/", views.case_close, name="case_close"),
    path("cases/<int:case_id>/reopen/", views.case_reopen, name="case_reopen"),
    path("cases/<int:case_id>/consent/withdraw/", views.case_consent_withdraw, name="case_consent_withdraw"),
    path("cases/<int:case_id>/bottom-lines/", views.case_bottom_lines, name="case_bottom_lines"),
    path("cases/<int:case_id>/pre-proceedings/", views.pre_proceedings, name="pre_proceedings"),
    path(
        "cases/<int:case_id>/pre-proceedings/intention/",
        views.pre_proceedings_step("intention"),
        name="pre_proceedings_intention",
    ),
    path(
        "cases/<int:case_id>/pre-proceedings/offer/", views.pre_proceedings_step("offer"), name="pre_proceedings_offer"
    ),
    path(
        "cases/<int:case_id>/pre-proceedings/answer/",
        views.pre_proceedings_step("answer"),
        name="pre_proceedings_answer",
    ),
    path(
        "cases/<int:case_id>/pre-proceedings/exemption/",
        views.pre_proceedings_step("exemption"),
        name="pre_proceedings_exemption",
    ),
    path(
        "cases/<int:case_id>/pre-proceedings/application/",
        views.pre_proceedings_step("application"),
        name="pre_proceedings_application",
    ),
    path("children/<int:child_id>/wishes/", views.child_wishes, name="child_wishes"),
    path("children/<int:child_id>/edit/", views.child_edit, name="child_edit"),
    path("children/<int:child_id>/birth/", views.child_birth, name="child_birth"),
    path("children/<int:child_id>/remove/", views.child_remove, name="child_remove"),
    path("network-members/<int:member_id>/edit/", views.member_edit, name="member_edit"),
    path("network-members/<int:member_id>/remove/", views.member_remove, name="member_remove"),
    path("network-members/<int:member_id>/preparation/", views.member_preparation, name="member_preparation"),
    path("network-members/<int:member_id>/exclusion/", views.member_exclusion, name="member_exclusion"),
    path(
        "network-members/<int:member_id>/exclusion/sign-off/",
        views.member_exclusion_sign_off,
        name="member_exclusion_sign_off",
    ),
    path("network-members/<int:member_id>/advocacy/", views.member_advocacy, name="member_advocacy"),
    path("children/<int:child_id>/advocacy/", views.child_advocacy, name="child_advocacy"),
    path("advocacy-offers/<int:offer_id>/answer/", views.advocacy_answer, name="advocacy_answer"),
    path("outcomes/", views.outcomes_due, name="outcomes_due"),
    path("outcomes/<int:outcome_id>/record/", views.outcome_record, name="outcome_record"),
    path("plan-actions/<int:action_id>/done/", views.action_done, name="action_done"),
    path("meetings/<int:meeting_id>/", views.meeting_detail, name="meeting_detail"),
    path("meetings/<int:meeting_id>/reschedule/", views.meeting_reschedule, name="meeting_reschedule"),
    path("meetings/<int:meeting_id>/cancel/", views.meeting_cancel, name="meeting_cancel"),
    path("meetings/<int:meeting_id>/reconvene/", views.meeting_reconvene, name="meeting_reconvene"),
    path("meetings/<int:meeting_id>/prepare/", views.meeting_prepare, name="meeting_prepare"),
    path("meetings/<int:meeting_id>/record/", views.meeting_record, name="meeting_record"),
    path("plans/<int:plan_id>/", views.plan_detail, name="plan_detail"),
    path("plans/<int:plan_id>/accept/", views.plan_accept, name="plan_accept"),
    path("plans/<int:plan_id>/return/", views.plan_return, name="plan_return"),
    path("plans/<int:plan_id>/revise/", views.plan_revise, name="plan_revise"),
    path("plans/<int:plan_id>/document/", document_views.plan_document, name="plan_document"),
]
