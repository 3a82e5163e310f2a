"""Catalogue API: public reads of published items and bundles, guided search, and the staff
lifecycle (scoped). Business rules live in services, selectors and workflow."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404, HttpResponse
from django_filters import rest_framework as filters
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
)
from rest_framework import permissions, viewsets
from rest_framework.decorators import action, api_view, permission_classes
from rest_framework.exceptions import NotFound
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse

from yiwang.catalog import caching, selectors, services
from yiwang.catalog.api import serializers as s
from yiwang.catalog.fields import CROSS_PROVINCE_SCOPES, ServiceScope
from yiwang.catalog.models import Bundle, ItemType, ServiceItem, ServiceItemVersion
from yiwang.common.api import ERROR_RESPONSES, StaffOnly, request_user
from yiwang.common.filters import (
    IdFilter,
    IntegerFilter,
    StrictFilterSet,
    query_integer,
    query_text,
)
from yiwang.org import selectors as org_selectors


@extend_schema(exclude=True)
@api_view(["GET"])
@permission_classes([permissions.AllowAny])
def root(request: Request, format: str | None = None) -> Response:
    return Response(
        {
            "items": reverse("catalog-api:items-list", request=request, format=format),
            "bundles": reverse("catalog-api:bundles-list", request=request, format=format),
            "search": reverse("catalog-api:search", request=request, format=format),
            "manage": reverse("catalog-api:manage-items-list", request=request, format=format),
        }
    )


# "At most N visits": beyond 99 a filter means nothing (the schema says 0–99, enforced).
MAX_VISITS_FILTER = 99


class PublishedItemFilter(StrictFilterSet):
    department = IdFilter(field_name="department_id")
    item_type = filters.ChoiceFilter(
        field_name="published_version__item_type", choices=ItemType.choices
    )
    fully_online = filters.BooleanFilter(field_name="published_version__fully_online")
    # The former flag, derived from 通办范围 (fields.CROSS_PROVINCE_SCOPES).
    cross_province = filters.BooleanFilter(method="filter_cross_province")
    service_scope = filters.ChoiceFilter(
        field_name="published_version__service_scope", choices=ServiceScope.choices
    )
    max_visits = IntegerFilter(
        field_name="published_version__visits",
        lookup_expr="lte",
        min_value=0,
        max_value=MAX_VISITS_FILTER,
    )
    name = filters.CharFilter(field_name="published_version__name", lookup_expr="icontains")

    class Meta:
        model = ServiceItem
        fields: list[str] = []

    def filter_cross_province(
        self, queryset: QuerySet[ServiceItem], name: str, value: bool | None
    ) -> QuerySet[ServiceItem]:
        if value is None:
            return queryset
        scopes = Q(published_version__service_scope__in=sorted(CROSS_PROVINCE_SCOPES))
        return queryset.filter(scopes) if value else queryset.exclude(scopes)


@extend_schema_view(
    list=extend_schema(responses={200: s.ItemSummarySerializer(many=True), **ERROR_RESPONSES}),
    retrieve=extend_schema(responses={200: s.ItemDetailSerializer, **ERROR_RESPONSES}),
)
class PublishedItemViewSet(viewsets.ReadOnlyModelViewSet):
    """Published service items (public). Look up by implementation code."""

    permission_classes = [permissions.AllowAny]
    lookup_field = "code"
    lookup_value_regex = "[0-9A-Za-z-]+"
    filterset_class = PublishedItemFilter

    def get_queryset(self) -> QuerySet[ServiceItem]:
        qs = selectors.published_items().order_by("code")
        if self.action == "retrieve":
            qs = qs.prefetch_related(
                *(f"published_version__{p}" for p in selectors.VERSION_DETAIL_PREFETCH)
            )
        return qs

    def get_serializer_class(self) -> type:
        return s.ItemDetailSerializer if self.action == "retrieve" else s.ItemSummarySerializer

    # DRF passes any HttpResponse through; the stubs only know Response.
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponse:  # type: ignore[override]
        """One published item. A plain JSON read (no query parameters) is answered from this
        process's cache for the current catalogue generation (catalog.caching)."""
        if request.query_params or not _plain_json(request):
            return super().retrieve(request, *args, **kwargs)
        code = str(kwargs[self.lookup_field])
        body = caching.item_json.get_or_compute(code, lambda: _item_json(code))
        if body is None:
            raise Http404
        return HttpResponse(body, content_type="application/json")


def _plain_json(request: Request) -> bool:
    """The client takes JSON without media-type parameters (an `indent=` would change the
    bytes, the browsable API is HTML): the answer is the same for everyone."""
    return request.accepted_renderer.format == "json" and ";" not in request.accepted_media_type


def _item_json(code: str) -> bytes | None:
    item = selectors.published_item_by_code(code)
    if item is None:
        return None
    return JSONRenderer().render(s.ItemDetailSerializer(item).data)


