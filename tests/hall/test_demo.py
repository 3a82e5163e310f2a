"""The demo county's appointments: slots for the coming week in the county hall, non-working
days only for the 周末预约办 groups, the demo citizen's Saturday booking (its SMS queued), and
the previous working day's numbers behind the waiting-time figures; a second run adds nothing."""

from __future__ import annotations

import pytest

from tests.seeded import demo_county
from yiwang.demo.services import seed_demo_county
from yiwang.hall.models import Booking, Slot, Ticket
from yiwang.insight.registry import compute
from yiwang.notifications.models import Message

pytestmark = pytest.mark.django_db


def test_the_demo_county_has_slots_a_weekend_booking_and_a_queue_history():
    demo_county()
    slots = Slot.objects.select_related("group")
    assert slots.filter(non_working_day=False).exists()
    weekend = slots.filter(non_working_day=True)
    assert weekend.exists()  # the coming week always holds a Saturday
    assert all(s.group.weekend for s in weekend)
    booking = Booking.objects.get()
    assert booking.slot.non_working_day and booking.slot.group.code == "household"
    assert Message.objects.filter(kind="hall.booked", subject_id=str(booking.pk)).exists()
    assert Ticket.objects.filter(wait_seconds__isnull=False).count() >= 18
    assert compute("hall.average_wait_minutes") is not None
    assert compute("hall.p90_wait_minutes") >= compute("hall.average_wait_minutes")
    counts = (Slot.objects.count(), Booking.objects.count(), Ticket.objects.count())
    assert seed_demo_county().total == 0
    assert (Slot.objects.count(), Booking.objects.count(), Ticket.objects.count()) == counts
