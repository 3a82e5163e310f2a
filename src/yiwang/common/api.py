"""API plumbing shared by every app: root listing and error format (Chinese). Strict query
parameters: common.filters; request-body parsers: common.parsers."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from typing import TYPE_CHECKING, Any, cast

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils import timezone, translation
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import exceptions, permissions, serializers, status
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from .errors import CSRF_MESSAGE, chinese_or_none, default_message

if TYPE_CHECKING:
    from yiwang.org.models import User


def json_data(value: Any) -> Any:
    """Plain data (dicts, lists, model values) in the JSON form DRF's serializer fields give it:
    datetimes in the current time zone as ISO 8601 ("Z" for UTC, DateTimeField), dates ISO
    (DateField), Decimals fixed-point (DecimalField), lazy strings as text. For hot answers whose
    shape a serializer declares for the schema: walking the data costs a small share of
    instantiating nested serializers per request. Each use has a test holding it to its
    serializer's output."""
    if isinstance(value, dict):
        return {str(key): json_data(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [json_data(item) for item in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = value.astimezone(timezone.get_current_timezone())
        text = value.isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:f}"
    return str(value)  # lazy translations, enum members, masked values


_Error = inline_serializer("Error", fields={"detail": serializers.CharField()})
# Field errors: {"field": ["message", …], …}; nested for lists of rows.
_FieldErrors = OpenApiTypes.OBJECT

# Documented error answers shared by every endpoint (schemathesis checks they are declared).
ERROR_RESPONSES = {
    400: OpenApiResponse(_FieldErrors, description="请求参数不正确（按字段给出中文说明）"),
    401: OpenApiResponse(_Error, description="未登录或令牌无效"),
    403: OpenApiResponse(_Error, description="无权限"),
    404: OpenApiResponse(_Error, description="不存在或不在数据范围内"),
    409: OpenApiResponse(_Error, description="与记录当前状态冲突（例如该状态下不能执行此操作）"),
    422: OpenApiResponse(
        _FieldErrors, description="数据格式正确但违反业务规则（按字段给出中文说明）"
    ),
}

# Service errors whose code means "not now, in this state" rather than "this data is wrong".
CONFLICT_CODES = frozenset({"illegal_transition", "not_editable", "conflict", "duplicate"})


class ServiceRuleViolation(exceptions.APIException):
    """Well-formed input that a business rule refuses: 422 with the Chinese messages."""

    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = "数据违反业务规则。"


class StateConflict(exceptions.APIException):
    """The record's current state does not allow the operation: 409."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = "与记录当前状态冲突。"


def request_user(request: Request) -> User:
    """The signed-in account of a request that passed an authenticating permission."""
    return cast("User", request.user)


class StaffOnly(permissions.BasePermission):
    """Signed-in staff or system accounts that have set their own password."""

    message = "仅限工作人员访问。"

    def has_permission(self, request: Request, view: APIView) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if getattr(user, "kind", "") not in ("staff", "system"):
            return False
        if getattr(user, "must_change_password", False):
            self.message = "请先修改初始密码。"
            return False
        return True


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Map service errors to HTTP: a refused state change is 409, a broken business rule 422
    (both with the Chinese messages by field), a refused permission 403 with its message.
    Serializer (schema) errors stay 400. Every message is Chinese: DRF's and Django's English
    ones (CSRF reasons, "No X matches the given query.", throttling waits, untranslated field
    messages) are replaced by the Chinese sentence for their status or code."""
    if isinstance(exc, DjangoValidationError):
        detail: Any = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        groups = exc.error_dict.values() if hasattr(exc, "error_dict") else [exc.error_list]
        codes = {error.code for group in groups for error in group}
        if codes & CONFLICT_CODES:
            exc = StateConflict(" ".join(exc.messages))
        else:
            exc = ServiceRuleViolation(detail)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(chinese_or_none(exc) or default_message(403, api=True))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound(chinese_or_none(exc) or default_message(404, api=True))
    elif isinstance(exc, exceptions.Throttled):
        seconds = getattr(exc, "wait", None)
        wait = f"请 {math.ceil(seconds)} 秒后再试。" if seconds is not None else "请稍后再试。"
        exc.detail = exceptions.ErrorDetail(f"操作过于频繁，{wait}", code="throttled")
    elif isinstance(exc, exceptions.PermissionDenied) and str(exc.detail).startswith("CSRF Failed"):
        exc = exceptions.PermissionDenied(str(CSRF_MESSAGE), code="csrf_failed")
    response = drf_exception_handler(exc, context)
    if response is not None and translation.get_language() == settings.LANGUAGE_CODE:
        response.data = _chinese(response.data, response.status_code)
    return response


# Chinese for DRF field messages its translation lacks ("A valid biginteger is required."), by
# error code; anything else not in Chinese gets the sentence for its status.
_FIELD_MESSAGES = {
    "invalid": "格式不正确。",
    "required": "该字段是必填项。",
    "null": "该字段不能为空。",
    "blank": "该字段不能为空。",
    "max_string_length": "数值过大。",
    "max_value": "数值过大。",
    "min_value": "数值过小。",
    "max_length": "内容过长。",
    "min_length": "内容过短。",
    "invalid_choice": "不是可选的值。",
}


def _chinese(data: Any, status_code: int) -> Any:
    if isinstance(data, dict):
        return {key: _chinese(value, status_code) for key, value in data.items()}
    if isinstance(data, list):
        return [_chinese(value, status_code) for value in data]
    if isinstance(data, str) and chinese_or_none(data) is None:
        code = getattr(data, "code", None)
        message = _FIELD_MESSAGES.get(code or "") or default_message(status_code, api=True)
        return exceptions.ErrorDetail(message, code=code)
    return data


@extend_schema(exclude=True)
@api_view(["GET"])
@permission_classes([AllowAny])
def api_root(request: Request, format: str | None = None) -> Response:
    """Entry point listing the API's sections, its schema and its documentation."""
    return Response(
        {
            "schema": reverse("api-schema", request=request, format=format),
            "docs": reverse("api-docs", request=request, format=format),
            "org": reverse("org-api:root", request=request, format=format),
            "workdays": reverse("workdays-api:root", request=request, format=format),
            "audit": reverse("audit-api:root", request=request, format=format),
        }
    )


NO_NUL_PATTERN = "^[^\\u0000]*$"


def declare_no_nul_strings(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """drf-spectacular post-processing hook: every free-text string a client sends must not
    contain NUL (DRF's CharField refuses it), so say so in the request schemas."""

    def visit(node: Any) -> None:
        if isinstance(node, dict):
            if (
                node.get("type") == "string"
                and not node.get("readOnly")
                and not {"pattern", "enum", "format"} & node.keys()
            ):
                node["pattern"] = NO_NUL_PATTERN
            for value in node.values():
                visit(value)
        elif isinstance(node, list):
            for value in node:
                visit(value)

    for name, component in result.get("components", {}).get("schemas", {}).items():
        if name.endswith("Request"):
            visit(component)
    return result