def _bundle_data(bundle: Bundle) -> dict[str, Any]:
    return {
        "code": bundle.code,
        "name": bundle.name,
        "summary": bundle.summary,
        "situations": bundle.situations,
        "lead_department": bundle.lead_department.name,
        "guide_url": reverse("guide:bundle", args=[bundle.code]),
        "stages": [
            {
                "order": stage.order,
                "items": [
                    {"code": e.item.code, "name": str(e.item), "department": e.item.department.name}
                    for e in stage.entries.all()
                ],
            }
            for stage in bundle.stages.all()
        ],
    }


@extend_schema_view(
    list=extend_schema(responses={200: s.BundleSerializer(many=True), **ERROR_RESPONSES}),
    retrieve=extend_schema(responses={200: s.BundleSerializer, **ERROR_RESPONSES}),
)
class BundleViewSet(viewsets.GenericViewSet):
    """Published bundles (一件事) with their stages (public)."""

    permission_classes = [permissions.AllowAny]
    serializer_class = s.BundleSerializer
    lookup_field = "code"
    lookup_value_regex = "[0-9A-Za-z-]+"

    def get_queryset(self) -> QuerySet[Bundle]:
        return selectors.with_items(selectors.published_bundles()).order_by("code")

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        rows = [_bundle_data(b) for b in (page or [])]
        return self.get_paginated_response(rows)

    def retrieve(self, request: Request, code: str | None = None) -> Response:
        bundle = selectors.published_bundle_by_code(code or "")
        if bundle is None:
            raise Http404
        return Response(_bundle_data(bundle))


SEARCH_QUERY_MAX_LENGTH = 200
SEARCH_LIMIT_MAX, SEARCH_LIMIT_DEFAULT = 50, 10


@extend_schema(
    parameters=[
        OpenApiParameter(
            "q",
            {
                "type": "string",
                "minLength": 1,
                "maxLength": SEARCH_QUERY_MAX_LENGTH,
                "pattern": r"\S",
            },
            required=True,
            description="群众的说法，例如：开饭店要办什么证",
        ),
        OpenApiParameter(
            "limit",
            {"type": "integer", "minimum": 1, "maximum": SEARCH_LIMIT_MAX},
            description=f"最多返回条数（1–{SEARCH_LIMIT_MAX}，默认 {SEARCH_LIMIT_DEFAULT}）",
        ),
    ],
    responses={200: s.SearchResultSerializer(many=True), **ERROR_RESPONSES},
)
@api_view(["GET"])
@permission_classes([permissions.AllowAny])
def search(request: Request) -> HttpResponse:
    """Guided search (智能导办): items and bundles ranked for an everyday phrase."""
    from yiwang.catalog.search.query import clean_query
    from yiwang.catalog.search.query import search as guided_search

    query = query_text(
        request, "q", max_length=SEARCH_QUERY_MAX_LENGTH, required="请输入要办理的事情。"
    )
    limit = query_integer(
        request, "limit", minimum=1, maximum=SEARCH_LIMIT_MAX, default=SEARCH_LIMIT_DEFAULT
    )
    if not _plain_json(request):
        return Response(s.SearchResultSerializer(guided_search(query, limit=limit), many=True).data)

    def answer() -> bytes:
        results = guided_search(query, limit=limit)
        return JSONRenderer().render(s.SearchResultSerializer(results, many=True).data)

    # The answer depends on the query only as the search reads it (clean_query).
    body = caching.search_json.get_or_compute((clean_query(query), limit), answer)
    return HttpResponse(body, content_type="application/json")


