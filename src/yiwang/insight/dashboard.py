"""The county dashboard's data (一屏观): which figures the screen shows and the live lists.

Every number comes from the metric registry (`registry.compute` / `breakdown` / `ranking`) for
the reader's data scope and the period, so the screen agrees with the figures page, the
exports and the report. Each number carries the URL of its drill-down list (insight:drill-down,
within the same scope; a ranking's row adds its department or town), absent for a figure with
no list (a custom-query one).

Assembling the figures takes a few aggregate queries per figure over every record of the period
(23–40 s for the county on a million cases), while the screen asks every minute or so, so a
request never computes them while a value exists: the worker (common.periodic, job
"insight.dashboard") recomputes the county's and every department's figures for the current
half year every YIWANG_DASHBOARD_REFRESH_JOB_SECONDS and stores them (insight.DashboardFigures,
one row per data scope and period, rendered once per language) with the time they were
computed; the endpoint reads that row (one query) and serves it while it is no older than
YIWANG_DASHBOARD_MAX_AGE_SECONDS. A value too old or missing (the worker down, another period, a
superuser's scope) is computed by one request under the row's claim (a conditional update) while
the others wait for it — never served stale. The live lists are the apps' own selectors with the
reader as the user (a clerk's own registrations count for him), cheap per request, cached per
reader (Django cache) as long.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from yiwang.insight import registry
from yiwang.insight.models import DashboardFigures
from yiwang.insight.periods import Period
from yiwang.org.models import Department, User
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
# A claim to compute a scope's figures older than this is a computer that died (the county's
# figures take 23–40 s on 1,000,000 cases, docs/performance.md): another takes it over. Also how
# long a request waits for another's computation before claiming it itself.
CLAIM_SECONDS = 120
POLL_SECONDS = 0.25


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


def scope_key(scope: DataScope) -> str:
    """One stored value per data scope: a region's readers share the region's (whatever their
    own department), a department's readers the department's."""
    if scope.kind == "region":
        return f"region:{scope.region_prefix}"
    if scope.kind == "department":
        return f"department:{scope.department_id}"
    return "none"


def _fresh(payload: dict[str, Any] | None) -> bool:
    return payload is not None and time.time() - payload["computed"] <= max_age()


def _young(row: DashboardFigures | None) -> bool:
    """Whether a stored value may be served: computed no longer than the max age ago."""
    if row is None or row.computed_at is None:
        return False
    return (timezone.now() - row.computed_at).total_seconds() <= max_age()


def _read(key: str, period: Period) -> DashboardFigures | None:
    return DashboardFigures.objects.filter(scope_key=key, period=period.code).first()


def _claim(key: str, period: Period) -> DashboardFigures | None:
    """The row, claimed for this caller to compute (a conditional update: one winner), or None
    while someone else's claim is live."""
    row, _created = DashboardFigures.objects.get_or_create(scope_key=key, period=period.code)
    now = timezone.now()
    won = (
        DashboardFigures.objects.filter(pk=row.pk)
        .filter(
            Q(computing_since__isnull=True)
            | Q(computing_since__lt=now - dt.timedelta(seconds=CLAIM_SECONDS))
        )
        .update(computing_since=now)
    )
    return row if won else None


def _compute_and_store(scope: DataScope, period: Period, row: DashboardFigures) -> None:
    """Compute the figures (the heavy part), render them once per language and store them with
    the time the computation started (the data is as of then), releasing the claim."""
    started = timezone.now()
    try:
        raw = compute_figures(scope, period)
        rendered = {}
        for code, _name in settings.LANGUAGES:
            with translation.override(code):
                rendered[code] = render_figures(raw, period, started)
    except BaseException:
        DashboardFigures.objects.filter(pk=row.pk).update(computing_since=None)
        raise
    DashboardFigures.objects.filter(pk=row.pk).update(
        payload=rendered, computed_at=started, computing_since=None
    )
    row.payload, row.computed_at, row.computing_since = rendered, started, None


def _wait(seconds: float) -> None:
    time.sleep(seconds)


def _compute_once(scope: DataScope, period: Period) -> DashboardFigures:
    """A value young enough, computed here under the row's claim, or — while another request or
    the worker holds the claim — waited for (polling the row) until it is stored. A claim older
    than CLAIM_SECONDS is a computer that died: taken over."""
    key = scope_key(scope)
    while True:
        row = _claim(key, period)
        if row is not None:
            _compute_and_store(scope, period, row)
            return row
        until = time.monotonic() + CLAIM_SECONDS
        while time.monotonic() < until:
            _wait(POLL_SECONDS)
            found = _read(key, period)
            if _young(found):
                return found  # type: ignore[return-value]
            if found is None or found.computing_since is None:
                break  # the claimant gave up (an error): claim it ourselves


