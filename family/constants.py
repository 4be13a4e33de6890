"""The states of a link to the family's plan, declared once."""

from django.db import models


class LinkStatus(models.TextChoices):
    LIVE = "live", "Live"
    EXPIRED = "expired", "Expired"
    REVOKED = "revoked", "Revoked"


# Why an older link stops working when a new one is sent (the one live link a member has).
REPLACED = "Replaced by a new link sent to the same person."
