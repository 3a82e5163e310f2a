"""The guide-quality report as an xlsx workbook (deviations and findings, formula-safe)."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from yiwang.catalog.quality.checks import Deviation, Finding

# --- Export -----------------------------------------------------------------------------------

DEVIATION_HEADERS = [
    "实施部门",
    "实施编码",
    "事项名称",
    "版本",
    "基本目录编码",
    "基本目录名称",
    "要素",
    "基本目录（应为）",
    "实施清单（实为）",
    "链接",
]
FINDING_HEADERS = [
    "实施部门",
    "实施编码",
    "事项名称",
    "版本",
    "检查项",
    "检查编码",
    "严重程度",
    "问题说明",
    "链接",
]


def report_workbook(
    deviations: list[Deviation],
    findings: list[Finding],
    *,
    absolute: Callable[[str], str] = lambda url: url,
) -> bytes:
    """The two reports as an xlsx workbook: sheet “全省一单” and sheet “指南质量问题”."""
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    from yiwang.common.sheets import append_row

    workbook = Workbook()
    consistency = workbook.active
    assert consistency is not None
    consistency.title = "全省一单"
    quality = workbook.create_sheet("指南质量问题")
    rows_by_sheet: list[tuple[Any, list[str], list[list[object]], list[int]]] = [
        (
            consistency,
            DEVIATION_HEADERS,
            [
                [
                    d.item.department_name,
                    d.item.code,
                    d.item.name,
                    d.item.version_label,
                    d.item.base_code,
                    d.item.base_name,
                    d.element_label,
                    d.expected,
                    d.actual,
                    absolute(d.item.url),
                ]
                for d in deviations
            ],
            [18, 36, 28, 16, 16, 28, 14, 36, 36, 40],
        ),
        (
            quality,
            FINDING_HEADERS,
            [
                [
                    f.item.department_name,
                    f.item.code,
                    f.item.name,
                    f.item.version_label,
                    str(f.check.label),
                    f.check.code,
                    f.check.severity_label,
                    f.message,
                    absolute(f.item.url),
                ]
                for f in findings
            ],
            [18, 36, 28, 16, 22, 28, 10, 60, 40],
        ),
    ]
    for sheet, headers, rows, widths in rows_by_sheet:
        append_row(sheet, headers)
        for row in rows:
            # Text from the catalogue is data, never a formula (“=…”, “+…”, “@…” stay text).
            append_row(sheet, row)
        for index, width in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = width
        sheet.freeze_panes = "A2"
        sheet.auto_filter.ref = sheet.dimensions
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
