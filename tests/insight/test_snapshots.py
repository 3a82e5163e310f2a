"""Monthly snapshots: the figures of a month for the county, each department and each town,
matching the live registry; re-running a month replaces its rows (idempotent); history and
rankings read them back; the worker job and the command write them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from yiwang.cases.models import Case
from yiwang.insight import snapshots
from yiwang.insight.models import MetricSnapshot
from yiwang.insight.periods import Period

MARCH = Period.parse("2026-03")


def value(key, dimension="county", dimension_id=""):
    return MetricSnapshot.objects.get(
        month=dt.date(2026, 3, 1), metric=key, dimension=dimension, dimension_id=dimension_id
    ).value


def test_a_month_for_county_departments_and_towns(figures):
    written = snapshots.snapshot_month(month=MARCH)
    assert written == MetricSnapshot.objects.count() > 0
    assert value("cases.total") == 2
    assert value("cases.online_share") == Decimal("0.5000")
    assert value("cases.total", "department", str(figures.county.pk)) == 1
    assert value("cases.total", "department", str(figures.town.pk)) == 1
    assert value("cases.total", "town", "341199000") == 1
    assert (
        MetricSnapshot.objects.get(
            month=dt.date(2026, 3, 1),
            metric="cases.total",
            dimension="town",
            dimension_id="341199101",
        ).dimension_name
        == "测试镇1"
    )
    # breakdown-valued figures are not snapshotted; the catalogue's (as of the month's end) are
    keys = set(MetricSnapshot.objects.values_list("metric", flat=True))
    assert "cases.by_channel" not in keys and "catalog.items_by_type" not in keys
    assert "catalog.items_total" in keys
    assert "evaluations.good_rate" in keys  # no data is stored as None
    assert value("evaluations.good_rate") is None


def test_rerunning_a_month_replaces_it(figures):
    snapshots.snapshot_month(month=MARCH)
    first = MetricSnapshot.objects.count()
    snapshots.snapshot_month(month=Period.parse("2026-01"))
    january = MetricSnapshot.objects.filter(month=dt.date(2026, 1, 1)).count()
    Case.objects.filter(pk=figures.cases["c3"].pk).update(accepted_on=dt.date(2026, 1, 2))
    snapshots.snapshot_month(month=MARCH)
    assert value("cases.total") == 1
    assert MetricSnapshot.objects.filter(month=dt.date(2026, 3, 1)).count() <= first
    assert MetricSnapshot.objects.filter(month=dt.date(2026, 1, 1)).count() == january
    assert not MetricSnapshot.objects.filter(
        month=dt.date(2026, 3, 1), metric="cases.total", dimension="town", dimension_id="341199101"
    ).exists()  # the town has no March case any more: its row is gone, not left stale


def test_history_and_rankings(figures):
    for month in ("2026-01", "2026-02", "2026-03"):
        snapshots.snapshot_month(month=Period.parse(month))
    assert snapshots.history("cases.total", Period.parse("2026Q1")) == [
        ("2026-01", Decimal("1.0000")),
        ("2026-02", Decimal("0.0000")),
        ("2026-03", Decimal("2.0000")),
    ]
    ranked = snapshots.ranking_history("cases.online_share", dt.date(2026, 3, 1))
    assert [(r.dimension_name, r.value) for r in ranked] == [
        ("测试镇1市场监管所", Decimal("1.0000")),
        ("县市场监督管理局", Decimal("0.0000")),
    ]


def test_the_command_and_the_worker_job(figures, monkeypatch):
    out = StringIO()
    call_command("figures", "snapshot", "--month", "2026-03", stdout=out)
    assert "2026年3月" in out.getvalue()
    assert value("cases.total") == 2
    with pytest.raises(CommandError, match="请写作 YYYY-MM") as raised:
        call_command("figures", "snapshot", "--month", "2026Q1")
    assert raised.value.returncode == 2

    from yiwang.insight import tasks

    monkeypatch.setattr("django.utils.timezone.localdate", lambda: dt.date(2026, 4, 10))
    tasks.snapshot_figures.call()
    months = set(MetricSnapshot.objects.values_list("month", flat=True))
    assert months == {dt.date(2026, 3, 1), dt.date(2026, 4, 1)}


def test_the_job_is_scheduled():
    from yiwang.common.periodic import JOBS

    assert "yiwang.insight.tasks.snapshot_figures" in {job.task for job in JOBS}
