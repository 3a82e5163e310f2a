"""The ticket figures (诉求工单指标), registered with the metric registry; docs/metrics.md has
every 口径.

What counts: tickets received by a bureau in the scope or led by a department in the scope,
except duplicates merged into another ticket (counted once, as the ticket they were merged
into). The sign-for figure counts departments' parts (assignments) of the scope's departments.
One database query per metric and scope."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from yiwang.appeals.fields import (
    SATISFIED_LEVELS,
    AssignmentStatus,
    Satisfaction,
    TicketKind,
    TicketSource,
    TicketStatus,
)
from yiwang.appeals.models import Ticket, TicketAssignment
from yiwang.insight.periods import Period
from yiwang.insight.registry import Count as DCount
from yiwang.insight.registry import Custom, Metric, Share, register
from yiwang.org.scope import DataScope

COUNTED = (
    "计入范围：范围内受理单位（数据资源管理局/12345）受理的、或由范围内部门主办的诉求工单，"
    "不含被合并的重复诉求；"
)
DISPATCHED = Q(first_dispatched_on__isnull=False)
REPLIED = Q(replied_at__isnull=False)
CLOSED = Q(status=TicketStatus.CLOSED)
RATED = Q(satisfaction__in=[*SATISFIED_LEVELS, Satisfaction.DISSATISFIED])


def counted_tickets(scope: DataScope) -> QuerySet[Ticket]:
    """The tickets every figure counts (the denominator of the shares below)."""
    tickets = Ticket.objects.exclude(status=TicketStatus.MERGED)
    if scope.everything:  # an empty Q() | Q(…) would be only the second condition
        return tickets
    return tickets.filter(scope.department_q("centre") | scope.department_q("lead_department"))


def _breakdown(field: str, choices: list[tuple[str, str]]) -> Custom:
    def query(tickets: QuerySet[Ticket], period: Period | None) -> dict[str, int]:
        counts = dict(
            tickets.values(field).annotate(n=Count("pk")).order_by().values_list(field, "n")
        )
        return {str(label): counts.get(value, 0) for value, label in choices}

    query.__qualname__ = f"tickets_by[{field}]"
    return Custom(query)


def _by_kind(tickets: QuerySet[Ticket], period: Period | None) -> dict[str, int]:
    counts = dict(
        tickets.values("kind").annotate(n=Count("pk")).order_by().values_list("kind", "n")
    )
    result = {str(label): counts.get(value, 0) for value, label in TicketKind.choices}
    result["未分类"] = counts.get("", 0)
    return result


def _parts(scope: DataScope) -> QuerySet[TicketAssignment]:
    return scope.filter(TicketAssignment.objects.exclude(ticket__status=TicketStatus.MERGED))


def _signed_or_late() -> Q:
    """Parts signed, plus parts still unsigned past their sign-for deadline (sent-back and
    cancelled parts are left out)."""
    late_unsigned = Q(status=AssignmentStatus.PENDING, sign_deadline__lt=timezone.localdate())
    return SIGNED | late_unsigned


SIGNED = Q(signed_at__isnull=False)


def _overdue() -> Q:
    """Answered after the deadline of the time, marked overdue by the sweep, or still unanswered
    (not closed) with the deadline passed — the figure does not wait for the sweep."""
    unanswered_late = Q(replied_at__isnull=True, deadline__lt=timezone.localdate()) & ~CLOSED
    return Q(replied_on_time=False) | Q(ever_overdue=True) | unanswered_late


TICKETS: dict[str, Any] = {
    "records": counted_tickets,
    "date_field": "registered_on",
    "department_field": "lead_department",
}


for metric in (
    Metric(
        key="appeals.total",
        name="诉求受理量",
        unit="件",
        definition=COUNTED + "计数。它是交办率、办结率、回复率的分母。",
        **TICKETS,
        measure=DCount(),
    ),
    Metric(
        key="appeals.by_source",
        name="按来源分的诉求受理量",
        unit="件",
        definition=COUNTED
        + "按来源（12345热线、涉企服务窗口、办不成事反映窗口、有诉即办、网站留言、县长信箱、"
        "网上办事大厅、Open311接口）分组计数；列出全部来源，各来源之和等于受理量。",
        **TICKETS,
        measure=_breakdown("source", TicketSource.choices),
        kind="breakdown",
    ),
    Metric(
        key="appeals.by_kind",
        name="按类别分的诉求受理量",
        unit="件",
        definition=COUNTED
        + "按类别（咨询、求助、投诉、举报、建议、表扬，及尚未分类）分组计数；各类之和等于受理量。",
        **TICKETS,
        measure=Custom(_by_kind),
        kind="breakdown",
    ),
    Metric(
        key="appeals.dispatch_rate",
        name="交办率",
        unit="%",
        definition=COUNTED + "交办率 = 至少派单一次的工单数 ÷ 受理量。",
        **TICKETS,
        measure=Share(DISPATCHED),
        kind="ratio",
    ),
    Metric(
        key="appeals.sign_on_time_rate",
        name="按时签收率",
        unit="%",
        definition="计入范围：范围内部门的交办记录（主办和协办，每轮派单各一条；退单和因重派撤销的"
        "不计），不含被合并工单的。按时签收率 = 在签收期限当日或之前签收的交办数 ÷（已签收的交办数"
        " + 未签收且已过签收期限的交办数）。",
        records=_parts,
        date_field="dispatched_at",
        measure=Share(SIGNED & Q(signed_on_time=True), among=_signed_or_late),
        kind="ratio",
    ),
    Metric(
        key="appeals.send_back_rate",
        name="退单率",
        unit="%",
        definition=COUNTED + "只计至少派单一次的工单：退单率 = 被主办部门退单至少一次的工单数 ÷ "
        "派单工单数。",
        **TICKETS,
        measure=Share(Q(send_back_count__gt=0), among=DISPATCHED),
        kind="ratio",
    ),
    Metric(
        key="appeals.conclusion_rate",
        name="办结率",
        unit="%",
        definition=COUNTED + "办结率 = 状态为已办结的工单数 ÷ 受理量。",
        **TICKETS,
        measure=Share(CLOSED),
        kind="ratio",
    ),
    Metric(
        key="appeals.on_time_rate",
        name="按时办结率",
        unit="%",
        definition=COUNTED
        + "只计已办结的工单：按时办结率 = 最后一次答复在当时办理期限（含暂停顺延、"
        "批准延期）当日或之前、且从未被标记超期的已办结工单数 ÷ 已办结工单数。",
        **TICKETS,
        measure=Share(Q(replied_on_time=True, ever_overdue=False), among=CLOSED),
        kind="ratio",
    ),
    Metric(
        key="appeals.reply_rate",
        name="回复率",
        unit="%",
        definition=COUNTED + "回复率 = 主办部门已答复诉求人的工单数 ÷ 受理量。",
        **TICKETS,
        measure=Share(REPLIED),
        kind="ratio",
    ),
    Metric(
        key="appeals.follow_up_rate",
        name="回访率",
        unit="%",
        definition=COUNTED + "只计已答复的工单：回访率 = 已回访且取得满意度评价（满意、基本满意或"
        "不满意；“无法联系”不算）的工单数 ÷ 已答复工单数。",
        **TICKETS,
        measure=Share(RATED, among=REPLIED),
        kind="ratio",
    ),
    Metric(
        key="appeals.satisfaction_rate",
        name="满意率",
        unit="%",
        definition=COUNTED + "只计取得满意度评价的工单（最近一次回访）：满意率 = 满意与基本满意的"
        "工单数 ÷ 取得评价的工单数。",
        **TICKETS,
        measure=Share(Q(satisfaction__in=list(SATISFIED_LEVELS)), among=RATED),
        kind="ratio",
    ),
    Metric(
        key="appeals.overdue_count",
        name="超期工单数",
        unit="件",
        definition=COUNTED
        + "超期工单数 = 答复晚于当时办理期限（含暂停顺延、批准延期）、曾被标记超期，"
        "或至今未答复未办结且已过办理期限的工单数（按受理日期计入统计期）。",
        **TICKETS,
        measure=DCount(_overdue),
    ),
    Metric(
        key="appeals.redo_rate",
        name="重办率",
        unit="%",
        definition=COUNTED
        + "只计已答复的工单：重办率 = 至少重办一次（回访不满意或退回重办）的工单数"
        " ÷ 已答复工单数。",
        **TICKETS,
        measure=Share(Q(redo_count__gt=0), among=REPLIED),
        kind="ratio",
    ),
    Metric(
        key="appeals.remind_rate",
        name="催办率",
        unit="%",
        definition=COUNTED + "只计至少派单一次的工单：催办率 = 被催办至少一次（人工催办或超期次日"
        "自动催办）的工单数 ÷ 派单工单数。",
        **TICKETS,
        measure=Share(Q(remind_count__gt=0), among=DISPATCHED),
        kind="ratio",
    ),
):
    register(metric)
