"""一件事办件 (bundle cases): every write of an application for a published bundle.

One parent (BundleCase) holds the merged form (shared fields asked once, catalog.guides.bundles
.merge_form) and the merged materials (identical materials once, by the catalogue's merge
table); one child Case per item is made and submitted when its stage starts — stage 1 on
submission, each later stage when every child of the one before is approved — with the form
fields and material files its item asks for, and then goes through its department's ordinary
handling (cases.services). The children's transitions move the bundle (child_fired, called by
cases.services._fire in the same transaction, with the parent row locked):

- the first acceptance starts the joint clock (联合办理, 第四十二条: YIWANG_BUNDLE_JOINT_DAYS,
  extendable once by YIWANG_BUNDLE_EXTENSION_DAYS with the lead department head's approval);
- a child refused (不予许可), not accepted or withdrawn stops the bundle: no later stage starts,
  the clock stops, and the applicant gets one notice saying which item, why, and his rights;
- the last stage's children all approved conclude the bundle with one result notice.

The applicant is told once (the children's acceptance and result messages are left to the
bundle, cases.services.BUNDLE_TOLD)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import IO, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from yiwang.audit.services import audit_change
from yiwang.cases import bundle_selectors, services
from yiwang.cases.fields import (
    DELIVERY_FROM_CATALOG,
    BundleCaseStatus,
    CaseStatus,
    Channel,
    Decision,
    Delivery,
    bundle_extension_days,
    bundle_joint_days,
    clean_form_value,
)
from yiwang.cases.models import BundleCase, BundleEvent, BundleMaterial, Case, CaseMaterial
from yiwang.catalog import generation as catalog_generation
from yiwang.catalog import selectors as catalog_selectors
from yiwang.catalog.guides.bundles import (
    BundleNotice,
    Equivalence,
    MergedField,
    Stage,
    bundle_notice,
    material_equivalences,
    normalise_material_name,
)
from yiwang.catalog.models import Bundle, BundleStageItem, BundleStatus
from yiwang.common.crypto import sm3_hex
from yiwang.licenses.exemption import held_licences
from yiwang.notifications.services import notify
from yiwang.org import selectors as org_selectors
from yiwang.org.models import Applicant, User, UserKind, WindowKind
from yiwang.workdays.selectors import working_days_between
from yiwang.workdays.services import clock_extend, clock_start, clock_stop

SUBJECT_TYPE = "cases.bundlecase"
EXTEND = "cases.approve_extension"
# Chinese where they are stored (the history, the API); marked, so pages translate them.
ACTION_LABELS = {
    "create": gettext_noop("创建一件事申请"),
    "update": gettext_noop("修改申请"),
    "material": gettext_noop("提交材料"),
    "submit": gettext_noop("提交一件事申请"),
    "stage": gettext_noop("阶段开始"),
    "clock": gettext_noop("联合办理开始计时"),
    "extend": gettext_noop("延长联合办理期限"),
    "stop": gettext_noop("一件事终止"),
    "conclude": gettext_noop("一件事办结"),
    "withdraw": gettext_noop("撤回申请"),
    "incomplete": gettext_noop("待申请人补充"),
    "warning": gettext_noop("联合办理即将超期"),
    "overdue": gettext_noop("联合办理已超期"),
}
RESULT_TITLE = gettext_noop("一件事办理结果告知书")
STOP_TITLE = gettext_noop("一件事终止办理告知书")
# What stops a bundle: the child case's transition, and how the notice names it.
STOPPING = {"not_accept": "不予受理", "withdraw": "撤回申请"}


# --- Reading the bundle as it is published ---------------------------------------------------


# Inside notices_cached(): each bundle's notice with the catalogue generation it was read in.
_NOTICES: ContextVar[dict[int, tuple[str, BundleNotice]] | None] = ContextVar(
    "bundle_notices", default=None
)


@contextmanager
def notices_cached() -> Iterator[None]:
    """Within the block (a bulk path's batch: the demo simulation), published_notice reads a
    bundle's notice once and answers from memory while the catalogue generation
    (catalog.generation: a token the database triggers change with every catalogue write, and
    licenses.services with every licence link) is the one it was read in — one primary-key read
    instead of the bundle with its stages, items, versions and materials. The checks on the
    notice (published, every item active) run on every call. Outside such a block, or without a
    generation table, nothing is cached."""
    token = _NOTICES.set({}) if _NOTICES.get() is None else None
    try:
        yield
    finally:
        if token is not None:
            _NOTICES.reset(token)


def _notice_of(bundle: Bundle) -> BundleNotice:
    cache = _NOTICES.get()
    generation = catalog_generation.current() if cache is not None else None
    if cache is not None and generation is not None:
        found = cache.get(bundle.pk)
        if found is not None and found[0] == generation:
            return found[1]
    read = bundle_notice(catalog_selectors.bundle_with_items(bundle))  # as it is now
    if cache is not None and generation is not None:
        cache[bundle.pk] = (generation, read)
    return read


def published_notice(bundle: Bundle) -> BundleNotice:
    """The bundle's 一次告知 (stages, merged form and materials) from its published items;
    refused when the bundle or one of its items cannot be applied for."""
    notice = _notice_of(bundle)
    bundle = notice.bundle  # as it is now, not as it was read
    if bundle.status != BundleStatus.PUBLISHED:
        raise ValidationError({"bundle": "该一件事未发布或已撤销，暂不能申请。"})
    if not notice.stages or notice.inactive_items:
        names = "、".join(ref.name for ref in notice.inactive_items)
        raise ValidationError({"bundle": f"该一件事中的事项暂停办理（{names}），暂不能申请。"})
    return notice


def applicant_type(applicant: Applicant) -> str:
    """Who fills in the merged form (catalog.guides.bundles.APPLICANT_TYPES): a person, or a
    registered enterprise."""
    return "person" if applicant.kind == "person" else "registered"


def feeds_of(bundle: Bundle) -> dict[int, dict[str, str]]:
    """Where the bundle says an earlier result feeds a form (catalog.BundleStageItem.feeds):
    {item id: {form field key: code of the earlier stage's item}}."""
    rows = BundleStageItem.objects.filter(stage__bundle=bundle).values_list("item_id", "feeds")
    return {item_id: dict(feeds) for item_id, feeds in rows if feeds}


def form_for(notice: BundleNotice, applicant: Applicant) -> list[MergedField]:
    """The merged form this applicant fills in: the fields that apply to him, less those an
    earlier stage's result fills for every item asking for them."""
    feeds = feeds_of(notice.bundle)
    fields = notice.form_for(applicant_type(applicant))
    by_code = {i.ref.code: i.version.item_id for i in notice.items}
    return [
        f for f in fields if not all(f.key in feeds.get(by_code[ref.code], {}) for ref in f.items)
    ]


def _fed_values(bundle_case: BundleCase, feeds: Mapping[str, str]) -> dict[str, str]:
    """The form values an earlier stage's results give: the number of the earlier item's
    准予许可决定书 (its result document)."""
    values = {}
    for key, code in feeds.items():
        source = (
            Case.objects.filter(bundle_case=bundle_case, item__code=code, decision=Decision.APPROVE)
            .order_by("-id")
            .first()
        )
        notice = source.notices.filter(kind="approval").first() if source else None
        if notice is not None:
            values[key] = notice.number
    return values


def material_key(name: str, table: Mapping[str, Equivalence]) -> str:
    """The merged-list key of a material name: its normalised name, or the merge table's."""
    key = normalise_material_name(name)
    row = table.get(key)
    return normalise_material_name(row.canonical) if row is not None else key


# --- Helpers --------------------------------------------------------------------------------


def _today() -> dt.date:
    return timezone.localdate()


def _locked(bundle_case: BundleCase) -> BundleCase:
    return (
        BundleCase.objects.select_for_update(of=("self",))
        .select_related("bundle", "department", "applicant__user", "joint_clock")
        .get(pk=bundle_case.pk)
    )


def _event(
    bundle_case: BundleCase,
    action: str,
    actor: User | None,
    *,
    note: str = "",
    case: Case | None = None,
) -> BundleEvent:
    return BundleEvent.objects.create(
        bundle_case=bundle_case,
        case=case,
        actor=actor,
        actor_label=services._label(actor),
        action=action,
        label=ACTION_LABELS[action],
        note=note,
    )


def _tell_applicant(bundle_case: BundleCase, kind: str, text: str) -> None:
    applicant = bundle_case.applicant
    notify(
        kind=kind,
        text=f"【{bundle_case.bundle.name}】您的一件事申请 {bundle_case.number}{text}",
        recipients=[applicant.user] if applicant.user_id else [],
        phone=applicant.phone or "",
        subject=bundle_case,
    )


def _not_draft(bundle_case: BundleCase, what: str) -> None:
    if bundle_case.status != BundleCaseStatus.DRAFT:
        label = BundleCaseStatus(bundle_case.status).label
        raise ValidationError(f"一件事申请当前为“{label}”，不能{what}。", code="illegal_transition")


def _clean_form(
    fields: list[MergedField], form: Mapping[str, Any], *, complete: bool
) -> dict[str, str]:
    """The merged form checked like an item's (cases.services._clean_form): every bad field
    named (`form.<key>`), unknown keys refused; a field that applies only to some applicant
    types may stay empty."""
    spec = {f.key: f for f in fields}
    if not complete:
        form = {k: v for k, v in form.items() if v not in (None, "")}
    unknown = sorted(set(form) - set(spec))
    if unknown:
        raise ValidationError({"form": f"申请表中没有这些栏目：{'、'.join(unknown)}。"})
    clean: dict[str, str] = {}
    errors: dict[str, list[str]] = {}
    for key, field in spec.items():
        value = form.get(key)
        if (not complete or not field.for_everyone) and (value is None or str(value).strip() == ""):
            continue
        try:
            clean[key] = clean_form_value(field.type, value, field.label)
        except ValidationError as exc:
            errors[f"form.{key}"] = exc.messages
    if errors:
        raise ValidationError(errors)
    return clean


def offered_deliveries(notice: BundleNotice) -> list[str]:
    """The delivery methods every item of the bundle offers (each child case uses the one
    chosen), in the vocabulary's order."""
    offered = set(Delivery.values)
    for item in notice.items:
        methods = {
            DELIVERY_FROM_CATALOG[m]
            for m in item.version.delivery_methods or []
            if m in DELIVERY_FROM_CATALOG
        }
        offered &= methods or {Delivery.PICKUP}
    return [value for value in Delivery.values if value in offered]


def _clean_delivery(
    notice: BundleNotice, delivery: str, address: Mapping[str, Any] | None
) -> dict[str, str]:
    """The delivery must suit every item of the bundle (each child case uses it)."""
    offered = offered_deliveries(notice)
    if delivery in Delivery.values and delivery not in offered:
        names = "、".join(str(Delivery(d).label) for d in offered) or "无共同的送达方式"
        raise ValidationError({"delivery": f"该一件事各事项共同的结果送达方式为：{names}。"})
    clean: dict[str, str] = {}
    for item in notice.items:
        clean = services._clean_delivery(item.version, delivery, address)
    return clean


def _check_actor(bundle: Bundle, applicant: Applicant, actor: User) -> str:
    """Who may apply: the applicant for himself (网上), or a clerk at a 综合窗口 for him (一窗
    受理; a clerk of the lead department at his own window too). The channel."""
    if actor.kind == UserKind.STAFF:
        if not actor.has_perm("cases.accept_case"):
            raise PermissionDenied("您的角色不能受理申请。")
        staff = getattr(actor, "staff", None)
        window = staff.window if staff is not None else None
        comprehensive = window is not None and window.kind == WindowKind.COMPREHENSIVE
        lead = staff is not None and staff.department_id == bundle.lead_department_id
        if not (actor.is_superuser or comprehensive or lead):
            raise PermissionDenied("一件事请到综合窗口一窗受理。")
        return Channel.WINDOW
    if applicant.user_id != actor.pk:
        raise PermissionDenied("只能为本人（本单位）申请。")
    return Channel.ONLINE


# --- Applying -------------------------------------------------------------------------------


@transaction.atomic
def bundle_case_create(
    *,
    bundle: Bundle,
    applicant: Applicant,
    actor: User,
    form: Mapping[str, Any] | None = None,
    delivery: str = Delivery.PICKUP,
    delivery_address: Mapping[str, Any] | None = None,
    channel: str | None = None,
) -> BundleCase:
    """Start an application for a published bundle (a draft): one merged form, one delivery
    for every result. The figures columns are fixed here from the published versions."""
    notice = published_notice(bundle)
    channel = services._channel_for(actor, channel or _check_actor(bundle, applicant, actor))
    fields = form_for(notice, applicant)
    clean = _clean_form(fields, form or {}, complete=False)
    address = _clean_delivery(notice, delivery, delivery_address)
    items = notice.items
    bundle_case = BundleCase(
        number=sm3_hex(f"{bundle.pk}|{applicant.pk}|{timezone.now().isoformat()}".encode())[:32],
        bundle=bundle,
        department_id=bundle.lead_department_id,
        applicant=applicant,
        channel=channel,
        created_by=actor,
        form_data=clean,
        delivery=delivery,
        delivery_address=address,
        items_promised_days=sum(i.promised_days for i in items),
        bundle_promised_days=notice.total_promised_days,
        items_materials=sum(1 for i in items for m in i.version.materials.all() if not m.exempt),
        merged_materials=len(notice.materials_to_submit),
        items_visits=sum(i.version.visits for i in items),
        bundle_visits=notice.visits,
    )
    bundle_case.save()
    bundle_case.number = f"{_today():%Y%m%d}Y{bundle_case.pk:07d}"
    bundle_case.save(update_fields=["number"])
    _event(bundle_case, "create", actor, note=f"{bundle.name}（{Channel(channel).label}）")
    audit_change(
        action="cases.bundle_create",
        obj=bundle_case,
        after={"bundle": bundle.code, "channel": channel, "status": bundle_case.status},
        actor=actor,
    )
    return bundle_case


@transaction.atomic
def bundle_case_update(
    *,
    bundle_case: BundleCase,
    actor: User,
    form: Mapping[str, Any] | None = None,
    delivery: str | None = None,
    delivery_address: Mapping[str, Any] | None = None,
) -> BundleCase:
    """Change a draft: the form fields given replace the stored ones."""
    bundle_case = _locked(bundle_case)
    _not_draft(bundle_case, "修改申请")
    notice = published_notice(bundle_case.bundle)
    fields = []
    if form is not None:
        bundle_case.form_data = _clean_form(
            form_for(notice, bundle_case.applicant),
            {**bundle_case.form_data, **form},
            complete=False,
        )
        fields.append("form_data")
    if delivery is not None or delivery_address is not None:
        method = delivery or bundle_case.delivery
        bundle_case.delivery_address = _clean_delivery(
            notice, method, delivery_address or bundle_case.delivery_address
        )
        bundle_case.delivery = method
        fields += ["delivery", "delivery_address"]
    if fields:
        bundle_case.save(update_fields=[*fields, "updated_at"])
        _event(bundle_case, "update", actor)
    return bundle_case


@transaction.atomic
def bundle_material_upload(
    *,
    bundle_case: BundleCase,
    actor: User,
    key: str,
    file: IO[bytes] | bytes,
    file_name: str,
) -> BundleMaterial:
    """Hand in the file of one entry of the merged material list (by its key) — once for every
    item that asks for it. Checked like a case's material (cases.services.checked_upload)."""
    bundle_case = _locked(bundle_case)
    _not_draft(bundle_case, "再提交材料")
    notice = published_notice(bundle_case.bundle)
    entry = next((m for m in notice.materials if m.key == key), None)
    if entry is None:
        raise ValidationError({"material": "该一件事的材料清单中没有这项材料。"})
    if entry.exempt:
        raise ValidationError({"material": f"“{entry.name}”无需提交，由部门通过数据共享获取。"})
    data, kind = services.checked_upload(file, file_name)
    bundle_case.materials.filter(key=key, current=True).update(current=False)
    row = BundleMaterial(
        bundle_case=bundle_case,
        key=key,
        name=entry.name,
        file_name=services._safe_name(file_name),
        content_type=services.uploads.content_type_for(kind),
        size=len(data),
        digest=sm3_hex(data),
        uploaded_by=actor,
    )
    extension = services.uploads.KINDS[kind].extension
    row.file.save(
        f"{bundle_case.number}-{row.digest[:12]}.{extension}", ContentFile(data), save=False
    )
    row.save()
    _event(bundle_case, "material", actor, note=entry.name)
    audit_change(
        action="cases.bundle_material",
        obj=bundle_case,
        after={"material": entry.name, "file": row.file_name, "digest": row.digest},
        actor=actor,
    )
    return row


@transaction.atomic
def bundle_case_withdraw(*, bundle_case: BundleCase, actor: User) -> BundleCase:
    """Withdraw an application not yet submitted (once submitted, each child case is
    withdrawn on its own while its department has not accepted it, which stops the bundle)."""
    bundle_case = _locked(bundle_case)
    _not_draft(bundle_case, "撤回")
    if actor.kind != UserKind.STAFF and bundle_case.applicant.user_id != actor.pk:
        raise PermissionDenied("只能撤回本人（本单位）的申请。")
    bundle_case.status = BundleCaseStatus.WITHDRAWN
    bundle_case.save(update_fields=["status", "updated_at"])
    _event(bundle_case, "withdraw", actor)
    audit_change(
        action="cases.bundle_withdraw",
        obj=bundle_case,
        before={"status": BundleCaseStatus.DRAFT},
        after={"status": bundle_case.status},
        actor=actor,
    )
    return bundle_case


def licence_stand_ins(notice: BundleNotice, applicant: Applicant) -> dict[str, Any]:
    """The entries of the merged list (by key) the applicant is not asked for: he holds a valid
    licence of the type standing in for every item's material of the entry (免提交; the rule is
    licenses.exemption's). Each child case attaches that licence through a recorded use when
    it is submitted (licenses.receivers), exactly as a single case does."""
    linked = [m for m in notice.materials if m.licence_type is not None]
    held = held_licences(applicant, (m.licence_type for m in linked))
    return {m.key: held[m.licence_type.pk] for m in linked if m.licence_type.pk in held}


def missing_materials(bundle_case: BundleCase, notice: BundleNotice) -> list[str]:
    """Required entries of the merged list with no file yet (免提交 — shared, or a valid
    licence of the applicant standing in — and 容缺 ones excepted)."""
    have = set(bundle_case.materials.filter(current=True).values_list("key", flat=True))
    have |= set(licence_stand_ins(notice, bundle_case.applicant))
    return [
        m.name
        for m in notice.materials
        if m.required and not m.exempt and not m.deferrable and m.key not in have
    ]


@transaction.atomic
def bundle_case_submit(*, bundle_case: BundleCase, actor: User) -> BundleCase:
    """Submit the bundle application: the merged form complete and every required material
    handed in; the first stage's child cases are made and submitted to their departments."""
    bundle_case = _locked(bundle_case)
    _not_draft(bundle_case, "提交")
    if actor.kind != UserKind.STAFF and bundle_case.applicant.user_id != actor.pk:
        raise PermissionDenied("只能提交本人（本单位）的申请。")
    notice = published_notice(bundle_case.bundle)
    bundle_case.form_data = _clean_form(
        form_for(notice, bundle_case.applicant), bundle_case.form_data, complete=True
    )
    missing = missing_materials(bundle_case, notice)
    if missing:
        raise ValidationError({"materials": f"请先提交：{'、'.join(missing)}。"})
    bundle_case.status = BundleCaseStatus.IN_PROGRESS
    bundle_case.submitted_at = timezone.now()
    bundle_case.save(update_fields=["form_data", "status", "submitted_at", "updated_at"])
    _event(
        bundle_case,
        "submit",
        actor,
        note=f"共 {len(notice.items)} 个事项，分 {len(notice.stages)} 个阶段办理",
    )
    audit_change(
        action="cases.bundle_submit",
        obj=bundle_case,
        before={"status": BundleCaseStatus.DRAFT},
        after={"status": bundle_case.status},
        actor=actor,
    )
    _start_stage(bundle_case, notice, notice.stages[0], actor)
    _tell_applicant(
        bundle_case,
        "bundle.submitted",
        f"已提交，共 {len(notice.items)} 个事项由 {len(notice.departments)} 个部门联合办理，"
        "办理进度和结果将统一告知。",
    )
    return bundle_case


def _start_stage(
    bundle_case: BundleCase, notice: BundleNotice, stage: Stage, actor: User | None
) -> list[Case]:
    """Make and submit one child case per item of `stage` (they run in parallel)."""
    table = material_equivalences()
    files = {m.key: m for m in bundle_case.materials.filter(current=True)}
    feeds = feeds_of(bundle_case.bundle)
    children = []
    for stage_item in stage.items:
        version = stage_item.version
        item = version.item
        keys = {str(f.get("key")) for f in version.form_fields or []}
        form = {k: v for k, v in bundle_case.form_data.items() if k in keys}
        form.update(_fed_values(bundle_case, feeds.get(item.pk, {})))
        child = Case(
            number=sm3_hex(f"{bundle_case.pk}|{item.pk}|{stage.order}".encode())[:32],
            item=item,
            version=version,
            department_id=item.department_id,
            applicant=bundle_case.applicant,
            channel=bundle_case.channel,
            created_by=bundle_case.created_by,
            form_data=form,
            delivery=bundle_case.delivery,
            delivery_address=bundle_case.delivery_address,
            bundle_case=bundle_case,
            stage=stage.order,
        )
        child.save()
        child.number = f"{_today():%Y%m%d}{child.pk:08d}"
        child.save(update_fields=["number"])
        services._event(
            child, "create", actor, from_status="", note=f"一件事：{bundle_case.bundle.name}"
        )
        for material in version.materials.all():
            shared = files.get(material_key(material.name, table))
            if material.exempt or shared is None:
                continue
            CaseMaterial.objects.create(
                case=child,
                order=material.order,
                name=material.name,
                file=shared.file.name,  # the one stored file, not a copy
                file_name=shared.file_name,
                content_type=shared.content_type,
                size=shared.size,
                digest=shared.digest,
                uploaded_by=shared.uploaded_by,
            )
        # Submitted for the applicant, as he submitted the bundle. Should the item's published
        # version now ask for more than the bundle's form gave (a field or material added since
        # he applied), the child waits as his draft instead of refusing the decision that
        # started this stage: he is told what to add.
        try:
            with transaction.atomic():
                services.case_submit(case=child, actor=bundle_case.created_by)
        except ValidationError as exc:
            what = "；".join(exc.messages)
            _event(bundle_case, "incomplete", actor, case=child, note=f"{version.name}：{what}")
            _tell_applicant(
                bundle_case,
                "bundle.incomplete",
                f"中的“{version.name}”还需补充：{what}请在“我的办件”中补充后提交。",
            )
        children.append(child)
    bundle_case.stage = stage.order
    bundle_case.save(update_fields=["stage", "updated_at"])
    _event(
        bundle_case,
        "stage",
        actor,
        note=f"第 {stage.order} 阶段："
        + "、".join(f"{i.ref.name}（{i.ref.department}）" for i in stage.items),
    )
    return children


# --- The children move the bundle -------------------------------------------------------------


def child_fired(case: Case, name: str, actor: User | None) -> None:
    """Called by cases.services._fire after a child case's transition, in its transaction."""
    bundle_case = _locked(BundleCase(pk=case.bundle_case_id))
    if bundle_case.status != BundleCaseStatus.IN_PROGRESS:
        return  # stopped (or concluded): a sibling still running changes nothing here
    if name == "accept" and bundle_case.joint_clock_id is None:
        _start_clock(bundle_case, case, actor)
    elif name == "decide" and case.decision == Decision.REFUSE:
        _stop(bundle_case, case, actor, f"{case.version.name}不予许可：{case.decision_reason}")
    elif name in STOPPING:
        reason = case.not_accepted_reason if name == "not_accept" else ""
        _stop(
            bundle_case,
            case,
            actor,
            f"{case.version.name}{STOPPING[name]}" + (f"：{reason}" if reason else ""),
        )
    elif name == "decide":
        _stage_done(bundle_case, case, actor)


def _start_clock(bundle_case: BundleCase, case: Case, actor: User | None) -> None:
    """联合办理: the joint limit runs from the first acceptance (第四十二条)."""
    on = case.accepted_on or _today()
    clock = clock_start(
        subject_type=SUBJECT_TYPE,
        subject_id=bundle_case.pk,
        started_on=on,
        limit_days=bundle_joint_days(),
        actor=actor,
    )
    bundle_case.joint_clock = clock
    bundle_case.started_on = on
    bundle_case.deadline = clock.deadline
    bundle_case.save(update_fields=["joint_clock", "started_on", "deadline", "updated_at"])
    _event(
        bundle_case,
        "clock",
        actor,
        case=case,
        note=f"{bundle_joint_days()} 个工作日，期限 {clock.deadline.isoformat()}",
    )
    _tell_applicant(
        bundle_case,
        "bundle.accepted",
        f"已受理，联合办理期限 {clock.deadline.isoformat()}。",
    )


def _finish(bundle_case: BundleCase, actor: User | None) -> dt.date:
    today = _today()
    clock = bundle_case.joint_clock
    if clock is not None and clock.stopped_on is None:
        clock_stop(clock=clock, on=max(today, clock.started_on), actor=actor)
    bundle_case.concluded_on = today
    if bundle_case.started_on is not None:
        bundle_case.handling_days = working_days_between(bundle_case.started_on, today).days
    return today


def _children_rows(bundle_case: BundleCase) -> list[dict[str, Any]]:
    rows = []
    children = (
        Case.objects.filter(bundle_case=bundle_case)
        .select_related("version", "department")
        .prefetch_related("notices")
        .order_by("stage", "id")
    )
    for child in children:
        decision_notice = next(
            (n for n in child.notices.all() if n.kind in ("approval", "refusal")), None
        )
        rows.append(
            {
                "case_number": child.number,
                "stage": child.stage,
                "item": child.version.name,
                "department": child.department.name,
                "status": str(CaseStatus(child.status).label),
                "decision": str(Decision(child.decision).label) if child.decision else "",
                "result": child.version.result_name if child.decision == Decision.APPROVE else "",
                "notice_number": decision_notice.number if decision_notice else "",
            }
        )
    return rows


def _stop(bundle_case: BundleCase, case: Case, actor: User | None, reason: str) -> None:
    """A child refused, not accepted or withdrawn: no later stage starts; one notice."""
    today = _finish(bundle_case, actor)
    bundle_case.status = BundleCaseStatus.STOPPED
    bundle_case.stopped_by = case
    bundle_case.stop_reason = reason[: services.TEXT_MAX]
    bundle_case.result_notice = {
        "kind": "stopped",
        "title": STOP_TITLE,
        "number": bundle_case.number,
        "bundle": bundle_case.bundle.name,
        "applicant": bundle_case.applicant.name,
        "date": today.isoformat(),
        "reason": bundle_case.stop_reason,
        "stopped_item": case.version.name,
        "stopped_department": case.department.name,
        "children": _children_rows(bundle_case),
        "rights": services.RIGHTS_NOTICE,
    }
    bundle_case.save(
        update_fields=[
            "status",
            "stopped_by",
            "stop_reason",
            "result_notice",
            "concluded_on",
            "handling_days",
            "updated_at",
        ]
    )
    _event(bundle_case, "stop", actor, case=case, note=bundle_case.stop_reason)
    audit_change(
        action="cases.bundle_stop",
        obj=bundle_case,
        before={"status": BundleCaseStatus.IN_PROGRESS},
        after={"status": bundle_case.status, "case": case.number},
        actor=actor,
        reason=bundle_case.stop_reason[:500],
    )
    _tell_applicant(
        bundle_case,
        "bundle.stopped",
        f"已终止办理：{bundle_case.stop_reason}。后续事项不再办理。{services.RIGHTS_NOTICE}",
    )


def _stage_done(bundle_case: BundleCase, case: Case, actor: User | None) -> None:
    """A child approved: when its whole stage is, the next stage starts (or the bundle ends)."""
    stage_children = Case.objects.filter(bundle_case=bundle_case, stage=case.stage)
    if stage_children.filter(decision="").exists():
        return  # siblings still running
    if case.stage != bundle_case.stage:
        return  # cannot happen: only the current stage has children running
    notice = bundle_notice(catalog_selectors.bundle_with_items(bundle_case.bundle))
    later = [s for s in notice.stages if s.order > bundle_case.stage]
    if later:
        _start_stage(bundle_case, notice, later[0], actor)
        _tell_applicant(
            bundle_case,
            "bundle.stage",
            f"第 {case.stage} 阶段已办结，第 {later[0].order} 阶段已开始办理。",
        )
        return
    _conclude(bundle_case, case, actor)


def _conclude(bundle_case: BundleCase, case: Case, actor: User | None) -> None:
    today = _finish(bundle_case, actor)
    bundle_case.status = BundleCaseStatus.CONCLUDED
    children = _children_rows(bundle_case)
    bundle_case.result_notice = {
        "kind": "concluded",
        "title": RESULT_TITLE,
        "number": bundle_case.number,
        "bundle": bundle_case.bundle.name,
        "applicant": bundle_case.applicant.name,
        "date": today.isoformat(),
        "deadline": bundle_case.deadline.isoformat() if bundle_case.deadline else "",
        "handling_days": bundle_case.handling_days,
        "children": children,
        "results": [c["result"] for c in children if c["result"]],
    }
    bundle_case.save(
        update_fields=["status", "result_notice", "concluded_on", "handling_days", "updated_at"]
    )
    _event(
        bundle_case,
        "conclude",
        actor,
        case=case,
        note="、".join(bundle_case.result_notice["results"]),
    )
    audit_change(
        action="cases.bundle_conclude",
        obj=bundle_case,
        before={"status": BundleCaseStatus.IN_PROGRESS},
        after={"status": bundle_case.status},
        actor=actor,
    )
    results = "、".join(bundle_case.result_notice["results"]) or "全部事项"
    _tell_applicant(bundle_case, "bundle.concluded", f"已全部办结，准予。办理结果：{results}。")


# --- The lead department -----------------------------------------------------------------------


@transaction.atomic
def bundle_case_extend(*, bundle_case: BundleCase, actor: User, reason: str) -> BundleCase:
    """延长联合办理期限: once, by YIWANG_BUNDLE_EXTENSION_DAYS working days, approved by the
    head of the lead department (第四十二条), the reason told to the applicant."""
    if not actor.has_perm(EXTEND):
        raise PermissionDenied("您的角色不能批准延长期限。")
    bundle_case = _locked(bundle_case)
    if not org_selectors.data_scope_for(actor).contains(bundle_case.department):
        raise PermissionDenied("联合办理期限由牵头部门负责人批准延长。")
    if bundle_case.status != BundleCaseStatus.IN_PROGRESS or bundle_case.joint_clock is None:
        raise ValidationError("一件事尚未受理或已办结，不能延长期限。", code="illegal_transition")
    if bundle_case.extended:
        raise ValidationError("联合办理期限只能延长一次。", code="illegal_transition")
    reason = services._reason(reason, "延期理由")
    days = bundle_extension_days()
    clock = clock_extend(clock=bundle_case.joint_clock, days=days, reason=reason, actor=actor)
    bundle_case.extended = True
    bundle_case.extension_reason = reason
    bundle_case.deadline = clock.deadline
    bundle_case.save(update_fields=["extended", "extension_reason", "deadline", "updated_at"])
    _event(bundle_case, "extend", actor, note=f"延长 {days} 个工作日：{reason}")
    audit_change(
        action="cases.bundle_extend",
        obj=bundle_case,
        after={"deadline": clock.deadline.isoformat()},
        actor=actor,
        reason=reason[:500],
    )
    _tell_applicant(
        bundle_case,
        "bundle.extended",
        f"经牵头部门负责人批准，联合办理期限延长 {days} 个工作日至 {clock.deadline.isoformat()}，"
        f"理由：{reason}",
    )
    return bundle_case


# --- The joint clock's marks (the periodic sweep) ---------------------------------------------


@dataclass
class BundleSweepReport:
    warned: int = 0
    overdue: int = 0


def deadline_note(deadline: dt.date) -> str:
    # The marks are kept per deadline: an extension's new deadline is warned about again.
    return f"联合办理期限 {deadline.isoformat()}"


def bundle_sweep(*, today: dt.date | None = None) -> BundleSweepReport:
    """The joint clock's marks, from the periodic sweep (cases.services.cases_sweep): once the
    warning share of the joint limit (YIWANG_CASE_WARNING_SHARE, counted as for a case) has
    run, a "联合办理即将超期" line; past the joint deadline, "联合办理已超期". Each at most once
    per deadline, in the bundle's history (the one timeline), and the lead department's
    administrators are told. Each bundle case in its own short transaction."""
    today = today or _today()
    report = BundleSweepReport()
    running = BundleCase.objects.filter(
        status=BundleCaseStatus.IN_PROGRESS,
        joint_clock__isnull=False,
        joint_clock__stopped_on__isnull=True,
        deadline__isnull=False,
    ).values_list("pk", flat=True)
    for pk in running:
        with transaction.atomic():
            bundle_case = _locked(BundleCase(pk=pk))
            clock = bundle_case.joint_clock
            if (
                bundle_case.status != BundleCaseStatus.IN_PROGRESS
                or clock is None
                or clock.stopped_on is not None
                or bundle_case.deadline is None
            ):
                continue
            if bundle_case.deadline < today:
                action, text = "overdue", "已超过联合办理期限，请督促各部门尽快办理。"
            elif services._warn_on(clock) <= today:
                action, text = "warning", "联合办理即将超期，请督促各部门抓紧办理。"
            else:
                continue
            note = deadline_note(bundle_case.deadline)
            marked = BundleEvent.objects.filter(bundle_case=bundle_case, note=note)
            if marked.filter(action__in=("overdue", action)).exists():
                continue
            _event(bundle_case, action, None, note=note)
            notify(
                kind=f"bundle.{action}",
                text=f"【{bundle_case.bundle.name}】一件事 {bundle_case.number}{text}",
                recipients=bundle_selectors.lead_admins(bundle_case),
                subject=bundle_case,
            )
            if action == "overdue":
                report.overdue += 1
            else:
                report.warned += 1
    return report
