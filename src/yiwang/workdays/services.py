"""Every write of the workdays app: the holiday table and clocks. Keyword-only, atomic, audited."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from yiwang.audit.services import audit_change, snapshot

from . import seed
from .models import (
    CalendarDay,
    CalendarSource,
    CalendarYear,
    Clock,
    ClockPause,
    PauseKind,
)
from .selectors import (
    clock_deadline,
    clock_open_pause,
    clock_paused_working_days,
    resolve_start_rule,
)

MAX_REASON = 500  # what the audit trail keeps of a reason

__all__ = [
    "calendar_day_delete",
    "calendar_day_set",
    "calendar_year_delete",
    "calendar_year_import",
    "calendar_year_set",
    "clock_deadline",  # a read, kept in selectors; re-exported because callers look for it here
    "clock_pause",
    "clock_recompute",
    "clock_resume",
    "clock_start",
    "clock_stop",
    "clocks_recompute_for_year",
]


def _year_state(year: CalendarYear) -> dict[str, Any]:
    return snapshot(year, ["year", "confirmed", "source", "note"])


def _day_state(day: CalendarDay) -> dict[str, Any]:
    return snapshot(day, ["date", "kind", "name"])


def _clock_state(clock: Clock) -> dict[str, Any]:
    return snapshot(clock, ["deadline", "deadline_rule", "warnings", "stopped_on"])


# --- The holiday table ---------------------------------------------------------------------


@transaction.atomic
def calendar_year_set(
    *,
    year: int,
    confirmed: bool,
    source: str = CalendarSource.ADMIN,
    note: str = "",
    actor: Any = None,
    reason: str = "",
    recompute_clocks: bool = True,
) -> CalendarYear:
    """Create or update a year's row. Confirming it makes its days count (and removes the
    Mon–Fri warning for that year); confirming or unconfirming recomputes the running clocks
    that count days in that year."""
    row = CalendarYear.objects.select_for_update().filter(year=year).first()
    before = _year_state(row) if row else None
    was_confirmed = bool(row and row.confirmed)
    if row is None:
        row = CalendarYear(year=year)
    row.confirmed = confirmed
    row.source = source
    row.note = note
    if before == _year_state(row):
        return row  # nothing to change, nothing to audit
    row.full_clean()
    row.save()
    audit_change(
        action="workdays.calendar_year_set",
        obj=row,
        before=before,
        after=_year_state(row),
        actor=actor,
        reason=reason,
    )
    if recompute_clocks and was_confirmed != row.confirmed:
        clocks_recompute_for_year(year=year, actor=actor)
    return row


@transaction.atomic
def calendar_year_delete(*, year: CalendarYear, actor: Any = None, reason: str = "") -> None:
    """Remove a year's row (its days stay but no longer count: the year falls back to Mon–Fri)."""
    audit_change(
        action="workdays.calendar_year_delete",
        obj=year,
        before=_year_state(year),
        actor=actor,
        reason=reason,
    )
    was_confirmed, number = year.confirmed, year.year
    year.delete()
    if was_confirmed:
        clocks_recompute_for_year(year=number, actor=actor)


def _is_confirmed(year: int) -> bool:
    return CalendarYear.objects.filter(year=year, confirmed=True).exists()


def _ensure_year(year: int, *, actor: Any) -> None:
    # Entering a day of a year that has no row yet opens that year as an unconfirmed draft.
    if not CalendarYear.objects.filter(year=year).exists():
        calendar_year_set(
            year=year,
            confirmed=False,
            source=CalendarSource.ADMIN,
            note="录入节假日时自动创建，录入完毕后请勾选“已确认”。",
            actor=actor,
        )


