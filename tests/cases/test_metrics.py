"""The case figures: known answers on a small set of cases, one query each, breakdowns adding
up to the total."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tests.cases.test_services import PDF, accepted, concluded, draft, submitted
from yiwang.cases import services as s
from yiwang.cases.fields import Channel, Delivery
from yiwang.insight.registry import all_metrics, compute
from yiwang.org.scope import DataScope


@pytest.fixture
def cases(world, monkeypatch):
    """Six applications: a draft, one waiting, one not accepted (none of them counted); one
    accepted online and in review; one concluded online and handed out; one at the window,
    assisted, concluded late and sent by EMS."""
    draft(world)
    submitted(world)
    s.case_not_accept(case=submitted(world), actor=world.clerk.user, reason="不属于本部门职权")
    accepted(world)
    done = concluded(world)
    s.case_hand_out(case=done, actor=world.clerk.user, collected_by="张三")
    monkeypatch.setattr("yiwang.cases.services._today", lambda: dt.date(2026, 11, 2))
    late = s.case_create(
        item=world.item,
        applicant=world.citizen,
        actor=world.clerk.user,
        channel=Channel.ASSISTED,
        consent="当面授权",
        form=world.form(),
        delivery=Delivery.EMS,
        delivery_address={"recipient": "张三", "phone": "13800138000", "address": "人民路 1 号"},
    )
    for order in (1, 2):
        s.case_material_upload(
            case=late, actor=world.clerk.user, order=order, file=PDF, file_name="a.pdf"
        )
    late = s.case_accept(
        case=s.case_submit(case=late, actor=world.clerk.user), actor=world.clerk.user
    )
    overdue_day = late.promised_deadline + dt.timedelta(days=3)
    s.cases_sweep(today=overdue_day)
    monkeypatch.setattr("yiwang.cases.services._today", lambda: overdue_day)
    late = s.case_advance(case=late, actor=world.approver.user)
    late = s.case_decide(case=late, actor=world.approver.user, decision="approve")
    s.case_deliver(case=late, actor=world.clerk.user, tracking_number="EMS123")
    return world


EXPECTED = {
    "cases.total": 3,
    "cases.online_share": Decimal("0.6667"),
    "cases.on_time_rate": Decimal("0.5000"),
    "cases.overdue_count": 1,
    "cases.instant_share": Decimal("0.0000"),
    "cases.free_mail_count": 1,
    "cases.assisted_count": 1,
    "cases.coverage": Decimal("1.0000"),
    # the online case handed out at the window made 1 visit; the assisted case was handed in
    # at the window (1) and sent by EMS (0): (1 + 1) / 2
    "cases.average_visits": Decimal("1.00"),
}


@pytest.mark.django_db
def test_known_answers_one_query_each(cases, django_assert_num_queries):
    scope = DataScope.whole()
    values = {}
    for key in EXPECTED:
        with django_assert_num_queries(1):
            values[key] = compute(key, scope)
    assert values == EXPECTED
    by_channel = compute("cases.by_channel", scope)
    assert by_channel == {"网上": 2, "窗口": 0, "自助终端": 0, "掌上": 0, "帮办代办": 1}
    for key in ("cases.by_channel", "cases.by_department", "cases.by_item", "cases.by_month"):
        assert sum(compute(key, scope).values()) == 3, key


@pytest.mark.django_db
def test_average_handling_days_leaves_special_procedures_out(world, monkeypatch):
    monkeypatch.setattr("yiwang.cases.services._today", lambda: dt.date(2026, 11, 2))  # Monday
    case = s.case_advance(case=accepted(world), actor=world.approver.user)
    monkeypatch.setattr("yiwang.cases.services._today", lambda: dt.date(2026, 11, 4))
    s.case_pause(case=case, actor=world.approver.user, kind="testing", reason="检测", limit_days=3)
    monkeypatch.setattr("yiwang.cases.services._today", lambda: dt.date(2026, 11, 6))
    s.case_resume(case=case, actor=world.approver.user)
    monkeypatch.setattr("yiwang.cases.services._today", lambda: dt.date(2026, 11, 9))
    case = s.case_decide(case=case, actor=world.approver.user, decision="approve")
    # 11-03 … 11-09 is 5 working days; 11-05 and 11-06 were paused
    assert case.handling_days == 3
    assert compute("cases.average_handling_days", DataScope.whole()) == Decimal("3.00")


@pytest.mark.django_db
def test_scope_limits_the_figures(cases):
    assert compute("cases.total", DataScope.department(cases.other.pk)) == 0
    assert compute("cases.total", DataScope.department(cases.dept.pk)) == 3


def test_every_case_metric_has_a_definition_and_is_documented():
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs" / "metrics.md").read_text()
    keys = [m.key for m in all_metrics("cases")]
    assert len(keys) == 23  # 15 case figures and 8 bundle figures (cases.bundle_metrics)
    assert [k for k in keys if f"`{k}`" not in doc] == []


@pytest.mark.django_db
def test_items_never_applied_for(world):
    """X applied for in February, Y in May, Z never: by period, the items without a case, their
    drill-down, coverage's complement, a department's scope, an empty period; and the report's
    存在问题 line names them."""
    from types import SimpleNamespace

    from tests.cases.conftest import publish_item
    from yiwang.cases.models import Case
    from yiwang.insight.periods import Period
    from yiwang.insight.report.problems import _never_applied
    from yiwang.insight.selectors import figure_records
    from yiwang.org.models import Staff

    bureau = Staff.objects.get(user__username="bureau")
    x = world.item
    y = publish_item(world.dept, bureau, world.clerk, name="食品经营许可（变更）")
    z = publish_item(world.other, bureau, world.other_clerk, name="户口迁移")
    for item, day in ((x, dt.date(2026, 2, 10)), (y, dt.date(2026, 5, 3))):
        case = accepted(world)
        Case.objects.filter(pk=case.pk).update(
            item=item, version=item.published_version, accepted_on=day
        )
    scope = DataScope.whole()

    def never(code: str, where: DataScope = scope):
        return compute("cases.never_applied_items", where, Period.parse(code))

    assert never("2026Q1") == 2
    assert set(figure_records("cases.never_applied_items", scope, Period.parse("2026Q1"))) == {
        y,
        z,
    }
    assert never("2026H1") == 1
    assert set(figure_records("cases.never_applied_items", scope, Period.parse("2026H1"))) == {z}
    assert never("2025") == 3  # nothing applied for: every item, no error
    assert compute("cases.coverage", scope, Period.parse("2025")) == Decimal("0.0000")
    # The complement of coverage: 3 items, 1 covered in Q1.
    assert compute("cases.coverage", scope, Period.parse("2026Q1")) == Decimal("0.3333")
    assert never("2026Q1", DataScope.department(world.other.pk)) == 1  # Z
    assert never("2026Q1", DataScope.department(world.dept.pk)) == 1  # Y
    problem = _never_applied(SimpleNamespace(scope=scope, period=Period.parse("2026H1")), 3)
    assert problem is not None
    assert problem.lines == [
        "2026年上半年，3个在用事项中有1个无一件办件，如户口迁移等，"
        "需核实事项是否仍需保留或加强宣传引导。"
    ]
