"""The sweep from the command line and from the worker's periodic jobs; the outbox's sending
with retry and back-off."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from tests.cases.test_services import submitted
from yiwang.common import periodic
from yiwang.common.models import PeriodicJob
from yiwang.notifications import services as outbox
from yiwang.notifications.models import Message, MessageStatus


@pytest.mark.django_db
def test_cases_sweep_command(world, monkeypatch):
    monkeypatch.setattr("yiwang.cases.services._today", lambda: dt.date(2026, 9, 28))
    submitted(world)
    out = io.StringIO()
    call_command("cases", "sweep", "--date", "2026-10-11", stdout=out)
    assert "视为受理 1 件" in out.getvalue()
    with pytest.raises(CommandError, match="格式不正确"):
        call_command("cases", "sweep", "--date", "11/10/2026")


@pytest.mark.django_db
def test_periodic_jobs_are_claimed_once_per_interval(settings):
    now = timezone.now()
    first = {j.name for j in periodic.claim_due(now)}
    assert first == {
        "appeals.sweep",
        "cases.sweep",
        "notifications.send",
        "hall.no_show",
        "evaluations.rectification_sweep",
        "insight.snapshot",
        "insight.dashboard",
    }
    # a second worker ticking at the same moment gets nothing
    assert periodic.claim_due(now) == []
    later = now + dt.timedelta(minutes=settings.YIWANG_MESSAGE_SEND_MINUTES, seconds=1)
    # the dashboard's refresh (60 s) is due again as well
    assert sorted(j.name for j in periodic.claim_due(later)) == [
        "insight.dashboard",
        "notifications.send",
    ]
    assert PeriodicJob.objects.get(name="cases.sweep").next_run_at > later


@pytest.mark.django_db
def test_tick_enqueues_the_due_tasks(monkeypatch):
    enqueued = []

    class FakeTask:
        def __init__(self, path: str) -> None:
            self.path = path

        def enqueue(self) -> None:
            enqueued.append(self.path)

    monkeypatch.setattr(periodic, "import_string", FakeTask)
    assert sorted(periodic.tick()) == [
        "appeals.sweep",
        "cases.sweep",
        "evaluations.rectification_sweep",
        "hall.no_show",
        "insight.dashboard",
        "insight.snapshot",
        "notifications.send",
    ]
    assert sorted(enqueued) == [
        "yiwang.appeals.tasks.sweep_tickets",
        "yiwang.cases.tasks.sweep_cases",
        "yiwang.evaluations.rectification.tasks.sweep_rectifications",
        "yiwang.hall.tasks.sweep_no_shows",
        "yiwang.insight.tasks.refresh_dashboards",
        "yiwang.insight.tasks.snapshot_figures",
        "yiwang.notifications.tasks.send_messages",
    ]
    assert periodic.tick() == []  # not due again yet


class Flaky:
    calls = 0

    def send(self, message):  # type: ignore[no-untyped-def]
        Flaky.calls += 1
        if Flaky.calls < 3:
            raise ConnectionError("网关超时")


@pytest.mark.django_db
def test_messages_are_retried_with_back_off_then_sent(settings, world):
    settings.YIWANG_SMS_SENDER = "tests.cases.test_sweep_and_worker.Flaky"
    Flaky.calls = 0
    outbox.notify(kind="t", text="测试", phone=world.citizen.phone)
    sms = Message.objects.get(channel="sms")
    assert sms.phone == world.citizen.phone  # encrypted, not masked
    now = timezone.now()
    assert outbox.send_due(now=now).retried == 1
    assert outbox.send_due(now=now).sent == 0  # not due yet: back-off
    sms.refresh_from_db()
    assert sms.next_attempt_at > now and sms.last_error == "网关超时"
    assert outbox.send_due(now=now + dt.timedelta(hours=1)).retried == 1
    assert outbox.send_due(now=now + dt.timedelta(hours=2)).sent == 1
    sms.refresh_from_db()
    assert sms.status == MessageStatus.SENT and sms.attempts == 3


@pytest.mark.django_db
def test_a_message_is_given_up_after_the_last_attempt(settings, world):
    settings.YIWANG_SMS_SENDER = "tests.cases.test_sweep_and_worker.Flaky"
    settings.YIWANG_MESSAGE_MAX_ATTEMPTS = 2
    Flaky.calls = -10
    outbox.notify(kind="t", text="测试", phone=world.citizen.phone)
    later = timezone.now()
    for _ in range(3):
        later += dt.timedelta(hours=2)
        outbox.send_due(now=later)
    assert Message.objects.get(channel="sms").status == MessageStatus.FAILED
