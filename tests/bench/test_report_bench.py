"""bench/report.py at a tiny size: the registry and the DuckDB side over the Parquet export
compute the same report figures (the benchmark's agreement check), and a planted difference is
caught and named."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from tests import factories as f
from tests.cases.conftest import world as world  # the fixture, re-exported

pytest.importorskip("duckdb", reason="duckdb is in the test extras (requirements/test.txt)")

BENCH = Path(__file__).resolve().parents[2] / "bench"


def _load(name: str):  # type: ignore[no-untyped-def]
    if str(BENCH) not in sys.path:
        sys.path.insert(0, str(BENCH))
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def filled(world, tmp_path):  # type: ignore[no-untyped-def]
    data = _load("benchdata")
    town = f.department("测试镇1市场监管所", at=f.town(1))
    f.window(f.hall(), department=town)
    data.generate_cases(300)
    data.generate_ratings(320)  # more than the concluded cases: some rate a window
    data.generate_tickets(60)
    return _load("report")


@pytest.mark.django_db
def test_both_sides_agree(filled, tmp_path):
    from yiwang.cases.models import Case
    from yiwang.evaluations.models import Rating

    assert Case.objects.count() == 300
    assert Rating.objects.filter(window__isnull=False).exists()
    filled.export(tmp_path)
    ours = filled.registry_figures("2026H1")
    theirs = filled.Duck(tmp_path, "2026H1").figures()
    assert ours["cases.total"][0] == 300
    assert ours["appeals.total"][0] > 0
    assert filled.differences(ours, theirs) == []
    registry_s, duck_s, export_s = filled.compare("2026Q1", 1, tmp_path)
    assert registry_s > 0 and duck_s > 0 and export_s > 0


@pytest.mark.django_db
def test_a_difference_is_named(filled, tmp_path):
    filled.export(tmp_path)
    ours = filled.registry_figures("2026H1")
    theirs = filled.Duck(tmp_path, "2026H1").figures()
    value, cumulative, n, m = theirs["cases.overdue_count"]
    theirs["cases.overdue_count"] = (value + 1, cumulative, n, m)
    wrong = filled.differences(ours, theirs)
    assert len(wrong) == 1 and wrong[0].startswith("cases.overdue_count:")
