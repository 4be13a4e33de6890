"""Writes of the notifications floor that people make: a member of staff's choices of channel.

(Sending is not a person's step: the task worker records each message's progress itself,
notifications.delivery.)
"""

import re

from django.db import transaction

from audit.services import record_event
from core.exceptions import RuleBroken
from notifications.constants import Choice, Kind
from notifications.models import Preference, StaffContact

# A UK mobile number as people write it: 07… or +447…, spaces allowed.
MOBILE = re.compile(r"^(?:\+44\s?7|07)(?:\s?\d){9}$")


@transaction.atomic
def preferences_update(*, by, mobile: str, choices: dict[str, str]) -> StaffContact:
    """Set how `by` wants each kind of message (e-mail, text message or not at all) and their mobile.

    Raises RuleBroken (an unknown kind or choice; a mobile number that is not one; text messages
    chosen without a mobile number, or e-mail without an address on the account).
    """
    contact, _ = StaffContact.objects.select_for_update().get_or_create(user=by)
    mobile = " ".join((mobile or "").split())
    if mobile and not MOBILE.match(mobile):
        raise RuleBroken("Enter a UK mobile number, like 07700 900 982.", field="mobile")
    for kind, choice in choices.items():
        if kind not in Kind.values or choice not in Choice.values:
            raise RuleBroken("Choose e-mail, text message or not at all.", field=kind)
        if choice == Choice.SMS and not mobile:
            raise RuleBroken("Enter a mobile number to be sent text messages.", field="mobile")
        if choice == Choice.EMAIL and not by.email:
            raise RuleBroken("Your account has no e-mail address: choose text messages or not at all.", field=kind)
    before = {p.kind: p.choice for p in Preference.objects.filter(user=by)}
    for kind, choice in choices.items():
        Preference.objects.update_or_create(user=by, kind=kind, defaults={"choice": choice})
    changed_mobile = contact.mobile != mobile
    contact.mobile = mobile
    contact.full_clean()
    contact.save()
    record_event(
        obj=contact,
        action="notification_preferences_set",
        by=by,
        case_id=None,
        changes={
            "choices": {
                k: [before.get(k, Choice.EMAIL), v] for k, v in choices.items() if before.get(k, Choice.EMAIL) != v
            },
            "mobile_changed": changed_mobile,
        },
    )
    return contact
