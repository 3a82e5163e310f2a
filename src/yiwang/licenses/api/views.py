"""Licence verification for other systems (namespace "licenses-api", /api/licenses/): the same
check as the public page and `yiwang license verify` (licenses.verification), without signing
in and rate-limited per client address. POST a licence file (JSON) to verify it as a whole, or
GET by identifier to verify the registry's record.

证照归集 (POST gather/): a department's own system sends its licences with an API key of scope
license-gather bound to the department (licenses.gathering; docs/api.md)."""

from __future__ import annotations

from django.http import HttpRequest
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import permissions, serializers
from rest_framework.decorators import api_view, authentication_classes, permission_classes
from rest_framework.request import Request
from rest_framework.response import Response

from yiwang.common.api import ERROR_RESPONSES
from yiwang.licenses import files, gathering, selectors, verification
from yiwang.org import ratelimit
from yiwang.org.auth import HasApiKey, LicenseGatherKeyAuthentication
from yiwang.org.models import ApiKey

_VERDICT = inline_serializer(
    "LicenseVerdict",
    {
        "result": serializers.ChoiceField(
            choices=[
                "valid",
                "altered",
                "untrusted_key",
                "revoked",
                "cancelled",
                "expired",
                "transferred",
                "withdrawn",
            ]
        ),
        "message": serializers.CharField(help_text="有效 / 已被篡改 / 签章密钥不可信 / 已撤销 …"),
        "detail": serializers.CharField(),
        "identifier": serializers.CharField(),
    },
)


# The shape of an identifier (the check character is checked by the registry lookup).
IDENTIFIER_PATTERN = (
    r"^1\.2\.156\.3005\.2\.[0-9A-Z]{21}\.[0-9A-Z]{18}\.[0-9A-Z]{1,32}\.[0-9]{3}\.[0-9A-Z]$"
)
_LICENSE_FILE = {
    "type": "object",
    "description": "电子证照文件（docs/licenses.md）",
    "required": ["license", "canonical", "seal"],
    "properties": {
        "license": {"type": "object"},
        "canonical": {"type": "string", "description": "签章原文的 base64"},
        "seal": {
            "type": "object",
            "required": list(files.SEAL_MEMBERS),
            "properties": {name: {"type": "string"} for name in files.SEAL_MEMBERS},
        },
    },
}


def _limited(request: HttpRequest) -> Response | None:
    try:
        ratelimit.hit(request, ratelimit.LICENSE_VERIFY)
    except ratelimit.RateLimited as exc:
        return Response(
            {"detail": exc.message}, status=429, headers={"Retry-After": str(exc.retry_after)}
        )
    return None


def _answer(verdict: verification.Verdict, identifier: str) -> Response:
    return Response(
        {
            "result": verdict.result,
            "message": verdict.word,
            "detail": verdict.detail,
            "identifier": identifier,
        }
    )


@extend_schema(
    summary="核验电子证照文件",
    request={"application/json": _LICENSE_FILE},
    responses={
        200: _VERDICT,
        400: OpenApiResponse(description="不是电子证照文件"),
        **ERROR_RESPONSES,
    },
)
@api_view(["POST"])
@authentication_classes([])
@permission_classes([permissions.AllowAny])
def verify_file(request: Request) -> Response:
    """Verify a licence file: canonical bytes, signature, the issuer's registered key, status."""
    limited = _limited(request._request)
    if limited is not None:
        return limited
    try:
        document = files.read(request._request.body)
    except files.UnreadableFile as exc:
        return Response({"detail": str(exc)}, status=400)
    verdict = verification.verify_document(document)
    identifier = document["license"].get("identifier")
    return _answer(verdict, identifier if isinstance(identifier, str) else "")


