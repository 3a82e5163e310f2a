"""Display helpers for case pages (portal and workbench): form values masked by field type,
the applicant's progress timeline, the history lines a citizen is shown, the material rows of
an application. No reads of their own and no business rules: they shape what the selectors
returned."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext, gettext_noop, pgettext
from django.utils.translation import gettext_lazy as _

from yiwang.cases.fields import PERSONAL_FORM_TYPES, CaseStatus, Channel, WarningLevel
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


# --- The case vocabulary in the reader's language -------------------------------------------
# The labels are Chinese, marked where they are defined (cases.fields, cases.workflow); these
# translate them for pages. Templates translate a label with {% translate %}.


def label(choices: type[Any], value: str) -> str:
    """The label of `value` in `choices` (a cases.fields TextChoices), translated; "" for none."""
    return gettext(str(choices(value).label)) if value in choices.values else str(value or "")


def status_label(status: str) -> str:
    return label(CaseStatus, status)


def channel_label(channel: str) -> str:
    # 窗口 alone is a list of windows elsewhere ("Windows"): the channel says where it came in.
    if channel == Channel.WINDOW:
        return pgettext("case channel", "窗口")
    return label(Channel, channel)


def action_label(name: str) -> str:
    """A transition's label as a button or a heading says it."""
    from yiwang.cases.workflow import CASE

    if name == "not_accept":  # 不予受理 is also the status the case ends in
        return pgettext("case action", "不予受理")
    return gettext(CASE.transitions[name].label)


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
    if status == CaseStatus.ARCHIVED:  # archived from where it ended
        status = (
            CaseStatus.WITHDRAWN
            if "withdraw" in first
            else CaseStatus.NOT_ACCEPTED
            if "not_accept" in first
            else CaseStatus.DELIVERED
        )
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


# The words the services write for history lines that are not transitions
# (cases.services.ACTION_LABELS), marked here so that pages can translate them; the transitions'
# labels are marked in cases.workflow. tests/cases/test_english.py checks that both lists hold
# every label the services write.
EVENT_WORDS = (
    gettext_noop("创建申请"),
    gettext_noop("视为受理"),
    gettext_noop("时限预警"),
    gettext_noop("已超期"),
    gettext_noop("催交容缺材料"),
    gettext_noop("提交材料"),
    gettext_noop("承诺核查"),
    gettext_noop("修改申请"),
)


def event_label(event: Any) -> str:
    """A history line's label in the reader's language (the stored label is Chinese)."""
    return gettext(event.label) if event.label else ""


def applicant_history(events: Iterable[Any]) -> list[HistoryRow]:
    """The history lines the applicant sees, newest first."""
    rows = [
        HistoryRow(e.at, event_label(e), e.note if e.action in APPLICANT_EVENT_NOTES else "")
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
    # 免提交 by a licence (licenses.exemption): the type that stands in, and the applicant's
    # valid licence of it (None: he holds none, so the material is asked for as usual).
    licence_type: Any = None
    licence: Any = None

    @property
    def handed_in(self) -> bool:
        return bool(self.files)

    @property
    def by_licence(self) -> bool:
        """Not asked for: the applicant's valid licence stands in."""
        return self.licence is not None

    @property
    def field_name(self) -> str:
        return f"material_{self.order}"


def material_rows(
    version_materials: Iterable[Any],
    case_materials: Iterable[Any],
    licences: Mapping[int, Any] | None = None,
) -> list[MaterialRow]:
    """Each material of the item version with the files handed in for it (免提交 ones carry
    none: they are not asked for). `licences`: licenses.exemption.version_licence_materials
    for the applicant (the licence-linked materials, by order)."""
    licences = licences or {}
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
            licence_type=getattr(licences.get(m.order), "license_type", None),
            licence=getattr(licences.get(m.order), "licence", None),
        )
        for m in version_materials
    ]


# --- Workbench: the case page ------------------------------------------------------------------
# (imports inside the functions: this section is the workbench's, appended below the portal's)

IMAGE_TYPES = frozenset({"image/jpeg", "image/png"})


def file_kind(row: Any) -> str:
    """How the workbench shows a material file: "image" (inline preview), "pdf" (a link)
    or "file"."""
    if not row.file:
        return ""
    if row.content_type in IMAGE_TYPES:
        return "image"
    if row.content_type == "application/pdf":
        return "pdf"
    return "file"


