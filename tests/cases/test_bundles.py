"""一件事 as one case (cases.bundles): the merged form and materials asked once, the stage order,
a refused child stopping the bundle, the parent's conclusion, the joint 45 + 15 working-day clock,
one timeline and one result notice for the applicant, and who sees the bundle."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from tests.cases.bundle_world import FORM, BundleWorld, approve, bundle_world, open_children, refuse
from tests.common import files
from yiwang.cases import bundle_selectors as bs
from yiwang.cases import bundles as b
from yiwang.cases import services as s
from yiwang.cases.fields import BundleCaseStatus, CaseStatus
from yiwang.cases.models import BundleCase, Case, CaseMaterial
from yiwang.catalog.guides.bundles import material_equivalences
from yiwang.notifications.models import Message
from yiwang.workdays.selectors import add_working_days

__all__ = ["bundle_world"]
PDF = files.pdf(pages=1)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def key_of(name: str) -> str:
    return b.material_key(name, material_equivalences())


def applied(world: BundleWorld, *, submit: bool = True) -> BundleCase:
    bundle_case = b.bundle_case_create(
        bundle=world.bundle, applicant=world.citizen, actor=world.citizen.user, form=FORM
    )
    for name in (
        "个体工商户登记申请书",
        "经营场所使用证明",
        "食品经营许可申请书",
        "消防安全检查申请表",
    ):
        b.bundle_material_upload(
            bundle_case=bundle_case,
            actor=world.citizen.user,
            key=key_of(name),
            file=PDF,
            file_name=f"{name}.pdf",
        )
    if submit:
        b.bundle_case_submit(bundle_case=bundle_case, actor=world.citizen.user)
    bundle_case.refresh_from_db()
    return bundle_case


def test_the_merged_form_asks_each_shared_field_once(bundle_world):
    notice = b.published_notice(bundle_world.bundle)
    keys = [f.key for f in b.form_for(notice, bundle_world.citizen)]
    assert keys == sorted(set(keys), key=keys.index)  # no field twice
    assert set(keys) == set(FORM)  # 营业执照文号 comes from stage 1's result: not asked
    name = next(f for f in notice.form if f.key == "applicant_name")
    assert len(name.items) == 3  # asked by all three items, filled in once


def test_a_bad_field_is_named_and_an_unknown_one_refused(bundle_world):
    with pytest.raises(ValidationError) as exc:
        b.bundle_case_create(
            bundle=bundle_world.bundle,
            applicant=bundle_world.citizen,
            actor=bundle_world.citizen.user,
            form={**FORM, "applicant_phone": "12"},
        )
    assert "form.applicant_phone" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        b.bundle_case_create(
            bundle=bundle_world.bundle,
            applicant=bundle_world.citizen,
            actor=bundle_world.citizen.user,
            form={"nickname": "x"},
        )
    assert "nickname" in exc.value.message_dict["form"][0]


def test_materials_are_handed_in_once_and_reach_every_child(bundle_world):
    bundle_case = applied(bundle_world)
    # stage 1 only: the registration
    (child,) = Case.objects.filter(bundle_case=bundle_case)
    assert child.item == bundle_world.registration
    assert child.status == CaseStatus.SUBMITTED
    assert child.form_data["applicant_name"] == "张三"
    assert "floor_area" not in child.form_data  # not a field of this item
    approve(bundle_world, child)
    food = Case.objects.get(bundle_case=bundle_case, item=bundle_world.food)
    fire = Case.objects.get(bundle_case=bundle_case, item=bundle_world.fire_check)
    # 经营场所使用证明 handed in once; the fire item's 场地使用证明 is the same file
    premises = bundle_case.materials.get(key=key_of("经营场所使用证明"))
    for case, order in ((child, 2), (food, 2), (fire, 2)):
        row = CaseMaterial.objects.get(case=case, order=order)
        assert row.file.name == premises.file.name
        assert row.digest == premises.digest
    assert not CaseMaterial.objects.filter(case=food, order=3).exists()  # 营业执照 免提交
    assert fire.form_data["floor_area"] == "120"
    # the registration's result feeds the fire check's form (the bundle says so)
    approval = child.notices.get(kind="approval")
    assert fire.form_data["licence_number"] == approval.number
    assert "licence_number" not in food.form_data
    assert bundle_case.items_materials == 6 and bundle_case.merged_materials == 4


def test_submitting_needs_the_form_and_materials(bundle_world):
    bundle_case = b.bundle_case_create(
        bundle=bundle_world.bundle,
        applicant=bundle_world.citizen,
        actor=bundle_world.citizen.user,
        form={"applicant_name": "张三"},
    )
    with pytest.raises(ValidationError) as exc:
        b.bundle_case_submit(bundle_case=bundle_case, actor=bundle_world.citizen.user)
    assert "form.applicant_phone" in exc.value.message_dict
    b.bundle_case_update(bundle_case=bundle_case, actor=bundle_world.citizen.user, form=FORM)
    with pytest.raises(ValidationError) as exc:
        b.bundle_case_submit(bundle_case=bundle_case, actor=bundle_world.citizen.user)
    assert "个体工商户登记申请书" in exc.value.message_dict["materials"][0]
    assert not Case.objects.filter(bundle_case=bundle_case).exists()
    with pytest.raises(ValidationError):  # 免提交: nothing to upload
        b.bundle_material_upload(
            bundle_case=bundle_case,
            actor=bundle_world.citizen.user,
            key=key_of("营业执照"),
            file=PDF,
            file_name="x.pdf",
        )


def test_stage_two_starts_only_when_stage_one_is_approved(bundle_world):
    bundle_case = applied(bundle_world)
    (registration,) = open_children(bundle_case)
    s.case_accept(case=registration, actor=bundle_world.market_clerk.user)
    assert Case.objects.filter(bundle_case=bundle_case).count() == 1  # still stage 1
    approver = bundle_world.market_approver.user
    for _ in range(len(s.review_steps(registration.version)) - 1):
        s.case_advance(case=registration, actor=approver)
    s.case_decide(case=registration, actor=approver, decision="approve")
    bundle_case.refresh_from_db()
    assert bundle_case.stage == 2
    stage_two = open_children(bundle_case)
    assert {c.item_id for c in stage_two} == {bundle_world.food.pk, bundle_world.fire_check.pk}
    assert {c.department_id for c in stage_two} == {bundle_world.market.pk, bundle_world.fire.pk}
    assert all(c.stage == 2 for c in stage_two)
    # the two run in parallel: approving one does not conclude the bundle
    approve(bundle_world, stage_two[0])
    bundle_case.refresh_from_db()
    assert bundle_case.status == BundleCaseStatus.IN_PROGRESS


def test_the_bundle_concludes_when_every_child_does_with_one_result_notice(bundle_world):
    bundle_case = applied(bundle_world)
    approve(bundle_world, open_children(bundle_case)[0])
    Message.objects.all().delete()
    for child in open_children(bundle_case):
        approve(bundle_world, child)
    bundle_case.refresh_from_db()
    assert bundle_case.status == BundleCaseStatus.CONCLUDED
    assert bundle_case.concluded_on is not None and bundle_case.handling_days == 0
    assert bundle_case.joint_clock.stopped_on is not None
    notice = bundle_case.result_notice
    assert notice["kind"] == "concluded"
    assert [c["decision"] for c in notice["children"]] == ["准予"] * 3
    assert notice["results"] == ["食品经营许可证"] * 3
    # one result message, not one per child
    sms = Message.objects.filter(channel="sms")
    assert [m.kind for m in sms] == ["bundle.concluded"]
    assert "已全部办结" in sms[0].text


def test_a_refused_child_stops_the_bundle_with_a_notice(bundle_world):
    bundle_case = applied(bundle_world)
    approve(bundle_world, open_children(bundle_case)[0])
    fire = Case.objects.get(bundle_case=bundle_case, item=bundle_world.fire_check)
    refuse(bundle_world, fire)
    bundle_case.refresh_from_db()
    assert bundle_case.status == BundleCaseStatus.STOPPED
    assert bundle_case.stopped_by == fire
    assert "经营场所不符合消防安全要求" in bundle_case.stop_reason
    assert bundle_case.result_notice["kind"] == "stopped"
    assert "行政复议" in bundle_case.result_notice["rights"]
    assert bundle_case.joint_clock.stopped_on is not None
    stopped = Message.objects.get(kind="bundle.stopped", channel="sms")
    assert "公众聚集场所投入使用营业前消防安全检查不予许可" in stopped.text
    # the sibling may still be decided, but the bundle stays stopped
    food = Case.objects.get(bundle_case=bundle_case, item=bundle_world.food)
    approve(bundle_world, food)
    bundle_case.refresh_from_db()
    assert bundle_case.status == BundleCaseStatus.STOPPED


def test_a_stage_one_refusal_starts_no_later_stage(bundle_world):
    bundle_case = applied(bundle_world)
    (registration,) = open_children(bundle_case)
    s.case_not_accept(
        case=registration, actor=bundle_world.market_clerk.user, reason="申请人不符合登记条件"
    )
    bundle_case.refresh_from_db()
    assert bundle_case.status == BundleCaseStatus.STOPPED
    assert bundle_case.joint_clock is None  # never accepted: no joint clock ran
    assert Case.objects.filter(bundle_case=bundle_case).count() == 1
    assert "不予受理：申请人不符合登记条件" in bundle_case.stop_reason


def test_the_joint_clock_is_45_working_days_extendable_once_by_15(bundle_world):
    bundle_case = applied(bundle_world)
    (registration,) = open_children(bundle_case)
    s.case_accept(case=registration, actor=bundle_world.market_clerk.user)
    bundle_case.refresh_from_db()
    registration.refresh_from_db()
    clock = bundle_case.joint_clock
    assert clock.limit_days == 45
    assert bundle_case.started_on == registration.accepted_on
    assert bundle_case.deadline == add_working_days(registration.accepted_on, 45).date
    # only the lead department's head approves the extension, once
    with pytest.raises(PermissionDenied):
        b.bundle_case_extend(
            bundle_case=bundle_case, actor=bundle_world.fire_head.user, reason="需现场核查"
        )
    with pytest.raises(PermissionDenied):
        b.bundle_case_extend(
            bundle_case=bundle_case, actor=bundle_world.market_clerk.user, reason="需现场核查"
        )
    b.bundle_case_extend(
        bundle_case=bundle_case, actor=bundle_world.market_head.user, reason="需现场核查"
    )
    bundle_case.refresh_from_db()
    assert bundle_case.deadline == add_working_days(registration.accepted_on, 60).date
    with pytest.raises(ValidationError) as exc:
        b.bundle_case_extend(
            bundle_case=bundle_case, actor=bundle_world.market_head.user, reason="再延"
        )
    assert exc.value.code == "illegal_transition"
    assert Message.objects.filter(kind="bundle.extended", channel="sms").count() == 1


def test_the_joint_clock_follows_settings(bundle_world, settings):
    settings.YIWANG_BUNDLE_JOINT_DAYS = 30
    bundle_case = applied(bundle_world)
    s.case_accept(case=open_children(bundle_case)[0], actor=bundle_world.market_clerk.user)
    bundle_case.refresh_from_db()
    assert bundle_case.joint_clock.limit_days == 30


def test_the_applicant_is_told_acceptance_once_not_per_child(bundle_world):
    bundle_case = applied(bundle_world)
    approve(bundle_world, open_children(bundle_case)[0])
    kinds = list(Message.objects.filter(channel="sms").values_list("kind", flat=True))
    assert "case.accepted" not in kinds and "case.concluded" not in kinds
    assert kinds.count("bundle.accepted") == 1


def test_one_timeline_merges_the_bundle_and_its_children(bundle_world):
    bundle_case = applied(bundle_world)
    approve(bundle_world, open_children(bundle_case)[0])
    timeline = bs.bundle_timeline(bundle_case)
    labels = [e.label for e in timeline]
    assert labels[:3] == ["创建一件事申请", "提交材料", "提交材料"]
    assert "阶段开始" in labels and "受理" in labels and "作出决定" in labels
    decided = next(e for e in timeline if e.label == "作出决定")
    assert decided.item == "个体工商户设立登记" and decided.department == "县市场监督管理局"
    assert [e.at for e in timeline] == sorted(e.at for e in timeline)


def test_who_sees_the_bundle(bundle_world):
    bundle_case = applied(bundle_world)
    assert bs.bundle_case_get_for(user=bundle_world.citizen.user, pk=bundle_case.pk)
    # the lead department sees the whole bundle, including the fire department's child
    approve(bundle_world, open_children(bundle_case)[0])
    lead = bs.bundle_case_get_for(user=bundle_world.market_approver.user, pk=bundle_case.pk)
    assert len(bs.bundle_children(lead)) == 3
    for outsider in (bundle_world.stranger.user, bundle_world.fire_clerk.user):
        with pytest.raises(Http404):
            bs.bundle_case_get_for(user=outsider, pk=bundle_case.pk)


def test_only_the_applicant_or_a_comprehensive_window_applies(bundle_world):
    with pytest.raises(PermissionDenied):
        b.bundle_case_create(
            bundle=bundle_world.bundle,
            applicant=bundle_world.citizen,
            actor=bundle_world.stranger.user,
            form=FORM,
        )
    with pytest.raises(PermissionDenied):  # a fire-department 专窗 clerk
        b.bundle_case_create(
            bundle=bundle_world.bundle,
            applicant=bundle_world.citizen,
            actor=bundle_world.fire_clerk.user,
            form=FORM,
        )
    walk_in = b.bundle_case_create(
        bundle=bundle_world.bundle,
        applicant=bundle_world.citizen,
        actor=bundle_world.counter.user,
        form=FORM,
    )
    assert walk_in.channel == "window"
    assert bs.bundle_case_get_for(user=bundle_world.counter.user, pk=walk_in.pk)


def test_a_submitted_bundle_cannot_be_submitted_or_changed_again(bundle_world):
    bundle_case = applied(bundle_world)
    with pytest.raises(ValidationError) as exc:
        b.bundle_case_submit(bundle_case=bundle_case, actor=bundle_world.citizen.user)
    assert exc.value.code == "illegal_transition"
    with pytest.raises(ValidationError):
        b.bundle_case_update(bundle_case=bundle_case, actor=bundle_world.citizen.user, form=FORM)


def test_the_bundle_figures(bundle_world):
    from yiwang.insight.registry import compute
    from yiwang.org.scope import ALL_SCOPE

    stopped = applied(bundle_world)
    s.case_not_accept(
        case=open_children(stopped)[0], actor=bundle_world.market_clerk.user, reason="不符合条件"
    )
    done = applied(bundle_world)
    for _stage in range(2):
        for child in open_children(done):
            approve(bundle_world, child)
    applied(bundle_world, submit=False)  # a draft is not counted

    def value(key: str):  # type: ignore[no-untyped-def]
        return compute(key, ALL_SCOPE)

    assert value("cases.bundle_total") == 2
    assert value("cases.bundle_by_bundle") == {"开办餐饮店一件事": 2}
    # concluded the same day: 0 days used against 3 + 10 + 8 promised
    assert value("cases.bundle_average_handling_days") == Decimal("0.00")
    assert value("cases.bundle_items_limit_days") == Decimal("21.00")
    assert value("cases.bundle_time_saved") == Decimal("1.0000")
    # six materials asked by the items, four on the merged list, for each of the two
    assert value("cases.bundle_materials_saved") == Decimal("0.3333")
    # three items of one visit each, one visit for the bundle
    assert value("cases.bundle_visits_saved") == 4
    # the lead department's scope counts them; another department's does not
    from yiwang.org.selectors import data_scope_for

    assert compute("cases.bundle_total", data_scope_for(bundle_world.market_head.user)) == 2
    assert compute("cases.bundle_total", data_scope_for(bundle_world.fire_head.user)) == 0


def test_the_delivery_must_suit_every_item(bundle_world):
    version = bundle_world.fire_check.published_version
    version.delivery_methods = ["window"]
    version.save(update_fields=["delivery_methods"])
    notice = b.published_notice(bundle_world.bundle)
    assert b.offered_deliveries(notice) == ["pickup"]
    with pytest.raises(ValidationError) as exc:
        b.bundle_case_create(
            bundle=bundle_world.bundle,
            applicant=bundle_world.citizen,
            actor=bundle_world.citizen.user,
            form=FORM,
            delivery="electronic",
        )
    assert "窗口领取" in exc.value.message_dict["delivery"][0]


def test_a_draft_is_withdrawn_and_then_frozen(bundle_world):
    bundle_case = applied(bundle_world, submit=False)
    with pytest.raises(PermissionDenied):
        b.bundle_case_withdraw(bundle_case=bundle_case, actor=bundle_world.stranger.user)
    b.bundle_case_withdraw(bundle_case=bundle_case, actor=bundle_world.citizen.user)
    bundle_case.refresh_from_db()
    assert bundle_case.status == BundleCaseStatus.WITHDRAWN
    with pytest.raises(ValidationError) as exc:
        b.bundle_case_submit(bundle_case=bundle_case, actor=bundle_world.citizen.user)
    assert exc.value.code == "illegal_transition"
    assert not Case.objects.filter(bundle_case=bundle_case).exists()
    # a new application is not blocked by the withdrawn one
    assert bs.bundle_draft_for(user=bundle_world.citizen.user, bundle_code="YJS-CY") is None


def test_a_withdrawn_child_stops_the_bundle(bundle_world):
    bundle_case = applied(bundle_world)
    (registration,) = open_children(bundle_case)
    s.case_withdraw(case=registration, actor=bundle_world.citizen.user, reason="暂不开店")
    bundle_case.refresh_from_db()
    assert bundle_case.status == BundleCaseStatus.STOPPED
    assert "个体工商户设立登记撤回申请" in bundle_case.stop_reason


def test_a_child_asking_for_more_than_the_bundle_gave_waits_as_a_draft(bundle_world):
    bundle_case = applied(bundle_world)
    # the fire check's published version asks for a new field after the application
    version = bundle_world.fire_check.published_version
    version.form_fields = [
        *version.form_fields,
        {"key": "seats", "label": "座位数", "type": "number"},
    ]
    version.save(update_fields=["form_fields"])
    registration = approve(bundle_world, open_children(bundle_case)[0])
    assert registration.decision == "approve"  # the decision stands
    fire = Case.objects.get(bundle_case=bundle_case, item=bundle_world.fire_check)
    food = Case.objects.get(bundle_case=bundle_case, item=bundle_world.food)
    assert fire.status == CaseStatus.DRAFT and food.status == CaseStatus.SUBMITTED
    told = Message.objects.get(kind="bundle.incomplete", channel="sms")
    assert "座位数" in told.text
    # he completes and submits it; the bundle concludes when both are approved
    s.case_update(case=fire, actor=bundle_world.citizen.user, form={"seats": "40"})
    s.case_submit(case=fire, actor=bundle_world.citizen.user)
    for child in open_children(bundle_case):
        approve(bundle_world, child)
    bundle_case.refresh_from_db()
    assert bundle_case.status == BundleCaseStatus.CONCLUDED


def test_the_time_saved_by_bundle(bundle_world):
    """A worked example: per bundle, 100 × (1 − Σ handling days ÷ Σ the items' limits), whole."""
    from yiwang.catalog import services as catalog
    from yiwang.insight.registry import compute, get
    from yiwang.org.models import Staff
    from yiwang.org.scope import ALL_SCOPE

    bureau = Staff.objects.get(user__username="bureau").user
    done = []
    for _n in range(3):
        bundle_case = applied(bundle_world)
        for _stage in range(2):
            for child in open_children(bundle_case):
                approve(bundle_world, child)
        done.append(bundle_case)
    # concluded the same day in the test: the days they took, set as a calendar would have it
    for bundle_case, days in zip(done, (5, 9, 13), strict=True):
        BundleCase.objects.filter(pk=bundle_case.pk).update(handling_days=days)
    assert {c.items_promised_days for c in BundleCase.objects.all()} == {21}  # 3 + 10 + 8
    running = applied(bundle_world)  # in progress: not counted
    assert running.status == BundleCaseStatus.IN_PROGRESS
    # a second bundle of the registration alone (3 days promised) that took 4
    single = catalog.bundle_create(
        code="YJS-DJ",
        name="个体户登记一件事",
        lead_department=bundle_world.market,
        stages=[[bundle_world.registration]],
        actor=bureau,
    )
    catalog.bundle_publish(bundle=single, actor=bureau)
    slow = b.bundle_case_create(
        bundle=single,
        applicant=bundle_world.citizen,
        actor=bundle_world.citizen.user,
        form={k: v for k, v in FORM.items() if k != "floor_area"},  # the fire item's field
    )
    for name in ("个体工商户登记申请书", "经营场所使用证明"):
        b.bundle_material_upload(
            bundle_case=slow,
            actor=bundle_world.citizen.user,
            key=key_of(name),
            file=PDF,
            file_name=f"{name}.pdf",
        )
    b.bundle_case_submit(bundle_case=slow, actor=bundle_world.citizen.user)
    approve(bundle_world, open_children(slow)[0])
    BundleCase.objects.filter(pk=slow.pk).update(handling_days=4)

    # 开办餐饮店: 1 − (5 + 9 + 13) ÷ (21 × 3) = 1 − 27/63 = 57.14 % → 57;
    # 个体户登记: 1 − 4/3 = −33.33 % → −33 (slower than the item promises)
    assert compute("cases.bundle_time_saved_by_bundle", ALL_SCOPE) == {
        "个体户登记一件事": -33,
        "开办餐饮店一件事": 57,
    }
    assert get("cases.bundle_time_saved_by_bundle").kind == "breakdown"
    from yiwang.org.selectors import data_scope_for

    fire_scope = data_scope_for(bundle_world.fire_head.user)
    assert compute("cases.bundle_time_saved_by_bundle", fire_scope) == {}
