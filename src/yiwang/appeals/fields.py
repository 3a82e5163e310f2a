"""The ticket vocabulary (诉求工单): sources, kinds, statuses, assignment states, satisfaction, and
the configurable numbers (limits in working days, from settings) — defined once, used by models,
services, the importer, pages, the API and the figures."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_noop

# Choice labels stay Chinese (marked with gettext_noop) as in cases.fields: the API and the
# history keep them as written; pages translate them.


class TicketSource(models.TextChoices):
    HOTLINE = "hotline", gettext_noop("12345热线")
    ENTERPRISE_WINDOW = "enterprise_window", gettext_noop("涉企服务窗口")
    CANT_GET_DONE = "cant_get_done", gettext_noop("办不成事反映窗口")
    INSTANT = "instant", gettext_noop("有诉即办")
    WEBSITE = "website", gettext_noop("网站留言")
    MAYOR_MAILBOX = "mayor_mailbox", gettext_noop("县长信箱")
    PORTAL = "portal", gettext_noop("网上办事大厅")
    OPEN311 = "open311", gettext_noop("Open311接口")


# Sources whose tickets a clerk types in (the entry form); the others arrive by import, the
# portal or the API.
CLERK_SOURCES = frozenset(
    {
        TicketSource.HOTLINE,
        TicketSource.ENTERPRISE_WINDOW,
        TicketSource.CANT_GET_DONE,
        TicketSource.INSTANT,
        TicketSource.WEBSITE,
        TicketSource.MAYOR_MAILBOX,
    }
)
# Sources whose tickets carry a first-feedback limit (涉企: "3 个工作日内向企业反馈").
FEEDBACK_SOURCES = frozenset({TicketSource.ENTERPRISE_WINDOW})


class TicketKind(models.TextChoices):
    CONSULT = "consult", gettext_noop("咨询")
    HELP = "help", gettext_noop("求助")
    COMPLAINT = "complaint", gettext_noop("投诉")
    REPORT = "report", gettext_noop("举报")
    SUGGESTION = "suggestion", gettext_noop("建议")
    PRAISE = "praise", gettext_noop("表扬")


class TicketStatus(models.TextChoices):
    REGISTERED = "registered", gettext_noop("待分类")  # 受理登记, kind not yet confirmed
    PENDING_DISPATCH = "pending_dispatch", gettext_noop("待派单")
    SENT_BACK = "sent_back", gettext_noop("已退单")  # the lead sent it back: re-dispatch
    DISPATCHED = "dispatched", gettext_noop("待签收")
    HANDLING = "handling", gettext_noop("办理中")
    REPLIED = "replied", gettext_noop("已答复")  # waiting for the follow-up (回访)
    FOLLOWED_UP = "followed_up", gettext_noop("已回访")
    CLOSED = "closed", gettext_noop("已办结")
    MERGED = "merged", gettext_noop("已合并")  # a duplicate merged into another ticket


# Statuses waiting for the bureau (the dispatch desk).
DESK_STATUSES = frozenset(
    {TicketStatus.REGISTERED, TicketStatus.PENDING_DISPATCH, TicketStatus.SENT_BACK}
)
# Statuses in which a department holds the ticket and its handling clock runs.
DEPARTMENT_STATUSES = frozenset({TicketStatus.DISPATCHED, TicketStatus.HANDLING})
# Not finished (queues, open counts).
OPEN_STATUSES = frozenset(
    {*DESK_STATUSES, *DEPARTMENT_STATUSES, TicketStatus.REPLIED, TicketStatus.FOLLOWED_UP}
)
FINAL_STATUSES = frozenset({TicketStatus.CLOSED, TicketStatus.MERGED})


class AssignmentRole(models.TextChoices):
    LEAD = "lead", gettext_noop("主办")
    ASSIST = "assist", gettext_noop("协办")


class AssignmentStatus(models.TextChoices):
    PENDING = "pending", gettext_noop("待签收")
    SIGNED = "signed", gettext_noop("已签收")
    SENT_BACK = "sent_back", gettext_noop("已退单")
    REPLIED = "replied", gettext_noop("已答复")
    CANCELLED = "cancelled", gettext_noop("已撤销")  # superseded by a re-dispatch


# Assignments still in play (the others are history).
LIVE_ASSIGNMENT_STATUSES = frozenset(
    {AssignmentStatus.PENDING, AssignmentStatus.SIGNED, AssignmentStatus.REPLIED}
)


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", gettext_noop("满意")
    BASIC = "basic", gettext_noop("基本满意")
    DISSATISFIED = "dissatisfied", gettext_noop("不满意")
    UNREACHABLE = "unreachable", gettext_noop("无法联系")


# Counted as satisfied by 满意率.
SATISFIED_LEVELS = frozenset({Satisfaction.SATISFIED, Satisfaction.BASIC})


class ExtensionStatus(models.TextChoices):
    PENDING = "pending", gettext_noop("待审核")
    APPROVED = "approved", gettext_noop("已批准")
    REFUSED = "refused", gettext_noop("未批准")


class Urgency(models.TextChoices):
    NORMAL = "normal", gettext_noop("一般")
    URGENT = "urgent", gettext_noop("紧急")


# Bounds of staff-typed text (services._text enforces them).
TEXT_MAX = 2000
CONTENT_MAX = 4000
TITLE_MAX = 200
MAX_EXTENSION_DAYS = 30


# --- Default limits (working days), from settings (DOMAIN.md) --------------------------------
# The bureau edits them per kind and source (appeals.SlaLimit); these are the values a row
# falls back to and the seed of the table.


def sign_for_days() -> int:
    return int(settings.YIWANG_APPEAL_SIGN_FOR_DAYS)


def urgent_days() -> int:
    """Emergency tickets: 0 is the same day (sign for and handle)."""
    return int(settings.YIWANG_APPEAL_URGENT_DAYS)


def default_handling_days(kind: str, source: str = "") -> int:
    if source == TicketSource.ENTERPRISE_WINDOW:
        return int(settings.YIWANG_APPEAL_ENTERPRISE_DAYS)
    if kind in (TicketKind.CONSULT, TicketKind.HELP):
        return int(settings.YIWANG_APPEAL_CONSULT_DAYS)
    return int(settings.YIWANG_APPEAL_COMPLAINT_DAYS)


def default_feedback_days(source: str) -> int | None:
    if source in FEEDBACK_SOURCES:
        return int(settings.YIWANG_APPEAL_ENTERPRISE_FEEDBACK_DAYS)
    return None


def remind_after_days() -> int:
    """Working days after a missed deadline before the reminder (催办): 1 = the next day."""
    return int(settings.YIWANG_APPEAL_REMIND_AFTER_DAYS)


def supervise_after_days() -> int:
    """Further working days after the reminder before supervision (督办)."""
    return int(settings.YIWANG_APPEAL_SUPERVISE_AFTER_DAYS)


def import_inline_rows() -> int:
    """Rows up to which an uploaded hotline file is imported at once; larger go to the worker."""
    return int(settings.YIWANG_APPEAL_IMPORT_INLINE_ROWS)