@transaction.atomic
def calendar_day_set(
    *,
    date: dt.date,
    kind: str,
    name: str = "",
    day: CalendarDay | None = None,
    actor: Any = None,
    reason: str = "",
    recompute_clocks: bool = True,
) -> CalendarDay:
    """Enter a holiday or make-up working day. `day` is the row being edited (its date may
    change); without it the row for `date` is created or updated. A change in a confirmed year
    recomputes the running clocks that count days in it."""
    if day is not None and day.pk is not None:
        row = CalendarDay.objects.select_for_update().get(pk=day.pk)
    else:
        row = CalendarDay.objects.select_for_update().filter(date=date).first() or CalendarDay()
    before = _day_state(row) if row.pk else None
    years = {date.year} | ({row.date.year} if row.pk else set())
    row.date = date
    row.kind = kind
    row.name = name
    if before == _day_state(row):
        return row  # nothing to change, nothing to audit
    row.full_clean()
    _ensure_year(date.year, actor=actor)
    row.save()
    audit_change(
        action="workdays.calendar_day_set",
        obj=row,
        before=before,
        after=_day_state(row),
        actor=actor,
        reason=reason,
    )
    if recompute_clocks:
        for year in sorted(years):
            if _is_confirmed(year):
                clocks_recompute_for_year(year=year, actor=actor)
    return row


@transaction.atomic
def calendar_day_delete(
    *, day: CalendarDay, actor: Any = None, reason: str = "", recompute_clocks: bool = True
) -> None:
    """Remove one holiday or make-up working day (recomputing clocks as calendar_day_set)."""
    audit_change(
        action="workdays.calendar_day_delete",
        obj=day,
        before=_day_state(day),
        actor=actor,
        reason=reason,
    )
    year = day.date.year
    day.delete()
    if recompute_clocks and _is_confirmed(year):
        clocks_recompute_for_year(year=year, actor=actor)


@transaction.atomic
def calendar_year_import(*, year: int, actor: Any = None) -> CalendarYear:
    """Replace a year's table with the one in the installed `chinesecalendar` package and mark
    it confirmed (for years a newer package release covers)."""
    if year not in seed.chinesecalendar_years():
        version = seed.chinesecalendar_version()
        raise ValidationError(
            f"已安装的 chinesecalendar {version} 没有 {year} 年的节假日安排，请在管理后台录入。"
        )
    reason = f"由 chinesecalendar {seed.chinesecalendar_version()} 导入"
    wanted = {date: (kind, name) for date, kind, name in seed.chinesecalendar_days(year)}
    for old in CalendarDay.objects.filter(date__year=year):
        if old.date not in wanted:
            calendar_day_delete(day=old, actor=actor, reason=reason, recompute_clocks=False)
    for date, (kind, name) in sorted(wanted.items()):
        calendar_day_set(
            date=date, kind=kind, name=name, actor=actor, reason=reason, recompute_clocks=False
        )
    row = calendar_year_set(
        year=year,
        confirmed=True,
        source=CalendarSource.CHINESECALENDAR,
        note=reason,
        actor=actor,
        reason=reason,
        recompute_clocks=False,
    )
    clocks_recompute_for_year(year=year, actor=actor)  # once, after all the days
    return row


# --- Clocks --------------------------------------------------------------------------------


def _deadline_state(clock: Clock, pauses: list[ClockPause]) -> tuple[dt.date, str, list[str]]:
    """The deadline, the rule text that made it and its warnings, from the clock's `pauses`.
    An open pause is counted as of its first day (the last known deadline)."""
    open_pause = next((p for p in pauses if p.ended_on is None), None)
    today = open_pause.started_on if open_pause is not None else clock.started_on
    deadline = clock_deadline(clock, today=today, pauses=pauses)
    text = deadline.describe()
    if pauses:
        paused = clock_paused_working_days(clock, today=today, pauses=pauses)
        text += f"；暂停 {len(pauses)} 次，顺延 {paused} 个工作日"
    if open_pause is not None:
        text += f"；自 {open_pause.started_on.isoformat()} 起暂停中，恢复后重新计算"
    return deadline.date, text, list(deadline.warnings)


def _refresh_deadline(clock: Clock) -> bool:
    """Store the recomputed deadline, the rule text that made it and its warnings; True if any
    of them changed."""
    new = _deadline_state(clock, list(clock.pauses.all()))
    if (clock.deadline, clock.deadline_rule, clock.warnings) == new:
        return False
    clock.deadline, clock.deadline_rule, clock.warnings = new
    clock.save(update_fields=["deadline", "deadline_rule", "warnings"])
    return True


def _locked(clock: Clock) -> Clock:
    return Clock.objects.select_for_update().get(pk=clock.pk)


