"""The county dashboard's pages (一屏观): the big screen, its JSON data and its town map.
Staff only (org.decorators.staff_page); everything within the reader's data scope
(insight.dashboard reads through the registry and the apps' selectors)."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone

from yiwang.insight import dashboard, geo, selectors
from yiwang.insight.periods import Period, PeriodError
from yiwang.org.decorators import staff_page
from yiwang.org.selectors import data_scope_for, staff_for_user


def _period(request: HttpRequest) -> tuple[Period, str]:
    text = request.GET.get("period", "").strip()
    if not text:
        return selectors.default_period(timezone.localdate()), ""
    try:
        return Period.parse(text), ""
    except PeriodError as exc:
        return selectors.default_period(timezone.localdate()), str(exc)


@staff_page()
def page(request: HttpRequest) -> HttpResponse:
    """The screen: headline numbers and lists rendered at once, charts drawn by dashboard.js,
    which fetches `data` again every YIWANG_DASHBOARD_REFRESH_SECONDS."""
    period, error = _period(request)
    data = dashboard.payload(request.user, period)  # type: ignore[arg-type]
    return render(
        request,
        "insight/dashboard/page.html",
        {
            "data": data,
            "period": period,
            "error": error,
            "refresh": max(5, int(settings.YIWANG_DASHBOARD_REFRESH_SECONDS)),
        },
        status=400 if error else 200,
    )


@staff_page()
def data(request: HttpRequest) -> HttpResponse:
    """The screen's data as JSON (?period=2026H1): figures, trends, rankings, map, lists."""
    period, error = _period(request)
    if error:
        return JsonResponse({"error": error}, status=400)
    body = dashboard.payload_json(request.user, period)  # type: ignore[arg-type]
    return HttpResponse(body, content_type="application/json")


@staff_page()
def town_map(request: HttpRequest) -> JsonResponse:
    """The reader's county's towns as GeoJSON (schematic outlines, insight.geo)."""
    scope = data_scope_for(request.user)  # type: ignore[arg-type]
    staff = staff_for_user(request.user)  # type: ignore[arg-type]
    region = staff.department.region.code if staff is not None else None
    prefix = geo.county_prefix_of(scope.region_prefix, region)
    key = f"{dashboard.CACHE_PREFIX}:map:{prefix}"
    shape = cache.get(key)
    if shape is None:
        shape = geo.towns_geojson(geo.county_towns(prefix))
        cache.set(key, shape, timeout=max(dashboard.max_age(), 60))
    response = JsonResponse({"county": prefix, "geojson": shape})
    return response
