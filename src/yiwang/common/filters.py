"""Query parameters held to the schema: every API filter set derives from StrictFilterSet, and
views that read parameters by hand use query_integer and query_text. What a parameter accepts is
stated once (a FilterRule, or the arguments) and both checked and declared in the schema from
there. (Its own module: DRF imports the filter backend while its generics module loads.)"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import django_filters
from django import forms
from django.core.exceptions import ImproperlyConfigured
from django_filters import rest_framework as drf_filters
from django_filters.filterset import FilterSetMetaclass
from django_filters.utils import translate_validation
from rest_framework import exceptions
from rest_framework.request import Request

from .pagination import MAX_BIGINT, single_value

if TYPE_CHECKING:
    from rest_framework.views import APIView


class IntegerFilter(django_filters.NumberFilter):
    """An integer query parameter; give its bounds (min_value, max_value): StrictFilterSet
    enforces them and declares them in the schema."""

    field_class = forms.IntegerField


class IdFilter(IntegerFilter):
    """Filter by a record id: a positive integer, and an unknown id simply matches nothing
    (a ModelChoiceFilter would answer 400 for a well-formed id)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_BIGINT)
        super().__init__(*args, **kwargs)


# Longest free-text filter value (a name fragment, a search phrase); longer is a 400.
TEXT_FILTER_MAX_LENGTH = 200
_INTEGER_TEXT = re.compile(r"-?[0-9]{1,19}")


@dataclass(frozen=True)
class FilterRule:
    """What one query parameter accepts: checked before django-filter sees the value, and
    declared in the schema from the same data (so the two cannot drift apart)."""

    kind: str  # "integer" | "boolean" | "choice" | "text"
    minimum: int | None = None
    maximum: int | None = None
    choices: tuple[tuple[Any, Any], ...] = ()  # (code, label)
    max_length: int | None = None

    def error(self, name: str, value: str) -> str | None:
        """The Chinese sentence naming `name` if `value` is outside the rule, else None."""
        if self.kind == "integer":
            assert self.minimum is not None and self.maximum is not None
            if not _INTEGER_TEXT.fullmatch(value) or not (
                self.minimum <= int(value) <= self.maximum
            ):
                if self.maximum >= MAX_BIGINT:
                    return f"{name} 应为不小于 {self.minimum} 的整数。"
                return f"{name} 应为 {self.minimum} 到 {self.maximum} 之间的整数。"
        elif self.kind == "boolean":
            if value not in ("true", "false"):
                return f"{name} 只能是 true 或 false。"
        elif self.kind == "choice":
            if value not in {str(code) for code, _label in self.choices}:
                allowed = "、".join(str(code) for code, _label in self.choices)
                return f"{name} 只能是以下之一：{allowed}。"
        elif self.max_length is not None and len(value) > self.max_length:
            return f"{name} 不能超过 {self.max_length} 个字符。"
        return None

    def schema(self) -> dict[str, Any]:
        if self.kind == "integer":
            return {"type": "integer", "minimum": self.minimum, "maximum": self.maximum}
        if self.kind == "boolean":
            return {"type": "boolean"}
        if self.kind == "choice":
            codes = [code for code, _label in self.choices]
            kind = "integer" if all(isinstance(code, int) for code in codes) else "string"
            return {
                "type": kind,
                "enum": codes,
                "description": "\n".join(f"* `{code}` - {label}" for code, label in self.choices),
            }
        return {"type": "string", "maxLength": self.max_length}


def _rule_for(name: str, filter_: django_filters.Filter) -> FilterRule:
    extra = filter_.extra
    if isinstance(filter_, django_filters.ChoiceFilter):
        choices = extra.get("choices")
        if callable(choices) or not choices:
            raise ImproperlyConfigured(f"filter {name}: choices must be a fixed list")
        return FilterRule("choice", choices=tuple((code, label) for code, label in choices))
    if isinstance(filter_, django_filters.BooleanFilter):
        return FilterRule("boolean")
    if isinstance(filter_, django_filters.NumberFilter):
        if extra.get("min_value") is None or extra.get("max_value") is None:
            raise ImproperlyConfigured(f"filter {name}: a NumberFilter needs min_value, max_value")
        return FilterRule("integer", minimum=extra["min_value"], maximum=extra["max_value"])
    if isinstance(filter_, django_filters.CharFilter):
        return FilterRule("text", max_length=extra.get("max_length", TEXT_FILTER_MAX_LENGTH))
    raise ImproperlyConfigured(
        f"filter {name}: no strict rule for {type(filter_).__name__} (see StrictFilterSet)"
    )


