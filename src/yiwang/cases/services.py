"""Every write of a case (办件): applying, intake, review, decision, delivery, and the sweep.

Each transition locks the case row (select_for_update), checks the state machine
(cases.workflow.CASE) on what it locked, changes the case, its clocks (workdays) and its
deadlines in one transaction, and writes a line of the case history, an audit event and the
messages to send (notifications outbox). Two staff acting at once: the second finds the new state
and gets the machine's conflict (409 in the API). Deadlines come only from workdays."""

from __future__ import annotations

import datetime as dt
import math
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import IO, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from yiwang.audit.services import audit_change
from yiwang.cases import selectors
from yiwang.cases.fields import (
    APPLICANT_EDITABLE,
    DELIVERY_FROM_CATALOG,
    MATERIAL_KINDS,
    MAX_FEE,
    MAX_REASON,
    CaseStatus,
    Channel,
    Decision,
    Delivery,
    NoticeKind,
    PaymentStatus,
    SpecialProcedureKind,
    VerificationStatus,
    WarningLevel,
    clean_form_value,
    deferred_supply_days,
    delivery_days,
    extension_days,
    pre_review_days,
    upload_max_bytes,
    verification_days,
    warning_share,
)
from yiwang.cases.models import (
    TEXT_MAX,
    Case,
    CaseEvent,
    CaseMaterial,
    CaseNotice,
    CorrectionRequest,
    Payment,
    SpecialProcedure,
    Verification,
)
from yiwang.cases.workflow import CASE
from yiwang.catalog.models import ItemStatus, ServiceItem, ServiceItemVersion
from yiwang.common import uploads
from yiwang.common.crypto import sm3_hex
from yiwang.common.validators import validate_plain_text
from yiwang.licenses.exemption import case_licence_orders
from yiwang.notifications.services import notify
from yiwang.org.models import Applicant, User, UserKind, Window, WindowKind
from yiwang.workdays.models import Clock, PauseKind
from yiwang.workdays.selectors import (
    add_working_days,
    clock_deadline,
    clock_open_pause,
    clock_paused_working_days,
    working_days_between,
)
from yiwang.workdays.services import (
    clock_extend,
    clock_pause,
    clock_resume,
    clock_start,
    clock_stop,
)

SUBJECT_TYPE = "cases.case"
COMMITMENT_TEMPLATE = (
    "本人（单位）承诺：所填写的申请信息和提交的材料真实、准确、完整；本人（单位）已知晓"
    "“{item}”的受理条件和审批标准，符合条件并能够履行承诺；如有不实，愿意承担相应法律责任，"
    "并接受撤销审批决定等处理。"
)
RIGHTS_NOTICE = (
    "如对本决定不服，可以自收到本决定之日起六十日内依法申请行政复议，或者在六个月内依法"
    "向人民法院提起行政诉讼。"
)
DEEMED_ACCEPTANCE_NOTE = (
    "收到申请材料之日起 {days} 个工作日内未告知补正、未作出受理或不予受理决定，依《中华人民共和国"
    "行政许可法》第三十二条，自收到申请材料之日起即为受理。"
)


def _today() -> dt.date:
    return timezone.localdate()


def _label(user: User | None) -> str:
    if user is None:
        return "系统"
    staff = getattr(user, "staff", None)
    if staff is not None:
        return str(staff.full_name)
    applicant = getattr(user, "applicant", None)  # a citizen's account name is generated
    return str(applicant.name) if applicant is not None else user.get_username()


def _reason(text: str, label: str, *, required: bool = True) -> str:
    text = (text or "").strip()
    if required and not text:
        raise ValidationError({"reason": f"请填写{label}。"})
    if len(text) > TEXT_MAX:
        raise ValidationError({"reason": f"{label}不能超过 {TEXT_MAX} 个字。"})
    try:
        validate_plain_text(text, label)
    except ValidationError as exc:
        raise ValidationError({"reason": exc.messages}) from None
    return text


def _locked(case: Case) -> Case:
    """The case row, locked for this transaction (only the case: not the item or department
    rows it joins, which every other case shares)."""
    return (
        Case.objects.select_for_update(of=("self",))
        .select_related("version", "item", "department", "applicant__user")
        .get(pk=case.pk)
    )


def _event(
    case: Case, action: str, actor: User | None, *, from_status: str, note: str = ""
) -> CaseEvent:
    row = _event_row(case, action, actor, from_status=from_status, note=note)
    row.save()
    return row


def _event_row(
    case: Case, action: str, actor: User | None, *, from_status: str, note: str = ""
) -> CaseEvent:
    """A line of the case history (unsaved)."""
    transition = CASE.transitions.get(action)
    label = transition.label if transition else ACTION_LABELS.get(action, action)
    return CaseEvent(
        case=case,
        actor=actor,
        actor_label=_label(actor),
        action=action,
        label=label,
        from_status=from_status,
        to_status=case.status,
        note=note,
    )


ACTION_LABELS = {
    "create": "创建申请",
    "deemed_accept": "视为受理",
    "warning": "时限预警",
    "overdue": "已超期",
    "chase": "催交容缺材料",
    "material": "提交材料",
    "verify": "承诺核查",
    "update": "修改申请",
}


class Writes:
    """How the case services write what a step changes: at once (NOW, every service), or into
    a bulk path's batch of new cases (cases.bulk.NewCases), which keeps the rows in memory and
    inserts them together. The rules are the same code either way."""

    def insert(self, row: Any) -> None:
        row.save()

    def update(self, row: Any, fields: list[str]) -> None:
        row.save(update_fields=fields)

    def notify(self, **message: Any) -> Any:
        return notify(**message)

    def clock_start(self, **clock: Any) -> Clock:
        return clock_start(**clock)

    def clock_stop(self, clock: Clock, on: dt.date, actor: User | None) -> None:
        clock_stop(clock=clock, on=on, actor=actor)

    def clock_pause(
        self, clock: Clock, on: dt.date, reason: str, kind: str, actor: User | None
    ) -> None:
        clock_pause(clock=clock, on=on, reason=reason, kind=kind, actor=actor)

    def clock_resume(self, clock: Clock, on: dt.date, actor: User | None) -> None:
        clock_resume(clock=clock, on=on, actor=actor)

    def open_pause(self, clock: Clock) -> Any:
        return clock_open_pause(clock)

    def pauses(self, clock: Clock) -> list[Any] | None:
        return None  # read from the table

    def corrections(self, case: Case) -> Iterable[CorrectionRequest]:
        return case.corrections.all()

    def open_correction(self, case: Case) -> CorrectionRequest | None:
        """The correction notice not yet answered (the latest)."""
        return case.corrections.filter(resolved_at__isnull=True).order_by("-requested_at").first()

    def current_materials(self, case: Case) -> Iterable[CaseMaterial]:
        return case.materials.filter(current=True)

    def notice_count(self, case: Case, kind: str) -> int:
        return case.notices.filter(kind=kind).count()

    def route(self, case: Case, actor: User) -> None:
        from yiwang.windows.services import routing_record  # windows builds on cases

        routing_record(case=case, actor=actor)  # 前台受理 at a 综合窗口 → the back office

    def hand_out_record(self, case: Case, actor: User, **record: Any) -> None:
        from yiwang.windows.services import hand_out_record  # windows builds on cases

        hand_out_record(case=case, actor=actor, **record)


NOW = Writes()


