"""Gathering a department's licences in bulk (证照归集) from its own systems: an xlsx or CSV file
(workbench upload, `yiwang license import`) or a JSON list (POST /api/licenses/gather/).

All or nothing. Every row is read and checked first, outside any transaction: the licence type
exists and is issued by the gathering department (a department gathers only its own types), the
holder's ID number or USCC (common.validators), the dates, the type's required fields, the
status, and no (type, 原系统证照编号) twice in one batch. Any bad row → a per-row report (row,
column, one Chinese sentence) and nothing is written. A clean batch is issued in one transaction
through licenses.services (origin 部门归集, source_number set, sealed by the department's key).

Re-sending changes nothing. A row is matched on (type, issuer, 原系统证照编号) with the latest
version of that licence:
- none: a new licence (新增);
- same holder, fields, validity and status: nothing is written (未变更);
- same content, the status now ended (撤销, 注销 …): the licence's status changes (变更);
- different holder, fields or validity: a new version (same serial, version + 1, `previous`
  the old one), and the old version becomes 失效 with the reason naming the new one (变更);
- a licence whose status has already ended cannot come back as valid or change content: the
  row is refused (the department sends the new licence under a new number).
The format is documented in docs/licenses.md (归集); the template is `template_csv()`.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from yiwang.audit.services import audit_operation
from yiwang.common.personal import personal_hash
from yiwang.common.validators import validate_id_number, validate_plain_text, validate_uscc
from yiwang.licenses import services
from yiwang.licenses.fields import clean_values
from yiwang.licenses.models import (
    HolderKind,
    License,
    LicenseOrigin,
    LicenseStatus,
    LicenseType,
    SealKey,
)
from yiwang.org.models import Department

Progress = Callable[[int, int], None]

# The file's columns: Chinese header → the row key (also the API's JSON key).
COLUMNS: dict[str, str] = {
    "证照类型代码": "type_code",
    "原系统证照编号": "source_number",
    "持证主体类型": "holder_kind",
    "持证主体名称": "holder_name",
    "身份证号码": "holder_id_number",
    "统一社会信用代码": "holder_uscc",
    "有效期起": "valid_from",
    "有效期至": "valid_until",
    "状态": "status",
    "状态原因": "status_reason",
}
HEADERS = {key: header for header, key in COLUMNS.items()}
KEYS = frozenset(COLUMNS.values())
HOLDER_KINDS = {
    "自然人": HolderKind.PERSON,
    "person": HolderKind.PERSON,
    "法人和其他组织": HolderKind.ENTERPRISE,
    "法人": HolderKind.ENTERPRISE,
    "enterprise": HolderKind.ENTERPRISE,
}
STATUSES = {
    **{s.label: s.value for s in LicenseStatus},
    **{s.value: s.value for s in LicenseStatus},
}
TRUE = {"是", "y", "yes", "true", "1"}
FALSE = {"否", "n", "no", "false", "0"}
SOURCE_NUMBER_MAX = 64
SOURCE_NUMBER_RE = re.compile(r"^[0-9A-Za-z\-_/.()（）\u4e00-\u9fff]+$")


def max_bytes() -> int:
    """Largest file accepted (YIWANG_LICENSE_GATHER_MAX_BYTES)."""
    return int(settings.YIWANG_LICENSE_GATHER_MAX_BYTES)


def max_rows() -> int:
    """Most rows in one batch, file or API call (YIWANG_LICENSE_GATHER_MAX_ROWS)."""
    return int(settings.YIWANG_LICENSE_GATHER_MAX_ROWS)


class GatherFileError(Exception):
    """A file that cannot be read at all (not xlsx/CSV, too large, no header): one sentence."""


@dataclass(frozen=True)
class RowError:
    """One problem of one row: the row as Excel numbers it (header = row 1) or the position in
    the API's list (from 1), the column (Chinese header or English key) and one sentence."""

    row: int
    column: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "message": self.message}

    def __str__(self) -> str:
        return f"第 {self.row} 行 {self.column}：{self.message}"


