"""JSON request bodies with bounds: a 10,000-deep array is a 400, not a RecursionError; a string
longer than any field takes (core.bounds.LONG_TEXT) is a 400 naming the field, whatever the
endpoint (its serializer and service check their own, often shorter, bounds too)."""

import json

from django.conf import settings
from rest_framework.exceptions import ParseError, ValidationError
from rest_framework.parsers import JSONParser

from core.bounds import LONG_TEXT


def _deeper_than(text: str, limit: int) -> bool:
    """Whether brackets outside strings nest deeper than `limit` (a scan, no recursion)."""
    depth, in_string, escaped = 0, False, False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > limit:
                return True
        elif char in "]}":
            depth -= 1
    return False


class DepthLimitedJSONParser(JSONParser):
    """DRF's JSON parser, refusing bodies nested deeper than `FGDM_JSON_MAX_DEPTH` before parsing."""

    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = stream.read().decode(encoding) if stream is not None else ""
        except UnicodeDecodeError:
            raise ParseError("JSON parse error - the body is not valid UTF-8.")
        limit = getattr(settings, "FGDM_JSON_MAX_DEPTH", 20)
        if _deeper_than(text, limit):
            raise ParseError(f"JSON parse error - nested deeper than {limit} levels.")
        try:
            data = json.loads(text, parse_constant=_refuse_constant)
        except (ValueError, RecursionError) as exc:
            raise ParseError(f"JSON parse error - {exc}")
        too_long = _first_too_long(data)
        if too_long is not None:
            path, length = too_long
            raise ValidationError({path or "detail": [f"At most {LONG_TEXT:,} characters (this has {length:,})."]})
        return data


def _first_too_long(data, path: str = "") -> tuple[str, int] | None:
    """(where, length) of the first string longer than LONG_TEXT in parsed JSON, or None. `where`
    is the field's name, with its place in lists and objects: `items[3].description`. Iterative
    (the depth is bounded already, but a wide body should not recurse either)."""
    stack = [(path, data)]
    while stack:
        where, value = stack.pop()
        if isinstance(value, str):
            if len(value) > LONG_TEXT:
                return where, len(value)
        elif isinstance(value, dict):
            stack.extend((f"{where}.{key}" if where else str(key), item) for key, item in reversed(value.items()))
        elif isinstance(value, list):
            stack.extend((f"{where}[{index}]", item) for index, item in reversed(list(enumerate(value))))
    return None


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not valid JSON")
