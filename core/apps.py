from django.apps import AppConfig


class CoreConfig(AppConfig):
    """The kernel: errors, roles and the step table, the workflow port, page and API toolkits."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "core"
    verbose_name = "Kernel"
