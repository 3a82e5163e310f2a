"""Writes: the holiday table (audited, cache refreshed) and pausable clocks."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from yiwang.audit.models import AuditEvent
from yiwang.workdays import services
from yiwang.workdays.models import CalendarDay, CalendarYear, Clock, ClockPause, DayKind
from yiwang.workdays.selectors import (
    add_working_days,
    clock_deadline,
    clock_overdue_list,
    clock_paused_working_days,
    working_days_between,
)

pytestmark = pytest.mark.django_db

D = dt.date
MARCH_2 = D(2026, 3, 2)  # a Monday


def actions() -> list[str]:
    return list(AuditEvent.objects.values_list("action", flat=True))


def start(on: dt.date = MARCH_2, limit: int = 20, rule: str | None = None) -> Clock:
    return services.clock_start(
        subject_type="cases.case", subject_id=42, started_on=on, limit_days=limit, start_rule=rule
    )


# --- The holiday table -------------------------------------------------------------------------


def test_entering_a_day_of_a_new_year_opens_an_unconfirmed_draft_year():
    services.calendar_day_set(date=D(2027, 1, 1), kind=DayKind.HOLIDAY, name="元旦")
    year = CalendarYear.objects.get(year=2027)
    assert not year.confirmed
    assert year.source == "admin"
    assert actions() == ["workdays.calendar_year_set", "workdays.calendar_day_set"]


def test_setting_a_day_twice_updates_it():
    services.calendar_day_set(date=D(2027, 1, 1), kind=DayKind.HOLIDAY, name="元旦")
    services.calendar_day_set(date=D(2027, 1, 1), kind=DayKind.HOLIDAY, name="元旦节")
    assert CalendarDay.objects.get(date=D(2027, 1, 1)).name == "元旦节"
    event = AuditEvent.objects.filter(action="workdays.calendar_day_set").last()
    assert event is not None
    assert event.changes == {"name": {"before": "元旦", "after": "元旦节"}}


def test_editing_a_day_may_move_its_date():
    day = services.calendar_day_set(date=D(2027, 1, 1), kind=DayKind.HOLIDAY, name="元旦")
    services.calendar_day_set(date=D(2027, 1, 4), kind=DayKind.HOLIDAY, name="元旦", day=day)
    assert list(CalendarDay.objects.filter(date__year=2027).values_list("date", flat=True)) == [
        D(2027, 1, 4)
    ]


def test_a_makeup_workday_on_a_weekday_is_refused():
    with pytest.raises(ValidationError, match="周六或周日"):
        services.calendar_day_set(date=D(2027, 1, 4), kind=DayKind.MAKEUP_WORKDAY, name="元旦")


def test_an_unknown_kind_is_refused():
    with pytest.raises(ValidationError):
        services.calendar_day_set(date=D(2027, 1, 4), kind="half_day", name="")


def test_deleting_a_day_is_audited_and_takes_effect():
    day = CalendarDay.objects.get(date=D(2026, 10, 1))
    services.calendar_day_delete(day=day, reason="测试")
    assert add_working_days(D(2026, 9, 30), 1).date == D(2026, 10, 1)
    assert actions() == ["workdays.calendar_day_delete"]


def test_confirming_a_year_is_audited():
    services.calendar_year_set(year=2027, confirmed=True, note="国办发明电〔2026〕X号")
    event = AuditEvent.objects.get(action="workdays.calendar_year_set")
    assert event.changes["confirmed"] == {"before": None, "after": True}
    assert add_working_days(D(2027, 1, 1), 1).warnings == ()


def test_a_year_out_of_range_is_refused():
    with pytest.raises(ValidationError):
        services.calendar_year_set(year=1800, confirmed=True)


def test_deleting_a_year_brings_back_the_warning():
    services.calendar_year_delete(year=CalendarYear.objects.get(year=2026))
    assert add_working_days(D(2026, 9, 30), 1).warnings == (
        "2026 年节假日安排尚未确认，按周一至周五计算。",
    )
    assert actions() == ["workdays.calendar_year_delete"]


def test_reimporting_a_year_from_chinesecalendar_restores_it():
    services.calendar_day_delete(day=CalendarDay.objects.get(date=D(2026, 10, 1)))
    services.calendar_year_set(year=2026, confirmed=False, source="admin")
    row = services.calendar_year_import(year=2026)
    assert row.confirmed and row.source == "chinesecalendar"
    assert CalendarDay.objects.filter(date__year=2026).count() == 39
    assert add_working_days(D(2026, 9, 30), 1).date == D(2026, 10, 8)


def test_importing_a_year_chinesecalendar_lacks_is_refused():
    with pytest.raises(ValidationError, match="没有 2027 年"):
        services.calendar_year_import(year=2027)


# --- Clocks ------------------------------------------------------------------------------------


def test_clock_start_stores_the_deadline_and_the_rule_that_made_it():
    clock = start()
    assert clock.deadline == add_working_days(D(2026, 3, 2), 20).date == D(2026, 3, 30)
    assert clock.start_rule == "next"
    assert clock.deadline_rule == "自 2026-03-02 起 20 个工作日（次日起算）"
    assert clock.warnings == []
    assert clock.subject_id == "42"
    assert actions() == ["workdays.clock_start"]


def test_clock_start_with_same_day_rule():
    assert start(rule="same").deadline == D(2026, 3, 27)


def test_clock_start_default_rule_from_settings(settings):
    settings.YIWANG_WORKDAY_START_RULE = "same"
    assert start().start_rule == "same"


def test_clock_start_into_2027_stores_the_warning():
    clock = start(on=D(2026, 12, 21))
    assert clock.warnings == ["2027 年节假日安排尚未确认，按周一至周五计算。"]


def test_clock_start_refuses_negative_limits_and_unknown_rules():
    with pytest.raises(ValidationError, match="时限不能为负数"):
        start(limit=-1)
    with pytest.raises(ValidationError, match="起算规则"):
        start(rule="soon")
    assert not Clock.objects.exists()


def test_a_paused_clock_moves_the_deadline_by_exactly_the_paused_working_days():
    clock = start()  # deadline Mon Mar 30
    services.clock_pause(
        clock=clock, on=D(2026, 3, 4), reason="材料不全，一次性告知补正", kind="correction"
    )
    resumed = services.clock_resume(clock=clock, on=D(2026, 3, 11))
    paused = working_days_between(D(2026, 3, 4), D(2026, 3, 11)).days
    assert paused == 5
    assert resumed.deadline == add_working_days(D(2026, 3, 30), paused).date == D(2026, 4, 7)
    assert working_days_between(D(2026, 3, 30), resumed.deadline).days == paused
    assert clock.deadline == resumed.deadline  # the caller's instance is brought up to date
    assert clock_paused_working_days(resumed) == 5
    assert (
        resumed.deadline_rule
        == "自 2026-03-02 起 20 个工作日（次日起算）；暂停 1 次，顺延 5 个工作日"
    )
    assert actions() == ["workdays.clock_start", "workdays.clock_pause", "workdays.clock_resume"]


def test_a_pause_over_spring_festival_counts_only_working_days():
    clock = start(on=D(2026, 2, 9))
    before = clock.deadline
    services.clock_pause(
        clock=clock, on=D(2026, 2, 12), reason="专家评审", kind="special_procedure"
    )
    services.clock_resume(clock=clock, on=D(2026, 2, 25))
    # Feb 13, Sat Feb 14 (make-up), Feb 24, 25: four working days, not thirteen calendar days.
    assert clock_paused_working_days(clock) == 4
    assert working_days_between(before, clock.deadline).days == 4


def test_a_pause_resumed_the_same_day_changes_nothing():
    clock = start()
    before = clock.deadline
    services.clock_pause(clock=clock, on=D(2026, 3, 4), reason="挂起", kind="on_hold")
    services.clock_resume(clock=clock, on=D(2026, 3, 4))
    assert clock.deadline == before


def test_several_pauses_add_up():
    clock = start()
    services.clock_pause(clock=clock, on=D(2026, 3, 3), reason="补正", kind="correction")
    services.clock_resume(clock=clock, on=D(2026, 3, 5))  # 2 days
    services.clock_pause(clock=clock, on=D(2026, 3, 5), reason="听证", kind="special_procedure")
    services.clock_resume(clock=clock, on=D(2026, 3, 12))  # 5 days
    assert clock_paused_working_days(clock) == 7
    assert working_days_between(D(2026, 3, 30), clock.deadline).days == 7
    assert clock.deadline_rule.endswith("暂停 2 次，顺延 7 个工作日")


def test_an_open_pause_keeps_the_stored_deadline_and_warns():
    clock = start()
    services.clock_pause(clock=clock, on=D(2026, 3, 4), reason="补正", kind="correction")
    clock.refresh_from_db()
    assert clock.deadline == D(2026, 3, 30)
    assert clock.warnings == ["计时已暂停（自 2026-03-04 起），截止日期按今天恢复推算。"]
    assert "自 2026-03-04 起暂停中" in clock.deadline_rule


def test_an_open_pause_computes_as_if_resumed_today():
    clock = start()
    services.clock_pause(clock=clock, on=D(2026, 3, 4), reason="补正", kind="correction")
    deadline = clock_deadline(clock, today=D(2026, 3, 11))
    assert deadline.date == D(2026, 4, 7)  # as the pause resumed on Mar 11 above
    assert any("计时已暂停" in warning for warning in deadline.warnings)
    # Before the pause day itself nothing is paused yet.
    assert clock_deadline(clock, today=D(2026, 3, 1)).date == D(2026, 3, 30)


def test_pausing_twice_is_refused():
    clock = start()
    services.clock_pause(clock=clock, on=D(2026, 3, 4), reason="补正", kind="correction")
    with pytest.raises(ValidationError, match="计时已暂停，不能重复暂停"):
        services.clock_pause(clock=clock, on=D(2026, 3, 5), reason="挂起", kind="on_hold")
    assert ClockPause.objects.count() == 1


def test_resuming_a_running_clock_is_refused():
    clock = start()
    with pytest.raises(ValidationError, match="计时未暂停"):
        services.clock_resume(clock=clock, on=D(2026, 3, 5))


def test_resuming_before_the_pause_is_refused():
    clock = start()
    services.clock_pause(clock=clock, on=D(2026, 3, 4), reason="补正", kind="correction")
    with pytest.raises(ValidationError, match="恢复日期不能早于暂停日期"):
        services.clock_resume(clock=clock, on=D(2026, 3, 3))


@pytest.mark.parametrize(
    ("on", "reason", "kind", "message"),
    [
        (D(2026, 3, 1), "补正", "correction", "不能早于计时起算日期"),
        (D(2026, 3, 4), "  ", "correction", "请填写暂停事由"),
        (D(2026, 3, 4), "x" * 501, "correction", "不能超过 500"),
        (D(2026, 3, 4), "补正", "coffee", "暂停类别"),
    ],
)
def test_bad_pauses_are_refused(on, reason, kind, message):
    clock = start()
    with pytest.raises(ValidationError, match=message):
        services.clock_pause(clock=clock, on=on, reason=reason, kind=kind)


def test_a_pause_before_the_last_resume_is_refused():
    clock = start()
    services.clock_pause(clock=clock, on=D(2026, 3, 4), reason="补正", kind="correction")
    services.clock_resume(clock=clock, on=D(2026, 3, 10))
    with pytest.raises(ValidationError, match="不能早于上一次恢复日期"):
        services.clock_pause(clock=clock, on=D(2026, 3, 9), reason="挂起", kind="on_hold")


def test_stopping_closes_an_open_pause_and_refuses_more():
    clock = start()
    services.clock_pause(clock=clock, on=D(2026, 3, 4), reason="补正", kind="correction")
    services.clock_stop(clock=clock, on=D(2026, 3, 6))
    assert clock.stopped_on == D(2026, 3, 6)
    assert ClockPause.objects.get().ended_on == D(2026, 3, 6)
    assert clock.warnings == []
    with pytest.raises(ValidationError, match="计时已停止"):
        services.clock_pause(clock=clock, on=D(2026, 3, 9), reason="补正", kind="correction")
    with pytest.raises(ValidationError, match="计时已停止"):
        services.clock_stop(clock=clock, on=D(2026, 3, 9))


def test_stopping_before_the_start_is_refused():
    with pytest.raises(ValidationError, match="停止日期不能早于"):
        services.clock_stop(clock=start(), on=D(2026, 3, 1))


def test_the_database_allows_one_open_pause_per_clock():
    from django.db import IntegrityError, transaction

    clock = start()
    ClockPause.objects.create(clock=clock, started_on=D(2026, 3, 4), kind="on_hold", reason="a")
    with pytest.raises(IntegrityError), transaction.atomic():
        ClockPause.objects.create(clock=clock, started_on=D(2026, 3, 5), kind="on_hold", reason="b")


def test_overdue_list_leaves_out_paused_and_stopped_clocks():
    running, paused, stopped = start(), start(), start()
    services.clock_pause(clock=paused, on=D(2026, 3, 4), reason="补正", kind="correction")
    services.clock_stop(clock=stopped, on=D(2026, 3, 20))
    assert list(clock_overdue_list(today=D(2026, 3, 31))) == [running]
    assert list(clock_overdue_list(today=D(2026, 3, 30))) == []


def test_a_clock_with_a_limit_of_zero_is_due_on_its_start_day():
    clock = start(on=D(2026, 3, 7), limit=0)
    assert clock.deadline == D(2026, 3, 7)


# --- Table changes recompute running clocks -----------------------------------------------------


def test_confirming_2027_recomputes_a_running_clock_and_drops_its_warning():
    from .conftest import enter_2027

    clock = start(on=D(2026, 12, 21), limit=10)
    assert clock.deadline == D(2027, 1, 4)  # Mon–Fri: Jan 1 counted
    assert clock.warnings == ["2027 年节假日安排尚未确认，按周一至周五计算。"]
    enter_2027()
    clock.refresh_from_db()
    assert clock.deadline == D(2027, 1, 5)  # Jan 1 is a holiday now
    assert clock.warnings == []
    event = AuditEvent.objects.get(action="workdays.clock_recompute")
    assert event.changes["deadline"] == {"before": "2027-01-04", "after": "2027-01-05"}


def test_a_draft_year_recomputes_nothing():
    from .conftest import enter_2027

    clock = start(on=D(2026, 12, 21), limit=10)
    enter_2027(confirm=False)
    clock.refresh_from_db()
    assert clock.deadline == D(2027, 1, 4)
    assert not AuditEvent.objects.filter(action="workdays.clock_recompute").exists()


def test_correcting_a_confirmed_day_recomputes_running_clocks_only():
    running, stopped = start(), start()
    services.clock_stop(clock=stopped, on=D(2026, 3, 3))
    services.calendar_day_set(date=D(2026, 3, 16), kind=DayKind.HOLIDAY, name="测试")
    running.refresh_from_db()
    stopped.refresh_from_db()
    assert running.deadline == D(2026, 3, 31)
    assert stopped.deadline == D(2026, 3, 30)  # a closed clock keeps its deadline


def test_a_paused_clock_is_recomputed_as_of_its_pause_day():
    clock = start()
    services.clock_pause(clock=clock, on=D(2026, 3, 4), reason="补正", kind="correction")
    services.calendar_day_set(date=D(2026, 3, 16), kind=DayKind.HOLIDAY, name="测试")
    clock.refresh_from_db()
    assert clock.deadline == D(2026, 3, 31)
    assert "暂停中" in clock.deadline_rule


def test_saving_an_unchanged_day_writes_nothing():
    day = CalendarDay.objects.get(date=D(2026, 10, 1))
    services.calendar_day_set(date=day.date, kind=day.kind, name=day.name)
    assert not AuditEvent.objects.exists()


def _in_own_connection(work):
    """Run `work` in a thread of its own: its own connection, outside the test's transaction,
    so that it really commits."""
    import threading

    from django.db import connections

    result: list = []

    def run() -> None:
        try:
            result.append(work())
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=30)
    return result[0] if result else None


@pytest.mark.skip_allowed("postgresql")
def test_concurrent_pauses_only_one_wins(monkeypatch):
    """Two requests pause the same clock at once: the row lock makes the second wait, see the
    first's pause and refuse. The work commits for real (other connections), so the test writes
    no audit events and removes its clock afterwards."""
    import threading

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("needs concurrent writers (PostgreSQL); the SQLite test database is shared")
    monkeypatch.setattr(services, "audit_change", lambda **kwargs: None)
    clock = _in_own_connection(start)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def pause(kind: str) -> None:
        try:
            barrier.wait(timeout=10)
            services.clock_pause(clock=clock, on=D(2026, 3, 4), reason="并发", kind=kind)
            outcomes.append("paused")
        except ValidationError as exc:
            outcomes.append(" ".join(exc.messages))
        finally:
            connections.close_all()

    try:
        threads = [threading.Thread(target=pause, args=(k,)) for k in ("correction", "on_hold")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert sorted(outcomes) == ["paused", "计时已暂停，不能重复暂停。"]
        assert _in_own_connection(lambda: ClockPause.objects.filter(clock=clock).count()) == 1
    finally:
        _in_own_connection(lambda: Clock.objects.filter(pk=clock.pk).delete())
