"""Catalogue lifecycle: claim → compile → submit → review → publish, versions, refusals."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from yiwang.audit.models import AuditEvent
from yiwang.catalog import services
from yiwang.catalog.models import AdjustmentLog, ItemStatus, ServiceItemVersion, VersionStatus

from .conftest import claim_ready, publish


def test_full_lifecycle_with_return(world):
    item = claim_ready(world)
    v1 = item.versions.get()
    assert (item.status, v1.status, v1.name) == ("claimed", "draft", "食品经营许可（新办）")
    assert item.code.startswith("000103001000341199000000")
    services.version_submit(version=v1, actor=world.clerk.user)
    services.version_return(version=v1, comment="请补充收费依据", actor=world.reviewer.user)
    v1.refresh_from_db()
    assert (v1.status, v1.review_comment) == ("returned", "请补充收费依据")
    services.version_update(
        version=v1,
        elements={"fee_basis": "不收费"},
        reason="按审核意见修改",
        actor=world.clerk.user,
    )
    services.version_submit(version=v1, actor=world.clerk.user)
    services.version_approve(version=v1, actor=world.reviewer.user)
    services.version_publish(version=v1, actor=world.reviewer.user)
    item.refresh_from_db()
    assert item.status == ItemStatus.ACTIVE and item.published_version == v1
    actions = list(
        AdjustmentLog.objects.filter(item=item).order_by("id").values_list("action", flat=True)
    )
    assert actions == [
        "认领",
        "编制",
        "提交审核",
        "退回修改",
        "编制",
        "提交审核",
        "审核通过",
        "发布",
    ]
    assert AuditEvent.objects.filter(
        action="catalog.version_publish", object_id=str(item.pk)
    ).exists()


@pytest.mark.parametrize(
    ("steps", "illegal"),
    [
        ([], "approve"),  # draft cannot be approved
        ([], "publish"),  # nor published
        (["submit"], "submit"),  # submitted twice
        (["submit"], "publish"),  # published without approval
        (["submit", "approve"], "return"),  # approved cannot be returned
    ],
)
def test_illegal_transitions_are_refused(world, steps, illegal):
    item = claim_ready(world)
    version = item.versions.get()
    calls = {
        "submit": lambda v: services.version_submit(version=v, actor=world.clerk.user),
        "approve": lambda v: services.version_approve(version=v, actor=world.reviewer.user),
        "publish": lambda v: services.version_publish(version=v, actor=world.reviewer.user),
        "return": lambda v: services.version_return(
            version=v, comment="x", actor=world.reviewer.user
        ),
    }
    for step in steps:
        calls[step](version)
    status = ServiceItemVersion.objects.get(pk=version.pk).status
    with pytest.raises(ValidationError, match="不能"):
        calls[illegal](version)
    assert ServiceItemVersion.objects.get(pk=version.pk).status == status


def test_department_staff_cannot_review(world):
    item = claim_ready(world)
    version = item.versions.get()
    services.version_submit(version=version, actor=world.clerk.user)
    with pytest.raises(PermissionDenied):
        services.version_approve(version=version, actor=world.clerk.user)
    assert ServiceItemVersion.objects.get(pk=version.pk).status == "submitted"


def test_other_department_cannot_touch_the_item(world):
    item = claim_ready(world)
    with pytest.raises(PermissionDenied, match="数据范围"):
        services.version_update(
            version=item.versions.get(), elements={"faq": "x"}, actor=world.other_clerk.user
        )


def test_return_needs_a_comment(world):
    item = claim_ready(world)
    version = item.versions.get()
    services.version_submit(version=version, actor=world.clerk.user)
    with pytest.raises(ValidationError, match="审核意见"):
        services.version_return(version=version, comment="  ", actor=world.reviewer.user)


def test_published_version_never_changes_and_old_versions_stay(world):
    item = claim_ready(world)
    v1 = publish(world, item.versions.get())
    with pytest.raises(ValidationError, match="不能修改"):
        services.version_update(version=v1, elements={"promised_limit": 5}, actor=world.clerk.user)
    v2 = services.version_start_revision(item=item, actor=world.clerk.user, reason="压缩时限")
    assert v2.number == 2 and v2.status == "draft"
    assert [m.name for m in v2.materials.all()] == [m.name for m in v1.materials.all()]
    # Opening a revision twice returns the same open draft.
    assert services.version_start_revision(item=item, actor=world.clerk.user) == v2
    services.version_update(version=v2, elements={"promised_limit": 5}, actor=world.clerk.user)
    publish(world, v2)
    item.refresh_from_db()
    v1.refresh_from_db()
    assert item.published_version == v2
    assert v1.status == VersionStatus.SUPERSEDED
    assert v1.promised_limit == 10  # the old version is untouched
    assert v1.materials.count() == 2


def test_validation_promised_over_legal_and_instant(world):
    item = claim_ready(world)
    version = item.versions.get()
    with pytest.raises(ValidationError, match="承诺时限不能超过法定时限"):
        services.version_update(
            version=version, elements={"promised_limit": 30}, actor=world.clerk.user
        )
    with pytest.raises(ValidationError, match="即办件的承诺时限应为 0"):
        services.version_update(
            version=version, elements={"handling_kind": "instant"}, actor=world.clerk.user
        )
    version.refresh_from_db()
    assert (version.promised_limit, version.handling_kind) == (10, "promised")


def test_suspend_resume_withdraw(world):
    item = claim_ready(world)
    publish(world, item.versions.get())
    with pytest.raises(ValidationError, match="原因"):
        services.item_suspend(item=item, reason="", actor=world.reviewer.user)
    services.item_suspend(item=item, reason="系统升级", actor=world.reviewer.user)
    with pytest.raises(ValidationError):
        services.item_suspend(item=item, reason="再次", actor=world.reviewer.user)
    services.item_resume(item=item, reason="升级完成", actor=world.reviewer.user)
    with pytest.raises(PermissionDenied):
        services.item_withdraw(item=item, reason="取消", actor=world.clerk.user)
    services.item_withdraw(item=item, reason="法律废止", actor=world.reviewer.user)
    item.refresh_from_db()
    assert item.status == "withdrawn"
    with pytest.raises(ValidationError, match="已撤销"):
        services.version_start_revision(item=item, actor=world.clerk.user)


def test_claim_twice_refused(world):
    claim_ready(world)
    with pytest.raises(ValidationError, match="已认领"):
        services.item_claim(
            base=world.base, department=world.dept, region=world.dept.region, actor=world.clerk.user
        )


def test_an_empty_revision_cannot_be_submitted(world):
    """Decision: a v2 that changes nothing against v1 is refused at submission (it would
    reach the review queue as "共 0 处变化"); the first version has nothing to compare with."""
    item = claim_ready(world)
    publish(world, item.versions.get())
    v2 = services.version_start_revision(item=item, actor=world.clerk.user, reason="例行复核")
    with pytest.raises(ValidationError, match="v2 与 v1 相比没有任何变化，不能提交审核") as exc:
        services.version_submit(version=v2, actor=world.clerk.user)
    assert exc.value.code == "no_change"
    v2.refresh_from_db()
    assert v2.status == VersionStatus.DRAFT
    assert not AuditEvent.objects.filter(action="catalog.version_submit", object_id=str(v2.pk))
    # A changed material counts as a change.
    services.version_update(
        version=v2,
        materials=[{"name": "食品经营许可申请书"}],
        actor=world.clerk.user,
    )
    assert services.version_submit(version=v2, actor=world.clerk.user).status == "submitted"


def test_a_revision_needs_its_adjustment_reason(world):
    item = claim_ready(world)
    publish(world, item.versions.get())
    v2 = services.version_start_revision(item=item, actor=world.clerk.user)
    services.version_update(version=v2, elements={"promised_limit": 5}, actor=world.clerk.user)
    with pytest.raises(ValidationError) as exc:
        services.version_submit(version=v2, actor=world.clerk.user)
    assert exc.value.message_dict == {
        "change_reason": ["v2 是调整后的版本，提交审核前请填写调整原因。"]
    }
    services.version_update(version=v2, reason="压缩承诺时限", actor=world.clerk.user)
    assert services.version_submit(version=v2, actor=world.clerk.user).status == "submitted"


def test_a_revision_that_only_replaces_a_blank_form_can_be_submitted(world, settings, tmp_path):
    """A new blank form or sample is a change citizens see: the diff counts it, so the revision
    is not refused as empty."""
    from django.core.files.base import ContentFile

    from yiwang.catalog.presenters import version_diff

    settings.MEDIA_ROOT = str(tmp_path)
    item = claim_ready(world)
    v1 = item.versions.get()
    publish(world, v1)
    v2 = services.version_start_revision(item=item, actor=world.clerk.user, reason="换空白表格")
    material = v2.materials.order_by("order").first()
    material.blank_form.save("申请书.pdf", ContentFile(b"%PDF-1.4 new form"), save=True)
    diff = version_diff(v2, v1)
    assert diff.changed_count == 1
    assert any("空白表格：已更换" in d for row in diff.materials for d in row.changes)
    assert services.version_submit(version=v2, actor=world.clerk.user).status == "submitted"


# --- The implementation-list elements (issue 7 §3) --------------------------------------------

LIST_ELEMENTS = {
    "service_objects": ["legal_person", "other_organisation"],
    "exercise_level": "county",
    "body_nature": "entrusted",
    "entrusting_department": "示范县人民政府",
    "joint_bodies": "县消防救援大队、县卫生健康委员会",
    "power_source": "entrusted_up",
    "quantity_limit": "同一经营场所限 1 件",
    "result_type": "licence",
    "result_name": "食品经营许可证",
    "delivery_methods": ["window", "mail"],
    "online_depth": 3,
    "online_payment": False,
    "express_delivery": True,
    "appointment": True,
    "in_hall": True,
    "service_scope": "cross_province",
}
INTERMEDIARIES = [
    {"name": "卫生学评价", "required": True, "charged": True, "fee_basis": "市场调节价"},
    {"name": "场所平面图测绘", "required": False, "charged": False},
]


def test_a_revision_copies_the_list_elements_intermediaries_and_result_sample(
    world, settings, tmp_path
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.common import files

    settings.MEDIA_ROOT = str(tmp_path)
    item = claim_ready(world)
    v1 = item.versions.get()
    services.version_update(
        version=v1,
        elements=LIST_ELEMENTS,
        intermediaries=INTERMEDIARIES,
        result_sample=SimpleUploadedFile("许可证样本.pdf", files.pdf(), "application/pdf"),
        actor=world.clerk.user,
    )
    publish(world, v1)
    v2 = services.version_start_revision(item=item, actor=world.clerk.user, reason="复核")
    assert {k: getattr(v2, k) for k in LIST_ELEMENTS} == LIST_ELEMENTS
    assert v2.cross_province and v2.in_province  # derived from 通办范围
    assert list(v2.intermediaries.values("name", "required", "charged", "fee_basis")) == [
        {**INTERMEDIARIES[0]},
        {**INTERMEDIARIES[1], "fee_basis": ""},
    ]
    v1.refresh_from_db()
    assert v2.result_sample.name == v1.result_sample.name != ""
    log = AdjustmentLog.objects.filter(version=v1, action="编制").latest("id")
    assert "更新中介服务" in log.summary and "更新审批结果样本" in log.summary


def test_a_result_sample_must_be_what_its_name_says(world, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = str(tmp_path)
    version = claim_ready(world).versions.get()
    with pytest.raises(ValidationError) as exc:
        services.version_update(
            version=version,
            result_sample=SimpleUploadedFile("样本.pdf", b"MZ\x90\x00", "application/pdf"),
        )
    assert exc.value.message_dict == {
        "result_sample": ["审批结果样本：文件“样本.pdf”的内容与扩展名不符。"]
    }
    version.refresh_from_db()
    assert not version.result_sample


def test_publishing_needs_a_result_name(world):
    item = claim_ready(world)
    version = item.versions.get()
    services.version_update(version=version, elements={"result_name": "  "})
    services.version_submit(version=version, actor=world.clerk.user)
    services.version_approve(version=version, actor=world.reviewer.user)
    with pytest.raises(ValidationError) as exc:
        services.version_publish(version=version, actor=world.reviewer.user)
    assert exc.value.message_dict == {"result_name": ["v1 未填写审批结果名称，不能发布。"]}
    version.refresh_from_db()
    assert version.status == VersionStatus.APPROVED


def test_an_intermediary_row_is_checked_naming_it(world):
    version = claim_ready(world).versions.get()
    with pytest.raises(ValidationError) as exc:
        services.version_update(version=version, intermediaries=[{"name": "x" * 201}])
    assert list(exc.value.message_dict) == ["中介服务"]
    assert not version.intermediaries.exists()
