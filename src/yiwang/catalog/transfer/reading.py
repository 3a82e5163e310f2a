"""Reading an import's files (xlsx, CSV) into tables, and recognising each table by its headers."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext

from yiwang.catalog.transfer.report import ImportFileError, RowBudget, RowError
from yiwang.catalog.transfer.spec import (
    IGNORED_SHEETS,
    MAX_INFLATION,
    SHEETS,
    SheetSpec,
    import_max_bytes,
    normalize_header,
)
from yiwang.common import uploads
from yiwang.common.sheets import csv_unescape

# --- Reading files ---------------------------------------------------------------------------


@dataclass
class Table:
    """One sheet of a workbook, or one CSV file: its headers and non-empty rows."""

    source: str  # shown in error reports: “事项”表 / service_items.csv
    headers: list[str]
    rows: list[tuple[int, list[str]]]  # (row number as in Excel, cells)
    spec: SheetSpec | None = None
    index: dict[str, int] = field(default_factory=dict)  # column key → position


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Y" if value else "N"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def _table(
    source: str, records: Iterable[Sequence[Any]], budget: RowBudget, filename: str
) -> Table | None:
    header: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []
    for number, record in enumerate(records, start=1):
        cells = [_cell_text(v) for v in record]
        if header is None:
            header = cells
            continue
        if any(cells):
            budget.take(filename)
            rows.append((number, cells))
    if header is None or not any(header):
        return None
    while header and not header[-1]:
        header.pop()
    return Table(source=source, headers=header, rows=rows)


def _read_xlsx(filename: str, data: bytes, budget: RowBudget) -> list[Table]:
    # openpyxl parses through defusedxml when it is installed (a dependency): no entity bombs.
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # an uploaded file can break the parser in any way: never a traceback
        raise ImportFileError(
            gettext(
                "文件“%(name)s”不是有效的 Excel 工作簿（xlsx），"
                "请用 Excel 或 WPS 另存为 xlsx 后再导入。"
            )
            % {"name": filename}
        ) from None
    tables = []
    try:
        for sheet in workbook.worksheets:
            if normalize_header(sheet.title) in IGNORED_SHEETS:
                continue
            if hasattr(sheet, "reset_dimensions"):
                sheet.reset_dimensions()  # trust the cells, not the stored size
            table = _table(
                gettext("“%(sheet)s”表") % {"sheet": sheet.title},
                sheet.iter_rows(values_only=True),
                budget,
                filename,
            )
            if table is not None:
                tables.append(table)
    except ImportFileError:
        raise
    except Exception:
        raise ImportFileError(
            gettext("文件“%(name)s”的内容无法读取，请用 Excel 或 WPS 重新保存后再导入。")
            % {"name": filename}
        ) from None
    finally:
        workbook.close()
    if not tables:
        raise ImportFileError(no_data(filename))
    return tables


def _decode(filename: str, data: bytes) -> str:
    """CSV text: UTF-8 (with or without BOM), UTF-16 with BOM (Excel “Unicode 文本”), or
    GB18030 — what Chinese Excel writes by default."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encodings = ["utf-16"]
    else:
        encodings = ["utf-8-sig", "gb18030"]
    for encoding in encodings:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        # Binary files sometimes decode; real text has no control characters but tab and newline.
        if any(ord(ch) < 32 and ch not in "\t\r\n" for ch in text[:65536]):
            break
        return text
    raise ImportFileError(
        gettext("文件“%(name)s”既不是 xlsx 工作簿，也不是 UTF-8 或 GBK 编码的 CSV 文本，无法导入。")
        % {"name": filename}
    )


def _read_csv(filename: str, data: bytes, budget: RowBudget) -> list[Table]:
    text = _decode(filename, data)
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
    try:
        # Lazily, so the row cap stops the reading. A quote that an export put before
        # formula-like text (OWASP) is not part of the value.
        records = (
            [csv_unescape(cell) for cell in record]
            for record in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        )
        table = _table(filename, records, budget, filename)
    except csv.Error as exc:
        raise ImportFileError(
            gettext("文件“%(name)s”不是有效的 CSV（%(problem)s）。")
            % {"name": filename, "problem": exc}
        ) from None
    if table is None:
        raise ImportFileError(no_data(filename))
    return [table]