@dataclass
class GatherResult:
    """What a batch did (or, dry run or refused, would do): the counts, the per-row errors and
    the identifiers of the licences written."""

    rows: int = 0
    created: int = 0
    unchanged: int = 0
    changed: int = 0
    errors: list[RowError] = field(default_factory=list)
    dry_run: bool = False
    identifiers: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def written(self) -> bool:
        return self.ok and not self.dry_run and bool(self.created or self.changed)

    def as_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "created": self.created,
            "unchanged": self.unchanged,
            "changed": self.changed,
            "dry_run": self.dry_run,
            "errors": [e.as_dict() for e in self.errors],
            "identifiers": self.identifiers,
        }

    def summary(self) -> str:
        verb = "将" if self.dry_run else ""
        return (
            f"共 {self.rows} 行：{verb}新增 {self.created} 本，{verb}变更 {self.changed} 本，"
            f"未变更 {self.unchanged} 本。"
        )


@dataclass
class _Row:
    number: int
    values: dict[str, Any]  # the column keys above
    fields: dict[str, Any]  # the type's fields by name
    columns: dict[str, str]  # key or field name → the column as the source names it
    # How a type field the row leaves out is named: its header in a file, fields.<name> in JSON.
    field_prefix: str = ""


@dataclass
class _Plan:
    row: _Row
    license_type: LicenseType
    action: str  # created | unchanged | changed | status
    issue: dict[str, Any]
    status: str
    status_reason: str
    existing: License | None = None


# --- Reading -------------------------------------------------------------------------------


def read_file(filename: str, data: bytes) -> list[_Row]:
    """The rows of an uploaded xlsx/CSV file (its type by content, as catalogue imports: the
    same sniffing, zip checks and encodings — UTF-8 with or without BOM, GB18030)."""
    from yiwang.catalog.transfer.reading import read_tables, size_text
    from yiwang.catalog.transfer.report import ImportFileError
    from yiwang.catalog.transfer.report import RowBudget as _Budget

    limit = max_bytes()
    if len(data) > limit:
        raise GatherFileError(
            f"文件“{filename}”大小为 {size_text(len(data))}，超过上限 {size_text(limit)}，"
            "请拆分后分批归集。"
        )
    try:
        tables = read_tables(filename, data, _Budget(limit=max_rows()))
    except ImportFileError as exc:
        raise GatherFileError(" ".join(exc.messages)) from None
    table = next((t for t in tables if "证照类型代码" in _headers(t.headers)), None)
    if table is None:
        raise GatherFileError(
            f"文件“{filename}”中没有证照归集表：第 1 行应为表头，须有“证照类型代码”列。"
            "请对照归集模板。"
        )
    headers = _headers(table.headers)
    rows = []
    for number, cells in table.rows:
        values: dict[str, Any] = {}
        fields: dict[str, Any] = {}
        columns: dict[str, str] = {}
        for position, header in enumerate(headers):
            if not header:
                continue
            cell = cells[position] if position < len(cells) else ""
            key = COLUMNS.get(header)
            if key is not None:
                values[key] = cell
                columns[key] = header
            elif cell != "":
                fields[header] = cell
                columns[header] = header
        rows.append(_Row(number=number, values=values, fields=fields, columns=columns))
    return rows


def _headers(headers: Sequence[str]) -> list[str]:
    return [unicodedata.normalize("NFKC", h).strip().lstrip("*").strip() for h in headers]