# --- Staff lifecycle ---------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(responses={200: s.ManagedItemSerializer(many=True), **ERROR_RESPONSES}),
    retrieve=extend_schema(responses={200: s.ManagedItemSerializer, **ERROR_RESPONSES}),
)
class ManagedItemViewSet(viewsets.ReadOnlyModelViewSet):
    """Items in the caller's data scope, any status, with lifecycle actions."""

    permission_classes = [StaffOnly]
    serializer_class = s.ManagedItemSerializer
    queryset = ServiceItem.objects.none()  # for the schema only; reads use the selector
    lookup_value_regex = "[0-9]+"
    filterset_fields = ["status", "business_type"]

    def get_queryset(self) -> QuerySet[ServiceItem]:
        return selectors.managed_items_for(user=request_user(self.request)).order_by("code")

    @extend_schema(
        request=s.ClaimSerializer, responses={201: s.ManagedItemSerializer, **ERROR_RESPONSES}
    )
    @action(detail=False, methods=["post"])
    def claim(self, request: Request) -> Response:
        """Claim a base item for a department in the caller's scope (认领)."""
        body = s.ClaimSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        base = selectors.base_items().filter(code=body.validated_data["base_code"]).first()
        if base is None:
            raise NotFound("基本目录中没有该事项编码。")
        department = (
            org_selectors.departments_in_scope(user=request_user(request))
            .filter(pk=body.validated_data["department"])
            .first()
        )
        if department is None:
            raise NotFound("部门不存在或不在您的数据范围内。")
        item = services.item_claim(
            base=base,
            department=department,
            region=department.region,
            business_type=body.validated_data["business_type"],
            actor=request_user(request),
        )
        return Response(s.ManagedItemSerializer(item).data, status=201)

    @extend_schema(
        request=s.ReasonSerializer, responses={200: s.VersionSerializer, **ERROR_RESPONSES}
    )
    @action(detail=True, methods=["post"])
    def revise(self, request: Request, pk: str | None = None) -> Response:
        """Open a new draft version from the published one (or return the open one)."""
        item = self.get_object()
        body = s.ReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        version = services.version_start_revision(
            item=item,
            actor=request_user(request),
            reason=body.validated_data["reason"],
        )
        return Response(s.VersionSerializer(version).data)

    def _item_action(self, request: Request, func: Any) -> Response:
        item = self.get_object()
        body = s.RequiredReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        item = func(item=item, reason=body.validated_data["reason"], actor=request_user(request))
        return Response(s.ManagedItemSerializer(item).data)

    @extend_schema(
        request=s.RequiredReasonSerializer,
        responses={200: s.ManagedItemSerializer, **ERROR_RESPONSES},
    )
    @action(detail=True, methods=["post"])
    def suspend(self, request: Request, pk: str | None = None) -> Response:
        return self._item_action(request, services.item_suspend)

    @extend_schema(
        request=s.RequiredReasonSerializer,
        responses={200: s.ManagedItemSerializer, **ERROR_RESPONSES},
    )
    @action(detail=True, methods=["post"])
    def resume(self, request: Request, pk: str | None = None) -> Response:
        return self._item_action(request, services.item_resume)

    @extend_schema(
        request=s.RequiredReasonSerializer,
        responses={200: s.ManagedItemSerializer, **ERROR_RESPONSES},
    )
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str | None = None) -> Response:
        return self._item_action(request, services.item_withdraw)


@extend_schema_view(
    retrieve=extend_schema(responses={200: s.VersionSerializer, **ERROR_RESPONSES}),
    partial_update=extend_schema(
        request=s.VersionUpdateSerializer, responses={200: s.VersionSerializer, **ERROR_RESPONSES}
    ),
)
class VersionViewSet(viewsets.GenericViewSet):
    """Versions of items in the caller's scope: edit drafts, submit, review, publish."""

    permission_classes = [StaffOnly]
    serializer_class = s.VersionSerializer
    queryset = ServiceItemVersion.objects.none()  # for the schema only; reads use the selector
    lookup_value_regex = "[0-9]+"
    http_method_names = ["get", "patch", "post", "head", "options"]

    def get_object(self) -> Any:
        try:
            pk = int(self.kwargs["pk"])
        except (TypeError, ValueError) as exc:
            raise Http404 from exc
        return selectors.version_get_for(user=request_user(self.request), pk=pk)

    def retrieve(self, request: Request, pk: str | None = None) -> Response:
        return Response(s.VersionSerializer(self.get_object()).data)

    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        version = self.get_object()
        body = s.VersionUpdateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        lists = {
            k: data.pop(k)
            for k in ("materials", "steps", "special_procedures", "intermediaries")
            if k in data
        }
        reason = data.pop("reason", "")
        version = services.version_update(
            version=version, elements=data, reason=reason, actor=request_user(request), **lists
        )
        version = selectors.version_get_for(user=request_user(request), pk=version.pk)
        return Response(s.VersionSerializer(version).data)

    def _transition(self, request: Request, func: Any, **extra: Any) -> Response:
        version = self.get_object()
        version = func(version=version, actor=request_user(request), **extra)
        version = selectors.version_get_for(user=request_user(request), pk=version.pk)
        return Response(s.VersionSerializer(version).data)

    @extend_schema(request=None, responses={200: s.VersionSerializer, **ERROR_RESPONSES})
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str | None = None) -> Response:
        return self._transition(request, services.version_submit)

    @extend_schema(
        request=s.RequiredCommentSerializer, responses={200: s.VersionSerializer, **ERROR_RESPONSES}
    )
    @action(detail=True, methods=["post"], url_path="return")
    def return_(self, request: Request, pk: str | None = None) -> Response:
        body = s.RequiredCommentSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._transition(
            request, services.version_return, comment=body.validated_data["comment"]
        )

    @extend_schema(
        request=s.CommentSerializer, responses={200: s.VersionSerializer, **ERROR_RESPONSES}
    )
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str | None = None) -> Response:
        body = s.CommentSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._transition(
            request, services.version_approve, comment=body.validated_data["comment"]
        )

    @extend_schema(request=None, responses={200: s.VersionSerializer, **ERROR_RESPONSES})
    @action(detail=True, methods=["post"])
    def publish(self, request: Request, pk: str | None = None) -> Response:
        return self._transition(request, services.version_publish)