def _fire(
    case: Case,
    name: str,
    actor: User | None,
    *,
    note: str = "",
    fields: Iterable[str] = (),
    audit: Mapping[str, Any] | None = None,
    w: Writes = NOW,
) -> Case:
    """Apply transition `name` to the locked `case` (whose other changes the caller has
    made): status, save, history line, audit event."""
    before = _move(case, name)
    w.update(case, ["status", "updated_at", *fields])
    w.insert(_event_row(case, name, actor, from_status=before, note=note))
    _audit_move(case, name, actor, before=before, note=note, audit=audit)
    if case.bundle_case_id is not None and name != "decide":
        # 一件事: the bundle moves on (a clock, a stop) in the same transaction; after a
        # decision it does once the decision's notices are issued (_decide).
        _bundle_moves(case, name, actor)
    return case


def _move(case: Case, name: str) -> str:
    """Set the case to transition `name`'s target; the status it had."""
    before = case.status
    case.status = CASE.transitions[name].target
    return before


def _audit_move(
    case: Case,
    name: str,
    actor: User | None,
    *,
    before: str,
    note: str = "",
    audit: Mapping[str, Any] | None = None,
) -> None:
    audit_change(
        action=f"cases.{name}",
        obj=case,
        before={"status": before},
        after={"status": case.status, **(audit or {})},
        actor=actor,
        reason=note[:MAX_REASON],
    )


def _bundle_moves(case: Case, name: str, actor: User | None) -> None:
    from yiwang.cases import bundles

    bundles.child_fired(case, name, actor)


def _check(case: Case, name: str, actor: User | None) -> None:
    CASE.check(name, case.status, actor)


# 一件事: the bundle tells the applicant of acceptance and the result once (cases.bundles);
# what asks him to act (a correction, a special procedure, an extension) still comes per case.
BUNDLE_TOLD = frozenset({"case.accepted", "case.not_accepted", "case.concluded"})


def _applicant_message(case: Case, kind: str, text: str, *, w: Writes = NOW) -> None:
    if case.bundle_case_id is not None and kind in BUNDLE_TOLD:
        return
    applicant = case.applicant
    w.notify(
        kind=kind,
        text=f"【{case.department.short_name or case.department.name}】您的办件 {case.number}"
        f"（{case.version.name}）{text}",
        recipients=[applicant.user] if applicant.user_id else [],
        phone=applicant.phone or "",
        subject=case,
    )


def _staff_message(
    case: Case, kind: str, text: str, users: Iterable[User | None], *, w: Writes = NOW
) -> None:
    w.notify(
        kind=kind,
        text=f"办件 {case.number}（{case.version.name}）{text}",
        recipients=users,
        subject=case,
    )


# --- Clocks and deadlines -------------------------------------------------------------------


def _start(case: Case, days: int, on: dt.date, actor: User | None, *, w: Writes = NOW) -> Clock:
    return w.clock_start(
        subject_type=SUBJECT_TYPE, subject_id=case.pk, started_on=on, limit_days=days, actor=actor
    )


def _warn_on(clock: Clock, pauses: list[Any] | None = None) -> dt.date:
    """The day the warning share of the limit has run, counting pauses like the deadline."""
    threshold = math.ceil(clock.limit_days * warning_share())
    paused = clock_paused_working_days(clock, today=clock.stopped_on or _today(), pauses=pauses)
    return add_working_days(clock.started_on, threshold + paused, start_rule=clock.start_rule).date


def _sync_deadlines(case: Case, *, w: Writes = NOW) -> list[str]:
    """Copy the clocks' deadlines to the case's indexed columns; the fields changed."""
    case.legal_deadline = case.legal_clock.deadline if case.legal_clock else None
    case.promised_deadline = case.promised_clock.deadline if case.promised_clock else None
    due = case.promised_clock or case.legal_clock
    case.warn_on = _warn_on(due, w.pauses(due)) if due is not None and due.limit_days else None
    return ["legal_deadline", "promised_deadline", "warn_on"]


def _clocks(case: Case) -> list[Clock]:
    return [c for c in (case.legal_clock, case.promised_clock) if c is not None]


def _stop_clocks(case: Case, on: dt.date, actor: User | None, *, w: Writes = NOW) -> None:
    for clock in _clocks(case):
        if clock.stopped_on is None:
            w.clock_stop(clock, on, actor)


# --- Notices ------------------------------------------------------------------------------


def _notice(case: Case, kind: str, content: Mapping[str, Any], *, w: Writes = NOW) -> CaseNotice:
    """Issue a written notice; what it says is frozen now, the PDF is made on download."""
    sequence = w.notice_count(case, kind) + 1
    body = {
        "case_number": case.number,
        "applicant": case.applicant.name,
        "item": case.version.name,
        "department": case.department.name,
        "date": _today().isoformat(),
        **content,
    }
    notice = CaseNotice(
        case=case, kind=kind, number=f"{case.number}-{kind[:4].upper()}{sequence}", content=body
    )
    w.insert(notice)
    return notice


# --- Applying -----------------------------------------------------------------------------


def _published_version(item: ServiceItem) -> ServiceItemVersion:
    if item.status != ItemStatus.ACTIVE or item.published_version_id is None:
        raise ValidationError({"item": "该事项未发布或已暂停，暂不能申请。"})
    return item.published_version  # type: ignore[return-value]


def _channel_for(actor: User, channel: str | None) -> str:
    if actor.kind == UserKind.STAFF:
        channel = channel or Channel.WINDOW
        if channel not in (Channel.WINDOW, Channel.KIOSK, Channel.ASSISTED):
            raise ValidationError(
                {"channel": "工作人员代录的申请渠道只能是窗口、自助终端或帮办代办。"}
            )
        return channel
    channel = channel or Channel.ONLINE
    if channel not in (Channel.ONLINE, Channel.MOBILE):
        raise ValidationError({"channel": "申请人自行申请的渠道只能是网上或掌上。"})
    return channel


def _check_window(actor: User, item: ServiceItem) -> Window | None:
    """无差别受理: a clerk at a 综合窗口 registers any item; a clerk at a 专窗 only his
    department's items; a clerk without a window his department's."""
    staff = getattr(actor, "staff", None)
    if staff is None and not actor.is_superuser:
        raise PermissionDenied("只有工作人员可以代录申请。")
    if not actor.has_perm("cases.accept_case"):
        raise PermissionDenied("您的角色不能受理申请。")
    window = staff.window if staff is not None else None
    if actor.is_superuser or (window is not None and window.kind == WindowKind.COMPREHENSIVE):
        return window
    if staff is not None and staff.department_id != item.department_id:
        raise PermissionDenied("专窗只能受理本部门的事项；其他部门的事项请到综合窗口办理。")
    return window


def _clean_form(
    version: ServiceItemVersion, form: Mapping[str, Any], *, complete: bool = True
) -> dict[str, str]:
    """The application form checked against the version's fields, every bad field named
    (`form.<key>`); unknown keys are refused. `complete`: every field is filled in, except
    those that do not apply to this applicant (applicant_types); otherwise (a draft) only
    the fields given are checked and the empty ones left out."""
    spec = {f["key"]: f for f in version.form_fields or []}
    if not complete:
        form = {k: v for k, v in form.items() if v not in (None, "")}
    unknown = sorted(set(form) - set(spec))
    if unknown:
        raise ValidationError({"form": f"申请表中没有这些栏目：{'、'.join(unknown)}。"})
    clean: dict[str, str] = {}
    errors: dict[str, list[str]] = {}
    for key, field_spec in spec.items():
        value = form.get(key)
        optional = bool(field_spec.get("applicant_types")) or field_spec.get("required") is False
        if (optional or not complete) and (value is None or str(value).strip() == ""):
            continue
        try:
            clean[key] = clean_form_value(
                str(field_spec.get("type", "text")), value, str(field_spec.get("label", key))
            )
        except ValidationError as exc:
            errors[f"form.{key}"] = exc.messages
    if errors:
        raise ValidationError(errors)
    return clean


