"""Import of the service-item catalogue from xlsx and CSV files (事项批量导入).

A file is read in full (at most YIWANG_IMPORT_MAX_ROWS rows) and every row validated, outside any
transaction, before anything is written. A file with any invalid row imports nothing and yields a
per-row error report: the row as Excel numbers it (the header is row 1), the column as named in the
file, and a message in Chinese. Only a clean file is written, in one short transaction of bulk
statements that leave what the catalogue services would (item codes, versions, copied children,
review states, adjustment-log entries), with one ``catalog.import`` audit event naming every item.
The workbench runs imports as ImportJobs in the task worker; the command runs them inline.

Re-importing the same file changes nothing. Each row is compared with the item's current version
(its open draft if it has one, else its published version):
- identical elements: the row is skipped (unchanged);
- different elements: a published item gets a new draft version (version_start_revision, then
  version_update); an open draft is edited in place (updated);
- no such item: the base item is found or created and the department claims it (created).
Columns absent from the file leave those elements as they are.

With ``publish`` (bureau reviewers only) every imported draft is submitted, approved and
published at once; otherwise items land as drafts for their department to submit.

The format — sheets (or CSV files) of items, materials, process steps, special procedures and
bundles, recognised by their headers through the alias tables below — is documented in
docs/catalog-import.md. The demo county's own CSV headers (shared/data/service_items.csv,
bundles.csv) are aliases, so those files import as they are.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import logging
import re
import time
import unicodedata
import uuid
import zipfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, connection, models, transaction
from django.db.models import Case, F, OuterRef, QuerySet, Subquery, Value, When
from django.utils import timezone

from yiwang.audit.services import audit_change, audit_operation
from yiwang.catalog import services, workflow
from yiwang.catalog.models import (
    AdjustmentLog,
    BaseItem,
    Bundle,
    BundleStatus,
    BusinessType,
    HandlingForm,
    HandlingKind,
    ImportJob,
    ImportJobStatus,
    ItemStatus,
    ItemType,
    Material,
    MaterialSource,
    Medium,
    OriginalOrCopy,
    ProcessStep,
    ServiceItem,
    ServiceItemVersion,
    SpecialProcedure,
    VersionStatus,
)
from yiwang.common import uploads
from yiwang.common.sheets import csv_unescape
from yiwang.org import selectors as org_selectors
from yiwang.org.models import Department, User

DEFAULT_MAX_BYTES = 5 * 1024 * 1024
DEFAULT_MAX_ROWS = 20_000
# An xlsx is a zip: refuse archives that would inflate far beyond the upload limit.
MAX_INFLATION = 20
# A new base item needs a legal basis; this placeholder is what the demo county uses until the
# provincial base catalogue supplies the text.
DEFAULT_LEGAL_BASIS = "以省级政务服务事项基本目录公布的设定和实施依据为准"
# Locally generated base codes start with this, so they are easy to find and replace once the
# province assigns the real code.
GENERATED_CODE_PREFIX = "ZZ"
BUNDLE_CODE_PREFIX = "YJS"
IGNORED_SHEETS = frozenset({"说明", "填写说明", "readme"})


def import_max_bytes() -> int:
    """Largest file accepted (setting YIWANG_IMPORT_MAX_BYTES, default 5 MiB)."""
    return int(getattr(settings, "YIWANG_IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES))


def import_max_rows() -> int:
    """Most data rows one import may hold, every file and sheet together (setting
    YIWANG_IMPORT_MAX_ROWS, default 20,000). Reading stops at the first row beyond it."""
    return int(getattr(settings, "YIWANG_IMPORT_MAX_ROWS", DEFAULT_MAX_ROWS))


# --- The format: sheets, columns and their aliases ------------------------------------------

YES_NO = "Y 或 N（也可填 是/否），空白视为 N"


@dataclass(frozen=True)
class Column:
    """One column of an import sheet: internal key, header used in templates and exports,
    other accepted headers, and the explanation printed in the template's 说明 sheet."""

    key: str
    label: str
    aliases: tuple[str, ...] = ()
    help: str = ""
    allowed: str = ""
    example: str = ""
    required: bool = False
    info: bool = False  # exported for reference, ignored on import


@dataclass(frozen=True)
class SheetSpec:
    kind: str
    title: str
    columns: tuple[Column, ...]
    signature: frozenset[str]  # keys whose presence identifies a table of this kind
    help: str = ""

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)

    def lookup(self) -> dict[str, Column]:
        table: dict[str, Column] = {}
        for column in self.columns:
            for name in (column.label, column.key, *column.aliases):
                table[normalize_header(name)] = column
        return table


def _labels(choices: Any) -> str:
    return "、".join(str(label) for label in choices.labels)


_ITEM_KEY_COLUMNS = (
    Column(
        "department",
        "实施部门",
        ("department", "部门"),
        "部门全称，须是系统中已登记的部门。",
        example="县市场监督管理局",
        required=True,
    ),
    Column(
        "name",
        "事项名称",
        ("name", "办理项名称", "业务办理项名称"),
        "办理项的名称（群众申请的那一项）。",
        example="食品经营许可（新办）",
        required=True,
    ),
    Column(
        "business_type",
        "业务办理项类型",
        ("business_type", "办理项类型"),
        "空白视为“新设”。",
        _labels(BusinessType),
        example="新设",
    ),
)

ITEMS = SheetSpec(
    kind="items",
    title="事项",
    help="每行一个办理项。同一实施部门、同一事项、同一业务办理项类型只能出现一次。",
    signature=frozenset({"name"}),
    columns=(
        Column(
            "item_code", "实施编码", ("code", "item_code"), "导出时附带，导入时忽略。", info=True
        ),
        _ITEM_KEY_COLUMNS[0],
        _ITEM_KEY_COLUMNS[1],
        Column(
            "base_code",
            "基本编码",
            ("base_code", "事项编码", "基本目录编码"),
            "省级基本目录编码。空白时沿用同名、同类型的基本目录事项；没有则按名称和类型生成以"
            f"“{GENERATED_CODE_PREFIX}”开头的临时编码。请把该列设为文本格式，以免丢失开头的 0。",
            example="000103001000",
        ),
        Column(
            "item_type",
            "事项类型",
            ("item_type", "type"),
            "",
            _labels(ItemType),
            example="行政许可",
            required=True,
        ),
        _ITEM_KEY_COLUMNS[2],
        Column(
            "competent_department",
            "主管部门",
            ("competent_department",),
            "空白时取基本目录的主管部门（新建基本目录事项时取实施部门）。",
            example="市场监督管理部门",
        ),
        Column(
            "implementing_body",
            "实施机关",
            ("implementing_body",),
            "空白时取基本目录的实施机关（新建时取实施部门）。",
            example="县市场监督管理局",
        ),
        Column(
            "legal_basis",
            "设定依据",
            ("legal_basis", "设定和实施依据", "实施依据"),
            f"空白时取基本目录的依据（新建时为“{DEFAULT_LEGAL_BASIS}”）。",
            example="《中华人民共和国食品安全法》第三十五条",
        ),
        Column("conditions", "受理条件", ("conditions", "申请条件"), example="持有营业执照"),
        Column("location", "办理地点", ("location",), example="示范县政务服务中心 7 号窗口"),
        Column("hours", "办理时间", ("hours",), example="工作日 8:30-12:00，14:30-17:30"),
        Column(
            "legal_limit",
            "法定时限",
            ("legal_days", "legal_limit", "法定办结时限"),
            "工作日数。新事项必填；0 表示无法定时限。",
            "不小于 0 的整数",
            example="20",
        ),
        Column(
            "promised_limit",
            "承诺时限",
            ("promised_days", "promised_limit", "承诺办结时限"),
            "工作日数，不得超过法定时限；即办件为 0（可留空）。",
            "不小于 0 的整数",
            example="10",
        ),
        Column(
            "handling_kind",
            "办件类型",
            ("handling_kind",),
            "也可改用“即办”列（Y/N）。",
            _labels(HandlingKind),
            example="承诺件",
        ),
        Column("instant", "即办", ("instant", "是否即办"), "Y 为即办件。", YES_NO),
        Column(
            "visits",
            "到现场次数",
            ("onsite_visits", "visits", "到办事现场次数", "跑动次数"),
            "新事项必填。",
            "不小于 0 的整数",
            example="1",
        ),
        Column(
            "handling_forms",
            "办理形式",
            ("handling_forms",),
            "可填多个，用“、”分隔。",
            _labels(HandlingForm),
            example="窗口办理、网上办理",
        ),
        Column(
            "online",
            "网办",
            ("online", "网办深度", "网上办理深度"),
            "网上办理的深度：全程网办（同时设全程网办为 Y），网上预审（办理形式含网上办理），"
            "窗口办理（不能网上办理）。可代替“办理形式”和“全程网办”两列。",
            "全程网办、网上预审、窗口办理",
        ),
        Column("fully_online", "全程网办", ("fully_online",), allowed=YES_NO, example="N"),
        Column("cross_province", "跨省通办", ("cross_province",), allowed=YES_NO, example="N"),
        Column("in_province", "省内通办", ("in_province",), allowed=YES_NO, example="Y"),
        Column(
            "commitment_based",
            "告知承诺",
            ("commitment_based", "告知承诺制"),
            allowed=YES_NO,
            example="N",
        ),
        Column(
            "self_service_24h",
            "7×24自助",
            ("self_service_24h", "7x24自助", "7*24自助"),
            allowed=YES_NO,
            example="N",
        ),
        Column("has_fee", "是否收费", ("has_fee", "收费"), allowed=YES_NO, example="N"),
        Column("fee_standard", "收费标准", ("fee_standard",)),
        Column("fee_basis", "收费依据", ("fee_basis",)),
        Column("faq", "常见问题", ("faq",)),
        Column("consult_phone", "咨询方式", ("consult_phone", "咨询电话"), example="0550-12345"),
        Column(
            "complaint_channel",
            "监督投诉方式",
            ("complaint_channel", "投诉方式", "监督投诉电话"),
            example="12345 政务服务便民热线",
        ),
        Column(
            "materials",
            "申请材料",
            ("materials",),
            "多个材料用“；”分隔；每个材料可在括号里写属性，如“营业执照（复印件，1份）”，可写："
            "原件/复印件/原件和复印件、N份、纸质/电子、申请人自备/政府部门核发、必要/非必要、"
            "容缺、免提交。只写名称时，已有同名材料的其他属性保持不变。"
            "“申请材料”表里列出了的事项以该表为准。",
            example="食品经营许可申请书（原件，1份）；营业执照（复印件，1份）",
        ),
        Column(
            "form_fields",
            "申请表字段",
            ("form_fields",),
            "技术字段：申请表的字段，JSON 数组，如 "
            '[{"key": "entity_name", "label": "单位名称", "type": "text"}]。可留空。',
        ),
        Column("version", "版本号", ("version",), "导出时附带，导入时忽略。", info=True),
        Column(
            "version_status", "版本状态", ("version_status",), "导出时附带，导入时忽略。", info=True
        ),
        Column("status", "事项状态", ("status",), "导出时附带，导入时忽略。", info=True),
        Column("remarks", "备注", ("remarks", "notes"), "任意说明，导入时忽略。", info=True),
    ),
)

