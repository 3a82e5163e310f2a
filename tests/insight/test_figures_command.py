"""`yiwang figures`: every registered figure for a period as JSON (ratios 0–1, unit "ratio",
no data null, breakdowns as objects, point-in-time figures noted) or a table; a department's
scope; unknown period or department is one sentence and exit 2."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from yiwang.insight.registry import all_metrics


def run(*args: str) -> str:
    out = StringIO()
    call_command("figures", *args, stdout=out)
    return out.getvalue()


def test_json_for_a_period(figures):
    rows = json.loads(run("--period", "2026H1", "--json"))
    assert [row["key"] for row in rows] == [m.key for m in all_metrics()]
    by_key = {row["key"]: row for row in rows}
    total = {"key": "cases.total", "name": "办件量", "unit": "件", "value": 3}
    assert by_key["cases.total"] == total
    assert by_key["cases.online_share"]["unit"] == "ratio"
    assert by_key["cases.online_share"]["value"] == 0.6667
    assert by_key["cases.by_month"]["value"] == {"2026-01": 1, "2026-03": 2}
    # The catalogue as of 2026-06-30: the fixture's items were published later (today).
    assert by_key["catalog.items_total"]["value"] == 0
    assert "note" not in by_key["catalog.items_total"]
    assert "note" not in by_key["cases.total"]
    assert set(by_key["cases.total"]) == {"key", "name", "unit", "value"}


def test_empty_period_and_department(figures):
    rows = {r["key"]: r for r in json.loads(run("--period", "2026Q2", "--json"))}
    assert rows["cases.total"]["value"] == 0 and rows["cases.online_share"]["value"] is None
    output = run("--period", "2026H1", "--department", "测试镇1市场监管所", "--json")
    mine = {r["key"]: r["value"] for r in json.loads(output)}
    assert mine["cases.total"] == 1 and mine["cases.online_share"] == 1


def test_table(figures):
    text = run("--period", "2026Q2")
    assert text.startswith("2026年第二季度（2026-04-01 至 2026-06-30）")
    assert "cases.online_share" in text and "网上办件占比：—" in text
    assert "办件量：0 件" in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--period", "2026H3"), "统计期“2026H3”无法识别"),
        (("--period", "2026H1", "--department", "无此部门"), "部门“无此部门”不存在"),
        ((), "请用 --period 指定统计期"),
    ],
)
def test_errors_are_one_sentence_exit_2(db, args, message):
    with pytest.raises(CommandError, match=message) as raised:
        run(*args)
    assert raised.value.returncode == 2
