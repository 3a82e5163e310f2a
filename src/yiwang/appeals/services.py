"""Every write of a ticket (诉求工单): register, classify, dispatch, sign for, send back, handle,
pause / resume, reply, follow up, redo, close, remind, supervise, extensions, attachments, the
limits table and the periodic sweep.

Each transition locks the ticket row (select_for_update), checks the state machine
(appeals.workflow.TICKET) on what it locked, changes the ticket, its assignments and its clock
(workdays) in one transaction, and writes a line of the history, an audit event and the
messages to send (notifications outbox). Two staff acting at once: the second finds the new
state and gets the machine's conflict (409 in the API). Deadlines come only from workdays and
the limits only from appeals.sla."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from yiwang.appeals import selectors
from yiwang.appeals.fields import (
    CONTENT_MAX,
    LIVE_ASSIGNMENT_STATUSES,
    MAX_EXTENSION_DAYS,
    TEXT_MAX,
    TITLE_MAX,
    AssignmentRole,
    AssignmentStatus,
    ExtensionStatus,
    Satisfaction,
    TicketKind,
    TicketSource,
    TicketStatus,
    remind_after_days,
    supervise_after_days,
)
from yiwang.appeals.models import (
    SlaLimit,
    Ticket,
    TicketAssignment,
    TicketAttachment,
    TicketEvent,
    TicketExtension,
)
from yiwang.appeals.sla import Limits, limits_for
from yiwang.appeals.workflow import FOLLOW_UP, IN_PLACE, MANAGE_SLA, REGISTER, TICKET
from yiwang.audit.services import audit_change
from yiwang.common import uploads
from yiwang.common.crypto import sm3_hex
from yiwang.common.validators import validate_mobile, validate_plain_text
from yiwang.notifications.services import notify
from yiwang.org.models import Applicant, Department, User
from yiwang.org.selectors import data_scope_for, department_bureau
from yiwang.workdays.models import Clock, PauseKind
from yiwang.workdays.selectors import add_working_days, working_days_between
from yiwang.workdays.services import (
    clock_extend,
    clock_pause,
    clock_resume,
    clock_start,
    clock_stop,
)

SUBJECT_TYPE = "appeals.ticket"
ATTACHMENT_KINDS = frozenset({"pdf", "jpeg", "png", "docx", "xlsx"})

ACTION_LABELS = {
    "register": "受理登记",
    "attach": "上传附件",
    "overdue": "已超期",
}


def _today() -> dt.date:
    return timezone.localdate()


def _label(user: User | None) -> str:
    if user is None:
        return "系统"
    staff = getattr(user, "staff", None)
    if staff is not None:
        return str(staff.full_name)
    applicant = getattr(user, "applicant", None)
    return str(applicant.name) if applicant is not None else user.get_username()


def _text(
    text: str | None, label: str, *, field: str = "reason", required: bool = True, limit: int = 0
) -> str:
    """Staff- or citizen-typed text: trimmed, required unless told, bounded, plain."""
    text = (text or "").strip()
    limit = limit or TEXT_MAX
    if required and not text:
        raise ValidationError({field: f"请填写{label}。"})
    if len(text) > limit:
        raise ValidationError({field: f"{label}不能超过 {limit} 个字。"})
    try:
        validate_plain_text(text, label)
    except ValidationError as exc:
        raise ValidationError({field: exc.messages}) from None
    return text


def lock_ticket(ticket: Ticket) -> Ticket:
    """The ticket row, locked for this transaction (only the ticket, not the departments it
    joins). For the services of this app and appeals.dispatch (merge)."""
    return (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("lead_department", "centre", "applicant__user", "handling_clock")
        .get(pk=ticket.pk)
    )


class Writes:
    """How the ticket services read the rows they lock and write what a step changes: at once
    (NOW, every service), or into a bulk path's batch of new tickets (appeals.bulk.NewTickets),
    which keeps the rows in memory and inserts them together. The rules are the same code
    either way."""

    def lock(self, ticket: Ticket) -> Ticket:
        return lock_ticket(ticket)

    def add_ticket(self, ticket: Ticket) -> None:
        """Save the new ticket, then give it its number (from its id)."""
        try:
            with transaction.atomic():
                ticket.save()
        except IntegrityError:  # the same external number registered at the same moment
            raise _duplicate(ticket.external_number) from None
        ticket.number = ticket_number(ticket)
        ticket.save(update_fields=["number"])

    def registered(self, source: str, external_number: str) -> bool:
        """Whether a ticket of `source` has the external number already."""
        return Ticket.objects.filter(source=source, external_number=external_number).exists()

    def insert(self, row: Any) -> None:
        row.save()

    def update(self, row: Any, fields: list[str]) -> None:
        row.save(update_fields=fields)

    def notify(self, **message: Any) -> Any:
        return notify(**message)

    def clock_start(self, **clock: Any) -> Clock:
        return clock_start(**clock)

    def clock_stop(self, clock: Clock, on: dt.date, actor: User | None) -> None:
        clock_stop(clock=clock, on=on, actor=actor)

    def limits(self, *, source: str, kind: str, urgent: bool) -> Limits:
        return limits_for(source=source, kind=kind, urgent=urgent)

    def part(
        self,
        ticket: Ticket,
        *,
        department: Department | None = None,
        role: str = "",
        live: bool = True,
    ) -> TicketAssignment | None:
        """The ticket's assignment in its current round (of `department`, in `role`), locked:
        a live one, or (live False) one neither cancelled nor sent back."""
        rows = TicketAssignment.objects.select_for_update().filter(
            ticket=ticket, round=ticket.dispatch_count
        )
        if department is not None:
            rows = rows.filter(department=department)
        if role:
            rows = rows.filter(role=role)
        if live:
            rows = rows.filter(status__in=LIVE_ASSIGNMENT_STATUSES)
        else:
            rows = rows.exclude(status__in=[AssignmentStatus.CANCELLED, AssignmentStatus.SENT_BACK])
        return rows.first()

    def cancel_parts(self, ticket: Ticket) -> None:
        """Cancel the live assignments of the ticket's current round."""
        TicketAssignment.objects.filter(
            ticket=ticket, round=ticket.dispatch_count, status__in=LIVE_ASSIGNMENT_STATUSES
        ).update(status=AssignmentStatus.CANCELLED)

    def handling_staff(self, department: Department | int) -> list[User]:
        return selectors.handling_staff(department)

    def dispatch_staff(self, centre_id: int) -> list[User]:
        return selectors.dispatch_staff(centre_id)


