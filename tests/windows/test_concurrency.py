"""Two front-desk clerks hand the same result out at once, each on his own database connection
(PostgreSQL: the case row's lock serialises them): one hand-out is recorded, the other clerk is
told the case moved on."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from tests.cases.test_concurrency import _at_once
from tests.windows.conftest import COLLECTOR_ID
from yiwang.cases import services as s
from yiwang.cases.fields import CaseStatus
from yiwang.common.workflow import ILLEGAL
from yiwang.windows.models import HandOut

pytestmark = [pytest.mark.skip_allowed("postgresql"), pytest.mark.django_db(transaction=True)]


def test_two_clerks_hand_out_the_same_result_at_once(desk):
    if connection.vendor != "postgresql":
        pytest.skip("needs a database shared between threads (PostgreSQL)")
    case = desk.approve(desk.walk_in())

    def hand_out(user, name):
        return lambda: s.case_hand_out(
            case=case,
            actor=user,
            collected_by=name,
            collector_id_number=COLLECTOR_ID,
            id_checked=True,
        )

    answers = _at_once(hand_out(desk.front.user, "甲"), hand_out(desk.world.counter.user, "乙"))
    lost = [a for a in answers if isinstance(a, BaseException)]
    assert len(lost) == 1 and isinstance(lost[0], ValidationError)
    assert lost[0].code == ILLEGAL
    case.refresh_from_db()
    record = HandOut.objects.get()
    assert case.status == CaseStatus.DELIVERED and case.collected_by == record.collector_name
    assert case.events.filter(action="hand_out").count() == 1
