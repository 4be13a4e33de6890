from django.urls import path

from payments.api import views

urlpatterns = [
    path("network-members/<int:member_id>/bank-account/", views.BankAccountView.as_view(), name="api-bank-account"),
    path(
        "network-members/<int:member_id>/bank-account/verify/",
        views.BankAccountVerify.as_view(),
        name="api-bank-account-verify",
    ),
    path("suppliers/", views.SupplierListCreate.as_view(), name="api-suppliers"),
    path("suppliers/<int:supplier_id>/", views.SupplierDetail.as_view(), name="api-supplier"),
    path(
        "suppliers/<int:supplier_id>/bank-account/",
        views.SupplierBankAccountView.as_view(),
        name="api-supplier-bank-account",
    ),
    path(
        "suppliers/<int:supplier_id>/bank-account/verify/",
        views.SupplierBankAccountVerify.as_view(),
        name="api-supplier-bank-account-verify",
    ),
    path("payments/", views.PaymentList.as_view(), name="api-payments"),
    # Before the routes of one payment: "authorise" is no payment id.
    path("payments/authorise/", views.PaymentsAuthorise.as_view(), name="api-payments-authorise"),
    path("payments/<int:payment_id>/", views.PaymentDetail.as_view(), name="api-payment"),
    path("payments/<int:payment_id>/authorise/", views.PaymentAuthorise.as_view(), name="api-payment-authorise"),
    path("payments/<int:payment_id>/cancel/", views.PaymentCancel.as_view(), name="api-payment-cancel"),
    path("payment-returns/", views.ReturnsImportCreate.as_view(), name="api-payment-returns"),
    path("budgets/", views.BudgetList.as_view(), name="api-budgets"),
    path("transparency/spend-over-500/", views.TransparencySpend.as_view(), name="api-transparency-spend"),
    path("payment-batches/", views.BatchListCreate.as_view(), name="api-batches"),
    path("payment-batches/<int:batch_id>/", views.BatchDetail.as_view(), name="api-batch"),
    path("payment-batches/<int:batch_id>/approve/", views.BatchApprove.as_view(), name="api-batch-approve"),
    path("payment-batches/<int:batch_id>/export/", views.BatchExport.as_view(), name="api-batch-export"),
    path("payment-batches/<int:batch_id>/download/", views.BatchDownload.as_view(), name="api-batch-download"),
    path("payment-batches/<int:batch_id>/confirm/", views.BatchConfirm.as_view(), name="api-batch-confirm"),
]
