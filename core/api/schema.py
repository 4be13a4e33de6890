"""The OpenAPI schema says what the API answers (issue 14, finding 11; checked by tools/fuzz-api).

drf-spectacular's AutoSchema, plus two things it leaves out:
- A field read through a relation or column that may be empty (`null=True` anywhere on the way, e.g.
  `approved_by` before a batch is approved, `batch` of a payment not yet batched) is marked nullable.
  drf-spectacular only does this for the fields it builds from the model itself.
- The error answers every operation can give (core.api.exceptions): 400 with field messages, 401,
  403, 404, 409 on a state change that lost a race or broke a rule, 415 for a body type the API does
  not read, 429 when throttled or locked out. Their bodies are JSON objects: `{"detail": "..."}` or
  `{"<field>": ["..."]}`.
"""

from django.core.exceptions import FieldDoesNotExist
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from rest_framework import serializers

ERROR_BODY = {
    "type": "object",
    "description": '`{"detail": "..."}`, or `{"<field>": ["..."]}` naming each field refused.',
    "additionalProperties": True,
}
ERRORS_EVERY_OPERATION = {
    "400": "The request is refused: the answer names the field, or the rule, broken.",
    "401": "No valid token (or session) was sent.",
    "403": "The signed-in person may not do this.",
    "404": "No such record, or not one this person may see.",
    "429": "Too many requests, or sign-in locked out after repeated failures; try later.",
}
ERRORS_STATE_CHANGES = {
    "409": "The record is not in a state that allows this (or someone else changed it first).",
    "415": "The request body is not JSON, a form or multipart.",
}


def model_fields_on(model, source: str) -> list:
    """The model fields met following `source` ("approved_by", "case.reference") from `model`; empty
    when the path is not one of model fields (a property, a method)."""
    met = []
    for part in source.split("."):
        if model is None:
            return []
        try:
            model_field = model._meta.get_field(part)
        except FieldDoesNotExist:
            return []
        met.append(model_field)
        model = model_field.related_model if model_field.is_relation else None
    return met


def may_be_null(model_fields: list) -> bool:
    return any(getattr(f, "null", False) and not f.many_to_many and not f.one_to_many for f in model_fields)


class AutoSchema(SpectacularAutoSchema):
    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        model_fields = self._model_fields_read(field) if direction == "response" and field.read_only else []
        if (
            model_fields
            and isinstance(field, serializers.ChoiceField)
            and not field.allow_blank
            and getattr(model_fields[-1], "blank", False)
        ):
            # DRF drops allow_blank from a read-only field, but a choice column left blank reads "".
            field.allow_blank = True
        meta = super()._map_serializer_field(field, direction, bypass_extensions=bypass_extensions)
        if model_fields and not meta.get("nullable") and "$ref" not in meta and may_be_null(model_fields):
            meta = {**meta, "nullable": True}
        return meta

    @staticmethod
    def _model_fields_read(field) -> list:
        if isinstance(field, (serializers.SerializerMethodField, serializers.ManyRelatedField)):
            return []
        model = getattr(getattr(getattr(field, "parent", None), "Meta", None), "model", None)
        source = field.source or field.field_name
        if model is None or not source or source == "*":
            return []
        return model_fields_on(model, source)

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        errors = dict(ERRORS_EVERY_OPERATION)
        if self.method not in ("GET", "HEAD", "OPTIONS"):
            errors.update(ERRORS_STATE_CHANGES)
        for code, description in errors.items():
            responses.setdefault(
                code, {"content": {"application/json": {"schema": ERROR_BODY}}, "description": description}
            )
        return responses
