from django.urls import path

from fgdm.api import casefiles, documents, views

urlpatterns = [
    path("users/me/", views.MeView.as_view(), name="api-me"),
    path("users/me/conflicts/", views.MyConflicts.as_view(), name="api-me-conflicts"),
    path("localities/", views.LocalityList.as_view(), name="api-localities"),
    path("hubs/", views.HubList.as_view(), name="api-hubs"),
    path("cases/", views.CaseListCreate.as_view(), name="api-cases"),
    path("cases/<int:case_id>/", views.CaseDetail.as_view(), name="api-case"),
    path("cases/<int:case_id>/allocate/", views.CaseAllocate.as_view(), name="api-case-allocate"),
    path("cases/<int:case_id>/consent/", views.CaseConsent.as_view(), name="api-case-consent"),
    path(
        "cases/<int:case_id>/consent/withdraw/", views.CaseConsentWithdraw.as_view(), name="api-case-consent-withdraw"
    ),
    path("cases/<int:case_id>/bottom-lines/", views.CaseBottomLines.as_view(), name="api-case-bottom-lines"),
    path("cases/<int:case_id>/pre-proceedings/", views.PreProceedingsDetail.as_view(), name="api-case-pre-proceedings"),
    path(
        "cases/<int:case_id>/pre-proceedings/intention/",
        views.PreProceedingsIntention.as_view(),
        name="api-case-pre-proceedings-intention",
    ),
    path(
        "cases/<int:case_id>/pre-proceedings/offer/",
        views.PreProceedingsOffer.as_view(),
        name="api-case-pre-proceedings-offer",
    ),
    path(
        "cases/<int:case_id>/pre-proceedings/answer/",
        views.PreProceedingsAnswer.as_view(),
        name="api-case-pre-proceedings-answer",
    ),
    path(
        "cases/<int:case_id>/pre-proceedings/exemption/",
        views.PreProceedingsExemption.as_view(),
        name="api-case-pre-proceedings-exemption",
    ),
    path(
        "cases/<int:case_id>/pre-proceedings/application/",
        views.PreProceedingsApplication.as_view(),
        name="api-case-pre-proceedings-application",
    ),
    path("cases/<int:case_id>/children/", views.CaseChildren.as_view(), name="api-case-children"),
    path("children/<int:child_id>/", views.ChildDetail.as_view(), name="api-child"),
    path("children/<int:child_id>/remove/", views.ChildRemove.as_view(), name="api-child-remove"),
    path("children/<int:child_id>/wishes/", views.ChildWishes.as_view(), name="api-child-wishes"),
    path("network-members/<int:member_id>/", views.MemberDetail.as_view(), name="api-member"),
    path("network-members/<int:member_id>/remove/", views.MemberRemove.as_view(), name="api-member-remove"),
    path(
        "network-members/<int:member_id>/preparation/", views.MemberPreparation.as_view(), name="api-member-preparation"
    ),
    path(
        "network-members/<int:member_id>/exclusion/",
        views.MemberExclusionPropose.as_view(),
        name="api-member-exclusion",
    ),
    path(
        "network-members/<int:member_id>/exclusion/sign-off/",
        views.MemberExclusionSignOff.as_view(),
        name="api-member-exclusion-sign-off",
    ),
    path("network-members/<int:member_id>/advocacy/", views.MemberAdvocacyOffer.as_view(), name="api-member-advocacy"),
    path("children/<int:child_id>/advocacy/", views.ChildAdvocacyOffer.as_view(), name="api-child-advocacy"),
    path("cases/<int:case_id>/advocacy/", views.CaseAdvocacyOffers.as_view(), name="api-case-advocacy"),
    # The case file (issue 17): notes and uploaded documents.
    path("cases/<int:case_id>/notes/", casefiles.CaseNotes.as_view(), name="api-case-notes"),
    path("cases/<int:case_id>/documents/", casefiles.CaseDocuments.as_view(), name="api-case-documents"),
    path("documents/<int:document_id>/", casefiles.DocumentDownload.as_view(), name="api-document"),
    path(
        "advocacy-offers/<int:offer_id>/answer/", views.AdvocacyOfferAnswer.as_view(), name="api-advocacy-offer-answer"
    ),
    path("outcomes/", views.OutcomeList.as_view(), name="api-outcomes"),
    path("outcomes/<int:outcome_id>/", views.OutcomeDetail.as_view(), name="api-outcome"),
    path("outcomes/<int:outcome_id>/record/", views.OutcomeRecord.as_view(), name="api-outcome-record"),
    path("plan-actions/<int:action_id>/done/", views.ActionDone.as_view(), name="api-action-done"),
    path("cases/<int:case_id>/transfer/", views.CaseTransfer.as_view(), name="api-case-transfer"),
    path("cases/<int:case_id>/reassign/", views.CaseReassign.as_view(), name="api-case-reassign"),
    path("cases/<int:case_id>/stage/", views.CaseStage.as_view(), name="api-case-stage"),
    path("cases/<int:case_id>/review/", views.CaseReview.as_view(), name="api-case-review"),
    path("cases/<int:case_id>/decline/", views.CaseDecline.as_view(), name="api-case-decline"),
    path("cases/<int:case_id>/close/", views.CaseClose.as_view(), name="api-case-close"),
    path("cases/<int:case_id>/reopen/", views.CaseReopen.as_view(), name="api-case-reopen"),
    path("cases/<int:case_id>/network-members/", views.MemberListCreate.as_view(), name="api-case-members"),
    path("cases/<int:case_id>/meetings/", views.MeetingListCreate.as_view(), name="api-case-meetings"),
    path("cases/<int:case_id>/audit/", views.CaseAudit.as_view(), name="api-case-audit"),
    path("meetings/<int:meeting_id>/", views.MeetingDetail.as_view(), name="api-meeting"),
    path("meetings/<int:meeting_id>/reschedule/", views.MeetingReschedule.as_view(), name="api-meeting-reschedule"),
    path("meetings/<int:meeting_id>/cancel/", views.MeetingCancel.as_view(), name="api-meeting-cancel"),
    path("meetings/<int:meeting_id>/reconvene/", views.MeetingReconvene.as_view(), name="api-meeting-reconvene"),
    path("meetings/<int:meeting_id>/prepare/", views.MeetingPrepare.as_view(), name="api-meeting-prepare"),
    path("meetings/<int:meeting_id>/record/", views.MeetingRecord.as_view(), name="api-meeting-record"),
    path("plans/<int:plan_id>/", views.PlanDetail.as_view(), name="api-plan"),
    path("plans/<int:plan_id>/accept/", views.PlanAccept.as_view(), name="api-plan-accept"),
    path("plans/<int:plan_id>/return/", views.PlanReturn.as_view(), name="api-plan-return"),
    path("plans/<int:plan_id>/revise/", views.PlanRevise.as_view(), name="api-plan-revise"),
    path("plans/<int:plan_id>/document/", documents.PlanDocument.as_view(), name="api-plan-document"),
]
