"""The project's URLs plus views that fail on purpose, for the error-page tests."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.http import HttpRequest, HttpResponse
from django.urls import path
from rest_framework import serializers
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from yiwang.urls import handler400, handler403, handler404, handler500
from yiwang.urls import urlpatterns as project

__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]


def crash(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("boom: secret internals")


def forbidden_chinese(request: HttpRequest) -> HttpResponse:
    raise PermissionDenied("只有数据资源局可以这样做。")


def forbidden_english(request: HttpRequest) -> HttpResponse:
    raise PermissionDenied("account locked")


def suspicious(request: HttpRequest) -> HttpResponse:
    raise SuspiciousOperation("Invalid HTTP_HOST header")


@api_view(["GET", "POST"])
@permission_classes([AllowAny])
def api_echo(request: Request) -> Response:
    """Echoes the parsed body (the project's default parsers)."""
    return Response({"data": dict(request.data)})


class _NameSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=3)


@api_view(["POST"])
@permission_classes([AllowAny])
def api_validate(request: Request) -> Response:
    """Validates the body with a DRF serializer (DRF's own field messages)."""
    body = _NameSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    return Response(body.validated_data)


urlpatterns = [
    path("boom/", crash),
    path("workbench/boom/", crash),
    path("api/boom/", crash),
    path("forbidden/chinese/", forbidden_chinese),
    path("workbench/forbidden/english/", forbidden_english),
    path("suspicious/", suspicious),
    path("api/echo/", api_echo),
    path("api/validate/", api_validate),
    *project,
]
