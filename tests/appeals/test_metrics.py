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