def read_records(records: Sequence[Any]) -> tuple[list[_Row], list[RowError]]:
    """The rows of the API's JSON list (English keys; `fields` an object of the type's
    fields); a record that is not an object, or has unknown keys, is a row error."""
    rows: list[_Row] = []
    errors: list[RowError] = []
    for number, record in enumerate(records, start=1):
        if not isinstance(record, Mapping):
            errors.append(RowError(number, "—", "每条证照应为一个 JSON 对象。"))
            continue
        unknown = sorted(str(k) for k in record if k not in KEYS and k != "fields")
        if unknown:
            errors.append(
                RowError(number, unknown[0], f"不认识的键“{'、'.join(unknown)}”，请对照接口文档。")
            )
            continue
        given = record.get("fields") or {}
        if not isinstance(given, Mapping):
            errors.append(RowError(number, "fields", "fields 应为以证照字段名为键的对象。"))
            continue
        values = {k: record[k] for k in KEYS if k in record and record[k] is not None}
        columns = {k: k for k in KEYS}
        columns.update({str(name): f"fields.{name}" for name in given})
        rows.append(
            _Row(
                number=number,
                values=values,
                fields=dict(given),
                columns=columns,
                field_prefix="fields.",
            ),
        )
    return rows, errors


# --- Checking ------------------------------------------------------------------------------


class _Bad(Exception):
    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key
        self.message = message


def _text(row: _Row, key: str, *, required: bool = False) -> str:
    value = row.values.get(key, "")
    if not isinstance(value, str):
        raise _Bad(key, f"“{HEADERS[key]}”应为文本。")
    value = unicodedata.normalize("NFC", value).strip()
    if required and not value:
        raise _Bad(key, f"请填写“{HEADERS[key]}”。")
    return value


def _date(row: _Row, key: str, *, required: bool) -> dt.date | None:
    value = _text(row, key, required=required)
    if not value:
        return None
    # A date cell of a workbook arrives as "YYYY-MM-DD 00:00:00"; people write 2024/3/1 too.
    text = value.split(" ")[0].replace("/", "-").replace(".", "-")
    try:
        year, month, day = (int(part) for part in text.split("-"))
        return dt.date(year, month, day)
    except ValueError:
        raise _Bad(key, f"“{HEADERS[key]}”“{value}”不是 YYYY-MM-DD 形式的日期。") from None


def _field_value(kind: str, name: str, value: Any) -> Any:
    # A file's cells are text: turn them into the kind the type expects (the API sends JSON).
    if not isinstance(value, str):
        return value
    text = value.strip()
    if kind == "integer":
        try:
            return int(text)
        except ValueError:
            raise _Bad(name, f"证照字段“{name}”应为整数。") from None
    if kind == "boolean":
        if text.lower() in TRUE:
            return True
        if text.lower() in FALSE:
            return False
        raise _Bad(name, f"证照字段“{name}”应为“是”或“否”。")
    if kind == "date":
        return text.split(" ")[0].replace("/", "-")
    return text


