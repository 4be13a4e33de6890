from django.apps import AppConfig


class FgdmConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "fgdm"
    verbose_name = "Family Group Decision Making"

    def ready(self):
        from django.db.models.signals import post_migrate

        from fgdm import flows  # noqa: F401 -- registers the flow and its hooks

        post_migrate.connect(_ensure_roles, dispatch_uid="fgdm_ensure_roles")

        from audit.retention import register
        from fgdm.retention import CaseRecords

        register(CaseRecords())

        from audit import sar
        from fgdm.sar import child_subject, collect, member_subject

        sar.register_subject("child", child_subject)
        sar.register_subject("member", member_subject)
        sar.register(collect)


def _ensure_roles(sender, app_config=None, **kwargs):
    # Run once, after the last of our apps has migrated (its permissions exist by then).
    if app_config is not None and app_config.label == "payments":
        from fgdm.roles import ensure_roles

        ensure_roles()