_CHILD_HELP = "按“实施部门 + 事项名称 + 业务办理项类型”对应“事项”表中的行。"

MATERIALS = SheetSpec(
    kind="materials",
    title="申请材料",
    help="每行一个申请材料（可选）。" + _CHILD_HELP + "某事项在本表有材料时，以本表为准。",
    signature=frozenset({"material"}),
    columns=(
        Column(
            "item_code", "实施编码", ("code", "item_code"), "导出时附带，导入时忽略。", info=True
        ),
        *_ITEM_KEY_COLUMNS,
        Column("order", "序号", ("order",), "材料顺序；空白按行的顺序。", "正整数"),
        Column(
            "material",
            "材料名称",
            ("material",),
            "具体写明材料，不用“其他材料”“相关材料”等笼统说法。",
            example="营业执照",
            required=True,
        ),
        Column(
            "original_or_copy",
            "原件/复印件",
            ("original_or_copy", "原件或复印件", "材料类型"),
            "空白为原件。",
            _labels(OriginalOrCopy),
            example="复印件",
        ),
        Column("count", "份数", ("count",), "空白为 1。", "正整数", example="1"),
        Column(
            "medium", "材料形式", ("medium",), "空白为纸质或电子。", _labels(Medium), example="纸质"
        ),
        Column(
            "source",
            "来源渠道",
            ("source", "来源"),
            "空白为申请人自备。",
            _labels(MaterialSource),
            example="政府部门核发",
        ),
        Column("issuing_body", "出具单位", ("issuing_body",), example="市场监督管理部门"),
        Column(
            "required",
            "必要材料",
            ("required", "是否必要"),
            "",
            "Y 或 N（也可填 是/否），空白视为 Y",
        ),
        Column("deferrable", "可容缺", ("deferrable", "容缺"), allowed=YES_NO),
        Column("exempt", "免提交", ("exempt",), "可通过共享或电子证照获取。", YES_NO),
        Column("notes", "填报须知", ("notes", "备注")),
    ),
)

STEPS = SheetSpec(
    kind="steps",
    title="办理流程",
    help="每行一个办理环节（可选）。" + _CHILD_HELP + "某事项在本表有环节时，以本表为准。",
    signature=frozenset({"step"}),
    columns=(
        Column(
            "item_code", "实施编码", ("code", "item_code"), "导出时附带，导入时忽略。", info=True
        ),
        *_ITEM_KEY_COLUMNS,
        Column("order", "序号", ("order",), "环节顺序；空白按行的顺序。", "正整数"),
        Column("step", "环节", ("step", "环节名称"), example="受理", required=True),
        Column("role", "办理人员", ("role",), example="窗口工作人员"),
        Column(
            "limit_days",
            "环节时限",
            ("limit_days", "时限"),
            "工作日数，空白为 0。",
            "不小于 0 的整数",
        ),
    ),
)

PROCEDURES = SheetSpec(
    kind="procedures",
    title="特别程序",
    help="每行一个特别程序（可选）。" + _CHILD_HELP + "某事项在本表有特别程序时，以本表为准。",
    signature=frozenset({"procedure"}),
    columns=(
        Column(
            "item_code", "实施编码", ("code", "item_code"), "导出时附带，导入时忽略。", info=True
        ),
        *_ITEM_KEY_COLUMNS,
        Column(
            "procedure",
            "特别程序",
            ("procedure", "特别程序名称"),
            example="现场核查",
            required=True,
        ),
        Column("limit_days", "时限", ("limit_days",), "工作日数，空白为 0。", "不小于 0 的整数"),
        Column("legal_basis", "依据", ("legal_basis",)),
        Column("counted_in_limit", "计入办结时限", ("counted_in_limit",), allowed=YES_NO),
    ),
)

BUNDLES = SheetSpec(
    kind="bundles",
    title="一件事",
    help="每行是一件事某一阶段中的一个事项（可选，仅数据资源局可导入）。同一阶段的事项并联办理。",
    signature=frozenset({"bundle", "stage"}),
    columns=(
        Column(
            "code", "一件事编码", ("bundle_code",), f"空白时按顺序生成 {BUNDLE_CODE_PREFIX}001 等。"
        ),
        Column(
            "bundle", "一件事", ("bundle", "一件事名称"), example="开办餐饮店一件事", required=True
        ),
        Column(
            "stage",
            "阶段",
            ("stage",),
            "第几阶段，从 1 开始。",
            "正整数",
            example="1",
            required=True,
        ),
        Column(
            "item",
            "事项名称",
            ("item", "事项", "name"),
            "事项表中或系统中已有的事项名称。",
            example="个体工商户设立登记",
            required=True,
        ),
        Column(
            "department",
            "实施部门",
            ("department", "部门"),
            "有同名事项时必填，用来区分。",
            example="县市场监督管理局",
        ),
        Column("lead_department", "牵头部门", ("lead_department",), "空白为数据资源管理局。"),
        Column("summary", "简介", ("summary",)),
    ),
)

# Checked in this order: the first whose signature keys are all present claims the table.
SHEETS: tuple[SheetSpec, ...] = (BUNDLES, MATERIALS, STEPS, PROCEDURES, ITEMS)


def normalize_header(text: Any) -> str:
    """Headers match case-, width- and space-insensitively; a trailing note in brackets is
    dropped, so “法定时限（工作日）” and “即办(Y/N)” match 法定时限 and 即办."""
    value = unicodedata.normalize("NFKC", str(text or "")).strip().lower()
    value = re.sub(r"\s+", "", value).lstrip("*")
    return re.sub(r"\([^()]*\)$", "", value) or value


# --- Results ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    """One problem in the file: where (sheet or file, row, column as in the file) and what."""

    sheet: str
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"{self.sheet}第 {self.row} 行“{self.column}”列：{self.message}"


@dataclass
class ImportResult:
    """What an import did (or, with errors or a dry run, would have done)."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    published: int = 0
    bundles_created: int = 0
    bundles_unchanged: int = 0
    bundles_published: int = 0
    errors: list[RowError] = field(default_factory=list)
    changes: list[tuple[str, str, str]] = field(default_factory=list)  # (action, dept, name)
    dry_run: bool = False
    rows: int = 0  # data rows read
    write_seconds: float = 0.0  # how long the write transaction was open

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def summary(self) -> str:
        parts = [
            f"新增事项 {self.created} 个",
            f"更新 {self.updated} 个",
            f"未变化 {self.unchanged} 个",
        ]
        if self.published:
            parts.append(f"发布 {self.published} 个")
        if self.bundles_created or self.bundles_unchanged or self.bundles_published:
            parts.append(
                f"一件事新增 {self.bundles_created} 个、未变化 {self.bundles_unchanged} 个"
                + (f"、发布 {self.bundles_published} 个" if self.bundles_published else "")
            )
        prefix = "检查通过，导入后将" if self.dry_run else ""
        return prefix + "，".join(parts) + "。"

    def to_report(self, *, max_lines: int) -> dict[str, Any]:
        """JSON for an import job's report: counts, and the first `max_lines` errors and
        changes (with their full numbers, so a page can say how many it leaves out)."""
        return {
            "counts": {
                key: getattr(self, key)
                for key in (
                    "created",
                    "updated",
                    "unchanged",
                    "published",
                    "bundles_created",
                    "bundles_unchanged",
                    "bundles_published",
                )
            },
            "errors": [[e.sheet, e.row, e.column, e.message] for e in self.errors[:max_lines]],
            "error_count": len(self.errors),
            "changes": [list(c) for c in self.changes[:max_lines]],
            "change_count": len(self.changes),
            "write_seconds": round(self.write_seconds, 3),
        }

    @classmethod
    def from_report(cls, report: dict[str, Any]) -> ImportResult:
        result = cls(**report.get("counts", {}))
        result.errors = [RowError(*e) for e in report.get("errors", [])]
        result.changes = [tuple(c) for c in report.get("changes", [])]  # type: ignore[misc]
        return result


class ImportFileError(ValidationError):
    """The file cannot be read at all (too large, not xlsx/CSV, undecodable, no header)."""


Progress = Callable[[int, int], None]


class RowBudget:
    """Counts the data rows of an import while its files are read, and stops at the cap, so
    an oversized file is refused before its rows are parsed, checked or held in memory."""

    def __init__(self, limit: int | None = None) -> None:
        self.limit = import_max_rows() if limit is None else limit
        self.used = 0

    def take(self, filename: str) -> None:
        self.used += 1
        if self.used > self.limit:
            raise ImportFileError(
                f"文件“{filename}”使本次导入的数据超过 {self.limit} 行的上限，"
                "请拆分成多个文件分批导入。"
            )


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
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            inflated = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        raise ImportFileError(f"文件“{filename}”已损坏，无法作为 xlsx 打开。") from None
    if inflated > import_max_bytes() * MAX_INFLATION:
        raise ImportFileError(f"文件“{filename}”解压后过大，请拆分后分批导入。")
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
            uploads.inspect(data)
    except uploads.UploadRejected as exc:
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


def _classify(table: Table, errors: list[RowError]) -> None:
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


# --- Parsing cells ---------------------------------------------------------------------------

_TRUE = frozenset({"y", "yes", "是", "true", "1", "√", "✓", "对"})
_FALSE = frozenset({"n", "no", "否", "false", "0", "×", "✗", "不", ""})
_INTEGER = re.compile(r"(\d+)(?:个工作日|工作日|日|天)?")


def _choices(choices: Any, *extra: tuple[str, str]) -> dict[str, str]:
    table = {normalize_header(label): value for value, label in choices.choices}
    table.update({normalize_header(value): value for value in choices.values})
    table.update({normalize_header(k): v for k, v in extra})
    return table


TYPE_CHOICES = _choices(ItemType)
BUSINESS_CHOICES = _choices(BusinessType, ("新办", "new"))
KIND_CHOICES = _choices(HandlingKind, ("即办", "instant"), ("承诺", "promised"))
FORM_CHOICES = _choices(
    HandlingForm,
    ("窗口", "window"),
    ("网上", "online"),
    ("网办", "online"),
    ("自助", "self_service"),
    ("快递", "express"),
    ("邮寄", "express"),
)
ONLINE_CHOICES = {"全程网办": "full", "网上预审": "pre", "窗口办理": "none"}
ORIGINAL_CHOICES = _choices(
    OriginalOrCopy, ("原件及复印件", "both"), ("原件/复印件", "both"), ("复印件", "copy")
)
MEDIUM_CHOICES = _choices(Medium, ("纸质和电子", "both"), ("纸质/电子", "both"))
SOURCE_CHOICES = _choices(MaterialSource, ("申请人", "applicant"), ("政府部门", "government"))


class _Row:
    """The cells of one row, read by column key; problems are recorded against the file's own
    column name."""

    def __init__(self, table: Table, number: int, cells: list[str], errors: list[RowError]):
        self.table, self.number, self.cells, self._errors = table, number, cells, errors
        self.ok = True

    def has(self, key: str) -> bool:
        return key in self.table.index

    def header(self, key: str) -> str:
        position = self.table.index.get(key)
        if position is not None:
            return self.table.headers[position]
        assert self.table.spec is not None
        return self.table.spec.column(key).label

    def raw(self, key: str) -> str:
        position = self.table.index.get(key)
        if position is None or position >= len(self.cells):
            return ""
        return self.cells[position].strip()

    def error(self, key: str, message: str) -> None:
        self._errors.append(RowError(self.table.source, self.number, self.header(key), message))
        self.ok = False

    def text(self, key: str, *, required: bool = False) -> str:
        value = self.raw(key)
        if required and not value:
            self.error(key, "不能为空。")
        return value

    def integer(
        self, key: str, *, default: int | None = None, positive: bool = False
    ) -> int | None:
        value = unicodedata.normalize("NFKC", self.raw(key)).replace(" ", "")
        if not value:
            if default is None:
                self.error(key, "不能为空，应填写整数。")
            return default
        match = _INTEGER.fullmatch(value.removesuffix(".0"))
        if match is None:
            self.error(key, f"应为不小于 {1 if positive else 0} 的整数，现为“{value}”。")
            return None
        number = int(match.group(1))
        if positive and number < 1:
            self.error(key, f"应为正整数，现为“{value}”。")
            return None
        return number

    def flag(self, key: str, *, default: bool = False) -> bool | None:
        value = normalize_header(self.raw(key))
        if not value:
            return default
        if value in _TRUE:
            return True
        if value in _FALSE:
            return False
        self.error(key, f"应填写 Y 或 N，现为“{self.raw(key)}”。")
        return None

    def choice(self, key: str, options: dict[str, str], allowed: str, default: str = "") -> str:
        value = self.raw(key)
        if not value:
            if not default:
                self.error(key, f"不能为空，应为：{allowed}。")
            return default
        found = options.get(normalize_header(value))
        if found is None:
            self.error(key, f"“{value}”不是可选的值，应为：{allowed}。")
            return ""
        return found


_MATERIAL_SPLIT = re.compile(r"[；;\n]+")
_TRAILING_NOTE = re.compile(r"^(?P<name>.+?)[（(](?P<note>[^（）()]*)[）)]$")
_COUNT = re.compile(r"(\d+)份")


def _material_note(note: str) -> dict[str, Any] | None:
    """Attributes written in brackets after a material's name, or None when the bracket is part
    of the name (“近期免冠照片（现场采集）”)."""
    attrs: dict[str, Any] = {}
    kinds: set[str] = set()
    for token in (t.strip() for t in re.split(r"[，,、]", note)):
        norm = normalize_header(token)
        if not token:
            continue
        if norm in ("原件和复印件", "原件及复印件"):
            kinds.update({"original", "copy"})
        elif norm in ("原件", "复印件"):
            kinds.add("original" if norm == "原件" else "copy")
        elif (count := _COUNT.fullmatch(norm)) is not None:
            attrs["count"] = int(count.group(1))
        elif norm in MEDIUM_CHOICES:
            attrs["medium"] = MEDIUM_CHOICES[norm]
        elif norm in SOURCE_CHOICES:
            attrs["source"] = SOURCE_CHOICES[norm]
        elif norm in ("必要", "必要材料"):
            attrs["required"] = True
        elif norm in ("非必要", "可选", "选填"):
            attrs["required"] = False
        elif norm in ("容缺", "可容缺"):
            attrs["deferrable"] = True
        elif norm == "免提交":
            attrs["exempt"] = True
        else:
            return None
    if kinds:
        attrs["original_or_copy"] = "both" if len(kinds) == 2 else kinds.pop()
    return attrs or None


def parse_materials(text: str) -> list[dict[str, Any]]:
    """“名称（原件，1份）；名称” → [{"name": …, "original_or_copy": …, "count": …}, {"name": …}]."""
    specs = []
    for entry in (e.strip() for e in _MATERIAL_SPLIT.split(text or "")):
        if not entry:
            continue
        match = _TRAILING_NOTE.match(entry)
        attrs = _material_note(match.group("note")) if match else None
        if match and attrs is not None:
            specs.append({"name": match.group("name").strip(), **attrs})
        else:
            specs.append({"name": entry})
    return specs


def format_material(material: Material) -> str:
    """The short form used in the items sheet's 申请材料 column."""
    return f"{material.name}（{material.get_original_or_copy_display()}，{material.count}份）"


