from django.urls import path

from network_packages import document_views, views

app_name = "network_packages"
urlpatterns = [
    path("case/<int:case_id>/new/", views.package_new, name="package_new"),
    path("<int:package_id>/", views.package_detail, name="package_detail"),
    path("<int:package_id>/edit/", views.package_edit, name="package_edit"),
    path("<int:package_id>/change/", views.package_change, name="package_change"),
    path("<int:package_id>/review/", views.package_review, name="package_review"),
    path("<int:package_id>/submit/", views.package_submit, name="package_submit"),
    path("<int:package_id>/approve/", views.package_approve, name="package_approve"),
    path("<int:package_id>/return/", views.package_return, name="package_return"),
    path("<int:package_id>/withdraw/", views.package_withdraw, name="package_withdraw"),
    path("<int:package_id>/end/", views.package_end, name="package_end"),
    path("<int:package_id>/pause/", views.package_pause, name="package_pause"),
    path("<int:package_id>/agreement/", document_views.package_agreement, name="package_agreement"),
    path("<int:package_id>/agreement/sign/", document_views.package_agreement_sign, name="package_agreement_sign"),
    path("<int:package_id>/safety/", views.package_safety, name="package_safety"),
    path("payee/<int:member_id>/", views.payee, name="payee"),
    path("payee/<int:member_id>/checks/", views.payee_check, name="payee_check"),
]
