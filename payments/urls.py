from django.urls import path

from payments import views

app_name = "payments"
urlpatterns = [
    path("", views.payment_list, name="payment_list"),
    path("payments/authorise/", views.payments_authorise, name="payments_authorise"),
    path("payments/<int:payment_id>/", views.payment_detail, name="payment_detail"),
    path("payments/<int:payment_id>/authorise/", views.payment_authorise, name="payment_authorise"),
    path("payments/<int:payment_id>/cancel/", views.payment_cancel, name="payment_cancel"),
    path("returns/", views.returns_import, name="returns_import"),
    path("budgets/", views.budgets, name="budgets"),
    path("transparency/", views.transparency, name="transparency"),
    path("payees/<int:member_id>/bank-details/", views.bank_details, name="bank_details"),
    path("payees/<int:member_id>/bank-details/verify/", views.bank_details_verify, name="bank_details_verify"),
    path("suppliers/", views.supplier_list, name="supplier_list"),
    path("suppliers/<int:supplier_id>/", views.supplier_detail, name="supplier_detail"),
    path("suppliers/<int:supplier_id>/bank-details/", views.supplier_bank_details, name="supplier_bank_details"),
    path(
        "suppliers/<int:supplier_id>/bank-details/verify/",
        views.supplier_bank_details_verify,
        name="supplier_bank_details_verify",
    ),
    path("batches/", views.batch_list, name="batch_list"),
    path("batches/<int:batch_id>/", views.batch_detail, name="batch_detail"),
    path("batches/<int:batch_id>/approve/", views.batch_approve, name="batch_approve"),
    path("batches/<int:batch_id>/export/", views.batch_export, name="batch_export"),
    path("batches/<int:batch_id>/download/", views.batch_download, name="batch_download"),
    path("batches/<int:batch_id>/prepare/", views.batch_prepare, name="batch_prepare"),
    path("batches/<int:batch_id>/confirm/", views.batch_confirm, name="batch_confirm"),
]