class _StrictFilterSetMetaclass(FilterSetMetaclass):
    def __new__(mcs, name: str, bases: tuple[type, ...], attrs: dict[str, Any]) -> Any:
        cls = super().__new__(mcs, name, bases, attrs)
        cls.rules = {key: _rule_for(key, f) for key, f in cls.base_filters.items()}
        for key, filter_ in cls.base_filters.items():
            # drf-spectacular reads this per filter (as set by @extend_schema_field).
            filter_._spectacular_annotation = {"field": cls.rules[key].schema()}
        return cls


class StrictFilterSet(drf_filters.FilterSet, metaclass=_StrictFilterSetMetaclass):
    """The base of every API filter set: a query parameter outside its declared schema
    (out-of-range or malformed integer, not exactly true/false, a value not in the enum, an
    empty value, text too long, the parameter given twice) is a 400 naming the parameter,
    where django-filter would silently drop it or answer in English. The schema of every
    parameter is generated from the same rule."""

    rules: dict[str, FilterRule]

    def is_valid(self) -> bool:
        return not self.strict_errors() and super().is_valid()

    def strict_errors(self) -> dict[str, list[str]]:
        errors: dict[str, list[str]] = {}
        for name, rule in self.rules.items():
            values = self.data.getlist(name) if hasattr(self.data, "getlist") else []
            if not values:
                continue
            if len(values) > 1:
                errors[name] = [f"{name} 只能给一个值。"]
            elif (message := rule.error(name, values[0])) is not None:
                errors[name] = [message]
        return errors


class FilterBackend(drf_filters.DjangoFilterBackend):
    """django-filter for the API, with the strict base: `filterset_fields` build a
    StrictFilterSet, and a view's own `filterset_class` must be one."""

    filterset_base = StrictFilterSet

    def get_filterset_class(self, view: APIView, queryset: Any = None) -> Any:
        filterset_class = super().get_filterset_class(view, queryset)
        if filterset_class is not None and not issubclass(filterset_class, StrictFilterSet):
            raise ImproperlyConfigured(
                f"{type(view).__name__}.filterset_class must subclass StrictFilterSet"
            )
        return filterset_class

    def filter_queryset(self, request: Request, queryset: Any, view: APIView) -> Any:
        filterset = self.get_filterset(request, queryset, view)
        if filterset is None:
            return queryset
        if errors := filterset.strict_errors():
            raise exceptions.ValidationError(errors)
        if not filterset.is_valid():
            raise translate_validation(filterset.errors)
        return filterset.qs


def query_integer(request: Request, name: str, *, minimum: int, maximum: int, default: int) -> int:
    """Integer query parameter `name`, within [minimum, maximum] as the schema declares; plain
    decimal digits only ("5", not " 5", "+5" or "5.0"); given twice or malformed is a 400."""
    raw = single_value(request, name)
    if raw is None:
        return default
    message = FilterRule("integer", minimum=minimum, maximum=maximum).error(name, raw)
    if message is not None:
        raise exceptions.ValidationError({name: [message]})
    return int(raw)


def query_text(request: Request, name: str, *, max_length: int, required: str) -> str:
    """Text query parameter `name` of at most `max_length` characters (as given, as the schema
    counts them), stripped; absent or blank is a 400 with the message `required`."""
    raw = single_value(request, name) or ""
    if len(raw) > max_length:
        raise exceptions.ValidationError({name: [f"{name} 不能超过 {max_length} 个字符。"]})
    if not raw.strip():
        raise exceptions.ValidationError({name: [required]})
    return raw.strip()
