"""Periodic jobs run by `yiwang worker`: the deadline sweep of cases, the outbox's resends,
the hall's no-show sweep and the tickets' sweep (催办, 督办).

django-tasks has no scheduler, so each worker process runs a small ticker thread: every
TICK_SECONDS it claims the jobs that are due (a conditional UPDATE on common.PeriodicJob, so one
worker of many wins) and enqueues their task on the configured queue (database or Redis). The
task itself runs in whichever worker takes it."""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import close_old_connections
from django.utils import timezone
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)
TICK_SECONDS = 30


@dataclass(frozen=True)
class Job:
    name: str
    task: str  # dotted path of a django-tasks task
    minutes: Callable[[], float]  # the interval, from a setting


JOBS: tuple[Job, ...] = (
    Job(
        "cases.sweep", "yiwang.cases.tasks.sweep_cases", lambda: settings.YIWANG_CASE_SWEEP_MINUTES
    ),
    Job(
        "notifications.send",
        "yiwang.notifications.tasks.send_messages",
        lambda: settings.YIWANG_MESSAGE_SEND_MINUTES,
    ),
    Job(
        "hall.no_show",
        "yiwang.hall.tasks.sweep_no_shows",
        lambda: settings.YIWANG_HALL_NO_SHOW_SWEEP_MINUTES,
    ),
    Job(
        "appeals.sweep",
        "yiwang.appeals.tasks.sweep_tickets",
        lambda: settings.YIWANG_APPEAL_SWEEP_MINUTES,
    ),
    Job(
        "evaluations.rectification_sweep",
        "yiwang.evaluations.rectification.tasks.sweep_rectifications",
        lambda: settings.YIWANG_RECTIFICATION_SWEEP_MINUTES,
    ),
    Job(
        "insight.snapshot",
        "yiwang.insight.tasks.snapshot_figures",
        lambda: settings.YIWANG_FIGURE_SNAPSHOT_MINUTES,
    ),
    Job(
        "insight.dashboard",
        "yiwang.insight.tasks.refresh_dashboards",
        lambda: settings.YIWANG_DASHBOARD_REFRESH_JOB_SECONDS / 60,
    ),
)


def claim_due(now: dt.datetime | None = None) -> list[Job]:
    """The jobs due now, each claimed for this caller alone (its next run moved forward)."""
    from yiwang.common.models import PeriodicJob

    now = now or timezone.now()
    claimed = []
    for job in JOBS:
        interval = dt.timedelta(minutes=float(job.minutes()))
        row, _ = PeriodicJob.objects.get_or_create(name=job.name, defaults={"next_run_at": now})
        won = PeriodicJob.objects.filter(
            pk=row.pk, next_run_at=row.next_run_at, next_run_at__lte=now
        ).update(next_run_at=now + interval, last_run_at=now)
        if won:
            claimed.append(job)
    return claimed


def tick(now: dt.datetime | None = None) -> list[str]:
    """Enqueue every due job's task; the names enqueued."""
    names = []
    for job in claim_due(now):
        try:
            import_string(job.task).enqueue()
            names.append(job.name)
        except Exception:  # a queue outage: the next tick tries again
            logger.exception("定时任务 %s 入队失败。", job.name)
    return names


def start_ticker(stop: threading.Event) -> threading.Thread:
    """A daemon thread that ticks until `stop` is set (the worker's lifetime)."""

    def loop() -> None:
        while not stop.is_set():
            try:
                tick()
            except Exception:  # the database may be briefly away; keep the worker alive
                logger.exception("定时任务调度失败。")
            finally:
                close_old_connections()
            stop.wait(TICK_SECONDS)

    thread = threading.Thread(target=loop, name="yiwang-periodic", daemon=True)
    thread.start()
    return thread
