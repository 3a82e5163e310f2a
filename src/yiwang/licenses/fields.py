"""The licence element vocabulary: a type's field definitions and the values a licence gives
them — defined once, used by the services (and later by the importer and the forms)."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError

from yiwang.common.validators import validate_plain_text
from yiwang.licenses.canonical import SAFE_INTEGER, Scalar

FIELD_KINDS = {"text": "文本", "integer": "整数", "boolean": "是/否", "date": "日期"}
NAME_MAX_LENGTH = 50
TEXT_MAX_LENGTH = 2000
# Where an auto-issued licence's field takes its value (licenses.issuing): "form:<key>", the
# case's application-form field of that key (catalogue form keys are slugs), or one of the
# case's own attributes below. A field without a source takes the form field whose label (or
# key) is its name.
FORM_SOURCE = "form:"
FORM_KEY_RE = re.compile(r"[-A-Za-z0-9_]{1,50}")
CASE_SOURCES = {
    "case:number": "办件编号",
    "case:concluded_on": "办结日期",
    "applicant:name": "申请人名称",
    "applicant:legal_representative": "法定代表人",
}


def _refuse(key: str, message: str) -> ValidationError:
    return ValidationError({key: ValidationError(message, code="invalid")})


def clean_source(name: str, source: Any) -> str:
    """A licence field's source (FORM_SOURCE + a form key, or one of CASE_SOURCES), or ""."""
    text = str(source or "").strip()
    if not text or text in CASE_SOURCES:
        return text
    if text.startswith(FORM_SOURCE) and FORM_KEY_RE.fullmatch(text[len(FORM_SOURCE) :]):
        return text
    allowed = "、".join(CASE_SOURCES)
    raise _refuse(
        "fields",
        f"证照字段“{name}”的来源“{text[:60]}”无效：应为 form:申请表栏目键，或 {allowed}。",
    )


def clean_type_fields(spec: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Check a type's field definitions [{"name", "kind", "required", "source"?}] and return
    them clean; "source" (clean_source) is kept only when set."""
    cleaned: list[dict[str, Any]] = []
    seen: set[str] = set()
    for n, item in enumerate(spec, start=1):
        if not isinstance(item, Mapping) or set(item) - {"name", "kind", "required", "source"}:
            raise _refuse("fields", f"第 {n} 个证照字段应只含 name、kind、required、source。")
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
        field = {"name": name, "kind": kind, "required": bool(item.get("required"))}
        source = clean_source(name, item.get("source"))
        if source:
            field["source"] = source
        cleaned.append(field)
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
