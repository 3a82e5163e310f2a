"""Audit API: the trail, read-only, scoped by audit.selectors."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import permissions, viewsets
from rest_framework.decorators import api_view, permission_classes
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from yiwang.common.api import ERROR_RESPONSES, StaffOnly
from yiwang.common.pagination import single_value

from .. import selectors
from ..models import AuditEvent
from . import serializers as s


class MayViewAuditEvents(permissions.BasePermission):
    message = "您没有查看审计日志的权限。"

    def has_permission(self, request: Request, view: APIView) -> bool:
        return selectors.may_view_audit_events(request.user)


@extend_schema(exclude=True)
@api_view(["GET"])
@permission_classes([permissions.AllowAny])
def root(request: Request, format: str | None = None) -> Response:
    return Response({"events": reverse("audit-api:events-list", request=request, format=format)})


_LIST_ERRORS = {code: ERROR_RESPONSES[code] for code in (400, 401, 403)}
_DETAIL_ERRORS = {code: ERROR_RESPONSES[code] for code in (401, 403, 404)}


@extend_schema_view(
    list=extend_schema(
        summary="审计事件列表",
        description=(
            "最新的在前。系统管理员可见全部事件；数据资源局管理员可见本区划各部门工作人员的操作"
            "与本人操作；其他有权限者只见本人操作。"
        ),
        parameters=[s.AuditEventQuerySerializer],
        responses={200: s.AuditEventSerializer(many=True), **_LIST_ERRORS},
    ),
    retrieve=extend_schema(
        summary="按序号查看一条审计事件",
        responses={200: s.AuditEventSerializer, **_DETAIL_ERRORS},
    ),
)
class AuditEventViewSet(viewsets.ReadOnlyModelViewSet):
    """The audit trail. Personal data in `changes` is masked; nothing here reveals it."""

    serializer_class = s.AuditEventSerializer
    permission_classes = [StaffOnly, MayViewAuditEvents]
    filter_backends: list[Any] = []  # filters are validated below and applied by the selector
    lookup_field = "sequence"
    # Digits only, as the schema says; anything else does not resolve: the JSON 404 of
    # common.errors.
    lookup_value_regex = "[0-9]+"

    def get_queryset(self) -> QuerySet[AuditEvent]:
        filters: dict[str, Any] = {}
        if self.action == "list":
            params = {name: single_value(self.request, name) for name in s.FILTERS}
            query = s.AuditEventQuerySerializer(
                data={k: v for k, v in params.items() if v is not None}
            )
            query.is_valid(raise_exception=True)
            filters = {k: v for k, v in query.validated_data.items() if v not in ("", None)}
        return selectors.audit_event_list(user=self.request.user, **filters)
