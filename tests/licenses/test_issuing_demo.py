"""Auto-issue on the demo county's items (licenses.issuing, docs/licenses.md 自动签发): every demo
item linked to a licence type issues a valid, sealed licence of that type on an approval, each
licence field filled from the form field (or case attribute) its definition names; a required
field with no value is an audited issuing failure that leaves the case concluded, and the
sweep's retry issues it once the type is fixed."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction

from tests import factories
from tests.seeded import demo_county
from yiwang.audit.models import AuditEvent
from yiwang.cases import services as cases
from yiwang.cases.fields import CaseStatus
from yiwang.cases.models import Case
from yiwang.cases.selectors import form_prefill
from yiwang.catalog.models import ServiceItem
from yiwang.demo.cases import _delivery, _pdf
from yiwang.demo.licenses import _demo_applicants
from yiwang.licenses import issuing, verification
from yiwang.licenses.models import HolderKind, License, LicenseType
from yiwang.org.models import Applicant, Department, User

# What the test's applicants write in the licence-bearing form fields (not the demo's own
# values, demo.catalog.DEMO_FORM_VALUES, so a field filled from the wrong source shows).
VALUES = {
    "business_type": "个体工商户",
    "business_scope": "文具、日用百货零售",
    "business_address": "示范县青石镇建设路 12 号",
    "food_business_form": "食品销售经营者",
    "food_items": "预包装食品销售",
    "permitted_items": "理发店、美容店",
    "drug_business_mode": "零售（连锁）",
    "property_address": "示范县城关镇文化路 6 号 2 幢 301 室",
    "property_use": "城镇住宅用地/住宅",
    "property_area": "112.6 平方米",
    "property_right": "出让/商品房",
    "newborn_sex": "男",
    "newborn_birth_date": "2026-11-20",
    "birth_place": "示范县妇幼保健院",
}
V = VALUES
# Each licence type the demo items produce → the fields its licence must carry.
EXPECTED: dict[str, dict[str, Any]] = {
    "营业执照": {
        "类型": V["business_type"],
        "经营范围": V["business_scope"],
        "住所": V["business_address"],
    },
    "食品经营许可证": {
        "经营场所": V["business_address"],
        "主体业态": V["food_business_form"],
        "经营项目": V["food_items"],
    },
    "公共场所卫生许可证": {"经营场所": V["business_address"], "许可项目": V["permitted_items"]},
    "药品经营许可证": {
        "经营方式": V["drug_business_mode"],
        "经营范围": V["business_scope"],
        "注册地址": V["business_address"],
    },
    "不动产权证书": {
        "坐落": V["property_address"],
        "用途": V["property_use"],
        "面积": V["property_area"],
        "权利性质": V["property_right"],
    },
    "道路运输经营许可证": {"经营范围": V["business_scope"]},
    "出生医学证明": {
        "性别": V["newborn_sex"],
        "出生日期": V["newborn_birth_date"],
        "出生地点": V["birth_place"],
    },
}
BY_TYPE = {
    "text": "示范县测试填写",
    "textarea": "示范县测试填写",
    "date": "2026-11-02",
    "number": "3",
}


@pytest.fixture(scope="module")
def _seeded(django_db_setup, django_db_blocker):
    """The demo county, seeded once for the module inside a transaction rolled back at its end
    (each test's transaction nests in it), as tests/demo/test_simulation.py does; then the
    issuing sweep, once (its count)."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            demo_county()
            yield issuing.issue_pending()
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def county(_seeded, db):
    person, company = _demo_applicants()
    assert person is not None and company is not None
    return person, company


def handler(department: Department, made: dict[int, User]) -> User:
    # One clerk-and-approver per department (the demo has sign-ins for a few departments only).
    if department.pk not in made:
        made[department.pk] = factories.staff(department, ["window_clerk", "approver"]).user
    return made[department.pk]


def form(item: ServiceItem, applicant: Applicant) -> dict[str, str]:
    values = form_prefill(version=item.published_version, applicant=applicant)
    for spec in item.published_version.form_fields:  # type: ignore[union-attr]
        key, kind = spec["key"], spec.get("type", "text")
        if key in values or kind in ("uscc", "id_number", "phone") or spec.get("applicant_types"):
            continue
        values[key] = VALUES.get(key) or BY_TYPE.get(kind, "示范县测试填写")
    return values


def approved(item: ServiceItem, applicant: Applicant, actor: User) -> Case:
    """A case of `item` by `applicant`, applied for online, accepted and approved by `actor`
    through the cases services."""
    assert applicant.user is not None
    case = cases.case_create(
        item=item,
        applicant=applicant,
        actor=applicant.user,
        form=form(item, applicant),
        **_delivery(item),
    )
    pdf = _pdf()
    for material in item.published_version.materials.filter(exempt=False):  # type: ignore[union-attr]
        cases.case_material_upload(
            case=case, actor=applicant.user, order=material.order, file=pdf, file_name="a.pdf"
        )
    case = cases.case_accept(case=cases.case_submit(case=case, actor=applicant.user), actor=actor)
    if case.status != CaseStatus.CONCLUDED:  # an instant item concludes on acceptance
        for _ in cases.review_steps(case.version)[:-1]:
            case = cases.case_advance(case=case, actor=actor)
        fee = "80" if case.version.has_fee else None
        case = cases.case_decide(case=case, actor=actor, decision="approve", fee=fee)
    return case


def linked_items() -> list[tuple[ServiceItem, LicenseType]]:
    return [
        (item, kind)
        for kind in LicenseType.objects.select_related("department").order_by("code")
        for item in kind.items.select_related("published_version", "department").order_by("code")
    ]


def test_every_demo_item_linked_to_a_licence_type_issues_it(county):
    person, company = county
    links = linked_items()
    # 6 营业执照, 3 食品经营许可证, 3 不动产权证书, 2 道路运输经营许可证, one each of the rest
    assert sorted({kind.name for _, kind in links}) == sorted(EXPECTED) and len(links) == 17
    made: dict[int, User] = {}
    for item, kind in links:
        keys = {f["key"] for f in item.published_version.form_fields}  # type: ignore[union-attr]
        applicant = company if "entity_uscc" in keys else person
        case = approved(item, applicant, handler(item.department, made))
        assert case.decision == "approve" and case.status == CaseStatus.CONCLUDED, item.name
        licence = License.objects.get(case=case)  # one licence, of the linked type
        assert licence.license_type == kind and licence.issuer == kind.department, item.name
        assert licence.fields == EXPECTED[kind.name], item.name
        assert licence.applicant == applicant and licence.holder_name == applicant.name
        if applicant.kind == "legal_person":
            assert (licence.holder_kind, licence.holder_uscc) == (
                HolderKind.ENTERPRISE,
                company.uscc,
            )
        else:
            assert licence.holder_kind == HolderKind.PERSON
            assert licence.holder_id_number.reveal() == person.id_number.reveal()  # type: ignore[union-attr]
        assert verification.verify_record(licence).valid, item.name
    assert not AuditEvent.objects.filter(action="licenses.issue_failed").exists()
    assert not issuing.pending_cases().exists()


def test_the_demo_cases_approved_before_the_links_issue_on_the_sweep(county, _seeded):
    # demo.cases approves a case before demo.licenses links the types; the sweep (run once
    # after the seed) issued its licence from the values the demo fills in.
    person, company = county
    issued = License.objects.filter(case__isnull=False, case__applicant__in=(person, company))
    assert _seeded == issued.count() >= 1
    for licence in issued:
        assert verification.verify_record(licence).valid
        assert all(v is not None for v in licence.fields.values()), licence.fields


def test_a_required_field_without_a_value_fails_audited_and_the_retry_issues_it(county):
    person, _ = county
    kind = LicenseType.objects.get(name="出生医学证明")
    item = kind.items.select_related("published_version", "department").get()
    # The type now asks for a field no form field fills (and names no source).
    fields = [*kind.fields, {"name": "助产机构许可证号", "kind": "text", "required": True}]
    LicenseType.objects.filter(pk=kind.pk).update(fields=fields)
    case = approved(item, person, handler(item.department, {}))
    case.refresh_from_db()
    assert case.status == CaseStatus.CONCLUDED and case.decision == "approve"
    assert not License.objects.filter(case=case).exists()
    failed = AuditEvent.objects.get(action="licenses.issue_failed", object_id=str(case.pk))
    assert "助产机构许可证号" in failed.reason and "未指定来源" in failed.reason
    assert list(issuing.pending_cases()) == [case]
    assert issuing.issue_pending() == 0  # still unfilled: nothing, and not audited again
    assert AuditEvent.objects.filter(action="licenses.issue_failed").count() == 1
    # The bureau names the field's source (here the case number): the sweep issues it.
    fields[-1] = {**fields[-1], "source": "case:number"}
    LicenseType.objects.filter(pk=kind.pk).update(fields=fields)
    assert issuing.issue_pending() == 1
    licence = License.objects.get(case=case)
    assert licence.fields == {**EXPECTED["出生医学证明"], "助产机构许可证号": case.number}
    assert verification.verify_record(licence).valid
    assert not issuing.pending_cases().exists()


def test_a_source_the_form_lacks_is_named_in_the_failure(county):
    person, _ = county
    kind = LicenseType.objects.get(name="出生医学证明")
    item = kind.items.select_related("published_version", "department").get()
    fields = [
        {**f, "source": "form:no_such_key"} if f["name"] == "出生地点" else f for f in kind.fields
    ]
    LicenseType.objects.filter(pk=kind.pk).update(fields=fields)
    case = approved(item, person, handler(item.department, {}))
    assert not License.objects.filter(case=case).exists()
    failed = AuditEvent.objects.get(action="licenses.issue_failed", object_id=str(case.pk))
    assert "出生地点" in failed.reason and "no_such_key" in failed.reason
