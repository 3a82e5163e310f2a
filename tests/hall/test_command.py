"""`yiwang hall slots` opens slots over a period — working days, non-working days only for a
周末预约办 group — and leaves existing ones; bad input is one sentence and a non-zero exit;
`yiwang hall sweep` marks no-shows."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from tests.hall.conftest import moment
from yiwang.hall import services as s
from yiwang.hall.fields import BookingStatus
from yiwang.hall.models import Slot
from yiwang.workdays.selectors import work_calendar

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("hall", *args, stdout=out)
    return out.getvalue()


def _period(world) -> tuple[dt.date, dt.date]:
    return world.saturday - dt.timedelta(days=5), world.saturday + dt.timedelta(days=1)


def test_slots_skip_non_working_days_unless_the_group_is_designated(world):
    first, last = _period(world)
    first = max(first, timezone.localdate() + dt.timedelta(days=1))
    args = ["--hall", world.hall.name, "--from", str(first), "--to", str(last)]
    times = ["--times", "09:00-09:30,09:30-10:00", "--capacity", "3"]
    run("slots", "--group", "general", *args, *times)
    calendar = work_calendar()
    days = {slot.day for slot in Slot.objects.filter(group=world.weekday)}
    assert days and all(calendar.is_working_day(d) for d in days)
    assert world.saturday not in days
    out = run("slots", "--group", "weekend", "--non-working-only", *args, *times)
    weekend_days = {slot.day for slot in Slot.objects.filter(group=world.weekend)}
    assert world.saturday in weekend_days
    assert not any(calendar.is_working_day(d) for d in weekend_days)
    assert "已存在 0 个" in out
    again = run("slots", "--group", "weekend", "--non-working-only", *args, *times)
    assert again.startswith("开放预约时段 0 个")


def test_bad_input_is_one_sentence(world):
    with pytest.raises(CommandError, match="没有名为"):
        run(
            "slots",
            "--hall",
            "无此大厅",
            "--group",
            "general",
            "--from",
            "2030-01-01",
            "--to",
            "2030-01-02",
            "--times",
            "09:00-09:30",
            "--capacity",
            "1",
        )
    with pytest.raises(CommandError, match="格式不正确"):
        run(
            "slots",
            "--hall",
            world.hall.name,
            "--group",
            "general",
            "--from",
            "明天",
            "--to",
            "2030-01-02",
            "--times",
            "09:00-09:30",
            "--capacity",
            "1",
        )
    with pytest.raises(CommandError, match="结束时间必须晚于开始时间"):
        day = str(world.workday)
        run(
            "slots",
            "--hall",
            world.hall.name,
            "--group",
            "general",
            "--from",
            day,
            "--to",
            day,
            "--times",
            "10:00-09:30",
            "--capacity",
            "1",
        )


def test_sweep_marks_no_shows(world, at):
    booking = s.booking_create(slot=world.slot(), user=world.citizen.user)
    at(moment(world.workday, 12))
    assert run("sweep") == "标记未到场预约 1 个。\n"
    booking.refresh_from_db()
    assert booking.status == BookingStatus.NO_SHOW


def test_the_worker_runs_the_no_show_sweep_at_its_interval(world, at, settings):
    """The periodic job (common.periodic) calls the same sweep, as often as the setting says."""
    from yiwang.common import periodic
    from yiwang.hall.tasks import sweep_no_shows

    settings.YIWANG_HALL_NO_SHOW_SWEEP_MINUTES = 7
    job = next(j for j in periodic.JOBS if j.name == "hall.no_show")
    assert job.task == "yiwang.hall.tasks.sweep_no_shows"
    assert job.minutes() == 7
    now = timezone.now()
    assert "hall.no_show" in {j.name for j in periodic.claim_due(now)}
    assert "hall.no_show" not in {j.name for j in periodic.claim_due(now + dt.timedelta(minutes=6))}
    assert "hall.no_show" in {j.name for j in periodic.claim_due(now + dt.timedelta(minutes=7))}

    booking = s.booking_create(slot=world.slot(), user=world.citizen.user)
    at(moment(world.workday, 9, 29))
    sweep_no_shows.call()
    booking.refresh_from_db()
    assert booking.status == BookingStatus.BOOKED  # the slot has not ended
    at(moment(world.workday, 9, 30))
    sweep_no_shows.call()
    booking.refresh_from_db()
    assert booking.status == BookingStatus.NO_SHOW
