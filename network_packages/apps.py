from django.apps import AppConfig


class NetworkPackagesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "network_packages"
    verbose_name = "Family Network Support Packages"

    def ready(self):
        from audit.labels import register_state_labels
        from network_packages.constants import PackageStatus

        register_state_labels(PackageStatus.choices)

        from django.core import checks

        from network_packages.checks import check_amount_ceilings

        checks.register(check_amount_ceilings, "network_packages")

        from core import payees
        from network_packages.payees import refusal

        payees.register(refusal)

        from core.pages import add_section
        from network_packages.views import case_section, review_section

        add_section("case", template="network_packages/sections/case_packages.html", context=case_section)
        add_section("review", template="network_packages/sections/review_packages.html", context=review_section)
