"""Export of the service-item catalogue to xlsx, and the import template.

The export uses the import format (docs/catalog-import.md), so an exported workbook imports back
unchanged: sheets 事项 (one row per item: the published version's elements, materials joined),
申请材料 (one row per material with all its attributes), 办理流程, 特别程序, 一件事 (bundle,
stage, item) and 说明 (what every column means). Items without a published version are exported
with their latest version, marked in 版本状态; withdrawn items are left out.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Sequence
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from yiwang.catalog import selectors
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
from yiwang.catalog.transfer.importing import (
    BUNDLES,
    ITEMS,
    MATERIALS,
    PROCEDURES,
    SHEETS,
    STEPS,
    Column,
    SheetSpec,
    format_material,
)
from yiwang.common.sheets import append_row, text_cell
from yiwang.org.models import Department, User

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Alternatives the import accepts but the export and the template do not write.
_ALTERNATIVE_COLUMNS = frozenset({"instant", "online", "remarks"})
_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDE7F3")
# Sheets in the order a workbook shows them (SHEETS is the order tables are recognised in).
SHEETS_IN_ORDER: tuple[SheetSpec, ...] = (ITEMS, MATERIALS, STEPS, PROCEDURES, BUNDLES)
assert set(SHEETS_IN_ORDER) == set(SHEETS)


def _yn(value: bool) -> str:
    return "Y" if value else "N"


def _columns(spec: SheetSpec, *, with_info: bool) -> list[Column]:
    return [
        c for c in spec.columns if c.key not in _ALTERNATIVE_COLUMNS and (with_info or not c.info)
    ]


def _width(column: Column) -> float:
    return min(max(len(column.label) * 2.2 + 2, 10), 40)


def _write_sheet(
    workbook: Workbook, spec: SheetSpec, rows: Iterable[dict[str, Any]], *, with_info: bool
) -> None:
    """A write-only sheet: header row (bold, frozen), then one row per dict keyed by column."""
    columns = _columns(spec, with_info=with_info)
    sheet = workbook.create_sheet(spec.title)
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = _width(column)
    sheet.freeze_panes = "A2"
    header = []
    for column in columns:
        cell = text_cell(sheet, column.label)
        cell.font, cell.fill = _HEADER_FONT, _HEADER_FILL
        header.append(cell)
    sheet.append(header)
    for row in rows:
        # Catalogue text is data: “=…”, “+…”, “@…” are written as text, never as formulas.
        append_row(sheet, [row.get(column.key, "") for column in columns])


def _explanation_rows(specs: Sequence[SheetSpec]) -> list[list[str]]:
    rows = [["工作表", "列名", "必填", "说明", "可填写的值", "示例"]]
    for spec in specs:
        rows.append([spec.title, "", "", spec.help, "", ""])
        for column in spec.columns:
            names = "、".join(a for a in column.aliases if not a.isascii())
            note = column.help + (f"（也可写作：{names}）" if names else "")
            rows.append(
                [
                    "",
                    column.label,
                    "是" if column.required else "",
                    note,
                    column.allowed,
                    column.example,
                ]
            )
    rows.append([])
    rows.append(
        [
            "",
            "",
            "",
            "表头必须在第 1 行；列的顺序不限，不用的列可以删除（新事项须有法定时限、承诺时限、"
            "到现场次数）。文件中任何一行有错时整个文件都不导入，并列出每个错误的行号、列名和原因。"
            "重复导入同一文件不会产生任何改动。",
            "",
            "",
        ]
    )
    return rows


def _write_explanation(workbook: Workbook, specs: Sequence[SheetSpec]) -> None:
    sheet = workbook.create_sheet("说明")
    for letter, width in zip("ABCDEF", (12, 16, 6, 70, 40, 30), strict=True):
        sheet.column_dimensions[letter].width = width
    for values in _explanation_rows(specs):
        cells = []
        for value in values:
            cell = text_cell(sheet, value)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            if values and values[0] and not values[1]:
                cell.font = _HEADER_FONT
            cells.append(cell)
        sheet.append(cells)


def _to_bytes(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- Export ----------------------------------------------------------------------------------


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
        "materials", "steps", "special_procedures"
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
        "cross_province": _yn(v.cross_province),
        "in_province": _yn(v.in_province),
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
                }
            )
    return rows


def catalog_export(*, user: User | None = None, department: Department | None = None) -> bytes:
    """The catalogue (the user's data scope, optionally one department) as an xlsx workbook."""
    items = list(export_items(user=user, department=department))
    versions = _versions(items)
    pairs = [(item, versions[item.pk]) for item in items if item.pk in versions]
    workbook = Workbook(write_only=True)
    _write_sheet(workbook, ITEMS, (_item_row(i, v) for i, v in pairs), with_info=True)
    _write_sheet(workbook, MATERIALS, _material_rows(pairs), with_info=True)
    _write_sheet(workbook, STEPS, _step_rows(pairs), with_info=True)
    _write_sheet(workbook, PROCEDURES, _procedure_rows(pairs), with_info=True)
    names = {item.pk: (v.name, item.department.name) for item, v in pairs}
    _write_sheet(workbook, BUNDLES, _bundle_rows(names), with_info=True)
    _write_explanation(workbook, SHEETS_IN_ORDER)
    return _to_bytes(workbook)


def export_filename(department: Department | None = None) -> str:
    stamp = timezone.localdate().strftime("%Y%m%d")
    return f"事项目录-{department.name if department else '全部'}-{stamp}.xlsx"


# --- Template --------------------------------------------------------------------------------

TEMPLATE_FILENAME = "事项导入模板.xlsx"


def import_template() -> bytes:
    """The downloadable template: the items sheet with its header and one example row, the
    optional sheets with their headers, drop-down lists for the coded columns, and 说明."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for spec in SHEETS_IN_ORDER:
        columns = _columns(spec, with_info=False)
        sheet = workbook.create_sheet(spec.title)
        append_row(sheet, [c.label for c in columns])
        for index, column in enumerate(columns, start=1):
            cell = sheet.cell(row=1, column=index)
            cell.font, cell.fill = _HEADER_FONT, _HEADER_FILL
            sheet.column_dimensions[get_column_letter(index)].width = _width(column)
            if column.key in ("base_code", "code"):
                # Text, so Excel keeps a code's leading zeros.
                sheet.column_dimensions[get_column_letter(index)].number_format = "@"
            choices = _drop_down(column)
            if choices:
                letter = get_column_letter(index)
                validation = DataValidation(
                    type="list", formula1=f'"{",".join(choices)}"', allow_blank=True
                )
                validation.add(f"{letter}2:{letter}5000")
                sheet.add_data_validation(validation)
        sheet.freeze_panes = "A2"
        if spec is ITEMS:
            append_row(sheet, [c.example for c in columns])
    explanation = workbook.create_sheet("说明")
    for letter, width in zip("ABCDEF", (12, 16, 6, 70, 40, 30), strict=True):
        explanation.column_dimensions[letter].width = width
    for values in _explanation_rows(SHEETS_IN_ORDER):
        append_row(explanation, values)
        for cell in explanation[explanation.max_row]:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            if values and values[0] and not values[1]:
                cell.font = _HEADER_FONT
    return _to_bytes(workbook)


def _drop_down(column: Column) -> list[str]:
    if column.allowed.startswith("Y 或 N"):
        return ["Y", "N"]
    if column.key in (
        "item_type",
        "business_type",
        "handling_kind",
        "original_or_copy",
        "medium",
        "source",
    ):
        return column.allowed.split("、")
    return []