def _sync(target: Clock, source: Clock) -> None:
    # Callers keep their own instance; bring it up to date with what was saved.
    for field in ("deadline", "deadline_rule", "warnings", "stopped_on"):
        setattr(target, field, getattr(source, field))


@transaction.atomic
def clock_start(
    *,
    subject_type: str,
    subject_id: str | int,
    started_on: dt.date,
    limit_days: int,
    start_rule: str | None = None,
    actor: Any = None,
) -> Clock:
    """Start a limit of `limit_days` working days for a subject on the day of its triggering
    event (受理 …). The start rule defaults to the YIWANG_WORKDAY_START_RULE setting."""
    clock = _new_clock(
        subject_type=subject_type,
        subject_id=subject_id,
        started_on=started_on,
        limit_days=limit_days,
        start_rule=start_rule,
    )
    clock.save()
    try:
        _refresh_deadline(clock)
    except ValueError as exc:  # only a date past 9999-12-31
        raise ValidationError({"limit_days": str(exc)}) from exc
    audit_change(action="workdays.clock_start", obj=clock, after=_clock_state(clock), actor=actor)
    return clock


def _new_clock(
    *,
    subject_type: str,
    subject_id: str | int,
    started_on: dt.date,
    limit_days: int,
    start_rule: str | None,
) -> Clock:
    if limit_days < 0:
        raise ValidationError({"limit_days": "时限不能为负数。"})
    try:
        rule = resolve_start_rule(start_rule)
    except ValueError as exc:
        raise ValidationError({"start_rule": str(exc)}) from exc
    clock = Clock(
        subject_type=subject_type,
        subject_id=str(subject_id),
        started_on=started_on,
        limit_days=limit_days,
        start_rule=rule,
        deadline=started_on,  # replaced once the row exists for its pauses relation
        deadline_rule="",
    )
    clock.full_clean(exclude=["deadline_rule"])
    return clock


def clock_start_unsaved(
    *,
    pk: int,
    subject_type: str,
    subject_id: str | int,
    started_on: dt.date,
    limit_days: int,
    start_rule: str | None = None,
    actor: Any = None,
) -> Clock:
    """clock_start for a bulk path (cases.bulk): the same checks, deadline and audit event, for a
    new clock with the reserved id `pk` (common.bulk.reserve_ids) that the caller inserts in the
    same transaction. A new clock has no pauses."""
    clock = _new_clock(
        subject_type=subject_type,
        subject_id=subject_id,
        started_on=started_on,
        limit_days=limit_days,
        start_rule=start_rule,
    )
    clock.pk = pk
    try:
        clock.deadline, clock.deadline_rule, clock.warnings = _deadline_state(clock, [])
    except ValueError as exc:
        raise ValidationError({"limit_days": str(exc)}) from exc
    audit_change(action="workdays.clock_start", obj=clock, after=_clock_state(clock), actor=actor)
    return clock


@transaction.atomic
def clock_pause(
    *, clock: Clock, on: dt.date, reason: str, kind: str, actor: Any = None
) -> ClockPause:
    """Stop the clock from `on` (补正, 特别程序, 挂起). Refused if it is already paused or stopped.
    Working days after `on` are not counted until it is resumed."""
    locked = _locked(clock)
    _check_pause(locked, list(locked.pauses.all()), on=on, reason=reason, kind=kind)
    before = _clock_state(locked)
    pause = ClockPause.objects.create(clock=locked, started_on=on, kind=kind, reason=reason)
    _refresh_deadline(locked)
    _audit_pause(locked, before, on=on, kind=kind, reason=reason, actor=actor)
    _sync(clock, locked)
    return pause


def _check_pause(
    clock: Clock, pauses: list[ClockPause], *, on: dt.date, reason: str, kind: str
) -> None:
    """clock_pause's checks against the clock's `pauses` so far."""
    if clock.stopped_on is not None:
        raise ValidationError("计时已停止，不能暂停。")
    if any(p.ended_on is None for p in pauses):
        raise ValidationError("计时已暂停，不能重复暂停。")
    if kind not in PauseKind.values:
        raise ValidationError({"kind": "暂停类别只能是补正、特别程序或挂起。"})
    if not reason.strip():
        raise ValidationError({"reason": "请填写暂停事由。"})
    if len(reason) > MAX_REASON:
        raise ValidationError({"reason": f"暂停事由不能超过 {MAX_REASON} 个字符。"})
    if on < clock.started_on:
        raise ValidationError("暂停日期不能早于计时起算日期。")
    last = max((p.ended_on for p in pauses if p.ended_on is not None), default=None)
    if last is not None and on < last:
        raise ValidationError("暂停日期不能早于上一次恢复日期。")