NOW = Writes()


def ticket_number(ticket: Ticket) -> str:
    """工单编号: GD, the day of registration, the id."""
    return f"GD{ticket.registered_on:%Y%m%d}{ticket.pk:06d}"


def _duplicate(external_number: str) -> ValidationError:
    return ValidationError(
        {"external_number": f"来源编号 {external_number} 的工单已登记，不能重复登记。"},
        code="duplicate",
    )


def record_event(
    ticket: Ticket,
    action: str,
    actor: User | None,
    *,
    from_status: str,
    note: str = "",
    department: Department | None = None,
    public: bool = True,
) -> TicketEvent:
    """A line of the ticket's history (labels from the machine, else ACTION_LABELS)."""
    row = event_row(
        ticket,
        action,
        actor,
        from_status=from_status,
        note=note,
        department=department,
        public=public,
    )
    row.save()
    return row


def event_row(
    ticket: Ticket,
    action: str,
    actor: User | None,
    *,
    from_status: str,
    note: str = "",
    department: Department | None = None,
    public: bool = True,
) -> TicketEvent:
    """record_event's line, unsaved."""
    transition = TICKET.transitions.get(action)
    label = transition.label if transition else ACTION_LABELS.get(action, action)
    return TicketEvent(
        ticket=ticket,
        actor=actor,
        actor_label=_label(actor),
        department=department,
        action=action,
        label=label,
        from_status=from_status,
        to_status=ticket.status,
        note=note,
        public=public,
    )


def _fire(
    ticket: Ticket,
    name: str,
    actor: User | None,
    *,
    note: str = "",
    fields: Iterable[str] = (),
    audit: dict[str, Any] | None = None,
    department: Department | None = None,
    public: bool = True,
    w: Writes = NOW,
) -> Ticket:
    """Apply transition `name` to the locked ticket (whose other changes the caller made):
    status (unless the transition works in place), save, history line, audit event."""
    before = ticket.status
    if name not in IN_PLACE:
        ticket.status = TICKET.transitions[name].target
    w.update(ticket, ["status", "updated_at", *fields])
    w.insert(
        event_row(
            ticket,
            name,
            actor,
            from_status=before,
            note=note,
            department=department,
            public=public,
        )
    )
    audit_change(
        action=f"appeals.{name}",
        obj=ticket,
        before={"status": before},
        after={"status": ticket.status, **(audit or {})},
        actor=actor,
        reason=note[:500],
    )
    return ticket


def _check(ticket: Ticket, name: str, actor: User | None) -> None:
    TICKET.check(name, ticket.status, actor)


def _applicant_message(ticket: Ticket, kind: str, text: str, *, w: Writes = NOW) -> None:
    """Tell the applicant (his site messages when he has an account, SMS to his phone)."""
    user = ticket.applicant.user if ticket.applicant_id and ticket.applicant else None
    w.notify(
        kind=kind,
        text=f"您的诉求 {ticket.number}（{ticket.title}）{text}",
        recipients=[user] if user is not None else [],
        phone=ticket.applicant_phone or "",
        subject=ticket,
    )


def _department_message(
    ticket: Ticket,
    kind: str,
    text: str,
    departments: Iterable[Department | int | None],
    *,
    w: Writes = NOW,
) -> None:
    users: list[User] = []
    for department in departments:
        if department is not None:
            users.extend(w.handling_staff(department))
    if users:
        w.notify(
            kind=kind, text=f"诉求工单 {ticket.number}（{ticket.title}）{text}", recipients=users
        )


def _bureau_message(ticket: Ticket, kind: str, text: str, *, w: Writes = NOW) -> None:
    users = w.dispatch_staff(ticket.centre_id)
    if users:
        w.notify(
            kind=kind, text=f"诉求工单 {ticket.number}（{ticket.title}）{text}", recipients=users
        )


def _actor_department(actor: User | None) -> Department | None:
    staff = getattr(actor, "staff", None) if actor is not None else None
    return staff.department if staff is not None else None


def _part_for(
    ticket: Ticket,
    actor: User | None,
    department: Department | None,
    *,
    during: str = "",
    w: Writes = NOW,
) -> TicketAssignment:
    """The live assignment of `department` (default: the actor's) in the ticket's current
    round, locked. Staff act only for their own department (a superuser or the system for
    any). `during`: a transition checked first, so that a ticket no longer in a department's
    hands is refused for its state (409), not as someone else's."""
    if during:
        _check(ticket, during, actor)
    own = _actor_department(actor)
    if department is None:
        department = own
    if department is None:
        raise ValidationError({"department": "请指明部门。"})
    if actor is not None and not actor.is_superuser and (own is None or own.pk != department.pk):
        raise PermissionDenied("只能办理本部门的工单。")
    part = w.part(ticket, department=department)
    if part is None:
        raise PermissionDenied(f"该工单未交办给{department.name}。")
    return part


def _stop_clock(ticket: Ticket, on: dt.date, actor: User | None, *, w: Writes = NOW) -> None:
    clock = ticket.handling_clock
    if clock is not None and clock.stopped_on is None:
        w.clock_stop(clock, max(on, clock.started_on), actor)


def _start_clock(ticket: Ticket, on: dt.date, actor: User | None, *, w: Writes = NOW) -> Clock:
    limits = w.limits(source=ticket.source, kind=ticket.kind, urgent=ticket.urgent)
    clock = w.clock_start(
        subject_type=SUBJECT_TYPE,
        subject_id=ticket.pk,
        started_on=on,
        limit_days=limits.handling_days,
        actor=actor,
    )
    ticket.handling_clock = clock
    ticket.deadline = clock.deadline
    ticket.paused = False
    return clock


# --- Registration and classification --------------------------------------------------------


def _clean_kind(kind: str, *, required: bool) -> str:
    kind = (kind or "").strip()
    if not kind and not required:
        return ""
    if kind not in TicketKind.values:
        raise ValidationError({"kind": "请选择诉求类别（咨询、求助、投诉、举报、建议或表扬）。"})
    return kind


def _clean_coordinate(value: Any, name: str, label: str, bound: int) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value)).quantize(Decimal("0.000001"))
    except ArithmeticError:
        raise ValidationError({name: f"{label}应为数字。"}) from None
    if not -bound <= number <= bound:
        raise ValidationError({name: f"{label}应在 -{bound} 至 {bound} 之间。"})
    return number


