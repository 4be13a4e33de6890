from django.apps import AppConfig


class CoreConfig(AppConfig):
    """The kernel: errors, roles and the step table, the workflow port, page and API toolkits."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "core"
    verbose_name = "Kernel"

    def ready(self):
        from django.contrib.auth import get_user_model
        from django.contrib.auth.signals import user_logged_out
        from django.db.models.signals import post_migrate, post_save

        post_migrate.connect(_ensure_roles, dispatch_uid="core_ensure_roles")
        # Tokens end with the person's session and with their password: whichever door signs out or
        # changes the password (pages, admin, `changepassword`), the API tokens go too.
        user_logged_out.connect(_revoke_tokens_on_sign_out, dispatch_uid="core_revoke_tokens_on_sign_out")
        post_save.connect(
            _revoke_tokens_on_password_change, sender=get_user_model(), dispatch_uid="core_revoke_tokens_on_password"
        )
        # knox deletes an expired token when it meets one; the trail says so.
        from knox.signals import token_expired

        token_expired.connect(_record_token_expired, dispatch_uid="core_record_token_expired")


def _revoke_tokens_on_sign_out(sender, request=None, user=None, **kwargs):
    if user is not None and user.pk is not None:
        from core.services import tokens_revoke_all

        tokens_revoke_all(user=user, by=user, reason="signed_out")


def _record_token_expired(sender, username=None, source="", **kwargs):
    from core.services import token_expired_record

    token_expired_record(username=username or "", source=source)


def _revoke_tokens_on_password_change(sender, instance, created=False, **kwargs):
    # Django's set_password() leaves the new raw password in `_password` until the save that stores
    # it; a hash upgrade at sign-in clears it first, so it is no password change.
    if created or getattr(instance, "_password", None) is None:
        return
    from audit.services import request_actor
    from core.services import tokens_revoke_all

    tokens_revoke_all(user=instance, by=request_actor() or instance, reason="password_changed")


def _ensure_roles(sender, app_config=None, **kwargs):
    """Give the role groups their permissions once the last app with models has migrated (the
    permissions of every app exist by then)."""
    from django.apps import apps

    last = [config for config in apps.get_app_configs() if config.models_module is not None][-1]
    if app_config is not None and app_config.label == last.label:
        from core.roles import ensure_roles

        ensure_roles()
