"""The case tests' world (tests/cases/conftest.py), and concluded cases in it to rate."""

from __future__ import annotations

import pytest

from tests.cases.conftest import CaseWorld, world  # noqa: F401  (the fixture)
from tests.common import files
from yiwang.cases import services as cases
from yiwang.cases.fields import Delivery
from yiwang.cases.models import Case

PDF = files.pdf(pages=1)


def concluded_case(world: CaseWorld, **extra) -> Case:  # noqa: F811
    """A case of `world.citizen` applied online, accepted, reviewed and approved."""
    case = cases.case_create(
        item=world.item,
        applicant=world.citizen,
        actor=world.citizen.user,
        form=world.form(),
        delivery=extra.pop("delivery", Delivery.PICKUP),
        **extra,
    )
    for order, name in ((1, "申请书.pdf"), (2, "证明.pdf")):
        cases.case_material_upload(
            case=case, actor=world.citizen.user, order=order, file=PDF, file_name=name
        )
    case = cases.case_submit(case=case, actor=world.citizen.user)
    case = cases.case_accept(case=case, actor=world.clerk.user)
    case = cases.case_advance(case=case, actor=world.approver.user)
    return cases.case_decide(case=case, actor=world.approver.user, decision="approve")


@pytest.fixture
def case(world) -> Case:  # noqa: F811
    return concluded_case(world)
