from django.apps import AppConfig


class NetworkPackagesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "network_packages"
    verbose_name = "Family Network Support Packages"

    def ready(self):
        from audit.labels import register_state_labels
        from network_packages.constants import PackageStatus

        register_state_labels(PackageStatus.choices)

        from audit import retention, sar
        from network_packages.retention import AgreementSignatures, PackageFreeText, PayeeChecks
        from network_packages.sar import collect

        retention.register(PackageFreeText())
        retention.register(AgreementSignatures())
        retention.register(PayeeChecks())
        sar.register(collect)

        from django.core import checks

        from network_packages.checks import check_amount_ceilings

        checks.register(check_amount_ceilings, "network_packages")

        from core import payees
        from network_packages.payees import refusal

        payees.register(refusal)

        from core import budgets
        from network_packages.commitments import case_moved

        budgets.register(case_moved)

        from core.pages import add_section
        from network_packages.views import case_section, review_section

        add_section("case", template="network_packages/sections/case_packages.html", context=case_section)
        add_section("review", template="network_packages/sections/review_packages.html", context=review_section)

        from network_packages.document_views import agreement_section
        from network_packages.documents import plan_support_section

        add_section(
            "plan_document", template="network_packages/sections/plan_support.html", context=plan_support_section
        )
        add_section("package", template="network_packages/sections/package_agreement.html", context=agreement_section)
