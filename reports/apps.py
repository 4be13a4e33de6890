from django.apps import AppConfig


class ReportsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "reports"
    verbose_name = "Reports and returns"

    def ready(self):
        from core.exports import register
        from reports.prepared import EXPORT

        register(EXPORT)  # a year's return, prepared in the background (core.exports)
