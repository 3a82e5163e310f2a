"""The 12345 daily export: all or nothing with a report per row, idempotent re-import, file
errors in one sentence, large files through the worker, the command."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from tests.appeals.conftest import TicketWorld
from yiwang.appeals import importing
from yiwang.appeals.models import ImportStatus, Ticket, TicketImport

ROWS = [
    {
        "工单编号": "20261102-0001",
        "受理时间": "2026-11-02 09:15",
        "诉求类别": "投诉",
        "标题": "超市销售过期食品",
        "诉求内容": "人民路某超市销售过期牛奶。",
        "来电人": "王五",
        "联系电话": "13800138000",
        "诉求地点": "城关镇人民路 8 号",
        "经度": "117.1",
        "纬度": "30.5",
    },
    {
        "工单编号": "20261102-0002",
        "受理时间": "2026-11-02 10:00",
        "诉求类别": "咨询",
        "紧急程度": "紧急",
        "标题": "医保异地备案",
        "诉求内容": "怎么办理医保异地就医备案？",
    },
]


def _file(rows):
    return importing.workbook_bytes(rows)


def test_import_registers_every_row_and_reimport_changes_nothing(tw: TicketWorld):
    job = importing.import_file(data=_file(ROWS), file_name="12345.xlsx", actor=tw.clerk.user)
    assert job.status == ImportStatus.DONE and job.created_count == 2
    first = Ticket.objects.get(external_number="20261102-0001")
    assert (first.source, first.kind, first.applicant_name, first.address) == (
        "hotline",
        "complaint",
        "王五",
        "城关镇人民路 8 号",
    )
    second = Ticket.objects.get(external_number="20261102-0002")
    assert second.urgent and second.anonymous and second.kind == "consult"
    assert timezone.localtime(second.registered_at).hour == 10  # the hotline's time
    before = list(Ticket.objects.order_by("pk").values_list("pk", "updated_at"))
    again = importing.import_file(data=_file(ROWS), file_name="12345.xlsx", actor=tw.clerk.user)
    assert again.status == ImportStatus.DONE
    assert (again.created_count, again.unchanged_count) == (0, 2)
    assert [r["result"] for r in again.report] == ["unchanged", "unchanged"]
    assert list(Ticket.objects.order_by("pk").values_list("pk", "updated_at")) == before


def test_one_bad_row_imports_nothing_and_the_report_names_it(tw: TicketWorld):
    bad = [*ROWS, {**ROWS[0], "工单编号": "20261102-0003", "联系电话": "12345", "诉求类别": "闲聊"}]
    job = importing.import_file(data=_file(bad), file_name="12345.xlsx", actor=tw.clerk.user)
    assert job.status == ImportStatus.FAILED
    assert Ticket.objects.count() == 0
    results = [r["result"] for r in job.report]
    assert results == ["created", "created", "error"]  # what would have happened
    assert job.report[2]["message"].startswith("第 4 行：“诉求类别”")
    assert "未导入任何工单" in job.message


def test_duplicate_numbers_within_a_file_are_refused(tw: TicketWorld):
    job = importing.import_file(data=_file([ROWS[0], ROWS[0]]), file_name="a.xlsx", actor=None)
    assert job.status == ImportStatus.FAILED and Ticket.objects.count() == 0
    assert "与第 2 行重复" in job.report[1]["message"]


@pytest.mark.parametrize(
    "data,expected",
    [
        (b"not a workbook at all", "不是可识别的文件类型"),
        (importing.workbook_bytes([])[:200], ""),
    ],
)
def test_unreadable_files_fail_in_one_sentence(tw: TicketWorld, data, expected):
    job = importing.import_file(data=data, file_name="x.xlsx", actor=tw.clerk.user)
    assert job.status == ImportStatus.FAILED
    assert job.message.startswith("文件“x.xlsx”") and expected in job.message


def test_a_file_without_the_required_columns_is_refused(tw: TicketWorld):
    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(["工单编号", "标题"])
    out = io.BytesIO()
    book.save(out)
    job = importing.import_file(data=out.getvalue(), file_name="x.xlsx", actor=tw.clerk.user)
    assert "缺少列：受理时间、诉求类别、诉求内容" in job.message


@pytest.mark.django_db(transaction=True)  # the worker commits and checks its connection
def test_large_files_go_to_the_worker(tw: TicketWorld, settings):
    from django_tasks_db.models import DBTaskResult

    settings.YIWANG_APPEAL_IMPORT_INLINE_ROWS = 1
    job = importing.import_file(data=_file(ROWS), file_name="big.xlsx", actor=tw.clerk.user)
    assert job.status == ImportStatus.PENDING and Ticket.objects.count() == 0
    assert DBTaskResult.objects.filter(status="READY").count() == 1
    call_command("worker", "--batch")
    job = TicketImport.objects.get(pk=job.pk)
    assert job.status == ImportStatus.DONE and job.created_count == 2
    assert Ticket.objects.count() == 2


def test_only_registering_staff_import(tw: TicketWorld):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        importing.import_file(data=_file(ROWS), file_name="a.xlsx", actor=tw.market_handler.user)


def test_command_imports_and_fails_with_a_non_zero_exit(tw: TicketWorld, tmp_path: Path):
    good = tmp_path / "good.xlsx"
    good.write_bytes(_file(ROWS))
    out = io.StringIO()
    call_command("appeals", "import", str(good), "--dry-run", stdout=out)
    assert "检查通过" in out.getvalue() and Ticket.objects.count() == 0
    call_command("appeals", "import", str(good), stdout=out)
    assert "新增 2 件" in out.getvalue()
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(_file([{**ROWS[0], "工单编号": "N1", "标题": ""}]))
    with pytest.raises(CommandError, match="未导入任何工单") as exc:
        call_command("appeals", "import", str(bad), stdout=out)
    assert exc.value.returncode == 1
    assert "第 2 行：“标题”请填写标题。" in out.getvalue()
    with pytest.raises(CommandError, match="无法读取文件"):
        call_command("appeals", "import", str(tmp_path / "missing.xlsx"))


def test_without_a_bureau_the_file_is_refused_in_one_sentence(db, tmp_path: Path):
    path = tmp_path / "12345.xlsx"
    path.write_bytes(_file(ROWS))
    with pytest.raises(CommandError) as exc:
        call_command("appeals", "import", str(path))
    assert str(exc.value) == "尚未设置数据资源管理局（受理单位），不能导入12345工单。"
    assert Ticket.objects.count() == 0
