"""Export of the service-item catalogue to xlsx.

The export uses the import format (docs/catalog-import.md), so an exported workbook imports back
unchanged: sheets 事项 (one row per item: the published version's elements, materials joined),
申请材料 (one row per material with all its attributes), 办理流程, 特别程序, 一件事 (bundle,
stage, item; the bundle's lead department, summary and 生活场景 on each of its rows) and 说明
(what every column means). Items without a published version are exported
with their latest version, marked in 版本状态; withdrawn items are left out.
"""

from __future__ import annotations

import json
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from openpyxl import Workbook

from yiwang.catalog import selectors
from yiwang.catalog.fields import (
    BodyNature,
    ExerciseLevel,
    OnlineDepth,
    PowerSource,
    ResultType,
    ServiceScope,
)
from yiwang.catalog.models import (
    Bundle,
    BundleStatus,
    BusinessType,
    HandlingKind,
    ItemStatus,
    ItemType,
    ServiceItem,
    ServiceItemVersion,
)
from yiwang.catalog.transfer.spec import (
    BUNDLES,
    INTERMEDIARIES,
    ITEMS,
    MATERIALS,
    PROCEDURES,
    STEPS,
    format_material,
)
from yiwang.catalog.transfer.workbook import (
    SHEETS_IN_ORDER,
    workbook_bytes,
    write_explanation,
    write_sheet,
)
from yiwang.org.models import Department, User


def _yn(value: bool) -> str:
    return "Y" if value else "N"


def _label(choices: Any, value: Any) -> str:
    """A choice's label, blank for a blank (not yet stated) element."""
    return str(choices(value).label) if value not in ("", None) else ""


def export_items(
    *, user: User | None = None, department: Department | None = None
) -> QuerySet[ServiceItem]:
    """Items an export covers: the user's data scope (everything for the system), optionally
    one department, withdrawn items left out."""
    qs = (
        selectors.item_list_for(user=user)
        if user is not None
        else ServiceItem.objects.select_related("published_version", "department", "base")
    )
    if department is not None:
        qs = qs.filter(department=department)
    return qs.exclude(status=ItemStatus.WITHDRAWN).order_by(
        "department__region__code", "department__name", "code"
    )


def _versions(items: list[ServiceItem]) -> dict[int, ServiceItemVersion]:
    """Each item's published version, or its latest one if it was never published."""
    wanted = {i.published_version_id for i in items if i.published_version_id}
    unpublished = [i.pk for i in items if not i.published_version_id]
    if unpublished:
        latest = dict(
            ServiceItemVersion.objects.filter(item__in=unpublished)
            .order_by("item_id", "number")
            .values_list("item_id", "pk")
        )
        wanted |= set(latest.values())
    versions = ServiceItemVersion.objects.filter(pk__in=wanted).prefetch_related(
        "materials", "steps", "special_procedures", "intermediaries"
    )
    return {v.item_id: v for v in versions}


def _item_row(item: ServiceItem, v: ServiceItemVersion) -> dict[str, Any]:
    return {
        "item_code": item.code,
        "department": item.department.name,
        "name": v.name,
        "base_code": item.base.code,
        "item_type": ItemType(v.item_type).label,
        "business_type": BusinessType(item.business_type).label,
        "competent_department": v.competent_department,
        "implementing_body": v.implementing_body,
        "legal_basis": v.legal_basis,
        "conditions": v.conditions,
        "location": v.location,
        "hours": v.hours,
        "legal_limit": v.legal_limit,
        "promised_limit": v.promised_limit,
        "handling_kind": HandlingKind(v.handling_kind).label,
        "visits": v.visits,
        "handling_forms": "、".join(v.handling_form_labels),
        "fully_online": _yn(v.fully_online),
        "online_depth": _label(OnlineDepth, v.online_depth),
        "service_scope": _label(ServiceScope, v.service_scope),
        "service_objects": "、".join(v.service_object_labels),
        "exercise_level": _label(ExerciseLevel, v.exercise_level),
        "body_nature": _label(BodyNature, v.body_nature),
        "entrusting_department": v.entrusting_department,
        "joint_bodies": v.joint_bodies,
        "power_source": _label(PowerSource, v.power_source),
        "quantity_limit": v.quantity_limit,
        "situations": v.situations,
        "result_type": _label(ResultType, v.result_type),
        "result_name": v.result_name,
        "delivery_methods": "、".join(v.delivery_method_labels),
        "online_payment": _yn(v.online_payment),
        "express_delivery": _yn(v.express_delivery),
        "appointment": _yn(v.appointment),
        "in_hall": _yn(v.in_hall),
        "commitment_based": _yn(v.commitment_based),
        "self_service_24h": _yn(v.self_service_24h),
        "has_fee": _yn(v.has_fee),
        "fee_standard": v.fee_standard,
        "fee_basis": v.fee_basis,
        "faq": v.faq,
        "consult_phone": v.consult_phone,
        "complaint_channel": v.complaint_channel,
        "materials": "；".join(format_material(m) for m in v.materials.all()),
        "form_fields": json.dumps(v.form_fields, ensure_ascii=False) if v.form_fields else "",
        "version": v.number,
        "version_status": v.get_status_display(),
        "status": item.get_status_display(),
    }


