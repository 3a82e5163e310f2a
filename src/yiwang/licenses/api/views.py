"""Licence verification for other systems (namespace "licenses-api", /api/licenses/): the same
check as the public page and `yiwang license verify` (licenses.verification), without signing
in and rate-limited per client address. POST a licence file (JSON) to verify it as a whole, or
GET by identifier to verify the registry's record."""

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
from yiwang.licenses import files, selectors, verification
from yiwang.org import ratelimit

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