@transaction.atomic
def ticket_register(
    *,
    actor: User | None,
    source: str,
    title: str,
    content: str,
    kind: str = "",
    urgent: bool = False,
    applicant_name: str = "",
    applicant_phone: str = "",
    anonymous: bool = False,
    applicant: Applicant | None = None,
    address: str = "",
    latitude: Any = None,
    longitude: Any = None,
    external_number: str = "",
    registered_at: dt.datetime | None = None,
    centre: Department | None = None,
    attachments: Sequence[tuple[str, IO[bytes] | bytes]] = (),
    tell_applicant: bool = True,
) -> Ticket:
    """Register (受理登记) a ticket from any source. Staff need appeals.register_ticket; a
    signed-in citizen registers his own (source portal, `applicant` is his); the system
    (actor None: imports, Open311) may register anything. With a kind the ticket is classified
    at once (待派单), else it waits for the bureau to classify it (待分类). `external_number` is
    the source's own number: a second ticket with the same one is refused. `attachments` are
    (file name, content) pairs, checked like the case materials. `tell_applicant`: send him
    the acknowledgement (not for imports: the hotline has told him)."""
    return _register(
        actor=actor,
        source=source,
        title=title,
        content=content,
        kind=kind,
        urgent=urgent,
        applicant_name=applicant_name,
        applicant_phone=applicant_phone,
        anonymous=anonymous,
        applicant=applicant,
        address=address,
        latitude=latitude,
        longitude=longitude,
        external_number=external_number,
        registered_at=registered_at,
        centre=centre,
        attachments=attachments,
        tell_applicant=tell_applicant,
        w=NOW,
    )


def _register(
    *,
    actor: User | None,
    source: str,
    title: str,
    content: str,
    kind: str = "",
    urgent: bool = False,
    applicant_name: str = "",
    applicant_phone: str = "",
    anonymous: bool = False,
    applicant: Applicant | None = None,
    address: str = "",
    latitude: Any = None,
    longitude: Any = None,
    external_number: str = "",
    registered_at: dt.datetime | None = None,
    centre: Department | None = None,
    attachments: Sequence[tuple[str, IO[bytes] | bytes]] = (),
    tell_applicant: bool = True,
    w: Writes,
) -> Ticket:
    if source not in TicketSource.values:
        raise ValidationError({"source": "诉求来源不正确。"})
    if actor is not None and not actor.has_perm(REGISTER):
        own = getattr(actor, "applicant", None)
        if source != TicketSource.PORTAL or own is None:
            raise PermissionDenied("您的角色不能登记诉求。")
        if applicant is not None and applicant.pk != own.pk:
            raise PermissionDenied("只能以本人名义提交诉求。")
        applicant = own
    kind = _clean_kind(kind, required=False)
    title = _text(title, "标题", field="title", limit=TITLE_MAX)
    content = _text(content, "诉求内容", field="content", limit=CONTENT_MAX)
    name = _text(applicant_name, "诉求人姓名", field="applicant_name", required=False, limit=64)
    phone = (applicant_phone or "").strip()
    if applicant is not None:
        name = name or applicant.name
        if not phone and applicant.phone:
            phone = applicant.phone.reveal()  # type: ignore[attr-defined]
    if phone:
        try:
            phone = validate_mobile(phone, "联系电话")
        except ValidationError as exc:
            raise ValidationError({"applicant_phone": exc.messages}) from None
    if not anonymous and not name:
        raise ValidationError({"applicant_name": "请填写诉求人姓名，或选择匿名。"})
    external_number = _text(
        external_number, "来源编号", field="external_number", required=False, limit=64
    )
    if external_number and w.registered(source, external_number):
        raise _duplicate(external_number)
    centre = centre or department_bureau()
    if centre is None:
        raise ValidationError({"centre": "尚未设置数据资源管理局（受理单位）。"})
    now = timezone.now()
    limits = w.limits(source=source, kind=kind, urgent=urgent)
    registered_on = timezone.localdate(registered_at) if registered_at else _today()
    ticket = Ticket(
        number=uuid.uuid4().hex,  # unique placeholder until the row has its id
        source=source,
        external_number=external_number,
        kind=kind,
        urgent=bool(urgent),
        title=title,
        content=content,
        anonymous=bool(anonymous),
        applicant_name=name,
        applicant_phone=phone,
        applicant=applicant,
        address=_text(address, "地点", field="address", required=False, limit=200),
        latitude=_clean_coordinate(latitude, "latitude", "纬度", 90),
        longitude=_clean_coordinate(longitude, "longitude", "经度", 180),
        status=TicketStatus.PENDING_DISPATCH if kind else TicketStatus.REGISTERED,
        centre=centre,
        created_by=actor,
        registered_at=registered_at or now,
        registered_on=registered_on,
    )
    if limits.feedback_days is not None:
        ticket.feedback_deadline = add_working_days(registered_on, limits.feedback_days).date
    w.add_ticket(ticket)
    note = TicketSource(source).label + (f" · {TicketKind(kind).label}" if kind else "")
    w.insert(event_row(ticket, "register", actor, from_status="", note=note))
    audit_change(
        action="appeals.register",
        obj=ticket,
        after={"source": source, "kind": kind, "status": ticket.status},
        actor=actor,
    )
    for file_name, data in attachments:
        _attach(ticket, actor, data, file_name)
    if tell_applicant and (ticket.applicant_id or phone):
        _applicant_message(ticket, "ticket.registered", "已受理，我们将尽快办理。", w=w)
    return ticket


@transaction.atomic
def ticket_classify(
    *,
    ticket: Ticket,
    actor: User | None,
    kind: str,
    urgent: bool | None = None,
    note: str = "",
) -> Ticket:
    """Confirm or change the kind (and the urgent flag) before the ticket is dispatched."""
    ticket = lock_ticket(ticket)
    _check(ticket, "classify", actor)
    kind = _clean_kind(kind, required=True)
    note = _text(note, "说明", required=False)
    ticket.kind = kind
    if urgent is not None:
        ticket.urgent = bool(urgent)
    label = TicketKind(kind).label + (" · 紧急" if ticket.urgent else "")
    return _fire(
        ticket,
        "classify",
        actor,
        note=f"{label}{'；' + note if note else ''}",
        fields=["kind", "urgent"],
        audit={"kind": kind, "urgent": ticket.urgent},
    )


