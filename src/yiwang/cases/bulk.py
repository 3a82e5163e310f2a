"""The bulk path of new cases (demo.simulation; issue 12 §3): many new applications taken from
creation through intake, review and decision to hand-out or delivery, checked exactly as
cases.services checks them and written with a few statements per batch instead of ~100 a case.

`NewCases` offers `create`, `upload`, `paper`, `submit`, `accept`, `not_accept` (不予受理),
`withdraw`, `advance`, `decide`, `deliver` and `hand_out` with the services' arguments, and
runs the services' own code for each (cases.services: the published version, channel, window,
consent, form and delivery checks, `full_clean`, the state machine `CASE.check`, the material
checks, the missing-materials rule with the licences standing in, the review steps, the
decision's rules, notices and messages; workdays: the clocks' checks and deadlines from the
work calendar; windows: the routing and the hand-out record with the desk rule). Only the
writing differs (cases.services.Writes): a new case is visible to no one else until the batch
commits, so it needs no row lock, and its rows are kept in memory with reserved ids
(common.bulk) and written together — inserted, and later changes of rows already written
updated, one statement per model — then post_save is sent for every row as save() would. Before
a submission or a decision the rows so far are written and the history line is saved at once,
so the receivers that act then (licence uses on submission; on a decision the licences issued
and the rating invitation) find the case in the database and run at the moment of the step, as
with the services. An invalid step raises the services' ValidationError/PermissionDenied at
once and the caller's transaction then writes nothing. Corrections, special procedures,
extensions, ratings and a case created in another batch go through the services, once the batch
is flushed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import IO, Any

from django.db.models import Model

from yiwang.cases import services
from yiwang.cases.fields import Channel, Delivery, pre_review_days
from yiwang.cases.models import Case, CaseEvent, CaseMaterial, CaseNotice, CorrectionRequest
from yiwang.catalog.models import ServiceItem
from yiwang.common.bulk import RowBuffer, reserve_ids
from yiwang.notifications.models import Message
from yiwang.notifications.services import (
    awaiting_sending,
    enqueue_sending_on_commit,
    message_rows,
)
from yiwang.org.models import Applicant, User
from yiwang.windows import services as windows
from yiwang.windows.models import HandOut, Routing
from yiwang.workdays.models import Clock, ClockPause
from yiwang.workdays.services import (
    clock_pause_unsaved,
    clock_resume_unsaved,
    clock_start_unsaved,
    clock_stop_unsaved,
)

# History lines whose post_save receivers act on the case in the database (licenses.receivers,
# evaluations.receivers): saved at once, after the rows before them.
AT_ONCE = frozenset({"submit", "resubmit", "decide"})
RESERVE = 100


class NewCases(services.Writes):
    """New cases of one batch, written by `flush()` (and before each submission and decision).
    Use inside transaction.atomic() (and, for one audit insert, audit_batch)."""

    def __init__(self) -> None:
        self._ids: dict[type[Model], list[int]] = {}
        self._rows = RowBuffer()
        self._materials: dict[int, list[CaseMaterial]] = {}
        self._notices: dict[tuple[int, str], int] = {}
        self._clocks: set[int] = set()
        self._pauses: dict[int, list[ClockPause]] = {}
        self._corrections: dict[int, list[CorrectionRequest]] = {}
        self._sending = False
        self.cases: list[Case] = []

    def _pk(self, model: type[Model]) -> int:
        pool = self._ids.setdefault(model, [])
        if not pool:
            pool.extend(reserve_ids(model, RESERVE))
        return pool.pop(0)

    def _ours(self, case: Case) -> None:
        if case.pk not in self._materials:
            raise ValueError("NewCases: the case was not created in this batch.")

    # --- the steps (the services' arguments) ---------------------------------------------

    def create(
        self,
        *,
        item: ServiceItem,
        applicant: Applicant,
        actor: User,
        form: Mapping[str, Any] | None = None,
        delivery: str = Delivery.PICKUP,
        delivery_address: Mapping[str, Any] | None = None,
        commitment: bool = False,
        channel: str | None = None,
        consent: str = "",
    ) -> Case:
        """cases.services.case_create."""
        case = services._new_case(
            item=item,
            applicant=applicant,
            actor=actor,
            form=form,
            delivery=delivery,
            delivery_address=delivery_address,
            commitment=commitment,
            channel=channel,
            consent=consent,
        )
        case.pk = self._pk(Case)
        case.number = services.case_number(case)
        self._rows.add(case)
        self._materials[case.pk] = []
        self._corrections[case.pk] = []
        self.cases.append(case)
        note = Channel(case.channel).label
        self.insert(services._event_row(case, "create", actor, from_status="", note=note))
        services._audit_create(case, actor)
        return case

    def upload(
        self, *, case: Case, actor: User, order: int, file: IO[bytes] | bytes, file_name: str
    ) -> CaseMaterial:
        """cases.services.case_material_upload."""
        current = self.current_materials(case)
        material = services._material_spec(case, order)
        deferred = next((m for m in current if m.order == order and m.deferred), None)
        services._check_upload(case, actor, deferred)
        data, kind = services.checked_upload(file, file_name)
        for earlier in current:
            if earlier.order == order:
                earlier.current = False
                self._rows.changed(earlier, ["current"])
        row = services._uploaded(case, actor, material, data, kind, file_name)
        self.insert(row)
        services._record_upload(case, actor, material, row, deferred, rows=self)
        return row

    def paper(self, *, case: Case, actor: User, order: int, received: bool = True) -> CaseMaterial:
        """cases.services.case_material_paper."""
        self._ours(case)
        return services._paper(case, actor, order, received, w=self)

    def submit(self, *, case: Case, actor: User) -> Case:
        """cases.services.case_submit (a 一件事 child is not applied for here)."""
        self._ours(case)
        fields = services._check_submission(case, actor, w=self)
        if case.bundle_case_id is not None:
            raise ValueError("NewCases: a 一件事 case is submitted through cases.bundles.")
        case.pre_review_clock = services._start(
            case, pre_review_days(), services._today(), actor, w=self
        )
        services._fire(case, "submit", actor, fields=fields, w=self)
        services._submitted_message(case, w=self)
        return case

    def request_correction(
        self, *, case: Case, actor: User, entries: Sequence[Mapping[str, Any]], note: str = ""
    ) -> CorrectionRequest:
        """cases.services.case_request_correction (补正: the pre-review clock paused)."""
        self._ours(case)
        return services._request_correction(case, actor, entries, note=note, w=self)

    def resubmit(self, *, case: Case, actor: User) -> Case:
        """cases.services.case_resubmit."""
        self._ours(case)
        return services._resubmit(case, actor, w=self)

    def accept(
        self, *, case: Case, actor: User, deferred: Sequence[int] = (), note: str = ""
    ) -> Case:
        """cases.services.case_accept."""
        self._ours(case)
        return services._accept_now(case, actor, deferred=deferred, note=note, w=self)

    def not_accept(self, *, case: Case, actor: User, reason: str) -> Case:
        """cases.services.case_not_accept (a 一件事 child is not refused here)."""
        self._ours(case)
        return services._not_accept(case, actor, reason, w=self)

    def withdraw(self, *, case: Case, actor: User, reason: str = "") -> Case:
        """cases.services.case_withdraw."""
        self._ours(case)
        return services._withdraw(case, actor, reason, w=self)

    def advance(self, *, case: Case, actor: User, note: str = "") -> Case:
        """cases.services.case_advance."""
        self._ours(case)
        return services._advance(case, actor, note=note, w=self)

    def decide(
        self,
        *,
        case: Case,
        actor: User,
        decision: str,
        reason: str = "",
        basis: str = "",
        fee: Any = None,
    ) -> Case:
        """cases.services.case_decide."""
        self._ours(case)
        return services._decide_now(
            case, actor, decision, reason=reason, basis=basis, fee=fee, w=self
        )

    def deliver(self, *, case: Case, actor: User, tracking_number: str = "") -> Case:
        """cases.services.case_deliver."""
        self._ours(case)
        return services._deliver(case, actor, tracking_number=tracking_number, w=self)

    def hand_out(
        self,
        *,
        case: Case,
        actor: User,
        collected_by: str,
        collector_id_number: str = "",
        id_checked: bool = False,
    ) -> Case:
        """cases.services.case_hand_out."""
        self._ours(case)
        return services._hand_out(
            case,
            actor,
            collected_by=collected_by,
            collector_id_number=collector_id_number,
            id_checked=id_checked,
            w=self,
        )

    # --- services.Writes: where the steps' rows go ---------------------------------------

    def add(self, row: Model) -> None:  # the history lines of _record_upload
        self.insert(row)

    def insert(self, row: Any) -> None:
        if isinstance(row, CaseEvent) and row.action in AT_ONCE:
            self._rows.flush()
            self._rows.add(row)
            self._rows.flush()
            return
        if isinstance(row, (CorrectionRequest, CaseMaterial)) and row.pk is None:
            # An id, so that a later change (a correction answered, a material superseded in
            # 补正) can update the row after a flush.
            row.pk = self._pk(type(row))
        if isinstance(row, CorrectionRequest):
            self._corrections[row.case_id].append(row)
        self._rows.add(row)
        if isinstance(row, CaseMaterial):
            self._materials[row.case_id].append(row)
        elif isinstance(row, CaseNotice):
            key = (row.case_id, row.kind)
            self._notices[key] = self._notices.get(key, 0) + 1

    def update(self, row: Any, fields: list[str]) -> None:
        self._rows.changed(row, fields)

    def notify(self, **message: Any) -> list[Message]:
        rows = message_rows(**message)
        self._rows.extend(rows)
        if awaiting_sending(rows) and not self._sending:
            enqueue_sending_on_commit()
            self._sending = True
        return rows

    def clock_start(self, **clock: Any) -> Clock:
        started = clock_start_unsaved(pk=self._pk(Clock), **clock)
        self._rows.add(started)
        self._clocks.add(started.pk)
        return started

    def _our_clock(self, clock: Clock) -> list[ClockPause]:
        if clock.pk not in self._clocks:
            raise ValueError("NewCases: the clock was not started in this batch.")
        return self._pauses.setdefault(clock.pk, [])

    def clock_stop(self, clock: Clock, on: dt.date, actor: User | None) -> None:
        pauses = self._our_clock(clock)
        open_pause = self.open_pause(clock)
        clock_stop_unsaved(clock=clock, on=on, actor=actor, pauses=pauses)
        if open_pause is not None:
            self._rows.changed(open_pause, ["ended_on"])
        self._rows.changed(clock, ["stopped_on", "deadline", "deadline_rule", "warnings"])

    def clock_pause(
        self, clock: Clock, on: dt.date, reason: str, kind: str, actor: User | None
    ) -> None:
        pauses = self._our_clock(clock)
        pause = clock_pause_unsaved(
            clock=clock, pauses=pauses, on=on, reason=reason, kind=kind, actor=actor
        )
        pause.pk = self._pk(ClockPause)
        self._rows.add(pause)
        self._rows.changed(clock, ["deadline", "deadline_rule", "warnings"])

    def clock_resume(self, clock: Clock, on: dt.date, actor: User | None) -> None:
        pause = clock_resume_unsaved(clock=clock, pauses=self._our_clock(clock), on=on, actor=actor)
        self._rows.changed(pause, ["ended_on"])
        self._rows.changed(clock, ["deadline", "deadline_rule", "warnings"])

    def open_pause(self, clock: Clock) -> ClockPause | None:
        return next((p for p in self._our_clock(clock) if p.ended_on is None), None)

    def pauses(self, clock: Clock) -> list[Any] | None:
        # The pauses of a clock of this batch are kept here (clock_pause_unsaved).
        return list(self._pauses.get(clock.pk, [])) if clock.pk in self._clocks else None

    def corrections(self, case: Case) -> list[CorrectionRequest]:
        self._ours(case)
        return list(self._corrections[case.pk])

    def open_correction(self, case: Case) -> CorrectionRequest | None:
        self._ours(case)
        waiting = [c for c in self._corrections[case.pk] if c.resolved_at is None]
        return max(waiting, key=lambda c: (c.requested_at, c.pk), default=None)

    def current_materials(self, case: Case) -> list[CaseMaterial]:
        self._ours(case)
        return [m for m in self._materials[case.pk] if m.current]

    def notice_count(self, case: Case, kind: str) -> int:
        return self._notices.get((case.pk, kind), 0)

    def route(self, case: Case, actor: User) -> None:
        window = windows.intake_window(case)
        if window is None:
            return  # a new case has no routing yet
        routing = windows.routing_row(case=case, window=window, actor=actor)
        routing.pk = self._pk(Routing)
        self._rows.add(routing)
        windows.audit_route(routing, case=case, window=window, actor=actor)

    def hand_out_record(self, case: Case, actor: User, **record: Any) -> None:
        row = windows.hand_out_row(case=case, actor=actor, **record)
        row.pk = self._pk(HandOut)
        self._rows.add(row)
        windows.audit_hand_out(row, case=case, actor=actor)

    def extend(self, rows: Iterable[Model]) -> None:
        for row in rows:
            self.insert(row)

    def flush(self) -> list[Case]:
        """Write everything made so far (then post_save for each row); the cases, in order."""
        self._rows.flush()
        self._sending = False
        done, self.cases = self.cases, []
        return done
