"""`yiwang workdays …`: answers on the last stdout line, bad input as one sentence and exit 2."""

from __future__ import annotations

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

YIWANG = str(Path(sys.executable).with_name("yiwang"))


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("workdays", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.mark.django_db
def test_add_prints_the_date_on_the_last_line():
    out, err = run("add", "2026-02-13", "2")
    assert out.splitlines()[-1] == "2026-02-24"
    assert err == ""


@pytest.mark.django_db
def test_add_with_same_day_rule():
    out, _ = run("add", "2026-03-06", "1", "--rule", "same")
    assert out.splitlines()[-1] == "2026-03-06"


@pytest.mark.django_db
def test_add_zero_days_prints_the_start():
    out, _ = run("add", "2026-02-15", "0")
    assert out.splitlines()[-1] == "2026-02-15"


@pytest.mark.django_db
def test_add_into_2027_warns_on_stderr():
    out, err = run("add", "2026-12-31", "1")
    assert out.splitlines()[-1] == "2027-01-01"
    assert "2027 年节假日安排尚未确认" in err


@pytest.mark.django_db
def test_between_prints_the_count_on_the_last_line():
    out, _ = run("between", "2026-09-18", "2026-10-10")
    assert out.splitlines()[-1] == "11"
    out, _ = run("between", "2026-10-10", "2026-09-18")
    assert out.splitlines()[-1] == "0"


@pytest.mark.django_db
def test_years_lists_the_table():
    out, _ = run("years")
    assert out.splitlines()[-1].startswith("2026\t已确认")


@pytest.mark.django_db
def test_import_of_a_missing_year_is_one_sentence():
    with pytest.raises(CommandError, match="没有 2027 年") as caught:
        run("import", "2027")
    assert caught.value.returncode == 1


@pytest.mark.django_db
def test_import_of_a_seeded_year():
    out, _ = run("import", "2026")
    assert out.strip() == "已导入 2026 年节假日安排。"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("add", "2026-2-13", "1"), "格式不正确"),
        (("add", "2026-02-30", "1"), "不是有效的日期"),
        (("add", "tomorrow", "1"), "格式不正确"),
        (("add", "2026-02-13", "five"), "不是整数"),
        (("add", "2026-02-13", "1.5"), "不是整数"),
        (("add", "2026-02-13", "-1"), "不能为负数"),
        (("add", "2026-02-13", "1", "--rule", "later"), "起算规则"),
        (("add", "9999-12-31", "1"), "超出"),
        (("between", "2026-02-13", "2026-13-01"), "不是有效的日期"),
        (("import", "27"), "四位数字"),
    ],
)
@pytest.mark.django_db
def test_bad_input_is_a_command_error_with_code_2(args, message):
    with pytest.raises(CommandError, match=message) as caught:
        run(*args)
    assert caught.value.returncode == 2


# --- The real console script, in a child process ---------------------------------------------


def _env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["YIWANG_DATA_DIR"] = str(data_dir)
    env["DJANGO_SETTINGS_MODULE"] = "yiwang.settings"
    return env


@pytest.fixture(scope="module")
def migrated(tmp_path_factory) -> dict[str, str]:
    """A migrated SQLite database of its own for the child processes (about 2 s)."""
    env = _env(tmp_path_factory.mktemp("workdays-cli"))
    subprocess.run([YIWANG, "migrate", "-v0"], env=env, check=True, timeout=120)
    return env


def cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [YIWANG, "workdays", *args], env=env, capture_output=True, text=True, timeout=60
    )


def test_cli_add_prints_the_date_on_the_last_line(migrated):
    result = cli(migrated, "add", "2026-02-13", "1")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "2026-02-14"


def test_cli_between_prints_the_count_on_the_last_line(migrated):
    result = cli(migrated, "between", "2026-02-13", "2026-02-28")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "6"


def test_cli_warning_goes_to_stderr(migrated):
    result = cli(migrated, "add", "2027-01-01", "1", "--rule", "next")
    assert result.stdout.splitlines()[-1] == "2027-01-04"
    assert result.stderr.strip() == "提示：2027 年节假日安排尚未确认，按周一至周五计算。"


@pytest.mark.parametrize(
    ("args", "sentence"),
    [
        (("add", "2026-02-31", "1"), "起算日期“2026-02-31”不是有效的日期。"),
        (("add", "2026-02-13", "-3"), "天数“-3”不能为负数。"),
    ],
)
def test_cli_bad_input_is_one_sentence_and_exit_2(tmp_path, args, sentence):
    # Input is checked before the database is touched: no migration needed.
    result = cli(_env(tmp_path), *args)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.strip() == sentence
    assert "Traceback" not in result.stderr


def test_cli_unmigrated_database_is_one_sentence(tmp_path):
    result = cli(_env(tmp_path), "add", "2026-02-13", "1")
    assert result.returncode == 1
    assert "请先运行 yiwang migrate" in result.stderr
    assert "Traceback" not in result.stderr
