"""The query parameters of GET requests, checked as the spec says: comma lists, w3 datetimes
with a time zone, a span of at most 90 days (the last 90 days when neither date is given).
Every refusal is an Open311Error (400) naming the parameter."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from django.utils import timezone

from yiwang.open311 import selectors
from yiwang.open311.selectors import MAX_SPAN, ServiceType

STATUSES = ("open", "closed")
# Ids beyond the databases' 64-bit keys match nothing (and must not reach SQLite).
MAX_ID = 2**63 - 1


class Open311Error(Exception):
    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description


def _values(text: str) -> list[str]:
    return [v.strip() for v in text.split(",") if v.strip()]


def request_id(text: str) -> int | None:
    """A service_request_id as a key, or None when it cannot be one of ours."""
    if not text.isdigit() or int(text) > MAX_ID:
        return None
    return int(text)


def w3_datetime(name: str, text: str) -> dt.datetime:
    try:
        value = dt.datetime.fromisoformat(text.strip().replace(" ", "+"))
    except ValueError:
        raise Open311Error(
            400, f"{name}“{text}”不是有效的时间，应为 w3 格式，如 2026-01-01T00:00:00+08:00。"
        ) from None
    if timezone.is_naive(value):
        raise Open311Error(400, f"{name}“{text}”缺少时区，应写明 Z 或 +08:00 这样的偏移。")
    return value


@dataclass
class RequestFilters:
    ids: list[int] | None = None
    services: list[ServiceType] | None = None
    start: dt.datetime | None = None
    end: dt.datetime | None = None
    statuses: list[str] | None = None


def request_filters(query: Mapping[str, str]) -> RequestFilters:
    """The filters of GET requests. service_request_id overrides every other argument."""
    ids_text = (query.get("service_request_id") or "").strip()
    if ids_text:
        ids = [request_id(v) for v in _values(ids_text)]
        return RequestFilters(ids=[i for i in ids if i is not None])
    filters = RequestFilters()
    codes = _values(query.get("service_code") or "")
    if codes:
        services = []
        for code in codes:
            service = selectors.service_for(code)
            if service is None:
                raise Open311Error(400, f"service_code“{code}”不存在，请先查询 services。")
            services.append(service)
        filters.services = services
    statuses = _values(query.get("status") or "")
    for status in statuses:
        if status not in STATUSES:
            raise Open311Error(400, f"status“{status}”无效，应为 open 或 closed（可用逗号分隔）。")
    filters.statuses = statuses or None
    start_text, end_text = query.get("start_date") or "", query.get("end_date") or ""
    start = w3_datetime("start_date", start_text) if start_text.strip() else None
    end = w3_datetime("end_date", end_text) if end_text.strip() else None
    if start is None:
        end = end or timezone.now()
        start = end - MAX_SPAN
    elif end is None:
        end = start + MAX_SPAN
    if end < start:
        raise Open311Error(400, "end_date 不能早于 start_date。")
    if end - start > MAX_SPAN:
        raise Open311Error(400, "start_date 与 end_date 相隔不能超过 90 天。")
    filters.start, filters.end = start, end
    return filters
