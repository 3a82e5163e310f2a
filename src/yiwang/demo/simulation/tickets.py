"""The half year's tickets (诉求工单) through appeals.services: from every source (12345
hotline, 涉企服务窗口, 办不成事反映窗口, 有诉即办, 网站留言, 县长信箱, the portal, Open311),
dispatched by the bureau, some sent back (退单) and re-dispatched, signed for, answered (a few
late), followed up — a dissatisfied follow-up sends it back for redo (重办) — and closed. A
batch goes through the bulk path (appeals.bulk.NewTickets: the services' code and checks, the
rows written together); `run` with SERVICES takes one ticket through the services."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from yiwang.appeals import services as s
from yiwang.appeals.bulk import NewTickets
from yiwang.appeals.models import Ticket
from yiwang.org.models import Applicant, Department, User
from yiwang.org.selectors import department_bureau

from .clock import SimulatedClock
from .plan import daily_counts
from .population import person_phone

SHARE = 0.1  # tickets per case (the benchmark's 100,000 beside 1,000,000 cases)
SOURCES = (
    ("hotline", 0.55),
    ("website", 0.08),
    ("mayor_mailbox", 0.06),
    ("portal", 0.08),
    ("enterprise_window", 0.07),
    ("cant_get_done", 0.04),
    ("instant", 0.08),
    ("open311", 0.04),
)
# (kind, title, content, lead department, the department it is wrongly sent to first)
TOPICS = (
    (
        "complaint",
        "餐馆油烟扰民",
        "小区门口的餐馆油烟直排，住户无法开窗，要求整改。",
        "县生态环境分局",
        "县市场监督管理局",
    ),
    (
        "complaint",
        "超市销售过期食品",
        "某超市货架上有过期牛奶，要求查处。",
        "县市场监督管理局",
        "县商务局",
    ),
    (
        "help",
        "路面塌陷",
        "交叉口路面塌陷一个大坑，车辆经过很危险。",
        "县城市管理局",
        "县交通运输局",
    ),
    (
        "consult",
        "灵活就业人员社保缴费",
        "灵活就业人员怎么在网上缴纳养老保险？",
        "县人力资源和社会保障局",
        "县医疗保障局",
    ),
    (
        "complaint",
        "小区电梯经常停运",
        "电梯一个月停了五次，物业不维修。",
        "县住房和城乡建设局",
        "县市场监督管理局",
    ),
    ("report", "违章搭建", "楼顶有人违章搭建彩钢房。", "县城市管理局", "县住房和城乡建设局"),
    (
        "suggestion",
        "办事大厅停车难",
        "政务服务中心门口停车位太少。",
        "县城市管理局",
        "县数据资源管理局",
    ),
    (
        "consult",
        "失业保险金申领",
        "离职后怎么申领失业保险金？需要哪些材料？",
        "县人力资源和社会保障局",
        "县民政局",
    ),
)
SEND_BACK_RATE = 0.08
LATE_RATE = 0.03
DISSATISFIED_RATE = 0.05
ANONYMOUS_RATE = 0.05


# The one-at-a-time steps, with the bulk path's names (appeals.bulk.NewTickets).
SERVICES = SimpleNamespace(
    register=s.ticket_register,
    dispatch=s.ticket_dispatch,
    send_back=s.ticket_send_back,
    sign_for=s.ticket_sign_for,
    reply=s.ticket_reply,
    follow_up=s.ticket_follow_up,
    close=s.ticket_close,
)


def departments() -> dict[str, Department]:
    names = {t[3] for t in TOPICS} | {t[4] for t in TOPICS}
    found = {d.name: d for d in Department.objects.filter(name__in=names)}
    return found


@dataclass(frozen=True)
class TicketPlan:
    day: int
    minute: int
    source: str
    topic: int
    send_back: bool
    late: bool
    dissatisfied: bool
    anonymous: bool
    reply_after: int
    who: int


def ticket_plans(seed: int, total: int, days: list[dt.date]) -> list[TicketPlan]:
    rng = random.Random(f"{seed}-tickets")
    plans = []
    for index, count in enumerate(daily_counts(days, total)):
        for minute in sorted(rng.randrange(8 * 60, 18 * 60) for _ in range(count)):
            r = [rng.random() for _ in range(8)]
            u, source = r[0], SOURCES[-1][0]
            for name, share in SOURCES:
                if u < share:
                    source = name
                    break
                u -= share
            plans.append(
                TicketPlan(
                    day=index,
                    minute=minute,
                    source=source,
                    topic=int(r[1] * len(TOPICS)),
                    send_back=r[2] < SEND_BACK_RATE,
                    late=r[3] < LATE_RATE,
                    dissatisfied=r[4] < DISSATISFIED_RATE,
                    anonymous=source in ("website", "instant") and r[5] < ANONYMOUS_RATE * 4,
                    reply_after=1 + int(r[6] * 5),
                    who=int(r[7] * 1_000_000),
                )
            )
    return plans


class TicketRunner:
    def __init__(
        self,
        *,
        clock: SimulatedClock,
        days: list[dt.date],
        desk: list[User],
        dispatcher: User,
        handlers: dict[int, User],
        citizens: list[Applicant],
    ) -> None:
        self.clock, self.days, self.desk = clock, days, desk
        self.dispatcher, self.handlers, self.citizens = dispatcher, handlers, citizens
        self.departments = departments()
        self.centre = department_bureau()
        self.day = self.minute = 0
        self.number = 0

    def _at(self, day: int, *, gap: int = 15) -> bool:
        if day >= len(self.days):
            return False
        if day > self.day:
            self.day, self.minute = day, 8 * 60 + 40 + (self.minute * 7) % 90
        else:
            self.minute = min(self.minute + gap, 17 * 60 + 50)
        self.clock.at(self.days[self.day], self.minute)
        return True

    def run_batch(self, plans: list[TicketPlan]) -> list[Ticket | None]:
        """The batch through the bulk path, written together at its end."""
        new = NewTickets()
        done = [self.run(plan, new) for plan in plans]
        new.flush()
        return done

    def run(self, plan: TicketPlan, ops: Any = SERVICES) -> Ticket | None:
        """The planned ticket from its registration to the end of the period (or its closing)
        through `ops`: the services (SERVICES) or a batch (NewTickets)."""
        kind, title, content, lead_name, wrong_name = TOPICS[plan.topic]
        lead, wrong = self.departments.get(lead_name), self.departments.get(wrong_name)
        if lead is None or wrong is None:
            return None
        self.number += 1
        self.day, self.minute = plan.day, plan.minute
        self.clock.at(self.days[plan.day], plan.minute)
        clerk = self.desk[plan.who % len(self.desk)]
        citizen = self.citizens[plan.who % len(self.citizens)]
        values: dict[str, Any] = {
            "source": plan.source,
            "kind": kind,
            "title": title,
            "content": content,
            "tell_applicant": False,
            "centre": self.centre,
        }
        if plan.anonymous:
            values.update(anonymous=True, applicant_name="匿名")
        elif plan.source != "portal":
            values.update(
                applicant_name=citizen.name,
                applicant_phone=person_phone(plan.who % len(self.citizens)),
            )
        if plan.source == "hotline":
            values["external_number"] = f"SIM-12345-{self.number:07d}"
        if plan.source == "portal":
            ticket = ops.register(actor=citizen.user, applicant=citizen, **values)
        elif plan.source == "open311":
            ticket = ops.register(actor=None, **values)
        else:
            ticket = ops.register(actor=clerk, **values)
        self._at(self.day)
        if plan.send_back:
            ops.dispatch(ticket=ticket, actor=self.dispatcher, lead=wrong)
            self._at(self.day)
            ops.send_back(
                ticket=ticket,
                actor=self.handlers[wrong.pk],
                reason=f"该事项属{lead.name}职责，请改派。",
            )
            if not self._at(self.day + 1):
                return ticket
        ops.dispatch(ticket=ticket, actor=self.dispatcher, lead=lead, instruction="请核实办理")
        handler = self.handlers[lead.pk]
        if not self._at(self.day + (1 if plan.minute > 16 * 60 else 0), gap=60):
            return ticket
        ops.sign_for(ticket=ticket, actor=handler)
        if not self._at(self.day + plan.reply_after + (12 if plan.late else 0)):
            return ticket
        ops.reply(ticket=ticket, actor=handler, reply="已核实并处理，具体情况已电话告知诉求人。")
        if plan.anonymous:
            if self._at(self.day + 1):
                ops.close(ticket=ticket, actor=clerk, note="匿名诉求，无法回访。")
            return ticket
        if not self._at(self.day + 1):
            return ticket
        if plan.dissatisfied:
            ops.follow_up(
                ticket=ticket, actor=clerk, satisfaction="dissatisfied", note="问题没有解决"
            )
            if not self._at(self.day + 2):
                return ticket
            ops.reply(ticket=ticket, actor=handler, reply="已重新办理，现场复查问题已解决。")
            if not self._at(self.day + 1):
                return ticket
        ops.follow_up(ticket=ticket, actor=clerk, satisfaction="satisfied")
        ops.close(ticket=ticket, actor=clerk, note="回访满意，办结。")
        return ticket
