"""The demo county shows the front desk: the 综合窗口 clerk's two walk-ins routed to a third
department's back office and approved, one handed out with the ID checked, one waiting for
hand-out at his desk; seeding again adds none."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.test_locale import demo  # noqa: F401 - the seeded demo county, once per module
from yiwang.demo.windows import FRONT_DESK_USER, seed_front_desk
from yiwang.org.models import User
from yiwang.windows import selectors
from yiwang.windows.models import Routing


@pytest.mark.django_db
def test_the_demo_front_desk(demo):  # noqa: F811
    clerk = User.objects.get(username=FRONT_DESK_USER)
    routed = Routing.objects.filter(routed_by=clerk)
    assert routed.count() == 2
    assert {r.department.name for r in routed}.isdisjoint({"县市场监督管理局", "县公安局"})
    view = selectors.day_view_for(user=clerk, day=dt.date.today())
    assert view.window is not None and view.window.kind == "comprehensive"
    assert len(view.routed) == 2 and len(view.waiting) == 1
    assert len(view.handed_out) == 1 and view.handed_out[0].id_checked
    assert seed_front_desk() == {}
