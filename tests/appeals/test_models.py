"""The invariants the database itself holds: one ticket per source number, one live lead per
ticket, one open extension request per ticket, one limits row per source and kind (and the
rows the migration seeds)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from tests.appeals.conftest import TicketWorld
from yiwang.appeals.models import SlaLimit, Ticket, TicketAssignment, TicketExtension


def _copy(ticket: Ticket, **extra) -> Ticket:
    return Ticket(
        number=f"COPY{Ticket.objects.count()}",
        source=ticket.source,
        title="copy",
        content="copy",
        centre=ticket.centre,
        registered_at=timezone.now(),
        registered_on=timezone.localdate(),
        **extra,
    )


def test_one_ticket_per_source_number(tw: TicketWorld):
    ticket = tw.hotline(external_number="H1")
    with pytest.raises(IntegrityError), transaction.atomic():
        _copy(ticket, external_number="H1").save()
    _copy(ticket, external_number="").save()  # many without a number
    _copy(ticket, external_number="").save()


def test_one_live_lead_per_ticket(tw: TicketWorld):
    ticket = tw.dispatched()
    with pytest.raises(IntegrityError), transaction.atomic():
        TicketAssignment.objects.create(
            ticket=ticket,
            department=tw.housing,
            role="lead",
            round=ticket.dispatch_count + 1,
            dispatched_at=timezone.now(),
            sign_deadline=dt.date(2026, 11, 3),
        )
    # an assisting part, or a cancelled lead, is fine
    TicketAssignment.objects.create(
        ticket=ticket,
        department=tw.housing,
        role="assist",
        round=ticket.dispatch_count,
        dispatched_at=timezone.now(),
        sign_deadline=dt.date(2026, 11, 3),
    )


def test_one_pending_extension_per_ticket(tw: TicketWorld):
    ticket = tw.signed()
    values = {"ticket": ticket, "department": tw.market, "days": 2, "reason": "x"}
    TicketExtension.objects.create(deadline_before=ticket.deadline, **values)
    with pytest.raises(IntegrityError), transaction.atomic():
        TicketExtension.objects.create(deadline_before=ticket.deadline, **values)
    TicketExtension.objects.create(deadline_before=ticket.deadline, status="refused", **values)


def test_limits_seeded_once_per_pair(db):
    assert set(SlaLimit.objects.values_list("source", "kind")) == {
        ("", "consult"),
        ("", "help"),
        ("", "complaint"),
        ("", "report"),
        ("", "suggestion"),
        ("", "praise"),
        ("enterprise_window", ""),
    }
    with pytest.raises(IntegrityError), transaction.atomic():
        SlaLimit.objects.create(source="", kind="consult", sign_for_days=1, handling_days=1)
