"""The catalogue workbook's layout, shared by the export and the import template: sheets in
order, header style, column widths and the 说明 sheet."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from yiwang.catalog.transfer.spec import (
    BUNDLES,
    INTERMEDIARIES,
    ITEMS,
    MATERIALS,
    PROCEDURES,
    SHEETS,
    STEPS,
    Column,
    SheetSpec,
)
from yiwang.common.sheets import append_row, text_cell

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Alternatives the import accepts but the export and the template do not write.
ALTERNATIVE_COLUMNS = frozenset({"instant", "online", "remarks"})
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDE7F3")
# Sheets in the order a workbook shows them (SHEETS is the order tables are recognised in).
SHEETS_IN_ORDER: tuple[SheetSpec, ...] = (
    ITEMS,
    MATERIALS,
    STEPS,
    PROCEDURES,
    INTERMEDIARIES,
    BUNDLES,
)
assert set(SHEETS_IN_ORDER) == set(SHEETS)


def sheet_columns(spec: SheetSpec, *, with_info: bool) -> list[Column]:
    return [
        c
        for c in spec.columns
        if c.key not in ALTERNATIVE_COLUMNS and not c.legacy and (with_info or not c.info)
    ]


def column_width(column: Column) -> float:
    return min(max(len(column.label) * 2.2 + 2, 10), 40)


def write_sheet(
    workbook: Workbook, spec: SheetSpec, rows: Iterable[dict[str, Any]], *, with_info: bool
) -> None:
    """A write-only sheet: header row (bold, frozen), then one row per dict keyed by column."""
    columns = sheet_columns(spec, with_info=with_info)
    sheet = workbook.create_sheet(spec.title)
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column_width(column)
    sheet.freeze_panes = "A2"
    header = []
    for column in columns:
        cell = text_cell(sheet, column.label)
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        header.append(cell)
    sheet.append(header)
    for row in rows:
        # Catalogue text is data: “=…”, “+…”, “@…” are written as text, never as formulas.
        append_row(sheet, [row.get(column.key, "") for column in columns])


def explanation_rows(specs: Sequence[SheetSpec]) -> list[list[str]]:
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


def write_explanation(workbook: Workbook, specs: Sequence[SheetSpec]) -> None:
    sheet = workbook.create_sheet("说明")
    for letter, width in zip("ABCDEF", (12, 16, 6, 70, 40, 30), strict=True):
        sheet.column_dimensions[letter].width = width
    for values in explanation_rows(specs):
        cells = []
        for value in values:
            cell = text_cell(sheet, value)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            if values and values[0] and not values[1]:
                cell.font = HEADER_FONT
            cells.append(cell)
        sheet.append(cells)


def workbook_bytes(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- Export ----------------------------------------------------------------------------------
