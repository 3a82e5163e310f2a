"""The demo county's first cases: a few applications by the demo citizen and company, walked
through the real services to the states the workbench queues show (待受理, 待补正, 待审批, 待出件),
so a fresh `make demo` has something in every queue and on 我的办件."""

from __future__ import annotations

import io
from typing import Any

from django.utils import timezone

from yiwang.cases import services as cases
from yiwang.cases.fields import Delivery
from yiwang.cases.models import Case
from yiwang.catalog.models import ServiceItem
from yiwang.demo import county as c
from yiwang.demo.catalog import DEMO_FORM_VALUES
from yiwang.org.models import Applicant, User


def _pdf() -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _form(item: ServiceItem, applicant: Applicant) -> dict[str, str]:
    from yiwang.cases.selectors import form_prefill

    version = item.published_version
    values = form_prefill(version=version, applicant=applicant)
    for spec in version.form_fields or []:  # type: ignore[union-attr]
        key, kind = spec["key"], spec.get("type", "text")
        if key in values:
            continue
        if kind == "uscc" or spec.get("applicant_types"):
            continue  # not this applicant's (or not registered yet)
        if key == "contact_name":
            values[key] = applicant.legal_representative or applicant.name
            continue
        if key in DEMO_FORM_VALUES:  # what a licence issued on the case is filled from
            values[key] = DEMO_FORM_VALUES[key]
            continue
        values[key] = {
            "date": timezone.localdate().isoformat(),
            "number": "1",
            "email": "demo@example.cn",
            "phone": "13800000001",
            "id_number": "",
        }.get(kind, "示范县城关镇人民路 1 号")
    return {k: v for k, v in values.items() if v}


def _delivery(item: ServiceItem) -> dict[str, Any]:
    offered = item.published_version.delivery_methods or ["window"]  # type: ignore[union-attr]
    if "window" in offered:
        return {"delivery": Delivery.PICKUP}
    if "electronic" in offered:
        return {"delivery": Delivery.ELECTRONIC}
    return {
        "delivery": Delivery.EMS,
        "delivery_address": {
            "recipient": "张三",
            "phone": "13800000001",
            "address": "示范县城关镇人民路 1 号",
        },
    }


def _submitted(item: ServiceItem, applicant: Applicant) -> Case:
    assert applicant.user is not None
    case = cases.case_create(
        item=item,
        applicant=applicant,
        actor=applicant.user,
        form=_form(item, applicant),
        **_delivery(item),
    )
    pdf = _pdf()
    for material in item.published_version.materials.all():  # type: ignore[union-attr]
        if not material.exempt:
            cases.case_material_upload(
                case=case,
                actor=applicant.user,
                order=material.order,
                file=pdf,
                file_name=f"{material.name}.pdf",
            )
    return cases.case_submit(case=case, actor=applicant.user)


def seed_cases() -> dict[str, int]:
    """Four demo cases, once (nothing when the demo applicants already have cases): one waiting
    for pre-review, one waiting for a correction, one in review, one concluded and waiting to be
    handed out."""
    applicants = list(
        Applicant.objects.filter(phone_hash__in=[_hash(m) for _, _, m, _, _ in c.CITIZEN_SIGN_INS])
        .select_related("user")
        .order_by("kind")
    )
    if len(applicants) < 2 or Case.objects.filter(applicant__in=applicants).exists():
        return {}
    person = next(a for a in applicants if a.kind == "person")
    company = next(a for a in applicants if a.kind == "legal_person")
    clerk = User.objects.get(username="scjg_clerk")
    approver = User.objects.get(username="scjg_approver")
    items = list(
        ServiceItem.objects.filter(
            department__name="县市场监督管理局",
            status="active",
            published_version__isnull=False,
            published_version__handling_kind="promised",
            published_version__has_fee=False,
        )
        .select_related("published_version")
        .order_by("code")
    )

    def keys(item: ServiceItem) -> set[str]:
        return {f["key"] for f in item.published_version.form_fields or []}  # type: ignore[union-attr]

    for_person = [i for i in items if "applicant_id_number" in keys(i)]
    for_company = [i for i in items if "entity_name" in keys(i) and "entity_uscc" in keys(i)]
    if len(for_person) < 2 or len(for_company) < 2:
        return {}
    _submitted(for_person[0], person)
    correction = _submitted(for_person[1], person)
    first = correction.version.materials.filter(exempt=False).order_by("order").first()
    if first is not None:
        cases.case_request_correction(
            case=correction,
            actor=clerk,
            entries=[{"order": first.order, "note": "请提供签字盖章的原件扫描件"}],
        )
    cases.case_accept(case=_submitted(for_company[0], company), actor=clerk)
    concluded = cases.case_accept(case=_submitted(for_company[1], company), actor=clerk)
    for _ in cases.review_steps(concluded.version)[:-1]:
        concluded = cases.case_advance(case=concluded, actor=approver, note="材料齐全")
    cases.case_decide(case=concluded, actor=approver, decision="approve")
    return {"办件": 4}


def _hash(mobile: str) -> str:
    from yiwang.common.personal import personal_hash

    return personal_hash("phone", mobile)
