"""The bulk path of applying (demo.simulation; issue 12 §3): many new applications — created,
their materials handed in, submitted — checked exactly as cases.services checks them and
written with a few statements per batch instead of ~40 a case.

`Applications` offers `create`, `upload`, `paper` and `submit` with the services' arguments. Each
runs the services' own rule functions (cases.services: the published version, channel, window,
consent, form and delivery checks, `full_clean`, the state machine `CASE.check`, the material
checks, the missing-materials rule with the licences standing in; workdays: the pre-review
clock's checks and deadline from the work calendar; the same history lines, audit events in the
same order and content, and messages). Only the writing differs: a new case is visible to no one
else until the batch commits, so it needs no row lock, and its rows are kept in memory with
reserved ids (common.bulk) and inserted together by `flush()`, which then sends post_save for
every row as save() would (case snapshots, licence uses on submission). An invalid step raises
the services' ValidationError/PermissionDenied at once; the caller's transaction then writes
nothing. What follows submission (intake, review, decision, delivery) goes through the
services, case by case, once the batch is flushed."""

from __future__ import annotations

from collections.abc import Mapping
from typing import IO, Any

from yiwang.cases import services
from yiwang.cases.fields import Channel, Delivery, pre_review_days
from yiwang.cases.models import Case, CaseMaterial
from yiwang.catalog.models import ServiceItem
from yiwang.common.bulk import RowBuffer, reserve_ids
from yiwang.notifications.models import Message
from yiwang.notifications.services import enqueue_sending_on_commit, message_rows
from yiwang.org.models import Applicant, User
from yiwang.workdays.models import Clock
from yiwang.workdays.services import clock_start_unsaved


class Applications:
    """Up to `count` new applications, written by `flush()`. Use inside transaction.atomic()
    (and, for one audit insert, audit_batch)."""

    def __init__(self, count: int) -> None:
        self._case_ids = reserve_ids(Case, count)
        self._clock_ids = reserve_ids(Clock, count)
        self._rows = RowBuffer()
        self._materials: dict[int, list[CaseMaterial]] = {}
        self._sending = False
        self.cases: list[Case] = []

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
        case.pk = self._case_ids.pop(0)
        case.number = services.case_number(case)
        self._rows.add(case)
        self._materials[case.pk] = []
        self.cases.append(case)
        note = Channel(case.channel).label
        self._rows.add(services._event_row(case, "create", actor, from_status="", note=note))
        services._audit_create(case, actor)
        return case

    def _current(self, case: Case) -> list[CaseMaterial]:
        try:
            return [m for m in self._materials[case.pk] if m.current]
        except KeyError:
            raise ValueError("Applications: the case was not created in this batch.") from None

    def upload(
        self, *, case: Case, actor: User, order: int, file: IO[bytes] | bytes, file_name: str
    ) -> CaseMaterial:
        """cases.services.case_material_upload."""
        current = self._current(case)
        material = services._material_spec(case, order)
        deferred = next((m for m in current if m.order == order and m.deferred), None)
        services._check_upload(case, actor, deferred)
        data, kind = services.checked_upload(file, file_name)
        for earlier in current:
            if earlier.order == order:
                earlier.current = False
        row = services._uploaded(case, actor, material, data, kind, file_name)
        self._rows.add(row)
        self._materials[case.pk].append(row)
        services._record_upload(case, actor, material, row, deferred, rows=self._rows)
        return row

    def paper(self, *, case: Case, actor: User, order: int, received: bool = True) -> CaseMaterial:
        """cases.services.case_material_paper (a new case has no correction asked for)."""
        current = self._current(case)
        services._check_paper(case, actor)
        material = services._material_spec(case, order)
        row = next((m for m in current if m.order == order), None)
        if row is None:
            row = CaseMaterial(case=case, order=order, name=material.name, uploaded_by=actor)
            self._rows.add(row)
            self._materials[case.pk].append(row)
        row.paper = received
        note = services._paper_note(material)
        self._rows.add(
            services._event_row(case, "material", actor, from_status=case.status, note=note)
        )
        return row

    def submit(self, *, case: Case, actor: User) -> Case:
        """cases.services.case_submit (a 一件事 child is not applied for here)."""
        fields = services._check_submission(case, actor, current=self._current(case))
        if case.bundle_case_id is not None:
            raise ValueError("Applications: a 一件事 case is submitted through cases.bundles.")
        clock = clock_start_unsaved(
            pk=self._clock_ids.pop(0),
            subject_type=services.SUBJECT_TYPE,
            subject_id=case.pk,
            started_on=services._today(),
            limit_days=pre_review_days(),
            actor=actor,
        )
        self._rows.add(clock)
        case.pre_review_clock = clock
        before = services._move(case, "submit")
        self._rows.changed(case, ["status", "updated_at", *fields])
        self._rows.add(services._event_row(case, "submit", actor, from_status=before))
        services._audit_move(case, "submit", actor, before=before)
        services._submitted_message(case, send=self._notify)
        return case

    def _notify(self, **message: Any) -> list[Message]:
        rows = message_rows(**message)
        self._rows.extend(rows)
        if rows and not self._sending:
            enqueue_sending_on_commit()
            self._sending = True
        return rows

    def flush(self) -> list[Case]:
        """Insert everything made so far (then post_save for each row); the cases, in order."""
        self._rows.flush()
        self._sending = False
        done, self.cases = self.cases, []
        return done
