"""The workbench's 一件事 pages: the lead department sees the whole bundle — every child case,
the other department's too, and the one timeline —; another department's staff get 404; the
head extends the joint limit once (the second time is a 409), a clerk may not (403)."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.cases.bundle_world import FORM, BundleWorld, approve, bundle_world, open_children
from tests.common import files
from yiwang.cases import bundles as b
from yiwang.cases.models import BundleCase
from yiwang.catalog.guides.bundles import material_equivalences

__all__ = ["bundle_world"]
PDF = files.pdf(pages=1)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def staff(member) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(member.user)
    return client


def in_stage_two(world: BundleWorld) -> BundleCase:
    bundle_case = b.bundle_case_create(
        bundle=world.bundle, applicant=world.citizen, actor=world.citizen.user, form=FORM
    )
    table = material_equivalences()
    for name in (
        "个体工商户登记申请书",
        "经营场所使用证明",
        "食品经营许可申请书",
        "消防安全检查申请表",
    ):
        b.bundle_material_upload(
            bundle_case=bundle_case,
            actor=world.citizen.user,
            key=b.material_key(name, table),
            file=PDF,
            file_name="m.pdf",
        )
    b.bundle_case_submit(bundle_case=bundle_case, actor=world.citizen.user)
    approve(world, open_children(bundle_case)[0])
    return bundle_case


def test_the_lead_department_sees_the_whole_bundle(bundle_world):
    bundle_case = in_stage_two(bundle_world)
    lead = staff(bundle_world.market_approver)
    listing = lead.get("/workbench/cases/bundles/").content.decode()
    assert bundle_case.number in listing
    page = lead.get(f"/workbench/cases/bundles/{bundle_case.pk}/").content.decode()
    assert page.count('data-testid="child-row"') == 3
    assert "县消防救援大队" in page and "公众聚集场所投入使用营业前消防安全检查" in page
    assert "联合办理开始计时" in page
    fire = staff(bundle_world.fire_approver)
    assert fire.get(f"/workbench/cases/bundles/{bundle_case.pk}/").status_code == 404
    assert bundle_case.number not in fire.get("/workbench/cases/bundles/").content.decode()


def test_the_head_extends_once(bundle_world):
    bundle_case = in_stage_two(bundle_world)
    path = f"/workbench/cases/bundles/{bundle_case.pk}/extend/"
    clerk = staff(bundle_world.market_clerk)
    assert clerk.post(path, {"reason": "需现场核查"}).status_code == 403
    head = staff(bundle_world.market_head)
    assert (
        'data-testid="extend-form"'
        in head.get(f"/workbench/cases/bundles/{bundle_case.pk}/").content.decode()
    )
    answer = head.post(path, {"reason": "需现场核查"})
    assert answer.status_code == 302
    assert BundleCase.objects.get(pk=bundle_case.pk).extended
    assert head.post(path, {"reason": "再延"}).status_code == 409
    assert head.post(path, {"reason": ""}).status_code in (400, 409)


def test_a_child_case_page_links_to_its_bundle_in_scope(bundle_world):
    bundle_case = in_stage_two(bundle_world)
    children = open_children(bundle_case)
    food_child = next(c for c in children if c.department == bundle_world.market)
    fire_child = next(c for c in children if c.department == bundle_world.fire)
    link = f'href="/workbench/cases/bundles/{bundle_case.pk}/"'
    # the lead department opens the bundle from its own child's page
    lead = staff(bundle_world.market_approver).get(f"/workbench/cases/{food_child.pk}/")
    assert lead.status_code == 200
    page = lead.content.decode()
    assert 'data-testid="bundle-of-case"' in page and link in page
    assert bundle_case.number in page
    # the fire department sees its own child case, and which bundle it belongs to, but no link
    # to a page it would get 404 on
    fire = staff(bundle_world.fire_approver).get(f"/workbench/cases/{fire_child.pk}/")
    assert fire.status_code == 200
    page = fire.content.decode()
    assert 'data-testid="bundle-of-case"' in page and "开办餐饮店一件事" in page
    assert link not in page and bundle_case.number not in page
