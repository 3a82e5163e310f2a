"""The demo county's tickets: the sample hotline file imports, tickets in every state from
several sources, the figures have records behind them, and a second run adds nothing."""

from __future__ import annotations

import pytest

from tests.seeded import demo_county
from yiwang.appeals import importing
from yiwang.appeals.fields import TicketStatus
from yiwang.appeals.models import Ticket
from yiwang.demo.appeals import sample_bytes, seed_appeals
from yiwang.insight.registry import compute


@pytest.fixture
def seeded(db):
    demo_county()


def test_demo_tickets_cover_the_flow(seeded):
    statuses = set(Ticket.objects.values_list("status", flat=True))
    assert {
        TicketStatus.REGISTERED,
        TicketStatus.PENDING_DISPATCH,
        TicketStatus.SENT_BACK,
        TicketStatus.DISPATCHED,
        TicketStatus.HANDLING,
        TicketStatus.REPLIED,
        TicketStatus.CLOSED,
    } <= statuses
    sources = set(Ticket.objects.values_list("source", flat=True))
    assert {"hotline", "website", "mayor_mailbox", "enterprise_window", "cant_get_done"} <= sources
    assert Ticket.objects.filter(external_number__startswith="DEMO-12345-000").count() == 3
    assert Ticket.objects.filter(paused=True).exists()
    assert Ticket.objects.filter(extensions__status="pending").exists()
    overdue = Ticket.objects.get(title="开办小餐饮店办不下来")
    assert overdue.ever_overdue and overdue.remind_count == 1 and overdue.supervise_count == 1
    assert Ticket.objects.filter(redo_count=1, status=TicketStatus.CLOSED).exists()
    assert compute("appeals.total") == Ticket.objects.exclude(status="merged").count()
    assert compute("appeals.redo_rate") is not None


def test_demo_is_idempotent_and_the_sample_reimports_unchanged(seeded):
    count = Ticket.objects.count()
    assert seed_appeals() == {}
    report = importing.import_rows(importing.read_rows(sample_bytes()), actor=None)
    assert (report.created, report.unchanged) == (0, 3)
    assert Ticket.objects.count() == count