# --- Planning: validate everything, decide what to write -------------------------------------

_ITEM_LABELS = {c.key: c.label for c in ITEMS.columns}

MATERIAL_DEFAULTS: dict[str, Any] = {
    "original_or_copy": OriginalOrCopy.ORIGINAL,
    "count": 1,
    "medium": Medium.BOTH,
    "source": MaterialSource.APPLICANT,
    "issuing_body": "",
    "required": True,
    "deferrable": False,
    "exempt": False,
    "notes": "",
}
STEP_DEFAULTS: dict[str, Any] = {"role": "", "limit_days": 0}
PROCEDURE_DEFAULTS: dict[str, Any] = {"limit_days": 0, "legal_basis": "", "counted_in_limit": False}
MATERIAL_KEYS = [f for f in services.MATERIAL_FIELDS if f != "order"]
STEP_KEYS = [f for f in services.STEP_FIELDS if f != "order"]
# Six-element columns whose blank cell means “as the base item says”, not “empty”.
_BASE_ELEMENTS = ("competent_department", "implementing_body", "legal_basis")
_TEXT_ELEMENTS = (
    "conditions",
    "location",
    "hours",
    "fee_standard",
    "fee_basis",
    "faq",
    "consult_phone",
    "complaint_channel",
)
_FLAG_ELEMENTS = (
    "cross_province",
    "in_province",
    "commitment_based",
    "self_service_24h",
    "has_fee",
)


@dataclass
class _NewBase:
    code: str
    name: str
    item_type: str
    competent_department: str
    implementing_body: str
    legal_basis: str
    created: BaseItem | None = None


@dataclass
class _ChildRow:
    table: Table
    number: int
    values: dict[str, Any]
    columns: dict[str, str]  # value key → column header, for error reports


@dataclass
class _ItemPlan:
    table: Table
    row: int
    key: tuple[str, str, str]  # (department, name, business type) as written
    department: Department
    name: str
    business_type: str
    specified: dict[str, Any]  # elements given by the file
    columns: dict[str, str]  # element → column header, for error reports
    base_code: str = ""
    online: str | None = None  # 网办 column: full / pre / none
    forms_given: bool = False
    material_specs: list[dict[str, Any]] | None = None
    base: BaseItem | None = None
    new_base: _NewBase | None = None
    item: ServiceItem | None = None
    current: ServiceItemVersion | None = None
    elements: dict[str, Any] = field(default_factory=dict)  # changed elements to write
    materials: list[dict[str, Any]] | None = None  # None: unchanged
    steps: list[dict[str, Any]] | None = None
    procedures: list[dict[str, Any]] | None = None
    action: str = ""  # created / updated / unchanged
    publish: bool = False
    ok: bool = True


@dataclass
class _BundlePlan:
    table: Table
    row: int
    name: str
    code: str
    lead_department: Department | None
    summary: str
    stages: list[list[_ItemPlan | ServiceItem]]
    existing: Bundle | None = None
    action: str = ""
    publish: bool = False


def _generated_code(item_type: str, name: str, taken: Callable[[str], bool]) -> str:
    """A base code from the item's type and name, the same in every catalogue, probing onward
    in the rare case of a clash."""
    type_number = ItemType.values.index(item_type) + 1 if item_type in ItemType.values else 0
    digest = int(hashlib.sha256(f"{item_type}|{name}".encode()).hexdigest(), 16)
    while True:
        code = f"{GENERATED_CODE_PREFIX}{type_number:02d}{digest % 10**12:012d}"
        if not taken(code):
            return code
        digest += 1


def _same(field_name: str, a: Any, b: Any) -> bool:
    if field_name == "handling_forms":
        return set(a or []) == set(b or [])
    return bool(a == b)


def _ordered_forms(forms: Iterable[str]) -> list[str]:
    chosen = set(forms)
    return [f for f in HandlingForm.values if f in chosen]


def _model_errors(exc: ValidationError) -> list[tuple[str, str]]:
    if hasattr(exc, "error_dict"):
        return [(k, m) for k, msgs in exc.message_dict.items() for m in msgs]
    return [("", m) for m in exc.messages]


