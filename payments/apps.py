from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "payments"
    verbose_name = "Payments"

    def ready(self):
        from audit.retention import register
        from payments.retention import BankDetails, BatchFiles

        register(BatchFiles())
        register(BankDetails())

        from audit import sar
        from payments.sar import collect

        sar.register(collect)
