"""The licence element vocabulary: a type's field definitions and the values a licence gives
them — defined once, used by the services (and later by the importer and the forms)."""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError

from yiwang.common.validators import validate_plain_text
from yiwang.licenses.canonical import SAFE_INTEGER, Scalar

FIELD_KINDS = {"text": "文本", "integer": "整数", "boolean": "是/否", "date": "日期"}
NAME_MAX_LENGTH = 50
TEXT_MAX_LENGTH = 2000


def _refuse(key: str, message: str) -> ValidationError:
    return ValidationError({key: ValidationError(message, code="invalid")})


def clean_type_fields(spec: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Check a type's field definitions [{"name", "kind", "required"}] and return them clean."""
    cleaned: list[dict[str, Any]] = []
    seen: set[str] = set()
    for n, item in enumerate(spec, start=1):
        if not isinstance(item, Mapping) or set(item) - {"name", "kind", "required"}:
            raise _refuse("fields", f"第 {n} 个证照字段应只含 name、kind、required。")
        name = unicodedata.normalize("NFC", str(item.get("name") or "")).strip()
        if not name or len(name) > NAME_MAX_LENGTH:
            raise _refuse("fields", f"第 {n} 个证照字段的名称应为 1–{NAME_MAX_LENGTH} 个字。")
        validate_plain_text(name, field="证照字段名称")
        if name in seen:
            raise _refuse("fields", f"证照字段“{name}”重复。")
        kind = item.get("kind", "text")
        if kind not in FIELD_KINDS:
            allowed = "、".join(FIELD_KINDS)
            raise _refuse("fields", f"证照字段“{name}”的类型“{kind}”不存在，可选：{allowed}。")
        seen.add(name)
        cleaned.append({"name": name, "kind": kind, "required": bool(item.get("required"))})
    return cleaned


def clean_values(spec: list[dict[str, Any]], values: Mapping[str, Any]) -> dict[str, Scalar]:
    """The licence's field values, in the type's order, each checked against its kind; an
    optional field left out is null, a field the type does not have is refused."""
    names = {item["name"] for item in spec}
    unknown = [str(name) for name in values if unicodedata.normalize("NFC", str(name)) not in names]
    if unknown:
        raise _refuse("fields", f"证照类型没有字段“{'、'.join(unknown)}”。")
    given = {unicodedata.normalize("NFC", str(k)): v for k, v in values.items()}
    cleaned: dict[str, Scalar] = {}
    for item in spec:
        name, kind = item["name"], item["kind"]
        value = given.get(name)
        if value is None or value == "":
            if item["required"]:
                raise _refuse("fields", f"请填写证照字段“{name}”。")
            cleaned[name] = None
            continue
        cleaned[name] = _value(name, kind, value)
    return cleaned


def _value(name: str, kind: str, value: Any) -> Scalar:
    if kind == "text":
        if not isinstance(value, str):
            raise _refuse("fields", f"证照字段“{name}”应为文本。")
        text = unicodedata.normalize("NFC", value).strip()
        if len(text) > TEXT_MAX_LENGTH:
            raise _refuse("fields", f"证照字段“{name}”不能超过 {TEXT_MAX_LENGTH} 个字。")
        validate_plain_text(text, field=name)
        return text
    if kind == "integer":
        if isinstance(value, bool) or not isinstance(value, int) or abs(value) > SAFE_INTEGER:
            raise _refuse("fields", f"证照字段“{name}”应为整数。")
        return value
    if kind == "boolean":
        if not isinstance(value, bool):
            raise _refuse("fields", f"证照字段“{name}”应为是或否。")
        return value
    # date
    if isinstance(value, dt.date):
        return value.isoformat()
    try:
        return dt.date.fromisoformat(str(value)).isoformat()
    except ValueError:
        raise _refuse("fields", f"证照字段“{name}”应为 YYYY-MM-DD 形式的日期。") from None
