"""Every write of the licences app: licence types, seal keys and their rotation, issuing and
sealing a licence, changing its status. Keyword-only, atomic, audited."""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from yiwang.audit.services import audit_change, audit_operation
from yiwang.common.crypto import (
    DecryptionError,
    current_key_id,
    envelope_key_id,
    sm4_decrypt_bytes,
    sm4_encrypt_bytes,
)
from yiwang.common.masking import mask_id_number
from yiwang.common.validators import PlainText, validate_id_number, validate_uscc
from yiwang.licenses import canonical, identifiers, sealing, selectors
from yiwang.licenses.fields import clean_type_fields, clean_values
from yiwang.licenses.models import (
    HolderKind,
    License,
    LicenseMaterial,
    LicenseStatus,
    LicenseType,
    LicenseUse,
    SealKey,
    UsePurpose,
)
from yiwang.org.models import Applicant, Department

STATUS_REASON_MAX = 200


def _conflict(field: str, message: str) -> dict[str, ValidationError]:
    # A state conflict (409 in the API, common.api.CONFLICT_CODES).
    return {field: ValidationError(message, code="conflict")}


def _taken(identifier: object) -> dict[str, ValidationError]:
    return {
        "serial": ValidationError(
            f"电子证照 {identifier} 已存在，请换一个流水号。", code="duplicate"
        )
    }


@transaction.atomic
def license_type_create(
    *,
    code: str,
    name: str,
    department: Department,
    national: bool = False,
    fields: Iterable[Mapping[str, Any]] = (),
    template: str = "",
    actor: Any = None,
) -> LicenseType:
    """Define a licence type issued by `department`. The code is the defining authority's USCC
    plus a 3-digit sequence (identifiers.validate_type_code). Audited."""
    code = identifiers.validate_type_code(code)
    if LicenseType.objects.filter(code=code).exists():
        raise ValidationError({"code": f"证照类型代码 {code} 已存在。"})
    kind = LicenseType(
        code=code,
        name=(name or "").strip(),
        department=department,
        national=national,
        fields=clean_type_fields(fields),
        template=template,
    )
    kind.full_clean()
    kind.save()
    audit_change(
        action="licenses.type_create",
        obj=kind,
        after={"code": code, "name": kind.name, "department": department.pk, "national": national},
        actor=actor,
    )
    return kind


@transaction.atomic
def seal_key_rotate(*, department: Department, actor: Any = None, reason: str = "") -> SealKey:
    """Give `department` a new SM2 seal key (its first, or the next one). The current key is
    retired, not deleted: licences it sealed keep verifying against its public key; its
    private key is erased, since it will never sign again. Audited (key ids and the public key
    only)."""
    # Serialises two rotations of one department: the second waits, then retires the first's.
    Department.objects.select_for_update().get(pk=department.pk)
    now = timezone.now()
    current = SealKey.objects.select_for_update().filter(department=department, retired_at=None)
    retired = [key.key_id for key in current]
    # A retired key only verifies: its public half stays, its private half is destroyed.
    current.update(retired_at=now, private_key="")
    # …and from this process's loaded keys.
    sealing.forget_private_keys(retired)
    material = sealing.generate_key()
    key = SealKey.objects.create(
        department=department,
        key_id=material.key_id,
        public_key=material.public_key,
        private_key=material.private_key_envelope,
        created_at=now,
    )
    audit_change(
        action="licenses.seal_key_rotate",
        obj=key,
        after={"key_id": key.key_id, "public_key": key.public_key, "retired": retired},
        actor=actor,
        reason=reason,
    )
    return key


@transaction.atomic
def seal_keys_reencrypt(*, actor: Any = None) -> int:
    """Put the private key of every current seal key under the current SM4 key
    (YIWANG_PII_KEY_ID): run after a new SM4 key is listed, before the old one is removed
    (`yiwang pii rotate` covers personal data only). Returns how many keys changed; a second
    run changes nothing. Audited (SM4 key ids only)."""
    target = current_key_id()
    changed = 0
    for key in SealKey.objects.select_for_update().filter(retired_at=None).exclude(private_key=""):
        source = envelope_key_id(key.private_key)
        if source == target:
            continue
        try:
            scalar = sm4_decrypt_bytes(key.private_key)
        except (DecryptionError, ImproperlyConfigured) as exc:
            raise ValidationError(
                {"private_key": f"签章密钥 {key.key_id} 的私钥无法解密：{exc}"}
            ) from None
        key.private_key = sm4_encrypt_bytes(scalar, key_id=target)
        key.save(update_fields=["private_key"])
        # The loaded key is unsealed again from the new envelope (other processes notice
        # the envelope changed: sealing._LoadedKeys).
        sealing.forget_private_keys([key.key_id])
        audit_change(
            action="licenses.seal_key_reencrypt",
            obj=key,
            before={"sm4_key": source},
            after={"sm4_key": target},
            actor=actor,
        )
        changed += 1
    return changed


