"""Checks on text people type that ends up in files and on other systems: names on one line, in
printable characters, within a length; numbers in ASCII digits only."""

import unicodedata

from core.exceptions import RuleBroken


def is_ascii_digits(value: str) -> bool:
    """True for a non-empty string of 0-9 only. `str.isdigit()` and the regex `\\d` also accept other
    scripts' digits (Arabic-Indic `٠٨٩`, Devanagari, full-width), which no bank file can carry."""
    return bool(value) and value.isascii() and value.isdigit()


def single_line(value: str, *, field: str, label: str, max_length: int) -> str:
    """`value` stripped, if it is one line of printable text no longer than `max_length`.

    Raises RuleBroken on `field` when it is empty, has a line break, tab or other control or
    formatting character (Unicode category C), or is too long.
    """
    text = str(value).strip()
    if not text:
        raise RuleBroken(f"Enter the {label}.", field=field)
    if any(unicodedata.category(ch).startswith("C") for ch in text):
        raise RuleBroken(
            f"The {label} must be one line of printable text: no line breaks, tabs or control characters.",
            field=field,
        )
    if len(text) > max_length:
        raise RuleBroken(f"The {label} can be at most {max_length} characters (it has {len(text)}).", field=field)
    return text
