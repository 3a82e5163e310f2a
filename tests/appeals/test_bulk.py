"""The bulk path of new tickets (appeals.bulk.NewTickets): the same plan through the services one
call at a time and through the bulk path leaves the same tickets, assignments, history, clocks,
messages and audit events (ids aside); an invalid step is refused with the services' error and
the batch writes nothing."""

from __future__ import annotations

import datetime as dt
import re
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from freezegun import freeze_time

from tests.appeals.conftest import PHONE, TicketWorld
from yiwang.appeals import services as s
from yiwang.appeals.bulk import NewTickets
from yiwang.appeals.models import Ticket, TicketAssignment, TicketEvent
from yiwang.audit.models import AuditEvent
from yiwang.audit.services import audit_batch, audit_verify
from yiwang.notifications.models import Message
from yiwang.workdays.models import Clock

MOMENT = dt.datetime(2026, 3, 10, 9, 30, tzinfo=dt.UTC)

SERVICES = SimpleNamespace(
    register=s.ticket_register,
    dispatch=s.ticket_dispatch,
    send_back=s.ticket_send_back,
    sign_for=s.ticket_sign_for,
    reply=s.ticket_reply,
    follow_up=s.ticket_follow_up,
    close=s.ticket_close,
)


def _plan(tw: TicketWorld, ops: Any, frozen: Any, n: int) -> list[Ticket]:
    """A hotline ticket sent to the wrong department (with an assisting one), sent back (the
    assisting part cancelled), re-dispatched with an assisting department, answered, found
    unsatisfying (redo), answered again (late) and closed; a portal ticket of a signed-in
    citizen answered and closed without a follow-up; an Open311 report (the system registers
    it) dispatched and signed for, still open."""
    frozen.move_to(MOMENT)
    hotline = ops.register(
        actor=tw.clerk.user,
        source="hotline",
        kind="complaint",
        title="超市销售过期食品",
        content="城关镇人民路某超市销售过期牛奶，要求查处。",
        applicant_name="王五",
        applicant_phone=PHONE,
        external_number=f"12345-{n}",
    )
    ops.dispatch(
        ticket=hotline,
        actor=tw.dispatcher.user,
        lead=tw.housing,
        assisting=[tw.market],
        instruction="请核实",
    )
    frozen.tick(dt.timedelta(hours=1))
    ops.send_back(ticket=hotline, actor=tw.housing_handler.user, reason="属市场监管职责。")
    frozen.tick(dt.timedelta(hours=1))
    ops.dispatch(ticket=hotline, actor=tw.dispatcher.user, lead=tw.market, assisting=[tw.housing])
    frozen.tick(dt.timedelta(days=1))
    ops.sign_for(ticket=hotline, actor=tw.market_handler.user)
    ops.sign_for(ticket=hotline, actor=tw.housing_handler.user, department=tw.housing)
    frozen.tick(dt.timedelta(days=2))
    ops.reply(ticket=hotline, actor=tw.market_handler.user, reply="已责令下架并立案调查。")
    frozen.tick(dt.timedelta(days=1))
    ops.follow_up(
        ticket=hotline, actor=tw.clerk.user, satisfaction="dissatisfied", note="没有回复处罚结果"
    )
    frozen.tick(dt.timedelta(days=30))
    ops.reply(ticket=hotline, actor=tw.market_handler.user, reply="已作出行政处罚。")
    ops.follow_up(ticket=hotline, actor=tw.clerk.user, satisfaction="satisfied")
    ops.close(ticket=hotline, actor=tw.clerk.user, note="回访满意。")

    frozen.move_to(MOMENT + dt.timedelta(hours=2))
    citizen = tw.citizen
    portal = ops.register(
        actor=citizen.user,
        applicant=citizen,
        source="portal",
        kind="consult",
        title="食品经营许可证办理",
        content="开小吃店需要办理哪些证？",
    )
    ops.dispatch(ticket=portal, actor=tw.dispatcher.user, lead=tw.market)
    ops.sign_for(ticket=portal, actor=tw.market_handler.user)
    ops.reply(ticket=portal, actor=tw.market_handler.user, reply="请在政务服务网申请。")
    ops.close(ticket=portal, actor=tw.clerk.user, note="咨询类，已答复。")

    report = ops.register(
        actor=None,
        source="open311",
        kind="report",
        title="路边摊占道经营",
        content="菜市场门口有人占道经营。",
        anonymous=True,
        tell_applicant=False,
    )
    ops.dispatch(ticket=report, actor=None, lead=tw.market)
    ops.sign_for(ticket=report, actor=tw.market_handler.user)
    return [hotline, portal, report]


