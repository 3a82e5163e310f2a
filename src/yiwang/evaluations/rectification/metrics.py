"""The rectification figures (差评整改指标), registered with the metric registry; docs/metrics.md
has every 口径. They count the rectification tasks of the departments in the scope (one task per
差评 of a case, a visit or a window); a rating the bureau upheld as mistaken (申诉成立) is no
longer a 差评 and counts in none. One database query per metric and scope."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from yiwang.evaluations.models import Rectification
from yiwang.evaluations.rectification.fields import OPEN_STATES, Classification
from yiwang.insight.registry import Metric, Share, register
from yiwang.org.scope import DataScope

COUNTED = "计入范围：范围内部门的差评整改任务（每条差评一项），不含经申诉复核认定为误评的评价；"
VALID = Q(classification=Classification.VALID)
RECTIFIED = Q(rectified_at__isnull=False)


def counted_tasks(scope: DataScope) -> QuerySet[Rectification]:
    return scope.filter(Rectification.objects.filter(rating__mistaken=False))


def _on_time_due() -> Q:
    # Due: rectified, or still owed past the deadline (marked by the sweep or not yet).
    today = timezone.localdate()
    owed = VALID | Q(classification="", status__in=OPEN_STATES)
    return owed & (RECTIFIED | Q(ever_overdue=True) | Q(status__in=OPEN_STATES, deadline__lt=today))


TASKS: dict[str, Any] = {"records": counted_tasks, "date_field": "opened_on"}


for metric in (
    Metric(
        key="evaluations.rectification_rate",
        name="差评整改率",
        unit="%",
        definition=COUNTED + "差评整改率 = 已完成整改的差评数 ÷ 经核实属实的差评数（含申诉不成立"
        "的）；核实为诉求无法律依据（已解释说明）的、尚未定性的不计入分母。",
        **TASKS,
        measure=Share(RECTIFIED, among=VALID),
        kind="ratio",
    ),
    Metric(
        key="evaluations.on_time_rectification_rate",
        name="按期整改率",
        unit="%",
        definition=COUNTED + "按期整改率 = 在整改期限（登记之日起 YIWANG_RECTIFICATION_DAYS 个"
        "工作日，默认 5 个，申诉复核期间暂停计算）内完成整改的差评数 ÷ 应已整改的差评数；应已"
        "整改 = 属实或尚未定性、且已完成整改或已过整改期限的差评。",
        **TASKS,
        measure=Share(RECTIFIED & Q(ever_overdue=False), among=_on_time_due),
        kind="ratio",
    ),
    Metric(
        key="evaluations.real_name_follow_up_rate",
        name="实名差评回访率",
        unit="%",
        definition=COUNTED + "实名差评回访率 = 已回访（评价人通过回访链接评价整改结果，或工作人员"
        "登记电话回访评价）的实名差评数 ÷ 实名差评数。",
        **TASKS,
        measure=Share(Q(followed_up_at__isnull=False), among=Q(rating__anonymous=False)),
        kind="ratio",
    ),
):
    register(metric)