# --- Dispatch, sign for, send back ---------------------------------------------------------


@transaction.atomic
def ticket_dispatch(
    *,
    ticket: Ticket,
    actor: User | None,
    lead: Department,
    assisting: Sequence[Department] = (),
    instruction: str = "",
) -> Ticket:
    """Dispatch (派单/交办) to a lead department and assisting departments: a new round of
    assignments, each with its sign-for deadline; the handling clock starts on the day (each
    round starts its own: a department re-dispatched to gets the whole limit). From 已退单 it
    is the re-dispatch after a send-back; from 待签收 / 办理中 the bureau takes the ticket from
    the departments holding it (their parts are cancelled)."""
    return _dispatch(
        ticket=ticket, actor=actor, lead=lead, assisting=assisting, instruction=instruction, w=NOW
    )


def _dispatch(
    *,
    ticket: Ticket,
    actor: User | None,
    lead: Department,
    assisting: Sequence[Department],
    instruction: str,
    w: Writes,
) -> Ticket:
    ticket = w.lock(ticket)
    name = "redispatch" if ticket.status in TICKET.sources_of("redispatch") else "dispatch"
    _check(ticket, name, actor)
    if not ticket.kind:
        raise ValidationError({"kind": "请先确定诉求类别再派单。"})
    others = [d for d in dict.fromkeys(assisting) if d.pk != lead.pk]
    if actor is not None:
        scope = data_scope_for(actor)
        outside = [d.name for d in (lead, *others) if not scope.contains(d)]
        if outside:
            raise ValidationError({"lead": f"{'、'.join(outside)}不在您的数据范围内，不能派单。"})
    instruction = _text(instruction, "交办意见", field="instruction", required=False)
    today = _today()
    now = timezone.now()
    if name == "redispatch":
        w.cancel_parts(ticket)
    _stop_clock(ticket, today, actor, w=w)
    limits = w.limits(source=ticket.source, kind=ticket.kind, urgent=ticket.urgent)
    sign_deadline = add_working_days(today, limits.sign_for_days).date
    ticket.dispatch_count += 1
    for department, role in [(lead, AssignmentRole.LEAD)] + [
        (d, AssignmentRole.ASSIST) for d in others
    ]:
        w.insert(
            TicketAssignment(
                ticket=ticket,
                department=department,
                role=role,
                round=ticket.dispatch_count,
                instruction=instruction,
                dispatched_at=now,
                dispatched_by=actor,
                sign_deadline=sign_deadline,
            )
        )
    ticket.lead_department = lead
    ticket.sign_deadline = sign_deadline
    ticket.first_dispatched_on = ticket.first_dispatched_on or today
    _start_clock(ticket, today, actor, w=w)
    names = "、".join([lead.name, *[d.name for d in others]])
    _fire(
        ticket,
        name,
        actor,
        note=f"主办：{lead.name}"
        + (f"；协办：{'、'.join(d.name for d in others)}" if others else ""),
        fields=[
            "dispatch_count",
            "lead_department",
            "sign_deadline",
            "first_dispatched_on",
            "handling_clock",
            "deadline",
            "paused",
        ],
        audit={
            "lead": lead.name,
            "assisting": [d.name for d in others],
            "round": ticket.dispatch_count,
        },
        department=lead,
        w=w,
    )
    _department_message(
        ticket,
        "ticket.dispatched",
        f"已交办贵单位（{names}），请于 {sign_deadline.isoformat()} 前签收，"
        f"{ticket.deadline.isoformat() if ticket.deadline else ''} 前办结。",
        [lead, *others],
        w=w,
    )
    return ticket


@transaction.atomic
def ticket_sign_for(
    *, ticket: Ticket, actor: User | None, department: Department | None = None
) -> TicketAssignment:
    """Sign for (签收) the department's part. The lead's signature moves the ticket to 办理中;
    an assisting department's signs for its part only. Late signatures are recorded as late
    (按时签收率)."""
    return _sign_for(ticket=ticket, actor=actor, department=department, w=NOW)


def _sign_for(
    *, ticket: Ticket, actor: User | None, department: Department | None, w: Writes
) -> TicketAssignment:
    ticket = w.lock(ticket)
    part = _part_for(ticket, actor, department, during="sign_for_part", w=w)
    lead = part.role == AssignmentRole.LEAD
    _check(ticket, "sign_for" if lead else "sign_for_part", actor)
    if part.status != AssignmentStatus.PENDING:
        raise ValidationError(f"{part.department.name}已签收该工单。", code="illegal_transition")
    now = timezone.now()
    part.status = AssignmentStatus.SIGNED
    part.signed_at = now
    part.signed_by = actor
    part.signed_on_time = _today() <= part.sign_deadline
    w.update(part, ["status", "signed_at", "signed_by", "signed_on_time"])
    _fire(
        ticket,
        "sign_for" if lead else "sign_for_part",
        actor,
        note=part.department.name,
        department=part.department,
        w=w,
    )
    return part


@transaction.atomic
def ticket_send_back(
    *,
    ticket: Ticket,
    actor: User | None,
    reason: str,
    department: Department | None = None,
) -> TicketAssignment:
    """Send back (退单) with a reason, before signing and within the sign-for limit. The lead's
    send-back returns the whole ticket to the bureau for re-dispatch (the round's parts are
    cancelled, the clock stops); an assisting department's returns its part only."""
    return _send_back(ticket=ticket, actor=actor, reason=reason, department=department, w=NOW)