@dataclass
class StaffMaterialRow:
    """One material of the item version with what was handed in for it: the current file or
    paper original (or the 容缺 placeholder), and the files it superseded."""

    order: int
    name: str
    required: bool
    deferrable: bool
    exempt: bool
    current: Any = None
    earlier: list[Any] = field(default_factory=list)
    # The applicant's licence attached for it (免提交, licenses.exemption.case_material_uses),
    # or, on the window's intake page (a draft), the valid licence that will be attached on
    # registration (licenses.exemption.version_licence_materials); `licence_type`: the type
    # standing in for it, if linked (held or not).
    licence: Any = None
    licence_type: Any = None

    @property
    def asked(self) -> bool:
        """Asked of the applicant (paper or scan): neither shared nor stood in for by a
        licence."""
        return not self.exempt and self.licence is None

    @property
    def kind(self) -> str:
        return file_kind(self.current) if self.current is not None else ""

    @property
    def has_file(self) -> bool:
        return bool(self.current is not None and self.current.file)

    @property
    def paper(self) -> bool:
        return bool(self.current is not None and self.current.paper)

    @property
    def deferred(self) -> bool:
        return bool(self.current is not None and self.current.deferred and not self.has_file)

    @property
    def handed_in(self) -> bool:
        return self.has_file or self.paper

    @property
    def missing(self) -> bool:
        return not self.exempt and not self.handed_in and self.licence is None


def staff_material_rows(
    version_materials: Iterable[Any], rows: Iterable[Any], uses: Mapping[int, Any] | None = None
) -> list[StaffMaterialRow]:
    """`rows`: every CaseMaterial of the case (current and superseded), newest first per
    material, as selectors.case_materials(case, current_only=False) gives them; `uses`: the
    licences attached for materials (licenses.exemption.case_material_uses), or for a draft at
    the window those that would stand in (licenses.exemption.version_licence_materials)."""
    uses = uses or {}
    by_order = {
        m.order: StaffMaterialRow(
            m.order,
            m.name,
            m.required,
            m.deferrable,
            m.exempt,
            licence=getattr(uses.get(m.order), "licence", None),
            licence_type=getattr(uses.get(m.order), "license_type", None),
        )
        for m in version_materials
    }
    for row in rows:
        material = by_order.get(row.order)
        if material is None:
            continue
        if row.current and material.current is None:
            material.current = row
        elif row.file:
            material.earlier.append(row)
    return sorted(by_order.values(), key=lambda r: r.order)


@dataclass(frozen=True)
class StaffHistoryRow:
    at: dt.datetime
    actor: str
    label: str
    from_label: str
    to_label: str
    note: str

    @property
    def changed(self) -> bool:
        return bool(self.from_label) and self.from_label != self.to_label


def staff_history(events: Iterable[Any], *, applicant: Any = None) -> list[StaffHistoryRow]:
    """Every line of the case history for staff: who, when, from → to, note (ID and phone
    numbers typed into a note are masked). The applicant's own steps name him as 申请人
    rather than by his account's generated user name."""
    own = applicant.user_id if applicant is not None else None
    label = (
        f"{pgettext('one applicant', '申请人')} {applicant.name}" if applicant is not None else ""
    )
    return [
        StaffHistoryRow(
            at=e.at,
            actor=label if own is not None and e.actor_id == own else _actor(e),
            label=event_label(e),
            from_label=status_label(e.from_status) if e.from_status else "",
            to_label=status_label(e.to_status) if e.to_status else "",
            note=_note(e),
        )
        for e in events
    ]


# What the services write as the actor of the system's own steps (the sweep, a command).
SYSTEM = gettext_noop("系统")


def _actor(event: Any) -> str:
    if event.actor_id is None and event.actor_label == SYSTEM:
        return gettext(SYSTEM)  # a word, not a name
    return str(event.actor_label)


def _note(event: Any) -> str:
    from yiwang.common.masking import mask_text

    # The line that creates a case notes its channel (the channel's label, a word of the
    # vocabulary); every other note is what someone wrote.
    by_label = {str(c.label): c for c in Channel}
    if event.action == "create" and event.note in by_label:
        return channel_label(by_label[event.note])
    return mask_text(event.note)


