"""Two staff acting on one ticket at once, each on its own database connection (PostgreSQL:
the ticket row's lock serialises them; SQLite's in-memory test database is not shared between
threads). The first wins; the second waits for it, finds the new state and is refused with the
machine's conflict (409 in the API); nothing is written twice."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections, transaction

from tests import factories as f
from tests.appeals.conftest import TicketWorld
from yiwang.appeals import services as s
from yiwang.appeals.fields import AssignmentStatus, TicketStatus
from yiwang.appeals.models import Ticket, TicketAssignment

HOLD_SECONDS = 0.5

pytestmark = [pytest.mark.skip_allowed("postgresql"), pytest.mark.django_db(transaction=True)]


@pytest.fixture
def race(tw: TicketWorld) -> tuple[TicketWorld, Ticket]:
    if connection.vendor != "postgresql":
        pytest.skip("needs a database shared between threads (PostgreSQL)")
    return tw, tw.dispatched()


def _first_holds_then_second(first: Any, second: Any) -> tuple[list[Any], dict[str, float]]:
    """`first` runs in a transaction held open HOLD_SECONDS after it wrote; `second` starts
    once it wrote. The answers (or exceptions) and when first committed / second answered."""
    wrote = threading.Event()
    answers: list[Any] = [None, None]
    times: dict[str, float] = {}

    def run_first() -> None:
        try:
            with transaction.atomic():
                answers[0] = first()
                wrote.set()
                time.sleep(HOLD_SECONDS)
                times["committing"] = time.monotonic()
        except BaseException as exc:  # reported to the test
            answers[0] = exc
        finally:
            wrote.set()
            connections.close_all()

    def run_second() -> None:
        try:
            wrote.wait(10)
            answers[1] = second()
        except BaseException as exc:  # reported to the test
            answers[1] = exc
        finally:
            times["answered"] = time.monotonic()
            connections.close_all()

    threads = [threading.Thread(target=run_first), threading.Thread(target=run_second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return answers, times


def test_two_handlers_sign_for_at_once_one_wins(race):
    tw, ticket = race
    colleague = f.staff(tw.market, ["approver"], username="market2")
    answers, times = _first_holds_then_second(
        lambda: s.ticket_sign_for(ticket=ticket, actor=tw.market_handler.user),
        lambda: s.ticket_sign_for(ticket=ticket, actor=colleague.user),
    )
    assert isinstance(answers[0], TicketAssignment), answers[0]
    loser = answers[1]
    assert isinstance(loser, ValidationError) and loser.code == "illegal_transition", loser
    assert loser.messages == ["诉求工单当前为“办理中”，不能签收。"]
    assert times["answered"] >= times["committing"]  # it waited for the winner's commit
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.HANDLING
    part = ticket.assignments.get()
    assert part.status == AssignmentStatus.SIGNED and part.signed_by == tw.market_handler.user
    assert ticket.events.filter(action="sign_for").count() == 1


def test_sign_for_and_send_back_at_once_leave_one_outcome(race):
    tw, ticket = race
    answers, _ = _first_holds_then_second(
        lambda: s.ticket_send_back(ticket=ticket, actor=tw.market_handler.user, reason="非本部门"),
        lambda: s.ticket_sign_for(ticket=ticket, actor=tw.market_head.user),
    )
    assert isinstance(answers[0], TicketAssignment), answers[0]
    assert isinstance(answers[1], ValidationError), answers[1]
    assert answers[1].messages == ["诉求工单当前为“已退单”，不能签收。"]
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.SENT_BACK and ticket.send_back_count == 1
    assert not ticket.assignments.filter(status=AssignmentStatus.SIGNED).exists()


def test_two_dispatchers_redispatch_at_once_one_live_lead(race):
    tw, ticket = race
    s.ticket_send_back(ticket=ticket, actor=tw.market_handler.user, reason="非本部门")
    other = f.staff(tw.bureau, ["bureau_admin"], username="dispatcher2")
    answers, _ = _first_holds_then_second(
        lambda: s.ticket_dispatch(ticket=ticket, actor=tw.dispatcher.user, lead=tw.housing),
        lambda: s.ticket_dispatch(ticket=ticket, actor=other.user, lead=tw.market),
    )
    assert isinstance(answers[0], Ticket), answers[0]
    # the second found it dispatched already: a re-dispatch from 待签收 is allowed for the
    # bureau, so it takes the ticket over — in order, never two live leads at once
    assert isinstance(answers[1], Ticket), answers[1]
    ticket.refresh_from_db()
    live = ticket.assignments.filter(status__in=["pending", "signed", "replied"], role="lead")
    assert live.count() == 1 and live.get().department == tw.market
    assert ticket.dispatch_count == 3 and ticket.lead_department == tw.market
