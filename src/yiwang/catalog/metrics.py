"""The catalogue's figures, registered with the metric registry (docs/metrics.md has every 口径).

What counts everywhere below: implementation items that were active (在用) and had a published
version at the period's end, in the scope's departments; every element is read from the version
published then (versions_at: today's catalogue for no period or one not yet ended; for a past
end, each item's newest version published by then, unless its adjustment log had it suspended
or withdrawn then). One database query per metric, scope and period.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery, Sum
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from yiwang.catalog.fields import CROSS_PROVINCE_SCOPES
from yiwang.catalog.models import (
    PUBLIC_VERSION_STATUSES,
    AdjustmentLog,
    ItemStatus,
    ItemType,
    ServiceItem,
    ServiceItemVersion,
    VersionStatus,
)
from yiwang.insight.periods import Period
from yiwang.insight.registry import Custom, Metric, ratio, register
from yiwang.org.scope import DataScope

# The adjustment log's actions that change whether an item is in use (catalog.services
# item_suspend / item_resume / item_withdraw log these labels).
ITEM_STATE_ACTIONS = ("暂停", "恢复", "撤销")
RESUMED = "恢复"

# Names, units and definitions stay Chinese in the registry (docs/metrics.md, reports); they are
# marked here so that the workbench can show them in the reader's language (definition_text).
COUNTED = gettext_noop(
    "计入范围：统计期末（无统计期或统计期未结束时为当前）状态为“在用”且有已发布版本的"
    "实施清单事项，取期末现行版本的要素值；"
)


def counted_items(scope: DataScope) -> QuerySet[ServiceItem]:
    """The items every catalogue figure counts now (the denominator of every share)."""
    return scope.filter(
        ServiceItem.objects.filter(status=ItemStatus.ACTIVE, published_version__isnull=False)
    )


def public_versions(scope: DataScope) -> QuerySet[ServiceItemVersion]:
    """Every version of the scope's items whose guide has been public (current or replaced):
    the records the figures pick each item's version at the period's end from."""
    return scope.filter(
        ServiceItemVersion.objects.filter(status__in=PUBLIC_VERSION_STATUSES),
        path="item__department",
    )


def _day_after(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))


def versions_at(versions: QuerySet[ServiceItemVersion], period: Period | None) -> QuerySet:
    """Of `versions`, the one each item had published at the period's end, for the items in use
    then. No period, or one ending today or later: today's catalogue (the published version of
    each active item). A past end: the newest public version published by the end of that day,
    of an item whose last 暂停/恢复/撤销 before then (its adjustment log) was none or 恢复."""
    if period is None or period.end >= timezone.localdate():
        return versions.filter(status=VersionStatus.PUBLISHED, item__status=ItemStatus.ACTIVE)
    bound = _day_after(period.end)
    public = ServiceItemVersion.objects.filter(
        status__in=PUBLIC_VERSION_STATUSES, published_at__lt=bound
    )
    newer = public.filter(item=OuterRef("item")).filter(
        Q(published_at__gt=OuterRef("published_at"))
        | Q(published_at=OuterRef("published_at"), number__gt=OuterRef("number"))
    )
    state = (
        AdjustmentLog.objects.filter(
            item=OuterRef("item"), action__in=ITEM_STATE_ACTIONS, created_at__lt=bound
        )
        .order_by("-created_at", "-id")
        .values("action")[:1]
    )
    return (
        versions.filter(published_at__lt=bound)
        .exclude(Exists(newer))
        .annotate(state_at_end=Subquery(state))
        .filter(Q(state_at_end__isnull=True) | Q(state_at_end=RESUMED))
    )


class AtPeriodEnd(Custom):
    """A catalogue figure over the versions in use at the period's end (versions_at); its
    records (the drill-down, the report's record count) are those versions
    (insight.selectors.figure_records asks `records_in_period`)."""

    def records_in_period(self, versions: QuerySet, period: Period | None) -> QuerySet:
        return versions_at(versions, period)


def _at_end(compute: Callable[[QuerySet], Any], name: str) -> AtPeriodEnd:
    def fn(versions: QuerySet, period: Period | None) -> Any:
        return compute(versions_at(versions, period))

    fn.__qualname__ = f"at_period_end[{name}]"
    return AtPeriodEnd(fn)


def items_total(versions: QuerySet) -> int:
    return versions.count()


def items_by_type(versions: QuerySet) -> dict[str, int]:
    rows = versions.values("item_type").annotate(n=Count("pk")).order_by()
    counts = dict(rows.values_list("item_type", "n"))
    # Every type is listed, in the catalogue's order, so pages and exports line up.
    result = {label: counts.pop(value, 0) for value, label in ItemType.choices}
    result.update({str(value): n for value, n in counts.items()})  # legacy codes, if any
    return result


def items_by_department(versions: QuerySet) -> dict[str, int]:
    # Department names are unique, so the name is the key.
    rows = (
        versions.values("item__department_id", "item__department__name")
        .annotate(n=Count("pk"))
        .order_by("item__department__region__code", "item__department__name")
        .values_list("item__department__name", "n")
    )
    return dict(rows)


def _share(condition: Q) -> Callable[[QuerySet], Decimal | None]:
    def query(versions: QuerySet) -> Decimal | None:
        agg = versions.aggregate(hit=Count("pk", filter=condition), total=Count("pk"))
        return ratio(agg["hit"], agg["total"])

    return query


def _count(condition: Q) -> Callable[[QuerySet], int]:
    def query(versions: QuerySet) -> int:
        return versions.filter(condition).count()

    return query


def promised_limit_compression(versions: QuerySet) -> Decimal | None:
    agg = versions.aggregate(
        promised=Sum("promised_limit", filter=Q(legal_limit__gt=0)),
        legal=Sum("legal_limit", filter=Q(legal_limit__gt=0)),
    )
    if not agg["legal"]:
        return None
    # (Σlegal − Σpromised) ÷ Σlegal is 1 − Σpromised ÷ Σlegal, rounded once.
    return ratio(agg["legal"] - (agg["promised"] or 0), agg["legal"])


FULLY_ONLINE = Q(fully_online=True)
INSTANT = Q(handling_kind="instant")
AT_MOST_ONE_VISIT = Q(visits__lte=1)
ZERO_VISITS = Q(visits=0)
TIME_REDUCED = Q(promised_limit__lt=F("legal_limit"))
CROSS_PROVINCE = Q(service_scope__in=sorted(CROSS_PROVINCE_SCOPES))
COMMITMENT_BASED = Q(commitment_based=True)
VERSIONS: dict[str, Any] = {"records": public_versions, "department_field": "item__department"}

METRICS = [
    Metric(
        key="catalog.items_total",
        name=gettext_noop("事项总数"),
        unit=gettext_noop("项"),
        definition=COUNTED + gettext_noop("计数。它是本页所有占比的分母。"),
        **VERSIONS,
        measure=_at_end(items_total, "items_total"),
    ),
    Metric(
        key="catalog.items_by_type",
        name=gettext_noop("按事项类型分的事项数"),
        unit=gettext_noop("项"),
        definition=COUNTED
        + gettext_noop(
            "按现行版本的“事项类型”分组计数；列出全部类型（没有事项的类型为 0），"
            "各类之和等于事项总数。"
        ),
        **VERSIONS,
        measure=_at_end(items_by_type, "items_by_type"),
        kind="breakdown",
    ),
    Metric(
        key="catalog.items_by_department",
        name=gettext_noop("按实施部门分的事项数"),
        unit=gettext_noop("项"),
        definition=COUNTED
        + gettext_noop(
            "按实施部门分组计数；只列有事项的部门（按区划代码、部门名称排序），"
            "各部门之和等于事项总数。"
        ),
        **VERSIONS,
        measure=_at_end(items_by_department, "items_by_department"),
        kind="breakdown",
    ),
    Metric(
        key="catalog.fully_online_rate",
        name=gettext_noop("全程网办率"),
        unit="%",
        definition=COUNTED + gettext_noop("全程网办率 = 标注“全程网办”的事项数 ÷ 事项总数。"),
        **VERSIONS,
        measure=_at_end(_share(FULLY_ONLINE), "fully_online"),
        kind="ratio",
    ),
    Metric(
        key="catalog.instant_share",
        name=gettext_noop("即办件占比"),
        unit="%",
        definition=COUNTED + gettext_noop("即办件占比 = 办件类型为“即办件”的事项数 ÷ 事项总数。"),
        **VERSIONS,
        measure=_at_end(_share(INSTANT), "instant"),
        kind="ratio",
    ),
    Metric(
        key="catalog.at_most_one_visit_share",
        name=gettext_noop("最多跑一次占比"),
        unit="%",
        definition=COUNTED
        + gettext_noop("最多跑一次占比 = 到办事现场次数 ≤ 1 的事项数 ÷ 事项总数（含零跑动）。"),
        **VERSIONS,
        measure=_at_end(_share(AT_MOST_ONE_VISIT), "at_most_one_visit"),
        kind="ratio",
    ),
    Metric(
        key="catalog.zero_visit_share",
        name=gettext_noop("零跑动占比"),
        unit="%",
        definition=COUNTED + gettext_noop("零跑动占比 = 到办事现场次数 = 0 的事项数 ÷ 事项总数。"),
        **VERSIONS,
        measure=_at_end(_share(ZERO_VISITS), "zero_visits"),
        kind="ratio",
    ),
    Metric(
        key="catalog.time_reduced_share",
        name=gettext_noop("减时间占比"),
        unit="%",
        definition=COUNTED
        + gettext_noop(
            "减时间占比 = 承诺办结时限 < 法定办结时限的事项数 ÷ 事项总数。"
            "即办件承诺时限为 0，法定时限大于 0 时计为已减时间；法定时限为 0 的事项不计。"
        ),
        **VERSIONS,
        measure=_at_end(_share(TIME_REDUCED), "time_reduced"),
        kind="ratio",
    ),
    Metric(
        key="catalog.promised_limit_compression",
        name=gettext_noop("承诺时限压缩率"),
        unit="%",
        definition=COUNTED
        + gettext_noop(
            "只计法定办结时限 > 0 的事项；承诺时限压缩率 = 1 − Σ承诺办结时限 ÷ Σ法定办结时限"
            "（工作日，即办件的承诺时限按 0 计）。Σ法定办结时限为 0 时无数据。"
        ),
        **VERSIONS,
        measure=_at_end(promised_limit_compression, "compression"),
        kind="ratio",
    ),
    Metric(
        key="catalog.cross_province_count",
        name=gettext_noop("跨省通办事项数"),
        unit=gettext_noop("项"),
        definition=COUNTED + gettext_noop("标注“跨省通办”的事项数。"),
        **VERSIONS,
        measure=_at_end(_count(CROSS_PROVINCE), "cross_province"),
    ),
    Metric(
        key="catalog.commitment_based_count",
        name=gettext_noop("告知承诺事项数"),
        unit=gettext_noop("项"),
        definition=COUNTED + gettext_noop("标注“告知承诺”的事项数。"),
        **VERSIONS,
        measure=_at_end(_count(COMMITMENT_BASED), "commitment_based"),
    ),
]

for _metric in METRICS:
    register(_metric)

CATALOG_METRIC_KEYS = [m.key for m in METRICS]


def definition_text(metric: Metric) -> str:
    """A catalogue metric's 口径 in the reader's language: the shared 计入范围 sentence and the
    metric's own part are translated apart, as they were marked."""
    definition = metric.definition
    if definition.startswith(COUNTED):
        return gettext(COUNTED) + gettext(definition[len(COUNTED) :])
    return gettext(definition)