def _clean_delivery(
    version: ServiceItemVersion, delivery: str, address: Mapping[str, Any] | None
) -> dict[str, str]:
    offered = {
        DELIVERY_FROM_CATALOG[m]
        for m in version.delivery_methods or []
        if m in DELIVERY_FROM_CATALOG
    }
    offered = offered or {Delivery.PICKUP}
    if delivery not in Delivery.values:
        raise ValidationError({"delivery": "送达方式只能是窗口领取、免费邮寄或电子送达。"})
    if delivery not in offered:
        names = "、".join(str(Delivery(d).label) for d in sorted(offered))
        raise ValidationError({"delivery": f"该事项的结果送达方式为：{names}。"})
    if delivery != Delivery.EMS:
        return {}
    address = address or {}
    clean = {}
    for key, label, kind in (
        ("recipient", "收件人", "text"),
        ("phone", "收件人电话", "phone"),
        ("address", "邮寄地址", "text"),
    ):
        try:
            clean[key] = clean_form_value(kind, address.get(key), label)
        except ValidationError as exc:
            raise ValidationError({f"delivery.{key}": exc.messages}) from None
    return clean


@transaction.atomic
def case_create(
    *,
    item: ServiceItem,
    applicant: Applicant,
    actor: User,
    form: Mapping[str, Any] | None = None,
    delivery: str = Delivery.PICKUP,
    delivery_address: Mapping[str, Any] | None = None,
    commitment: bool = False,
    channel: str | None = None,
    consent: str = "",
) -> Case:
    """Start an application (a draft) for the published version of `item`.

    A citizen or enterprise applies for himself (channel 网上, or 掌上 over the API); staff
    register one for a walk-in applicant (窗口 — any item at a 综合窗口, their own department's at
    a 专窗 —, 自助终端, or 帮办代办 with the applicant's consent recorded). The form may be
    incomplete in a draft only as far as it is left out: what is given must be valid."""
    case = _new_case(
        item=item,
        applicant=applicant,
        actor=actor,
        form=form,
        delivery=delivery,
        delivery_address=delivery_address,
        commitment=commitment,
        channel=channel,
        consent=consent,
    )
    case.save()
    case.number = case_number(case)
    case.save(update_fields=["number"])
    _event(case, "create", actor, from_status="", note=Channel(case.channel).label)
    _audit_create(case, actor)
    return case


def case_number(case: Case) -> str:
    return f"{_today():%Y%m%d}{case.pk:08d}"


def _audit_create(case: Case, actor: User) -> None:
    audit_change(
        action="cases.create",
        obj=case,
        after={"item": case.item.code, "channel": case.channel, "status": case.status},
        actor=actor,
    )


def _new_case(
    *,
    item: ServiceItem,
    applicant: Applicant,
    actor: User,
    form: Mapping[str, Any] | None,
    delivery: str,
    delivery_address: Mapping[str, Any] | None,
    commitment: bool,
    channel: str | None,
    consent: str,
) -> Case:
    """case_create's checks and the new case (unsaved, without its number)."""
    version = _published_version(item)
    channel = _channel_for(actor, channel)
    window = None
    if actor.kind == UserKind.STAFF:
        window = _check_window(actor, item)
    elif applicant.user_id != actor.pk:
        raise PermissionDenied("只能为本人（本单位）申请。")
    consent = (consent or "").strip()
    if channel == Channel.ASSISTED and not consent:
        raise ValidationError({"consent": "帮办代办须记录申请人的授权（如“申请人当面授权代办”）。"})
    if commitment and not version.commitment_based:
        raise ValidationError({"commitment": "该事项不实行告知承诺制。"})
    clean_form = _clean_form(version, form or {}, complete=False)
    address = _clean_delivery(version, delivery, delivery_address)
    case = Case(
        number=uuid.uuid4().hex,  # unique placeholder until the row has its id
        item=item,
        version=version,
        department_id=item.department_id,
        applicant=applicant,
        channel=channel,
        created_by=actor,
        window=window,
        assisted_by=actor if channel == Channel.ASSISTED else None,
        consent=consent,
        form_data=clean_form,
        delivery=delivery,
        delivery_address=address,
        commitment=commitment,
        assignee=actor if actor.kind == UserKind.STAFF else None,
    )
    case.full_clean(exclude=["number", "form_data", "delivery_address", "fee_amount"])
    return case


@transaction.atomic
def case_update(
    *,
    case: Case,
    actor: User,
    form: Mapping[str, Any] | None = None,
    delivery: str | None = None,
    delivery_address: Mapping[str, Any] | None = None,
    commitment: bool | None = None,
) -> Case:
    """Change a draft (or, while a correction is requested, the form): the form fields given
    replace the stored ones."""
    case = _locked(case)
    if case.status not in APPLICANT_EDITABLE:
        raise ValidationError(
            f"办件当前为“{CASE.label(case.status)}”，不能修改申请。", code="illegal_transition"
        )
    version = case.version
    fields = []
    if form is not None:
        case.form_data = _clean_form(version, {**case.form_data, **form}, complete=False)
        fields.append("form_data")
    if delivery is not None or delivery_address is not None:
        method = delivery or case.delivery
        case.delivery_address = _clean_delivery(
            version, method, delivery_address or case.delivery_address
        )
        case.delivery = method
        fields += ["delivery", "delivery_address"]
    if commitment is not None:
        if commitment and not version.commitment_based:
            raise ValidationError({"commitment": "该事项不实行告知承诺制。"})
        case.commitment = commitment
        fields.append("commitment")
    if fields:
        case.save(update_fields=[*fields, "updated_at"])
        _event(case, "update", actor, from_status=case.status)
    return case


def _safe_name(file_name: str) -> str:
    """The uploader's file name as shown to staff: no direction controls, at most 200 chars."""
    from yiwang.common.validators import BIDI_CONTROLS

    return "".join(c for c in (file_name or "") if c not in BIDI_CONTROLS)[:200]


def _material_spec(case: Case, order: int) -> Any:
    material = next((m for m in case.version.materials.all() if m.order == order), None)
    if material is None:
        raise ValidationError({"material": f"该事项没有序号为 {order} 的申请材料。"})
    if material.exempt:
        raise ValidationError({"material": f"“{material.name}”无需提交，由部门通过数据共享获取。"})
    return material


def checked_upload(file: IO[bytes] | bytes, file_name: str) -> tuple[bytes, str]:
    """A material file's bytes and kind, refused when too large (YIWANG_CASE_UPLOAD_MAX_BYTES)
    or not a PDF, JPEG, PNG, docx or xlsx by its content (a bundle's materials too)."""
    limit = upload_max_bytes()
    # Read at most one byte past the limit: a huge upload is refused without holding it all.
    data = file[: limit + 1] if isinstance(file, bytes) else file.read(limit + 1)
    if len(data) > limit:
        raise ValidationError(
            {"file": f"文件超过 {limit // (1024 * 1024)} MB 的上限，请压缩后再上传。"}
        )
    try:
        kind = uploads.inspect(data)
    except uploads.UploadRejected as exc:
        raise ValidationError({"file": f"文件“{file_name}”{exc.reason}。"}) from None
    if kind not in MATERIAL_KINDS:
        raise ValidationError(
            {
                "file": f"文件“{file_name}”是{uploads.KINDS[kind].label}，"
                "请上传 PDF、JPEG、PNG、docx 或 xlsx。"
            }
        )
    return data, kind