def _send_back(
    *,
    ticket: Ticket,
    actor: User | None,
    reason: str,
    department: Department | None,
    w: Writes,
) -> TicketAssignment:
    ticket = w.lock(ticket)
    part = _part_for(ticket, actor, department, during="send_back_part", w=w)
    lead = part.role == AssignmentRole.LEAD
    _check(ticket, "send_back" if lead else "send_back_part", actor)
    reason = _text(reason, "退单理由")
    if part.status != AssignmentStatus.PENDING:
        raise ValidationError("已签收的工单不能退单。", code="illegal_transition")
    today = _today()
    if today > part.sign_deadline:
        raise ValidationError(
            f"已超过签收时限（{part.sign_deadline.isoformat()}），不能退单，请签收办理或申请协调。"
        )
    part.status = AssignmentStatus.SENT_BACK
    part.sent_back_at = timezone.now()
    part.send_back_reason = reason
    w.update(part, ["status", "sent_back_at", "send_back_reason"])
    fields = []
    if lead:
        w.cancel_parts(ticket)
        _stop_clock(ticket, today, actor, w=w)
        ticket.send_back_count += 1
        ticket.lead_department = None
        ticket.sign_deadline = None
        ticket.deadline = None
        fields = ["send_back_count", "lead_department", "sign_deadline", "deadline"]
    _fire(
        ticket,
        "send_back" if lead else "send_back_part",
        actor,
        note=f"{part.department.name}：{reason}",
        fields=fields,
        department=part.department,
        public=False,
        w=w,
    )
    _bureau_message(ticket, "ticket.sent_back", f"被{part.department.name}退回：{reason}", w=w)
    return part


# --- Handling -------------------------------------------------------------------------------


def _lead_actor_check(ticket: Ticket, actor: User | None, *, w: Writes = NOW) -> TicketAssignment:
    part = _part_for(ticket, actor, None if actor is not None else ticket.lead_department, w=w)
    if part.role != AssignmentRole.LEAD:
        raise PermissionDenied("只有主办部门可以办理此项。")
    return part


@transaction.atomic
def ticket_handle(
    *, ticket: Ticket, actor: User | None, note: str, feedback: bool = False
) -> Ticket:
    """Record handling progress (办理情况). With `feedback` it is told to the applicant as well
    and, the first time, counts as the first feedback (涉企: within the feedback limit)."""
    ticket = lock_ticket(ticket)
    _check(ticket, "handle", actor)
    part = _lead_actor_check(ticket, actor)
    note = _text(note, "办理情况", field="note")
    fields = []
    if feedback and ticket.first_feedback_at is None:
        ticket.first_feedback_at = timezone.now()
        fields.append("first_feedback_at")
    _fire(
        ticket,
        "handle",
        actor,
        note=note,
        fields=fields,
        department=part.department,
        public=feedback,
    )
    if feedback:
        _applicant_message(ticket, "ticket.feedback", f"办理进展：{note}")
    return ticket


@transaction.atomic
def ticket_pause(*, ticket: Ticket, actor: User | None, reason: str) -> Ticket:
    """Pause the handling clock while waiting on the applicant (补充材料、约定时间 …): the days
    do not count until it is resumed (workdays pauses)."""
    ticket = lock_ticket(ticket)
    _check(ticket, "pause", actor)
    part = _lead_actor_check(ticket, actor)
    reason = _text(reason, "暂停理由")
    if ticket.paused or ticket.handling_clock is None:
        raise ValidationError("计时已暂停。", code="illegal_transition")
    clock_pause(
        clock=ticket.handling_clock,
        on=_today(),
        reason=reason[:500],
        kind=PauseKind.ON_HOLD,
        actor=actor,
    )
    ticket.paused = True
    _fire(ticket, "pause", actor, note=reason, fields=["paused"], department=part.department)
    _applicant_message(ticket, "ticket.paused", f"需要您配合：{reason}")
    return ticket


@transaction.atomic
def ticket_resume(*, ticket: Ticket, actor: User | None, note: str = "") -> Ticket:
    """Resume the handling clock; the deadline moves by the working days paused."""
    ticket = lock_ticket(ticket)
    _check(ticket, "resume", actor)
    part = _lead_actor_check(ticket, actor)
    note = _text(note, "说明", required=False)
    if not ticket.paused or ticket.handling_clock is None:
        raise ValidationError("计时未暂停。", code="illegal_transition")
    clock = clock_resume(clock=ticket.handling_clock, on=_today(), actor=actor)
    ticket.paused = False
    ticket.deadline = clock.deadline
    _fire(
        ticket,
        "resume",
        actor,
        note=note or f"办理期限 {clock.deadline.isoformat()}",
        fields=["paused", "deadline"],
        department=part.department,
    )
    return ticket


@transaction.atomic
def ticket_reply_part(
    *, ticket: Ticket, actor: User | None, reply: str, department: Department | None = None
) -> TicketAssignment:
    """An assisting department's answer for its part (协办反馈) to the lead department."""
    ticket = lock_ticket(ticket)
    part = _part_for(ticket, actor, department, during="reply_part")
    if part.role != AssignmentRole.ASSIST:
        raise ValidationError("主办部门请直接答复诉求人。")
    _check(ticket, "reply_part", actor)
    if part.status != AssignmentStatus.SIGNED:
        raise ValidationError("请先签收再反馈。", code="illegal_transition")
    part.reply = _text(reply, "反馈内容", field="reply")
    part.status = AssignmentStatus.REPLIED
    part.replied_at = timezone.now()
    part.replied_by = actor
    part.save(update_fields=["reply", "status", "replied_at", "replied_by"])
    _fire(ticket, "reply_part", actor, note=part.reply, department=part.department, public=False)
    _department_message(
        ticket,
        "ticket.assist_replied",
        f"协办部门{part.department.name}已反馈。",
        [ticket.lead_department],
    )
    return part


@transaction.atomic
def ticket_reply(*, ticket: Ticket, actor: User | None, reply: str) -> Ticket:
    """The lead department answers the applicant (答复); the clock stops and the answer counts
    as on time when given by the deadline. The ticket waits for the follow-up."""
    return _reply(ticket=ticket, actor=actor, reply=reply, w=NOW)


def _reply(*, ticket: Ticket, actor: User | None, reply: str, w: Writes) -> Ticket:
    ticket = w.lock(ticket)
    _check(ticket, "reply", actor)
    part = _lead_actor_check(ticket, actor, w=w)
    reply = _text(reply, "答复内容", field="reply")
    now = timezone.now()
    today = _today()
    if ticket.paused and ticket.handling_clock is not None:
        clock = clock_resume(clock=ticket.handling_clock, on=today, actor=actor)
        ticket.deadline = clock.deadline
        ticket.paused = False
    _stop_clock(ticket, today, actor, w=w)
    part.status = AssignmentStatus.REPLIED
    part.reply = reply
    part.replied_at = now
    part.replied_by = actor
    w.update(part, ["status", "reply", "replied_at", "replied_by"])
    ticket.reply = reply
    ticket.replied_at = now
    ticket.replied_on = today
    ticket.replied_by = actor
    ticket.replied_on_time = ticket.deadline is None or today <= ticket.deadline
    if ticket.first_feedback_at is None:
        ticket.first_feedback_at = now
    _fire(
        ticket,
        "reply",
        actor,
        note=reply,
        fields=[
            "reply",
            "replied_at",
            "replied_on",
            "replied_by",
            "replied_on_time",
            "first_feedback_at",
            "paused",
            "deadline",
        ],
        department=part.department,
        w=w,
    )
    _applicant_message(ticket, "ticket.replied", f"已答复：{reply}", w=w)
    return ticket