def read_tables(filename: str, data: bytes, budget: RowBudget | None = None) -> list[Table]:
    """The tables of an uploaded file, its type decided by content, not by extension:
    an xlsx is a zip holding ``[Content_Types].xml``; a CSV is decodable text. `budget` counts
    rows across the files of one import (a fresh one: the cap for this file alone)."""
    budget = budget or RowBudget()
    limit = import_max_bytes()
    if len(data) > limit:
        raise ImportFileError(
            gettext("文件“%(name)s”大小为 %(size)s，超过上限 %(limit)s，请拆分后分批导入。")
            % {"name": filename, "size": size_text(len(data)), "limit": size_text(limit)}
        )
    if not data.strip():
        raise ImportFileError(gettext("文件“%(name)s”是空的。") % {"name": filename})
    # The type comes from the one content sniffer (common.uploads), as for material files;
    # a workbook is checked whole (zip CRCs, bounded expansion) before openpyxl opens it.
    try:
        kind = uploads.sniff(data)
        if kind == "xlsx":
            uploads.inspect(data, max_expanded_bytes=limit * MAX_INFLATION)
    except uploads.UploadRejected as exc:
        if exc.code == "expanded":
            raise ImportFileError(
                gettext("文件“%(name)s”解压后过大，请拆分后分批导入。") % {"name": filename}
            ) from None
        raise ImportFileError(
            gettext("文件“%(name)s”%(reason)s，不是有效的 Excel 工作簿。")
            % {"name": filename, "reason": exc.reason}
        ) from None
    if kind == "xlsx":
        return _read_xlsx(filename, data, budget)
    if kind == "docx":
        raise ImportFileError(
            gettext("文件“%(name)s”是 Word 文档，不是 xlsx 工作簿。") % {"name": filename}
        )
    if kind == "zip":
        raise ImportFileError(
            gettext("文件“%(name)s”是 zip 压缩包，不是 xlsx 工作簿。") % {"name": filename}
        )
    if kind == "ole":
        raise ImportFileError(
            gettext("文件“%(name)s”是旧版 Excel（xls）格式，请另存为 xlsx 或 CSV 后再导入。")
            % {"name": filename}
        )
    return _read_csv(filename, data, budget)


def read_files(files: Sequence[tuple[str, bytes]]) -> tuple[list[Table], int]:
    """The tables of every file of one import and their number of data rows (at most the cap);
    ImportFileError for a file that cannot be read or rows beyond the cap."""
    budget = RowBudget()
    tables = [table for name, data in files for table in read_tables(name, data, budget)]
    return tables, budget.used


def no_data(filename: str) -> str:
    return gettext("文件“%(name)s”中没有数据：第 1 行应为表头。") % {"name": filename}


def size_text(n: int) -> str:
    """A byte count as people read it (2 KB, 5.0 MB)."""
    return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{n / 1024:.0f} KB"


def classify(table: Table, errors: list[RowError]) -> None:
    """Decide what the table holds from its headers and map each header to a column key."""
    lookups = {spec.kind: spec.lookup() for spec in SHEETS}
    normalized = [normalize_header(h) for h in table.headers]
    for spec in SHEETS:
        keys = {lookups[spec.kind][n].key for n in normalized if n in lookups[spec.kind]}
        if spec.signature <= keys:
            table.spec = spec
            break
    if table.spec is None:
        errors.append(
            RowError(
                table.source,
                1,
                gettext("表头"),
                # The headers are the file's format: named as they are in any language.
                gettext(
                    "无法识别这张表：事项表须有“%(item)s”列，申请材料表须有“%(material)s”列，"
                    "一件事表须有“%(bundle)s”和“%(stage)s”列。请对照导入模板。"
                )
                % {"item": "事项名称", "material": "材料名称", "bundle": "一件事", "stage": "阶段"},
            )
        )
        return
    lookup = lookups[table.spec.kind]
    seen: dict[str, str] = {}
    for position, (header, norm) in enumerate(zip(table.headers, normalized, strict=True)):
        if not header:
            if any(position < len(cells) and cells[position] for _, cells in table.rows):
                errors.append(
                    RowError(
                        table.source,
                        1,
                        gettext("第 %(n)s 列") % {"n": position + 1},
                        gettext("该列有数据但没有列名。"),
                    )
                )
            continue
        column = lookup.get(norm)
        if column is None:
            errors.append(
                RowError(
                    table.source,
                    1,
                    header,
                    gettext("无法识别的列名，请对照导入模板的“%(sheet)s”表修改。")
                    % {"sheet": "说明"},
                )
            )
            continue
        if column.key in seen:
            errors.append(
                RowError(
                    table.source,
                    1,
                    header,
                    gettext("与“%(other)s”列是同一项，只能保留一列。")
                    % {"other": seen[column.key]},
                )
            )
            continue
        seen[column.key] = header
        if not column.info:
            table.index[column.key] = position
    width = len(table.headers)
    for number, cells in table.rows:
        if any(cells[width:]):
            errors.append(
                RowError(
                    table.source,
                    number,
                    gettext("第 %(n)s 列以后") % {"n": width + 1},
                    gettext("有数据但没有列名。"),
                )
            )
            break
    for column in table.spec.columns:
        if column.required and column.key not in table.index:
            errors.append(
                RowError(
                    table.source,
                    1,
                    column.label,
                    gettext("缺少必填列“%(column)s”。") % {"column": column.label},
                )
            )
