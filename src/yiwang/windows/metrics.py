"""The front desk's figures (综合窗口受理量 by window, 周末办件量), registered with the metric
registry; docs/metrics.md has every 口径. Both count what the case figures count
(cases.metrics.counted_cases: accepted cases of the departments in the scope), one query each."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet, Value
from django.db.models.functions import Concat

from yiwang.cases.metrics import COUNTED, counted_cases
from yiwang.cases.models import Case
from yiwang.insight.periods import Period
from yiwang.insight.registry import Count as DCount
from yiwang.insight.registry import Custom, Metric, register
from yiwang.org.models import WindowKind
from yiwang.workdays.models import CalendarDay, DayKind


def _intake_by_window(cases: QuerySet[Case], period: Period | None) -> dict[str, int]:
    """Cases taken in at each 综合窗口, named "大厅 窗口号号窗口（名称）"."""
    rows = (
        cases.filter(window__kind=WindowKind.COMPREHENSIVE)
        .annotate(
            label=Concat(
                "window__hall__name",
                Value(" "),
                "window__number",
                Value(" 号窗口（"),
                "window__name",
                Value("）"),
            )
        )
        .values("window_id", "label")
        .annotate(n=Count("pk"))
        .order_by("window__hall__name", "window__number")
        .values_list("label", "n")
    )
    return dict(rows)


def non_working_day_q(path: str) -> Q:
    """Dates at `path` that are not working days by the calendar (workdays): a Saturday or
    Sunday that is not a make-up working day (调休上班), or a statutory holiday."""
    holidays = CalendarDay.objects.filter(kind=DayKind.HOLIDAY).values("date")
    makeup = CalendarDay.objects.filter(kind=DayKind.MAKEUP_WORKDAY).values("date")
    # Django's week_day: 1 = Sunday … 7 = Saturday, on every database.
    weekend = Q(**{f"{path}__week_day__in": [1, 7]}) & ~Q(**{f"{path}__in": makeup})
    return weekend | Q(**{f"{path}__in": holidays})


def _weekend() -> Q:
    return non_working_day_q("accepted_on") & Q(deemed_accepted=False)


for metric in (
    Metric(
        key="windows.intake_by_window",
        name="综合窗口受理量",
        unit="件",
        definition=COUNTED
        + "只计在综合窗口收件的办件（无差别受理），按收件窗口（大厅、窗口号）分组计数；"
        "只列有办件的窗口。",
        records=counted_cases,
        date_field="accepted_on",
        measure=Custom(_intake_by_window),
        kind="breakdown",
    ),
    Metric(
        key="windows.weekend_cases",
        name="周末办件量",
        unit="件",
        definition=COUNTED
        + "受理日期为非工作日（按工作日历：周六、周日中的非调休上班日，以及法定节假日）的办件数；"
        "视为受理的办件不计入（其受理日期由法律规定，不是当日办理）。",
        records=counted_cases,
        date_field="accepted_on",
        measure=DCount(_weekend),
    ),
):
    register(metric)