class _Checker:
    def __init__(self, department: Department) -> None:
        self.department = department
        self.types: dict[str, LicenseType | None] = {}
        self.seen: dict[tuple[int, str], int] = {}

    def license_type(self, code: str) -> LicenseType:
        if code not in self.types:
            self.types[code] = (
                LicenseType.objects.select_related("department").filter(code=code.upper()).first()
            )
        kind = self.types[code]
        if kind is None:
            raise _Bad("type_code", f"证照类型代码 {code} 不存在。")
        if kind.department_id != self.department.pk:
            raise _Bad(
                "type_code",
                f"证照类型“{kind.name}”由{kind.department.name}颁发，"
                f"{self.department.name}不能归集。",
            )
        return kind

    def check(self, row: _Row) -> tuple[LicenseType, dict[str, Any], str, str]:
        code = _text(row, "type_code", required=True)
        license_type = self.license_type(code)
        number = _text(row, "source_number", required=True)
        if len(number) > SOURCE_NUMBER_MAX or not SOURCE_NUMBER_RE.match(number):
            raise _Bad(
                "source_number",
                f"原系统证照编号应为 1–{SOURCE_NUMBER_MAX} 位字母、数字、汉字或 -_/.()。",
            )
        first = self.seen.setdefault((license_type.pk, number), row.number)
        if first != row.number:
            raise _Bad("source_number", f"原系统证照编号 {number} 与第 {first} 行重复。")
        kind_text = _text(row, "holder_kind", required=True)
        holder_kind = HOLDER_KINDS.get(kind_text) or HOLDER_KINDS.get(kind_text.lower())
        if holder_kind is None:
            raise _Bad("holder_kind", "持证主体类型应为“自然人”或“法人和其他组织”。")
        name = _text(row, "holder_name", required=True)
        if len(name) > 200:
            raise _Bad("holder_name", "持证主体名称不能超过 200 个字。")
        try:
            validate_plain_text(name, field="持证主体名称")
        except ValidationError as exc:
            raise _Bad("holder_name", " ".join(exc.messages)) from None
        id_number = _text(row, "holder_id_number")
        uscc = _text(row, "holder_uscc")
        if holder_kind == HolderKind.PERSON:
            if uscc:
                raise _Bad("holder_uscc", "自然人持证时不填统一社会信用代码。")
            try:
                id_number = validate_id_number(id_number, field="身份证号码")
            except ValidationError as exc:
                raise _Bad("holder_id_number", " ".join(exc.messages)) from None
        else:
            if id_number:
                raise _Bad("holder_id_number", "法人和其他组织持证时不填身份证号码。")
            try:
                uscc = validate_uscc(uscc, field="统一社会信用代码")
            except ValidationError as exc:
                raise _Bad("holder_uscc", " ".join(exc.messages)) from None
        valid_from = _date(row, "valid_from", required=True)
        valid_until = _date(row, "valid_until", required=False)
        assert valid_from is not None
        if valid_until is not None and valid_until < valid_from:
            raise _Bad("valid_until", "有效期至不能早于有效期起。")
        status_text = _text(row, "status") or LicenseStatus.VALID.label
        status = STATUSES.get(status_text)
        if status is None:
            allowed = "、".join(s.label for s in LicenseStatus)
            raise _Bad("status", f"状态“{status_text}”不存在，可选：{allowed}。")
        reason = _text(row, "status_reason")
        if len(reason) > services.STATUS_REASON_MAX:
            raise _Bad("status_reason", f"状态原因不能超过 {services.STATUS_REASON_MAX} 个字。")
        if reason:
            try:
                validate_plain_text(reason, field="状态原因")
            except ValidationError as exc:
                raise _Bad("status_reason", " ".join(exc.messages)) from None
        kinds = {item["name"]: item["kind"] for item in license_type.fields}
        for given in row.fields:
            if unicodedata.normalize("NFC", str(given)) not in kinds:
                raise _Bad(given, f"证照类型“{license_type.name}”没有字段“{given}”。")
        given_fields = {
            name: _field_value(kinds[unicodedata.normalize("NFC", str(name))], name, value)
            for name, value in row.fields.items()
        }
        try:
            values = clean_values(license_type.fields, given_fields)
        except ValidationError as exc:
            message = " ".join(exc.messages)
            missing = next((n for n in kinds if f"“{n}”" in message), "—")
            raise _Bad(missing, message) from None
        issue = {
            "license_type": license_type,
            "holder_kind": holder_kind,
            "holder_name": name,
            "holder_id_number": id_number,
            "holder_uscc": uscc,
            "fields": values,
            "valid_from": valid_from,
            "valid_until": valid_until,
            "source_number": number,
        }
        return license_type, issue, status, reason


def _same_content(existing: License, issue: Mapping[str, Any]) -> bool:
    id_hash = (
        personal_hash("id_number", issue["holder_id_number"]) if issue["holder_id_number"] else ""
    )
    return (
        existing.holder_kind == issue["holder_kind"]
        and existing.holder_name == issue["holder_name"]
        and (existing.holder_id_number_hash or "") == id_hash
        and existing.holder_uscc == issue["holder_uscc"]
        and existing.fields == issue["fields"]
        and existing.valid_from == issue["valid_from"]
        and existing.valid_until == issue["valid_until"]
    )


