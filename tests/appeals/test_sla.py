"""Limits per kind and source (the bureau's table over the settings), the pause while waiting
on the citizen, extensions, and the sweep's reminders (催办) and supervision (督办)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.appeals.conftest import TicketWorld
from yiwang.appeals import selectors as sel
from yiwang.appeals import services as s
from yiwang.appeals.models import SlaLimit, Ticket
from yiwang.appeals.sla import limits_for
from yiwang.notifications.models import Message

MONDAY = dt.date(2026, 11, 2)
DUE = dt.date(2026, 11, 19)  # a complaint dispatched on MONDAY: 13 working days


@pytest.fixture
def today(monkeypatch):
    box = {"day": MONDAY}
    monkeypatch.setattr("yiwang.appeals.services._today", lambda: box["day"])

    def set_day(day: dt.date) -> None:
        box["day"] = day

    return set_day


def test_limits_come_from_the_seeded_table_most_specific_first(db, settings):
    assert limits_for(source="hotline", kind="consult").handling_days == 3
    assert limits_for(source="hotline", kind="complaint").handling_days == 13
    enterprise = limits_for(source="enterprise_window", kind="complaint")
    assert (enterprise.handling_days, enterprise.feedback_days) == (15, 3)
    urgent = limits_for(source="hotline", kind="complaint", urgent=True)
    assert (urgent.sign_for_days, urgent.handling_days) == (0, 0)
    SlaLimit.objects.create(source="hotline", kind="complaint", sign_for_days=2, handling_days=7)
    assert limits_for(source="hotline", kind="complaint").handling_days == 7
    assert limits_for(source="website", kind="complaint").handling_days == 13
    # without any row the settings apply
    SlaLimit.objects.all().delete()
    settings.YIWANG_APPEAL_COMPLAINT_DAYS = 10
    assert limits_for(source="website", kind="report").handling_days == 10


def test_the_bureau_edits_a_limit_and_new_dispatches_follow(tw: TicketWorld, today):
    with pytest.raises(PermissionDenied):
        s.sla_limit_set(
            actor=tw.market_handler.user,
            source="",
            kind="complaint",
            sign_for_days=1,
            handling_days=5,
        )
    with pytest.raises(ValidationError) as exc:
        s.sla_limit_set(
            actor=tw.dispatcher.user, source="", kind="complaint", sign_for_days=1, handling_days=-1
        )
    assert "handling_days" in exc.value.message_dict
    s.sla_limit_set(
        actor=tw.dispatcher.user, source="", kind="complaint", sign_for_days=2, handling_days=5
    )
    ticket = tw.dispatched()
    assert ticket.sign_deadline == dt.date(2026, 11, 4)
    assert ticket.deadline == dt.date(2026, 11, 9)


def test_enterprise_tickets_carry_the_first_feedback_deadline(tw: TicketWorld, today):
    ticket = tw.hotline(
        source="enterprise_window", title="企业开办", content="设备进口手续办不下来"
    )
    assert ticket.feedback_deadline == dt.date(2026, 11, 5)
    ticket = s.ticket_dispatch(ticket=ticket, actor=tw.dispatcher.user, lead=tw.market)
    assert ticket.deadline == dt.date(2026, 11, 23)  # 15 working days


def test_pause_while_waiting_on_the_citizen_moves_the_deadline(tw: TicketWorld, today):
    ticket = tw.signed()
    assert ticket.deadline == DUE
    today(dt.date(2026, 11, 4))
    ticket = s.ticket_pause(
        ticket=ticket, actor=tw.market_handler.user, reason="等待来电人提供购物小票"
    )
    assert ticket.paused and sel.sla_colour(ticket, today=dt.date(2026, 12, 1)) == "green"
    with pytest.raises(ValidationError):
        s.ticket_pause(ticket=ticket, actor=tw.market_handler.user, reason="again")
    assert Message.objects.filter(kind="ticket.paused", subject_id=str(ticket.pk)).exists()
    today(dt.date(2026, 11, 6))
    ticket = s.ticket_resume(ticket=ticket, actor=tw.market_handler.user)
    assert not ticket.paused
    assert ticket.deadline == dt.date(2026, 11, 23)  # two working days paused (Thu, Fri)
    pause = ticket.handling_clock.pauses.get()
    assert (pause.started_on, pause.ended_on) == (dt.date(2026, 11, 4), dt.date(2026, 11, 6))


def test_a_paused_ticket_is_not_reminded(tw: TicketWorld, today):
    ticket = tw.signed()
    s.ticket_pause(ticket=ticket, actor=tw.market_handler.user, reason="等待补充")
    report = s.appeals_sweep(today=dt.date(2026, 12, 10))
    assert report.reminded == [] and report.overdue == []


def test_extension_requested_before_the_deadline_and_decided_by_the_bureau(tw: TicketWorld, today):
    ticket = tw.signed()
    with pytest.raises(ValidationError) as exc:
        s.ticket_extension_request(ticket=ticket, actor=tw.market_handler.user, days=0, reason="x")
    assert "days" in exc.value.message_dict
    with pytest.raises(PermissionDenied):  # only the lead department asks
        s.ticket_extension_request(ticket=ticket, actor=tw.housing_handler.user, days=3, reason="x")
    ext = s.ticket_extension_request(
        ticket=ticket, actor=tw.market_handler.user, days=3, reason="需检验检测"
    )
    assert list(sel.desk_extensions(user=tw.dispatcher.user)) == [ext]
    with pytest.raises(ValidationError):  # one open request at a time
        s.ticket_extension_request(ticket=ticket, actor=tw.market_handler.user, days=2, reason="y")
    with pytest.raises(PermissionDenied):
        s.ticket_extension_decide(extension=ext, actor=tw.market_head.user, approve=True)
    ext = s.ticket_extension_decide(extension=ext, actor=tw.dispatcher.user, approve=True)
    ticket = Ticket.objects.get(pk=ticket.pk)
    assert ext.deadline_after == ticket.deadline == dt.date(2026, 11, 24)
    assert ticket.extended_days == 3
    # a refusal needs its reason
    ext2 = s.ticket_extension_request(
        ticket=ticket, actor=tw.market_handler.user, days=2, reason="再延"
    )
    with pytest.raises(ValidationError) as exc:
        s.ticket_extension_decide(extension=ext2, actor=tw.dispatcher.user, approve=False)
    assert "note" in exc.value.message_dict
    s.ticket_extension_decide(
        extension=ext2, actor=tw.dispatcher.user, approve=False, note="理由不足"
    )
    assert Ticket.objects.get(pk=ticket.pk).deadline == dt.date(2026, 11, 24)
    # after the deadline no more requests
    today(dt.date(2026, 11, 25))
    with pytest.raises(ValidationError, match="已超过办理期限"):
        s.ticket_extension_request(ticket=ticket, actor=tw.market_handler.user, days=2, reason="z")


def test_sweep_reminds_the_day_after_and_supervises_five_working_days_later(tw: TicketWorld, today):
    ticket = tw.signed()
    assert s.appeals_sweep(today=DUE).overdue == []  # due today: not late
    report = s.appeals_sweep(today=dt.date(2026, 11, 20))
    assert report.overdue == [ticket.number] and report.reminded == [ticket.number]
    assert report.supervised == []
    # once per deadline
    assert s.appeals_sweep(today=dt.date(2026, 11, 23)).reminded == []
    assert s.appeals_sweep(today=dt.date(2026, 11, 26)).supervised == []
    report = s.appeals_sweep(today=dt.date(2026, 11, 27))
    assert report.supervised == [ticket.number]
    assert s.appeals_sweep(today=dt.date(2026, 11, 30)).supervised == []
    ticket.refresh_from_db()
    assert (ticket.remind_count, ticket.supervise_count, ticket.ever_overdue) == (1, 1, True)
    kinds = set(
        Message.objects.filter(recipient=tw.market_handler.user).values_list("kind", flat=True)
    )
    assert {"ticket.remind", "ticket.supervise"} <= kinds
    assert list(sel.desk_overdue(user=tw.dispatcher.user, today=dt.date(2026, 11, 27))) == [ticket]
    assert sel.sla_colour(ticket, today=dt.date(2026, 11, 27)) == "red"
    assert sel.sla_colour(ticket, today=dt.date(2026, 11, 18)) == "amber"
    assert sel.sla_colour(ticket, today=MONDAY) == "green"
    # answered late: counted as late, no longer swept
    today(dt.date(2026, 11, 30))
    ticket = s.ticket_reply(ticket=ticket, actor=tw.market_handler.user, reply="已处理")
    assert ticket.replied_on_time is False
    assert s.appeals_sweep(today=dt.date(2026, 12, 30)).overdue == []


def test_sweep_command(tw: TicketWorld, today):
    tw.signed()
    out = io.StringIO()
    call_command("appeals", "sweep", "--date", "2026-11-20", stdout=out)
    assert out.getvalue().strip() == "超期 1 件，催办 1 件，督办 0 件。"
    with pytest.raises(CommandError, match="格式不正确"):
        call_command("appeals", "sweep", "--date", "20/11/2026")


def test_sweep_reminds_an_unsigned_ticket_once_after_the_sign_for_deadline(tw: TicketWorld, today):
    ticket = tw.dispatched()
    assert ticket.sign_deadline == dt.date(2026, 11, 3)
    assert s.appeals_sweep(today=dt.date(2026, 11, 3)).reminded == []
    report = s.appeals_sweep(today=dt.date(2026, 11, 4))
    assert report.reminded == [ticket.number] and report.overdue == []
    assert s.appeals_sweep(today=dt.date(2026, 11, 5)).reminded == []
    note = ticket.events.filter(action="remind").get().note
    assert note == "已超过签收期限 2026-11-03，请尽快签收。"
    # the handling deadline is watched on its own
    report = s.appeals_sweep(today=dt.date(2026, 11, 20))
    assert report.overdue == [ticket.number] and report.reminded == [ticket.number]
    ticket.refresh_from_db()
    assert ticket.remind_count == 2


def test_sweep_reminds_an_enterprise_ticket_without_its_first_feedback_once(tw: TicketWorld, today):
    ticket = tw.signed(source="enterprise_window", title="企业开办", content="设备进口手续办不下来")
    assert ticket.feedback_deadline == dt.date(2026, 11, 5)  # 3 working days
    assert s.appeals_sweep(today=dt.date(2026, 11, 5)).reminded == []
    report = s.appeals_sweep(today=dt.date(2026, 11, 6))
    assert report.reminded == [ticket.number] and report.overdue == []
    assert s.appeals_sweep(today=dt.date(2026, 11, 9)).reminded == []  # once
    note = ticket.events.filter(action="remind").get().note
    assert note == "已超过首次反馈期限 2026-11-05，请尽快向企业反馈办理进展。"
    # the handling deadline is still watched on its own
    ticket.refresh_from_db()
    late = s.appeals_sweep(today=ticket.deadline + dt.timedelta(days=1))
    assert late.reminded == [ticket.number]
    ticket.refresh_from_db()
    assert ticket.remind_count == 2


def test_a_ticket_given_its_first_feedback_in_time_is_not_reminded(tw: TicketWorld, today):
    ticket = tw.signed(source="enterprise_window", title="企业开办", content="设备进口手续办不下来")
    today(dt.date(2026, 11, 4))
    s.ticket_handle(
        ticket=ticket, actor=tw.market_handler.user, note="已联系海关，正在核查", feedback=True
    )
    assert s.appeals_sweep(today=dt.date(2026, 11, 9)).reminded == []
