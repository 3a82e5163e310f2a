"""The 12345 hotline's daily export (xlsx): read, check every row, register all or none.

The column layout is in docs/appeals.md ("The hotline's daily export"). Each row goes through
services.ticket_register (the one home of the rules) inside one transaction with a savepoint
per row; any refused row rolls everything back and the report names each bad row and field.
A row whose 工单编号 is already a 12345 ticket is 已存在 and left alone, so re-importing a file
changes nothing. Large files are imported by the worker (tasks.run_import)."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from yiwang.appeals.fields import TicketKind, TicketSource, import_inline_rows
from yiwang.appeals.models import ImportStatus, Ticket, TicketImport
from yiwang.audit.services import audit_operation
from yiwang.common import uploads
from yiwang.common.crypto import sm3_hex
from yiwang.org.models import User

SOURCE = TicketSource.HOTLINE
# header → the service's keyword; the required ones first.
COLUMNS = {
    "工单编号": "external_number",
    "受理时间": "registered_at",
    "诉求类别": "kind",
    "标题": "title",
    "诉求内容": "content",
    "紧急程度": "urgent",
    "来电人": "applicant_name",
    "联系电话": "applicant_phone",
    "诉求地点": "address",
    "经度": "longitude",
    "纬度": "latitude",
}
REQUIRED = ("工单编号", "受理时间", "诉求类别", "标题", "诉求内容")
FIELD_HEADERS = {name: header for header, name in COLUMNS.items()}
KIND_BY_LABEL = {str(label): value for value, label in TicketKind.choices}
URGENCY = {"": False, "一般": False, "普通": False, "紧急": True}
MAX_ROWS = 20000
MAX_BYTES = 20 * 1024 * 1024


class ImportFileError(ValueError):
    """The file as a whole cannot be read (one sentence for the user)."""


@dataclass
class RowResult:
    row: int  # the sheet's row number (the header is row 1)
    external_number: str
    result: str  # created | unchanged | error
    message: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "external_number": self.external_number,
            "result": self.result,
            "message": self.message,
        }


@dataclass
class ImportReport:
    rows: list[RowResult] = field(default_factory=list)

    @property
    def errors(self) -> list[RowResult]:
        return [r for r in self.rows if r.result == "error"]

    @property
    def created(self) -> int:
        return sum(r.result == "created" for r in self.rows)

    @property
    def unchanged(self) -> int:
        return sum(r.result == "unchanged" for r in self.rows)

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        if not self.ok:
            return (
                f"共 {len(self.rows)} 行，{len(self.errors)} 行有误，未导入任何工单："
                + "；".join(r.message.rstrip("。") for r in self.errors[:5])
                + ("……" if len(self.errors) > 5 else "。")
            )
        return f"共 {len(self.rows)} 行：新增 {self.created} 件，已存在 {self.unchanged} 件。"


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def read_rows(data: bytes, file_name: str = "文件") -> list[tuple[int, dict[str, Any]]]:
    """The data rows of the first sheet as (row number, {header: value}); ImportFileError
    when the file is not a readable xlsx or lacks a required column."""
    if len(data) > MAX_BYTES:
        raise ImportFileError(
            f"文件“{file_name}”超过 {MAX_BYTES // (1024 * 1024)} MB，请分批导入。"
        )
    try:
        kind = uploads.inspect(data)
    except uploads.UploadRejected as exc:
        raise ImportFileError(f"文件“{file_name}”{exc.reason}。") from None
    if kind != "xlsx":
        raise ImportFileError(
            f"文件“{file_name}”不是 Excel 工作簿（xlsx），请导出为 xlsx 后再导入。"
        )
    import openpyxl  # parses through defusedxml (a dependency): no entity bombs

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # an uploaded file can break the parser in any way: never a traceback
        raise ImportFileError(f"文件“{file_name}”不是有效的 Excel 工作簿（xlsx）。") from None
    try:
        sheet = workbook.worksheets[0]
        if hasattr(sheet, "reset_dimensions"):
            sheet.reset_dimensions()  # trust the cells, not the stored size
        rows: list[tuple[int, dict[str, Any]]] = []
        header: list[str] | None = None
        for number, record in enumerate(sheet.iter_rows(values_only=True), start=1):
            if header is None:
                header = [_text(v) for v in record]
                missing = [h for h in REQUIRED if h not in header]
                if missing:
                    raise ImportFileError(
                        f"文件“{file_name}”缺少列：{'、'.join(missing)}（第 1 行应为表头）。"
                    )
                continue
            values = dict(zip(header, record, strict=False))
            if not any(_text(v) for v in values.values()):
                continue
            rows.append((number, values))
            if len(rows) > MAX_ROWS:
                raise ImportFileError(f"文件“{file_name}”超过 {MAX_ROWS} 行，请分批导入。")
    except ImportFileError:
        raise
    except Exception:
        raise ImportFileError(f"文件“{file_name}”的内容无法读取，请重新导出后再导入。") from None
    finally:
        workbook.close()
    if header is None:
        raise ImportFileError(f"文件“{file_name}”是空的。")
    return rows


def _registered_at(value: Any) -> dt.datetime:
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, dt.date):
        moment = dt.datetime.combine(value, dt.time(0, 0))
    else:
        text = _text(value).replace("/", "-")
        for pattern in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d"):
            try:
                moment = dt.datetime.strptime(text, pattern)
                break
            except ValueError:
                continue
        else:
            raise ValidationError({"registered_at": "受理时间应为“2026-11-02 09:15”的格式。"})
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    if moment > timezone.now() + dt.timedelta(days=1):
        raise ValidationError({"registered_at": "受理时间不能晚于今天。"})
    return moment


def _row_values(values: dict[str, Any]) -> dict[str, Any]:
    """The service's keywords for one row; ValidationError keyed like the service's."""
    kwargs: dict[str, Any] = {
        name: _text(values.get(header))
        for header, name in COLUMNS.items()
        if name not in ("registered_at",)
    }
    kwargs["registered_at"] = _registered_at(values.get("受理时间"))
    kind = kwargs["kind"]
    if kind not in KIND_BY_LABEL:
        raise ValidationError({"kind": "诉求类别应为咨询、求助、投诉、举报、建议或表扬。"})
    kwargs["kind"] = KIND_BY_LABEL[kind]
    urgency = kwargs["urgent"]
    if urgency not in URGENCY:
        raise ValidationError({"urgent": "紧急程度应为“一般”或“紧急”。"})
    kwargs["urgent"] = URGENCY[urgency]
    kwargs["anonymous"] = not kwargs["applicant_name"]
    if not kwargs["external_number"]:
        raise ValidationError({"external_number": "请填写工单编号。"})
    return kwargs


def _sentence(row: int, exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        parts = []
        for name, errors in exc.message_dict.items():
            header = FIELD_HEADERS.get(name, name)
            parts.append(f"“{header}”{'；'.join(errors)}")
        return f"第 {row} 行：" + "；".join(parts)
    return f"第 {row} 行：" + "；".join(exc.messages)


def import_rows(
    rows: list[tuple[int, dict[str, Any]]], *, actor: User | None, dry_run: bool = False
) -> ImportReport:
    """Register every row, or none: one transaction, a savepoint per row; any error (or
    `dry_run`) rolls the whole file back. The report has one line per row. ImportFileError
    when there is no bureau to receive the tickets."""
    from yiwang.appeals.services import ticket_register
    from yiwang.org.selectors import department_bureau

    if department_bureau() is None:  # the centre every row would be received by
        raise ImportFileError("尚未设置数据资源管理局（受理单位），不能导入12345工单。")
    report = ImportReport()
    seen: dict[str, int] = {}
    with transaction.atomic():
        for number, values in rows:
            external = _text(values.get("工单编号"))
            if external and external in seen:
                report.rows.append(
                    RowResult(
                        number,
                        external,
                        "error",
                        f"第 {number} 行：“工单编号”{external} 与第 {seen[external]} 行重复。",
                    )
                )
                continue
            seen[external] = number
            if external and Ticket.objects.filter(source=SOURCE, external_number=external).exists():
                report.rows.append(RowResult(number, external, "unchanged", "已存在"))
                continue
            try:
                kwargs = _row_values(values)
                with transaction.atomic():
                    ticket_register(actor=actor, source=SOURCE, tell_applicant=False, **kwargs)
            except ValidationError as exc:
                report.rows.append(RowResult(number, external, "error", _sentence(number, exc)))
                continue
            report.rows.append(RowResult(number, external, "created", "新增"))
        if dry_run or not report.ok:
            transaction.set_rollback(True)
    return report


def import_file(*, data: bytes, file_name: str, actor: User | None) -> TicketImport:
    """An upload (page or command): kept as a TicketImport; up to YIWANG_APPEAL_IMPORT_INLINE_ROWS
    rows imported now, larger files queued for the worker. A file that cannot be read is a
    failed import with its one sentence."""
    if actor is not None and not actor.has_perm("appeals.register_ticket"):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied("您的角色不能导入12345工单。")
    job = TicketImport(file_name=file_name[:200], digest=sm3_hex(data), created_by=actor)
    job.file.save(f"12345-{timezone.localdate():%Y%m%d}.xlsx", ContentFile(data), save=False)
    try:
        rows = read_rows(data, file_name)
    except ImportFileError as exc:
        job.status = ImportStatus.FAILED
        job.message = str(exc)[:500]
        job.finished_at = timezone.now()
        job.save()
        return job
    job.rows = len(rows)
    job.save()
    if len(rows) > import_inline_rows():
        from yiwang.appeals.tasks import run_import

        transaction.on_commit(lambda: run_import.enqueue(job.pk))
        return job
    return import_run(job=job, rows=rows)


def import_run(
    *, job: TicketImport, rows: list[tuple[int, dict[str, Any]]] | None = None
) -> TicketImport:
    """Import a kept upload (the worker's task, or at once for a small file)."""
    claimed = TicketImport.objects.filter(pk=job.pk, status__in=[ImportStatus.PENDING]).update(
        status=ImportStatus.RUNNING
    )
    if not claimed:  # another worker took it, or it is done
        job.refresh_from_db()
        return job
    job.refresh_from_db()
    try:
        if rows is None:
            with job.file.open("rb") as handle:
                rows = read_rows(handle.read(), job.file_name)
        report = import_rows(rows, actor=job.created_by)
    except ImportFileError as exc:
        job.status = ImportStatus.FAILED
        job.message = str(exc)[:500]
    else:
        job.status = ImportStatus.DONE if report.ok else ImportStatus.FAILED
        job.created_count = report.created
        job.unchanged_count = report.unchanged
        job.report = [r.as_dict() for r in report.rows]
        job.message = report.summary()[:500]
    job.finished_at = timezone.now()
    job.save()
    audit_operation(
        action="appeals.import",
        object_type="appeals.ticketimport",
        object_id=str(job.pk),
        object_label=job.file_name,
        changes={"created": {"before": 0, "after": job.created_count}},
        actor=job.created_by,
        reason=job.message[:200],
    )
    return job


def workbook_bytes(rows: list[dict[str, Any]]) -> bytes:
    """An xlsx in the import's layout (every column, in COLUMNS order) holding `rows` keyed by
    header: the blank template (no rows), the demo's sample, the tests' files."""
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "12345工单"
    headers = list(COLUMNS)
    sheet.append(headers)
    for row in rows:
        sheet.append([row.get(h, "") for h in headers])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