@transaction.atomic
def case_material_upload(
    *, case: Case, actor: User, order: int, file: IO[bytes] | bytes, file_name: str
) -> CaseMaterial:
    """Hand in a file for material `order` of the case's item version. The file is checked by
    its content (PDF, image, docx, xlsx), size-limited, and stored through Django storage; a
    re-upload supersedes the earlier file, which is kept. Refused for 免提交 materials, and
    once the case is past intake (except to supply a deferred material)."""
    case = _locked(case)
    material = _material_spec(case, order)
    deferred = case.materials.filter(order=order, current=True, deferred=True).first()
    _check_upload(case, actor, deferred)
    data, kind = checked_upload(file, file_name)
    case.materials.filter(order=order, current=True).update(current=False)
    row = _uploaded(case, actor, material, data, kind, file_name)
    row.save()
    _record_upload(case, actor, material, row, deferred)
    return row


def _check_upload(case: Case, actor: User, deferred: CaseMaterial | None) -> None:
    if case.status not in (CaseStatus.DRAFT, CaseStatus.CORRECTION, CaseStatus.SUBMITTED) and not (
        deferred is not None and deferred.supply_due is not None
    ):
        raise ValidationError(
            f"办件当前为“{CASE.label(case.status)}”，不能再提交材料。", code="illegal_transition"
        )
    if case.status == CaseStatus.SUBMITTED and actor.kind != UserKind.STAFF:
        raise ValidationError(
            "申请已提交，等待预审；如需补充材料请等待补正告知。", code="illegal_transition"
        )


def _uploaded(
    case: Case, actor: User, material: Any, data: bytes, kind: str, file_name: str
) -> CaseMaterial:
    """The material row of a checked upload (unsaved), its file stored."""
    row = CaseMaterial(
        case=case,
        order=material.order,
        name=material.name,
        file_name=_safe_name(file_name),
        content_type=uploads.content_type_for(kind),
        size=len(data),
        digest=sm3_hex(data),
        uploaded_by=actor,
        deferred=False,
    )
    row.file.save(
        f"{case.number}-{material.order}.{uploads.KINDS[kind].extension}",
        ContentFile(data),
        save=False,
    )
    return row


def _record_upload(
    case: Case,
    actor: User,
    material: Any,
    row: CaseMaterial,
    deferred: CaseMaterial | None,
    *,
    rows: Any = None,
) -> None:
    """The upload's history line (saved, or added to `rows`: a bulk path's buffer) and audit
    event."""
    note = material.name
    if deferred is not None and case.status == CaseStatus.IN_REVIEW:
        note = f"补交容缺材料：{material.name}"
    event = _event_row(case, "material", actor, from_status=case.status, note=note)
    if rows is None:
        event.save()
    else:
        rows.add(event)
    audit_change(
        action="cases.material",
        obj=case,
        after={"material": material.name, "file": row.file_name, "digest": row.digest},
        actor=actor,
    )


@transaction.atomic
def case_material_paper(
    *, case: Case, actor: User, order: int, received: bool = True
) -> CaseMaterial:
    """Record at the window that the paper original of material `order` was received."""
    return _paper(_locked(case), actor, order, received)


def _paper(
    case: Case, actor: User, order: int, received: bool = True, *, w: Writes = NOW
) -> CaseMaterial:
    _check_paper(case, actor)
    material = _material_spec(case, order)
    row = min(
        (m for m in w.current_materials(case) if m.order == order),
        key=lambda m: m.pk or 0,
        default=None,
    )
    asked = w.open_correction(case) if case.status == CaseStatus.CORRECTION else None
    if row is not None and received and asked is not None and row.uploaded_at < asked.requested_at:
        # A corrected original handed in at the window supersedes what the correction notice
        # asked about (kept, not current), so the resubmission finds it new.
        row.current = False
        w.update(row, ["current"])
        row = None
    if row is None:
        row = CaseMaterial(case=case, order=order, name=material.name, uploaded_by=actor)
        w.insert(row)
    row.paper = received
    w.update(row, ["paper"])
    w.insert(
        _event_row(case, "material", actor, from_status=case.status, note=_paper_note(material))
    )
    return row


def _check_paper(case: Case, actor: User) -> None:
    if actor.kind != UserKind.STAFF:
        raise PermissionDenied("只有窗口工作人员可以登记纸质材料。")
    if case.status not in (CaseStatus.DRAFT, CaseStatus.SUBMITTED, CaseStatus.CORRECTION):
        raise ValidationError(
            f"办件当前为“{CASE.label(case.status)}”，不能登记材料。", code="illegal_transition"
        )


def _paper_note(material: Any) -> str:
    return f"纸质材料：{material.name}"


def _missing(case: Case, *, deferrable_ok: bool, w: Writes = NOW) -> list[Any]:
    """Required, non-exempt materials with neither a file nor a paper original (nor a valid
    licence of the applicant standing in: 免提交, licenses.exemption)."""
    have = {m.order for m in w.current_materials(case) if m.file or m.paper}
    have |= case_licence_orders(case)
    missing = []
    for material in case.version.materials.all():
        if material.exempt or not material.required or material.order in have:
            continue
        if case.commitment and material.deferrable:
            continue  # 告知承诺: the commitment stands in for it
        if deferrable_ok and material.deferrable:
            continue
        missing.append(material)
    return missing


@transaction.atomic
def case_submit(*, case: Case, actor: User) -> Case:
    """Submit the application: the form complete, every required material handed in (a
    deferrable one may follow, 容缺). Starts the pre-review clock: the department has
    YIWANG_PRE_REVIEW_DAYS working days to accept, refuse or ask for a correction."""
    case = _locked(case)
    fields = _check_submission(case, actor)
    case.pre_review_clock = _start(case, pre_review_days(), _today(), actor)
    _fire(case, "submit", actor, fields=fields)
    if case.bundle_case_id is not None:
        from yiwang.windows.services import routing_record  # windows builds on cases

        routing_record(case=case, actor=actor)  # a 一件事 taken in at a 综合窗口 (one per child)
    _submitted_message(case)
    return case


def _submitted_message(case: Case, *, w: Writes = NOW) -> None:
    if case.channel == Channel.ONLINE or case.channel == Channel.MOBILE:
        _staff_message(
            case,
            "case.submitted",
            "已提交，请在 5 个工作日内预审。",
            selectors.intake_staff(case),
            w=w,
        )


def _check_submission(case: Case, actor: User, *, w: Writes = NOW) -> list[str]:
    """case_submit's checks, and the submission's changes to the case (the fields changed;
    the pre-review clock is the caller's)."""
    _check(case, "submit", actor)
    form = _clean_form(case.version, case.form_data)
    missing = _missing(case, deferrable_ok=True, w=w)
    if missing:
        raise ValidationError({"materials": f"请先提交：{'、'.join(m.name for m in missing)}。"})
    now = timezone.now()
    today = _today()
    fields = ["form_data", "submitted_at", "received_on", "pre_review_clock", "visits"]
    case.form_data = form
    case.submitted_at = now
    case.received_on = today
    if case.channel in (Channel.WINDOW, Channel.ASSISTED):
        case.visits += 1  # handed in at the counter
    if case.commitment:
        case.commitment_text = COMMITMENT_TEMPLATE.format(item=case.version.name)
        case.commitment_signed_at = now
        case.commitment_digest = sm3_hex(
            "|".join(
                [case.number, case.applicant.name, case.commitment_text, now.isoformat()]
            ).encode()
        )
        fields += ["commitment_text", "commitment_signed_at", "commitment_digest"]
    return fields


def _stop_pre_review(case: Case, on: dt.date, actor: User | None, *, w: Writes = NOW) -> None:
    clock = case.pre_review_clock
    if clock is not None and clock.stopped_on is None:
        w.clock_stop(clock, max(on, clock.started_on), actor)


