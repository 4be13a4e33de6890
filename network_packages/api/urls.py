from django.urls import path

from network_packages.api import documents, views

urlpatterns = [
    path("cases/<int:case_id>/packages/", views.PackageListCreate.as_view(), name="api-case-packages"),
    path("packages/<int:package_id>/", views.PackageDetail.as_view(), name="api-package"),
    path("packages/<int:package_id>/change/", views.PackageChange.as_view(), name="api-package-change"),
    path("packages/<int:package_id>/review/", views.PackageReviewCreate.as_view(), name="api-package-review"),
    path("packages/<int:package_id>/submit/", views.PackageSubmit.as_view(), name="api-package-submit"),
    path("packages/<int:package_id>/approve/", views.PackageApprove.as_view(), name="api-package-approve"),
    path("packages/<int:package_id>/return/", views.PackageReturn.as_view(), name="api-package-return"),
    path("packages/<int:package_id>/withdraw/", views.PackageWithdraw.as_view(), name="api-package-withdraw"),
    path("packages/<int:package_id>/end/", views.PackageEnd.as_view(), name="api-package-end"),
    path("packages/<int:package_id>/pause/", views.PackagePause.as_view(), name="api-package-pause"),
    path("packages/<int:package_id>/agreement/", documents.PackageAgreement.as_view(), name="api-package-agreement"),
    path(
        "packages/<int:package_id>/agreement/signatures/",
        documents.AgreementSignatureCreate.as_view(),
        name="api-package-agreement-signatures",
    ),
    path("network-members/<int:member_id>/payee/", views.PayeeFacts.as_view(), name="api-member-payee"),
    path(
        "network-members/<int:member_id>/payee-checks/",
        views.PayeeCheckCreate.as_view(),
        name="api-member-payee-checks",
    ),
]
