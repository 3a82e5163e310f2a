"""The appointment and waiting-time figures (预约与排队指标), registered with the metric registry;
docs/metrics.md has every 口径. One database query per metric and scope; a hall is in a scope
when its region is (hall.selectors.hall_q).

- Bookings count by their slot's hall; by department through their slot's item group (a 专窗
  group names its department), queue numbers through the 专窗 department they wait for — those
  of comprehensive windows have none and stay out of the department breakdown.
- 未到场 (no-show) is a booking marked so by the sweep, or
  one still 已预约 whose slot has ended — the figure does not wait for the sweep.
- Waiting is 叫号时间 − 取号时间 (an appointment who checked in before his slot waits from the
  slot's start), kept on the ticket when it is called; handling is 办结时间 − 叫号时间. Only called
  tickets count; minutes, two decimals. Hours are the local hour the ticket was taken.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import (
    Avg,
    Count,
    ExpressionWrapper,
    F,
    FloatField,
    Q,
    QuerySet,
    Window,
)
from django.db.models.functions import RowNumber
from django.utils.translation import gettext, gettext_noop

from yiwang.hall import clock
from yiwang.hall.fields import BookingStatus
from yiwang.hall.models import Booking, Ticket
from yiwang.hall.selectors import hall_q
from yiwang.insight.periods import Period
from yiwang.insight.registry import Count as DCount
from yiwang.insight.registry import Custom, Mean, Metric, Share, register
from yiwang.org.scope import DataScope

MINUTES = Decimal("0.01")
P90 = 0.9


def _minutes(seconds: float | None) -> Decimal | None:
    if seconds is None:
        return None
    return (Decimal(str(seconds)) / 60).quantize(MINUTES, rounding=ROUND_HALF_UP)


def _bookings(scope: DataScope) -> QuerySet[Booking]:
    return Booking.objects.filter(hall_q(scope, path="slot__hall"))


def _no_show(now: dt.datetime) -> Q:
    local = clock.local(now)
    ended = Q(slot__day__lt=local.date()) | Q(
        slot__day=local.date(), slot__ends_at__lte=local.time()
    )
    return Q(status=BookingStatus.NO_SHOW) | (Q(status=BookingStatus.BOOKED) & ended)


def _by_status(bookings: QuerySet[Booking], period: Period | None) -> dict[str, int]:
    no_show = _no_show(clock.now())
    row = bookings.aggregate(
        booked=Count("pk", filter=Q(status=BookingStatus.BOOKED) & ~no_show),
        kept=Count("pk", filter=Q(status=BookingStatus.KEPT)),
        cancelled=Count("pk", filter=Q(status=BookingStatus.CANCELLED)),
        no_show=Count("pk", filter=no_show),
    )
    # Keys stay Chinese (the registry's answer); pages translate them (marked here).
    return {
        gettext_noop("待到场"): row["booked"],
        gettext_noop("已到场"): row["kept"],
        gettext_noop("已取消"): row["cancelled"],
        gettext_noop("未到场"): row["no_show"],
    }


KEPT = Q(status=BookingStatus.KEPT)


def _kept_or_no_show() -> Q:
    return KEPT | _no_show(clock.now())


def _tickets(scope: DataScope) -> QuerySet[Ticket]:
    return Ticket.objects.filter(hall_q(scope))


def _called(tickets: QuerySet[Ticket]) -> QuerySet[Ticket]:
    return tickets.filter(wait_seconds__isnull=False)


class MeanMinutes(Mean):
    """The mean of a duration in seconds, given in minutes with two decimals: an aggregate
    measure, so the registry derives its breakdowns (by department, town, month)."""

    def finish(self, row: dict[str, Any]) -> Decimal | None:
        return _minutes(row["v"])


def _p90_rows(tickets: QuerySet[Ticket], partition: list[str]) -> QuerySet[Ticket]:
    """The p90 (nearest rank: the ⌈0.9·n⌉-th shortest wait) of each partition, one row each:
    the row whose rank r keeps 0 ≤ r − 0.9·n < 1. Window functions work alike on SQLite and
    PostgreSQL; the filter on them runs in the same statement."""
    by = [F(p) for p in partition] or None
    return (
        _called(tickets)
        .annotate(
            rank=Window(
                RowNumber(), partition_by=by, order_by=[F("wait_seconds").asc(), F("pk").asc()]
            ),
            size=Window(Count("pk"), partition_by=by),
        )
        .annotate(excess=ExpressionWrapper(F("rank") - F("size") * P90, output_field=FloatField()))
        .filter(excess__gte=0, excess__lt=1)
    )


def _p90_wait(tickets: QuerySet[Ticket], period: Period | None) -> Decimal | None:
    row = _p90_rows(tickets, []).values_list("wait_seconds", flat=True).first()
    return _minutes(row)


def _hour_key(hall: str, hour: int) -> str:
    return f"{hall} {hour:02d}时"


def _average_wait_by_hall_hour(tickets: QuerySet[Ticket], period: Period | None) -> dict[str, int]:
    rows = (
        _called(tickets)
        .values("hall__name", "issued_hour")
        .annotate(v=Avg("wait_seconds"))
        .order_by("hall__name", "issued_hour")
        .values_list("hall__name", "issued_hour", "v")
    )
    return {
        _hour_key(h, hour): int(Decimal(str(v)).quantize(Decimal(1), rounding=ROUND_HALF_UP))
        for h, hour, v in rows
    }


def _p90_wait_by_hall_hour(tickets: QuerySet[Ticket], period: Period | None) -> dict[str, int]:
    rows = (
        _p90_rows(tickets, ["hall_id", "issued_hour"])
        .order_by("hall__name", "issued_hour")
        .values_list("hall__name", "issued_hour", "wait_seconds")
    )
    return {_hour_key(h, hour): int(v or 0) for h, hour, v in rows}


BOOKINGS: dict[str, Any] = {
    "records": _bookings,
    "date_field": "slot__day",
    # A booking's department is its item group's (a 专窗 group names one; a comprehensive
    # window's group has none, so those bookings stay out of the department breakdown).
    "department_field": "slot__group__department",
    "region_field": "slot__hall__region",
}
TICKETS: dict[str, Any] = {
    "records": _tickets,
    "date_field": "day",
    # A queue number's department: the 专窗 department it waits for (set from its item group).
    "department_field": "department",
    "region_field": "hall__region",
}


# 口径 in two marked parts (the shared 计入范围 sentence, the metric's own), translated apart on
# pages (definition_text).
BOOKED = gettext_noop("计入范围：范围内大厅的全部预约（按预约时段所在大厅）；")
CALLED = gettext_noop(
    "计入范围：范围内大厅已叫号的排队号；等候时长 = 叫号时间 − 取号时间（提前签到的预约号"
    "从预约时段开始时间起算）；"
)
PREFIXES = (BOOKED, CALLED)


def definition_text(metric: Metric) -> str:
    """A hall metric's 口径 in the reader's language."""
    for prefix in PREFIXES:
        if metric.definition.startswith(prefix):
            return gettext(prefix) + gettext(metric.definition[len(prefix) :])
    return gettext(metric.definition)


for metric in (
    Metric(
        key="hall.bookings_total",
        name=gettext_noop("预约量"),
        unit=gettext_noop("人次"),
        definition=BOOKED + gettext_noop("计数，含已取消。"),
        **BOOKINGS,
        measure=DCount(),
    ),
    Metric(
        key="hall.bookings_by_status",
        name=gettext_noop("按状态分的预约量"),
        unit=gettext_noop("人次"),
        definition=BOOKED
        + gettext_noop(
            "分为待到场（已预约、时段未结束）、已到场（已签到取号）、已取消、"
            "未到场（时段结束仍未签到，含已由清理标记的）；四项之和等于预约量。"
        ),
        **BOOKINGS,
        measure=Custom(_by_status),
        kind="breakdown",
    ),
    Metric(
        key="hall.kept_rate",
        name=gettext_noop("预约履约率"),
        unit="%",
        definition=BOOKED
        + gettext_noop("预约履约率 = 已到场 ÷（已到场 + 未到场）；已取消和时段未到的不计。"),
        **BOOKINGS,
        measure=Share(KEPT, among=_kept_or_no_show),
        kind="ratio",
    ),
    Metric(
        key="hall.average_wait_minutes",
        name=gettext_noop("平均等候时长"),
        unit=gettext_noop("分钟"),
        definition=CALLED + gettext_noop("各号等候时长的算术平均，单位分钟，保留两位小数。"),
        **TICKETS,
        measure=MeanMinutes("wait_seconds", Q(wait_seconds__isnull=False)),
    ),
    Metric(
        key="hall.p90_wait_minutes",
        name=gettext_noop("等候时长第 90 百分位"),
        unit=gettext_noop("分钟"),
        definition=CALLED
        + gettext_noop(
            "按等候时长从短到长排列，第 ⌈0.9 × 号数⌉ 个号的等候时长（最近秩法），"
            "单位分钟，保留两位小数。"
        ),
        **TICKETS,
        measure=Custom(_p90_wait),
    ),
    Metric(
        key="hall.average_wait_by_hall_hour",
        name=gettext_noop("按大厅和取号时段分的平均等候时长"),
        unit=gettext_noop("秒"),
        definition=CALLED
        + gettext_noop(
            "按大厅和取号所在小时（当地时间，键为“大厅 HH时”）分组的平均等候"
            "时长，单位秒，四舍五入到整秒；只列有已叫号的组。"
        ),
        **TICKETS,
        measure=Custom(_average_wait_by_hall_hour),
        kind="breakdown",
    ),
    Metric(
        key="hall.p90_wait_by_hall_hour",
        name=gettext_noop("按大厅和取号时段分的等候时长第 90 百分位"),
        unit=gettext_noop("秒"),
        definition=CALLED
        + gettext_noop(
            "按大厅和取号所在小时分组，每组按最近秩法取第 ⌈0.9 × 组内号数⌉ 个"
            "号的等候时长，单位秒；只列有已叫号的组。"
        ),
        **TICKETS,
        measure=Custom(_p90_wait_by_hall_hour),
        kind="breakdown",
    ),
    Metric(
        key="hall.average_handling_minutes",
        name=gettext_noop("平均窗口办理时长"),
        unit=gettext_noop("分钟"),
        definition=gettext_noop(
            "计入范围：范围内大厅已办结的排队号（过号不计）；窗口办理时长 = 办结时间 − "
            "叫号时间，算术平均，单位分钟，保留两位小数。"
        ),
        **TICKETS,
        measure=MeanMinutes("handle_seconds", Q(handle_seconds__isnull=False)),
    ),
):
    register(metric)