def _accept(
    case: Case,
    actor: User | None,
    *,
    accepted_on: dt.date,
    deferred: Sequence[int] = (),
    note: str = "",
    deemed: bool = False,
    w: Writes = NOW,
) -> Case:
    """Accept the locked case on `accepted_on`: the legal and promised clocks start, deferred
    materials get their supply deadline, the 受理通知书 is issued; an instant item (即办件) is
    decided at once."""
    missing = _missing(case, deferrable_ok=False, w=w)
    deferrable = {m.order: m for m in missing if m.deferrable}
    wanted = set(deferred)
    not_deferrable = [m for m in missing if m.order not in wanted]
    if not deemed and not_deferrable:
        raise ValidationError(
            {
                "materials": "材料不齐，不能受理：缺少"
                + "、".join(m.name for m in not_deferrable)
                + "。请一次性告知补正，或对可容缺的材料容缺受理。"
            }
        )
    unknown = wanted - set(deferrable)
    if unknown:
        raise ValidationError({"deferred": "只能对已缺少且允许容缺的材料容缺受理。"})
    today = _today()
    _stop_pre_review(case, today, actor, w=w)
    version = case.version
    case.accepted_on = accepted_on
    case.deemed_accepted = deemed
    case.step = 0
    case.legal_clock = _start(case, version.legal_limit, accepted_on, actor, w=w)
    case.promised_clock = _start(case, version.promised_limit, accepted_on, actor, w=w)
    fields = ["accepted_on", "deemed_accepted", "step", "legal_clock", "promised_clock"]
    fields += _sync_deadlines(case, w=w)
    if deferrable and wanted:
        due = add_working_days(today, deferred_supply_days()).date
        for order in sorted(wanted):
            w.insert(
                CaseMaterial(
                    case=case,
                    order=order,
                    name=deferrable[order].name,
                    deferred=True,
                    supply_due=due,
                    uploaded_by=actor,
                )
            )
    name_note = note
    if wanted:
        name_note = (
            (note + "；" if note else "")
            + "容缺受理："
            + "、".join(deferrable[o].name for o in sorted(wanted))
        )
    _fire(case, "accept", actor, note=name_note, fields=fields, audit={"deemed": deemed}, w=w)
    if deemed:
        CaseEvent.objects.filter(case=case, action="accept").order_by("-id").update(
            action="deemed_accept", label=ACTION_LABELS["deemed_accept"]
        )
    _notice(
        case,
        NoticeKind.ACCEPTANCE,
        {
            "accepted_on": accepted_on.isoformat(),
            "legal_deadline": case.legal_deadline.isoformat() if case.legal_deadline else "",
            "promised_deadline": case.promised_deadline.isoformat()
            if case.promised_deadline
            else "",
            "deemed": deemed,
            "note": note,
            "deferred": [deferrable[o].name for o in sorted(wanted)],
        },
        w=w,
    )
    _applicant_message(
        case,
        "case.accepted",
        f"已于 {accepted_on.isoformat()} 受理，承诺办结期限 "
        f"{case.promised_deadline.isoformat() if case.promised_deadline else '当日'}。",
        w=w,
    )
    if case.is_instant:
        _decide(case, actor, Decision.APPROVE, reason="即办件，当场办结。", basis="", fee=None, w=w)
    return case


@transaction.atomic
def case_accept(*, case: Case, actor: User, deferred: Sequence[int] = (), note: str = "") -> Case:
    """受理: the materials are complete (or the missing ones are deferrable and listed in
    `deferred`, 容缺受理). The legal and promised clocks start today."""
    return _accept_now(_locked(case), actor, deferred=deferred, note=note)


def _accept_now(
    case: Case, actor: User, *, deferred: Sequence[int] = (), note: str = "", w: Writes = NOW
) -> Case:
    _check(case, "accept", actor)
    case = _accept(
        case,
        actor,
        accepted_on=_today(),
        deferred=deferred,
        note=_reason(note, "备注", required=False),
        w=w,
    )
    w.route(case, actor)
    return case


@transaction.atomic
def case_not_accept(*, case: Case, actor: User, reason: str) -> Case:
    """不予受理, in writing with the reasons (the notice tells the applicant his rights)."""
    return _not_accept(_locked(case), actor, reason)


def _not_accept(case: Case, actor: User, reason: str, *, w: Writes = NOW) -> Case:
    _check(case, "not_accept", actor)
    reason = _reason(reason, "不予受理的理由")
    _stop_pre_review(case, _today(), actor, w=w)
    case.not_accepted_reason = reason
    _fire(case, "not_accept", actor, note=reason, fields=["not_accepted_reason"], w=w)
    _notice(case, NoticeKind.NON_ACCEPTANCE, {"reason": reason, "rights": RIGHTS_NOTICE}, w=w)
    _applicant_message(case, "case.not_accepted", f"不予受理：{reason}", w=w)
    return case


@transaction.atomic
def case_request_correction(
    *, case: Case, actor: User, entries: Sequence[Mapping[str, Any]], note: str = ""
) -> CorrectionRequest:
    """补正 (一次性告知): one notice listing everything to correct; the pre-review clock stops
    until the applicant resubmits. Each entry names a material (`order`) or another point
    (`name`) and what is wrong (`note`). A material already asked for once cannot be asked for
    again."""
    return _request_correction(_locked(case), actor, entries, note=note)


def _request_correction(
    case: Case,
    actor: User,
    entries: Sequence[Mapping[str, Any]],
    *,
    note: str = "",
    w: Writes = NOW,
) -> CorrectionRequest:
    _check(case, "request_correction", actor)
    if not entries:
        raise ValidationError({"entries": "请列出需要补正的全部内容（一次性告知）。"})
    asked_before = {
        e.get("order") for c in w.corrections(case) for e in c.entries if e.get("order") is not None
    }
    clean = []
    seen: set[int] = set()
    for entry in entries:
        order = entry.get("order")
        text = _reason(str(entry.get("note", "")), "补正要求")
        if order is not None:
            try:
                order = int(order)
            except (TypeError, ValueError):
                raise ValidationError({"entries": "材料序号应为整数。"}) from None
            material = _material_spec(case, order)
            if order in asked_before:
                raise ValidationError(
                    {
                        "entries": ValidationError(
                            f"“{material.name}”已告知过补正，不能再次要求补正同一材料。",
                            code="repeated_correction",
                        )
                    }
                )
            if order in seen:
                raise ValidationError({"entries": f"“{material.name}”重复列出。"})
            seen.add(order)
            clean.append({"order": order, "name": material.name, "note": text})
        else:
            name = _reason(str(entry.get("name", "")), "补正事项")
            clean.append({"order": None, "name": name[:200], "note": text})
    today = _today()
    clock = case.pre_review_clock
    if clock is not None:
        w.clock_pause(clock, today, "一次性告知补正", PauseKind.CORRECTION, actor)
    request = CorrectionRequest(
        case=case, entries=clean, note=_reason(note, "说明", required=False), requested_by=actor
    )
    w.insert(request)
    listing = "；".join(f"{e['name']}：{e['note']}" for e in clean)
    _fire(case, "request_correction", actor, note=listing, w=w)
    _notice(case, NoticeKind.CORRECTION, {"entries": clean, "note": request.note}, w=w)
    _applicant_message(case, "case.correction", f"需要补正：{listing}。请补正后重新提交。", w=w)
    return request


@transaction.atomic
def case_resubmit(*, case: Case, actor: User) -> Case:
    """Hand the corrected application back: every material named in the correction notice has
    a new file (or paper original) since the notice. The pre-review clock runs again."""
    return _resubmit(_locked(case), actor)


