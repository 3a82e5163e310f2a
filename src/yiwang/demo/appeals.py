"""The demo county's tickets (诉求工单): the hotline's daily export imported from the sample file
(data/hotline_12345_sample.xlsx, the layout of docs/appeals.md), and tickets from the other
channels in every state — waiting for the desk, sent back, dispatched, in hand (one paused
while waiting on the caller, one with an extension request), overdue and reminded and
supervised, answered, redone after a dissatisfied follow-up, closed.

The flow is replayed through appeals.services as the staff would have done it over the past
working days (the services' day is set for each step), so deadlines, reminders and the figures
have real records behind them. Safe to run again: nothing is added once the demo's hotline
numbers exist."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from importlib import resources
from typing import Any

from django.utils import timezone

from yiwang.appeals import importing
from yiwang.appeals import services as s
from yiwang.appeals.models import Ticket
from yiwang.demo import county as c
from yiwang.org.models import Applicant, Department, User
from yiwang.workdays.selectors import work_calendar

SAMPLE = "data/hotline_12345_sample.xlsx"
MARKET = "县市场监督管理局"
HOUSING = "县住房和城乡建设局"
URBAN = "县城市管理局"
HR = "县人力资源和社会保障局"


def sample_bytes() -> bytes:
    return resources.files("yiwang.demo").joinpath(SAMPLE).read_bytes()


def sample_rows(today: dt.date) -> list[dict[str, Any]]:
    """The sample file's rows (how data/hotline_12345_sample.xlsx was made, dated relative to
    a day so a regenerated file stays recent)."""
    day = f"{today:%Y-%m-%d}"
    return [
        {
            "工单编号": "DEMO-12345-0001",
            "受理时间": f"{day} 08:42",
            "诉求类别": "投诉",
            "标题": "小区门口餐馆油烟扰民",
            "诉求内容": "城关镇幸福路 12 号小区门口的餐馆油烟直排，住户无法开窗，要求整改。",
            "来电人": "刘女士",
            "联系电话": "13800000011",
            "诉求地点": "示范县城关镇幸福路 12 号",
        },
        {
            "工单编号": "DEMO-12345-0002",
            "受理时间": f"{day} 09:10",
            "诉求类别": "咨询",
            "标题": "灵活就业人员社保缴费",
            "诉求内容": "灵活就业人员怎么在网上缴纳养老保险？每年什么时候缴？",
            "来电人": "陈先生",
            "联系电话": "13800000012",
        },
        {
            "工单编号": "DEMO-12345-0003",
            "受理时间": f"{day} 10:25",
            "诉求类别": "求助",
            "紧急程度": "紧急",
            "标题": "路面塌陷",
            "诉求内容": "解放路与人民路交叉口路面塌陷一个大坑，车辆经过很危险。",
            "诉求地点": "示范县城关镇解放路与人民路交叉口",
            "经度": "117.284100",
            "纬度": "31.861200",
        },
    ]


def _working_days_back(today: dt.date, n: int) -> dt.date:
    calendar = work_calendar()
    day = today
    while n > 0:
        day -= dt.timedelta(days=1)
        if calendar.is_working_day(day):
            n -= 1
    return day


@contextlib.contextmanager
def _on(day: dt.date) -> Iterator[None]:
    """Replay a step on a past day: the services date what they do by their `_today`."""
    original = s._today
    s._today = lambda: day  # type: ignore[assignment]
    try:
        yield
    finally:
        s._today = original  # type: ignore[assignment]


def _moment(day: dt.date, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


def seed_appeals() -> dict[str, int]:
    if Ticket.objects.filter(external_number__startswith="DEMO-").exists():
        return {}
    bureau = Department.objects.filter(name=c.BUREAU).first()
    departments = {
        d.name: d for d in Department.objects.filter(name__in=[MARKET, HOUSING, URBAN, HR])
    }
    users = {
        u.username: u
        for u in User.objects.filter(username__in=["bureau", "zh_clerk", "scjg_approver"])
    }
    if bureau is None or len(departments) < 4 or len(users) < 3:
        return {}
    dispatcher, clerk, market_user = users["bureau"], users["zh_clerk"], users["scjg_approver"]
    market, housing, urban, hr = (departments[n] for n in (MARKET, HOUSING, URBAN, HR))
    today = timezone.localdate()
    ago = {n: _working_days_back(today, n) for n in (1, 2, 3, 5, 10, 16, 22)}
    made = 0

    def register(day: dt.date, **values: Any) -> Ticket:
        nonlocal made
        made += 1
        with _on(day):
            return s.ticket_register(
                actor=clerk, registered_at=_moment(day, 9), tell_applicant=False, **values
            )

    # The hotline's export of yesterday, imported from the sample (all three rows).
    report = importing.import_rows(importing.read_rows(sample_bytes(), SAMPLE), actor=None)
    made += report.created

    # 待分类: a website message the desk has not classified yet.
    register(
        today,
        source="website",
        title="公交站台没有遮雨棚",
        content="县医院公交站台没有遮雨棚，下雨天老人等车淋雨，建议加装。",
        applicant_name="网友“青山”",
    )
    # 已退单: 市场监管 sent back a 住建 matter; waiting for the desk to re-dispatch.
    ticket = register(
        ago[1],
        source="mayor_mailbox",
        kind="complaint",
        title="小区电梯经常停运",
        content="阳光花园 3 号楼电梯一个月停了五次，物业不维修，老人上下楼困难。",
        applicant_name="赵先生",
        applicant_phone="13800000013",
        external_number="DEMO-MAIL-0001",
    )
    with _on(ago[1]):
        s.ticket_dispatch(ticket=ticket, actor=dispatcher, lead=market, instruction="请核实处理")
        s.ticket_send_back(
            ticket=ticket, actor=market_user, reason="电梯日常维保监管属住建部门职责（物业管理）"
        )
    # 办理中, paused while waiting on the caller.
    ticket = register(
        ago[3],
        source="hotline",
        kind="complaint",
        title="网购商品质量问题",
        content="在县城某商店买的电热水壶用了三天就漏电，商家拒绝退换。",
        applicant_name="孙女士",
        applicant_phone="13800000014",
        external_number="DEMO-12345-0101",
    )
    with _on(ago[3]):
        s.ticket_dispatch(ticket=ticket, actor=dispatcher, lead=market)
        s.ticket_sign_for(ticket=ticket, actor=market_user)
    with _on(ago[2]):
        s.ticket_pause(ticket=ticket, actor=market_user, reason="请来电人提供购物凭证和商品照片")
    # 办理中 with an extension request waiting for the bureau.
    ticket = register(
        ago[10],
        source="enterprise_window",
        kind="help",
        title="食品经营许可变更遇到困难",
        content="我公司变更经营场所后，食品经营许可变更需要的检测报告一直拿不到，影响开业。",
        applicant_name="示范县禾丰餐饮有限公司",
        applicant_phone="13800000002",
        external_number="DEMO-QY-0001",
    )
    with _on(ago[10]):
        s.ticket_dispatch(ticket=ticket, actor=dispatcher, lead=market)
        s.ticket_sign_for(ticket=ticket, actor=market_user)
        s.ticket_handle(
            ticket=ticket,
            actor=market_user,
            note="已联系企业，协调检测机构加急出具报告",
            feedback=True,
        )
    with _on(ago[1]):
        s.ticket_extension_request(
            ticket=ticket, actor=market_user, days=5, reason="检测机构出具报告需 5 个工作日"
        )
    # Overdue: dispatched 22 working days ago, never answered — reminded and supervised.
    ticket = register(
        ago[22],
        source="cant_get_done",
        kind="complaint",
        title="开办小餐饮店办不下来",
        content="在窗口问了三次，每次要的材料都不一样，办不成。",
        applicant_name="周先生",
        applicant_phone="13800000015",
    )
    with _on(ago[22]):
        s.ticket_dispatch(ticket=ticket, actor=dispatcher, lead=market)
        s.ticket_sign_for(ticket=ticket, actor=market_user)
    s.appeals_sweep(today=today)
    # 待签收: dispatched to 城管 with 住建 assisting, today.
    ticket = register(
        today,
        source="instant",
        kind="report",
        title="违章搭建",
        content="城南新村 5 栋楼顶有人违章搭建彩钢房。",
        applicant_name="匿名",
        anonymous=True,
        address="示范县城南新村 5 栋",
    )
    with _on(today):
        s.ticket_dispatch(ticket=ticket, actor=dispatcher, lead=urban, assisting=[housing])
    # Answered, waiting for the follow-up.
    ticket = register(
        ago[5],
        source="hotline",
        kind="consult",
        title="失业保险金申领",
        content="离职后怎么申领失业保险金？需要哪些材料？",
        applicant_name="吴先生",
        applicant_phone="13800000016",
        external_number="DEMO-12345-0102",
    )
    with _on(ago[5]):
        s.ticket_dispatch(ticket=ticket, actor=dispatcher, lead=hr)
        s.ticket_sign_for(ticket=ticket, actor=None, department=hr)
    with _on(ago[3]):
        s.ticket_reply(
            ticket=ticket,
            actor=None,
            reply="可在皖事通或县人社局窗口申领，需身份证和离职证明，领取期限按缴费年限计算。",
        )
    # Redone after a dissatisfied follow-up, then answered and closed satisfied; and one
    # closed at once — from the portal, the demo citizen's.
    citizen = Applicant.objects.filter(name="张三").first()
    ticket = register(
        ago[16],
        source="hotline",
        kind="complaint",
        title="超市销售过期食品",
        content="城关镇人民路某超市货架上有过期牛奶，要求查处。",
        applicant_name="王先生",
        applicant_phone="13800000017",
        external_number="DEMO-12345-0103",
    )
    with _on(ago[16]):
        s.ticket_dispatch(ticket=ticket, actor=dispatcher, lead=market)
        s.ticket_sign_for(ticket=ticket, actor=market_user)
    with _on(ago[10]):
        s.ticket_reply(ticket=ticket, actor=market_user, reply="已责令下架过期商品。")
        s.ticket_follow_up(
            ticket=ticket, actor=clerk, satisfaction="dissatisfied", note="超市没有被处罚"
        )
    with _on(ago[5]):
        s.ticket_reply(
            ticket=ticket, actor=market_user, reply="已立案调查，依法罚款 5000 元并公示。"
        )
    with _on(ago[3]):
        s.ticket_follow_up(ticket=ticket, actor=clerk, satisfaction="satisfied")
        s.ticket_close(ticket=ticket, actor=clerk)
    if citizen is not None and citizen.user_id:
        with _on(ago[5]):
            ticket = s.ticket_register(
                actor=citizen.user,
                source="portal",
                title="办事大厅停车难",
                content="政务服务中心门口停车位太少，办事经常找不到车位。",
                tell_applicant=False,
            )
            made += 1
            s.ticket_classify(ticket=ticket, actor=clerk, kind="suggestion")
            s.ticket_dispatch(ticket=ticket, actor=dispatcher, lead=urban)
        with _on(ago[3]):
            ticket.refresh_from_db()
            urban_parts = ticket.assignments.get()
            s.ticket_sign_for(ticket=ticket, actor=None, department=urban_parts.department)
            s.ticket_reply(ticket=ticket, actor=None, reply="已在东侧增设 40 个临时停车位。")
    return {"诉求工单": made}
