"""`yiwang appeals route "TEXT" --json`: a JSON list best first with each department's full name
and score; a plain listing; an empty text refused in one sentence."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command

from yiwang.appeals.dispatch import services as dsv

pytestmark = pytest.mark.django_db


@pytest.fixture
def lists(tw):
    dsv.responsibility_create(
        actor=None, department=tw.market, title="食品安全", keywords="食品、过期、饭店"
    )
    dsv.responsibility_create(
        actor=None, department=tw.housing, title="物业管理", keywords="物业、小区、饭店"
    )
    return tw


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("appeals", *args, stdout=out)
    return out.getvalue()


def test_route_json_lists_departments_best_first(lists):
    found = json.loads(run("route", "小区门口的饭店卖过期食品", "--json"))
    assert [x["department"] for x in found] == ["县市场监督管理局", "县住房和城乡建设局"]
    assert found[0]["score"] > found[1]["score"] > 0
    assert "食品安全" in found[0]["reason"]
    assert json.loads(run("route", "你好", "--json")) == []
    assert len(json.loads(run("route", "小区门口的饭店卖过期食品", "--json", "--limit", "1"))) == 1


def test_route_plain_and_refusals(lists):
    assert run("route", "饭店卖过期食品").startswith("1. 县市场监督管理局（")
    assert "请人工派单" in run("route", "你好")
    with pytest.raises(CommandError, match="请给出诉求内容"):
        run("route", "  ")