# --- Follow-up, redo, close -------------------------------------------------------------------


def _may_follow_up(ticket: Ticket, actor: User | None) -> bool:
    if actor is None or actor.has_perm(FOLLOW_UP):
        return True
    own = getattr(actor, "applicant", None)
    return own is not None and ticket.applicant_id == own.pk


@transaction.atomic
def ticket_follow_up(
    *, ticket: Ticket, actor: User | None, satisfaction: str, note: str = ""
) -> Ticket:
    """The follow-up (回访): the bureau's call, or the applicant rating the reply on 我的诉求.
    不满意 re-opens the ticket for redo (重办) by the same lead department at once."""
    return _follow_up(ticket=ticket, actor=actor, satisfaction=satisfaction, note=note, w=NOW)


def _follow_up(
    *, ticket: Ticket, actor: User | None, satisfaction: str, note: str, w: Writes
) -> Ticket:
    ticket = w.lock(ticket)
    _check(ticket, "follow_up", actor)
    if not _may_follow_up(ticket, actor):
        raise PermissionDenied("只能评价本人的诉求。")
    if satisfaction not in Satisfaction.values:
        raise ValidationError(
            {"satisfaction": "请选择满意度（满意、基本满意、不满意或无法联系）。"}
        )
    note = _text(note, "回访情况", field="note", required=False)
    ticket.satisfaction = satisfaction
    ticket.follow_up_note = note
    ticket.followed_up_at = timezone.now()
    label = Satisfaction(satisfaction).label
    _fire(
        ticket,
        "follow_up",
        actor,
        note=f"{label}{'；' + note if note else ''}",
        fields=["satisfaction", "follow_up_note", "followed_up_at"],
        audit={"satisfaction": satisfaction},
        w=w,
    )
    if satisfaction == Satisfaction.DISSATISFIED:
        _redo(
            ticket,
            None if actor is not None and not actor.has_perm(FOLLOW_UP) else actor,
            reason=f"回访不满意{'：' + note if note else ''}",
            w=w,
        )
    return ticket


def _redo(ticket: Ticket, actor: User | None, *, reason: str, w: Writes = NOW) -> Ticket:
    """Re-open the locked ticket for redo: the lead's part back to 已签收, a new clock."""
    _check(ticket, "redo", actor)
    part = w.part(ticket, role=AssignmentRole.LEAD, live=False)
    if part is None:
        raise ValidationError("该工单没有主办部门，不能重办。")
    part.status = AssignmentStatus.SIGNED
    w.update(part, ["status"])
    ticket.redo_count += 1
    ticket.reminded_for = None
    ticket.supervised_for = None
    _start_clock(ticket, _today(), actor, w=w)
    _fire(
        ticket,
        "redo",
        actor,
        note=reason,
        fields=[
            "redo_count",
            "reminded_for",
            "supervised_for",
            "handling_clock",
            "deadline",
            "paused",
        ],
        department=part.department,
        w=w,
    )
    _department_message(
        ticket,
        "ticket.redo",
        f"需重办（{reason}），请于 {ticket.deadline.isoformat() if ticket.deadline else ''} "
        "前重新答复。",
        [part.department],
        w=w,
    )
    return ticket


@transaction.atomic
def ticket_redo(*, ticket: Ticket, actor: User | None, reason: str) -> Ticket:
    """Send an answered ticket back to its lead department for redo (重办), with a reason."""
    ticket = lock_ticket(ticket)
    reason = _text(reason, "重办理由")
    return _redo(ticket, actor, reason=reason)


@transaction.atomic
def ticket_close(*, ticket: Ticket, actor: User | None, note: str = "") -> Ticket:
    """Close (办结) an answered ticket — after the follow-up, or without one (a reason is then
    required, e.g. 匿名无法回访)."""
    return _close(ticket=ticket, actor=actor, note=note, w=NOW)


def _close(*, ticket: Ticket, actor: User | None, note: str, w: Writes) -> Ticket:
    ticket = w.lock(ticket)
    _check(ticket, "close", actor)
    required = ticket.status == TicketStatus.REPLIED
    note = _text(note, "未回访的原因" if required else "办结说明", field="note", required=required)
    now = timezone.now()
    ticket.closed_at = now
    ticket.closed_on = _today()
    ticket.close_note = note
    return _fire(
        ticket, "close", actor, note=note, fields=["closed_at", "closed_on", "close_note"], w=w
    )


# --- Reminders, supervision, extensions -----------------------------------------------------


def _remind(
    ticket: Ticket, actor: User | None, name: str, note: str, *, due: dt.date | None = None
) -> Ticket:
    """Record a reminder or supervision notice for `due` (default: the handling deadline) and
    tell the lead department."""
    fields = (
        ["remind_count", "reminded_for"]
        if name == "remind"
        else [
            "supervise_count",
            "supervised_for",
        ]
    )
    if name == "remind":
        ticket.remind_count += 1
        ticket.reminded_for = due or ticket.deadline
    else:
        ticket.supervise_count += 1
        ticket.supervised_for = due or ticket.deadline
    _fire(
        ticket,
        name,
        actor,
        note=note,
        fields=fields,
        department=ticket.lead_department,
        public=False,
    )
    label = "催办" if name == "remind" else "督办"
    _department_message(ticket, f"ticket.{name}", f"{label}：{note}", [ticket.lead_department])
    return ticket


@transaction.atomic
def ticket_remind(*, ticket: Ticket, actor: User | None, note: str = "") -> Ticket:
    """Remind (催办) the lead department; the sweep does it the day after a missed deadline."""
    ticket = lock_ticket(ticket)
    _check(ticket, "remind", actor)
    note = _text(note, "催办意见", field="note", required=False) or "请抓紧办理。"
    return _remind(ticket, actor, "remind", note)