class _Planner:
    """Reads every table, validates every row and works out what to write."""

    def __init__(
        self, *, actor: User | None, publish: bool, on_row: Callable[[], None] | None = None
    ):
        self.actor = actor
        self.publish = publish
        self.on_row = on_row or (lambda: None)
        self.errors: list[RowError] = []
        self.departments = {d.name: d for d in Department.objects.select_related("region")}
        if actor is None or actor.is_superuser:
            self.scope_ids: set[int] | None = None
        else:
            self.scope_ids = set(
                org_selectors.departments_in_scope(user=actor).values_list("pk", flat=True)
            )
        self.items: list[_ItemPlan] = []
        self.bundles: list[_BundlePlan] = []
        self.new_bases: dict[str, _NewBase] = {}
        self.new_by_name: dict[tuple[str, str], _NewBase] = {}
        self.generated_codes: set[str] | None = None  # codes in use with the generated prefix
        self.current: dict[int, ServiceItemVersion] = {}  # item pk → open or published version
        self.missing_columns: set[tuple[str, str]] = set()

    # -- items --

    def plan(self, tables: list[Table]) -> None:
        for table in tables:
            _classify(table, self.errors)
        by_kind: dict[str, list[Table]] = defaultdict(list)
        for table in tables:
            if table.spec is not None:
                by_kind[table.spec.kind].append(table)
        if self.errors:
            return  # headers are wrong: reading rows would only repeat the same complaint
        for table in by_kind["items"]:
            for number, cells in table.rows:
                self.on_row()
                self._read_item(_Row(table, number, cells, self.errors))
        self._check_duplicates()
        children = {
            kind: self._read_children(by_kind[kind], kind)
            for kind in ("materials", "steps", "procedures")
        }
        self._resolve_bases()
        self._compare(children)
        for table in by_kind["bundles"]:
            self._read_bundles(table)

    def _department(self, row: _Row) -> Department | None:
        name = row.text("department", required=True)
        if not name:
            return None
        department = self.departments.get(name)
        if department is None:
            row.error("department", f"实施部门“{name}”不存在，请填写系统中登记的部门全称。")
            return None
        if self.scope_ids is not None and department.pk not in self.scope_ids:
            row.error("department", f"“{name}”不在您的数据范围内。")
            return None
        return department

    def _read_item(self, row: _Row) -> None:
        department = self._department(row)
        name = row.text("name", required=True)
        item_type = row.choice("item_type", TYPE_CHOICES, _labels(ItemType))
        business_type = row.choice(
            "business_type", BUSINESS_CHOICES, _labels(BusinessType), default=BusinessType.NEW
        )
        specified: dict[str, Any] = {"name": name, "item_type": item_type}
        columns = {"name": row.header("name"), "item_type": row.header("item_type")}

        def give(element: str, value: Any, key: str) -> None:
            specified[element] = value
            columns[element] = row.header(key)

        for element in _BASE_ELEMENTS:
            if row.raw(element):
                give(element, row.raw(element), element)
        for element in _TEXT_ELEMENTS:
            if row.has(element):
                give(element, row.raw(element), element)
        for element in _FLAG_ELEMENTS:
            if row.has(element):
                give(element, row.flag(element), element)
        for element in ("legal_limit", "visits"):
            if row.has(element):
                give(element, row.integer(element), element)
        kind = self._handling_kind(row)
        if kind:
            give("handling_kind", kind, "handling_kind" if row.has("handling_kind") else "instant")
        if row.has("promised_limit"):
            give(
                "promised_limit",
                row.integer("promised_limit", default=0 if kind == "instant" else None),
                "promised_limit",
            )
        elif kind == HandlingKind.INSTANT:
            give("promised_limit", 0, "instant" if row.has("instant") else "handling_kind")
        plan_online: str | None = None
        forms_given = row.has("handling_forms")
        if forms_given:
            give("handling_forms", self._forms(row), "handling_forms")
        if row.has("fully_online"):
            give("fully_online", row.flag("fully_online"), "fully_online")
        if row.has("online"):
            plan_online = row.choice("online", ONLINE_CHOICES, "全程网办、网上预审、窗口办理")
            if plan_online:
                self._check_online(row, plan_online, specified)
                specified["fully_online"] = plan_online == "full"
                columns.setdefault("fully_online", row.header("online"))
                if not forms_given:
                    columns["handling_forms"] = row.header("online")
        if row.has("form_fields"):
            give("form_fields", self._form_fields(row), "form_fields")
        material_specs = None
        if row.has("materials"):
            material_specs = parse_materials(row.raw("materials"))
            columns["materials"] = row.header("materials")
        if not (row.ok and department is not None):
            self.items.append(self._failed_plan(row, department, name, business_type))
            return
        self._check_limits(row, specified, columns)
        if row.has("base_code"):
            columns["base_code"] = row.header("base_code")
        self.items.append(
            _ItemPlan(
                table=row.table,
                row=row.number,
                key=(department.name, name, business_type),
                department=department,
                name=name,
                business_type=business_type,
                specified=specified,
                columns=columns,
                base_code=row.raw("base_code"),
                online=plan_online or None,
                forms_given=forms_given,
                material_specs=material_specs,
                ok=row.ok,
            )
        )

    def _failed_plan(
        self, row: _Row, department: Department | None, name: str, business_type: str
    ) -> _ItemPlan:
        # Kept so that rows of other sheets referring to this item are not reported twice.
        return _ItemPlan(
            table=row.table,
            row=row.number,
            key=(row.raw("department"), name, business_type or row.raw("business_type")),
            department=department or Department(),
            name=name,
            business_type=business_type,
            specified={},
            columns={},
            ok=False,
        )

    def _handling_kind(self, row: _Row) -> str:
        kind = ""
        if row.has("handling_kind"):
            kind = row.choice("handling_kind", KIND_CHOICES, _labels(HandlingKind), default="-")
            kind = "" if kind == "-" else kind
        if row.has("instant"):
            instant = row.flag("instant")
            from_flag = HandlingKind.INSTANT if instant else HandlingKind.PROMISED
            if instant is not None and kind and kind != from_flag:
                row.error("instant", f"与“{row.header('handling_kind')}”列矛盾。")
            kind = kind or (from_flag if instant is not None else "")
        return kind

    def _forms(self, row: _Row) -> list[str]:
        forms = []
        for token in re.split(r"[、,，;；/\s]+", row.raw("handling_forms")):
            if not token:
                continue
            form = FORM_CHOICES.get(normalize_header(token))
            if form is None:
                row.error(
                    "handling_forms",
                    f"“{token}”不是可选的办理形式，应为：{_labels(HandlingForm)}。",
                )
            else:
                forms.append(form)
        if not forms and row.ok:
            row.error("handling_forms", f"至少填写一种办理形式：{_labels(HandlingForm)}。")
        return _ordered_forms(forms)

    def _check_online(self, row: _Row, online: str, specified: dict[str, Any]) -> None:
        if "fully_online" in specified and specified["fully_online"] != (online == "full"):
            row.error("online", f"与“{row.header('fully_online')}”列矛盾。")
        forms = specified.get("handling_forms")
        if forms is not None and (HandlingForm.ONLINE in forms) != (online != "none"):
            row.error("online", f"与“{row.header('handling_forms')}”列矛盾。")

    def _form_fields(self, row: _Row) -> list[dict[str, Any]]:
        text = row.raw("form_fields")
        if not text:
            return []
        try:
            value = json.loads(text)
        except ValueError:
            value = None
        if not isinstance(value, list) or not all(
            isinstance(v, dict)
            and isinstance(v.get("key"), str)
            and isinstance(v.get("label"), str)
            for v in value
        ):
            row.error("form_fields", '应为 JSON 数组，如 [{"key": "name", "label": "姓名"}]。')
            return []
        return value

    def _check_limits(self, row: _Row, specified: dict[str, Any], columns: dict[str, str]) -> None:
        legal, promised = specified.get("legal_limit"), specified.get("promised_limit")
        kind = specified.get("handling_kind")
        if kind == HandlingKind.INSTANT and promised:
            row.error("promised_limit", f"即办件的承诺时限应为 0，现为 {promised}。")
        elif legal and promised is not None and promised > legal:
            row.error("promised_limit", f"承诺时限（{promised}）不能超过法定时限（{legal}）。")

    def _check_duplicates(self) -> None:
        seen: dict[tuple[str, str, str], _ItemPlan] = {}
        for plan in self.items:
            if not plan.ok:
                continue
            first = seen.setdefault(plan.key, plan)
            if first is not plan:
                self._error(
                    plan,
                    "name",
                    f"与第 {first.row} 行重复（同一实施部门、同一事项名称、同一业务办理项类型）。",
                )

    def _error(self, plan: _ItemPlan, element: str, message: str) -> None:
        column = plan.columns.get(element) or _ITEM_LABELS.get(element, element)
        self.errors.append(RowError(plan.table.source, plan.row, column, message))
        plan.ok = False

    # -- bases --

    def _resolve_bases(self) -> None:
        plans = [p for p in self.items if p.ok]
        codes = {p.base_code for p in plans if p.base_code}
        by_code = {b.code: b for b in BaseItem.objects.filter(code__in=codes)}
        names = {p.name for p in plans}
        by_name: dict[tuple[str, str], BaseItem] = {}
        for base in BaseItem.objects.filter(name__in=names).order_by("code"):
            by_name.setdefault((base.name, base.item_type), base)
        seen: dict[tuple[int, str, str], _ItemPlan] = {}
        for plan in plans:
            code = plan.base_code
            item_type = plan.specified["item_type"]
            if code:
                plan.base = by_code.get(code)
                if plan.base is None:
                    plan.new_base = self._new_base(plan, code)
            else:
                plan.base = by_name.get((plan.name, item_type))
                if plan.base is None:
                    plan.new_base = self._new_base(plan, None)
            identity = plan.base.code if plan.base else plan.new_base.code  # type: ignore[union-attr]
            first = seen.setdefault((plan.department.pk, identity, plan.business_type), plan)
            if first is not plan:
                self._error(
                    plan,
                    "name",
                    f"与第 {first.row} 行是同一基本目录事项（{identity}）的同一业务办理项，重复。",
                )

    def _new_base(self, plan: _ItemPlan, code: str | None) -> _NewBase:
        item_type = plan.specified["item_type"]
        if code is None:
            known = self.new_by_name.get((plan.name, item_type))
            if known is not None:
                return known
            if self.generated_codes is None:
                self.generated_codes = set(
                    BaseItem.objects.filter(code__startswith=GENERATED_CODE_PREFIX).values_list(
                        "code", flat=True
                    )
                )
            in_use = self.generated_codes

            def taken(candidate: str) -> bool:
                return candidate in in_use or candidate in self.new_bases

            code = _generated_code(item_type, plan.name, taken)
        if code in self.new_bases:
            return self.new_bases[code]
        new = _NewBase(
            code=code,
            name=plan.name,
            item_type=item_type,
            competent_department=plan.specified.get("competent_department", plan.department.name),
            implementing_body=plan.specified.get("implementing_body", plan.department.name),
            legal_basis=plan.specified.get("legal_basis", DEFAULT_LEGAL_BASIS),
        )
        candidate = BaseItem(
            code=new.code,
            name=new.name,
            item_type=new.item_type,
            competent_department=new.competent_department,
            implementing_body=new.implementing_body,
            legal_basis=new.legal_basis,
        )
        try:
            candidate.full_clean(validate_unique=False)
        except ValidationError as exc:
            for key, message in _model_errors(exc):
                element = "base_code" if key == "code" else key
                self._error(plan, element if element in plan.columns else "name", message)
        self.new_bases[code] = new
        self.new_by_name.setdefault((new.name, new.item_type), new)
        return new

    # -- children (materials, steps, special procedures) --

    def _read_children(
        self, tables: list[Table], kind: str
    ) -> dict[tuple[str, str, str], list[_ChildRow]]:
        keys = {p.key: p for p in self.items}
        found: dict[tuple[str, str, str], list[_ChildRow]] = defaultdict(list)
        for table in tables:
            for number, cells in table.rows:
                self.on_row()
                row = _Row(table, number, cells, self.errors)
                name = row.text("name", required=True)
                business_type = row.choice(
                    "business_type",
                    BUSINESS_CHOICES,
                    _labels(BusinessType),
                    default=BusinessType.NEW,
                )
                key = (row.text("department", required=True), name, business_type)
                values, columns = self._child_values(row, kind)
                if not row.ok:
                    continue
                if key not in keys:
                    row.error(
                        "name",
                        f"在事项表中找不到“{key[0]}”的“{name}”"
                        f"（{BusinessType(business_type).label}），请先在事项表中列出该事项。",
                    )
                    continue
                found[key].append(_ChildRow(table, number, values, columns))
        for rows in found.values():
            if any("order" in r.values for r in rows):
                rows.sort(key=lambda r: (r.values.get("order") or 0, r.number))
        return found

    def _child_values(self, row: _Row, kind: str) -> tuple[dict[str, Any], dict[str, str]]:
        values: dict[str, Any] = {}
        columns: dict[str, str] = {}

        def give(name: str, value: Any, key: str) -> None:
            if value is not None:
                values[name] = value
                columns[name] = row.header(key)

        if row.has("order"):
            give("order", row.integer("order", default=0), "order")
        if kind == "materials":
            give("name", row.text("material", required=True), "material")
            choice_columns = (
                ("original_or_copy", ORIGINAL_CHOICES, OriginalOrCopy, "original"),
                ("medium", MEDIUM_CHOICES, Medium, "both"),
                ("source", SOURCE_CHOICES, MaterialSource, "applicant"),
            )
            for key, options, choices, default in choice_columns:
                if row.has(key):
                    give(key, row.choice(key, options, _labels(choices), default=default), key)
            if row.has("count"):
                give("count", row.integer("count", default=1, positive=True), "count")
            for key in ("issuing_body", "notes"):
                if row.has(key):
                    give(key, row.raw(key), key)
            if row.has("required"):
                give("required", row.flag("required", default=True), "required")
            for key in ("deferrable", "exempt"):
                if row.has(key):
                    give(key, row.flag(key), key)
        elif kind == "steps":
            give("name", row.text("step", required=True), "step")
            give("role", row.raw("role"), "role")
            give("limit_days", row.integer("limit_days", default=0), "limit_days")
        else:
            give("name", row.text("procedure", required=True), "procedure")
            give("limit_days", row.integer("limit_days", default=0), "limit_days")
            give("legal_basis", row.raw("legal_basis"), "legal_basis")
            give("counted_in_limit", row.flag("counted_in_limit"), "counted_in_limit")
        return values, columns

    # -- comparison with the catalogue --

    def _existing_items(self) -> dict[tuple[int, int, int, str], ServiceItem]:
        plans = [p for p in self.items if p.ok and p.base is not None]
        if not plans:
            return {}
        items = ServiceItem.objects.filter(
            base__in={p.base for p in plans},
            department__in={p.department for p in plans},
        )
        found = {(i.base_id, i.department_id, i.region_id, i.business_type): i for i in items}
        # The latest version is the open one if there is one, else the published one.
        latest = (
            ServiceItemVersion.objects.filter(item=OuterRef("item"))
            .order_by("-number")
            .values("number")[:1]
        )
        versions = ServiceItemVersion.objects.filter(
            item__in=found.values(), number=Subquery(latest)
        ).prefetch_related("materials", "steps", "special_procedures")
        self.current = {v.item_id: v for v in versions}
        return found

    def _compare(self, children: dict[str, dict[tuple[str, str, str], list[_ChildRow]]]) -> None:
        existing = self._existing_items()
        for plan in self.items:
            if not plan.ok:
                continue
            if plan.base is not None:
                plan.item = existing.get(
                    (
                        plan.base.pk,
                        plan.department.pk,
                        plan.department.region_id,
                        plan.business_type,
                    )
                )
            if plan.item is not None:
                plan.current = self.current.get(plan.item.pk)
            self._compare_one(
                plan,
                children["materials"].get(plan.key),
                children["steps"].get(plan.key),
                children["procedures"].get(plan.key),
            )

    def _baseline(self, plan: _ItemPlan) -> dict[str, Any]:
        if plan.current is not None:
            return {f: getattr(plan.current, f) for f in services.ELEMENT_FIELDS}
        version = ServiceItemVersion()
        baseline = {f: getattr(version, f) for f in services.ELEMENT_FIELDS}
        source = plan.base or plan.new_base
        baseline.update(
            {
                "name": source.name,  # type: ignore[union-attr]
                "base_code": source.code,  # type: ignore[union-attr]
                "item_type": source.item_type,  # type: ignore[union-attr]
                "competent_department": source.competent_department,  # type: ignore[union-attr]
                "implementing_body": source.implementing_body,  # type: ignore[union-attr]
                "legal_basis": source.legal_basis,  # type: ignore[union-attr]
                "legal_limit": 0,
                "promised_limit": 0,
                "handling_kind": HandlingKind.PROMISED,
                "visits": 1,
                "handling_forms": [HandlingForm.WINDOW],
                "form_fields": [],
            }
        )
        return baseline

    def _compare_one(
        self,
        plan: _ItemPlan,
        material_rows: list[_ChildRow] | None,
        step_rows: list[_ChildRow] | None,
        procedure_rows: list[_ChildRow] | None,
    ) -> None:
        if plan.item is not None and plan.item.status == ItemStatus.WITHDRAWN:
            self._error(plan, "name", "该事项已撤销，不能通过导入修改或恢复。")
            return
        if plan.current is None:
            for element in ("legal_limit", "promised_limit", "visits"):
                if element not in plan.specified:
                    self._missing_column(plan, element)
            if not plan.ok:
                return
        baseline = self._baseline(plan)
        target = dict(baseline)
        target.update(plan.specified)
        if plan.online is not None and not plan.forms_given:
            forms = set(target["handling_forms"])
            if plan.online == "none":
                forms.discard(HandlingForm.ONLINE)
                forms.add(HandlingForm.WINDOW)
            else:
                forms.add(HandlingForm.ONLINE)
            target["handling_forms"] = _ordered_forms(forms)
        if not self._valid_version(plan, target):
            return
        plan.elements = {
            f: target[f] for f in services.ELEMENT_FIELDS if not _same(f, target[f], baseline[f])
        }
        current_materials = self._current_children(plan, "materials", MATERIAL_KEYS)
        specs = [row.values for row in material_rows] if material_rows else plan.material_specs
        if specs is not None:
            plan.materials = self._materials(plan, specs, current_materials, material_rows)
        if step_rows:
            plan.steps = self._children(
                plan, step_rows, STEP_DEFAULTS, STEP_KEYS, "steps", ProcessStep, "办理流程"
            )
        if procedure_rows:
            plan.procedures = self._children(
                plan,
                procedure_rows,
                PROCEDURE_DEFAULTS,
                services.PROCEDURE_FIELDS,
                "special_procedures",
                SpecialProcedure,
                "特别程序",
            )
        if not plan.ok:
            return
        changed = bool(
            plan.elements
            or plan.materials is not None
            or plan.steps is not None
            or plan.procedures is not None
        )
        if plan.item is None:
            plan.action = "created"
        elif changed:
            plan.action = "updated"
            current = plan.current
            if current is not None and current.status in (
                VersionStatus.SUBMITTED,
                VersionStatus.APPROVED,
            ):
                self._error(
                    plan,
                    "name",
                    f"该事项的 v{current.number} 正在审核（{current.get_status_display()}），"
                    "请审核完成后再导入修改。",
                )
                return
        else:
            plan.action = "unchanged"
        plan.publish = self.publish and (
            plan.action != "unchanged"
            or (plan.current is not None and plan.current.status != VersionStatus.PUBLISHED)
        )

    def _missing_column(self, plan: _ItemPlan, element: str) -> None:
        """A new item needs its limits and visits; say so once per table, not once per row."""
        plan.ok = False
        if (plan.table.source, element) in self.missing_columns:
            return
        self.missing_columns.add((plan.table.source, element))
        label = _ITEM_LABELS[element]
        self.errors.append(
            RowError(
                plan.table.source,
                plan.row,
                label,
                f"文件缺少“{label}”列，新认领的事项（本行起）必须填写。",
            )
        )

    def _valid_version(self, plan: _ItemPlan, target: dict[str, Any]) -> bool:
        version = ServiceItemVersion(number=1, **target)
        try:
            version.full_clean(exclude=["item", "created_by", "reviewed_by"])
        except ValidationError as exc:
            for element, message in _model_errors(exc):
                if element == "promised_limit":
                    # The file's own limits passed; the clash is with elements kept from the
                    # current version, so say which.
                    message = (
                        f"{message.rstrip('。')}（承诺时限 {target['promised_limit']}，"
                        f"法定时限 {target['legal_limit']}，"
                        f"办件类型 {HandlingKind(target['handling_kind']).label}）。"
                    )
                self._error(plan, element if element in plan.columns else "name", message)
            return False
        return True

    def _current_children(self, plan: _ItemPlan, relation: str, keys: list[str]) -> list[dict]:
        if plan.current is None:
            return []
        return [
            {k: getattr(child, k) for k in keys} for child in getattr(plan.current, relation).all()
        ]

    def _materials(
        self,
        plan: _ItemPlan,
        specs: list[dict[str, Any]],
        current: list[dict[str, Any]],
        rows: list[_ChildRow] | None,
    ) -> list[dict[str, Any]] | None:
        by_name = {m["name"]: m for m in reversed(current)}
        target: list[dict[str, Any]] = []
        seen: set[str] = set()
        for index, spec in enumerate(specs):
            where = rows[index] if rows else None
            spec = {k: v for k, v in spec.items() if k != "order"}
            name = spec["name"]
            if name in seen:
                self._child_error(plan, where, "name", f"申请材料“{name}”重复。")
                continue
            seen.add(name)
            material = {**MATERIAL_DEFAULTS, **by_name.get(name, {}), **spec}
            material = {k: material[k] for k in MATERIAL_KEYS}
            try:
                Material(order=index + 1, **material).full_clean(
                    exclude=["version", "blank_form", "sample_file"]
                )
            except ValidationError as exc:
                for key, message in _model_errors(exc):
                    self._child_error(plan, where, key, f"材料“{name}”：{message}")
                continue
            target.append(material)
        return None if target == current else target

    def _children(
        self,
        plan: _ItemPlan,
        rows: list[_ChildRow],
        defaults: dict[str, Any],
        keys: list[str],
        relation: str,
        model: type[ProcessStep] | type[SpecialProcedure],
        label: str,
    ) -> list[dict[str, Any]] | None:
        target = []
        for index, row in enumerate(rows):
            values = {**defaults, **{k: v for k, v in row.values.items() if k != "order"}}
            values = {k: values[k] for k in keys}
            extra = {"order": index + 1} if "order" in [f.name for f in model._meta.fields] else {}
            try:
                model(**values, **extra).full_clean(exclude=["version"])
            except ValidationError as exc:
                for key, message in _model_errors(exc):
                    self._child_error(plan, row, key, f"{label}“{values['name']}”：{message}")
                continue
            target.append(values)
        current = self._current_children(plan, relation, keys)
        return None if target == current else target

    def _child_error(self, plan: _ItemPlan, row: _ChildRow | None, key: str, message: str) -> None:
        if row is None:
            self._error(plan, "materials", message)
            return
        column = row.columns.get(key) or row.columns.get("name") or key
        self.errors.append(RowError(row.table.source, row.number, column, message))
        plan.ok = False

    # -- bundles --

    def _items_by_name(self) -> dict[str, list[_ItemPlan | ServiceItem]]:
        """Items a bundle row may name: the file's rows, then catalogue items in scope."""
        names: dict[str, list[_ItemPlan | ServiceItem]] = defaultdict(list)
        planned: set[int] = set()
        for plan in self.items:
            names[plan.name].append(plan)
            if plan.item is not None:
                planned.add(plan.item.pk)
        items = ServiceItem.objects.exclude(status=ItemStatus.WITHDRAWN).select_related(
            "department", "published_version"
        )
        if self.scope_ids is not None:
            items = items.filter(department__in=self.scope_ids)
        # Ordered by number, so the dict keeps each item's latest version's name.
        latest_names = dict(
            ServiceItemVersion.objects.filter(item__in=items)
            .order_by("item_id", "number")
            .values_list("item_id", "name")
        )
        for item in items:
            if item.pk in planned:
                continue
            published = item.published_version
            names[published.name if published else latest_names.get(item.pk, "")].append(item)
        return names

    def _read_bundles(self, table: Table) -> None:
        names = self._items_by_name()
        groups: dict[str, list[_Row]] = defaultdict(list)
        order: list[str] = []
        for number, cells in table.rows:
            self.on_row()
            row = _Row(table, number, cells, self.errors)
            name = row.text("bundle", required=True)
            if name:
                if name not in groups:
                    order.append(name)
                groups[name].append(row)
        may_review = workflow.may_review(self.actor)
        taken_codes = set(Bundle.objects.values_list("code", flat=True))
        for name in order:
            rows = groups[name]
            if not may_review:
                rows[0].error("bundle", "只有数据资源局可以导入一件事。")
                continue
            plan = self._bundle_plan(name, rows, names, taken_codes)
            if plan is not None:
                self.bundles.append(plan)

    def _bundle_attribute(self, rows: list[_Row], key: str) -> str:
        value = ""
        for row in rows:
            cell = row.raw(key)
            if cell and value and cell != value:
                row.error(key, f"同一件事的各行应一致，前面的行填的是“{value}”。")
            value = value or cell
        return value

    def _bundle_plan(
        self,
        name: str,
        rows: list[_Row],
        names: dict[str, list[_ItemPlan | ServiceItem]],
        taken_codes: set[str],
    ) -> _BundlePlan | None:
        first = rows[0]
        code = self._bundle_attribute(rows, "code")
        summary = self._bundle_attribute(rows, "summary")
        lead_name = self._bundle_attribute(rows, "lead_department")
        lead: Department | None
        if lead_name:
            lead = self.departments.get(lead_name)
            if lead is None:
                first.error("lead_department", f"牵头部门“{lead_name}”不存在。")
        else:
            region = None
            if self.actor is not None:
                staff = org_selectors.staff_for_user(self.actor)
                region = staff.department.region if staff else None
            lead = org_selectors.department_bureau(region=region) or (
                org_selectors.department_bureau()
            )
            if lead is None:
                first.error("lead_department", "系统中没有数据资源管理局，请填写牵头部门。")
        stages: dict[int, list[_ItemPlan | ServiceItem]] = defaultdict(list)
        seen: dict[Any, int] = {}
        for row in rows:
            stage = row.integer("stage", positive=True)
            item_name = row.text("item", required=True)
            department = row.raw("department")
            if stage is None or not item_name:
                continue
            candidates = [
                c
                for c in names.get(item_name, [])
                if not department or _department_name(c) == department
            ]
            if not candidates:
                where = f"“{department}”的" if department else ""
                row.error("item", f"找不到{where}事项“{item_name}”（本文件和系统中都没有）。")
                continue
            if len(candidates) > 1:
                row.error("item", f"有多个名为“{item_name}”的事项，请在“实施部门”列注明。")
                continue
            target = candidates[0]
            if isinstance(target, _ItemPlan) and not target.ok:
                continue  # its own row is already reported
            identity = id(target) if isinstance(target, _ItemPlan) else target.pk
            if identity in seen:
                row.error("item", f"事项“{item_name}”在这件事中已出现（第 {seen[identity]} 行）。")
                continue
            seen[identity] = row.number
            stages[stage].append(target)
        if not all(r.ok for r in rows):
            return None
        stage_lists = [stages[k] for k in sorted(stages)]
        plan = _BundlePlan(
            table=first.table,
            row=first.number,
            name=name,
            code=code,
            lead_department=lead,
            summary=summary,
            stages=stage_lists,
        )
        plan.existing = Bundle.objects.filter(name=name).first()
        if plan.existing is not None:
            if code and code != plan.existing.code:
                first.error("code", f"一件事“{name}”已存在，编码为 {plan.existing.code}。")
                return None
            if _stage_ids(plan.existing) != _planned_ids(stage_lists):
                first.error(
                    "bundle",
                    f"一件事“{name}”已存在，且阶段或事项与文件不同；导入不修改已有的一件事，"
                    "请在一件事管理中调整。",
                )
                return None
            plan.action = "unchanged"
            plan.publish = self.publish and plan.existing.status == BundleStatus.DRAFT
        else:
            if code in taken_codes:
                first.error("code", f"编码 {code} 已被其他一件事使用。")
                return None
            plan.code = code or _next_bundle_code(taken_codes)
            taken_codes.add(plan.code)
            plan.action = "created"
            plan.publish = self.publish
            candidate = Bundle(code=plan.code, name=name, summary=summary, lead_department=lead)
            try:
                candidate.full_clean(exclude=["lead_department"], validate_unique=False)
            except ValidationError as exc:
                for key, message in _model_errors(exc):
                    first.error(key if key in ("code", "summary") else "bundle", message)
                return None
        if plan.publish:
            for stage_items in stage_lists:
                for target in stage_items:
                    item = target.item if isinstance(target, _ItemPlan) else target
                    unpublished = isinstance(target, ServiceItem) and (
                        target.published_version_id is None
                    )
                    if item is not None and (
                        unpublished or item.status not in (ItemStatus.ACTIVE, ItemStatus.CLAIMED)
                    ):
                        first.error("bundle", f"事项“{item}”尚未发布或已暂停，一件事不能发布。")
                        return None
        return plan


