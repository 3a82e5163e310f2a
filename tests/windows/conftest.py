"""The case world (tests/cases/conftest.py) with a front desk: `front` is a second clerk at the
hall's 综合窗口 (not the one who took the walk-in in), `far` a clerk at another hall's 综合窗口."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests import factories as f
from tests.cases.conftest import ID_NUMBER, CaseWorld
from tests.cases.conftest import world as world  # the fixture, reused
from yiwang.cases import services as s
from yiwang.cases.models import Case
from yiwang.org.models import Staff, WindowKind

COLLECTOR_ID = f.id_number("19800202")
__all__ = ["COLLECTOR_ID", "ID_NUMBER", "Desk"]


@dataclass
class Desk:
    world: CaseWorld
    front: Staff  # another clerk at the same hall's 综合窗口
    far: Staff  # a clerk at another hall's 综合窗口

    def walk_in(self) -> Case:
        """A walk-in registered and accepted at the 综合窗口 by the counter clerk (routed)."""
        w = self.world
        case = s.case_create(item=w.item, applicant=w.citizen, actor=w.counter.user, form=w.form())
        s.case_material_paper(case=case, actor=w.counter.user, order=1)
        s.case_material_paper(case=case, actor=w.counter.user, order=2)
        case = s.case_submit(case=case, actor=w.counter.user)
        return s.case_accept(case=case, actor=w.counter.user)

    def approve(self, case: Case) -> Case:
        w = self.world
        case = s.case_advance(case=case, actor=w.approver.user)
        return s.case_decide(case=case, actor=w.approver.user, decision="approve")


@pytest.fixture
def desk(world) -> Desk:
    counter_window = world.counter.window
    bureau = f.department("县政务服务中心")
    front = f.staff(bureau, ["window_clerk"], username="front", window=counter_window)
    other_hall = f.hall(name="示范县第二政务服务中心")
    far_window = f.window(other_hall, None, kind=WindowKind.COMPREHENSIVE)
    far = f.staff(bureau, ["window_clerk"], username="far", window=far_window)
    return Desk(world=world, front=front, far=far)


@pytest.fixture
def comprehensive_hand_out(settings):
    settings.YIWANG_COMPREHENSIVE_HAND_OUT = True