@transaction.atomic
def ticket_supervise(*, ticket: Ticket, actor: User | None, note: str = "") -> Ticket:
    """Supervise (督办): a formal notice to the lead department (and its administrators); the
    sweep issues one after the further working days of YIWANG_APPEAL_SUPERVISE_AFTER_DAYS."""
    ticket = lock_ticket(ticket)
    _check(ticket, "supervise", actor)
    note = _text(note, "督办意见", field="note", required=False) or "已超期，请限期办结并说明原因。"
    return _remind(ticket, actor, "supervise", note)


@transaction.atomic
def ticket_extension_request(
    *, ticket: Ticket, actor: User | None, days: int, reason: str
) -> TicketExtension:
    """The lead department asks for more working days, before the deadline; one request open
    at a time. The bureau decides (ticket_extension_decide)."""
    ticket = lock_ticket(ticket)
    _check(ticket, "request_extension", actor)
    part = _lead_actor_check(ticket, actor)
    reason = _text(reason, "延期理由")
    if not isinstance(days, int) or not 1 <= days <= MAX_EXTENSION_DAYS:
        raise ValidationError({"days": f"延期天数应为 1 至 {MAX_EXTENSION_DAYS} 个工作日。"})
    if ticket.deadline is None or _today() > ticket.deadline:
        raise ValidationError("已超过办理期限，不能再申请延期。")
    if ticket.extensions.filter(status=ExtensionStatus.PENDING).exists():
        raise ValidationError("已有待审核的延期申请。", code="illegal_transition")
    extension = TicketExtension.objects.create(
        ticket=ticket,
        department=part.department,
        days=days,
        reason=reason,
        deadline_before=ticket.deadline,
        requested_by=actor,
    )
    _fire(
        ticket,
        "request_extension",
        actor,
        note=f"{days} 个工作日：{reason}",
        department=part.department,
        public=False,
    )
    _bureau_message(ticket, "ticket.extension_requested", f"申请延期 {days} 个工作日：{reason}")
    return extension


@transaction.atomic
def ticket_extension_decide(
    *, extension: TicketExtension, actor: User | None, approve: bool, note: str = ""
) -> TicketExtension:
    """The bureau approves (the clock gets the days) or refuses (with a reason) a request."""
    ticket = lock_ticket(extension.ticket)
    extension = TicketExtension.objects.select_for_update().get(pk=extension.pk)
    _check(ticket, "decide_extension", actor)
    if extension.status != ExtensionStatus.PENDING:
        raise ValidationError("该延期申请已审核。", code="illegal_transition")
    note = _text(
        note, "不予延期的理由" if not approve else "审核意见", field="note", required=not approve
    )
    extension.status = ExtensionStatus.APPROVED if approve else ExtensionStatus.REFUSED
    extension.decided_by = actor
    extension.decided_at = timezone.now()
    extension.decision_note = note
    fields = []
    if approve and ticket.handling_clock is not None:
        clock = clock_extend(
            clock=ticket.handling_clock, days=extension.days, reason=extension.reason, actor=actor
        )
        ticket.deadline = clock.deadline
        ticket.extended_days += extension.days
        extension.deadline_after = clock.deadline
        fields = ["deadline", "extended_days"]
    extension.save(
        update_fields=["status", "decided_by", "decided_at", "decision_note", "deadline_after"]
    )
    verdict = "批准" if approve else "不予批准"
    _fire(
        ticket,
        "decide_extension",
        actor,
        note=f"{verdict}延期 {extension.days} 个工作日" + (f"；{note}" if note else ""),
        fields=fields,
        department=extension.department,
        public=False,
    )
    _department_message(
        ticket,
        "ticket.extension_decided",
        f"延期申请{verdict}"
        + (f"，办理期限 {ticket.deadline.isoformat()}" if approve and ticket.deadline else ""),
        [extension.department],
    )
    return extension


# --- Attachments ------------------------------------------------------------------------------


def _attachment_data(file: IO[bytes] | bytes, file_name: str) -> tuple[bytes, str]:
    from yiwang.cases.fields import upload_max_bytes  # the same limit as case materials

    limit = upload_max_bytes()
    data = file[: limit + 1] if isinstance(file, bytes) else file.read(limit + 1)
    if len(data) > limit:
        raise ValidationError(
            {"file": f"文件超过 {limit // (1024 * 1024)} MB 的上限，请压缩后再上传。"}
        )
    try:
        kind = uploads.inspect(data)
    except uploads.UploadRejected as exc:
        raise ValidationError({"file": f"文件“{file_name}”{exc.reason}。"}) from None
    if kind not in ATTACHMENT_KINDS:
        raise ValidationError(
            {
                "file": f"文件“{file_name}”是{uploads.KINDS[kind].label}，"
                "请上传 PDF、JPEG、PNG、docx 或 xlsx。"
            }
        )
    return data, kind


def _attach(
    ticket: Ticket, actor: User | None, file: IO[bytes] | bytes, file_name: str
) -> TicketAttachment:
    file_name = _text(file_name, "文件名", field="file", limit=200)
    data, kind = _attachment_data(file, file_name)
    row = TicketAttachment(
        ticket=ticket,
        file_name=file_name,
        content_type=uploads.content_type_for(kind),
        size=len(data),
        digest=sm3_hex(data),
        uploaded_by=actor,
    )
    count = ticket.attachments.count() + 1
    row.file.save(
        f"{ticket.number}-{count}.{uploads.KINDS[kind].extension}", ContentFile(data), save=False
    )
    row.save()
    record_event(ticket, "attach", actor, from_status=ticket.status, note=file_name)
    audit_change(action="appeals.attach", obj=ticket, after={"file": file_name}, actor=actor)
    return row


@transaction.atomic
def ticket_attach(
    *, ticket: Ticket, actor: User | None, file: IO[bytes] | bytes, file_name: str
) -> TicketAttachment:
    """Attach a file (PDF, JPEG, PNG, docx, xlsx, checked by content, size-limited) to an open
    ticket."""
    ticket = lock_ticket(ticket)
    if ticket.status in (TicketStatus.CLOSED, TicketStatus.MERGED):
        raise ValidationError("工单已办结，不能再上传附件。", code="illegal_transition")
    return _attach(ticket, actor, file, file_name)


# --- Limits -----------------------------------------------------------------------------------


