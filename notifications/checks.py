"""System checks (`manage.py check --deploy`): messages that leave the building carry working links."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error

LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", ""}


def check_site_url(app_configs=None, **kwargs) -> list[Error]:
    """With a GOV.UK Notify key set, FGDM_SITE_URL is this site's public https address: the links
    in messages (a task waiting, a family's link to their plan) are built from it."""
    if not settings.NOTIFY_API_KEY:
        return []
    url = urlsplit(settings.FGDM_SITE_URL)
    if url.scheme != "https" or url.hostname in LOCAL_HOSTS or url.hostname is None:
        return [
            Error(
                f"FGDM_SITE_URL is {settings.FGDM_SITE_URL!r}: messages sent through GOV.UK Notify would "
                "carry links nobody outside this machine can open.",
                hint="Set FGDM_SITE_URL to the site's public address, e.g. https://fgdm.example.gov.uk "
                "(README.md, Notifications and background work).",
                obj="settings.FGDM_SITE_URL",
                id="notifications.E001",
            )
        ]
    return []
