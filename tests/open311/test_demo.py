"""The demo's Open311 client: its requests are tickets of source Open311 that the interface
lists; seeding again adds nothing."""

from __future__ import annotations

import json

from yiwang.appeals.models import Ticket, TicketEvent
from yiwang.demo.open311 import DEMO_CLIENT, seed_open311
from yiwang.org.models import ApiKey


def test_the_demo_client_sends_three_requests_once(client, world):
    assert seed_open311() == {"Open311 诉求": 3}
    assert ApiKey.objects.filter(name=DEMO_CLIENT).count() == 1
    rows = json.loads(client.get("/open311/v2/requests.json").content)
    assert sorted(r["service_code"] for r in rows) == ["complaint", "report", "suggestion"]
    assert TicketEvent.objects.filter(action="open311_department", department=world.market).exists()
    assert seed_open311() == {}
    assert Ticket.objects.count() == 3