def _department_name(target: _ItemPlan | ServiceItem) -> str:
    return target.department.name


def _stage_ids(bundle: Bundle) -> list[set[int]]:
    return [
        set(stage.entries.values_list("item_id", flat=True))
        for stage in bundle.stages.order_by("order")
    ]


def _planned_ids(stages: list[list[_ItemPlan | ServiceItem]]) -> list[set[int | None]]:
    def pk(target: _ItemPlan | ServiceItem) -> int | None:
        if isinstance(target, _ItemPlan):
            return target.item.pk if target.item is not None else None
        return target.pk

    return [{pk(t) for t in stage} for stage in stages]


def _next_bundle_code(taken: set[str]) -> str:
    numbers = [
        int(code[len(BUNDLE_CODE_PREFIX) :])
        for code in taken
        if code.startswith(BUNDLE_CODE_PREFIX) and code[len(BUNDLE_CODE_PREFIX) :].isdigit()
    ]
    return f"{BUNDLE_CODE_PREFIX}{max(numbers, default=0) + 1:03d}"


# --- Writing ---------------------------------------------------------------------------------


class _WriteFailed(Exception):
    def __init__(self, error: RowError):
        super().__init__(str(error))
        self.error = error


def _write_bundle(plan: _BundlePlan, actor: User | None) -> None:
    bundle = plan.existing
    if bundle is None:
        assert plan.lead_department is not None
        stages = [
            [t.item if isinstance(t, _ItemPlan) else t for t in stage] for stage in plan.stages
        ]
        bundle = services.bundle_create(
            code=plan.code,
            name=plan.name,
            lead_department=plan.lead_department,
            stages=stages,  # type: ignore[arg-type]
            summary=plan.summary,
            actor=actor,
        )
    if plan.publish:
        services.bundle_publish(bundle=bundle, actor=actor)


