"""Two dispatchers merging the same pair of tickets in opposite directions at once, each on its
own connection (PostgreSQL). The second waits for the first's locks, then finds its target
merged and is refused; the pair ends merged one way only."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from tests import factories as f
from tests.appeals.test_concurrency import _first_holds_then_second
from yiwang.appeals.dispatch import services as dsv
from yiwang.appeals.fields import TicketStatus
from yiwang.appeals.models import Ticket

pytestmark = [pytest.mark.skip_allowed("postgresql"), pytest.mark.django_db(transaction=True)]


def test_opposite_merges_at_once_one_wins(tw):
    if connection.vendor != "postgresql":
        pytest.skip("needs a database shared between threads (PostgreSQL)")
    a = tw.hotline(title="饭店油烟扰民", content="人民路88号饭店油烟扰民")
    b = tw.hotline(title="饭店油烟", content="人民路88号饭店油烟扰民，再次反映")
    colleague = f.staff(tw.bureau, ["bureau_admin"], username="dispatcher2")
    answers, times = _first_holds_then_second(
        lambda: dsv.ticket_merge(ticket=b, into=a, actor=tw.dispatcher.user),
        lambda: dsv.ticket_merge(ticket=a, into=b, actor=colleague.user),
    )
    assert isinstance(answers[0], Ticket), answers[0]
    assert isinstance(answers[1], ValidationError), answers[1]
    # The loser waited for the winner's commit, then saw its new state.
    assert times["answered"] >= times["committing"]
    a.refresh_from_db()
    b.refresh_from_db()
    assert b.status == TicketStatus.MERGED and b.merged_into_id == a.pk
    assert a.status != TicketStatus.MERGED and a.merged_into_id is None
