"""System checks of the case side's settings (`manage.py check`; runserver and migrate run them too)."""

from django.core.checks import Error
from django.core.exceptions import ImproperlyConfigured


def check_s31za_commencement(app_configs=None, **kwargs) -> list[Error]:
    """FGDM_S31ZA_COMMENCEMENT is empty (the duty not yet in force) or an ISO date."""
    from fgdm.services.pre_proceedings import duty_commencement

    try:
        duty_commencement()
    except ImproperlyConfigured as exc:
        return [
            Error(
                str(exc), hint="See README.md, Configuration.", obj="settings.FGDM_S31ZA_COMMENCEMENT", id="fgdm.E001"
            )
        ]
    return []