def _audit_pause(
    clock: Clock, before: dict[str, Any], *, on: dt.date, kind: str, reason: str, actor: Any
) -> None:
    audit_change(
        action="workdays.clock_pause",
        obj=clock,
        before=before,
        after={**_clock_state(clock), "pause": {"started_on": on.isoformat(), "kind": kind}},
        actor=actor,
        reason=reason,
    )


def clock_pause_unsaved(
    *,
    clock: Clock,
    pauses: list[ClockPause],
    on: dt.date,
    reason: str,
    kind: str,
    actor: Any = None,
) -> ClockPause:
    """clock_pause for a bulk path's clock (clock_start_unsaved) whose pauses the caller keeps
    in `pauses`: the same checks, deadline and audit event. The new pause (appended to `pauses`)
    and the clock's changed deadline are the caller's to write in the same transaction."""
    _check_pause(clock, pauses, on=on, reason=reason, kind=kind)
    before = _clock_state(clock)
    pause = ClockPause(clock=clock, started_on=on, kind=kind, reason=reason)
    pauses.append(pause)
    clock.deadline, clock.deadline_rule, clock.warnings = _deadline_state(clock, pauses)
    _audit_pause(clock, before, on=on, kind=kind, reason=reason, actor=actor)
    return pause


def _close_pause(clock: Clock, on: dt.date) -> ClockPause:
    pause = clock_open_pause(clock)
    if pause is None:
        raise ValidationError("计时未暂停，无法恢复。")
    if on < pause.started_on:
        raise ValidationError("恢复日期不能早于暂停日期。")
    pause.ended_on = on
    pause.save(update_fields=["ended_on"])
    return pause


@transaction.atomic
def clock_resume(*, clock: Clock, on: dt.date, actor: Any = None) -> Clock:
    """Restart a paused clock on `on` (e.g. the day the corrected materials arrive); the
    deadline moves by the working days paused. Refused if the clock is not paused."""
    locked = _locked(clock)
    before = _clock_state(locked)
    pause = _close_pause(locked, on)
    try:
        _refresh_deadline(locked)
    except ValueError as exc:
        raise ValidationError(str(exc)) from exc
    _audit_resume(locked, before, on=on, pause=pause, actor=actor)
    _sync(clock, locked)
    return locked


def _audit_resume(
    clock: Clock, before: dict[str, Any], *, on: dt.date, pause: ClockPause, actor: Any
) -> None:
    audit_change(
        action="workdays.clock_resume",
        obj=clock,
        before=before,
        after={**_clock_state(clock), "pause": {"ended_on": on.isoformat(), "kind": pause.kind}},
        actor=actor,
    )


def _open_pause_of(pauses: list[ClockPause], on: dt.date) -> ClockPause:
    # _close_pause's checks, on the pauses a bulk path keeps.
    pause = next((p for p in pauses if p.ended_on is None), None)
    if pause is None:
        raise ValidationError("计时未暂停，无法恢复。")
    if on < pause.started_on:
        raise ValidationError("恢复日期不能早于暂停日期。")
    return pause


def clock_resume_unsaved(
    *, clock: Clock, pauses: list[ClockPause], on: dt.date, actor: Any = None
) -> ClockPause:
    """clock_resume for a bulk path's clock (see clock_pause_unsaved): the same checks, deadline
    and audit event; the pause ended (returned) and the clock's deadline are the caller's to
    write."""
    before = _clock_state(clock)
    pause = _open_pause_of(pauses, on)
    pause.ended_on = on
    try:
        clock.deadline, clock.deadline_rule, clock.warnings = _deadline_state(clock, pauses)
    except ValueError as exc:
        raise ValidationError(str(exc)) from exc
    _audit_resume(clock, before, on=on, pause=pause, actor=actor)
    return pause


