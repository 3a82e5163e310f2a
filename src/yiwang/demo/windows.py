"""The demo county's front desk (综合窗口): a clerk at the county hall's 综合受理窗口1 and two
walk-ins he took in for another department's item, routed to its back office and approved there
— one handed out at the front desk (the collector's ID checked and recorded), one waiting for
hand-out (前台今日) — made through the real services, once. (None is left under review: the
demo's only case in review stays the 市场监管局's, which tests/cases/test_english.py reads.)"""

from __future__ import annotations

from yiwang.cases import services as cases
from yiwang.catalog.models import ServiceItem
from yiwang.demo import county as c
from yiwang.demo.cases import _form, _hash
from yiwang.org.models import Applicant, Staff, User, Window, WindowKind
from yiwang.windows.models import Routing

FRONT_DESK_USER = "zh_clerk"
FRONT_DESK_WINDOW = "综合受理窗口1"
# The demo's other cases are the 市场监管局's and the 公安局's queues are kept empty
# (tests/cases/test_demo_cases.py): the walk-ins are for a third department's item.
NOT_THESE = ("县市场监督管理局", "县公安局")


def _item() -> ServiceItem | None:
    items = (
        ServiceItem.objects.filter(
            status="active",
            published_version__isnull=False,
            published_version__handling_kind="promised",
            published_version__has_fee=False,
            published_version__commitment_based=False,
        )
        .exclude(department__name__in=NOT_THESE)
        .select_related("published_version", "department")
        .order_by("department__name", "code")
    )
    for item in items:
        version = item.published_version
        keys = {f["key"] for f in version.form_fields or []}  # type: ignore[union-attr]
        offered = version.delivery_methods or ["window"]  # type: ignore[union-attr]
        if "applicant_id_number" in keys and "window" in offered:
            return item
    return None


def seed_front_desk() -> dict[str, int]:
    """Put the front-desk clerk at his window and make the two walk-ins (nothing when they
    exist)."""
    staff = Staff.objects.filter(user__username=FRONT_DESK_USER).first()
    window = Window.objects.filter(
        name=FRONT_DESK_WINDOW, kind=WindowKind.COMPREHENSIVE, hall__level="county"
    ).first()
    if staff is None or window is None:
        return {}
    if staff.window_id != window.pk:
        staff.window = window
        staff.save(update_fields=["window"])
    if Routing.objects.filter(routed_by=staff.user).exists():
        return {}
    person = Applicant.objects.filter(
        phone_hash=_hash(c.CITIZEN_SIGN_INS[0][2]), kind="person"
    ).first()
    item = _item()
    if person is None or item is None:
        return {}
    clerk = staff.user
    admin = User.objects.get(username="admin")  # the demo's back office acts as the superuser
    made = []
    for _ in range(2):
        case = cases.case_create(item=item, applicant=person, actor=clerk, form=_form(item, person))
        for material in item.published_version.materials.all():  # type: ignore[union-attr]
            if not material.exempt:
                cases.case_material_paper(case=case, actor=clerk, order=material.order)
        case = cases.case_submit(case=case, actor=clerk)
        made.append(cases.case_accept(case=case, actor=clerk))
    for case in made:
        for _ in cases.review_steps(case.version)[:-1]:
            case = cases.case_advance(case=case, actor=admin, note="材料齐全")
        cases.case_decide(case=case, actor=admin, decision="approve")
    cases.case_hand_out(
        case=made[0],
        actor=clerk,
        collected_by=person.name,
        # the demo citizen collects in person
        collector_id_number=person.id_number.reveal(),  # type: ignore[attr-defined]
        id_checked=True,
    )
    return {"综合窗口办件": 2}
