"""一件事 at the front desk: a 综合窗口 clerk takes in 开办餐饮店一件事 for a walk-in; each child
case is routed to its department's back office as its stage starts, and the approved children
wait for hand-out at that hall's front desk."""

from __future__ import annotations

import pytest

from tests.cases.bundle_world import FORM, BundleWorld, approve, open_children
from tests.cases.bundle_world import bundle_world as bundle_world  # the fixture, reused
from tests.cases.test_bundles import PDF, key_of
from yiwang.cases import bundles as b
from yiwang.windows import selectors
from yiwang.windows.models import Routing


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def taken_in(world: BundleWorld):  # type: ignore[no-untyped-def]
    clerk = world.counter.user
    bundle_case = b.bundle_case_create(
        bundle=world.bundle, applicant=world.citizen, actor=clerk, form=FORM
    )
    for name in (
        "个体工商户登记申请书",
        "经营场所使用证明",
        "食品经营许可申请书",
        "消防安全检查申请表",
    ):
        b.bundle_material_upload(
            bundle_case=bundle_case,
            actor=clerk,
            key=key_of(name),
            file=PDF,
            file_name=f"{name}.pdf",
        )
    return b.bundle_case_submit(bundle_case=bundle_case, actor=clerk)


def test_each_child_goes_to_its_back_office_and_returns_to_the_front_desk(bundle_world):
    world = bundle_world
    bundle_case = taken_in(world)
    hall = world.counter.window.hall
    (registration,) = open_children(bundle_case)
    routing = Routing.objects.get(case=registration)
    assert routing.department == world.market and routing.hall == hall
    assert routing.routed_by == world.counter.user
    approve(world, registration)  # accepted and approved at the 市场监管局: stage 2 starts
    stage_two = open_children(bundle_case)
    assert {c.department_id for c in stage_two} == {world.market.pk, world.fire.pk}
    assert {r.department_id for r in Routing.objects.filter(case__in=stage_two)} == {
        world.market.pk,
        world.fire.pk,
    }
    assert Routing.objects.filter(case__bundle_case=bundle_case).count() == 3
    # the approved child waits at the front desk of the hall it came in at
    assert registration.pk in {c.pk for c in selectors.hand_out_queue_for(user=world.counter.user)}


def test_a_bundle_applied_online_is_not_routed(bundle_world):
    from tests.cases.test_bundles import applied

    bundle_case = applied(bundle_world)
    assert not Routing.objects.filter(case__bundle_case=bundle_case).exists()
