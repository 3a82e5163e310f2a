"""Reading an import's files (xlsx, CSV) into tables, and recognising each table by its headers."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

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
            f"文件“{filename}”不是有效的 Excel 工作簿（xlsx），"
            "请用 Excel 或 WPS 另存为 xlsx 后再导入。"
        ) from None
    tables = []
    try:
        for sheet in workbook.worksheets:
            if normalize_header(sheet.title) in IGNORED_SHEETS:
                continue
            if hasattr(sheet, "reset_dimensions"):
                sheet.reset_dimensions()  # trust the cells, not the stored size
            table = _table(
                f"“{sheet.title}”表", sheet.iter_rows(values_only=True), budget, filename
            )
            if table is not None:
                tables.append(table)
    except ImportFileError:
        raise
    except Exception:
        raise ImportFileError(
            f"文件“{filename}”的内容无法读取，请用 Excel 或 WPS 重新保存后再导入。"
        ) from None
    finally:
        workbook.close()
    if not tables:
        raise ImportFileError(f"文件“{filename}”中没有数据：第 1 行应为表头。")
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
        f"文件“{filename}”既不是 xlsx 工作簿，也不是 UTF-8 或 GBK 编码的 CSV 文本，无法导入。"
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
        raise ImportFileError(f"文件“{filename}”不是有效的 CSV（{exc}）。") from None
    if table is None:
        raise ImportFileError(f"文件“{filename}”中没有数据：第 1 行应为表头。")
    return [table]


def read_tables(filename: str, data: bytes, budget: RowBudget | None = None) -> list[Table]:
    """The tables of an uploaded file, its type decided by content, not by extension:
    an xlsx is a zip holding ``[Content_Types].xml``; a CSV is decodable text. `budget` counts
    rows across the files of one import (a fresh one: the cap for this file alone)."""
    budget = budget or RowBudget()
    limit = import_max_bytes()
    if len(data) > limit:
        raise ImportFileError(
            f"文件“{filename}”大小为 {size_text(len(data))}，超过上限 {size_text(limit)}，"
            "请拆分后分批导入。"
        )
    if not data.strip():
        raise ImportFileError(f"文件“{filename}”是空的。")
    # The type comes from the one content sniffer (common.uploads), as for material files;
    # a workbook is checked whole (zip CRCs, bounded expansion) before openpyxl opens it.
    try:
        kind = uploads.sniff(data)
        if kind == "xlsx":
            uploads.inspect(data, max_expanded_bytes=limit * MAX_INFLATION)
    except uploads.UploadRejected as exc:
        if exc.code == "expanded":
            raise ImportFileError(f"文件“{filename}”解压后过大，请拆分后分批导入。") from None
        raise ImportFileError(f"文件“{filename}”{exc.reason}，不是有效的 Excel 工作簿。") from None
    if kind == "xlsx":
        return _read_xlsx(filename, data, budget)
    if kind == "docx":
        raise ImportFileError(f"文件“{filename}”是 Word 文档，不是 xlsx 工作簿。")
    if kind == "zip":
        raise ImportFileError(f"文件“{filename}”是 zip 压缩包，不是 xlsx 工作簿。")
    if kind == "ole":
        raise ImportFileError(
            f"文件“{filename}”是旧版 Excel（xls）格式，请另存为 xlsx 或 CSV 后再导入。"
        )
    return _read_csv(filename, data, budget)


def read_files(files: Sequence[tuple[str, bytes]]) -> tuple[list[Table], int]:
    """The tables of every file of one import and their number of data rows (at most the cap);
    ImportFileError for a file that cannot be read or rows beyond the cap."""
    budget = RowBudget()
    tables = [table for name, data in files for table in read_tables(name, data, budget)]
    return tables, budget.used


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
                "表头",
                "无法识别这张表：事项表须有“事项名称”列，申请材料表须有“材料名称”列，"
                "一件事表须有“一件事”和“阶段”列。请对照导入模板。",
            )
        )
        return
    lookup = lookups[table.spec.kind]
    seen: dict[str, str] = {}
    for position, (header, norm) in enumerate(zip(table.headers, normalized, strict=True)):
        if not header:
            if any(position < len(cells) and cells[position] for _, cells in table.rows):
                errors.append(
                    RowError(table.source, 1, f"第 {position + 1} 列", "该列有数据但没有列名。")
                )
            continue
        column = lookup.get(norm)
        if column is None:
            errors.append(
                RowError(table.source, 1, header, "无法识别的列名，请对照导入模板的“说明”表修改。")
            )
            continue
        if column.key in seen:
            errors.append(
                RowError(
                    table.source, 1, header, f"与“{seen[column.key]}”列是同一项，只能保留一列。"
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
                RowError(table.source, number, f"第 {width + 1} 列以后", "有数据但没有列名。")
            )
            break
    for column in table.spec.columns:
        if column.required and column.key not in table.index:
            errors.append(RowError(table.source, 1, column.label, f"缺少必填列“{column.label}”。"))
