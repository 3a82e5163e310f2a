"""The 一件事 figures (bundle cases), registered with the metric registry; docs/metrics.md has
every 口径.

What counts: bundle applications submitted (提交) whose lead department (牵头部门) is in the scope —
drafts are not counted. The savings are against handling the same items one by one, with the
figures fixed on the bundle case when it was applied for (the published versions then): Σ of the
items' promised limits, the materials the items ask for (免提交 left out, counted per item), the
items' visits. One database query per metric and scope.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, F, Q, QuerySet, Sum

from yiwang.cases.fields import BundleCaseStatus
from yiwang.cases.models import BundleCase
from yiwang.insight.periods import Period
from yiwang.insight.registry import Count as DCount
from yiwang.insight.registry import Custom, Mean, Metric, Total, ratio, register
from yiwang.org.scope import DataScope

COUNTED = "计入范围：牵头部门在范围内、已提交的一件事申请（不含草稿）；"
CONCLUDED = Q(status=BundleCaseStatus.CONCLUDED)


def counted_bundle_cases(scope: DataScope) -> QuerySet[BundleCase]:
    return scope.filter(BundleCase.objects.exclude(status=BundleCaseStatus.DRAFT))


def _by_bundle(bundles: QuerySet[BundleCase], period: Period | None) -> dict[str, int]:
    rows = (
        bundles.values("bundle__name")
        .annotate(n=Count("pk"))
        .order_by("-n", "bundle__name")
        .values_list("bundle__name", "n")
    )
    return dict(rows)


def _time_saved(bundles: QuerySet[BundleCase], period: Period | None) -> Decimal | None:
    """1 − Σ handling days ÷ Σ the items' promised limits, over concluded bundle cases."""
    agg = bundles.filter(CONCLUDED, items_promised_days__gt=0).aggregate(
        used=Sum("handling_days"), limit=Sum("items_promised_days")
    )
    if not agg["limit"]:
        return None
    return ratio(agg["limit"] - (agg["used"] or 0), agg["limit"])


def _time_saved_by_bundle(bundles: QuerySet[BundleCase], period: Period | None) -> dict[str, int]:
    """Per bundle, the whole percent of the items' promised limits the bundle cases did not use:
    100 × (1 − Σ handling days ÷ Σ the items' limits), rounded half-up; the sums come from the
    database, grouped by bundle. Negative when the bundle took longer than the items promise."""
    rows = (
        bundles.filter(CONCLUDED, items_promised_days__gt=0)
        .values("bundle__name")
        .annotate(used=Sum("handling_days"), limit=Sum("items_promised_days"))
        .order_by("bundle__name")
        .values_list("bundle__name", "used", "limit")
    )
    result = {}
    for name, used, limit in rows:
        saved = Decimal(limit - (used or 0)) * 100 / Decimal(limit)
        result[name] = int(saved.quantize(Decimal("1"), rounding=ROUND_HALF_UP))
    return result


def _materials_saved(bundles: QuerySet[BundleCase], period: Period | None) -> Decimal | None:
    """1 − Σ merged materials ÷ Σ materials the items ask for."""
    agg = bundles.aggregate(merged=Sum("merged_materials"), items=Sum("items_materials"))
    if not agg["items"]:
        return None
    return ratio(agg["items"] - (agg["merged"] or 0), agg["items"])


BUNDLES: dict[str, Any] = {"records": counted_bundle_cases, "date_field": "submitted_at"}


for metric in (
    Metric(
        key="cases.bundle_total",
        name="一件事办件量",
        unit="件",
        definition=COUNTED + "计数（一件事申请计 1 件，不论含几个事项）。",
        **BUNDLES,
        measure=DCount(),
    ),
    Metric(
        key="cases.bundle_by_bundle",
        name="按一件事分的办件量",
        unit="件",
        definition=COUNTED + "按一件事分组计数，多到少；各组之和等于一件事办件量。",
        **BUNDLES,
        measure=Custom(_by_bundle),
        kind="breakdown",
    ),
    Metric(
        key="cases.bundle_average_handling_days",
        name="一件事平均办理时长",
        unit="个工作日",
        definition=COUNTED + "只计已办结的一件事：首个子办件受理日至最后一个子办件办结日之间的"
        "工作日数（不含受理当日）的算术平均，保留两位小数。",
        **BUNDLES,
        measure=Mean("handling_days", CONCLUDED),
    ),
    Metric(
        key="cases.bundle_items_limit_days",
        name="一件事各事项承诺时限之和（平均）",
        unit="个工作日",
        definition=COUNTED + "只计已办结的一件事：申请时各事项承诺办结时限（即办件计 0）之和的"
        "算术平均，保留两位小数；与一件事平均办理时长对照。",
        **BUNDLES,
        measure=Mean("items_promised_days", CONCLUDED),
    ),
    Metric(
        key="cases.bundle_time_saved",
        name="一件事办理时间精简率",
        unit="%",
        definition=COUNTED + "只计已办结且各事项承诺时限之和大于 0 的一件事：1 − 办理用时之和 ÷ "
        "各事项承诺时限之和。",
        **BUNDLES,
        measure=Custom(_time_saved),
        kind="ratio",
    ),
    Metric(
        key="cases.bundle_time_saved_by_bundle",
        name="按一件事分的办理时间精简率",
        unit="%",
        definition=COUNTED + "只计已办结且各事项承诺时限之和大于 0 的一件事，按一件事分组：100 ×"
        "（1 − 办理用时之和 ÷ 各事项承诺时限之和），四舍五入取整数百分比；即该一件事平均办理时长与"
        "其各事项承诺时限之和（平均）的对照，负数表示比逐项办理承诺的更慢。按一件事名称排序。",
        **BUNDLES,
        measure=Custom(_time_saved_by_bundle),
        kind="breakdown",
    ),
    Metric(
        key="cases.bundle_materials_saved",
        name="一件事材料精简率",
        unit="%",
        definition=COUNTED + "1 − 合并后需提交的材料数之和 ÷ 各事项需提交的材料数之和（免提交的"
        "不计；同名或合并表认定为同一份的材料合并为一项）。",
        **BUNDLES,
        measure=Custom(_materials_saved),
        kind="ratio",
    ),
    Metric(
        key="cases.bundle_visits_saved",
        name="一件事减少跑动次数",
        unit="次",
        definition=COUNTED + "Σ（各事项到现场次数之和 − 一件事到现场次数），一件事到现场次数为"
        "各事项中最多的一项（一窗受理全部事项）。",
        **BUNDLES,
        measure=Total(F("items_visits") - F("bundle_visits")),
    ),
):
    register(metric)
