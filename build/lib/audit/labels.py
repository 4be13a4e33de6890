"""Words for the state codes a trail entry carries. audit knows no domain app: each app registers
the labels of its states when Django starts, and the trail and the case page read them here."""

_LABELS: dict[str, str] = {}


def register_state_labels(*choices) -> None:
    """Register (code, label) pairs: TextChoices classes' `.choices`, or plain pairs."""
    for pairs in choices:
        _LABELS.update(dict(pairs))


def state_label(code: str | None) -> str | None:
    return _LABELS.get(code, code) if code else code
