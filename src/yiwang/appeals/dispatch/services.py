"""Writes of dispatch help: merging a duplicate ticket into the ticket it repeats, and the
bureau's edits of the responsibility lists (职责清单). Keyword-only, atomic, audited."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from yiwang.appeals.dispatch import text as dispatch_text
from yiwang.appeals.fields import LIVE_ASSIGNMENT_STATUSES, AssignmentStatus, TicketStatus
from yiwang.appeals.models import Responsibility, Ticket, TicketAssignment, TicketEvent
from yiwang.appeals.services import lock_ticket, record_event
from yiwang.appeals.workflow import TICKET
from yiwang.audit.services import audit_change, snapshot
from yiwang.common.validators import validate_plain_text
from yiwang.notifications.services import notify
from yiwang.org.models import Department, User
from yiwang.org.selectors import departments_in_scope
from yiwang.workdays.services import clock_stop

EDIT_RESPONSIBILITY = "appeals.change_responsibility"
RESPONSIBILITY_FIELDS = ["department", "title", "keywords", "detail", "active"]
TITLE_MAX = 200
KEYWORDS_MAX = 4000
DETAIL_MAX = 2000


# --- Merge ----------------------------------------------------------------------------------


@transaction.atomic
def ticket_merge(*, ticket: Ticket, into: Ticket, actor: User | None, note: str = "") -> Ticket:
    """Merge a duplicate (`ticket`) into the ticket it repeats (`into`): the duplicate is
    closed as 已合并 with merged_into set, its live assignments are cancelled and its clock
    stopped; tickets merged into it earlier now point at `into`; both histories record it and
    the duplicate's applicant is told which ticket answers him. Both rows are locked (in id
    order, so two merges never deadlock)."""
    if ticket.pk == into.pk:
        raise ValidationError({"into": "不能把工单合并到它自己。"})
    first, second = sorted([ticket, into], key=lambda t: t.pk)
    locked = {t.pk: lock_ticket(t) for t in (first, second)}
    ticket, into = locked[ticket.pk], locked[into.pk]
    TICKET.check("merge", ticket.status, actor)
    if into.status == TicketStatus.MERGED:
        raise ValidationError({"into": f"工单 {into.number} 已合并至其他工单，请合并到该工单。"})
    if ticket.centre_id != into.centre_id:
        raise ValidationError({"into": f"工单 {into.number} 不属于同一受理单位，不能合并。"})
    note = (note or "").strip()
    if len(note) > 500:
        raise ValidationError({"note": "合并说明不能超过 500 个字。"})
    if note:
        validate_plain_text(note, "合并说明")
    before = ticket.status
    TicketAssignment.objects.filter(ticket=ticket, status__in=LIVE_ASSIGNMENT_STATUSES).update(
        status=AssignmentStatus.CANCELLED
    )
    clock = ticket.handling_clock
    if clock is not None and clock.stopped_on is None:
        clock_stop(clock=clock, on=max(timezone.localdate(), clock.started_on), actor=actor)
    ticket.status = TicketStatus.MERGED
    ticket.merged_into = into
    ticket.save(update_fields=["status", "merged_into", "updated_at"])
    Ticket.objects.filter(merged_into=ticket).update(merged_into=into)
    record_event(
        ticket,
        "merge",
        actor,
        from_status=before,
        note=f"合并至 {into.number}" + (f"：{note}" if note else ""),
    )
    TicketEvent.objects.create(
        ticket=into,
        actor=actor,
        actor_label=_label(actor),
        action="merged_in",
        label="合并重复诉求",
        from_status=into.status,
        to_status=into.status,
        note=f"{ticket.number} 已合并至本工单" + (f"：{note}" if note else ""),
        public=False,
    )
    audit_change(
        action="appeals.merge",
        obj=ticket,
        before={"status": before, "merged_into": None},
        after={"status": ticket.status, "merged_into": into.number},
        actor=actor,
        reason=note,
    )
    user = ticket.applicant.user if ticket.applicant_id and ticket.applicant else None
    notify(
        kind="ticket.merged",
        text=f"您的诉求 {ticket.number}（{ticket.title}）与同一事项的工单 {into.number} "
        "合并办理，办理结果将一并答复。",
        recipients=[user] if user is not None else [],
        phone=ticket.applicant_phone or "",
        subject=ticket,
    )
    return ticket


def _label(user: User | None) -> str:
    if user is None:
        return "系统"
    staff = getattr(user, "staff", None)
    return str(staff.full_name) if staff is not None else user.get_username()


# --- Responsibility lists -------------------------------------------------------------------


def _check_editor(actor: User | None, department: Department) -> None:
    """The bureau edits the lists of the departments in its scope (the system, e.g. the demo
    seed, edits any)."""
    if actor is None:
        return
    if not actor.has_perm(EDIT_RESPONSIBILITY):
        raise PermissionDenied("您没有编辑职责清单的权限。")
    if (
        not actor.is_superuser
        and not departments_in_scope(user=actor).filter(pk=department.pk).exists()
    ):
        raise PermissionDenied("该部门不在您的数据范围内。")


def _clean(title: str, keywords: str, detail: str) -> tuple[str, str, str]:
    title = (title or "").strip()
    detail = (detail or "").strip()
    if not title:
        raise ValidationError({"title": "请填写职责事项。"})
    if len(title) > TITLE_MAX:
        raise ValidationError({"title": f"职责事项不能超过 {TITLE_MAX} 个字。"})
    words = dispatch_text.keywords_of(keywords)
    if not words:
        raise ValidationError(
            {"keywords": "请至少填写一个关键词（两个字以上，用顿号或换行分隔）。"}
        )
    joined = "、".join(words)
    if len(joined) > KEYWORDS_MAX:
        raise ValidationError({"keywords": f"关键词合计不能超过 {KEYWORDS_MAX} 个字。"})
    if len(detail) > DETAIL_MAX:
        raise ValidationError({"detail": f"职责说明不能超过 {DETAIL_MAX} 个字。"})
    for name, value, label in (
        ("title", title, "职责事项"),
        ("keywords", joined, "关键词"),
        ("detail", detail, "职责说明"),
    ):
        try:
            validate_plain_text(value, label)
        except ValidationError as exc:
            raise ValidationError({name: exc.messages}) from None
    return title, joined, detail


def _unique_title(department: Department, title: str, exclude: int | None = None) -> None:
    clash = Responsibility.objects.filter(department=department, title=title)
    if exclude is not None:
        clash = clash.exclude(pk=exclude)
    if clash.exists():
        raise ValidationError({"title": f"{department.name}已有职责事项“{title}”。"})


@transaction.atomic
def responsibility_create(
    *,
    actor: User | None,
    department: Department,
    title: str,
    keywords: str,
    detail: str = "",
    active: bool = True,
) -> Responsibility:
    """Add an entry to a department's responsibility list. Keywords are stored normalised,
    separated by 、 (the router reads the active entries at once)."""
    _check_editor(actor, department)
    title, keywords, detail = _clean(title, keywords, detail)
    _unique_title(department, title)
    entry = Responsibility.objects.create(
        department=department, title=title, keywords=keywords, detail=detail, active=active
    )
    audit_change(
        action="appeals.responsibility_create",
        obj=entry,
        after=snapshot(entry, RESPONSIBILITY_FIELDS),
        actor=actor,
    )
    return entry


@transaction.atomic
def responsibility_update(
    *,
    actor: User | None,
    entry: Responsibility,
    title: str,
    keywords: str,
    detail: str = "",
    active: bool = True,
) -> Responsibility:
    """Change an entry (its department stays); switching it off keeps it on record but out of
    routing."""
    entry = Responsibility.objects.select_for_update().select_related("department").get(pk=entry.pk)
    _check_editor(actor, entry.department)
    title, keywords, detail = _clean(title, keywords, detail)
    _unique_title(entry.department, title, exclude=entry.pk)
    before = snapshot(entry, RESPONSIBILITY_FIELDS)
    entry.title, entry.keywords, entry.detail, entry.active = title, keywords, detail, active
    entry.save(update_fields=["title", "keywords", "detail", "active", "updated_at"])
    audit_change(
        action="appeals.responsibility_update",
        obj=entry,
        before=before,
        after=snapshot(entry, RESPONSIBILITY_FIELDS),
        actor=actor,
    )
    return entry
