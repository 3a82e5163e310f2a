"""Open311 GeoReport v2 (/open311/v2/). Each resource answers in the format of its suffix
(.xml or .json); errors are the spec's [{code, description}] with 400, 403 or 404, in the
same format. Reading needs no key; creating a request needs an Open311 API key (org.ApiKey,
`yiwang apikey create --scope open311`) as `api_key` in the form body (or the X-Api-Key
header), never in the URL. The mapping
to tickets is in docs/api.md."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, parsers
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from yiwang.open311 import presenters, selectors, services
from yiwang.org.auth import API_KEY_IN_URL, Open311KeyAuthentication
from yiwang.org.models import ApiKey

from .formats import Document, JSONRenderer, XMLRenderer, errors, render
from .params import Open311Error, request_filters, request_id

KEY_REFUSED = "缺少或无效的 api_key，不能提交诉求。"
FORM_ONLY = "请求体应为表单（application/x-www-form-urlencoded; charset=utf-8）。"


class SuffixNegotiation(DefaultContentNegotiation):
    """The format is the URL's suffix (XML, the spec's required format, when there is none)."""

    def select_renderer(  # type: ignore[override]
        self, request: Request, renderers: list[Any], format_suffix: str | None = None
    ) -> tuple[Any, str]:
        wanted = format_suffix or "xml"
        for renderer in renderers:
            if renderer.format == wanted:
                return renderer, renderer.media_type
        return renderers[0], renderers[0].media_type


def _status_of(exc: Exception) -> tuple[int, str]:
    if isinstance(exc, Open311Error):
        return exc.status, exc.description
    if isinstance(exc, exceptions.AuthenticationFailed) and exc.detail == API_KEY_IN_URL:
        return 403, API_KEY_IN_URL
    if isinstance(exc, exceptions.AuthenticationFailed | exceptions.NotAuthenticated):
        return 403, KEY_REFUSED
    if isinstance(exc, exceptions.PermissionDenied):
        return 403, KEY_REFUSED
    if isinstance(exc, exceptions.NotFound | Http404):
        return 404, "请求的资源不存在。"
    if isinstance(exc, exceptions.UnsupportedMediaType):
        return 400, FORM_ONLY
    if isinstance(exc, exceptions.MethodNotAllowed):
        return 405, f"此资源不支持 {exc.args[0] if exc.args else ''} 方法。"
    if isinstance(exc, exceptions.APIException):
        return 400, str(exc.detail)
    raise exc


@extend_schema(exclude=True)
class Open311View(APIView):
    authentication_classes = [Open311KeyAuthentication]
    permission_classes = [AllowAny]
    renderer_classes = [XMLRenderer, JSONRenderer]
    parser_classes = [parsers.FormParser, parsers.MultiPartParser]
    content_negotiation_class = SuffixNegotiation
    throttle_classes: list[Any] = []

    def handle_exception(self, exc: Exception) -> Response:
        status, description = _status_of(exc)
        response = Response(errors(status, description), status=status)
        response.exception = True
        return response


class DiscoveryView(Open311View):
    """The spec's service discovery (/open311/v2/discovery.{xml,json})."""

    def get(self, request: Request, format: str | None = None) -> Response:
        from django.conf import settings
        from django.urls import reverse

        from yiwang.org.selectors import department_bureau

        root = reverse("open311:not-found", kwargs={"rest": ""})
        bureau = department_bureau()
        document = presenters.discovery(
            url=request.build_absolute_uri(root).rstrip("/"),
            bureau_name=bureau.name if bureau else "",
            production=not settings.DEBUG,
        )
        return Response(Document("discovery", obj=document))


class ServiceListView(Open311View):
    def get(self, request: Request, format: str | None = None) -> Response:
        rows = [presenters.service_row(s) for s in selectors.service_list()]
        return Response(Document("services", "service", rows))


class ServiceDefinitionView(Open311View):
    def get(self, request: Request, code: str, format: str | None = None) -> Response:
        service = selectors.service_for(code)
        if service is None:
            raise Open311Error(404, f"service_code“{code}”不存在。")
        return Response(Document("service_definition", obj=presenters.service_definition(service)))


class RequestsView(Open311View):
    def get(self, request: Request, format: str | None = None) -> Response:
        filters = request_filters(request.query_params)
        tickets = selectors.request_list(
            ids=filters.ids,
            services=filters.services,
            start=filters.start,
            end=filters.end,
            statuses=filters.statuses,
        )
        return Response(
            Document("service_requests", "request", [presenters.request_row(t) for t in tickets])
        )

    def post(self, request: Request, format: str | None = None) -> Response:
        if not isinstance(request.auth, ApiKey):
            raise Open311Error(403, KEY_REFUSED)
        data = request.data
        if not isinstance(data, Mapping):
            raise Open311Error(400, FORM_ONLY)
        code = (data.get("service_code") or "").strip()
        if not code:
            raise Open311Error(400, "请提供 service_code。")
        service = selectors.service_for(code)
        if service is None:
            raise Open311Error(404, f"service_code“{code}”不存在。")
        try:
            ticket = services.request_create(key=request.auth, service=service, data=data)
        except ValidationError as exc:
            raise Open311Error(400, " ".join(exc.messages)) from None
        return Response(
            Document("service_requests", "request", [presenters.created_row(ticket)]),
            status=201,
        )


class RequestDetailView(Open311View):
    def get(self, request: Request, pk: str, format: str | None = None) -> Response:
        number = request_id(pk)
        ticket = selectors.request_get(number) if number is not None else None
        if ticket is None:
            raise Open311Error(404, f"service_request_id“{pk}”不存在。")
        return Response(Document("service_requests", "request", [presenters.request_row(ticket)]))


class TokenView(Open311View):
    def get(self, request: Request, token: str, format: str | None = None) -> Response:
        ticket = selectors.request_by_token(token)
        if ticket is None:
            raise Open311Error(404, f"token“{token}”不存在。")
        return Response(Document("service_requests", "request", [presenters.token_row(ticket)]))


def not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    """Anything else under /open311/v2/: the spec's 404, in the format the path asks for."""
    fmt = "json" if rest.endswith(".json") else "xml"
    body, content_type = render(errors(404, "请求的资源不存在。"), fmt)
    return HttpResponse(body, status=404, content_type=content_type)