def _last_sequence() -> int:
    last = AuditEvent.objects.order_by("-sequence").first()
    return last.sequence if last else 0


def _records(tickets: list[Ticket], since: int) -> dict[str, Any]:
    """What the tickets left, their ids and numbers replaced by their place."""
    pks = [t.pk for t in tickets]
    rows = list(Ticket.objects.filter(pk__in=pks).order_by("pk"))
    names = {str(t.pk): f"<ticket {n}>" for n, t in enumerate(rows)}
    numbers = {t.number: f"<number {n}>" for n, t in enumerate(rows)}
    clocks = list(
        Clock.objects.filter(subject_type=s.SUBJECT_TYPE, subject_id__in=names).order_by(
            "subject_id", "id"
        )
    )
    clock_names = {str(c.pk): f"<clock {n}>" for n, c in enumerate(clocks)}

    def plain(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [plain(v) for v in value]
        if isinstance(value, str):
            for number, name in numbers.items():
                value = value.replace(number, name)
        return value

    def ident(value: Any) -> str:
        return names.get(str(value), str(value))

    def object_id(kind: str, value: str) -> str:
        if kind == "appeals.ticket":
            return ident(value)
        return clock_names.get(value, value) if kind == "workdays.clock" else f"<{kind}>"

    skip = {"id", "number"}
    tickets_out = []
    for ticket in rows:
        row = {f.attname: getattr(ticket, f.attname) for f in Ticket._meta.concrete_fields}
        row["handling_clock_id"] = clock_names.get(str(row["handling_clock_id"]))
        tickets_out.append({k: plain(str(v)) for k, v in row.items() if k not in skip})
    parts = [
        [ident(p[0]), *[str(v) for v in p[1:]]]
        for p in TicketAssignment.objects.filter(ticket__in=pks)
        .order_by("ticket_id", "id")
        .values_list(
            "ticket_id",
            "department_id",
            "role",
            "round",
            "status",
            "instruction",
            "dispatched_at",
            "dispatched_by_id",
            "sign_deadline",
            "signed_at",
            "signed_on_time",
            "signed_by_id",
            "sent_back_at",
            "send_back_reason",
            "reply",
            "replied_at",
            "replied_by_id",
        )
    ]
    events = [
        plain([ident(e[0]), *e[1:]])
        for e in TicketEvent.objects.filter(ticket__in=pks)
        .order_by("ticket_id", "id")
        .values_list(
            "ticket_id",
            "action",
            "label",
            "from_status",
            "to_status",
            "note",
            "actor_id",
            "actor_label",
            "department_id",
            "public",
            "at",
        )
    ]
    clock_rows = [
        [ident(c[0]), *[str(v) for v in c[1:]]]
        for c in Clock.objects.filter(pk__in=[c.pk for c in clocks])
        .order_by("subject_id", "id")
        .values_list(
            "subject_id",
            "started_on",
            "limit_days",
            "start_rule",
            "deadline",
            "deadline_rule",
            "warnings",
            "stopped_on",
            "created_at",
        )
    ]
    messages = sorted(
        plain([ident(m[0]), *[str(v) for v in m[1:]]])
        for m in Message.objects.filter(
            subject_type="appeals.ticket", subject_id__in=names
        ).values_list(
            "subject_id",
            "channel",
            "recipient_id",
            "phone_hash",
            "kind",
            "text",
            "status",
            "next_attempt_at",
            "created_at",
            "sent_at",
        )
    )
    audit = [
        plain([*e[:5], object_id(e[4], e[5]), e[6]])
        for e in AuditEvent.objects.filter(sequence__gt=since)
        .order_by("sequence")
        .values_list(
            "occurred_at", "kind", "actor_id", "action", "object_type", "object_id", "changes"
        )
    ]
    return {
        "tickets": tickets_out,
        "parts": parts,
        "events": events,
        "clocks": clock_rows,
        "messages": messages,
        "audit": audit,
    }


def _staff_messages(since: int) -> list[tuple[Any, ...]]:
    """The staff's messages (they name no subject) written since, numbers aside."""
    return sorted(
        (m[0], m[1], re.sub(r"GD\d+", "<number>", m[2]), str(m[3]))
        for m in Message.objects.filter(pk__gt=since, subject_type="").values_list(
            "recipient_id", "kind", "text", "created_at"
        )
    )


def _last_message() -> int:
    last = Message.objects.order_by("-pk").first()
    return last.pk if last else 0


def test_bulk_tickets_leave_what_the_services_leave(tw):
    with freeze_time(MOMENT) as frozen:
        since, first_message = _last_sequence(), _last_message()
        with transaction.atomic():
            one_by_one = _plan(tw, SERVICES, frozen, 1)
        by_services = _records(one_by_one, since)
        staff_by_services = _staff_messages(first_message)

        since, first_message = _last_sequence(), _last_message()
        with transaction.atomic(), audit_batch():
            bulk = NewTickets()
            made = _plan(tw, bulk, frozen, 2)
            assert bulk.flush() == made
        by_bulk = _records(made, since)
        staff_by_bulk = _staff_messages(first_message)

    statuses = [row["status"] for row in by_services["tickets"]]
    assert statuses == ["closed", "closed", "handling"]
    hotline = by_services["tickets"][0]
    assert (hotline["redo_count"], hotline["send_back_count"], hotline["dispatch_count"]) == (
        "1",
        "1",
        "2",
    )
    assert hotline["replied_on_time"] == "False"  # the redo's answer came after its deadline
    assert [p[4] for p in by_services["parts"][:4]] == [
        "sent_back",
        "cancelled",
        "replied",
        "signed",
    ]
    assert len(by_services["clocks"]) == 5  # hotline: 2 dispatches and the redo
    kinds = {m[4] for m in by_services["messages"]}
    assert {"ticket.registered", "ticket.replied"} <= kinds
    assert {m[1] for m in staff_by_services} >= {"ticket.dispatched", "ticket.sent_back"}
    # External numbers differ by plan (each is unique per source): compare them aside.
    assert by_bulk["tickets"][0].pop("external_number") == "12345-2"
    assert by_services["tickets"][0].pop("external_number") == "12345-1"
    assert [a[3] for a in by_bulk["audit"]] == [a[3] for a in by_services["audit"]]
    assert by_bulk == by_services
    assert staff_by_bulk == staff_by_services
    assert audit_verify().ok


@freeze_time(MOMENT)
def test_an_invalid_step_is_refused_and_nothing_is_written(tw):
    s.ticket_register(
        actor=tw.clerk.user,
        source="hotline",
        kind="complaint",
        title="已登记",
        content="已经登记的工单。",
        applicant_name="王五",
        external_number="12345-9",
    )
    counts = (
        Ticket.objects.count(),
        TicketEvent.objects.count(),
        TicketAssignment.objects.count(),
        Clock.objects.count(),
        Message.objects.count(),
        _last_sequence(),
    )

    def hotline(bulk: NewTickets, number: str = "") -> Ticket:
        return bulk.register(
            actor=tw.clerk.user,
            source="hotline",
            kind="complaint",
            title="超市销售过期食品",
            content="城关镇人民路某超市销售过期牛奶。",
            applicant_name="王五",
            applicant_phone=PHONE,
            external_number=number,
        )

    def refused(error: type[Exception], step: Any) -> Exception:
        with pytest.raises(error) as caught, transaction.atomic(), audit_batch():
            bulk = NewTickets()
            step(bulk)
            bulk.flush()
        return caught.value

    # The same external number: already registered, or twice in the batch.
    assert "不能重复登记" in str(refused(ValidationError, lambda b: hotline(b, "12345-9")))
    assert "不能重复登记" in str(
        refused(ValidationError, lambda b: [hotline(b, "12345-8"), hotline(b, "12345-8")])
    )

    def bad_phone(bulk: NewTickets) -> None:
        bulk.register(
            actor=tw.clerk.user,
            source="hotline",
            title="标题",
            content="内容",
            applicant_name="王五",
            applicant_phone="12345",
        )

    assert "applicant_phone" in refused(ValidationError, bad_phone).message_dict  # type: ignore[attr-defined]

    def stranger(bulk: NewTickets) -> None:  # a citizen registering for someone else
        bulk.register(actor=tw.citizen.user, source="hotline", title="标题", content="内容")

    refused(PermissionDenied, stranger)

    def reply_unsigned(bulk: NewTickets) -> None:
        ticket = hotline(bulk)
        bulk.dispatch(ticket=ticket, actor=tw.dispatcher.user, lead=tw.market)
        bulk.reply(ticket=ticket, actor=tw.market_handler.user, reply="答复")

    assert "不能答复" in str(refused(ValidationError, reply_unsigned))

    def other_department(bulk: NewTickets) -> None:
        ticket = hotline(bulk)
        bulk.dispatch(ticket=ticket, actor=tw.dispatcher.user, lead=tw.market)
        bulk.sign_for(ticket=ticket, actor=tw.housing_handler.user)

    assert "未交办给" in str(refused(PermissionDenied, other_department))

    def late_send_back(bulk: NewTickets) -> None:
        ticket = hotline(bulk)
        bulk.dispatch(ticket=ticket, actor=tw.dispatcher.user, lead=tw.market)
        with freeze_time(MOMENT + dt.timedelta(days=30)):
            bulk.send_back(ticket=ticket, actor=tw.market_handler.user, reason="不属本部门。")

    assert "已超过签收时限" in str(refused(ValidationError, late_send_back))

    def close_without_reason(bulk: NewTickets) -> None:
        ticket = hotline(bulk)
        bulk.dispatch(ticket=ticket, actor=tw.dispatcher.user, lead=tw.market)
        bulk.sign_for(ticket=ticket, actor=tw.market_handler.user)
        bulk.reply(ticket=ticket, actor=tw.market_handler.user, reply="已处理。")
        bulk.close(ticket=ticket, actor=tw.clerk.user)  # not followed up: a reason is needed

    assert "未回访的原因" in str(refused(ValidationError, close_without_reason))

    def someone_elses(bulk: NewTickets) -> None:  # the citizen rating another's ticket
        ticket = hotline(bulk)
        bulk.dispatch(ticket=ticket, actor=tw.dispatcher.user, lead=tw.market)
        bulk.sign_for(ticket=ticket, actor=tw.market_handler.user)
        bulk.reply(ticket=ticket, actor=tw.market_handler.user, reply="已处理。")
        bulk.follow_up(ticket=ticket, actor=tw.citizen.user, satisfaction="satisfied")

    refused(PermissionDenied, someone_elses)

    # A ticket of another batch, and attachments: the services.
    old = Ticket.objects.get(external_number="12345-9")
    refused(ValueError, lambda b: b.dispatch(ticket=old, actor=tw.dispatcher.user, lead=tw.market))
    refused(
        ValueError,
        lambda b: b.register(
            actor=tw.clerk.user,
            source="hotline",
            title="标题",
            content="内容",
            applicant_name="王五",
            attachments=[("a.pdf", b"%PDF-1.4")],
        ),
    )
    assert (
        Ticket.objects.count(),
        TicketEvent.objects.count(),
        TicketAssignment.objects.count(),
        Clock.objects.count(),
        Message.objects.count(),
        _last_sequence(),
    ) == counts
    assert audit_verify().ok


@freeze_time(MOMENT)
def test_a_ticket_of_the_batch_goes_on_through_the_services(tw):
    with transaction.atomic(), audit_batch():
        bulk = NewTickets()
        ticket = bulk.register(
            actor=tw.clerk.user,
            source="hotline",
            kind="complaint",
            title="超市销售过期食品",
            content="城关镇人民路某超市销售过期牛奶。",
            applicant_name="王五",
        )
        bulk.dispatch(ticket=ticket, actor=tw.dispatcher.user, lead=tw.housing)
        (ticket,) = bulk.flush()
    assert Ticket.objects.get(pk=ticket.pk).number == f"GD20260310{ticket.pk:06d}"
    # The services find the written rows: the part to send back, the clock to stop.
    s.ticket_send_back(ticket=ticket, actor=tw.housing_handler.user, reason="属市场监管职责。")
    ticket = s.ticket_dispatch(ticket=ticket, actor=tw.dispatcher.user, lead=tw.market)
    s.ticket_sign_for(ticket=ticket, actor=tw.market_handler.user)
    ticket.refresh_from_db()
    assert (ticket.status, ticket.dispatch_count, ticket.send_back_count) == ("handling", 2, 1)
    stopped = Clock.objects.filter(subject_type=s.SUBJECT_TYPE, subject_id=str(ticket.pk))
    assert [c.stopped_on for c in stopped.order_by("pk")] == [MOMENT.date(), None]
    # After the flush the batch has no ticket left: the services take the later steps.
    with pytest.raises(ValueError), transaction.atomic():
        bulk.reply(ticket=ticket, actor=tw.market_handler.user, reply="已处理。")
    assert audit_verify().ok
