"""The catalogue's figures, registered with the metric registry (docs/metrics.md has every 口径).

What counts everywhere below: implementation items that are active (在用) and have a published
version, in the scope's departments; every element is read from the published version. One
database query per metric and scope.
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Count, F, Q, QuerySet, Sum
from django.utils.translation import gettext, gettext_noop

from yiwang.catalog.fields import CROSS_PROVINCE_SCOPES
from yiwang.catalog.models import ItemStatus, ItemType, ServiceItem
from yiwang.insight.registry import Metric, ratio, register
from yiwang.org.scope import DataScope

PV = "published_version__"

# Names, units and definitions stay Chinese in the registry (docs/metrics.md, reports); they are
# marked here so that the workbench can show them in the reader's language (definition_text).
COUNTED = gettext_noop(
    "计入范围：状态为“在用”且有现行（已发布）版本的实施清单事项，取现行版本的要素值；"
)


def counted_items(scope: DataScope) -> QuerySet[ServiceItem]:
    """The items every catalogue figure counts (the denominator of every share)."""
    return scope.filter(
        ServiceItem.objects.filter(status=ItemStatus.ACTIVE, published_version__isnull=False)
    )


def items_total(scope: DataScope) -> int:
    return counted_items(scope).count()


def items_by_type(scope: DataScope) -> dict[str, int]:
    rows = (
        counted_items(scope)
        .values(f"{PV}item_type")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list(f"{PV}item_type", "n")
    )
    counts = dict(rows)
    # Every type is listed, in the catalogue's order, so pages and exports line up.
    result = {label: counts.pop(value, 0) for value, label in ItemType.choices}
    result.update({str(value): n for value, n in counts.items()})  # legacy codes, if any
    return result


def items_by_department(scope: DataScope) -> dict[str, int]:
    # Department names are unique, so the name is the key.
    rows = (
        counted_items(scope)
        .values("department_id", "department__name")
        .annotate(n=Count("pk"))
        .order_by("department__region__code", "department__name")
        .values_list("department__name", "n")
    )
    return dict(rows)


def _share(condition: Q):  # type: ignore[no-untyped-def]
    def query(scope: DataScope) -> Decimal | None:
        agg = counted_items(scope).aggregate(hit=Count("pk", filter=condition), total=Count("pk"))
        return ratio(agg["hit"], agg["total"])

    query.__qualname__ = f"share[{condition}]"
    return query


def _count(condition: Q):  # type: ignore[no-untyped-def]
    def query(scope: DataScope) -> int:
        return counted_items(scope).filter(condition).count()

    query.__qualname__ = f"count[{condition}]"
    return query


def promised_limit_compression(scope: DataScope) -> Decimal | None:
    agg = counted_items(scope).aggregate(
        promised=Sum(f"{PV}promised_limit", filter=Q(**{f"{PV}legal_limit__gt": 0})),
        legal=Sum(f"{PV}legal_limit", filter=Q(**{f"{PV}legal_limit__gt": 0})),
    )
    if not agg["legal"]:
        return None
    # (Σlegal − Σpromised) ÷ Σlegal is 1 − Σpromised ÷ Σlegal, rounded once.
    return ratio(agg["legal"] - (agg["promised"] or 0), agg["legal"])


FULLY_ONLINE = Q(**{f"{PV}fully_online": True})
INSTANT = Q(**{f"{PV}handling_kind": "instant"})
AT_MOST_ONE_VISIT = Q(**{f"{PV}visits__lte": 1})
ZERO_VISITS = Q(**{f"{PV}visits": 0})
TIME_REDUCED = Q(**{f"{PV}promised_limit__lt": F(f"{PV}legal_limit")})
CROSS_PROVINCE = Q(**{f"{PV}service_scope__in": sorted(CROSS_PROVINCE_SCOPES)})
COMMITMENT_BASED = Q(**{f"{PV}commitment_based": True})

METRICS = [
    Metric(
        key="catalog.items_total",
        name=gettext_noop("事项总数"),
        unit=gettext_noop("项"),
        definition=COUNTED + gettext_noop("计数。它是本页所有占比的分母。"),
        query=items_total,
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
        query=items_by_type,
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
        query=items_by_department,
        kind="breakdown",
    ),
    Metric(
        key="catalog.fully_online_rate",
        name=gettext_noop("全程网办率"),
        unit="%",
        definition=COUNTED + gettext_noop("全程网办率 = 标注“全程网办”的事项数 ÷ 事项总数。"),
        query=_share(FULLY_ONLINE),
        kind="ratio",
    ),
    Metric(
        key="catalog.instant_share",
        name=gettext_noop("即办件占比"),
        unit="%",
        definition=COUNTED + gettext_noop("即办件占比 = 办件类型为“即办件”的事项数 ÷ 事项总数。"),
        query=_share(INSTANT),
        kind="ratio",
    ),
    Metric(
        key="catalog.at_most_one_visit_share",
        name=gettext_noop("最多跑一次占比"),
        unit="%",
        definition=COUNTED
        + gettext_noop("最多跑一次占比 = 到办事现场次数 ≤ 1 的事项数 ÷ 事项总数（含零跑动）。"),
        query=_share(AT_MOST_ONE_VISIT),
        kind="ratio",
    ),
    Metric(
        key="catalog.zero_visit_share",
        name=gettext_noop("零跑动占比"),
        unit="%",
        definition=COUNTED + gettext_noop("零跑动占比 = 到办事现场次数 = 0 的事项数 ÷ 事项总数。"),
        query=_share(ZERO_VISITS),
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
        query=_share(TIME_REDUCED),
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
        query=promised_limit_compression,
        kind="ratio",
    ),
    Metric(
        key="catalog.cross_province_count",
        name=gettext_noop("跨省通办事项数"),
        unit=gettext_noop("项"),
        definition=COUNTED + gettext_noop("标注“跨省通办”的事项数。"),
        query=_count(CROSS_PROVINCE),
    ),
    Metric(
        key="catalog.commitment_based_count",
        name=gettext_noop("告知承诺事项数"),
        unit=gettext_noop("项"),
        definition=COUNTED + gettext_noop("标注“告知承诺”的事项数。"),
        query=_count(COMMITMENT_BASED),
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