def _count(result: ImportResult, items: list[_ItemPlan], bundles: list[_BundlePlan]) -> None:
    for plan in items:
        setattr(result, plan.action, getattr(result, plan.action) + 1)
        result.published += plan.publish
        if plan.action != "unchanged":
            result.changes.append((plan.action, plan.department.name, plan.name))
    for bundle in bundles:
        if bundle.action == "created":
            result.bundles_created += 1
        else:
            result.bundles_unchanged += 1
        result.bundles_published += bundle.publish


# --- Writing in bulk ---------------------------------------------------------------------------
# A checked plan is written with a few bulk statements per table instead of the catalogue
# services' per-item calls (five audited calls and ~30 queries an item), so that the one write
# transaction of an import of thousands of rows lasts seconds, not minutes: on SQLite every other
# writer (a sign-in) waits for it. The rows are what the services would write — the same item
# codes, versions, copied children, states and adjustment-log entries — and the audit trail
# gets one ``catalog.import`` operation event listing every item, version and base item written
# (the trail's per-event chain cannot take thousands of appends inside a short transaction).

STALE_MESSAGE = "导入期间事项目录被他人修改，请重新导入。"
IMPORT_COMMENT = "批量导入并发布"
_CHUNK = 2000  # ids per IN (…) list: SQLite allows at most 32,766 variables per statement


class _Stale(Exception):
    """The catalogue changed between the check (outside the transaction) and the write."""


def _chunked(ids: Iterable[int]) -> Iterable[list[int]]:
    ids = list(ids)
    for start in range(0, len(ids), _CHUNK):
        yield ids[start : start + _CHUNK]


def _claim_fields(base: BaseItem) -> dict[str, Any]:
    """A claimed item's first version before any edit (as services.item_claim writes it)."""
    version = ServiceItemVersion()
    fields = {f: getattr(version, f) for f in services.ELEMENT_FIELDS}
    fields.update(
        name=base.name,
        base_code=base.code,
        item_type=base.item_type,
        competent_department=base.competent_department,
        implementing_body=base.implementing_body,
        legal_basis=base.legal_basis,
        legal_limit=0,
        promised_limit=0,
        handling_kind=HandlingKind.PROMISED,
        visits=1,
        handling_forms=[HandlingForm.WINDOW],
        form_fields=[],
    )
    return fields


def _check_fresh(
    expected: dict[int, tuple[int, str]],
    created: set[tuple[int, int, int | None, str]],
    new_codes: set[str],
) -> None:
    """Inside the write transaction: every item the plan found still has the same latest
    version in the same state, no item it will create has appeared, no base code is taken."""
    latest: dict[int, tuple[int, str]] = {}
    for ids in _chunked(expected):
        for item_id, pk, status in (
            ServiceItemVersion.objects.filter(item__in=ids)
            .order_by("item_id", "number")
            .values_list("item_id", "pk", "status")
        ):
            latest[item_id] = (pk, status)
    if any(latest.get(item_id) != state for item_id, state in expected.items()):
        raise _Stale
    if new_codes and BaseItem.objects.filter(code__in=new_codes).exists():
        raise _Stale
    for ids in _chunked({key[0] for key in created}):
        for key in ServiceItem.objects.filter(base__in=ids).values_list(
            "base_id", "department_id", "region_id", "business_type"
        ):
            if key in created:
                raise _Stale


def _publish_steps(status: str) -> list[str]:
    """What publishing takes from a version's state (submit → approve → publish)."""
    steps = ["submit", "approve", "publish"]
    start = {
        VersionStatus.DRAFT: 0,
        VersionStatus.RETURNED: 0,
        VersionStatus.SUBMITTED: 1,
        VersionStatus.APPROVED: 2,
    }
    return steps[start[VersionStatus(status)] :] if status in start else []


