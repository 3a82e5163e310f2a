"""The county dashboard's data (一屏观): which figures the screen shows and the live lists.

Every number comes from the metric registry (`registry.compute` / `breakdown` / `ranking`) for
the reader's data scope and the period, so the screen agrees with the figures page, the
exports and the report. Each number carries the URL of its drill-down list (insight:drill-down,
within the same scope; a ranking's row adds its department or town), absent for a figure with
no list (a custom-query one).

Assembling the figures takes a few aggregate queries per figure over every record of the period
(seconds on a million cases), while the screen asks every minute or so: the assembled figures
are cached (Django cache) per data scope, period and language for at most
YIWANG_DASHBOARD_MAX_AGE_SECONDS, and also refused from the cache when older than that (the
setting may be lowered while entries live). The live lists are the apps' own selectors with the
reader as the user (a clerk's own registrations count for him), cached per reader as long.
"""

from __future__ import annotations

import json
import time
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.serializers.json import DjangoJSONEncoder
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from yiwang.insight import registry
from yiwang.insight.periods import Period
from yiwang.org.models import User
from yiwang.org.scope import DataScope
from yiwang.org.selectors import data_scope_for

# The headline numbers, in the order shown; a key no app registered is left out.
HEADLINES = (
    "cases.total",
    "cases.on_time_rate",
    "cases.online_share",
    "cases.overdue_count",
    "evaluations.good_rate",
    "evaluations.bad_count",
    "appeals.total",
    "appeals.on_time_rate",
    "appeals.conclusion_rate",
    "licenses.total",
)
# Monthly trends: a count drawn as bars, the ratios as lines (percent axis).
TRENDS = ("cases.total", "cases.online_share", "cases.on_time_rate")
RANKED = "cases.total"  # department and town rankings, and the map's colouring
RANKED_RATE = "cases.on_time_rate"  # the second department ranking
LIST_ROWS = 8
CACHE_PREFIX = "insight:dashboard"


def max_age() -> int:
    return max(0, int(settings.YIWANG_DASHBOARD_MAX_AGE_SECONDS))


def _registered(keys: tuple[str, ...]) -> list[registry.Metric]:
    known = {m.key: m for m in registry.all_metrics()}
    return [known[k] for k in keys if k in known]


def _number(value: registry.MetricValue) -> float | int | None:
    """A JSON number (ratios stay 0–1)."""
    if value is None or isinstance(value, dict):
        return None
    if isinstance(value, Decimal):
        return float(value)
    return value


def _text(metric: registry.Metric, value: registry.MetricValue) -> str:
    return "—" if value is None else registry.format_value(metric, value)


def drill_url(metric: registry.Metric, period: Period, **group: Any) -> str | None:
    """The figure's drill-down list (within the reader's scope, applied by the page), or None
    for a figure without records to list."""
    if not metric.declarative:
        return None
    query = f"?period={period.code}"
    for name, value in group.items():
        query += f"&{name}={value}"
    return reverse("insight:drill-down", args=[metric.key]) + query


def _scope_key(scope: DataScope) -> str:
    return f"{scope.kind}:{scope.department_id or ''}:{scope.region_prefix}"


def figures_key(scope: DataScope, period: Period) -> str:
    return f"{CACHE_PREFIX}:figures:{_scope_key(scope)}:{period.code}:{get_language() or ''}"


def _fresh(payload: dict[str, Any] | None) -> bool:
    return payload is not None and time.time() - payload["computed"] <= max_age()


def figures(scope: DataScope, period: Period) -> dict[str, Any]:
    """The dashboard's figures for the scope and period, from the cache when young enough."""
    key = figures_key(scope, period)
    payload = cache.get(key)
    if not _fresh(payload):
        payload = assemble_figures(scope, period)
        if max_age():
            cache.set(key, payload, timeout=max_age())
    return payload  # type: ignore[return-value]


def _rows(metric: registry.Metric, rows: list[registry.Row], period: Period, by: str):
    return [
        {
            "id": row.id,
            "label": row.label,
            "value": _number(row.value),
            "text": _text(metric, row.value),
            "url": drill_url(metric, period, **{by: row.id}),
        }
        for row in rows
    ]