def refresh(scope: DataScope, period: Period, *, younger_than: float = 0) -> bool:
    """The worker's refresh of one scope's figures: computed and stored unless someone is
    computing them now or they were computed less than `younger_than` seconds ago (a request
    that just did). Whether it computed."""
    key = scope_key(scope)
    found = _read(key, period)
    if (
        younger_than
        and found is not None
        and found.computed_at is not None
        and (timezone.now() - found.computed_at).total_seconds() < younger_than
    ):
        return False
    row = _claim(key, period)
    if row is None:
        return False
    _compute_and_store(scope, period, row)
    return True


def prune() -> int:
    """Remove stored figures nobody asked for in a day (another period looked at once, a
    department gone); the ones the worker refreshes stay. The number removed."""
    stale = timezone.now() - dt.timedelta(days=1)
    removed, _ = DashboardFigures.objects.filter(
        computed_at__lt=stale, computing_since__isnull=True
    ).delete()
    return removed


def refreshed_scopes() -> list[DataScope]:
    """The scopes the worker keeps warm: each county (the bureau's region, as its leaders and
    bureau staff read it) and every department (its department admin's)."""
    scopes: dict[str, DataScope] = {}
    for bureau in Department.objects.filter(is_bureau=True).select_related("region"):
        scope = DataScope.region(bureau.region.prefix, bureau.region.name)
        scopes.setdefault(scope_key(scope), scope)
    for department in Department.objects.order_by("pk"):
        scope = DataScope.department(department.pk, department.name)
        scopes.setdefault(scope_key(scope), scope)
    return list(scopes.values())


def figures(scope: DataScope, period: Period) -> dict[str, Any]:
    """The dashboard's figures for the scope and period, in the reader's language: the newest
    stored value (one query) while it is no older than the max age, else computed once (the
    others wait for it)."""
    row = _read(scope_key(scope), period)
    if not _young(row):
        row = _compute_once(scope, period)
    payload: dict[str, Any] = row.payload  # type: ignore[union-attr]
    language = get_language() or settings.LANGUAGE_CODE
    found = payload.get(language) or payload.get(settings.LANGUAGE_CODE)
    if found is None:
        found = next(iter(payload.values()))
    data = dict(found)
    data["scope"] = str(scope.label)
    return data


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


@dataclass
class RawFigures:
    """The registry's values for the screen, before rendering (names, texts, links)."""

    headlines: list[tuple[registry.Metric, registry.MetricValue]]
    trends: list[tuple[registry.Metric, dict[Any, registry.MetricValue]]]
    rankings: list[tuple[registry.Metric, str, list[registry.Row]]]


def compute_figures(scope: DataScope, period: Period) -> RawFigures:
    """Every figure of the screen from the registry: the aggregate queries (seconds on a
    million cases) — the worker's work, or a request's when no value is young enough."""
    headlines = [(m, registry.compute(m.key, scope, period)) for m in _registered(HEADLINES)]
    trends = [
        (m, {r.id: r.value for r in registry.breakdown(m.key, "month", scope, period)})
        for m in _registered(TRENDS)
    ]
    rankings = []
    for key, by in ((RANKED, "department"), (RANKED_RATE, "department"), (RANKED, "town")):
        for metric in _registered((key,)):
            rankings.append((metric, by, registry.ranking(key, by, scope, period)))  # type: ignore[arg-type]
    return RawFigures(headlines, trends, rankings)


def render_figures(raw: RawFigures, period: Period, computed: dt.datetime) -> dict[str, Any]:
    """The computed figures as the screen's JSON, in the active language."""
    headlines = [
        {
            "key": metric.key,
            "name": _(metric.name),
            "kind": metric.kind,
            "value": _number(value),
            "text": _text(metric, value),
            "url": drill_url(metric, period),
            "point_in_time": metric.point_in_time,
        }
        for metric, value in raw.headlines
    ]
    months: list[str] = period.months
    trends = [
        {
            "key": metric.key,
            "name": _(metric.name),
            "kind": metric.kind,
            "values": [_number(values.get(m)) for m in months],
        }
        for metric, values in raw.trends
    ]
    rankings: dict[str, Any] = {}
    towns: list[dict[str, Any]] = []
    for metric, by, found in raw.rankings:
        rows = _rows(metric, found, period, by)
        rankings[f"{by}:{metric.key}"] = {
            "key": metric.key,
            "name": _(metric.name),
            "by": by,
            "rows": rows,
        }
        if by == "town":
            # The map has the towns only (县本级, a code whose town part is 000, is not one).
            towns = [r for r in rows if not str(r["id"]).endswith("000")]
    local = timezone.localtime(computed)
    return {
        "computed": computed.timestamp(),
        "computed_at": local.isoformat(timespec="seconds"),
        "updated": f"{local:%H:%M}",
        "period": {"code": period.code, "label": period.label},
        "headlines": headlines,
        "months": months,
        "trends": trends,
        "rankings": list(rankings.values()),
        "map": {"key": RANKED, "rows": towns},
    }


def assemble_figures(scope: DataScope, period: Period) -> dict[str, Any]:
    """Compute every figure of the screen now, in the active language (nothing stored)."""
    data = render_figures(compute_figures(scope, period), period, timezone.now())
    data["scope"] = str(scope.label)
    return data


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