class _BulkWrite:
    """The rows a checked plan writes, built before the write transaction opens (building
    tens of thousands of model objects takes longer than inserting them); :meth:`run` then
    only checks that the catalogue is unchanged and executes a few bulk statements."""

    def __init__(self, plans: list[_ItemPlan], actor: User | None, reason: str, names: str):
        self.plans, self.actor, self.reason, self.names = plans, actor, reason, names
        # What the check saw, to compare with the catalogue once the transaction is open.
        self.expected = {
            p.item.pk: (p.current.pk, p.current.status)
            for p in plans
            if p.item is not None and p.current is not None
        }
        self.created_keys: set[tuple[int, int, int | None, str]] = {
            (p.base.pk, p.department.pk, p.department.region_id, p.business_type)
            for p in plans
            if p.action == "created" and p.base is not None
        }
        self.new_codes = {
            p.new_base.code
            for p in plans
            if p.action == "created" and p.base is None and p.new_base is not None
        }
        now = timezone.now()
        actor_label = actor.get_username() if actor else "系统"
        self.new_bases: dict[str, BaseItem] = {}
        self.new_items: list[ServiceItem] = []
        self.new_versions: list[ServiceItemVersion] = []
        # Existing versions whose elements change, grouped by the fields that change, and
        # existing versions that are published, grouped by the state they start from: a few
        # UPDATE statements instead of one CASE expression per row and field.
        self.edited: dict[tuple[str, ...], list[ServiceItemVersion]] = defaultdict(list)
        self.advanced: dict[str, list[int]] = defaultdict(list)
        self.now = now
        self.cleared: dict[str, list[int]] = defaultdict(list)  # relation → versions emptied
        self.children: dict[str, list[Any]] = defaultdict(list)
        self.copied: set[int] = set()  # id() of children copied from a revision's source
        self.logs: list[AdjustmentLog] = []
        self.superseded: list[int] = []
        self.published_items: list[int] = []  # existing items whose published version changes
        self.publish_new: list[ServiceItem] = []  # new items published at once
        self.targets: dict[int, ServiceItemVersion] = {}  # id(plan) → the version it ends with
        published_numbers = dict(
            ServiceItemVersion.objects.filter(
                pk__in=[
                    p.item.published_version_id
                    for p in plans
                    if p.publish and p.item is not None and p.item.published_version_id
                ]
            ).values_list("pk", "number")
        )
        copies: list[tuple[ServiceItemVersion, ServiceItemVersion]] = []

        def log(plan: _ItemPlan, action: str, **extra: str) -> None:
            self.logs.append(
                AdjustmentLog(
                    item=plan.item,
                    version=self.targets[id(plan)],
                    actor=actor,
                    actor_label=actor_label,
                    action=action,
                    **extra,
                )
            )

        for plan in plans:
            is_new_version = plan.action == "created" or (
                plan.action == "updated"
                and plan.current is not None
                and plan.current.status == VersionStatus.PUBLISHED
            )
            if plan.action == "created":
                base = plan.base
                if base is None:
                    new = plan.new_base
                    assert new is not None
                    if new.code not in self.new_bases:
                        self.new_bases[new.code] = BaseItem(
                            code=new.code,
                            name=new.name,
                            item_type=new.item_type,
                            competent_department=new.competent_department,
                            implementing_body=new.implementing_body,
                            legal_basis=new.legal_basis,
                        )
                    base = self.new_bases[new.code]
                plan.base = base
                plan.item = ServiceItem(
                    base=base,
                    department=plan.department,
                    region=plan.department.region,
                    business_type=plan.business_type,
                    claimed_by=actor,
                )
                self.new_items.append(plan.item)
                before = _claim_fields(base)
                version = ServiceItemVersion(
                    item=plan.item, number=1, created_by=actor, **{**before, **plan.elements}
                )
                self.targets[id(plan)] = version
                log(plan, "认领", summary=f"{plan.department.name}认领基本目录事项 {base.code}")
            elif is_new_version:
                current = plan.current
                assert current is not None
                before = {f: getattr(current, f) for f in services.ELEMENT_FIELDS}
                version = ServiceItemVersion(
                    item=plan.item,
                    number=current.number + 1,
                    created_by=actor,
                    change_reason=self.reason,
                    **{**before, **plan.elements},
                )
                self.targets[id(plan)] = version
                copies.append((current, version))
                log(
                    plan,
                    "新建版本",
                    summary=f"由 v{current.number} 复制为 v{version.number}",
                    reason=self.reason,
                )
            else:
                version = plan.current  # type: ignore[assignment]
                assert version is not None
                before = {f: getattr(version, f) for f in services.ELEMENT_FIELDS}
                for key, value in plan.elements.items():
                    setattr(version, key, value)
                self.targets[id(plan)] = version
            changes = bool(
                plan.elements
                or plan.materials is not None
                or plan.steps is not None
                or plan.procedures is not None
            )
            if plan.action != "unchanged" and changes:
                version.change_reason = self.reason or version.change_reason
                summary = services._describe_changes(
                    before, {f: getattr(version, f) for f in services.ELEMENT_FIELDS}
                )
                for given, label in (
                    (plan.materials, "更新申请材料"),
                    (plan.steps, "更新办理流程"),
                    (plan.procedures, "更新特别程序"),
                ):
                    if given is not None:
                        summary += f"；{label}" if summary else label
                log(plan, "编制", summary=summary or "未改动", reason=self.reason)
            if plan.publish:
                self._publish(plan, version, now, published_numbers, log)
            if is_new_version:
                self.new_versions.append(version)
            elif plan.action != "unchanged" and changes:
                self.edited[(*sorted(plan.elements), "change_reason")].append(version)
        self._copy_children(copies)
        renewed: dict[str, set[int]] = defaultdict(set)  # revisions whose copied list goes
        for plan in plans:
            version = self.targets[id(plan)]
            for relation, given in (
                ("materials", plan.materials),
                ("steps", plan.steps),
                ("special_procedures", plan.procedures),
            ):
                if given is None:
                    continue
                if version.pk is not None:
                    self.cleared[relation].append(version.pk)
                else:
                    renewed[relation].add(id(version))
                model, fields = _CHILD_MODELS[relation]
                self.children[relation].extend(
                    model(
                        version=version,
                        **{k: row[k] for k in fields if k in row},
                        **({"order": index} if "order" in fields else {}),
                    )
                    for index, row in enumerate(given, start=1)
                )
        for relation, versions in renewed.items():
            self.children[relation] = [
                c
                for c in self.children[relation]
                if not (id(c.version) in versions and id(c) in self.copied)
            ]
        # Column values are prepared here; only ids and foreign keys are filled in the
        # transaction (Django's per-value SQL preparation is most of a bulk insert's time).
        self.rows: dict[type[models.Model], _Rows] = {
            BaseItem: _Rows(BaseItem, list(self.new_bases.values())),
            ServiceItem: _Rows(ServiceItem, self.new_items, late=frozenset({"code"})),
            ServiceItemVersion: _Rows(ServiceItemVersion, self.new_versions),
            **{model: _Rows(model, self.children[r]) for r, (model, _) in _CHILD_MODELS.items()},
            AdjustmentLog: _Rows(AdjustmentLog, self.logs),
        }

    def _publish(
        self,
        plan: _ItemPlan,
        version: ServiceItemVersion,
        now: Any,
        published_numbers: dict[int, int],
        log: Callable[..., None],
    ) -> None:
        """Submit, approve and publish (as services do, by the reviewer who imports)."""
        item = plan.item
        assert item is not None
        if version.pk is not None:
            self.advanced[version.status].append(version.pk)
        for step in _publish_steps(version.status):
            if step == "submit":
                version.status, version.submitted_at = VersionStatus.SUBMITTED, now
                log(plan, "提交审核")
            elif step == "approve":
                version.status, version.review_comment = VersionStatus.APPROVED, IMPORT_COMMENT
                version.reviewed_at, version.reviewed_by = now, self.actor
                log(plan, "审核通过", reason=IMPORT_COMMENT)
            else:
                previous = item.published_version_id
                previous_number = None
                if previous is not None and previous != version.pk:
                    previous_number = published_numbers.get(previous)
                    self.superseded.append(previous)
                version.status, version.published_at = VersionStatus.PUBLISHED, now
                if item.pk is None:
                    self.publish_new.append(item)
                else:
                    self.published_items.append(item.pk)
                summary = f"发布 v{version.number}" + (
                    f"，替代 v{previous_number}" if previous_number else ""
                )
                log(plan, "发布", summary=summary)

    def _copy_children(self, copies: list[tuple[ServiceItemVersion, ServiceItemVersion]]) -> None:
        """services._copy_children for every revision (files carried over); a published
        source never changes, so it may be read before the transaction."""
        by_source = {source.pk: target for source, target in copies}
        for ids in _chunked(by_source):
            for relation, (model, fields) in _CHILD_MODELS.items():
                for child in model.objects.filter(version__in=ids):  # type: ignore[attr-defined]
                    extra = (
                        {"blank_form": child.blank_form, "sample_file": child.sample_file}
                        if model is Material
                        else {}
                    )
                    copy = model(
                        version=by_source[child.version_id],
                        **{f: getattr(child, f) for f in fields},
                        **extra,
                    )
                    self.copied.add(id(copy))  # replaced if the file gives this list
                    self.children[relation].append(copy)

    def run(self) -> None:
        """Inside the write transaction: check, then insert and update in bulk."""
        _check_fresh(self.expected, self.created_keys, self.new_codes)
        self.rows[BaseItem].insert()
        # Implementation codes numbered per base item and region, as item_claim numbers them.
        taken: dict[tuple[int, int], int] = defaultdict(int)
        for ids in _chunked({i.base.pk for i in self.new_items}):
            for key in ServiceItem.objects.filter(base__in=ids).values_list("base_id", "region_id"):
                taken[key] += 1
        for item in self.new_items:
            key = (item.base.pk, item.region.pk)
            taken[key] += 1
            item.code = services.item_code(
                base=item.base,
                region=item.region,
                department=item.department,
                business_type=item.business_type,
                sequence=taken[key],
            )
        self.rows[ServiceItem].insert()
        for ids in _chunked(self.superseded):
            ServiceItemVersion.objects.filter(pk__in=ids).update(status=VersionStatus.SUPERSEDED)
        self.rows[ServiceItemVersion].insert()
        for fields, versions in self.edited.items():
            ServiceItemVersion.objects.bulk_update(versions, list(fields), batch_size=200)
        published: dict[str, Any] = {
            "status": VersionStatus.PUBLISHED,
            "published_at": self.now,
            "review_comment": IMPORT_COMMENT,
            "reviewed_at": self.now,
            "reviewed_by": self.actor,
        }
        for status, pks in self.advanced.items():
            values = dict(published)
            if status == VersionStatus.APPROVED:  # already reviewed: only published now
                values = {"status": VersionStatus.PUBLISHED, "published_at": self.now}
            elif status != VersionStatus.SUBMITTED:
                values["submitted_at"] = self.now
            for ids in _chunked(pks):
                ServiceItemVersion.objects.filter(pk__in=ids).update(**values)
        for relation, (model, _) in _CHILD_MODELS.items():
            for ids in _chunked(self.cleared[relation]):
                model.objects.filter(version__in=ids).delete()  # type: ignore[attr-defined]
            self.rows[model].insert()
        for ids in _chunked(self.published_items + [i.pk for i in self.publish_new]):
            ServiceItem.objects.filter(pk__in=ids).update(
                published_version=Subquery(
                    ServiceItemVersion.objects.filter(
                        item=OuterRef("pk"), status=VersionStatus.PUBLISHED
                    ).values("pk")[:1]
                ),
                status=Case(
                    When(status=ItemStatus.CLAIMED, then=Value(ItemStatus.ACTIVE)),
                    default=F("status"),
                ),
            )
        self.rows[AdjustmentLog].insert()
        audit_operation(
            action="catalog.import",
            object_type="catalog.serviceitem",
            object_id="import",
            object_label=self.names[:200],
            changes={
                "items": {
                    "before": None,
                    "after": [
                        [p.item.pk, self.targets[id(p)].number, p.action, bool(p.publish)]  # type: ignore[union-attr]
                        for p in self.plans
                    ],
                },
                "base_items": {"before": None, "after": [b.pk for b in self.new_bases.values()]},
            },
            reason=self.reason,
            actor=self.actor,
        )


