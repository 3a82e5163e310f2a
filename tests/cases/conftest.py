"""A small world for case tests: one published item of the 市场监管局 with a form, materials (one
deferrable, one 免提交), four process steps and a fee; the department's clerk at a 专窗, a clerk
at the hall's 综合窗口 from another department, an approver, the department head, and two
citizens."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests import factories as f
from yiwang.catalog import services as catalog
from yiwang.catalog.models import ServiceItem
from yiwang.org import services as org
from yiwang.org.models import Applicant, Department, Staff, WindowKind

PASSWORD = f.PASSWORD
FORM_FIELDS = [
    {"key": "applicant_name", "label": "申请人姓名", "type": "text"},
    {"key": "applicant_id_number", "label": "申请人身份证号码", "type": "id_number"},
    {"key": "applicant_phone", "label": "联系电话", "type": "phone"},
    {"key": "shop_address", "label": "经营场所", "type": "text"},
]
MATERIALS = [
    {"name": "食品经营许可申请书", "original_or_copy": "original", "count": 1},
    {"name": "经营场所使用证明", "original_or_copy": "copy", "deferrable": True},
    {"name": "营业执照", "source": "government", "exempt": True, "original_or_copy": "copy"},
]
STEPS = [
    {"name": "受理", "role": "窗口工作人员", "limit_days": 1},
    {"name": "审查", "role": "审批人员", "limit_days": 5},
    {"name": "决定", "role": "审批人员", "limit_days": 1},
    {"name": "送达", "role": "窗口工作人员", "limit_days": 0},
]
ELEMENTS = {
    "legal_limit": 20,
    "promised_limit": 10,
    "handling_kind": "promised",
    "visits": 1,
    "conditions": "持有营业执照的食品经营者，有与经营品种相适应的经营场所",
    "location": "示范县政务服务中心 7 号窗口",
    "hours": "工作日 8:30-17:30",
    "consult_phone": "0550-12345",
    "complaint_channel": "12345 热线",
    "handling_forms": ["window", "online"],
    "form_fields": FORM_FIELDS,
    "service_objects": ["natural_person", "legal_person"],
    "delivery_methods": ["window", "mail", "electronic"],
    "result_name": "食品经营许可证",
    "commitment_based": True,
}


@dataclass
class CaseWorld:
    dept: Department
    other: Department
    item: ServiceItem
    clerk: Staff
    counter: Staff  # another department's clerk at the 综合窗口
    other_clerk: Staff  # another department's clerk at a 专窗
    approver: Staff
    head: Staff
    citizen: Applicant
    stranger: Applicant

    def form(self) -> dict[str, str]:
        return {
            "applicant_name": "张三",
            "applicant_id_number": ID_NUMBER,
            "applicant_phone": "13800138000",
            "shop_address": "示范县城关镇人民路 1 号",
        }


ID_NUMBER = f.id_number("19900101")


def publish_item(
    dept: Department, bureau_staff: Staff, clerk: Staff, **extra: object
) -> ServiceItem:
    base = catalog.base_item_create(
        code=f"0001030010{len(ServiceItem.objects.all()):02d}",
        name=str(extra.pop("name", "食品经营许可（新办）")),
        item_type="licensing",
        competent_department="市场监督管理部门",
        implementing_body="县级市场监督管理部门",
        legal_basis="《中华人民共和国食品安全法》第三十五条",
    )
    item = catalog.item_claim(base=base, department=dept, region=dept.region, actor=clerk.user)
    version = item.versions.get()
    catalog.version_update(
        version=version,
        elements={**ELEMENTS, **extra},
        materials=MATERIALS,
        steps=STEPS,
        actor=clerk.user,
    )
    catalog.version_submit(version=version, actor=clerk.user)
    catalog.version_approve(version=version, actor=bureau_staff.user)
    catalog.version_publish(version=version, actor=bureau_staff.user)
    item.refresh_from_db()
    return item


@pytest.fixture
def world(db) -> CaseWorld:
    dept = f.department("县市场监督管理局")
    other = f.department("县公安局")
    bureau = f.department("县数据资源管理局", is_bureau=True)
    hall = f.hall()
    dedicated = f.window(hall, dept)
    comprehensive = f.window(hall, None, kind=WindowKind.COMPREHENSIVE)
    other_window = f.window(hall, other)
    clerk = f.staff(dept, ["window_clerk"], username="clerk", window=dedicated)
    reviewer = f.staff(bureau, ["bureau_admin"], username="bureau")
    item = publish_item(dept, reviewer, clerk)
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
    return CaseWorld(
        dept=dept,
        other=other,
        item=item,
        clerk=clerk,
        counter=f.staff(other, ["window_clerk"], username="counter", window=comprehensive),
        other_clerk=f.staff(other, ["window_clerk"], username="other_clerk", window=other_window),
        approver=f.staff(dept, ["approver"], username="approver"),
        head=f.staff(dept, ["department_admin"], username="head"),
        citizen=citizen,
        stranger=stranger,
    )