def _latest(
    department: Department, keys: Iterable[tuple[int, str]]
) -> dict[tuple[int, str], License]:
    """The latest version of each (type, source number) the department already holds."""
    wanted = list(keys)
    latest: dict[tuple[int, str], License] = {}
    for start in range(0, len(wanted), 500):
        chunk = set(wanted[start : start + 500])
        found = License.objects.filter(
            issuer=department,
            license_type_id__in={t for t, _ in chunk},
            source_number__in={n for _, n in chunk},
        ).order_by("version")
        for license in found:
            key = (license.license_type_id, license.source_number)
            if key in chunk:
                latest[key] = license
    return latest


def _plan(department: Department, rows: Sequence[_Row], errors: list[RowError]) -> list[_Plan]:
    checker = _Checker(department)
    checked: list[tuple[_Row, LicenseType, dict[str, Any], str, str]] = []
    for row in rows:
        try:  # a missing column reads as empty cells: "请填写…" names it
            checked.append((row, *checker.check(row)))
        except _Bad as bad:
            column = (
                row.columns.get(bad.key)
                or HEADERS.get(bad.key)
                or (bad.key if bad.key == "—" else row.field_prefix + bad.key)
            )
            errors.append(RowError(row.number, column, bad.message))
    if errors:
        return []
    latest = _latest(department, [(t.pk, issue["source_number"]) for _, t, issue, _, _ in checked])
    plans = []
    for row, license_type, issue, status, reason in checked:
        existing = latest.get((license_type.pk, issue["source_number"]))
        plan = _Plan(row, license_type, "created", issue, status, reason, existing)
        if existing is not None:
            same = _same_content(existing, issue)
            ended = existing.status != LicenseStatus.VALID
            if same and existing.status == status:
                plan.action = "unchanged"
            elif ended:
                label = LicenseStatus(existing.status).label
                errors.append(
                    RowError(
                        row.number,
                        row.columns.get("source_number", "原系统证照编号"),
                        f"原系统证照编号 {issue['source_number']} 的证照已{label}，不能再变更；"
                        "新发的证照请用新的编号归集。",
                    )
                )
                continue
            else:
                plan.action = "status" if same else "changed"
        plans.append(plan)
    return plans if not errors else []


# --- Writing -------------------------------------------------------------------------------


def _write(plan: _Plan, actor: Any, why: str) -> str:
    existing = plan.existing
    if plan.action == "status":
        assert existing is not None
        services.license_revoke(
            license=existing,
            status=plan.status,
            reason=plan.status_reason or why,
            actor=actor,
        )
        return existing.identifier
    license = services.license_issue(
        **plan.issue,
        previous=existing if plan.action == "changed" else None,
        origin=LicenseOrigin.GATHERED,
        actor=actor,
    )
    if plan.action == "changed":
        assert existing is not None
        services.license_revoke(
            license=existing,
            status=LicenseStatus.EXPIRED,
            reason=f"已变更为第 {license.version} 版（{license.identifier}）",
            actor=actor,
        )
    if plan.status != LicenseStatus.VALID:
        services.license_revoke(
            license=license, status=plan.status, reason=plan.status_reason or why, actor=actor
        )
    return license.identifier