def _resubmit(case: Case, actor: User, *, w: Writes = NOW) -> Case:
    _check(case, "resubmit", actor)
    if actor.kind == UserKind.STAFF and not actor.has_perm("cases.accept_case"):
        # Staff hand a correction in for the applicant only at the window.
        raise PermissionDenied("您的角色不能代申请人提交补正材料。")
    request = w.open_correction(case)
    if request is not None:
        fresh = {
            m.order
            for m in w.current_materials(case)
            if m.uploaded_at >= request.requested_at and (m.file or m.paper)
        }
        stale = [
            e["name"]
            for e in request.entries
            if e.get("order") is not None and e["order"] not in fresh
        ]
        if stale:
            raise ValidationError({"materials": f"请先重新提交：{'、'.join(stale)}。"})
        request.resolved_at = timezone.now()
        w.update(request, ["resolved_at"])
    _clean_form(case.version, case.form_data)
    today = _today()
    clock = case.pre_review_clock
    if clock is not None and clock.stopped_on is None and w.open_pause(clock) is not None:
        w.clock_resume(clock, today, actor)
    case.received_on = today
    _fire(case, "resubmit", actor, fields=["received_on"], w=w)
    _staff_message(
        case, "case.resubmitted", "申请人已提交补正材料。", selectors.intake_staff(case), w=w
    )
    return case


@transaction.atomic
def case_withdraw(*, case: Case, actor: User, reason: str = "") -> Case:
    """The applicant withdraws an application not yet accepted."""
    return _withdraw(_locked(case), actor, reason)


def _withdraw(case: Case, actor: User, reason: str = "", *, w: Writes = NOW) -> Case:
    _check(case, "withdraw", actor)
    if actor.kind == UserKind.STAFF and not actor.has_perm("cases.accept_case"):
        # Staff withdraw an application for the applicant only at the window, as with a
        # correction handed in (a citizen reaches only his own cases: the selectors).
        raise PermissionDenied("您的角色不能代申请人撤回申请。")
    _stop_pre_review(case, _today(), actor, w=w)
    _fire(case, "withdraw", actor, note=_reason(reason, "撤回原因", required=False), w=w)
    return case


# --- Review and decision -------------------------------------------------------------------


def review_steps(version: ServiceItemVersion, steps: Iterable[Any] | None = None) -> list[Any]:
    """The steps a case passes after acceptance: the item's process without its first step
    (受理, done by accepting) and its last window step (送达, done by delivering). `steps`: the
    version's process when the caller has read it already."""
    steps = list(version.steps.all() if steps is None else steps)
    if steps:
        steps = steps[1:]
    if steps and "窗口" in (steps[-1].role or "") and len(steps) > 1:
        steps = steps[:-1]
    return steps


def _open_procedure(case: Case) -> SpecialProcedure | None:
    return case.special_procedures.filter(ended_on__isnull=True).first()


def _not_paused(case: Case, what: str) -> None:
    if case.paused:
        raise ValidationError(
            f"办件正在特别程序中（计时暂停），请先结束特别程序再{what}。", code="illegal_transition"
        )


@transaction.atomic
def case_advance(*, case: Case, actor: User, note: str = "") -> Case:
    """Complete the current review step; the decision step is completed by deciding."""
    return _advance(_locked(case), actor, note=note)


def _advance(case: Case, actor: User, *, note: str = "", w: Writes = NOW) -> Case:
    _check(case, "advance", actor)
    _not_paused(case, "办理")
    steps = review_steps(case.version)
    if case.step >= len(steps) - 1:
        raise ValidationError("已到决定环节，请作出准予或不予的决定。", code="illegal_transition")
    done = steps[case.step]
    case.step += 1
    _fire(
        case,
        "advance",
        actor,
        note=f"{done.name}：{_reason(note, '意见', required=False)}".rstrip("："),
        fields=["step"],
        w=w,
    )
    return case


def _parse_fee(fee: Any) -> Decimal:
    try:
        amount = Decimal(str(fee))
    except (InvalidOperation, ValueError):
        raise ValidationError({"fee": "收费金额应为数字（元）。"}) from None
    if amount <= 0 or amount > MAX_FEE or amount.as_tuple().exponent < -2:  # type: ignore[operator]
        raise ValidationError({"fee": "收费金额应大于 0，最多两位小数。"})
    return amount


def _decide(
    case: Case,
    actor: User | None,
    decision: str,
    *,
    reason: str,
    basis: str,
    fee: Any,
    w: Writes = NOW,
) -> Case:
    today = _today()
    version = case.version
    payment = None
    if decision == Decision.APPROVE and version.has_fee:
        if fee is None or fee == "":
            raise ValidationError(
                {"fee": f"该事项收费（{version.fee_basis or '见办事指南'}），请填写应缴金额。"}
            )
        payment = _parse_fee(fee)
    _stop_clocks(case, today, actor, w=w)
    clock = case.legal_clock or case.promised_clock
    if case.accepted_on is not None:
        elapsed = working_days_between(case.accepted_on, today).days
        paused = (
            clock_paused_working_days(clock, today=today, pauses=w.pauses(clock))
            if clock is not None
            else 0
        )
        case.handling_days = max(elapsed - paused, 0)
    case.decision = decision
    case.decision_reason = reason
    case.decision_basis = basis
    case.decided_by = actor
    case.concluded_on = today
    case.delivery_deadline = add_working_days(today, delivery_days()).date
    case.warning = WarningLevel.NONE if not case.ever_overdue else case.warning
    fields = [
        "decision",
        "decision_reason",
        "decision_basis",
        "decided_by",
        "concluded_on",
        "delivery_deadline",
        "warning",
        "handling_days",
    ]
    if case.promised_deadline and today > case.promised_deadline:
        case.ever_overdue = True
        fields.append("ever_overdue")
    if payment is not None:
        case.fee_amount = payment
        case.payment_status = PaymentStatus.PENDING
        fields += ["fee_amount", "payment_status"]
        w.insert(
            Payment(
                case=case,
                amount=payment,
                basis=version.fee_basis or version.fee_standard,
                status=PaymentStatus.PENDING,
            )
        )
    _fire(
        case,
        "decide",
        actor,
        note=f"{Decision(decision).label}：{reason}",
        fields=fields,
        audit={"decision": decision},
        w=w,
    )
    if decision == Decision.APPROVE:
        approval = {"reason": reason, "result": version.result_name}
        _notice(case, NoticeKind.APPROVAL, approval, w=w)
        if payment is not None:
            due = {"amount": str(payment), "basis": version.fee_basis}
            _notice(case, NoticeKind.PAYMENT, due, w=w)
        text = "已办结，准予。" + (
            f"请缴纳 {payment} 元后领取结果。" if payment is not None else ""
        )
    else:
        refusal = {"reason": reason, "basis": basis, "rights": RIGHTS_NOTICE}
        _notice(case, NoticeKind.REFUSAL, refusal, w=w)
        text = f"已办结，不予许可：{reason}"
    if case.commitment and decision == Decision.APPROVE:
        w.insert(Verification(case=case, due_on=add_working_days(today, verification_days()).date))
    _applicant_message(case, "case.concluded", text, w=w)
    if case.bundle_case_id is not None:
        # 一件事: the next stage (fed by this result), a stop, or the bundle's conclusion.
        _bundle_moves(case, "decide", actor)
    return case


@transaction.atomic
def case_decide(
    *,
    case: Case,
    actor: User,
    decision: str,
    reason: str = "",
    basis: str = "",
    fee: Any = None,
) -> Case:
    """作出决定: approve, or refuse with the reasons and the legal basis (the refusal tells the
    applicant of his right to reconsideration or litigation). Stops the clocks; the result must
    be delivered within YIWANG_DELIVERY_DAYS working days. An item with a fee gets a payment
    notice for `fee` (yuan)."""
    return _decide_now(_locked(case), actor, decision, reason=reason, basis=basis, fee=fee)


