"""System checks (`manage.py check`, `check --deploy`, runserver and migrate run them)."""

from collections.abc import Mapping

from django.conf import settings
from django.core.checks import Error

from payments.exports import Originator

ORIGINATOR_KEYS = ("name", "sort_code", "account_number", "service_user_number")
# The defaults of config/settings/base.py: Vocalink's modulus test case 1 and a made-up service
# user number. Good for a demo; a bank would reject (or misroute) a real file made from them.
DEMO_ORIGINATOR = {"sort_code": "089999", "account_number": "66374958", "service_user_number": "123456"}
# Check id and the environment variable that sets each part (config/settings/base.py).
ORIGINATOR_FIELDS = {
    "name": ("payments.E002", "FGDM_ORIGINATOR_NAME"),
    "sort_code": ("payments.E003", "FGDM_ORIGINATOR_SORT_CODE"),
    "account_number": ("payments.E004", "FGDM_ORIGINATOR_ACCOUNT"),
    "service_user_number": ("payments.E005", "FGDM_SERVICE_USER_NUMBER"),
    "modulus": ("payments.E006", "FGDM_ORIGINATOR_SORT_CODE and FGDM_ORIGINATOR_ACCOUNT"),
}


def check_originator(app_configs=None, **kwargs) -> list[Error]:
    """The council's details as originator of payment files (settings.FGDM_ORIGINATOR) are
    complete and well formed, and its sort code and account pass the Vocalink modulus check."""
    values = getattr(settings, "FGDM_ORIGINATOR", None)
    missing = [key for key in ORIGINATOR_KEYS if not isinstance(values, Mapping) or key not in values]
    if missing:
        return [
            Error(
                f"settings.FGDM_ORIGINATOR lacks {', '.join(missing)}.",
                hint="See config/settings/base.py and README.md, Configuration.",
                obj="settings.FGDM_ORIGINATOR",
                id="payments.E001",
            )
        ]
    originator = Originator(**{key: values[key] for key in ORIGINATOR_KEYS})
    errors = []
    for field, message in originator.problems():
        check_id, variable = ORIGINATOR_FIELDS[field]
        errors.append(
            Error(
                message,
                hint=f"Set {variable} to the council's details as its bank gave them; "
                "BACS and pain.001 files are made from them.",
                obj="settings.FGDM_ORIGINATOR",
                id=check_id,
            )
        )
    return errors


def check_originator_not_demo(app_configs=None, **kwargs) -> list[Error]:
    """`check --deploy`: the originator is the council's own, not the demo default."""
    values = getattr(settings, "FGDM_ORIGINATOR", None)
    if not isinstance(values, Mapping):
        return []  # check_originator reports it
    demo = [key for key, value in DEMO_ORIGINATOR.items() if str(values.get(key, "")) == value]
    if not demo:
        return []
    return [
        Error(
            f"settings.FGDM_ORIGINATOR still has the demo {', '.join(k.replace('_', ' ') for k in demo)}.",
            hint="Set FGDM_ORIGINATOR_SORT_CODE, FGDM_ORIGINATOR_ACCOUNT and FGDM_SERVICE_USER_NUMBER to the "
            "council's own (README.md, Configuration).",
            obj="settings.FGDM_ORIGINATOR",
            id="payments.E007",
        )
    ]
