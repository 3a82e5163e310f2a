"""The ticket flow through the services: register → classify → dispatch → sign for / send back
→ re-dispatch → handle → reply → follow up → close; redo after a dissatisfied follow-up;
assisting departments; permissions and the refusals a page shows."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from tests.appeals.conftest import PHONE, TicketWorld
from tests.common import files
from yiwang.appeals import selectors as sel
from yiwang.appeals import services as s
from yiwang.appeals.fields import AssignmentRole, AssignmentStatus, TicketStatus
from yiwang.appeals.models import Ticket, TicketAssignment
from yiwang.audit.models import AuditEvent
from yiwang.common.personal import personal_hash
from yiwang.notifications.models import Message

MONDAY = dt.date(2026, 11, 2)


@pytest.fixture(autouse=True)
def _monday(monkeypatch):
    monkeypatch.setattr("yiwang.appeals.services._today", lambda: MONDAY)


def test_register_classified_ticket_numbers_it_and_masks_the_caller(tw: TicketWorld):
    ticket = tw.hotline(external_number="A2026110200001")
    assert ticket.status == TicketStatus.PENDING_DISPATCH
    assert ticket.number == f"GD20261102{ticket.pk:06d}"
    assert ticket.centre == tw.bureau
    assert str(ticket.applicant_phone) == "138****5678".replace("5678", PHONE[-4:])
    assert ticket.applicant_phone_hash == personal_hash("phone", PHONE)
    # stored encrypted: the raw column holds neither the phone nor the name
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT applicant_phone, applicant_name FROM appeals_ticket WHERE id = %s", [ticket.pk]
        )
        raw = cursor.fetchone()
    assert PHONE not in raw[0] and "王五" not in raw[1]
    assert Ticket.objects.get(pk=ticket.pk).applicant_name == "王五"
    assert [e.action for e in ticket.events.all()] == ["register"]
    assert AuditEvent.objects.filter(action="appeals.register", object_id=str(ticket.pk)).exists()
    assert Message.objects.filter(subject_id=str(ticket.pk), kind="ticket.registered").exists()


def test_register_refusals_name_the_field(tw: TicketWorld):
    with pytest.raises(ValidationError) as exc:
        tw.hotline(title="  ")
    assert exc.value.message_dict == {"title": ["请填写标题。"]}
    with pytest.raises(ValidationError) as exc:
        tw.hotline(applicant_name="", anonymous=False)
    assert "applicant_name" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        tw.hotline(applicant_phone="12345")
    assert "applicant_phone" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        tw.hotline(kind="gossip")
    assert "kind" in exc.value.message_dict
    tw.hotline(external_number="X1")
    with pytest.raises(ValidationError) as exc:
        tw.hotline(external_number="X1")
    assert "已登记" in exc.value.message_dict["external_number"][0]
    # the same number from another source is another ticket
    tw.hotline(external_number="X1", source="website")


def test_a_citizen_registers_only_his_own_portal_ticket(tw: TicketWorld):
    user = tw.citizen.user
    ticket = s.ticket_register(
        actor=user, source="portal", title="路灯不亮", content="人民路路灯坏了一周。"
    )
    assert ticket.applicant == tw.citizen and ticket.applicant_name == "张三"
    assert ticket.status == TicketStatus.REGISTERED  # the bureau classifies it
    assert list(sel.tickets_of_citizen(user=user)) == [ticket]
    with pytest.raises(PermissionDenied):
        s.ticket_register(actor=user, source="hotline", title="x", content="y")


def test_classify_then_dispatch_starts_the_clocks(tw: TicketWorld):
    ticket = s.ticket_register(
        actor=tw.clerk.user,
        source="website",
        title="咨询",
        content="怎么办营业执照？",
        applicant_name="李",
    )
    with pytest.raises(ValidationError) as exc:
        s.ticket_dispatch(ticket=ticket, actor=tw.dispatcher.user, lead=tw.market)
    assert exc.value.code == "illegal_transition"
    s.ticket_classify(ticket=ticket, actor=tw.clerk.user, kind="consult")
    ticket = s.ticket_dispatch(ticket=ticket, actor=tw.dispatcher.user, lead=tw.market)
    assert ticket.status == TicketStatus.DISPATCHED
    assert ticket.sign_deadline == dt.date(2026, 11, 3)  # 1 working day
    assert ticket.deadline == dt.date(2026, 11, 5)  # consultation: 3 working days
    assert ticket.lead_department == tw.market
    assert Message.objects.filter(
        recipient=tw.market_handler.user, kind="ticket.dispatched"
    ).exists()


def test_urgent_ticket_is_due_the_same_day(tw: TicketWorld):
    ticket = tw.dispatched(urgent=True)
    assert ticket.sign_deadline == MONDAY and ticket.deadline == MONDAY


def test_send_back_and_redispatch(tw: TicketWorld):
    ticket = tw.dispatched()
    with pytest.raises(ValidationError) as exc:
        s.ticket_send_back(ticket=ticket, actor=tw.market_handler.user, reason=" ")
    assert exc.value.message_dict == {"reason": ["请填写退单理由。"]}
    # another department cannot send back what is not its own
    with pytest.raises(PermissionDenied):
        s.ticket_send_back(ticket=ticket, actor=tw.housing_handler.user, reason="不归我们")
    s.ticket_send_back(ticket=ticket, actor=tw.market_handler.user, reason="属住建部门职责")
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.SENT_BACK
    assert ticket.send_back_count == 1 and ticket.lead_department is None
    assert ticket.handling_clock.stopped_on == MONDAY
    assert Message.objects.filter(recipient=tw.dispatcher.user, kind="ticket.sent_back").exists()
    assert list(sel.desk_sent_back(user=tw.dispatcher.user)) == [ticket]
    # a department sees what it sent back (history), but no longer in its queue
    assert ticket in sel.tickets_for(user=tw.market_handler.user)
    assert ticket not in sel.department_queue(user=tw.market_handler.user)

    ticket = s.ticket_dispatch(ticket=ticket, actor=tw.dispatcher.user, lead=tw.housing)
    assert ticket.status == TicketStatus.DISPATCHED and ticket.dispatch_count == 2
    assert list(sel.department_queue(user=tw.housing_handler.user)) == [ticket]
    parts = {(p.round, p.department.name, p.status) for p in ticket.assignments.all()}
    assert parts == {
        (1, "县市场监督管理局", AssignmentStatus.SENT_BACK),
        (2, "县住房和城乡建设局", AssignmentStatus.PENDING),
    }
    # the old department can no longer act on it
    with pytest.raises(PermissionDenied):
        s.ticket_sign_for(ticket=ticket, actor=tw.market_handler.user)
    s.ticket_sign_for(ticket=ticket, actor=tw.housing_handler.user)
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.HANDLING


def test_send_back_only_within_the_sign_for_limit(tw: TicketWorld, monkeypatch):
    ticket = tw.dispatched()
    monkeypatch.setattr("yiwang.appeals.services._today", lambda: dt.date(2026, 11, 4))
    with pytest.raises(ValidationError, match="已超过签收时限"):
        s.ticket_send_back(ticket=ticket, actor=tw.market_handler.user, reason="不归我们")
    part = s.ticket_sign_for(ticket=ticket, actor=tw.market_handler.user)
    assert part.signed_on_time is False
    with pytest.raises(ValidationError, match="不能退单"):
        s.ticket_send_back(ticket=ticket, actor=tw.market_handler.user, reason="不归我们")


def test_full_flow_to_closing(tw: TicketWorld):
    ticket = tw.signed()
    assert ticket.status == TicketStatus.HANDLING
    s.ticket_handle(ticket=ticket, actor=tw.market_handler.user, note="已现场检查", feedback=True)
    ticket = s.ticket_reply(ticket=ticket, actor=tw.market_handler.user, reply="已立案查处，罚款。")
    assert ticket.status == TicketStatus.REPLIED and ticket.replied_on_time is True
    assert ticket.handling_clock.stopped_on == MONDAY
    ticket = s.ticket_follow_up(ticket=ticket, actor=tw.clerk.user, satisfaction="satisfied")
    assert ticket.status == TicketStatus.FOLLOWED_UP
    ticket = s.ticket_close(ticket=ticket, actor=tw.clerk.user)
    assert ticket.status == TicketStatus.CLOSED and ticket.closed_on == MONDAY
    actions = [e.action for e in ticket.events.all()]
    assert actions == ["register", "dispatch", "sign_for", "handle", "reply", "follow_up", "close"]
    public = [e.action for e in sel.ticket_timeline(ticket, public_only=True)]
    assert "handle" in public  # told to the applicant as feedback
    with pytest.raises(ValidationError) as exc:
        s.ticket_reply(ticket=ticket, actor=tw.market_handler.user, reply="again")
    assert exc.value.code == "illegal_transition"


def test_dissatisfied_follow_up_reopens_for_redo(tw: TicketWorld):
    ticket = tw.signed()
    s.ticket_reply(ticket=ticket, actor=tw.market_handler.user, reply="已处理")
    first_clock = Ticket.objects.get(pk=ticket.pk).handling_clock_id
    ticket = s.ticket_follow_up(
        ticket=ticket, actor=tw.clerk.user, satisfaction="dissatisfied", note="超市仍在卖"
    )
    assert ticket.status == TicketStatus.HANDLING
    assert ticket.redo_count == 1 and ticket.satisfaction == "dissatisfied"
    assert ticket.handling_clock_id != first_clock  # a new limit for the redo
    lead = ticket.assignments.get(role=AssignmentRole.LEAD)
    assert lead.status == AssignmentStatus.SIGNED
    assert Message.objects.filter(recipient=tw.market_handler.user, kind="ticket.redo").exists()
    ticket = s.ticket_reply(ticket=ticket, actor=tw.market_handler.user, reply="已查封")
    ticket = s.ticket_follow_up(ticket=ticket, actor=tw.clerk.user, satisfaction="basic")
    assert ticket.status == TicketStatus.FOLLOWED_UP and ticket.redo_count == 1


def test_the_citizen_rates_his_own_reply(tw: TicketWorld):
    user = tw.citizen.user
    ticket = s.ticket_register(actor=user, source="portal", title="噪音", content="工地夜间施工。")
    s.ticket_classify(ticket=ticket, actor=tw.clerk.user, kind="complaint")
    s.ticket_dispatch(ticket=ticket, actor=tw.dispatcher.user, lead=tw.housing)
    s.ticket_sign_for(ticket=ticket, actor=tw.housing_handler.user)
    s.ticket_reply(ticket=ticket, actor=tw.housing_handler.user, reply="已责令停工。")
    other = tw.signed()
    s.ticket_reply(ticket=other, actor=tw.market_handler.user, reply="r")
    with pytest.raises(PermissionDenied):  # not his ticket
        s.ticket_follow_up(ticket=other, actor=user, satisfaction="satisfied")
    ticket = s.ticket_follow_up(ticket=ticket, actor=user, satisfaction="satisfied", note="谢谢")
    assert ticket.status == TicketStatus.FOLLOWED_UP


def test_close_without_follow_up_needs_a_reason(tw: TicketWorld):
    ticket = tw.signed(anonymous=True, applicant_name="")
    s.ticket_reply(ticket=ticket, actor=tw.market_handler.user, reply="已处理")
    with pytest.raises(ValidationError) as exc:
        s.ticket_close(ticket=ticket, actor=tw.clerk.user)
    assert exc.value.message_dict == {"note": ["请填写未回访的原因。"]}
    ticket = s.ticket_close(ticket=ticket, actor=tw.clerk.user, note="匿名来电，无法回访")
    assert ticket.status == TicketStatus.CLOSED


def test_assisting_department_signs_and_answers_its_part(tw: TicketWorld):
    ticket = tw.hotline()
    ticket = s.ticket_dispatch(
        ticket=ticket,
        actor=tw.dispatcher.user,
        lead=tw.market,
        assisting=[tw.housing, tw.market],  # the lead is not its own assistant
        instruction="请联合检查",
    )
    parts = list(sel.ticket_live_parts(ticket))
    assert [(p.department, p.role) for p in parts] == [
        (tw.housing, AssignmentRole.ASSIST),
        (tw.market, AssignmentRole.LEAD),
    ] or [(p.department, p.role) for p in parts] == [
        (tw.market, AssignmentRole.LEAD),
        (tw.housing, AssignmentRole.ASSIST),
    ]
    s.ticket_sign_for(ticket=ticket, actor=tw.housing_handler.user)
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.DISPATCHED  # only the lead's signature moves it
    with pytest.raises(ValidationError, match="请直接答复"):
        s.ticket_reply_part(ticket=ticket, actor=tw.market_handler.user, reply="x")
    s.ticket_sign_for(ticket=ticket, actor=tw.market_handler.user)
    s.ticket_reply_part(ticket=ticket, actor=tw.housing_handler.user, reply="已配合检查")
    part = TicketAssignment.objects.get(ticket=ticket, department=tw.housing)
    assert part.status == AssignmentStatus.REPLIED and part.reply == "已配合检查"
    # an assistant cannot answer the applicant
    with pytest.raises(PermissionDenied):
        s.ticket_reply(ticket=ticket, actor=tw.housing_handler.user, reply="x")


def test_roles_gate_the_transitions(tw: TicketWorld):
    ticket = tw.hotline()
    with pytest.raises(PermissionDenied):
        s.ticket_dispatch(ticket=ticket, actor=tw.market_handler.user, lead=tw.market)
    ticket = s.ticket_dispatch(ticket=ticket, actor=tw.dispatcher.user, lead=tw.market)
    with pytest.raises(PermissionDenied):
        s.ticket_sign_for(ticket=ticket, actor=tw.citizen.user, department=tw.market)
    with pytest.raises(PermissionDenied):
        s.ticket_remind(ticket=ticket, actor=tw.market_handler.user)
    s.ticket_remind(ticket=ticket, actor=tw.dispatcher.user, note="请尽快签收")
    ticket.refresh_from_db()
    assert ticket.remind_count == 1


def test_scope_out_of_scope_is_404(tw: TicketWorld):
    from django.http import Http404

    ticket = tw.dispatched()
    assert sel.ticket_get_for(user=tw.market_handler.user, pk=ticket.pk) == ticket
    assert sel.ticket_get_for(user=tw.dispatcher.user, pk=ticket.pk) == ticket
    for pk in (ticket.pk, "abc", 2**64):
        with pytest.raises(Http404):
            sel.ticket_get_for(user=tw.housing_handler.user, pk=pk)
    with pytest.raises(Http404):
        sel.ticket_get_for(user=tw.citizen.user, pk=ticket.pk)


def test_redispatch_from_the_department_cancels_its_part(tw: TicketWorld):
    ticket = tw.signed()
    ticket = s.ticket_dispatch(ticket=ticket, actor=tw.dispatcher.user, lead=tw.housing)
    assert ticket.status == TicketStatus.DISPATCHED
    old = TicketAssignment.objects.get(ticket=ticket, round=1)
    assert old.status == AssignmentStatus.CANCELLED
    assert [e.action for e in ticket.events.all()][-1] == "redispatch"


def test_attachments_are_checked_by_content(tw: TicketWorld):
    ticket = tw.hotline(attachments=[("现场.pdf", files.pdf(pages=1))])
    assert ticket.attachments.get().content_type == "application/pdf"
    with pytest.raises(ValidationError) as exc:
        s.ticket_attach(
            ticket=ticket, actor=tw.clerk.user, file=b"MZ\x90\x00 not a pdf", file_name="a.pdf"
        )
    assert "file" in exc.value.message_dict


def test_dispatch_only_to_departments_in_the_dispatchers_scope(tw: TicketWorld):
    from tests import factories as f

    elsewhere = f.department("邻县市场监督管理局", at=f.region("341188000000", "邻县"))
    ticket = tw.hotline()
    with pytest.raises(ValidationError) as exc:
        s.ticket_dispatch(ticket=ticket, actor=tw.dispatcher.user, lead=elsewhere)
    assert exc.value.message_dict == {"lead": ["邻县市场监督管理局不在您的数据范围内，不能派单。"]}
    with pytest.raises(ValidationError):
        s.ticket_dispatch(
            ticket=ticket, actor=tw.dispatcher.user, lead=tw.market, assisting=[elsewhere]
        )
    assert Ticket.objects.get(pk=ticket.pk).status == TicketStatus.PENDING_DISPATCH
