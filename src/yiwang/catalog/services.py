"""Every write of the catalogue: claim, compile, submit, review, publish, suspend, withdraw,
bundles. Keyword-only, atomic, race-safe (rows locked before a transition), audited, and logged
in the item's dynamic-adjustment log."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext

from yiwang.audit.services import audit_change, snapshot
from yiwang.catalog import fields as element_fields
from yiwang.catalog import presenters, workflow
from yiwang.catalog.fields import ExerciseLevel
from yiwang.catalog.models import (
    ELEMENT_FIELDS,
    INTERMEDIARY_FIELDS,
    MATERIAL_FIELDS,
    MATERIAL_FILE_FIELDS,
    OPEN_VERSION_STATUSES,
    PROCEDURE_FIELDS,
    STEP_FIELDS,
    VERSION_FILE_FIELDS,
    AdjustmentLog,
    BaseItem,
    Bundle,
    BundleStage,
    BundleStageItem,
    BundleStatus,
    HandlingForm,
    HandlingKind,
    IntermediaryService,
    ItemStatus,
    Material,
    MaterialEquivalence,
    ProcessStep,
    ServiceItem,
    ServiceItemVersion,
    SpecialProcedure,
    VersionStatus,
    situations_value,
)
from yiwang.common import uploads
from yiwang.org import selectors as org_selectors
from yiwang.org.models import Department, Region, RegionLevel, User


def _log(
    *,
    item: ServiceItem,
    version: ServiceItemVersion | None,
    actor: User | None,
    action: str,
    summary: str = "",
    reason: str = "",
) -> AdjustmentLog:
    return AdjustmentLog.objects.create(
        item=item,
        version=version,
        actor=actor,
        actor_label=actor.get_username() if actor else "系统",
        action=action,
        summary=summary,
        reason=reason,
    )


def _check_scope(actor: User | None, department: Department) -> None:
    """People act only on items of departments in their data scope."""
    if actor is None or actor.is_superuser:
        return
    if not org_selectors.departments_in_scope(user=actor).filter(pk=department.pk).exists():
        raise PermissionDenied(gettext("该事项不在您的数据范围内。"))


def item_code(
    *, base: BaseItem, region: Region, department: Department, business_type: str, sequence: int
) -> str:
    """Implementation code from the configurable template (default: base code + 12-digit region
    code + 000 + USCC of the implementing body + 2-digit sequence)."""
    template = getattr(
        settings, "YIWANG_ITEM_CODE_TEMPLATE", "{base_code}{region_code}000{uscc}{sequence:02d}"
    )
    return template.format(
        base_code=base.code,
        region_code=region.code,
        uscc=department.uscc,
        business_type=business_type,
        sequence=sequence,
    )


# --- Base catalogue --------------------------------------------------------------------------


@transaction.atomic
def base_item_create(
    *,
    code: str,
    name: str,
    item_type: str,
    competent_department: str,
    implementing_body: str,
    legal_basis: str,
    level: str = "main",
    parent: BaseItem | None = None,
    actor: User | None = None,
) -> BaseItem:
    """Add an item to the base catalogue (基本目录)."""
    base = BaseItem(
        code=code,
        name=name,
        item_type=item_type,
        level=level,
        parent=parent,
        competent_department=competent_department,
        implementing_body=implementing_body,
        legal_basis=legal_basis,
    )
    base.full_clean()
    base.save()
    audit_change(
        action="catalog.base_item_create",
        obj=base,
        after=snapshot(base, ["code", "name", "item_type"]),
        actor=actor,
    )
    return base


# --- Claim and compile -----------------------------------------------------------------------

# 行使层级 of an item claimed at a region of this level.
REGION_EXERCISE_LEVEL: dict[int, str] = {
    RegionLevel.PROVINCE: ExerciseLevel.PROVINCIAL,
    RegionLevel.CITY: ExerciseLevel.MUNICIPAL,
    RegionLevel.COUNTY: ExerciseLevel.COUNTY,
    RegionLevel.TOWN: ExerciseLevel.TOWNSHIP,
    RegionLevel.VILLAGE: ExerciseLevel.VILLAGE,
}


def claim_defaults(*, base: BaseItem, region: Region) -> dict[str, Any]:
    """The elements a claimed item's first version gets before any edit: the base item's six
    fixed elements, no limits yet, a promised item with one visit at the window, exercised at
    the claiming region's level; every other element its model default. The one home of what
    a claim writes (item_claim and the importer's planner use it)."""
    blank = ServiceItemVersion()
    fields: dict[str, Any] = {f: getattr(blank, f) for f in ELEMENT_FIELDS}
    fields.update(
        name=base.name,
        base_code=base.code,
        item_type=base.item_type,
        competent_department=base.competent_department,
        implementing_body=base.implementing_body,
        legal_basis=base.legal_basis,
        legal_limit=0,
        promised_limit=0,
        handling_kind=HandlingKind.PROMISED,
        visits=1,
        handling_forms=[HandlingForm.WINDOW],
        form_fields=[],
        service_objects=[],
        delivery_methods=[],
        exercise_level=REGION_EXERCISE_LEVEL.get(region.level, ""),
        # Like the six elements, pre-filled from the base item for the department to correct
        # (e.g. 食品经营许可证); a version cannot be published without one.
        result_name=base.name,
    )
    return fields


@transaction.atomic
def item_claim(
    *,
    base: BaseItem,
    department: Department,
    region: Region,
    business_type: str = "new",
    actor: User | None = None,
    elements: Mapping[str, Any] | None = None,
) -> ServiceItem:
    """A department claims a base item (认领): creates the implementation item and its first
    draft version, pre-filled with the base item's six fixed elements."""
    if not workflow.may_compile(actor):
        raise PermissionDenied(gettext("您的角色不能认领事项。"))
    _check_scope(actor, department)
    # The base item's row lock serialises claims of it and its deletion: without it two
    # concurrent claims both pass the check below and the loser hits the unique code (a 500).
    locked = BaseItem.objects.select_for_update().filter(pk=base.pk).first()
    if locked is None:
        raise ValidationError(
            gettext("基本目录事项“%(name)s”已删除，不能认领。") % {"name": base.name},
            code="conflict",
        )
    base = locked
    if ServiceItem.objects.filter(
        base=base, department=department, region=region, business_type=business_type
    ).exists():
        raise ValidationError(
            gettext("%(department)s已认领“%(name)s”。")
            % {"department": department.name, "name": base.name},
            code="duplicate",
        )
    sequence = ServiceItem.objects.filter(base=base, region=region).count() + 1
    item = ServiceItem.objects.create(
        code=item_code(
            base=base,
            region=region,
            department=department,
            business_type=business_type,
            sequence=sequence,
        ),
        base=base,
        department=department,
        region=region,
        business_type=business_type,
        claimed_by=actor,
    )
    fields = claim_defaults(base=base, region=region)
    fields.update(element_fields.align_online(elements or {}, fields))
    version = ServiceItemVersion(item=item, number=1, created_by=actor, **fields)
    _validate_version(version)
    version.save()
    _log(
        item=item,
        version=version,
        actor=actor,
        action="认领",
        summary=f"{department.name}认领基本目录事项 {base.code}",
    )
    audit_change(
        action="catalog.item_claim",
        obj=item,
        after=snapshot(item, ["code", "base", "department", "region", "business_type"]),
        actor=actor,
    )
    return item


def _validate_version(version: ServiceItemVersion) -> None:
    # full_clean runs the field validators (ranges) and clean() (catalog.fields' rules).
    try:
        version.full_clean(exclude=["item", "created_by", "reviewed_by", *VERSION_FILE_FIELDS])
    except ValidationError as exc:
        raise ValidationError(exc.message_dict) from exc


def _lock_version(version: ServiceItemVersion) -> ServiceItemVersion:
    return (
        ServiceItemVersion.objects.select_for_update()
        .select_related("item__department")
        .get(pk=version.pk)
    )


@transaction.atomic
def version_start_revision(
    *, item: ServiceItem, actor: User | None = None, reason: str = ""
) -> ServiceItemVersion:
    """Open a new draft from the published version (published versions never change). If a
    draft, returned or submitted version is already open, that one is returned instead."""
    if not workflow.may_compile(actor):
        raise PermissionDenied(gettext("您的角色不能编制事项。"))
    item = ServiceItem.objects.select_for_update().get(pk=item.pk)
    _check_scope(actor, item.department)
    if item.status == ItemStatus.WITHDRAWN:
        raise ValidationError(gettext("事项已撤销，不能再编制新版本。"), code="illegal_transition")
    open_version = item.versions.filter(status__in=OPEN_VERSION_STATUSES).first()
    if open_version is not None:
        return open_version
    source = item.published_version or item.versions.order_by("-number").first()
    assert source is not None
    number = (item.versions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    draft = ServiceItemVersion(
        item=item,
        number=number,
        created_by=actor,
        change_reason=reason,
        **{f: getattr(source, f) for f in ELEMENT_FIELDS + VERSION_FILE_FIELDS},
    )
    draft.save()
    _copy_children(source, draft)
    _log(
        item=item,
        version=draft,
        actor=actor,
        action="新建版本",
        summary=f"由 v{source.number} 复制为 v{number}",
        reason=reason,
    )
    audit_change(
        action="catalog.version_start_revision",
        obj=draft,
        after={"number": number, "from": source.number},
        actor=actor,
        reason=reason,
    )
    return draft


def _copy_children(source: ServiceItemVersion, target: ServiceItemVersion) -> None:
    Material.objects.bulk_create(
        [
            Material(
                version=target,
                blank_form=m.blank_form,
                sample_file=m.sample_file,
                **{f: getattr(m, f) for f in MATERIAL_FIELDS},
            )
            for m in source.materials.all()
        ]
    )
    ProcessStep.objects.bulk_create(
        [
            ProcessStep(version=target, **{f: getattr(s, f) for f in STEP_FIELDS})
            for s in source.steps.all()
        ]
    )
    SpecialProcedure.objects.bulk_create(
        [
            SpecialProcedure(version=target, **{f: getattr(p, f) for f in PROCEDURE_FIELDS})
            for p in source.special_procedures.all()
        ]
    )
    IntermediaryService.objects.bulk_create(
        [
            IntermediaryService(version=target, **{f: getattr(i, f) for f in INTERMEDIARY_FIELDS})
            for i in source.intermediaries.all()
        ]
    )


def _describe_changes(before: dict[str, Any], after: dict[str, Any]) -> str:
    # The adjustment log is a record, kept in Chinese whatever the editor's page language.
    with translation.override(settings.LANGUAGE_CODE):
        labels = {
            f.name: str(f.verbose_name)
            for f in ServiceItemVersion._meta.get_fields()
            if hasattr(f, "verbose_name")
        }
    changed = [labels.get(k, k) for k in after if before.get(k) != after.get(k)]
    return "修改：" + "、".join(changed) if changed else ""


@transaction.atomic
def version_update(
    *,
    version: ServiceItemVersion,
    elements: Mapping[str, Any] | None = None,
    materials: Iterable[Mapping[str, Any]] | None = None,
    steps: Iterable[Mapping[str, Any]] | None = None,
    special_procedures: Iterable[Mapping[str, Any]] | None = None,
    intermediaries: Iterable[Mapping[str, Any]] | None = None,
    result_sample: UploadedFile | bool | None = None,
    reason: str = "",
    actor: User | None = None,
) -> ServiceItemVersion:
    """Edit a draft or returned version (编制). Lists given replace the version's lists.
    `result_sample` is a new 审批结果样本 file, False to remove it, None to keep it. Setting
    only one of 全程网办 and 网上办理深度 sets the other to agree (fields.align_online)."""
    if not workflow.may_compile(actor):
        raise PermissionDenied(gettext("您的角色不能编制事项。"))
    version = _lock_version(version)
    _check_scope(actor, version.item.department)
    if not version.editable:
        raise ValidationError(
            gettext("v%(n)s 当前为“%(status)s”，不能修改；已发布的版本请新建版本后修改。")
            % {"n": version.number, "status": version.get_status_display()},
            code="not_editable",
        )
    unknown = set(elements or {}) - set(ELEMENT_FIELDS)
    if unknown:
        raise ValidationError(f"未知的事项要素：{'、'.join(sorted(unknown))}。")
    before = snapshot(version, ELEMENT_FIELDS)
    elements = element_fields.align_online(elements or {}, before)
    for key, value in elements.items():
        setattr(version, key, value)
    if isinstance(result_sample, UploadedFile):
        material_file_check(file=result_sample, label="审批结果样本：", element="result_sample")
        version.result_sample = result_sample
    elif result_sample is False:
        version.result_sample = ""
    _validate_version(version)
    version.change_reason = reason or version.change_reason
    version.save()
    summary = _describe_changes(before, snapshot(version, ELEMENT_FIELDS))
    if result_sample is not None:
        summary += "；更新审批结果样本" if summary else "更新审批结果样本"
    if materials is not None:
        version.materials.all().delete()
        materials = list(materials)
        for m in materials:
            for file_field in MATERIAL_FILE_FIELDS:
                if isinstance(m.get(file_field), UploadedFile):
                    material_file_check(file=m[file_field], label=f"{m.get('name', '')}：")
        # Blank forms and sample files are carried over (a row may name an existing file).
        rows = [
            Material(version=version, **_pick(m, MATERIAL_FIELDS + MATERIAL_FILE_FIELDS, order=i))
            for i, m in enumerate(materials, start=1)
        ]
        for row in rows:
            _full_clean_child(row, "申请材料")
        Material.objects.bulk_create(rows)
        summary += "；更新申请材料" if summary else "更新申请材料"
    if steps is not None:
        version.steps.all().delete()
        step_rows = [
            ProcessStep(version=version, **_pick(s, STEP_FIELDS, order=i))
            for i, s in enumerate(steps, start=1)
        ]
        for step_row in step_rows:
            _full_clean_child(step_row, "办理流程")
        ProcessStep.objects.bulk_create(step_rows)
        summary += "；更新办理流程" if summary else "更新办理流程"
    if special_procedures is not None:
        version.special_procedures.all().delete()
        procedure_rows = [
            SpecialProcedure(version=version, **_pick(p, PROCEDURE_FIELDS))
            for p in special_procedures
        ]
        for procedure_row in procedure_rows:
            _full_clean_child(procedure_row, "特别程序")
        SpecialProcedure.objects.bulk_create(procedure_rows)
        summary += "；更新特别程序" if summary else "更新特别程序"
    if intermediaries is not None:
        version.intermediaries.all().delete()
        intermediary_rows = [
            IntermediaryService(version=version, **_pick(i, INTERMEDIARY_FIELDS, order=n))
            for n, i in enumerate(intermediaries, start=1)
        ]
        for intermediary_row in intermediary_rows:
            _full_clean_child(intermediary_row, "中介服务")
        IntermediaryService.objects.bulk_create(intermediary_rows)
        summary += "；更新中介服务" if summary else "更新中介服务"
    _log(
        item=version.item,
        version=version,
        actor=actor,
        action="编制",
        summary=summary or "未改动",
        reason=reason,
    )
    audit_change(
        action="catalog.version_update",
        obj=version,
        before=before,
        after=snapshot(version, ELEMENT_FIELDS),
        actor=actor,
        reason=reason,
    )
    return version


def _pick(data: Mapping[str, Any], fields: list[str], **defaults: Any) -> dict[str, Any]:
    picked = {k: v for k, v in defaults.items() if k in fields}
    picked.update({k: data[k] for k in fields if k in data and data[k] is not None})
    return picked


def _full_clean_child(row: Any, label: str) -> None:
    try:
        row.full_clean(exclude=["version", "blank_form", "sample_file"])
    except ValidationError as exc:
        name = getattr(row, "name", "") or ""
        raise ValidationError({label: [f"{name}：{m}" for m in exc.messages]}) from exc


# --- Review and publication ----------------------------------------------------------------


def _transition(version: ServiceItemVersion, name: str, actor: User | None) -> ServiceItemVersion:
    version = _lock_version(version)
    _check_scope(actor, version.item.department)
    workflow.VERSION.check(name, version.status, actor, what=f"v{version.number}")
    return version


def revision_source(version: ServiceItemVersion) -> ServiceItemVersion | None:
    """The version a revision was copied from: the published one, else the latest earlier
    version (see version_start_revision); None for a first version."""
    published = version.item.published_version
    if published is not None and published.pk != version.pk:
        return published
    return version.item.versions.filter(number__lt=version.number).order_by("-number").first()


def _check_revision_submittable(version: ServiceItemVersion) -> None:
    source = revision_source(version)
    if source is None:
        return
    if presenters.version_diff(version, source).changed_count == 0:
        raise ValidationError(
            gettext(
                "v%(n)s 与 v%(source)s 相比没有任何变化，不能提交审核；请修改事项要素后再提交。"
            )
            % {"n": version.number, "source": source.number},
            code="no_change",
        )
    if not version.change_reason.strip():
        raise ValidationError(
            {
                "change_reason": gettext("v%(n)s 是调整后的版本，提交审核前请填写调整原因。")
                % {"n": version.number}
            },
            code="required",
        )


@transaction.atomic
def version_submit(*, version: ServiceItemVersion, actor: User | None = None) -> ServiceItemVersion:
    """Submit a compiled version for the bureau's review. A revision (v2 and later) must
    change something against the version it was copied from and say why (调整原因): an empty
    revision would only fill the review queue."""
    version = _transition(version, "submit", actor)
    _check_revision_submittable(version)
    version.status, version.submitted_at = VersionStatus.SUBMITTED, timezone.now()
    version.save(update_fields=["status", "submitted_at"])
    _log(item=version.item, version=version, actor=actor, action="提交审核")
    audit_change(
        action="catalog.version_submit", obj=version, after={"status": version.status}, actor=actor
    )
    return version


@transaction.atomic
def version_return(
    *, version: ServiceItemVersion, comment: str, actor: User | None = None
) -> ServiceItemVersion:
    """Return a submitted version to its department with the reviewer's comments."""
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError({"comment": gettext("退回时必须填写审核意见。")})
    version = _transition(version, "return", actor)
    version.status, version.review_comment = VersionStatus.RETURNED, comment
    version.reviewed_at, version.reviewed_by = timezone.now(), actor
    version.save(update_fields=["status", "review_comment", "reviewed_at", "reviewed_by"])
    _log(item=version.item, version=version, actor=actor, action="退回修改", reason=comment)
    audit_change(
        action="catalog.version_return",
        obj=version,
        after={"status": version.status, "review_comment": comment},
        actor=actor,
    )
    return version


@transaction.atomic
def version_approve(
    *, version: ServiceItemVersion, comment: str = "", actor: User | None = None
) -> ServiceItemVersion:
    """The bureau approves a submitted version (it is published by `version_publish`)."""
    version = _transition(version, "approve", actor)
    version.status, version.review_comment = VersionStatus.APPROVED, comment.strip()
    version.reviewed_at, version.reviewed_by = timezone.now(), actor
    version.save(update_fields=["status", "review_comment", "reviewed_at", "reviewed_by"])
    _log(item=version.item, version=version, actor=actor, action="审核通过", reason=comment)
    audit_change(
        action="catalog.version_approve", obj=version, after={"status": version.status}, actor=actor
    )
    return version


@transaction.atomic
def version_publish(
    *, version: ServiceItemVersion, actor: User | None = None
) -> ServiceItemVersion:
    """Publish an approved version; the previously published one becomes superseded but stays
    referenced by anything applied for under it."""
    version = _transition(version, "publish", actor)
    if not version.result_name.strip():
        raise ValidationError(
            {
                "result_name": gettext("v%(n)s 未填写审批结果名称，不能发布。")
                % {"n": version.number}
            },
            code="required",
        )
    item = ServiceItem.objects.select_for_update().get(pk=version.item_id)
    previous = item.published_version
    if previous is not None:
        ServiceItemVersion.objects.filter(pk=previous.pk).update(status=VersionStatus.SUPERSEDED)
    version.status, version.published_at = VersionStatus.PUBLISHED, timezone.now()
    version.save(update_fields=["status", "published_at"])
    before = snapshot(item, ["status", "published_version"])
    item.published_version = version
    if item.status == ItemStatus.CLAIMED:
        item.status = ItemStatus.ACTIVE
    item.save(update_fields=["published_version", "status"])
    _log(
        item=item,
        version=version,
        actor=actor,
        action="发布",
        summary=f"发布 v{version.number}" + (f"，替代 v{previous.number}" if previous else ""),
    )
    audit_change(
        action="catalog.version_publish",
        obj=item,
        before=before,
        after=snapshot(item, ["status", "published_version"]),
        actor=actor,
    )
    return version


def _item_transition(
    item: ServiceItem, name: str, reason: str, actor: User | None, action_label: str
) -> ServiceItem:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(
            {"reason": gettext("%(action)s事项必须填写原因。") % {"action": gettext(action_label)}}
        )
    item = ServiceItem.objects.select_for_update().select_related("department").get(pk=item.pk)
    _check_scope(actor, item.department)
    transition = workflow.ITEM.check(name, item.status, actor)
    before = snapshot(item, ["status"])
    item.status = transition.target
    item.save(update_fields=["status"])
    _log(item=item, version=item.published_version, actor=actor, action=action_label, reason=reason)
    audit_change(
        action=f"catalog.item_{name}",
        obj=item,
        before=before,
        after=snapshot(item, ["status"]),
        actor=actor,
        reason=reason,
    )
    return item


@transaction.atomic
def item_suspend(*, item: ServiceItem, reason: str, actor: User | None = None) -> ServiceItem:
    """Suspend a published item (it disappears from the portal until resumed)."""
    return _item_transition(item, "suspend", reason, actor, "暂停")


@transaction.atomic
def item_resume(*, item: ServiceItem, reason: str, actor: User | None = None) -> ServiceItem:
    return _item_transition(item, "resume", reason, actor, "恢复")


@transaction.atomic
def item_withdraw(*, item: ServiceItem, reason: str, actor: User | None = None) -> ServiceItem:
    """Withdraw an item from the catalogue for good (its versions stay for the record)."""
    return _item_transition(item, "withdraw", reason, actor, "撤销")


# --- Bundles ---------------------------------------------------------------------------------


@transaction.atomic
def bundle_create(
    *,
    code: str,
    name: str,
    lead_department: Department,
    stages: Iterable[Iterable[ServiceItem]],
    summary: str = "",
    situations: str = "",
    actor: User | None = None,
) -> Bundle:
    """Create a bundle (一件事) from stages of items; items in one stage run in parallel.
    situations: the life situations it meets as people say them, space-separated (the guided
    search's field)."""
    if not workflow.may_review(actor):
        raise PermissionDenied("只有数据资源局可以编制一件事。")
    stage_lists = [list(items) for items in stages]
    if not stage_lists or not all(stage_lists):
        raise ValidationError({"stages": "一件事至少需要一个阶段，每个阶段至少一个事项。"})
    seen: set[int] = set()
    for items in stage_lists:
        for item in items:
            if item.pk in seen:
                raise ValidationError({"stages": f"事项“{item}”在一件事中重复出现。"})
            seen.add(item.pk)
    bundle = Bundle(
        code=code,
        name=name,
        summary=summary,
        situations=situations_value(situations),
        lead_department=lead_department,
    )
    bundle.full_clean()
    bundle.save()
    for order, items in enumerate(stage_lists, start=1):
        stage = BundleStage.objects.create(bundle=bundle, order=order)
        BundleStageItem.objects.bulk_create(
            [BundleStageItem(stage=stage, item=item, order=i) for i, item in enumerate(items, 1)]
        )
    audit_change(
        action="catalog.bundle_create",
        obj=bundle,
        after={
            "code": code,
            "name": name,
            "situations": bundle.situations,
            "stages": [[i.code for i in items] for items in stage_lists],
        },
        actor=actor,
    )
    return bundle


@transaction.atomic
def bundle_publish(*, bundle: Bundle, actor: User | None = None) -> Bundle:
    """Publish a bundle; every item in it must be published and active."""
    if not workflow.may_review(actor):
        raise PermissionDenied("只有数据资源局可以发布一件事。")
    bundle = Bundle.objects.select_for_update().get(pk=bundle.pk)
    if bundle.status != BundleStatus.DRAFT:
        raise ValidationError(
            f"一件事当前为“{bundle.get_status_display()}”，不能发布。", code="illegal_transition"
        )
    inactive = [
        e.item
        for s in bundle.stages.all()
        for e in s.entries.select_related("item")
        if e.item.status != ItemStatus.ACTIVE or e.item.published_version_id is None
    ]
    if inactive:
        raise ValidationError(
            {"stages": f"以下事项尚未发布或已暂停：{'、'.join(str(i) for i in inactive)}。"}
        )
    bundle.status, bundle.published_at = BundleStatus.PUBLISHED, timezone.now()
    bundle.save(update_fields=["status", "published_at"])
    audit_change(
        action="catalog.bundle_publish", obj=bundle, after={"status": bundle.status}, actor=actor
    )
    return bundle


# What a bundle's page may change (一件事管理); stages and items change only by importing a new
# bundle.
BUNDLE_EDITABLE_FIELDS = ["summary", "situations"]


@transaction.atomic
def bundle_update(
    *,
    bundle: Bundle,
    summary: str | None = None,
    situations: str | None = None,
    actor: User | None = None,
) -> Bundle:
    """Change a bundle's 简介 and 生活场景 (None keeps a field). The row is locked; the values
    are checked by the model's own rules (`situations_field`: bound, plain text), so a refused
    value writes nothing; an unchanged value writes nothing and records no audit event."""
    if not workflow.may_review(actor):
        raise PermissionDenied(gettext("只有数据资源局可以编制一件事。"))
    bundle = Bundle.objects.select_for_update().select_related("lead_department").get(pk=bundle.pk)
    _check_scope(actor, bundle.lead_department)
    before = snapshot(bundle, BUNDLE_EDITABLE_FIELDS)
    if summary is not None:
        bundle.summary = summary
    if situations is not None:
        bundle.situations = situations_value(situations)
    after = snapshot(bundle, BUNDLE_EDITABLE_FIELDS)
    if after == before:
        return bundle
    bundle.full_clean()
    bundle.save(update_fields=[k for k in BUNDLE_EDITABLE_FIELDS if after[k] != before[k]])
    audit_change(
        action="catalog.bundle_update", obj=bundle, before=before, after=after, actor=actor
    )
    return bundle


# --- Material files (空白表格、示例样表) --------------------------------------------------------
# Uploads are size-limited and their type is decided by checking the whole content
# (common.uploads), not trusted from the name or the browser's Content-Type.

# The file name's extension → the kind its content must be (PDF, Word, Excel or an image).
MATERIAL_FILE_KINDS: dict[str, str] = {
    "pdf": "pdf",
    "docx": "docx",
    "xlsx": "xlsx",
    "doc": "doc",
    "xls": "xls",
    "png": "png",
    "jpg": "jpeg",
    "jpeg": "jpeg",
}


@transaction.atomic
def material_equivalence_save(
    *,
    name: str,
    canonical: str,
    reason: str,
    active: bool = True,
    actor: User | None = None,
) -> MaterialEquivalence:
    """Add or change a row of the bundle merge table (`name` is the same document as
    `canonical`, for `reason`); bundles' material lists follow at once."""
    if not workflow.may_review(actor):
        raise PermissionDenied("只有数据资源局可以维护材料合并对照。")
    row = MaterialEquivalence.objects.select_for_update().filter(name=name.strip()).first()
    before = snapshot(row, ["canonical", "reason", "active"]) if row else {}
    row = row or MaterialEquivalence(name=name.strip())
    row.canonical, row.reason, row.active = canonical.strip(), reason.strip(), active
    row.full_clean()
    row.save()
    audit_change(
        action="catalog.material_equivalence_save",
        obj=row,
        before=before,
        after=snapshot(row, ["canonical", "reason", "active"]),
        actor=actor,
    )
    return row


def _file_mismatch(label: str, name: str) -> str:
    return gettext("%(label)s文件“%(name)s”的内容与扩展名不符。") % {"label": label, "name": name}


def material_file_check(*, file: Any, label: str = "", element: str = "申请材料") -> str:
    """Refuse a blank form, sample or 审批结果样本 file that is too large
    (YIWANG_CATALOG_FILE_MAX_BYTES, default 10 MB), whose content is not the PDF, Word, Excel or
    image its name claims, or that is damaged, truncated or a polyglot (a PDF carrying HTML).
    Errors are keyed by `element`. Returns the checked kind."""
    limit = int(getattr(settings, "YIWANG_CATALOG_FILE_MAX_BYTES", 10 * 1024 * 1024))
    name = getattr(file, "name", "") or ""
    if file.size > limit:
        raise ValidationError(
            {
                element: gettext("%(label)s文件“%(name)s”超过 %(mb)s MB，请压缩后上传。")
                % {"label": label, "name": name, "mb": limit // (1024 * 1024)}
            }
        )
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    expected = MATERIAL_FILE_KINDS.get(extension)
    if expected is None:
        raise ValidationError(
            {
                element: gettext(
                    "%(label)s文件“%(name)s”类型不支持，请上传 PDF、Word、Excel 或图片。"
                )
                % {"label": label, "name": name}
            }
        )
    try:
        kind = uploads.inspect(file)
    except uploads.UploadRejected as exc:
        if exc.kind != expected:  # not even the kind its name claims
            raise ValidationError({element: _file_mismatch(label, name)}) from None
        raise ValidationError(
            {
                element: gettext("%(label)s文件“%(name)s”%(reason)s。")
                % {"label": label, "name": name, "reason": exc.reason}
            }
        ) from None
    if kind != expected:
        raise ValidationError({element: _file_mismatch(label, name)})
    return kind


# --- Base catalogue upkeep (admin) -------------------------------------------------------------

BASE_ITEM_FIELDS = [
    "code",
    "name",
    "item_type",
    "level",
    "parent",
    "competent_department",
    "implementing_body",
    "legal_basis",
]


@transaction.atomic
def base_item_update(*, base: BaseItem, actor: User | None = None, **fields: Any) -> BaseItem:
    """Correct a base-catalogue item (master data). Claimed copies keep their own six elements;
    the 全省一单 check shows where they now deviate."""
    unknown = set(fields) - set(BASE_ITEM_FIELDS)
    if unknown:
        raise ValidationError(f"未知的基本目录字段：{'、'.join(sorted(unknown))}。")
    base = BaseItem.objects.select_for_update().get(pk=base.pk)
    before = snapshot(base, BASE_ITEM_FIELDS)
    for key, value in fields.items():
        setattr(base, key, value)
    if base.parent_id is not None and base.parent_id == base.pk:
        raise ValidationError({"parent": "主项不能是事项自身。"})
    base.full_clean()
    base.save()
    audit_change(
        action="catalog.base_item_update",
        obj=base,
        before=before,
        after=snapshot(base, BASE_ITEM_FIELDS),
        actor=actor,
    )
    return base


@transaction.atomic
def base_item_delete(*, base: BaseItem, actor: User | None = None) -> None:
    """Remove a base-catalogue item that no department has claimed and that has no sub-items."""
    base = BaseItem.objects.select_for_update().get(pk=base.pk)
    if base.implementations.exists():
        raise ValidationError("该基本目录事项已被认领，不能删除。")
    if base.children.exists():
        raise ValidationError("该基本目录事项下还有子项，不能删除。")
    before = snapshot(base, ["code", "name", "item_type"])
    audit_change(action="catalog.base_item_delete", obj=base, before=before, actor=actor)
    base.delete()
