"""`yiwang catalog import|export|template`: one sentence per problem, exit 1 for bad rows,
2 for unreadable files, never a traceback."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from tests.catalog.conftest import CatalogWorld
from tests.catalog.test_importing import HEADER, csv_bytes, row
from yiwang.catalog.models import ServiceItem, VersionStatus

YIWANG = shutil.which("yiwang", path=str(Path(sys.executable).parent)) or "yiwang"


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("catalog", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_import_prints_the_counts(world: CatalogWorld, tmp_path):
    path = tmp_path / "items.csv"
    path.write_bytes(csv_bytes([HEADER, row(), row("食品生产许可")]))

    out, _ = run("import", str(path), "--publish", "--quiet")

    assert out.strip() == "新增事项 2 个，更新 0 个，未变化 0 个，发布 2 个。"
    assert (
        ServiceItem.objects.filter(published_version__status=VersionStatus.PUBLISHED).count() == 2
    )
    out, _ = run("import", str(path), "--quiet")
    assert out.strip() == "新增事项 0 个，更新 0 个，未变化 2 个。"


def test_import_as_a_user_applies_their_scope(world: CatalogWorld, tmp_path):
    path = tmp_path / "items.csv"
    path.write_bytes(csv_bytes([HEADER, row(dept="县公安局")]))
    with pytest.raises(CommandError) as caught:
        run("import", str(path), "--user", world.clerk.user.username, "--quiet")
    assert caught.value.returncode == 1
    with pytest.raises(CommandError) as caught:
        run("import", str(path), "--user", world.clerk.user.username, "--publish", "--quiet")
    assert (caught.value.returncode, str(caught.value)) == (1, "只有数据资源局可以导入并直接发布。")


def test_invalid_rows_print_one_sentence_each_and_exit_1(world: CatalogWorld, tmp_path):
    path = tmp_path / "items.csv"
    path.write_bytes(csv_bytes([HEADER, row(承诺时限="30"), row("X", dept="县不存在局")]))
    err = io.StringIO()
    with pytest.raises(CommandError) as caught:
        call_command("catalog", "import", str(path), "--quiet", stderr=err)
    assert caught.value.returncode == 1
    assert str(caught.value) == "文件有 2 处错误，未导入任何数据。"
    assert err.getvalue().splitlines() == [
        "items.csv第 2 行“承诺时限”列：承诺时限（30）不能超过法定时限（20）。",
        "items.csv第 3 行“实施部门”列：实施部门“县不存在局”不存在，请填写系统中登记的部门全称。",
    ]
    assert not ServiceItem.objects.exists()


def test_unreadable_files_exit_2(db, tmp_path):
    missing = tmp_path / "missing.csv"
    with pytest.raises(CommandError) as caught:
        run("import", str(missing))
    assert caught.value.returncode == 2
    picture = tmp_path / "items.csv"
    picture.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    with pytest.raises(CommandError) as caught:
        run("import", str(picture), "--quiet")
    assert caught.value.returncode == 2
    assert "既不是 xlsx 工作簿" in str(caught.value)


def test_export_and_template_write_workbooks(world: CatalogWorld, tmp_path):
    path = tmp_path / "items.csv"
    path.write_bytes(csv_bytes([HEADER, row(), row("户口迁移", dept="县公安局")]))
    run("import", str(path), "--quiet")

    out, _ = run("export", str(tmp_path / "all.xlsx"))
    assert "已导出" in out
    run("export", "--department", "县公安局", str(tmp_path / "police.xlsx"))
    sheet = openpyxl.load_workbook(tmp_path / "police.xlsx")["事项"]
    assert [r[2] for r in sheet.iter_rows(min_row=2, values_only=True)] == ["户口迁移"]
    with pytest.raises(CommandError) as caught:
        run("export", "--department", "县不存在局", str(tmp_path / "x.xlsx"))
    assert caught.value.returncode == 2

    run("template", str(tmp_path / "template.xlsx"))
    assert openpyxl.load_workbook(tmp_path / "template.xlsx").sheetnames[-1] == "说明"


# --- The real console script: no traceback, exit codes ---------------------------------------


def _cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["YIWANG_DATA_DIR"] = str(tmp_path / "data")
    env["DJANGO_SETTINGS_MODULE"] = "yiwang.settings"
    return subprocess.run(
        [YIWANG, "catalog", *args], env=env, capture_output=True, text=True, timeout=120
    )


def test_cli_exit_codes_without_traceback(tmp_path):
    picture = tmp_path / "items.csv"
    picture.write_bytes(b"GIF89a\x01\x00\x01\x00\x00\x00\x00")
    # The file is read before the database is touched: no migration needed.
    result = _cli(tmp_path, "import", str(picture), "--quiet")
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "文件“items.csv”既不是 xlsx 工作簿，也不是 UTF-8 或 GBK 编码的 CSV 文本，无法导入。"
    )
    assert "Traceback" not in result.stderr

    rows = tmp_path / "rows.csv"
    rows.write_bytes(csv_bytes([HEADER, row()]))
    result = _cli(tmp_path, "import", str(rows), "--quiet")
    assert result.returncode == 1
    assert "yiwang migrate" in result.stderr
    assert "Traceback" not in result.stderr