def gather(
    *,
    department: Department,
    rows: Sequence[_Row],
    errors: Sequence[RowError] = (),
    actor: Any = None,
    source: str = "",
    dry_run: bool = False,
    progress: Progress | None = None,
    retry: bool = True,
) -> GatherResult:
    """Check every row, then (none bad, not a dry run) write them all in one transaction.

    `errors` are problems already found while reading (API records that are not objects);
    `source` names the batch in the audit trail (file name, API key). `progress(done, total)`
    follows the writes. When a write fails because someone gathered or changed these
    licences since the check (the same file sent twice at once), the batch is checked once
    more against what is there now — so the second of two identical batches finds them
    unchanged."""
    result = GatherResult(rows=len(rows) + len(errors), dry_run=dry_run)
    result.errors = list(errors)
    if result.rows > max_rows():
        result.errors.append(
            RowError(max_rows() + 1, "—", f"一次最多归集 {max_rows()} 本证照，请分批发送。")
        )
        return result
    plans = _plan(department, rows, result.errors)
    if result.errors:
        result.errors.sort(key=lambda e: e.row)
        return result
    if plans and not SealKey.objects.filter(department=department, retired_at=None).exists():
        result.errors.append(
            RowError(
                plans[0].row.number,
                "—",
                f"{department.name}尚无签章密钥，不能签发证照，请先为其生成签章密钥。",
            )
        )
        return result
    for plan in plans:
        if plan.action == "unchanged":
            result.unchanged += 1
        elif plan.action == "created":
            result.created += 1
        else:
            result.changed += 1
    if dry_run:
        return result
    why = f"部门归集：{source}" if source else "部门归集"
    work = [p for p in plans if p.action != "unchanged"]
    try:
        with transaction.atomic():
            for done, plan in enumerate(work, start=1):
                try:
                    result.identifiers.append(_write(plan, actor, why))
                except (ValidationError, IntegrityError) as exc:
                    # Someone changed these licences since the check: write nothing.
                    message = (
                        " ".join(exc.messages)
                        if isinstance(exc, ValidationError)
                        else "这些证照刚被他人归集或变更，请重新提交。"
                    )
                    result.errors = [RowError(plan.row.number, "—", message)]
                    raise ValidationError(message) from exc
                if progress:
                    progress(done, len(work))
            if work:
                audit_operation(
                    action="licenses.gather",
                    object_type="org.department",
                    object_id=str(department.pk),
                    object_label=department.name,
                    changes={
                        "created": {"before": None, "after": result.created},
                        "changed": {"before": None, "after": result.changed},
                        "unchanged": {"before": None, "after": result.unchanged},
                    },
                    actor=actor,
                    reason=why,
                )
    except ValidationError:
        if retry:
            return gather(
                department=department,
                rows=rows,
                errors=errors,
                actor=actor,
                source=source,
                progress=progress,
                retry=False,
            )
        result.identifiers = []
        result.created = result.changed = result.unchanged = 0
        return result
    return result