@extend_schema(
    summary="按标识核验电子证照",
    parameters=[
        OpenApiParameter(
            "identifier",
            {"type": "string", "pattern": IDENTIFIER_PATTERN, "maxLength": 120},
            OpenApiParameter.PATH,
            description="电子证照标识（GB/T 36904），如 1.2.156.3005.2.….001.U",
        )
    ],
    responses={200: _VERDICT, 404: OpenApiResponse(description="查无此证"), **ERROR_RESPONSES},
)
@api_view(["GET"])
@authentication_classes([])
@permission_classes([permissions.AllowAny])
def verify_identifier(request: Request, identifier: str) -> Response:
    """Verify the registry's licence of this identifier (its seal and its status)."""
    limited = _limited(request._request)
    if limited is not None:
        return limited
    record = selectors.license_by_identifier(identifier)
    if record is None:
        return Response({"detail": f"没有找到标识为 {identifier} 的电子证照。"}, status=404)
    return _answer(verification.verify_record(record), identifier)


# --- 证照归集: a department's system sends its licences (licenses.gathering) -----------------

_GATHER_RECORD = {
    "type": "object",
    "description": "一本证照：与归集文件的列相同，键为英文（docs/api.md）",
    "required": [
        "type_code",
        "source_number",
        "holder_kind",
        "holder_name",
        "valid_from",
    ],
    "properties": {
        "type_code": {"type": "string", "description": "证照类型代码", "maxLength": 21},
        "source_number": {"type": "string", "description": "原系统证照编号", "maxLength": 64},
        "holder_kind": {
            "type": "string",
            "description": "持证主体类型：person（自然人）或 enterprise（法人和其他组织）",
        },
        "holder_name": {"type": "string", "maxLength": 200},
        "holder_id_number": {"type": "string", "description": "身份证号码（自然人）"},
        "holder_uscc": {"type": "string", "description": "统一社会信用代码（法人和其他组织）"},
        "valid_from": {"type": "string", "description": "有效期起，YYYY-MM-DD"},
        "valid_until": {
            "type": ["string", "null"],
            "description": "有效期至，YYYY-MM-DD；不填为长期",
        },
        "status": {"type": "string", "description": "状态：valid（默认）、revoked …或中文"},
        "status_reason": {"type": "string", "maxLength": 200},
        "fields": {"type": "object", "description": "证照类型自己的字段：字段名 → 值"},
    },
}
_GATHER_REPORT = inline_serializer(
    "LicenseGatherReport",
    {
        "rows": serializers.IntegerField(),
        "created": serializers.IntegerField(help_text="新增"),
        "unchanged": serializers.IntegerField(help_text="未变更"),
        "changed": serializers.IntegerField(help_text="变更（新版本或状态）"),
        "dry_run": serializers.BooleanField(),
        "identifiers": serializers.ListField(child=serializers.CharField()),
        "errors": serializers.ListField(
            child=inline_serializer(
                "LicenseGatherRowError",
                {
                    "row": serializers.IntegerField(help_text="列表中的第几条（从 1 起）"),
                    "column": serializers.CharField(help_text="键，证照字段为 fields.字段名"),
                    "message": serializers.CharField(),
                },
            )
        ),
    },
)


@extend_schema(
    summary="归集本部门的电子证照",
    description=(
        "部门系统以接口密钥（用途 license-gather，绑定本部门）批量报送本部门颁发的证照。"
        "全部通过才写入；有一条不通过则一条也不写，400 逐条说明。重复报送不产生变化（200）。"
    ),
    request={"application/json": {"type": "array", "items": _GATHER_RECORD}},
    responses={
        201: _GATHER_REPORT,
        200: _GATHER_REPORT,
        400: _GATHER_REPORT,
        **{code: r for code, r in ERROR_RESPONSES.items() if code != 400},
    },
)
@api_view(["POST"])
@authentication_classes([LicenseGatherKeyAuthentication])
@permission_classes([HasApiKey])
def gather(request: Request) -> Response:
    """Gather the key's department's licences: all or nothing, per-row errors, idempotent."""
    key = request.auth
    assert isinstance(key, ApiKey) and key.department is not None
    records = request.data
    if not isinstance(records, list):
        report = gathering.GatherResult(
            errors=[gathering.RowError(0, "—", "请求体应为证照的 JSON 列表。")]
        )
        return Response(report.as_dict(), status=400)
    result = gathering.gather_records(
        department=key.department, records=records, source=f"接口密钥 {key.prefix}…"
    )
    if not result.ok:
        return Response(result.as_dict(), status=400)
    return Response(result.as_dict(), status=201 if result.written else 200)