def _decide_now(
    case: Case,
    actor: User,
    decision: str,
    *,
    reason: str = "",
    basis: str = "",
    fee: Any = None,
    w: Writes = NOW,
) -> Case:
    _check(case, "decide", actor)
    _not_paused(case, "作出决定")
    if decision not in Decision.values:
        raise ValidationError({"decision": "决定只能是准予（approve）或不予（refuse）。"})
    steps = review_steps(case.version)
    if case.step < len(steps) - 1:
        raise ValidationError(
            f"尚未完成“{steps[case.step].name}”环节，不能作出决定。", code="illegal_transition"
        )
    if decision == Decision.REFUSE:
        reason = _reason(reason, "不予许可的理由")
        basis = _reason(basis, "不予许可的法律依据")
    else:
        reason = _reason(reason, "意见", required=False) or "符合法定条件、标准，准予。"
    return _decide(case, actor, decision, reason=reason, basis=basis, fee=fee, w=w)


@transaction.atomic
def case_pause(
    *, case: Case, actor: User, kind: str, reason: str, limit_days: int
) -> SpecialProcedure:
    """Start a special procedure (听证, 检验检测, 专家评审, 公示 …; 第四十五条): the legal and
    promised clocks stop, the applicant is told in writing how long it takes."""
    case = _locked(case)
    _check(case, "pause", actor)
    _not_paused(case, "启动新的特别程序")
    if kind not in SpecialProcedureKind.values:
        raise ValidationError({"kind": "特别程序类别不正确。"})
    reason = _reason(reason, "特别程序事由")[:MAX_REASON]
    try:
        limit = int(limit_days)
    except (TypeError, ValueError):
        raise ValidationError({"limit_days": "特别程序时限应为整数（工作日）。"}) from None
    if not 1 <= limit <= 365:
        raise ValidationError({"limit_days": "特别程序时限应为 1–365 个工作日。"})
    today = _today()
    for clock in _clocks(case):
        clock_pause(
            clock=clock, on=today, reason=reason, kind=PauseKind.SPECIAL_PROCEDURE, actor=actor
        )
        clock.refresh_from_db()
    procedure = SpecialProcedure.objects.create(
        case=case,
        kind=kind,
        reason=reason,
        limit_days=limit,
        started_on=today,
        due_on=add_working_days(today, limit).date,
    )
    case.paused = True
    _fire(
        case,
        "pause",
        actor,
        note=f"{SpecialProcedureKind(kind).label}：{reason}（{limit} 个工作日）",
        fields=["paused"],
    )
    _notice(
        case,
        NoticeKind.SPECIAL_PROCEDURE,
        {
            "kind": str(SpecialProcedureKind(kind).label),
            "reason": reason,
            "limit_days": limit,
            "due_on": procedure.due_on.isoformat(),
        },
    )
    _applicant_message(
        case,
        "case.paused",
        f"进入{SpecialProcedureKind(kind).label}程序（约 {limit} 个工作日），"
        "所需时间不计入办理时限。",
    )
    return procedure


@transaction.atomic
def case_resume(*, case: Case, actor: User) -> Case:
    """End the special procedure: the clocks run again and the deadlines move by the working
    days it took."""
    case = _locked(case)
    _check(case, "resume", actor)
    procedure = _open_procedure(case)
    if procedure is None or not case.paused:
        raise ValidationError("办件没有进行中的特别程序。", code="illegal_transition")
    today = _today()
    procedure.ended_on = today
    procedure.save(update_fields=["ended_on"])
    for clock in _clocks(case):
        clock_resume(clock=clock, on=today, actor=actor)
        clock.refresh_from_db()
    case.paused = False
    fields = ["paused", *_sync_deadlines(case)]
    _fire(case, "resume", actor, note=procedure.get_kind_display(), fields=fields)
    return case


@transaction.atomic
def case_extend(*, case: Case, actor: User, reason: str) -> Case:
    """延长审批期限: once, by YIWANG_EXTENSION_DAYS working days, approved by the head of the
    body (cases.approve_extension), with the reason told to the applicant (第四十二条)."""
    case = _locked(case)
    _check(case, "extend", actor)
    if case.extended:
        raise ValidationError("审批期限只能延长一次。", code="illegal_transition")
    reason = _reason(reason, "延期理由")
    days = extension_days()
    for clock in _clocks(case):
        clock_extend(clock=clock, days=days, reason=reason, actor=actor)
        clock.refresh_from_db()
    case.extended = True
    case.extension_reason = reason
    fields = ["extended", "extension_reason", *_sync_deadlines(case)]
    if (
        case.warning == WarningLevel.OVERDUE
        and case.promised_deadline
        and case.promised_deadline >= _today()
    ):
        case.warning = WarningLevel.NONE
        fields.append("warning")
    _fire(case, "extend", actor, note=f"延长 {days} 个工作日：{reason}", fields=fields)
    _notice(
        case,
        NoticeKind.EXTENSION,
        {
            "days": days,
            "reason": reason,
            "legal_deadline": case.legal_deadline.isoformat() if case.legal_deadline else "",
        },
    )
    _applicant_message(case, "case.extended", f"经负责人批准延长 {days} 个工作日，理由：{reason}")
    return case


# --- Payment and delivery --------------------------------------------------------------------


@transaction.atomic
def case_pay(*, case: Case, actor: User | None) -> Payment:
    """Confirm the fee through the payment channel (YIWANG_PAYMENT_CHANNEL). Until it is
    confirmed no result is handed out or delivered."""
    from yiwang.cases.payments import channel

    case = _locked(case)
    _check(case, "pay", actor)
    payment = Payment.objects.select_for_update().filter(case=case).first()
    if payment is None:
        raise ValidationError("该办件无需缴费。", code="illegal_transition")
    if payment.status == PaymentStatus.PAID:
        raise ValidationError("该办件已缴费。", code="conflict")
    confirmation = channel().confirm(payment)
    if not confirmation.paid:
        raise ValidationError("缴费平台尚未确认到账，请稍后再试。", code="conflict")
    payment.status = PaymentStatus.PAID
    payment.channel = confirmation.channel
    payment.reference = confirmation.reference[:64]
    payment.paid_at = timezone.now()
    payment.save(update_fields=["status", "channel", "reference", "paid_at"])
    case.payment_status = PaymentStatus.PAID
    _fire(
        case,
        "pay",
        actor,
        note=f"{payment.amount} 元，{payment.reference}",
        fields=["payment_status"],
    )
    return payment


def _paid(case: Case) -> None:
    if case.payment_status == PaymentStatus.PENDING:
        raise ValidationError("费用尚未缴纳，缴费确认前不能出件或送达。", code="illegal_transition")


@transaction.atomic
def case_deliver(*, case: Case, actor: User, tracking_number: str = "") -> Case:
    """送达 by EMS (with the tracking number) or electronically."""
    return _deliver(_locked(case), actor, tracking_number=tracking_number)


def _deliver(case: Case, actor: User, *, tracking_number: str = "", w: Writes = NOW) -> Case:
    _check(case, "deliver", actor)
    _paid(case)
    if case.delivery == Delivery.PICKUP:
        raise ValidationError("该办件为窗口领取，请在出件时登记领取人。", code="illegal_transition")
    tracking_number = (tracking_number or "").strip()
    if case.delivery == Delivery.EMS and not tracking_number:
        raise ValidationError({"tracking_number": "邮寄送达须填写邮件号。"})
    if len(tracking_number) > 40:
        raise ValidationError({"tracking_number": "邮件号不能超过 40 个字符。"})
    validate_plain_text(tracking_number, "邮件号")
    case.tracking_number = tracking_number[:40]
    case.delivered_at = timezone.now()
    note = f"EMS {tracking_number}" if case.delivery == Delivery.EMS else "电子送达"
    _fire(case, "deliver", actor, note=note, fields=["tracking_number", "delivered_at"], w=w)
    _applicant_message(case, "case.delivered", f"结果已送达（{note}）。", w=w)
    return case


