from django.apps import AppConfig


class NetworkPackagesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "network_packages"
    verbose_name = "Family Network Support Packages"