def gather_file(
    *,
    department: Department,
    filename: str,
    data: bytes,
    actor: Any = None,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> GatherResult:
    """Gather the licences of an xlsx/CSV file (GatherFileError when it cannot be read)."""
    rows = read_file(filename, data)
    return gather(
        department=department,
        rows=rows,
        actor=actor,
        source=filename,
        dry_run=dry_run,
        progress=progress,
    )


def gather_records(
    *, department: Department, records: Sequence[Any], actor: Any = None, source: str = ""
) -> GatherResult:
    """Gather the licences of the API's JSON list."""
    rows, errors = read_records(records)
    return gather(department=department, rows=rows, errors=errors, actor=actor, source=source)


def template_csv(license_types: Iterable[LicenseType] = ()) -> bytes:
    """The download template: the header row — the common columns, then the given types' own
    fields — UTF-8 with BOM so that Excel opens it as it should."""
    import csv
    import io

    extra: list[str] = []
    for kind in license_types:
        extra += [f["name"] for f in kind.fields if f["name"] not in extra]
    out = io.StringIO()
    csv.writer(out).writerow([*COLUMNS, *extra])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


# --- Jobs: the workbench gathers a large file in the task worker -----------------------------

JOB_STORAGE_PREFIX = "gathering"
# Progress is written at most this often (seconds): each write is a short statement.
JOB_PROGRESS_INTERVAL = 0.5
# Errors kept in a job's report (the page says how many more there were).
JOB_REPORT_MAX_ERRORS = 1000
JOB_INTERNAL_FAILURE = "归集时发生内部错误，未写入任何证照，请联系管理员。"


def inline_rows() -> int:
    """Files of at most this many rows are gathered at once on the workbench; larger ones in
    the worker (YIWANG_LICENSE_GATHER_INLINE_ROWS)."""
    return int(settings.YIWANG_LICENSE_GATHER_INLINE_ROWS)


def gather_job_create(
    *, department: Department, filename: str, data: bytes, rows: int, actor: Any, dry_run: bool
) -> Any:
    """Keep an already-read file (GatherFileError was raised by reading it, before anything is
    stored) in the default storage and queue it for the task worker. Audited."""
    import uuid

    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from yiwang.audit.services import audit_change
    from yiwang.licenses.models import GatherJob

    path = default_storage.save(
        f"{JOB_STORAGE_PREFIX}/{uuid.uuid4().hex}/file.dat", ContentFile(data)
    )
    with transaction.atomic():
        job = GatherJob.objects.create(
            created_by=actor,
            department=department,
            filename=filename[:255],
            path=path,
            dry_run=dry_run,
            rows=rows,
        )
        audit_change(
            action="licenses.gather_job_create",
            obj=job,
            after={"file": job.filename, "rows": rows, "department": department.pk},
            actor=actor,
        )
        # Queued once the job row is committed, so the worker always finds it.
        transaction.on_commit(lambda: _enqueue(job.pk))
    return job


def _enqueue(job_id: int) -> None:
    from yiwang.licenses.tasks import run_gather_job

    run_gather_job.enqueue(job_id)


def gather_job_run(*, job_id: int) -> Any:
    """Run a queued job (in the worker): gather the kept file (progress of the writes), keep the
    report, delete the file. A job that cannot run ends as failed with its reason."""
    import logging
    import time

    from django.core.files.storage import default_storage
    from django.utils import timezone

    from yiwang.licenses.models import GatherJob, GatherJobStatus

    job = GatherJob.objects.select_related("created_by", "department").get(pk=job_id)
    if job.status != GatherJobStatus.QUEUED:
        return job  # already run: a retried task must not gather twice
    jobs = GatherJob.objects.filter(pk=job.pk)
    jobs.update(status=GatherJobStatus.RUNNING, started_at=timezone.now())
    last = 0.0

    def progress(done: int, total: int) -> None:
        nonlocal last
        now = time.monotonic()
        if done == total or now - last >= JOB_PROGRESS_INTERVAL:
            last = now
            jobs.update(done=done, total=total)

    fields: dict[str, Any]
    try:
        with default_storage.open(job.path, "rb") as handle:
            data = handle.read()
        result = gather_file(
            department=job.department,
            filename=job.filename,
            data=data,
            actor=job.created_by,
            dry_run=job.dry_run,
            progress=progress,
        )
    except GatherFileError as exc:
        fields = {"status": GatherJobStatus.FAILED, "failure": str(exc)[:500]}
    except Exception:
        logging.getLogger(__name__).exception("gather job %s failed", job.pk)
        fields = {"status": GatherJobStatus.FAILED, "failure": JOB_INTERNAL_FAILURE}
    else:
        report = result.as_dict()
        report["error_count"] = len(result.errors)
        report["errors"] = report["errors"][:JOB_REPORT_MAX_ERRORS]
        fields = {"status": GatherJobStatus.DONE, "report": report}
    try:
        default_storage.delete(job.path)
    except OSError:  # a missing file must not keep the job running for ever
        logging.getLogger(__name__).warning("gather job %s: could not delete its file", job.pk)
    jobs.update(finished_at=timezone.now(), **fields)
    job.refresh_from_db()
    return job


def result_of(job: Any) -> GatherResult | None:
    """The GatherResult a finished job's report describes (None before it is done)."""
    report = job.report or {}
    if job.status != "done" or not report:
        return None
    return GatherResult(
        rows=report.get("rows", 0),
        created=report.get("created", 0),
        unchanged=report.get("unchanged", 0),
        changed=report.get("changed", 0),
        dry_run=report.get("dry_run", False),
        identifiers=list(report.get("identifiers", [])),
        errors=[RowError(e["row"], e["column"], e["message"]) for e in report.get("errors", [])],
    )