@transaction.atomic
def clock_stop(*, clock: Clock, on: dt.date, actor: Any = None) -> Clock:
    """Stop the clock for good (办结, 撤回 …); an open pause ends on the same day."""
    locked = _locked(clock)
    _check_stop(locked, on)
    before = _clock_state(locked)
    if clock_open_pause(locked) is not None:
        _close_pause(locked, on)
    locked.stopped_on = on
    locked.save(update_fields=["stopped_on"])
    _refresh_deadline(locked)
    audit_change(
        action="workdays.clock_stop",
        obj=locked,
        before=before,
        after=_clock_state(locked),
        actor=actor,
    )
    _sync(clock, locked)
    return locked


def _check_stop(clock: Clock, on: dt.date) -> None:
    if clock.stopped_on is not None:
        raise ValidationError("计时已停止。")
    if on < clock.started_on:
        raise ValidationError("停止日期不能早于计时起算日期。")


def clock_stop_unsaved(
    *, clock: Clock, on: dt.date, actor: Any = None, pauses: list[ClockPause] | None = None
) -> Clock:
    """clock_stop for a bulk path's clock (clock_start_unsaved) with its `pauses` kept by the
    caller (clock_pause_unsaved): the same checks, deadline and audit event; an open pause ends
    on the same day (the caller writes it with the clock)."""
    pauses = [] if pauses is None else pauses
    _check_stop(clock, on)
    before = _clock_state(clock)
    if any(p.ended_on is None for p in pauses):
        _open_pause_of(pauses, on).ended_on = on
    clock.stopped_on = on
    clock.deadline, clock.deadline_rule, clock.warnings = _deadline_state(clock, pauses)
    audit_change(
        action="workdays.clock_stop",
        obj=clock,
        before=before,
        after=_clock_state(clock),
        actor=actor,
    )
    return clock


@transaction.atomic
def clock_extend(*, clock: Clock, days: int, reason: str, actor: Any = None) -> Clock:
    """Lengthen a running clock's limit by `days` working days (an approved extension, 延期);
    the deadline is recomputed with its pauses. Refused for a stopped clock."""
    locked = _locked(clock)
    if locked.stopped_on is not None:
        raise ValidationError("计时已停止，不能延长。")
    if days <= 0:
        raise ValidationError({"days": "延长的工作日数应大于 0。"})
    if not reason.strip():
        raise ValidationError({"reason": "请填写延期理由。"})
    before = _clock_state(locked)
    locked.limit_days += days
    locked.save(update_fields=["limit_days"])
    try:
        _refresh_deadline(locked)
    except ValueError as exc:
        raise ValidationError(str(exc)) from exc
    audit_change(
        action="workdays.clock_extend",
        obj=locked,
        before=before,
        after={**_clock_state(locked), "limit_days": locked.limit_days},
        actor=actor,
        reason=reason[:MAX_REASON],
    )
    _sync(clock, locked)
    clock.limit_days = locked.limit_days
    return locked


@transaction.atomic
def clock_recompute(*, clock: Clock, actor: Any = None, reason: str = "") -> bool:
    """Recompute a clock's stored deadline from the current table; audited only when it
    changes. Returns whether it changed."""
    locked = _locked(clock)
    before = _clock_state(locked)
    try:
        changed = _refresh_deadline(locked)
    except ValueError as exc:
        raise ValidationError(str(exc)) from exc
    if changed:
        audit_change(
            action="workdays.clock_recompute",
            obj=locked,
            before=before,
            after=_clock_state(locked),
            actor=actor,
            reason=reason or "节假日安排变更，重新计算截止日期",
        )
        _sync(clock, locked)
    return changed


@transaction.atomic
def clocks_recompute_for_year(*, year: int, actor: Any = None) -> int:
    """Recompute every running clock that may count a day of `year` (started by its end, due
    on or after its start) after the table for that year changed. Stopped clocks keep their
    deadline: it is a closed legal fact. Returns how many deadlines changed."""
    running = Clock.objects.filter(
        stopped_on__isnull=True,
        started_on__lte=dt.date(year, 12, 31),
        deadline__gte=dt.date(year, 1, 1),
    ).order_by("pk")
    return sum(clock_recompute(clock=clock, actor=actor) for clock in running.iterator())
