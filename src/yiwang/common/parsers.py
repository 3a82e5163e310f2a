"""Request-body parsers of the API: DRF's, with malformed bodies refused in Chinese and no
non-form body taken for an empty form. (Its own module: DRF imports the parsers while its
views module loads.)"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.http import QueryDict
from rest_framework import exceptions, parsers


class JSONParser(parsers.JSONParser):
    """JSON bodies; a malformed one is a 400 saying where, in Chinese (DRF's message is
    English: "JSON parse error - Expecting value…")."""

    def parse(
        self,
        stream: Any,
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = stream.read().decode(encoding)
        except UnicodeDecodeError as exc:
            raise exceptions.ParseError(f"请求体不是有效的 {encoding} 文本。") from exc
        try:
            data = json.loads(text, parse_constant=json_strict_constant)
        except json.JSONDecodeError as exc:
            raise exceptions.ParseError(
                f"请求体不是有效的 JSON（第 {exc.lineno} 行第 {exc.colno} 列）。"
            ) from exc
        except ValueError as exc:  # NaN, Infinity
            raise exceptions.ParseError(
                "请求体不是有效的 JSON（不能有 NaN 或 Infinity）。"
            ) from exc
        # Marked, so that BodySerializer knows the values carry JSON types (common.serializers).
        return JSONObject(data) if isinstance(data, dict) else data


class JSONObject(dict[str, Any]):
    """A JSON request body that is an object."""


def json_strict_constant(value: str) -> Any:
    raise ValueError(f"{value} is not valid JSON")


# `name=value`; the name may be empty (an object may have a property named ""), the "=" may not.
_FORM_PAIR = re.compile(r"[^=&]*=[^&]*")


class FormParser(parsers.FormParser):
    """URL-encoded forms: each part must be `name=value` (a body like `[]` is not a form and
    would otherwise be taken for an empty one)."""

    def parse(
        self,
        stream: Any,
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        body = stream.read()
        try:
            text = body.decode(encoding)
        except UnicodeDecodeError as exc:
            raise exceptions.ParseError(f"请求体不是有效的 {encoding} 文本。") from exc
        if text and not all(_FORM_PAIR.fullmatch(pair) for pair in text.split("&")):
            raise exceptions.ParseError("请求体不是有效的表单（每一项应为 名称=值）。")
        return QueryDict(body, encoding=encoding)


class MultiPartParser(parsers.MultiPartParser):
    """multipart/form-data; a body that is not empty yet holds no part (e.g. `[]` wrapped in
    a boundary) is a 400 rather than an empty form, and parser errors are in Chinese."""

    def parse(
        self,
        stream: Any,
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        request = (parser_context or {}).get("request")
        try:
            result = super().parse(stream, media_type, parser_context)
        except exceptions.ParseError as exc:
            raise exceptions.ParseError("请求体不是有效的 multipart/form-data 表单。") from exc
        boundary = (media_type or "").partition("boundary=")[2].strip('"; ')
        length = int((request.META.get("CONTENT_LENGTH") if request else None) or 0)
        # An empty form is just the closing delimiter "--boundary--" (and a line break).
        if not result.data and not result.files and length > len(boundary) + 8:
            raise exceptions.ParseError("请求体不是有效的 multipart/form-data 表单。")
        return result