def _holder(
    kind: str, name: str, id_number: str, uscc: str
) -> tuple[str, str, str, dict[str, str]]:
    name = unicodedata.normalize("NFC", name or "").strip()
    PlainText("持证主体名称")(name)
    if not name:
        raise ValidationError({"holder_name": "请填写持证主体名称。"})
    if kind == HolderKind.PERSON:
        if uscc:
            raise ValidationError({"holder_uscc": "自然人持证时不填统一社会信用代码。"})
        number = validate_id_number(id_number, field="持证人身份证号码")
        return number, "", name, {"kind": kind, "name": name, "id_number": mask_id_number(number)}
    if kind == HolderKind.ENTERPRISE:
        if id_number:
            raise ValidationError({"holder_id_number": "法人和其他组织持证时不填身份证号码。"})
        code = validate_uscc(uscc, field="持证主体统一社会信用代码")
        return "", code, name, {"kind": kind, "name": name, "id_number": code}
    raise ValidationError({"holder_kind": "持证主体类型应为 person（自然人）或 enterprise。"})


def _next_serial(license_type: LicenseType, year: int) -> str:
    # The type row is locked by the caller, so counting and taking the next number is safe;
    # a serial given by hand that happens to match is stepped over.
    taken = set(
        License.objects.filter(
            license_type=license_type, issuer=license_type.department, serial__startswith=str(year)
        ).values_list("serial", flat=True)
    )
    n = len(taken) + 1
    while f"{year}{n:06d}" in taken:
        n += 1
    return f"{year}{n:06d}"


def license_seal(*, license: License, content: Mapping[str, Any]) -> License:
    """Seal `license` (not yet saved) with its issuer's current key: store the canonical bytes
    of `content` (the licence object, docs/licenses.md) and their SM2 signature."""
    key = selectors.signing_key(license.issuer_id)
    if key is None:
        raise ValidationError(
            {"issuer": f"颁发部门“{license.issuer}”尚无签章密钥，请先为其生成签章密钥。"}
        )
    try:
        data = canonical.canonical_bytes(content)
    except canonical.CanonicalError as exc:
        raise ValidationError({"fields": str(exc)}) from None
    license.canonical = data
    license.seal_key = key
    license.signature = sealing.sign(
        data, private_key_envelope=key.private_key, public_key=key.public_key, key_id=key.key_id
    )
    return license


@transaction.atomic
def license_issue(
    *,
    license_type: LicenseType,
    holder_kind: str,
    holder_name: str,
    holder_id_number: str = "",
    holder_uscc: str = "",
    fields: Mapping[str, Any],
    valid_from: dt.date,
    valid_until: dt.date | None = None,
    serial: str | None = None,
    previous: License | None = None,
    applicant: Applicant | None = None,
    origin: str = "issued",
    source_number: str = "",
    case: Any = None,
    actor: Any = None,
) -> License:
    """Issue and seal a licence of `license_type` (issued by the type's department).

    `origin` "gathered" with `source_number` (the number in the department's own system) is a
    licence gathered in bulk (licenses.gathering); the pair is not part of the sealed bytes.

    The serial is the next `YYYYnnnnnn` of the type unless given. With `previous` the licence
    continues or changes that one: same type, holder kind and serial, the next version. With
    `case` it is that concluded case's result (licenses.issuing; one per case and type).
    Audited."""
    license_type = LicenseType.objects.select_for_update().get(pk=license_type.pk)
    issuer = license_type.department
    clear_id, uscc, name, holder = _holder(holder_kind, holder_name, holder_id_number, holder_uscc)
    values = clean_values(license_type.fields, fields)
    if valid_until is not None and valid_until < valid_from:
        raise ValidationError({"valid_until": "有效期截止日不能早于起始日。"})
    version = 1
    if previous is not None:
        previous = License.objects.select_for_update().get(pk=previous.pk)
        if previous.license_type_id != license_type.pk:
            raise ValidationError({"previous": "延续或变更的证照必须是同一证照类型。"})
        if previous.successors.exists():
            raise ValidationError(
                _conflict(
                    "previous", f"电子证照 {previous.identifier} 已有后续版本，请在最新版本上变更。"
                )
            )
        if previous.version >= 999:
            raise ValidationError({"previous": "版本号已到 999，请另发新证。"})
        serial, version = previous.serial, previous.version + 1
    elif serial is None:
        serial = _next_serial(license_type, valid_from.year)
    identifier = identifiers.build(
        type_code=license_type.code, issuer=issuer.uscc, serial=serial, version=version
    )
    if License.objects.filter(identifier=str(identifier)).exists():
        raise ValidationError(_taken(identifier))
    license = License(
        identifier=str(identifier),
        license_type=license_type,
        issuer=issuer,
        serial=serial,
        version=version,
        holder_kind=holder_kind,
        holder_name=name,
        holder_id_number=clear_id,
        holder_uscc=uscc,
        applicant=applicant,
        fields=values,
        valid_from=valid_from,
        valid_until=valid_until,
        previous=previous,
        origin=origin,
        source_number=source_number,
        case=case,
    )
    content = canonical.normalise(
        {
            "identifier": str(identifier),
            "type": {"code": license_type.code, "name": license_type.name},
            "issuer": {"uscc": issuer.uscc, "name": issuer.name},
            "holder": holder,
            "fields": values,
            "validity": {
                "from": valid_from.isoformat(),
                "until": valid_until.isoformat() if valid_until else None,
            },
        }
    )
    license_seal(license=license, content=content)
    try:
        with transaction.atomic():
            license.save()
    except IntegrityError:
        raise ValidationError(_taken(identifier)) from None
    audit_change(
        action="licenses.issue",
        obj=license,
        after={
            "identifier": license.identifier,
            "type": license_type.code,
            "holder_name": name,
            "seal_key": license.seal_key.key_id,
            "previous": previous.identifier if previous else None,
            "case": case.number if case is not None else None,
        },
        actor=actor,
    )
    return license