def _key(item: ServiceItem, v: ServiceItemVersion) -> dict[str, Any]:
    return {
        "item_code": item.code,
        "department": item.department.name,
        "name": v.name,
        "business_type": BusinessType(item.business_type).label,
    }


def _material_rows(pairs: list[tuple[ServiceItem, ServiceItemVersion]]) -> list[dict[str, Any]]:
    return [
        {
            **_key(item, v),
            "order": m.order,
            "material": m.name,
            "original_or_copy": m.get_original_or_copy_display(),
            "count": m.count,
            "medium": m.get_medium_display(),
            "source": m.get_source_display(),
            "issuing_body": m.issuing_body,
            "required": _yn(m.required),
            "deferrable": _yn(m.deferrable),
            "exempt": _yn(m.exempt),
            "notes": m.notes,
        }
        for item, v in pairs
        for m in v.materials.all()
    ]


def _step_rows(pairs: list[tuple[ServiceItem, ServiceItemVersion]]) -> list[dict[str, Any]]:
    return [
        {
            **_key(item, v),
            "order": s.order,
            "step": s.name,
            "role": s.role,
            "limit_days": s.limit_days,
        }
        for item, v in pairs
        for s in v.steps.all()
    ]


def _procedure_rows(pairs: list[tuple[ServiceItem, ServiceItemVersion]]) -> list[dict[str, Any]]:
    return [
        {
            **_key(item, v),
            "procedure": p.name,
            "limit_days": p.limit_days,
            "legal_basis": p.legal_basis,
            "counted_in_limit": _yn(p.counted_in_limit),
        }
        for item, v in pairs
        for p in v.special_procedures.all()
    ]


def _intermediary_rows(
    pairs: list[tuple[ServiceItem, ServiceItemVersion]],
) -> list[dict[str, Any]]:
    return [
        {
            **_key(item, v),
            "order": i.order,
            "intermediary": i.name,
            "required": _yn(i.required),
            "charged": _yn(i.charged),
            "fee_basis": i.fee_basis,
        }
        for item, v in pairs
        for i in v.intermediaries.all()
    ]


def _bundle_rows(names: dict[int, tuple[str, str]]) -> list[dict[str, Any]]:
    """Bundles whose every item is in the export (a department's export leaves out bundles
    that would name items the file does not hold)."""
    rows = []
    bundles = (
        Bundle.objects.exclude(status=BundleStatus.WITHDRAWN)
        .select_related("lead_department")
        .prefetch_related("stages__entries")
        .order_by("code")
    )
    for bundle in bundles:
        entries = [(s.order, e) for s in bundle.stages.all() for e in s.entries.all()]
        if not entries or any(e.item_id not in names for _, e in entries):
            continue
        for order, entry in entries:
            name, department = names[entry.item_id]
            rows.append(
                {
                    "code": bundle.code,
                    "bundle": bundle.name,
                    "stage": order,
                    "item": name,
                    "department": department,
                    "lead_department": bundle.lead_department.name,
                    "summary": bundle.summary,
                    "situations": bundle.situations,
                }
            )
    return rows


def catalog_export(*, user: User | None = None, department: Department | None = None) -> bytes:
    """The catalogue (the user's data scope, optionally one department) as an xlsx workbook."""
    items = list(export_items(user=user, department=department))
    versions = _versions(items)
    pairs = [(item, versions[item.pk]) for item in items if item.pk in versions]
    workbook = Workbook(write_only=True)
    write_sheet(workbook, ITEMS, (_item_row(i, v) for i, v in pairs), with_info=True)
    write_sheet(workbook, MATERIALS, _material_rows(pairs), with_info=True)
    write_sheet(workbook, STEPS, _step_rows(pairs), with_info=True)
    write_sheet(workbook, PROCEDURES, _procedure_rows(pairs), with_info=True)
    write_sheet(workbook, INTERMEDIARIES, _intermediary_rows(pairs), with_info=True)
    names = {item.pk: (v.name, item.department.name) for item, v in pairs}
    write_sheet(workbook, BUNDLES, _bundle_rows(names), with_info=True)
    write_explanation(workbook, SHEETS_IN_ORDER)
    return workbook_bytes(workbook)


def export_filename(department: Department | None = None) -> str:
    stamp = timezone.localdate().strftime("%Y%m%d")
    return f"事项目录-{department.name if department else '全部'}-{stamp}.xlsx"


# --- Template --------------------------------------------------------------------------------