@transaction.atomic
def sla_limit_set(
    *,
    actor: User | None,
    source: str,
    kind: str,
    sign_for_days: int,
    handling_days: int,
    feedback_days: int | None = None,
    note: str = "",
) -> SlaLimit:
    """Set the limits for a source and kind ("" = any): the bureau's table. Tickets dispatched
    from now on use it; running clocks keep the limit they started with."""
    if actor is not None and not actor.has_perm(MANAGE_SLA):
        raise PermissionDenied("您的角色不能设置诉求办理时限。")
    if source and source not in TicketSource.values:
        raise ValidationError({"source": "诉求来源不正确。"})
    if kind and kind not in TicketKind.values:
        raise ValidationError({"kind": "诉求类别不正确。"})
    for name, value, label in (
        ("sign_for_days", sign_for_days, "签收时限"),
        ("handling_days", handling_days, "办理时限"),
        ("feedback_days", feedback_days, "首次反馈时限"),
    ):
        if value is None and name == "feedback_days":
            continue
        if not isinstance(value, int) or not 0 <= value <= 365:
            raise ValidationError({name: f"{label}应为 0 至 365 个工作日。"})
    note = _text(note, "说明", field="note", required=False, limit=200)
    row = SlaLimit.objects.select_for_update().filter(source=source, kind=kind).first()
    before = (
        {
            "sign_for_days": row.sign_for_days,
            "handling_days": row.handling_days,
            "feedback_days": row.feedback_days,
        }
        if row
        else None
    )
    if row is None:
        row = SlaLimit(source=source, kind=kind)
    row.sign_for_days = sign_for_days
    row.handling_days = handling_days
    row.feedback_days = feedback_days
    row.note = note
    row.updated_by = actor
    row.save()
    audit_change(
        action="appeals.sla_limit_set",
        obj=row,
        before=before,
        after={
            "sign_for_days": sign_for_days,
            "handling_days": handling_days,
            "feedback_days": feedback_days,
        },
        actor=actor,
    )
    return row


# --- The sweep --------------------------------------------------------------------------------


@dataclass
class SweepReport:
    overdue: list[str] = field(default_factory=list)
    reminded: list[str] = field(default_factory=list)
    supervised: list[str] = field(default_factory=list)


def appeals_sweep(*, today: dt.date | None = None) -> SweepReport:
    """The periodic sweep: tickets held by a department (unpaused) past their deadline are
    marked overdue; reminded (催办) once per deadline when YIWANG_APPEAL_REMIND_AFTER_DAYS
    working days have passed it (1: the next working day); supervised (督办) once per deadline
    after YIWANG_APPEAL_SUPERVISE_AFTER_DAYS further working days. A ticket still unsigned past
    its sign-for deadline (its handling deadline not yet passed) is reminded to sign for once;
    an enterprise ticket without its first feedback past the feedback deadline, once too.
    Each ticket in its own transaction, locked and re-checked, so a sweep racing a reply
    changes nothing twice."""
    today = today or _today()
    report = SweepReport()
    remind_after = remind_after_days()
    supervise_after = remind_after + supervise_after_days()
    held = TICKET.sources_of("remind")
    candidates = Ticket.objects.filter(status__in=held, paused=False).filter(
        Q(deadline__lt=today)
        | Q(status=TicketStatus.DISPATCHED, sign_deadline__lt=today)
        | Q(feedback_deadline__lt=today, first_feedback_at__isnull=True)
    )
    for pk in list(candidates.order_by("deadline", "pk").values_list("pk", flat=True)):
        with transaction.atomic():
            ticket = lock_ticket(Ticket(pk=pk))
            if ticket.paused or ticket.deadline is None or ticket.status not in held:
                continue
            if ticket.deadline >= today:
                _remind_sign_for(ticket, today, remind_after, report)
                _remind_feedback(ticket, today, remind_after, report)
                continue
            if not ticket.ever_overdue:
                ticket.ever_overdue = True
                ticket.save(update_fields=["ever_overdue", "updated_at"])
                record_event(ticket, "overdue", None, from_status=ticket.status, public=False)
                report.overdue.append(ticket.number)
            late = working_days_between(ticket.deadline, today).days
            if late >= remind_after and ticket.reminded_for != ticket.deadline:
                _remind(
                    ticket,
                    None,
                    "remind",
                    f"已超过办理期限 {ticket.deadline.isoformat()}，请抓紧办理。",
                )
                report.reminded.append(ticket.number)
            if late >= supervise_after and ticket.supervised_for != ticket.deadline:
                _remind(
                    ticket,
                    None,
                    "supervise",
                    f"超过办理期限 {ticket.deadline.isoformat()} 已 {late} 个工作日，"
                    "请限期办结并说明原因。",
                )
                report.supervised.append(ticket.number)
    return report


def _remind_sign_for(
    ticket: Ticket, today: dt.date, remind_after: int, report: SweepReport
) -> None:
    """Remind the lead to sign for a ticket unsigned past its sign-for deadline (once per
    sign-for deadline: reminded_for holds it until the handling deadline is reminded)."""
    due = ticket.sign_deadline
    if ticket.status != TicketStatus.DISPATCHED or due is None or due >= today:
        return
    if working_days_between(due, today).days < remind_after or ticket.reminded_for == due:
        return
    _remind(ticket, None, "remind", f"已超过签收期限 {due.isoformat()}，请尽快签收。", due=due)
    report.reminded.append(ticket.number)


def _remind_feedback(
    ticket: Ticket, today: dt.date, remind_after: int, report: SweepReport
) -> None:
    """Remind the lead of an enterprise ticket signed for but not yet given its first feedback
    past the feedback deadline ("3 个工作日内向企业反馈"), once. The deadlines come in order
    (sign-for ≤ first feedback ≤ handling), so a reminder already sent for this one or a later
    one (reminded_for) means nothing more to say."""
    due = ticket.feedback_deadline
    if due is None or ticket.first_feedback_at is not None or due >= today:
        return
    if ticket.status == TicketStatus.DISPATCHED:
        return  # the sign-for reminder speaks first
    if working_days_between(due, today).days < remind_after:
        return
    if ticket.reminded_for is not None and ticket.reminded_for >= due:
        return
    _remind(
        ticket,
        None,
        "remind",
        f"已超过首次反馈期限 {due.isoformat()}，请尽快向企业反馈办理进展。",
        due=due,
    )
    report.reminded.append(ticket.number)
