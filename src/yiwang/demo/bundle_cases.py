"""The demo county's first 一件事 application: the demo citizen applies for 开办餐饮店一件事 with
one form and one set of materials, and the first stage (the business registration) is accepted
and approved by its department through the real services — so a fresh `make demo` shows the
bundle on 我的办件 with its one timeline, stage 2 running in parallel across departments, and
the lead department's whole-bundle page on the workbench."""

from __future__ import annotations

from yiwang.cases import bundles
from yiwang.cases import services as cases
from yiwang.cases.models import BundleCase, Case
from yiwang.catalog.models import Bundle, BundleStatus
from yiwang.demo import county as c
from yiwang.demo.cases import _form, _hash, _pdf
from yiwang.org.models import Applicant, User

DEMO_BUNDLE = "开办餐饮店一件事"


def _staff_with(department_id: int, permission: str) -> User | None:
    users = User.objects.filter(staff__department_id=department_id).order_by("username")
    return next((u for u in users if u.has_perm(permission)), None)


def seed_bundle_cases() -> dict[str, int]:
    """One bundle application, once (nothing when the demo citizen already has one)."""
    bundle = Bundle.objects.filter(name=DEMO_BUNDLE, status=BundleStatus.PUBLISHED).first()
    phones = [_hash(m) for _, _, m, _, _ in c.CITIZEN_SIGN_INS]
    person = (
        Applicant.objects.filter(phone_hash__in=phones, kind="person")
        .select_related("user")
        .first()
    )
    if bundle is None or person is None or person.user is None:
        return {}
    if BundleCase.objects.filter(applicant=person).exists():
        return {}
    notice = bundles.published_notice(bundle)
    form: dict[str, str] = {}
    for item in notice.items:
        form.update(_form(item.version.item, person))
    fields = {f.key for f in bundles.form_for(notice, person)}
    form = {k: v for k, v in form.items() if k in fields}
    offered = bundles.offered_deliveries(notice)
    if not offered:
        return {}
    delivery = offered[0]
    address = (
        {"recipient": person.name, "phone": "13800000001", "address": "示范县城关镇人民路 1 号"}
        if delivery == "ems"
        else None
    )
    bundle_case = bundles.bundle_case_create(
        bundle=bundle,
        applicant=person,
        actor=person.user,
        form=form,
        delivery=delivery,
        delivery_address=address,
    )
    pdf = _pdf()
    for material in notice.materials_to_submit:
        bundles.bundle_material_upload(
            bundle_case=bundle_case,
            actor=person.user,
            key=material.key,
            file=pdf,
            file_name=f"{material.name}.pdf",
        )
    bundles.bundle_case_submit(bundle_case=bundle_case, actor=person.user)
    for child in Case.objects.filter(bundle_case=bundle_case).select_related("version"):
        clerk = _staff_with(child.department_id, "cases.accept_case")
        approver = _staff_with(child.department_id, "cases.decide_case")
        if clerk is None or approver is None:
            break
        child = cases.case_accept(case=child, actor=clerk)
        if child.status != "concluded":
            for _ in cases.review_steps(child.version)[:-1]:
                child = cases.case_advance(case=child, actor=approver, note="材料齐全")
            cases.case_decide(case=child, actor=approver, decision="approve")
    return {"一件事办件": 1}
