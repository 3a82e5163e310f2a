"""The bulk path of new tickets (demo.simulation; issue 12 §3): many new tickets taken from
registration through dispatch, send-back and re-dispatch, signing for, the answer, the
follow-up (不满意: redo) and closing, checked exactly as appeals.services checks them and written
with a few statements per batch instead of ~45 a ticket.

`NewTickets` offers `register`, `dispatch`, `sign_for`, `send_back`, `reply`, `follow_up` and
`close` with the services' arguments and runs the services' own code for each
(appeals.services: the source, text, phone, external number and permission checks, the state
machine `TICKET.check`, the department's part and its sign-for limit, the data scope of the
dispatcher, the limits from appeals.sla, the history line, the audit event and the messages;
workdays: the clocks' checks and deadlines from the work calendar). Only how the rows are read
and written differs (appeals.services.Writes): a new ticket is visible to no one else until the
batch commits, so it needs no row lock and its assignments are looked up in memory; its rows are
kept with reserved ids (common.bulk) and written together by `flush()` — one INSERT per model —
then post_save is sent for every row as save() would. The limits table and the departments'
ticket handlers are read once per batch (one transaction). An invalid step raises the services'
ValidationError/PermissionDenied at once and the caller's transaction then writes nothing.
Attachments, pauses, extensions, reminders and a ticket of another batch go through the
services."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db.models import Model

from yiwang.appeals import services
from yiwang.appeals.fields import LIVE_ASSIGNMENT_STATUSES, AssignmentStatus
from yiwang.appeals.models import Ticket, TicketAssignment
from yiwang.appeals.sla import Limits
from yiwang.common.bulk import RowBuffer, reserve_ids
from yiwang.notifications.models import Message
from yiwang.notifications.services import (
    awaiting_sending,
    enqueue_sending_on_commit,
    message_rows,
)
from yiwang.org.models import Department, User
from yiwang.workdays.models import Clock
from yiwang.workdays.services import clock_start_unsaved, clock_stop_unsaved

RESERVE = 50
_ROLE_ORDER = {"assist": 0, "lead": 1}  # TicketAssignment.Meta.ordering: round, role, id


class NewTickets(services.Writes):
    """New tickets of one batch, written by `flush()`. Use inside transaction.atomic() (and, for
    one audit insert, audit_batch)."""

    def __init__(self) -> None:
        self._ids: dict[type[Model], list[int]] = {}
        self._rows = RowBuffer()
        self._tickets: dict[int, Ticket] = {}
        self._parts: dict[int, list[TicketAssignment]] = {}
        self._numbers: set[tuple[str, str]] = set()
        self._clocks: set[int] = set()
        self._limits: dict[tuple[str, str, bool], Limits] = {}
        self._handlers: dict[int, list[User]] = {}
        self._dispatchers: dict[int, list[User]] = {}
        self._sending = False

    def _pk(self, model: type[Model]) -> int:
        pool = self._ids.setdefault(model, [])
        if not pool:
            pool.extend(reserve_ids(model, RESERVE))
        return pool.pop(0)

    # --- the steps (the services' arguments) ---------------------------------------------

    def register(self, *, actor: User | None, **values: Any) -> Ticket:
        """appeals.services.ticket_register (without attachments: ticket_attach)."""
        if values.get("attachments"):
            raise ValueError("NewTickets: attachments go through appeals.services.")
        return services._register(actor=actor, **values, w=self)

    def dispatch(
        self,
        *,
        ticket: Ticket,
        actor: User | None,
        lead: Department,
        assisting: Sequence[Department] = (),
        instruction: str = "",
    ) -> Ticket:
        """appeals.services.ticket_dispatch (and the re-dispatch after a send-back)."""
        return services._dispatch(
            ticket=ticket,
            actor=actor,
            lead=lead,
            assisting=assisting,
            instruction=instruction,
            w=self,
        )

    def sign_for(
        self, *, ticket: Ticket, actor: User | None, department: Department | None = None
    ) -> TicketAssignment:
        """appeals.services.ticket_sign_for."""
        return services._sign_for(ticket=ticket, actor=actor, department=department, w=self)

    def send_back(
        self,
        *,
        ticket: Ticket,
        actor: User | None,
        reason: str,
        department: Department | None = None,
    ) -> TicketAssignment:
        """appeals.services.ticket_send_back."""
        return services._send_back(
            ticket=ticket, actor=actor, reason=reason, department=department, w=self
        )

    def reply(self, *, ticket: Ticket, actor: User | None, reply: str) -> Ticket:
        """appeals.services.ticket_reply."""
        return services._reply(ticket=ticket, actor=actor, reply=reply, w=self)

    def follow_up(
        self, *, ticket: Ticket, actor: User | None, satisfaction: str, note: str = ""
    ) -> Ticket:
        """appeals.services.ticket_follow_up (不满意: the redo)."""
        return services._follow_up(
            ticket=ticket, actor=actor, satisfaction=satisfaction, note=note, w=self
        )

    def close(self, *, ticket: Ticket, actor: User | None, note: str = "") -> Ticket:
        """appeals.services.ticket_close."""
        return services._close(ticket=ticket, actor=actor, note=note, w=self)

    # --- services.Writes: where the steps' rows come from and go -------------------------

    def lock(self, ticket: Ticket) -> Ticket:
        found = self._tickets.get(ticket.pk) if ticket.pk is not None else None
        if found is None:
            raise ValueError("NewTickets: the ticket was not registered in this batch.")
        return found  # new: no one else sees it before the commit

    def add_ticket(self, ticket: Ticket) -> None:
        if ticket.external_number:
            key = (ticket.source, ticket.external_number)
            if key in self._numbers:
                raise services._duplicate(ticket.external_number)
            self._numbers.add(key)
        ticket.pk = self._pk(Ticket)
        ticket.number = services.ticket_number(ticket)
        self._rows.add(ticket)
        self._tickets[ticket.pk] = ticket
        self._parts[ticket.pk] = []

    def registered(self, source: str, external_number: str) -> bool:
        return (source, external_number) in self._numbers or super().registered(
            source, external_number
        )

    def insert(self, row: Any) -> None:
        self._rows.add(row)
        if isinstance(row, TicketAssignment):
            self._parts[row.ticket_id].append(row)

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

    def clock_stop(self, clock: Clock, on: dt.date, actor: User | None) -> None:
        if clock.pk not in self._clocks:
            raise ValueError("NewTickets: the clock was not started in this batch.")
        clock_stop_unsaved(clock=clock, on=on, actor=actor)
        self._rows.changed(clock, ["stopped_on", "deadline", "deadline_rule", "warnings"])

    def limits(self, *, source: str, kind: str, urgent: bool) -> Limits:
        key = (source, kind, bool(urgent))
        if key not in self._limits:
            self._limits[key] = super().limits(source=source, kind=kind, urgent=urgent)
        return self._limits[key]

    def part(
        self,
        ticket: Ticket,
        *,
        department: Department | None = None,
        role: str = "",
        live: bool = True,
    ) -> TicketAssignment | None:
        found = [
            (_ROLE_ORDER.get(row.role, 2), n, row)
            for n, row in enumerate(self._parts[ticket.pk])
            if row.round == ticket.dispatch_count
            and (department is None or row.department_id == department.pk)
            and (not role or row.role == role)
            and (
                row.status in LIVE_ASSIGNMENT_STATUSES
                if live
                else row.status not in (AssignmentStatus.CANCELLED, AssignmentStatus.SENT_BACK)
            )
        ]
        return min(found, key=lambda x: x[:2])[2] if found else None

    def cancel_parts(self, ticket: Ticket) -> None:
        # As the services' UPDATE (no signals): the rows are not written yet.
        for row in self._parts[ticket.pk]:
            if row.round == ticket.dispatch_count and row.status in LIVE_ASSIGNMENT_STATUSES:
                row.status = AssignmentStatus.CANCELLED

    def handling_staff(self, department: Department | int) -> list[User]:
        key = department if isinstance(department, int) else department.pk
        if key not in self._handlers:
            self._handlers[key] = super().handling_staff(key)
        return self._handlers[key]

    def dispatch_staff(self, centre_id: int) -> list[User]:
        if centre_id not in self._dispatchers:
            self._dispatchers[centre_id] = super().dispatch_staff(centre_id)
        return self._dispatchers[centre_id]

    def flush(self) -> list[Ticket]:
        """Write everything made so far (then post_save for each row); the tickets, in order.
        Their later steps go through the services."""
        self._rows.flush()
        self._sending = False
        done = list(self._tickets.values())
        self._tickets.clear()
        self._parts.clear()
        return done