class _Rows:
    """New rows of one model for a fast insert: every column value prepared for the database
    up front; ids reserved, foreign keys and `late` columns filled only when inserting."""

    def __init__(
        self, model: type[models.Model], objs: list[Any], late: frozenset[str] = frozenset()
    ):
        self.model, self.objs = model, objs
        self.fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        self.fill = [
            (index, f) for index, f in enumerate(self.fields) if f.is_relation or f.name in late
        ]
        self.fast = connection.vendor in ("sqlite", "postgresql")
        if not self.fast:
            return
        skip = {index for index, _ in self.fill}
        self.values = [
            [
                None if index in skip else f.get_db_prep_save(f.pre_save(obj, True), connection)
                for index, f in enumerate(self.fields)
            ]
            for obj in objs
        ]

    def insert(self) -> None:
        if not self.objs:
            return
        if not self.fast:
            self.model._default_manager.bulk_create(self.objs)
            return
        ids = _reserve_ids(self.model, len(self.objs))
        rows = []
        for obj, pk, values in zip(self.objs, ids, self.values, strict=True):
            obj.pk = pk
            for index, f in self.fill:
                if f.is_relation:
                    value = getattr(obj, f.attname)
                    if value is None and f.is_cached(obj):  # type: ignore[attr-defined]
                        related = f.get_cached_value(obj)  # type: ignore[attr-defined]
                        value = related.pk if related is not None else None
                        setattr(obj, f.attname, value)
                else:
                    value = f.get_db_prep_save(getattr(obj, f.attname), connection)
                values[index] = value
            rows.append([pk, *values])
            obj._state.adding, obj._state.db = False, connection.alias
        quote: Callable[[Any], str] = connection.ops.quote_name
        columns = ", ".join(
            quote(c) for c in [self.model._meta.pk.column, *(f.column for f in self.fields)]
        )
        sql = (
            f"INSERT INTO {quote(self.model._meta.db_table)} ({columns}) "  # noqa: S608
            f"VALUES ({', '.join(['%s'] * (len(self.fields) + 1))})"
        )
        with connection.cursor() as cursor:
            for start in range(0, len(rows), _CHUNK):
                cursor.executemany(sql, rows[start : start + _CHUNK])


def _reserve_ids(model: type[models.Model], count: int) -> list[int]:
    """`count` unused primary keys (inside the write transaction, which on SQLite holds the
    database's only write lock; on PostgreSQL they come from the table's sequence)."""
    table, column = model._meta.db_table, model._meta.pk.column
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [table, column, count],
            )
            return [row[0] for row in cursor.fetchall()]
        quote: Callable[[Any], str] = connection.ops.quote_name
        cursor.execute(
            f"SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = %s), 0), "  # noqa: S608
            f"COALESCE((SELECT MAX({quote(column)}) FROM {quote(table)}), 0))",
            [table],
        )
        start = int(cursor.fetchone()[0]) + 1
    return list(range(start, start + count))


_CHILD_MODELS: dict[str, tuple[Any, list[str]]] = {
    "materials": (Material, services.MATERIAL_FIELDS),
    "steps": (ProcessStep, services.STEP_FIELDS),
    "special_procedures": (SpecialProcedure, services.PROCEDURE_FIELDS),
}


def catalog_import(
    *,
    files: Sequence[tuple[str, bytes]],
    actor: User | None = None,
    publish: bool = False,
    dry_run: bool = False,
    progress: Progress | None = None,
    checking: Progress | None = None,
    writing: Callable[[int], None] | None = None,
    retry: bool = True,
) -> ImportResult:
    """Import items and bundles from xlsx/CSV files, all or nothing.

    `files` are (file name, content) pairs; a workbook may hold every sheet, or the items and
    bundles may come as separate CSV files. `actor` None is the system (the command line);
    staff import only for departments in their data scope. `publish` (reviewers only) submits,
    approves and publishes every imported draft and bundle.

    Raises ImportFileError for a file that cannot be read (or rows beyond the cap) and
    PermissionDenied for a role that may not compile items. Row problems come back in
    ``result.errors`` and nothing is written.

    Reading and checking happen outside any transaction; only the writes of a clean file take
    one. `checking(rows done, rows)` reports the check; `writing(n)` is called once, before the
    write transaction opens, with the number of writes; `progress(done, n)` follows them.
    """
    if not workflow.may_compile(actor):
        raise PermissionDenied("您的角色不能导入事项。")
    if publish and not workflow.may_review(actor):
        raise PermissionDenied("只有数据资源局可以导入并直接发布。")
    tables, rows = read_files(files)
    names = "、".join(name for name, _ in files)
    counter = iter(range(1, rows + 1))
    planner = _Planner(
        actor=actor,
        publish=publish,
        on_row=(lambda: checking(next(counter, rows), rows)) if checking else None,
    )
    planner.plan(tables)
    result = ImportResult(dry_run=dry_run, rows=rows)
    if planner.errors:
        position = {table.source: i for i, table in reversed(list(enumerate(tables)))}
        result.errors = sorted(planner.errors, key=lambda e: (position.get(e.sheet, 0), e.row))
        return result
    items = [p for p in planner.items if p.ok]
    _count(result, items, planner.bundles)
    if dry_run:
        return result
    reason = f"批量导入：{names}"
    work = [p for p in items if p.action != "unchanged" or p.publish]
    bundles = [b for b in planner.bundles if b.action == "created" or b.publish]
    total = len(work) + len(bundles)
    bulk = _BulkWrite(work, actor, reason, names) if work else None
    if writing:
        writing(total)
    opened = time.monotonic()
    try:
        with transaction.atomic():
            if bulk is not None:
                bulk.run()
            if progress:
                progress(len(work), total)
            for done, bundle in enumerate(bundles, start=len(work) + 1):
                _attempt(bundle.table.source, bundle.row, partial(_write_bundle, bundle, actor))
                if progress:
                    progress(done, total)
    except _Stale:
        if not retry:
            return ImportResult(errors=[RowError(names, 1, "—", STALE_MESSAGE)], rows=rows)
        # Someone changed the catalogue after the check: check again against what is there now.
        return catalog_import(
            files=files,
            actor=actor,
            publish=publish,
            progress=progress,
            checking=checking,
            writing=writing,
            retry=False,
        )
    except (_WriteFailed, IntegrityError) as failed:
        # Validation should have caught it; report it like any row error, having written nothing.
        error = (
            failed.error
            if isinstance(failed, _WriteFailed)
            else RowError(names, 1, "—", STALE_MESSAGE)
        )
        return ImportResult(errors=[error], dry_run=dry_run, rows=rows)
    finally:
        result.write_seconds = time.monotonic() - opened
    return result


def _attempt(source: str, row: int, write: Callable[[], None]) -> None:
    try:
        write()
    except (ValidationError, PermissionDenied) as exc:
        messages = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
        raise _WriteFailed(RowError(source, row, "—", "；".join(messages))) from exc


# --- Import jobs (the workbench runs every import in the task worker) ------------------------

# Errors and changes kept in a job's report (the report says how many more there were).
REPORT_MAX_LINES = 1000
# Progress is written at most this often (seconds): each write is a short transaction.
PROGRESS_INTERVAL = 0.5
STORAGE_PREFIX = "imports"
INTERNAL_FAILURE = "导入时发生内部错误，未导入任何数据，请联系管理员。"

logger = logging.getLogger(__name__)


def import_job_create(
    *, files: Sequence[tuple[str, bytes]], actor: User, publish: bool = False
) -> ImportJob:
    """Check that the files can be read and hold at most the row cap (ImportFileError
    otherwise, before anything is stored), keep them in the default storage and queue the
    import for the task worker (catalog.tasks.run_import_job)."""
    if not workflow.may_compile(actor):
        raise PermissionDenied("您的角色不能导入事项。")
    if publish and not workflow.may_review(actor):
        raise PermissionDenied("只有数据资源局可以导入并直接发布。")
    _, rows = read_files(files)
    staff = org_selectors.staff_for_user(actor)
    folder = f"{STORAGE_PREFIX}/{uuid.uuid4().hex}"
    stored = [
        {"name": name, "path": default_storage.save(f"{folder}/{index}.dat", ContentFile(data))}
        for index, (name, data) in enumerate(files, start=1)
    ]
    with transaction.atomic():
        job = ImportJob.objects.create(
            created_by=actor,
            department=staff.department if staff else None,
            publish=publish,
            files=stored,
            rows=rows,
        )
        audit_change(
            action="catalog.import_job_create",
            obj=job,
            after={"files": [f["name"] for f in stored], "rows": rows, "publish": publish},
            actor=actor,
        )
        # Queued once the job row is committed, so the worker always finds it.
        transaction.on_commit(lambda: _enqueue(job.pk))
    return job


def _enqueue(job_id: int) -> None:
    from yiwang.catalog.tasks import run_import_job

    run_import_job.enqueue(job_id)


def _job_update(job: ImportJob, **fields: Any) -> None:
    for name, value in fields.items():
        setattr(job, name, value)
    ImportJob.objects.filter(pk=job.pk).update(**fields)


def import_job_run(*, job_id: int) -> ImportJob:
    """Run a queued job (in the worker): read the kept files, check every row outside any
    transaction (progress “N of M rows”), write a clean file in one transaction, keep the
    per-row report, delete the files. A job that cannot run ends as failed with its reason."""
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    if job.status != ImportJobStatus.QUEUED:
        return job  # already run (a retried task must not import twice)
    _job_update(job, status=ImportJobStatus.RUNNING, phase="checking", started_at=timezone.now())
    last = 0.0

    def checking(done: int, total: int) -> None:
        nonlocal last
        now = time.monotonic()
        if done == total or now - last >= PROGRESS_INTERVAL:
            last = now
            _job_update(job, done=done, total=total)

    def writing(total: int) -> None:
        _job_update(job, phase="writing", done=0, total=total)

    try:
        files = []
        for stored in job.files:
            with default_storage.open(stored["path"], "rb") as handle:
                files.append((stored["name"], handle.read()))
        result = catalog_import(
            files=files,
            actor=job.created_by,
            publish=job.publish,
            checking=checking,
            writing=writing,
        )
    except (ImportFileError, PermissionDenied) as exc:
        message = "；".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        _finish(job, ImportJobStatus.FAILED, failure=message[:500])
    except Exception:
        logger.exception("import job %s failed", job.pk)
        _finish(job, ImportJobStatus.FAILED, failure=INTERNAL_FAILURE)
    else:
        logger.info(
            "import job %s: %s rows, write transaction %.2f s",
            job.pk,
            result.rows,
            result.write_seconds,
        )
        _finish(
            job,
            ImportJobStatus.DONE,
            report={**result.to_report(max_lines=REPORT_MAX_LINES), "summary": result.summary},
        )
    return job


def _finish(job: ImportJob, status: str, **fields: Any) -> None:
    for stored in job.files:
        try:
            default_storage.delete(stored["path"])
        except OSError:  # a missing file must not keep the job running forever
            logger.warning("import job %s: could not delete %s", job.pk, stored["path"])
    _job_update(job, status=status, phase="", finished_at=timezone.now(), **fields)


def import_jobs_for(*, user: User) -> QuerySet[ImportJob]:
    """Import jobs in the user's data scope (by the importer's department), newest first."""
    jobs = ImportJob.objects.select_related("created_by", "department")
    if user.is_superuser:
        return jobs
    return jobs.filter(department__in=org_selectors.departments_in_scope(user=user))


def import_job_get_for(*, user: User, pk: int) -> ImportJob:
    """One job in the user's scope; out of scope is 404."""
    job: ImportJob = org_selectors.get_in_scope_or_404(import_jobs_for(user=user), pk=pk)
    return job