@dataclass
class ClockFacts:
    received_on: dt.date | None
    accepted_on: dt.date | None
    deemed_accepted: bool
    pre_review_deadline: dt.date | None
    legal_deadline: dt.date | None
    promised_deadline: dt.date | None
    delivery_deadline: dt.date | None
    paused_working_days: int
    paused: bool
    extended: bool
    extension_reason: str
    warning: str
    warning_label: str
    ever_overdue: bool
    calendar_warnings: list[str]
    procedure: Any = None  # the special procedure in progress


def clock_facts(case: Any, *, procedure: Any = None, today: dt.date | None = None) -> ClockFacts:
    """Acceptance, the legal and promised deadlines, the working days paused, the calendar's
    warnings (holiday years not yet confirmed, 计时已暂停) and the special procedure in
    progress (`procedure`, from the caller's read)."""
    from yiwang.workdays.selectors import clock_paused_working_days

    today = today or timezone.localdate()
    warnings: list[str] = []
    for clock in (case.pre_review_clock, case.legal_clock, case.promised_clock):
        for text in (clock.warnings or []) if clock is not None else []:
            if str(text) not in warnings:
                warnings.append(str(text))
    due = case.promised_clock or case.legal_clock
    paused_days = clock_paused_working_days(due, today=due.stopped_on or today) if due else 0
    pre = case.pre_review_clock
    waiting = case.status in (CaseStatus.SUBMITTED, CaseStatus.CORRECTION)
    return ClockFacts(
        received_on=case.received_on,
        accepted_on=case.accepted_on,
        deemed_accepted=case.deemed_accepted,
        pre_review_deadline=pre.deadline if pre is not None and waiting else None,
        legal_deadline=case.legal_deadline,
        promised_deadline=case.promised_deadline,
        delivery_deadline=case.delivery_deadline,
        paused_working_days=paused_days,
        paused=case.paused,
        extended=case.extended,
        extension_reason=case.extension_reason,
        warning=case.warning,
        warning_label=label(WarningLevel, case.warning) if case.warning else "",
        ever_overdue=case.ever_overdue,
        calendar_warnings=warnings,
        procedure=procedure,
    )


# The staff transitions the case page offers, in the order a case meets them (submit,
# resubmit and withdraw are the applicant's).
STAFF_ACTIONS = (
    "accept",
    "request_correction",
    "not_accept",
    "advance",
    "decide",
    "pause",
    "resume",
    "extend",
    "pay",
    "hand_out",
    "deliver",
    "archive",
)


def staff_actions(case: Any, user: Any, *, last_step: bool, verification_open: bool) -> list[str]:
    """The action forms a staff member sees on the case page: the transitions the machine
    lets him fire from the case's status (cases.workflow.CASE.available), narrowed to those
    that apply to this case now — the next review step or the decision (`last_step`), a pause
    or its end, delivery by the case's method, the payment only while it is pending. The
    services still decide; this only leaves out buttons that would certainly be refused."""
    from yiwang.cases.fields import Delivery, PaymentStatus
    from yiwang.cases.workflow import CASE

    names = {t.name for t in CASE.available(case.status, user)}
    if not user.has_perm("cases.accept_case"):
        names.discard("pay")  # the window checks the payment platform's receipt
    if case.status == CaseStatus.IN_REVIEW:
        names.discard("advance" if last_step else "decide")
        names -= {"advance", "decide", "pause"} if case.paused else {"resume"}
        if case.extended:
            names.discard("extend")
    if case.status == CaseStatus.CONCLUDED:
        if case.payment_status != PaymentStatus.PENDING:
            names.discard("pay")
        names.discard("deliver" if case.delivery == Delivery.PICKUP else "hand_out")
    actions = [name for name in STAFF_ACTIONS if name in names]
    if case.status == CaseStatus.CORRECTION and user.has_perm("cases.accept_case"):
        # The applicant brings the corrected materials to the window: the clerk records them
        # and resubmits on his behalf.
        actions.append("resubmit")
    if verification_open and user.has_perm("cases.verify_commitment"):
        actions.append("verify")
    return actions
