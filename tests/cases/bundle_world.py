"""A small 开办餐饮店一件事 for the bundle-case tests: stage 1 registers the business (市场监管局),
stage 2 runs the food licence (市场监管局) and the fire-safety check (消防救援大队) in parallel.
The three items share the applicant's fields and the 经营场所使用证明 (the fire item calls it
场地使用证明, which the merge table says is the same document); the registration's result feeds
the fire check's 营业执照文号."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests import factories as f
from tests.cases.conftest import ELEMENTS, ID_NUMBER, PASSWORD, STEPS
from yiwang.cases import services as s
from yiwang.cases.fields import CaseStatus
from yiwang.cases.models import Case
from yiwang.catalog import services as catalog
from yiwang.catalog.models import Bundle, BundleStageItem, MaterialEquivalence, ServiceItem
from yiwang.org import services as org
from yiwang.org.models import Applicant, Department, Staff, WindowKind

__all__ = ["PASSWORD", "BundleWorld", "approve", "bundle_world"]

REGISTRATION_MATERIALS = [
    {"name": "个体工商户登记申请书", "original_or_copy": "original"},
    {"name": "经营场所使用证明", "original_or_copy": "copy"},
]
FOOD_MATERIALS = [
    {"name": "食品经营许可申请书", "original_or_copy": "original"},
    {"name": "经营场所使用证明", "original_or_copy": "copy", "deferrable": True},
    {"name": "营业执照", "source": "government", "exempt": True, "original_or_copy": "copy"},
]
FIRE_MATERIALS = [
    {"name": "消防安全检查申请表", "original_or_copy": "original"},
    {"name": "场地使用证明", "original_or_copy": "copy"},
]
FIRE_FIELDS = [
    {"key": "applicant_name", "label": "申请人姓名", "type": "text"},
    {"key": "applicant_phone", "label": "联系电话", "type": "phone"},
    {"key": "shop_address", "label": "经营场所", "type": "text"},
    {"key": "floor_area", "label": "营业面积（平方米）", "type": "number"},
    # filled from the registration's result (the bundle says so), never asked
    {"key": "licence_number", "label": "营业执照文号", "type": "text"},
]
FORM = {
    "applicant_name": "张三",
    "applicant_id_number": ID_NUMBER,
    "applicant_phone": "13800138000",
    "shop_address": "示范县城关镇人民路 1 号",
    "floor_area": "120",
}


def publish(
    dept: Department,
    bureau: Staff,
    clerk: Staff,
    *,
    name: str,
    materials: list[dict[str, object]],
    **extra: object,
) -> ServiceItem:
    base = catalog.base_item_create(
        code=f"0001040010{ServiceItem.objects.count():02d}",
        name=name,
        item_type="licensing",
        competent_department="主管部门",
        implementing_body="县级主管部门",
        legal_basis="《中华人民共和国行政许可法》",
    )
    item = catalog.item_claim(base=base, department=dept, region=dept.region, actor=clerk.user)
    version = item.versions.get()
    elements = {**ELEMENTS, "commitment_based": False, **extra}
    catalog.version_update(
        version=version, elements=elements, materials=materials, steps=STEPS, actor=clerk.user
    )
    catalog.version_submit(version=version, actor=clerk.user)
    catalog.version_approve(version=version, actor=bureau.user)
    catalog.version_publish(version=version, actor=bureau.user)
    item.refresh_from_db()
    return item


@dataclass
class BundleWorld:
    bundle: Bundle
    market: Department  # the lead department
    fire: Department
    registration: ServiceItem
    food: ServiceItem
    fire_check: ServiceItem
    market_clerk: Staff
    market_approver: Staff
    market_head: Staff
    fire_clerk: Staff
    fire_approver: Staff
    fire_head: Staff
    counter: Staff  # a 综合窗口 clerk of another department
    citizen: Applicant
    stranger: Applicant

    def clerk_for(self, case: Case) -> Staff:
        return self.market_clerk if case.department_id == self.market.pk else self.fire_clerk

    def approver_for(self, case: Case) -> Staff:
        if case.department_id == self.market.pk:
            return self.market_approver
        return self.fire_approver


def approve(world: BundleWorld, case: Case) -> Case:
    """Accept the child case at its department, complete its review steps and approve it."""
    approver = _to_decision(world, case)
    return s.case_decide(case=case, actor=approver, decision="approve")


def _to_decision(world: BundleWorld, case: Case):  # type: ignore[no-untyped-def]
    s.case_accept(case=case, actor=world.clerk_for(case).user)
    approver = world.approver_for(case).user
    for _step in range(len(s.review_steps(case.version)) - 1):
        s.case_advance(case=case, actor=approver)
    return approver


def refuse(world: BundleWorld, case: Case, reason: str = "经营场所不符合消防安全要求") -> Case:
    approver = _to_decision(world, case)
    return s.case_decide(
        case=case,
        actor=approver,
        decision="refuse",
        reason=reason,
        basis="《消防法》第十五条",
    )


def open_children(bundle_case) -> list[Case]:  # type: ignore[no-untyped-def]
    return list(
        Case.objects.filter(bundle_case=bundle_case, status=CaseStatus.SUBMITTED).order_by("id")
    )


@pytest.fixture
def bundle_world(db) -> BundleWorld:
    # The merge table's row the bundle relies on (seeded by a data migration, which a
    # transactional test's flush before this one may have emptied).
    MaterialEquivalence.objects.get_or_create(
        name="场地使用证明",
        defaults={"canonical": "经营场所使用证明", "reason": "同一份经营场所（场地）使用权证明"},
    )
    market = f.department("县市场监督管理局")
    fire = f.department("县消防救援大队")
    other = f.department("县公安局")
    bureau_dept = f.department("县数据资源管理局", is_bureau=True)
    hall = f.hall()
    comprehensive = f.window(hall, None, kind=WindowKind.COMPREHENSIVE)
    market_clerk = f.staff(
        market, ["window_clerk"], username="m_clerk", window=f.window(hall, market)
    )
    fire_clerk = f.staff(fire, ["window_clerk"], username="f_clerk", window=f.window(hall, fire))
    bureau = f.staff(bureau_dept, ["bureau_admin"], username="bureau")
    registration = publish(
        market,
        bureau,
        market_clerk,
        name="个体工商户设立登记",
        materials=REGISTRATION_MATERIALS,
        promised_limit=3,
        legal_limit=15,
    )
    food = publish(
        market, bureau, market_clerk, name="食品经营许可（新办）", materials=FOOD_MATERIALS
    )
    fire_check = publish(
        fire,
        bureau,
        fire_clerk,
        name="公众聚集场所投入使用营业前消防安全检查",
        materials=FIRE_MATERIALS,
        form_fields=FIRE_FIELDS,
        promised_limit=8,
        legal_limit=10,
    )
    bundle = catalog.bundle_create(
        code="YJS-CY",
        name="开办餐饮店一件事",
        lead_department=market,
        stages=[[registration], [food, fire_check]],
        actor=bureau.user,
    )
    catalog.bundle_publish(bundle=bundle, actor=bureau.user)
    BundleStageItem.objects.filter(stage__bundle=bundle, item=fire_check).update(
        feeds={"licence_number": registration.code}
    )
    citizen = org.applicant_register(
        kind="person", name="张三", phone="13800138000", id_number=ID_NUMBER, password=PASSWORD
    )
    stranger = org.applicant_register(
        kind="person",
        name="李四",
        phone="13900139000",
        id_number=f.id_number("19850505"),
        password=PASSWORD,
    )
    return BundleWorld(
        bundle=bundle,
        market=market,
        fire=fire,
        registration=registration,
        food=food,
        fire_check=fire_check,
        market_clerk=market_clerk,
        market_approver=f.staff(market, ["approver"], username="m_approver"),
        market_head=f.staff(market, ["department_admin"], username="m_head"),
        fire_clerk=fire_clerk,
        fire_approver=f.staff(fire, ["approver"], username="f_approver"),
        fire_head=f.staff(fire, ["department_admin"], username="f_head"),
        counter=f.staff(other, ["window_clerk"], username="counter", window=comprehensive),
        citizen=citizen,
        stranger=stranger,
    )
