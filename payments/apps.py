from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "payments"
    verbose_name = "Payments"

    def ready(self):
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