@transaction.atomic
def license_revoke(
    *,
    license: License,
    reason: str,
    status: str = LicenseStatus.REVOKED,
    actor: Any = None,
) -> License:
    """End a valid licence: 撤销 (default), 注销, 失效, 转出 or 吊销, with its reason. The seal
    stays as it was (the signature remains valid); verification reads the status from here.
    A licence no longer valid is a conflict (409). Audited."""
    if status not in LicenseStatus.values or status == LicenseStatus.VALID:
        allowed = "、".join(s for s in LicenseStatus.values if s != LicenseStatus.VALID)
        raise ValidationError({"status": f"证照状态“{status}”不可用，可选：{allowed}。"})
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"status_reason": "请填写证照状态变更的原因。"})
    if len(reason) > STATUS_REASON_MAX:
        raise ValidationError({"status_reason": f"原因不能超过 {STATUS_REASON_MAX} 个字。"})
    license = License.objects.select_for_update().get(pk=license.pk)
    if license.status != LicenseStatus.VALID:
        label = LicenseStatus(license.status).label
        raise ValidationError(
            _conflict("status", f"电子证照 {license.identifier} 已{label}，不能再变更状态。")
        )
    before = {"status": license.status}
    license.status = status
    license.status_reason = reason
    license.status_changed_at = timezone.now()
    license.save(update_fields=["status", "status_reason", "status_changed_at"])
    audit_change(
        action="licenses.status_change",
        obj=license,
        before=before,
        after={"status": status},
        actor=actor,
        reason=reason,
    )
    return license


# --- 用证 (licence use) -----------------------------------------------------------------------

USE_PERMISSION = "licenses.use_license"
USE_REASON_MAX = 200
# How the holder's 用证记录 names a use for a 免提交 material (no staff member fetched it).
MATERIAL_USE_ROLE = "免提交自动关联"


def _refuse(*, license: License, actor: Any, field: str, message: str, case: Any = None) -> None:
    """Record a refused use in the audit trail (committed on its own, so the refusal stays on
    record although the caller's change is not made), then raise the refusal."""
    with transaction.atomic():
        audit_operation(
            action="licenses.use_refused",
            object_type="licenses.license",
            object_id=str(license.pk),
            object_label=license.identifier,
            changes={"case": {"before": None, "after": getattr(case, "pk", None)}},
            actor=actor,
            reason=message,
        )
    raise ValidationError({field: message})


def _holder_matches(license: License, applicant: Applicant) -> bool:
    if license.holder_kind == HolderKind.PERSON:
        return bool(license.holder_id_number_hash) and (
            license.holder_id_number_hash == applicant.id_number_hash
        )
    return bool(license.holder_uscc) and license.holder_uscc == applicant.uscc


