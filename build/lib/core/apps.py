from django.apps import AppConfig


class CoreConfig(AppConfig):
    """The kernel: errors, roles and the step table, the workflow port, page and API toolkits."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "core"
    verbose_name = "Kernel"

    def ready(self):
        from django.db.models.signals import post_migrate

        post_migrate.connect(_ensure_roles, dispatch_uid="core_ensure_roles")


def _ensure_roles(sender, app_config=None, **kwargs):
    """Give the role groups their permissions once the last app with models has migrated (the
    permissions of every app exist by then)."""
    from django.apps import apps

    last = [config for config in apps.get_app_configs() if config.models_module is not None][-1]
    if app_config is not None and app_config.label == last.label:
        from core.roles import ensure_roles

        ensure_roles()
