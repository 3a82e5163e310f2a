"""Request bodies held to the schema's types. DRF coerces: a CharField takes 5 for "5", an
IntegerField "5" for 5, a BooleanField "yes" or 1 for true — right for a form, whose values are
all text, but in a JSON body a value of another type than the schema declares is a mistake, and
accepting it would make the schema untrue. Every request-body serializer derives from
BodySerializer."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rest_framework import serializers
from rest_framework.fields import empty

from .parsers import JSONObject

# (field class, accepted JSON types, message); the first matching class decides.
_JSON_TYPES: tuple[tuple[type[serializers.Field], tuple[type, ...], str], ...] = (
    (serializers.BooleanField, (bool,), "应为 true 或 false。"),
    (serializers.IntegerField, (int,), "应为整数。"),
    (serializers.FloatField, (int, float), "应为数字。"),
    (serializers.DecimalField, (int, float), "应为数字。"),
    (serializers.CharField, (str,), "应为字符串。"),
)


def json_type_error(field: serializers.Field, value: Any) -> str | None:
    """The message if `value` (from a JSON body) is not of the JSON type `field` declares."""
    for field_class, types, message in _JSON_TYPES:
        if isinstance(field, field_class):
            if isinstance(value, bool) and bool not in types:
                return message
            return None if isinstance(value, types) else message
    return None


class BodySerializer(serializers.Serializer):
    """A request body. From JSON, each value must have its declared type (null is left to the
    field's allow_null); from a form, DRF's usual conversion of text applies."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(getattr(self.root, "initial_data", None), JSONObject | list) and isinstance(
            data, Mapping
        ):
            errors: dict[str, list[str]] = {}
            for field in self._writable_fields:
                value = data.get(field.field_name, empty)
                if value is empty or value is None:
                    continue
                if (message := json_type_error(field, value)) is not None:
                    errors[str(field.field_name)] = [message]
            if errors:
                raise serializers.ValidationError(errors)
        return super().to_internal_value(data)
