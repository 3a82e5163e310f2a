"""The import template (事项导入模板): headers, one example row, drop-down lists and 说明."""

from __future__ import annotations

from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from yiwang.catalog.fields import (
    BodyNature,
    DeliveryMethod,
    ExerciseLevel,
    OnlineDepth,
    PowerSource,
    ResultType,
    ServiceObject,
    ServiceScope,
)
from yiwang.catalog.models import (
    BusinessType,
    HandlingKind,
    ItemType,
    MaterialSource,
    Medium,
    OriginalOrCopy,
)
from yiwang.catalog.transfer.spec import (
    ITEMS,
    Column,
)
from yiwang.catalog.transfer.workbook import (
    HEADER_FILL,
    HEADER_FONT,
    SHEETS_IN_ORDER,
    column_width,
    explanation_rows,
    sheet_columns,
    workbook_bytes,
)
from yiwang.common.sheets import append_row

TEMPLATE_FILENAME = "事项导入模板.xlsx"


def import_template() -> bytes:
    """The downloadable template: the items sheet with its header and one example row, the
    optional sheets with their headers, drop-down lists for the coded columns, and 说明."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for spec in SHEETS_IN_ORDER:
        columns = sheet_columns(spec, with_info=False)
        sheet = workbook.create_sheet(spec.title)
        append_row(sheet, [c.label for c in columns])
        for index, column in enumerate(columns, start=1):
            cell = sheet.cell(row=1, column=index)
            cell.font, cell.fill = HEADER_FONT, HEADER_FILL
            sheet.column_dimensions[get_column_letter(index)].width = column_width(column)
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
    for values in explanation_rows(SHEETS_IN_ORDER):
        append_row(explanation, values)
        for cell in explanation[explanation.max_row]:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            if values and values[0] and not values[1]:
                cell.font = HEADER_FONT
    return workbook_bytes(workbook)


# Coded columns offered as drop-down lists (labels as the import reads them). A list column
# (服务对象, 结果送达方式) offers its single values; several may still be typed, “、”-separated.
_DROP_DOWNS: dict[str, Any] = {
    "item_type": ItemType,
    "business_type": BusinessType,
    "handling_kind": HandlingKind,
    "original_or_copy": OriginalOrCopy,
    "medium": Medium,
    "source": MaterialSource,
    "online_depth": OnlineDepth,
    "service_scope": ServiceScope,
    "service_objects": ServiceObject,
    "exercise_level": ExerciseLevel,
    "body_nature": BodyNature,
    "power_source": PowerSource,
    "result_type": ResultType,
    "delivery_methods": DeliveryMethod,
}


def _drop_down(column: Column) -> list[str]:
    if column.allowed.startswith("Y 或 N"):
        return ["Y", "N"]
    choices = _DROP_DOWNS.get(column.key)
    return [str(label) for label in choices.labels] if choices is not None else []
