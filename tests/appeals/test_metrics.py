"""The ticket figures on a worked example: every ratio's numerator and denominator, the
breakdowns summing to the total, a merged duplicate not counted, a department's scope."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tests.appeals.conftest import TicketWorld
from yiwang.appeals import services as s
from yiwang.appeals.models import Ticket
from yiwang.insight.registry import get
from yiwang.org.scope import ALL_SCOPE, DataScope

MONDAY = dt.date(2026, 11, 2)


@pytest.fixture
def example(tw: TicketWorld, monkeypatch):
    box = {"day": MONDAY}
    monkeypatch.setattr("yiwang.appeals.services._today", lambda: box["day"])
    handler = tw.market_handler.user
    # A: answered on time, satisfied, closed
    a = tw.signed()
    s.ticket_reply(ticket=a, actor=handler, reply="已查处")
    s.ticket_follow_up(ticket=a, actor=tw.clerk.user, satisfaction="satisfied")
    s.ticket_close(ticket=a, actor=tw.clerk.user)
    # B: dissatisfied → redo → answered again, basic
    b = tw.signed(title="B")
    s.ticket_reply(ticket=b, actor=handler, reply="已处理")
    s.ticket_follow_up(ticket=b, actor=tw.clerk.user, satisfaction="dissatisfied")
    s.ticket_reply(ticket=b, actor=handler, reply="已再次处理")
    s.ticket_follow_up(ticket=b, actor=tw.clerk.user, satisfaction="basic")
    # C: sent back, re-dispatched to housing, signed late, reminded
    c = tw.dispatched(title="C")
    s.ticket_send_back(ticket=c, actor=handler, reason="属住建职责")
    s.ticket_dispatch(ticket=c, actor=tw.dispatcher.user, lead=tw.housing)
    box["day"] = dt.date(2026, 11, 5)
    s.ticket_sign_for(ticket=c, actor=tw.housing_handler.user)
    s.ticket_remind(ticket=c, actor=tw.dispatcher.user)
    # D: a website consultation not yet dispatched
    s.ticket_register(
        actor=tw.clerk.user,
        source="website",
        kind="consult",
        title="D",
        content="问",
        anonymous=True,
    )
    # E: a duplicate merged into A (not counted)
    e = tw.hotline(title="E")
    Ticket.objects.filter(pk=e.pk).update(status="merged", merged_into=a)
    return tw


def value(key: str, scope: DataScope = ALL_SCOPE):
    return get(key).query(scope)


def test_worked_example(example: TicketWorld):
    assert value("appeals.total") == 4
    by_source = value("appeals.by_source")
    assert by_source["12345热线"] == 3 and by_source["网站留言"] == 1
    assert sum(by_source.values()) == 4
    by_kind = value("appeals.by_kind")
    assert (by_kind["投诉"], by_kind["咨询"], sum(by_kind.values())) == (3, 1, 4)
    assert value("appeals.dispatch_rate") == Decimal("0.7500")  # A B C of 4
    assert value("appeals.send_back_rate") == Decimal("0.3333")  # C of 3 dispatched
    assert value("appeals.conclusion_rate") == Decimal("0.2500")  # A
    assert value("appeals.on_time_rate") == Decimal("1.0000")  # A of A
    assert value("appeals.reply_rate") == Decimal("0.5000")  # A B
    assert value("appeals.follow_up_rate") == Decimal("1.0000")  # A B rated of A B
    assert value("appeals.satisfaction_rate") == Decimal("1.0000")  # satisfied, basic
    assert value("appeals.redo_rate") == Decimal("0.5000")  # B of A B
    assert value("appeals.remind_rate") == Decimal("0.3333")  # C of 3
    # parts: A and B signed on time, C's housing part late, C's sent-back part left out
    assert value("appeals.sign_on_time_rate") == Decimal("0.6667")


def test_a_department_sees_the_tickets_it_leads(example: TicketWorld):
    housing = DataScope.department(example.housing.pk)
    assert value("appeals.total", housing) == 1
    assert value("appeals.remind_rate", housing) == Decimal("1.0000")
    assert value("appeals.sign_on_time_rate", housing) == Decimal("0.0000")
    market = DataScope.department(example.market.pk)
    assert value("appeals.total", market) == 2  # A, B (C went to housing)


def test_tickets_overdue(tw: TicketWorld, monkeypatch):
    """Answered late, marked overdue by the sweep, or unanswered past the deadline (before any
    sweep) count; answered on time, or open within the deadline, do not; by 受理日期."""
    from yiwang.insight.periods import Period
    from yiwang.insight.registry import compute, records

    monkeypatch.setattr("django.utils.timezone.localdate", lambda: dt.date(2026, 4, 10))
    rows = {
        # name: (registered, deadline, replied, replied on time, ever overdue, closed)
        "late reply": (dt.date(2026, 3, 2), dt.date(2026, 3, 16), True, False, False, True),
        "swept": (dt.date(2026, 3, 3), dt.date(2026, 3, 17), True, True, True, False),
        "unanswered": (dt.date(2026, 3, 4), dt.date(2026, 3, 18), False, None, False, False),
        "on time": (dt.date(2026, 3, 5), dt.date(2026, 3, 19), True, True, False, True),
        "open, in time": (dt.date(2026, 3, 6), dt.date(2026, 4, 20), False, None, False, False),
        "closed unreplied": (dt.date(2026, 3, 7), dt.date(2026, 3, 9), False, None, False, True),
        "April, late": (dt.date(2026, 4, 1), dt.date(2026, 4, 3), False, None, False, False),
    }
    for name, (registered, deadline, replied, on_time, ever, closed) in rows.items():
        ticket = tw.hotline(title=name)
        Ticket.objects.filter(pk=ticket.pk).update(
            registered_on=registered,
            deadline=deadline,
            replied_at=dt.datetime(2026, 3, 10, 9, tzinfo=dt.UTC) if replied else None,
            replied_on_time=on_time,
            ever_overdue=ever,
            status="closed" if closed else ticket.status,
        )
    q1 = Period.parse("2026Q1")
    assert compute("appeals.overdue_count", ALL_SCOPE, q1) == 3
    # The drill-down lists exactly those tickets.
    assert {t.title for t in records("appeals.overdue_count", ALL_SCOPE, q1)} == {
        "late reply",
        "swept",
        "unanswered",
    }
    assert compute("appeals.overdue_count", ALL_SCOPE, Period.parse("2026-04")) == 1
    assert compute("appeals.overdue_count", ALL_SCOPE, Period.parse("2025")) == 0  # empty
    assert compute("appeals.overdue_count", DataScope.department(tw.housing.pk), q1) == 0
    # The report's 存在问题 line counts them with the registered metric; none in 2025: no line.
    from types import SimpleNamespace

    from yiwang.insight.report.problems import _overdue_tickets

    problem = _overdue_tickets(SimpleNamespace(scope=ALL_SCOPE, period=q1), 3)
    assert problem is not None and "受理的诉求工单中有3件超期" in problem.lines[0]
    assert (
        _overdue_tickets(SimpleNamespace(scope=ALL_SCOPE, period=Period.parse("2025")), 3) is None
    )
