from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "payments"
    verbose_name = "Payments"

    def ready(self):
        from audit.labels import register_state_labels
        from payments.constants import BatchStatus, PaymentStatus

        register_state_labels(
            PaymentStatus.choices, BatchStatus.choices, [("unverified", "Not verified"), ("verified", "Verified")]
        )

        from django.core import checks

        from payments.checks import check_originator, check_originator_not_demo

        checks.register(check_originator, "payments")
        checks.register(check_originator_not_demo, "payments", deploy=True)

        from audit.retention import register
        from payments.retention import BankDetails, BatchFiles

        register(BatchFiles())
        register(BankDetails())

        from audit import sar
        from payments.sar import collect

        sar.register(collect)

        from core.exports import register as register_export
        from payments.prepared import EXPORT

        register_export(EXPORT)  # a batch's file, prepared in the background (core.exports)

        from core.pages import add_section
        from payments.views import case_section, package_section

        add_section("case", template="payments/sections/case_payments.html", context=case_section)
        add_section("package", template="payments/sections/package_payments.html", context=package_section)
