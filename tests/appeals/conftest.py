"""A small world for ticket tests: the bureau (12345 centre) with a dispatcher and a hotline
clerk, two departments with a handler each (and one department admin), a citizen."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from tests import factories as f
from yiwang.appeals import services as s
from yiwang.appeals.models import Ticket
from yiwang.org import services as org
from yiwang.org.models import Applicant, Department, Staff

PHONE = "13800138000"


@dataclass
class TicketWorld:
    bureau: Department
    market: Department  # 县市场监督管理局
    housing: Department  # 县住房和城乡建设局
    dispatcher: Staff  # bureau_admin
    clerk: Staff  # the hotline's clerk (window_clerk at the bureau)
    market_handler: Staff
    housing_handler: Staff
    market_head: Staff
    citizen: Applicant

    def hotline(self, **extra: Any) -> Ticket:
        values: dict[str, Any] = {
            "source": "hotline",
            "kind": "complaint",
            "title": "超市销售过期食品",
            "content": "城关镇人民路某超市销售过期牛奶，要求查处。",
            "applicant_name": "王五",
            "applicant_phone": PHONE,
        }
        values.update(extra)
        return s.ticket_register(actor=self.clerk.user, **values)

    def dispatched(self, **extra: Any) -> Ticket:
        ticket = self.hotline(**extra)
        return s.ticket_dispatch(ticket=ticket, actor=self.dispatcher.user, lead=self.market)

    def signed(self, **extra: Any) -> Ticket:
        ticket = self.dispatched(**extra)
        s.ticket_sign_for(ticket=ticket, actor=self.market_handler.user)
        ticket.refresh_from_db()
        return ticket


@pytest.fixture
def tw(db) -> TicketWorld:
    bureau = f.department("县数据资源管理局", is_bureau=True)
    market = f.department("县市场监督管理局")
    housing = f.department("县住房和城乡建设局")
    citizen = org.applicant_register(
        kind="person",
        name="张三",
        phone="13900139000",
        id_number=f.id_number("19900101"),
        password=f.PASSWORD,
    )
    return TicketWorld(
        bureau=bureau,
        market=market,
        housing=housing,
        dispatcher=f.staff(bureau, ["bureau_admin"], username="dispatcher"),
        clerk=f.staff(bureau, ["window_clerk"], username="hotline"),
        market_handler=f.staff(market, ["approver"], username="market"),
        housing_handler=f.staff(housing, ["approver"], username="housing"),
        market_head=f.staff(market, ["department_admin"], username="market_head"),
        citizen=citizen,
    )
