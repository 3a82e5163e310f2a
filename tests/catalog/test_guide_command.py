"""`yiwang guide "QUERY" [--json] [--limit N]`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.catalog.search_queries import RESTAURANT, demo_catalogue

__all__ = ["demo_catalogue"]

pytestmark = pytest.mark.usefixtures("demo_catalogue")


def run(*args: str) -> str:
    out = StringIO()
    call_command("guide", *args, stdout=out)
    return out.getvalue()


def test_json_lists_results_best_first(db):
    rows = json.loads(run("开饭店要办什么证", "--json"))
    assert rows[0]["kind"] == "bundle"
    assert rows[0]["name"] == RESTAURANT
    assert rows[0]["department"] == "县市场监督管理局"  # the bundle's lead department (bundles.csv)
    assert rows[0]["url"] == f"/guide/bundle/{rows[0]['code']}/"
    assert {"kind", "code", "name", "department", "visits", "fully_online", "url"} <= set(rows[0])
    assert "食品经营许可（新办）" in [r["name"] for r in rows]
    scores = [r["score"] for r in rows]
    assert scores == sorted(scores, reverse=True)


def test_limit_caps_the_list(db):
    rows = json.loads(run("身份证丢了怎么办", "--json", "--limit", "2"))
    assert len(rows) == 2
    assert rows[0]["kind"] == "item" and rows[0]["name"] == "居民身份证补领"


def test_nothing_found_is_an_empty_array_or_a_sentence(db):
    assert json.loads(run("天气预报", "--json")) == []
    assert "没有找到与“天气预报”相关的事项" in run("天气预报")


def test_table_has_a_header_and_a_row_per_result(db):
    lines = run("买二手房过户", "--limit", "3").splitlines()
    assert lines[0].split()[:4] == ["序号", "类型", "名称", "部门"]
    assert len(lines) == 4
    assert "一件事" in lines[1] and "二手房" in lines[1]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["   "], "请输入要办的事"),
        ([], "请输入要办的事"),
        (["身份证", "--limit", "0"], "--limit 应为 1 到 100 之间的整数"),
        (["身份证", "--limit", "abc"], "--limit 应为 1 到 100 之间的整数"),
        (["身" * 101], "不能超过 100 个字"),
    ],
)
def test_bad_input_is_one_sentence_and_exit_2(db, args, message):
    with pytest.raises(CommandError) as error:
        run(*args)
    assert message in str(error.value)
    assert error.value.returncode == 2


def test_empty_query_from_the_shell_exits_2():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "yiwang.settings"}
    done = subprocess.run(
        [sys.executable, "-m", "yiwang", "guide", "", "--skip-checks"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 2
    assert done.stderr.strip().startswith("请输入要办的事")
    assert "Traceback" not in done.stderr
