"""The rating figures (好差评指标), registered with the metric registry; docs/metrics.md has every
口径. One database query per metric and scope.

What counts: ratings of a service (a case, a visit, a window), not the citizen's rating of a fix
(回访评价, `follows_up` set). A rating upheld as mistaken on appeal (`mistaken`) stays on record
but is no 差评 and is left out of 好评率 (it was not the citizen's view of the service). A rating
belongs to the scope of its handling department; a case to its department's."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from yiwang.cases.models import Case
from yiwang.evaluations.fields import BAD_LEVEL_MAX, GOOD_LEVEL_MIN, Subject
from yiwang.evaluations.models import Rating
from yiwang.insight.periods import Period
from yiwang.insight.registry import Count as DCount
from yiwang.insight.registry import Custom, Metric, Share, period_q, ratio, register
from yiwang.org.scope import DataScope

COUNTED = (
    "计入范围：范围内办理部门收到的评价（办件、窗口服务、窗口评价），不含差评整改后的回访评价；"
)
SERVICE_RATINGS = Q(follows_up__isnull=True)


def counted_ratings(scope: DataScope) -> QuerySet[Rating]:
    """The ratings the figures count (the denominator of 办件评价占比)."""
    return scope.filter(Rating.objects.filter(SERVICE_RATINGS))


def _case_rated() -> Exists:
    return Exists(Rating.objects.filter(SERVICE_RATINGS, case=OuterRef("pk")))


def _concluded_cases(scope: DataScope) -> QuerySet[Case]:
    return scope.filter(Case.objects.filter(concluded_on__isnull=False))


def _item_coverage(items: QuerySet, period: Period | None) -> Decimal | None:
    """评价覆盖事项占比 = published items with at least one rating (given in the period) ÷
    published items."""
    ratings = Rating.objects.filter(SERVICE_RATINGS, item=OuterRef("pk"))
    ratings = ratings.filter(period_q(Rating, "rated_at", period))
    agg = items.aggregate(hit=Count("pk", filter=Q(Exists(ratings))), total=Count("pk"))
    return ratio(agg["hit"], agg["total"])


def _counted_items(scope: DataScope) -> QuerySet:
    from yiwang.catalog.metrics import counted_items

    return counted_items(scope)


RATINGS: dict[str, Any] = {"records": counted_ratings, "date_field": "rated_at"}


for metric in (
    Metric(
        key="evaluations.active_rate",
        name="主动评价率",
        unit="%",
        definition="主动评价率 = 已办结且有评价的办件数 ÷ 已办结办件数；已办结办件为范围内部门"
        "已作出决定的办件（含已送达、已归档），一件办件无论几条评价只计一次，回访评价不算。",
        records=_concluded_cases,
        date_field="concluded_on",
        measure=Share(lambda: Q(_case_rated())),
        kind="ratio",
    ),
    Metric(
        key="evaluations.item_coverage",
        name="评价覆盖事项占比",
        unit="%",
        definition="评价覆盖事项占比 = 有至少 1 条办件评价的事项数 ÷ 事项总数；事项总数的计入"
        "范围同“事项总数”（在用且有现行版本的实施清单事项），回访评价不算。",
        records=_counted_items,
        measure=Custom(_item_coverage),
        kind="ratio",
    ),
    Metric(
        key="evaluations.case_share",
        name="办件评价占比",
        unit="%",
        definition=COUNTED + "办件评价占比 = 评价对象为办件的评价数 ÷ 评价总数（其余为"
        "不涉及办件的窗口服务评价和窗口评价）。",
        **RATINGS,
        measure=Share(Q(subject=Subject.CASE)),
        kind="ratio",
    ),
    Metric(
        key="evaluations.good_rate",
        name="好评率",
        unit="%",
        definition=COUNTED + "不含申诉复核认定为误评的评价：好评率 = 整体满意度为基本满意及以上"
        "（3 至 5 级）的评价数 ÷ 评价数。",
        **RATINGS,
        measure=Share(Q(level__gte=GOOD_LEVEL_MIN), among=Q(mistaken=False)),
        kind="ratio",
    ),
    Metric(
        key="evaluations.bad_count",
        name="差评数",
        unit="条",
        definition=COUNTED + "整体满意度为不满意或非常不满意（1、2 级）的评价数；申诉复核认定为"
        "误评的不计入（评价记录仍保留）。",
        **RATINGS,
        measure=DCount(Q(level__lte=BAD_LEVEL_MAX, mistaken=False)),
    ),
):
    register(metric)