@transaction.atomic
def case_hand_out(
    *,
    case: Case,
    actor: User,
    collected_by: str,
    collector_id_number: str = "",
    id_checked: bool = False,
) -> Case:
    """窗口出件: the result handed over at the window, recording who collected it (and, in the
    front desk's 出件记录, whether his ID was checked). Under 综合窗口出件 only the front desk
    of the case's hall may hand it out (windows.services.check_hand_out_desk)."""
    return _hand_out(
        _locked(case),
        actor,
        collected_by=collected_by,
        collector_id_number=collector_id_number,
        id_checked=id_checked,
    )


def _hand_out(
    case: Case,
    actor: User,
    *,
    collected_by: str,
    collector_id_number: str = "",
    id_checked: bool = False,
    w: Writes = NOW,
) -> Case:
    _check(case, "hand_out", actor)
    _paid(case)
    collected_by = (collected_by or "").strip()
    if not collected_by:
        raise ValidationError({"collected_by": "请登记领取人姓名。"})
    if len(collected_by) > 64:
        raise ValidationError({"collected_by": "领取人姓名不能超过 64 个字。"})
    validate_plain_text(collected_by, "领取人")
    case.collected_by = collected_by
    case.delivered_at = timezone.now()
    w.hand_out_record(
        case,
        actor,
        collector_name=collected_by,
        collector_id_number=collector_id_number,
        id_checked=id_checked,
        at=case.delivered_at,
    )
    case.visits += 1
    _fire(
        case,
        "hand_out",
        actor,
        note=f"领取人：{collected_by}",
        fields=["collected_by", "delivered_at", "visits"],
        w=w,
    )
    return case


@transaction.atomic
def case_archive(*, case: Case, actor: User | None) -> Case:
    case = _locked(case)
    _check(case, "archive", actor)
    case.archived_at = timezone.now()
    _fire(case, "archive", actor, fields=["archived_at"])
    return case


@transaction.atomic
def case_verify(*, case: Case, actor: User, confirmed: bool, note: str) -> Verification:
    """告知承诺核查: record whether the commitment was true."""
    if not actor.has_perm("cases.verify_commitment"):
        raise PermissionDenied("您的角色不能核查承诺。")
    case = _locked(case)
    verification = Verification.objects.select_for_update().filter(case=case).first()
    if verification is None or verification.status != VerificationStatus.OPEN:
        raise ValidationError("该办件没有待核查的承诺。", code="illegal_transition")
    verification.status = (
        VerificationStatus.CONFIRMED if confirmed else VerificationStatus.FALSE_COMMITMENT
    )
    verification.note = _reason(note, "核查情况")
    verification.done_by = actor
    verification.done_at = timezone.now()
    verification.save()
    _event(
        case,
        "verify",
        actor,
        from_status=case.status,
        note=f"{verification.get_status_display()}：{verification.note}",
    )
    audit_change(
        action="cases.verify", obj=case, after={"verification": verification.status}, actor=actor
    )
    return verification


# --- The sweep (worker) ----------------------------------------------------------------------


@dataclass
class SweepReport:
    deemed_accepted: int = 0
    warned: int = 0
    overdue: int = 0
    chased: int = 0
    bundle_warned: int = 0
    bundle_overdue: int = 0
    case_ids: list[int] = field(default_factory=list)


def cases_sweep(*, today: dt.date | None = None) -> SweepReport:
    """What the worker does periodically (and `yiwang cases sweep`): deemed acceptance after
    the pre-review period (第三十二条), warnings at the warning share of the promised limit,
    overdue marks (kept for good: ever_overdue), chasing deferred materials not supplied in
    time, and the 一件事 joint clocks' marks (bundles.bundle_sweep). Each case in its own short
    transaction; the assignee and the department admins are told."""
    today = today or _today()
    report = SweepReport()
    # 1. Deemed acceptance: submitted, the pre-review clock running and past its deadline.
    for pk in Case.objects.filter(
        status=CaseStatus.SUBMITTED,
        pre_review_clock__stopped_on__isnull=True,
        pre_review_clock__deadline__lt=today,
    ).values_list("pk", flat=True):
        with transaction.atomic():
            case = _locked(Case(pk=pk))
            clock = case.pre_review_clock
            if case.status != CaseStatus.SUBMITTED or clock is None:
                continue
            if clock_open_pause(clock) is not None or clock_deadline(clock).date >= today:
                continue
            _accept(
                case,
                None,
                accepted_on=case.received_on or today,
                note=DEEMED_ACCEPTANCE_NOTE.format(days=pre_review_days()),
                deemed=True,
            )
            report.deemed_accepted += 1
            report.case_ids.append(pk)
    # 2. Overdue, then warnings: open accepted cases whose dates have come (one UPDATE each,
    # then the history lines and messages for the cases that changed).
    running = Q(status=CaseStatus.IN_REVIEW, paused=False)
    overdue = list(
        Case.objects.filter(running, promised_deadline__lt=today)
        .exclude(warning=WarningLevel.OVERDUE)
        .values_list("pk", flat=True)
    )
    warned = list(
        Case.objects.filter(running, warn_on__lte=today, warning=WarningLevel.NONE)
        .exclude(pk__in=overdue)
        .exclude(promised_deadline__lt=today)
        .values_list("pk", flat=True)
    )
    for pks, level, action, text in (
        (overdue, WarningLevel.OVERDUE, "overdue", "已超过承诺办结期限，请尽快办理。"),
        (warned, WarningLevel.WARNING, "warning", "即将超期，请抓紧办理。"),
    ):
        for pk in pks:
            with transaction.atomic():
                case = _locked(Case(pk=pk))
                if case.status != CaseStatus.IN_REVIEW or case.paused or case.warning == level:
                    continue
                case.warning = level
                update = ["warning", "updated_at"]
                if level == WarningLevel.OVERDUE:
                    case.ever_overdue = True
                    update.append("ever_overdue")
                case.save(update_fields=update)
                _event(
                    case,
                    action,
                    None,
                    from_status=case.status,
                    note=f"承诺期限 {case.promised_deadline}",
                )
                _staff_message(case, f"case.{action}", text, selectors.responsible_staff(case))
            if level == WarningLevel.OVERDUE:
                report.overdue += 1
            else:
                report.warned += 1
    # 3. Deferred materials past their supply deadline, chased once.
    for row in CaseMaterial.objects.filter(
        deferred=True,
        current=True,
        supply_due__lt=today,
        chased_at__isnull=True,
        case__status=CaseStatus.IN_REVIEW,
    ).select_related("case__applicant__user", "case__department", "case__version"):
        with transaction.atomic():
            updated = CaseMaterial.objects.filter(pk=row.pk, chased_at__isnull=True).update(
                chased_at=timezone.now()
            )
            if not updated:
                continue
            case = row.case
            _event(
                case,
                "chase",
                None,
                from_status=case.status,
                note=f"{row.name}（期限 {row.supply_due}）",
            )
            _applicant_message(
                case,
                "case.chase",
                f"容缺材料“{row.name}”已超过补交期限 {row.supply_due}，请尽快补交。",
            )
            _staff_message(
                case,
                "case.chase",
                f"容缺材料“{row.name}”逾期未补交。",
                selectors.responsible_staff(case),
            )
            report.chased += 1
    # 4. The 一件事 joint clocks' marks (late import: bundles imports this module).
    from yiwang.cases import bundles

    joint = bundles.bundle_sweep(today=today)
    report.bundle_warned, report.bundle_overdue = joint.warned, joint.overdue
    return report