def _actor_public(actor: Any) -> tuple[str, str]:
    # What the holder is shown: the department and role, never the staff member's name.
    staff = getattr(actor, "staff", None)
    if staff is None:
        return "", ""
    department = staff.department
    return str(department.name), "、".join(str(label) for label in staff.role_labels)


def license_use(*, license: License, case: Any, actor: Any, reason: str) -> LicenseUse:
    """A staff member fetches the holder's licence for a case (用证), with a reason.

    Refused — with one sentence, and the refusal audited — without a case or a reason, for a
    licence that is not the case applicant's, or without licenses.use_license. A case outside
    the actor's data scope is 404 (as the selectors answer). Every use is recorded (LicenseUse)
    and audited."""
    from django.http import Http404

    from yiwang.cases import selectors as case_selectors

    if actor is None or not getattr(actor, "is_authenticated", False):
        raise PermissionDenied("请先登录。")
    if not actor.has_perm(USE_PERMISSION):
        _refuse(license=license, actor=actor, field="actor", message="您的角色不能调用电子证照。")
    if case is None:
        _refuse(
            license=license,
            actor=actor,
            field="case",
            message="调用电子证照必须指明办件，没有办件不能用证。",
        )
    if not case_selectors.case_visible_to(actor, case):
        raise Http404(case_selectors.CASE_NOT_FOUND)
    reason = (reason or "").strip()
    if not reason:
        _refuse(
            license=license,
            actor=actor,
            case=case,
            field="reason",
            message="请填写用证事由。",
        )
    if len(reason) > USE_REASON_MAX:
        raise ValidationError({"reason": f"用证事由不能超过 {USE_REASON_MAX} 个字。"})
    PlainText("用证事由")(reason)
    if not _holder_matches(license, case.applicant):
        _refuse(
            license=license,
            actor=actor,
            case=case,
            field="license",
            message=(
                f"电子证照 {license.identifier} 的持证主体不是办件 {case.number} 的申请人，"
                "不能调用。"
            ),
        )
    return _record_use(license=license, case=case, actor=actor, reason=reason)


@transaction.atomic
def _record_use(*, license: License, case: Any, actor: Any, reason: str) -> LicenseUse:
    department, role = _actor_public(actor)
    use = LicenseUse.objects.create(
        license=license,
        case=case,
        actor=actor,
        actor_department=department,
        actor_role=role,
        reason=reason,
    )
    audit_change(
        action="licenses.use",
        obj=use,
        after={"license": license.identifier, "case": case.number, "reason": reason},
        actor=actor,
        reason=reason,
    )
    return use


@transaction.atomic
def license_use_for_material(
    *, license: License, case: Any, material_order: int, material_name: str, actor: Any = None
) -> LicenseUse:
    """The applicant's valid licence stands in for a material of his case (免提交,
    licenses.exemption): recorded as a use (purpose 免提交材料) with the material, the case's
    department as the one using it, and the reason “免提交：<材料名称>”. No staff permission is
    asked — the applicant himself, submitting, or the system lets his own licence be used —
    but the licence must be the case applicant's, valid, and linked to the material. Audited."""
    from yiwang.licenses.exemption import linked_types, valid_q

    name = (material_name or "").strip()
    if not _holder_matches(license, case.applicant):
        raise ValidationError(
            {"license": f"电子证照 {license.identifier} 的持证主体不是该办件的申请人。"}
        )
    if not License.objects.filter(valid_q(), pk=license.pk).exists():
        raise ValidationError({"license": f"电子证照 {license.identifier} 不在有效期内或已失效。"})
    kind = linked_types([name]).get(name)
    if kind is None or kind.pk != license.license_type_id:
        raise ValidationError(
            {"material_name": f"材料“{name}”不能由“{license.license_type.name}”代替。"}
        )
    reason = f"免提交：{name}"[:USE_REASON_MAX]
    use = LicenseUse.objects.create(
        license=license,
        case=case,
        actor=actor if getattr(actor, "pk", None) else None,
        actor_department=str(case.department.name),
        actor_role=MATERIAL_USE_ROLE,
        reason=reason,
        purpose=UsePurpose.MATERIAL,
        material_order=material_order,
        material_name=name,
    )
    audit_change(
        action="licenses.use",
        obj=use,
        after={
            "license": license.identifier,
            "case": case.number,
            "purpose": UsePurpose.MATERIAL.value,
            "material": name,
        },
        actor=actor,
        reason=reason,
    )
    return use


# --- Links: the items that produce a licence type, the materials it satisfies ------------------