def assemble_figures(scope: DataScope, period: Period) -> dict[str, Any]:
    """Compute every figure of the screen (no cache)."""
    headlines = []
    for metric in _registered(HEADLINES):
        value = registry.compute(metric.key, scope, period)
        headlines.append(
            {
                "key": metric.key,
                "name": _(metric.name),
                "kind": metric.kind,
                "value": _number(value),
                "text": _text(metric, value),
                "url": drill_url(metric, period),
                "point_in_time": metric.point_in_time,
            }
        )
    trends = []
    months: list[str] = period.months
    for metric in _registered(TRENDS):
        rows = {r.id: r.value for r in registry.breakdown(metric.key, "month", scope, period)}
        trends.append(
            {
                "key": metric.key,
                "name": _(metric.name),
                "kind": metric.kind,
                "values": [_number(rows.get(m)) for m in months],
            }
        )
    rankings: dict[str, Any] = {}
    towns: list[dict[str, Any]] = []
    for key, by in ((RANKED, "department"), (RANKED_RATE, "department"), (RANKED, "town")):
        metrics = _registered((key,))
        if not metrics:
            continue
        metric = metrics[0]
        rows = _rows(metric, registry.ranking(key, by, scope, period), period, by)  # type: ignore[arg-type]
        rankings[f"{by}:{key}"] = {"key": key, "name": _(metric.name), "by": by, "rows": rows}
        if by == "town":
            # The map has the towns only (县本级, a code whose town part is 000, is not one).
            towns = [r for r in rows if not str(r["id"]).endswith("000")]
    return {
        "computed": time.time(),
        "computed_at": timezone.localtime().isoformat(timespec="seconds"),
        "period": {"code": period.code, "label": period.label},
        "scope": str(scope.label),
        "headlines": headlines,
        "months": months,
        "trends": trends,
        "rankings": list(rankings.values()),
        "map": {"key": RANKED, "rows": towns},
    }


# --- live lists -------------------------------------------------------------------------------


def lists(user: User) -> dict[str, Any]:
    """The live lists for the reader, from the cache when young enough."""
    key = f"{CACHE_PREFIX}:lists:{user.pk}:{get_language() or ''}"
    payload = cache.get(key)
    if not _fresh(payload):
        payload = assemble_lists(user)
        if max_age():
            cache.set(key, payload, timeout=max_age())
    return payload  # type: ignore[return-value]


def assemble_lists(user: User) -> dict[str, Any]:
    """Cases about to be overdue, the newest bad ratings and the open urgent tickets, through
    the apps' selectors (the reader's scope). No personal data: numbers, items, departments."""
    from yiwang.appeals import selectors as appeals
    from yiwang.appeals.fields import OPEN_STATUSES
    from yiwang.cases import selectors as cases
    from yiwang.evaluations import selectors as evaluations
    from yiwang.evaluations.fields import BAD_LEVEL_MAX

    due = [
        {
            "number": case.number,
            "item": case.version.name,
            "department": case.department.name,
            "day": f"{case.promised_deadline:%Y-%m-%d}" if case.promised_deadline else "",
            "url": reverse("cases:detail", args=[case.pk]),
        }
        for case in cases.queue_for(user=user, queue="warning")[:LIST_ROWS]
    ]
    ratings = (
        evaluations.ratings_for(user=user, level_max=BAD_LEVEL_MAX)
        .filter(mistaken=False)
        .order_by("-rated_at", "-id")[:LIST_ROWS]
    )
    bad = [
        {
            "number": rating.case.number if rating.case is not None else str(rating.window or ""),
            "department": rating.department.name if rating.department is not None else "",
            "day": f"{timezone.localtime(rating.rated_at):%Y-%m-%d %H:%M}",
            "level": rating.get_level_display(),
            "url": (
                reverse("cases:detail", args=[rating.case_id])
                if rating.case_id
                else reverse("evaluations:list")
            ),
        }
        for rating in ratings
    ]
    tickets = (
        appeals.tickets_for(user=user)
        .filter(urgent=True, status__in=OPEN_STATUSES)
        .order_by("deadline", "-registered_at")[:LIST_ROWS]
    )
    urgent = [
        {
            "number": ticket.number,
            "item": ticket.get_kind_display(),
            "department": (
                ticket.lead_department.name if ticket.lead_department is not None else ""
            ),
            "day": f"{ticket.deadline:%Y-%m-%d}" if ticket.deadline else "",
            "status": ticket.get_status_display(),
            "url": reverse("appeals:detail", args=[ticket.pk]),
        }
        for ticket in tickets
    ]
    return {"computed": time.time(), "due": due, "bad": bad, "urgent": urgent}


def payload(user: User, period: Period) -> dict[str, Any]:
    """Everything the screen shows for the reader and period (the data endpoint's answer)."""
    found = figures(data_scope_for(user), period)
    live = lists(user)
    data = dict(found)
    data["computed"] = min(found["computed"], live["computed"])
    data["lists"] = {k: v for k, v in live.items() if k != "computed"}
    data["max_age"] = max_age()
    return data


def payload_json(user: User, period: Period) -> bytes:
    """The payload encoded, cached per reader and period: a screen's repeated asks cost one
    cache read, not a decode and re-encode of the figures. Never older than the max age
    either: it lives only as long as the older of the figures and lists it was made of."""
    key = f"{CACHE_PREFIX}:json:{user.pk}:{period.code}:{get_language() or ''}"
    entry = cache.get(key)
    if _fresh(entry):
        return entry["body"]  # type: ignore[index,no-any-return]
    data = payload(user, period)
    body = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False).encode()
    left = max_age() - (time.time() - data["computed"])
    if left >= 1:
        cache.set(key, {"computed": data["computed"], "body": body}, timeout=int(left))
    return body
