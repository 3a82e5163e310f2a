"""`yiwang license import FILE --department NAME_OR_ID [--dry-run]`: exit 0 with the counts,
1 with every bad row printed (nothing written), 2 for an unreadable file or unknown department."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from yiwang.licenses.models import License

from .test_gathering import csv_bytes, person_row

pytestmark = pytest.mark.django_db


def run(*argv: str) -> tuple[int, str, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command("license", "import", *argv, "--quiet", stdout=out, stderr=err)
    except CommandError as exc:
        return exc.returncode, out.getvalue() + err.getvalue(), str(exc)
    return 0, out.getvalue(), ""


def test_import_then_again_changes_nothing(issuer, license_type, tmp_path):
    path = tmp_path / "licences.csv"
    path.write_bytes(csv_bytes([person_row(license_type.code, "M-1")]))
    code, out, _ = run(str(path), "--department", issuer.name)
    assert code == 0 and "新增 1 本" in out
    code, out, _ = run(str(path), "--department", str(issuer.pk))
    assert code == 0 and "未变更 1 本" in out
    assert License.objects.count() == 1


def test_dry_run_writes_nothing(issuer, license_type, tmp_path):
    path = tmp_path / "licences.csv"
    path.write_bytes(csv_bytes([person_row(license_type.code, "D-1")]))
    code, out, _ = run(str(path), "--department", issuer.name, "--dry-run")
    assert code == 0 and "检查通过" in out and "将新增 1 本" in out
    assert License.objects.count() == 0


def test_bad_rows_exit_1_and_are_printed(issuer, license_type, tmp_path):
    path = tmp_path / "licences.csv"
    rows = [person_row(license_type.code, "B-1"), person_row(license_type.code, "B-2", 有效期起="")]
    path.write_bytes(csv_bytes(rows))
    code, out, message = run(str(path), "--department", issuer.name)
    assert code == 1
    assert "第 3 行 有效期起：请填写“有效期起”。" in out
    assert "未写入任何证照" in message
    assert License.objects.count() == 0


def test_unreadable_file_and_unknown_department_exit_2(issuer, tmp_path):
    path = tmp_path / "licences.xlsx"
    path.write_bytes(b"\x00\x01\x02 not a workbook")
    code, _, message = run(str(path), "--department", issuer.name)
    assert code == 2 and "无法导入" in message
    code, _, message = run(str(tmp_path / "missing.csv"), "--department", issuer.name)
    assert code == 2 and "无法读取文件" in message
    code, _, message = run(str(path), "--department", "无此部门")
    assert code == 2 and "部门“无此部门”不存在" in message