@transaction.atomic
def license_type_set_items(
    *, license_type: LicenseType, items: Iterable[Any], actor: Any = None
) -> LicenseType:
    """Set the items whose concluded (approved) cases produce `license_type` (licenses.issuing):
    exactly `items`, the others unlinked. Audited (the item codes before and after)."""
    license_type = LicenseType.objects.select_for_update().get(pk=license_type.pk)
    wanted = {item.pk: item for item in items}
    before = sorted(license_type.items.values_list("code", flat=True))
    license_type.items.set(list(wanted.values()))
    after = sorted(item.code for item in wanted.values())
    if before != after:
        audit_change(
            action="licenses.type_items",
            obj=license_type,
            before={"items": before},
            after={"items": after},
            actor=actor,
        )
    return license_type


@transaction.atomic
def license_type_link_item(
    *, license_type: LicenseType, item: Any, remove: bool = False, actor: Any = None
) -> LicenseType:
    """Link one item to `license_type` (its approved cases produce the licence), or unlink it
    with `remove`. Unlinking an item that is not linked is refused. Audited."""
    license_type = LicenseType.objects.select_for_update().get(pk=license_type.pk)
    linked = license_type.items.filter(pk=item.pk).exists()
    if remove and not linked:
        raise ValidationError(
            {"items": f"事项 {item.code} 未关联证照类型“{license_type.name}”，无需解除。"}
        )
    if linked == (not remove):
        return license_type  # already as asked: nothing changes
    before = sorted(license_type.items.values_list("code", flat=True))
    if remove:
        license_type.items.remove(item)
    else:
        license_type.items.add(item)
    audit_change(
        action="licenses.type_items",
        obj=license_type,
        before={"items": before},
        after={"items": sorted(license_type.items.values_list("code", flat=True))},
        actor=actor,
    )
    return license_type


def _guides_changed() -> None:
    # The guides (catalog.guides) show a licence-linked material as 免提交: their cached pages
    # belong to a catalogue generation, which a link changes like a catalogue edit.
    from yiwang.catalog import generation
    from yiwang.licenses.exemption import forget_linked_types

    forget_linked_types()
    if generation.current() is not None:
        generation.bump()


def _material_name(material_name: str) -> str:
    name = unicodedata.normalize("NFC", material_name or "").strip()
    if not name:
        raise ValidationError({"material_name": "请填写材料名称。"})
    PlainText("材料名称")(name)
    return name


@transaction.atomic
def license_material_link(
    *, license_type: LicenseType, material_name: str, actor: Any = None
) -> LicenseMaterial:
    """Link a material name (as the items' guides write it, stripped) to `license_type`: an
    applicant holding a valid licence of the type is not asked for it (免提交,
    licenses.exemption). The name must be a material of some item; a name linked to another
    type is refused (one name, one type). Linking it again to the same type changes nothing.
    Audited."""
    from yiwang.catalog.models import Material

    name = _material_name(material_name)
    existing = LicenseMaterial.objects.select_for_update().filter(material_name=name).first()
    if existing is not None:
        if existing.license_type_id == license_type.pk:
            return existing
        raise ValidationError(
            {
                "material_name": f"材料“{name}”已关联证照类型“{existing.license_type.name}”，"
                "请先解除后再关联。"
            }
        )
    if not Material.objects.filter(name=name).exists():
        raise ValidationError(
            {"material_name": f"没有事项的申请材料名为“{name}”，请核对材料名称。"}
        )
    link = LicenseMaterial(material_name=name, license_type=license_type)
    link.full_clean()
    link.save()
    _guides_changed()
    audit_change(
        action="licenses.material_link",
        obj=link,
        after={"material_name": name, "type": license_type.code},
        actor=actor,
    )
    return link


@transaction.atomic
def license_material_unlink(
    *, material_name: str, license_type: LicenseType | None = None, actor: Any = None
) -> None:
    """Unlink a material name (from `license_type`, when given): the material is asked for
    again. A name that is not linked (to that type) is refused. Audited."""
    name = _material_name(material_name)
    rows = LicenseMaterial.objects.select_for_update().filter(material_name=name)
    if license_type is not None:
        rows = rows.filter(license_type=license_type)
    link = rows.select_related("license_type").first()
    if link is None:
        where = f"证照类型“{license_type.name}”" if license_type is not None else "任何证照类型"
        raise ValidationError({"material_name": f"材料“{name}”未关联{where}，无需解除。"})
    audit_change(
        action="licenses.material_unlink",
        obj=link,
        before={"material_name": name, "type": link.license_type.code},
        actor=actor,
    )
    link.delete()
    _guides_changed()
