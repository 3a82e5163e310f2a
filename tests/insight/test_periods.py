"""Reporting periods: every accepted form, its dates (inclusive), months, label and the
cumulative span; anything else is refused with one sentence."""

from __future__ import annotations

import datetime as dt

import pytest

from yiwang.insight.periods import Period, PeriodError


@pytest.mark.parametrize(
    ("text", "start", "end", "label", "months"),
    [
        ("2026H1", dt.date(2026, 1, 1), dt.date(2026, 6, 30), "2026年上半年", 6),
        ("2026H2", dt.date(2026, 7, 1), dt.date(2026, 12, 31), "2026年下半年", 6),
        ("2026", dt.date(2026, 1, 1), dt.date(2026, 12, 31), "2026年", 12),
        ("2026Q1", dt.date(2026, 1, 1), dt.date(2026, 3, 31), "2026年第一季度", 3),
        ("2028Q1", dt.date(2028, 1, 1), dt.date(2028, 3, 31), "2028年第一季度", 3),
        ("2026Q4", dt.date(2026, 10, 1), dt.date(2026, 12, 31), "2026年第四季度", 3),
        ("2024-02", dt.date(2024, 2, 1), dt.date(2024, 2, 29), "2024年2月", 1),
        (" 2026-03 ", dt.date(2026, 3, 1), dt.date(2026, 3, 31), "2026年3月", 1),
    ],
)
def test_forms(text, start, end, label, months):
    period = Period.parse(text)
    assert (period.start, period.end, period.label) == (start, end, label)
    assert len(period.months) == months and period.months[0] == f"{start:%Y-%m}"
    assert start in period and end in period
    assert end + dt.timedelta(days=1) not in period and start - dt.timedelta(days=1) not in period


def test_months_and_cumulative():
    h1 = Period.parse("2026H1")
    assert h1.months == ["2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06"]
    total = h1.cumulative()
    assert total.start is None and total.end == h1.end and total.is_cumulative
    assert total.label == "截至2026年6月底累计"
    assert dt.date(1999, 1, 1) in total and dt.date(2026, 7, 1) not in total
    assert Period.month_of(dt.date(2026, 5, 17)) == Period.parse("2026-05")


@pytest.mark.parametrize("text", ["2026H3", "2026Q5", "2026-13", "2026-00", "26H1", "", "上半年"])
def test_bad_periods_are_one_sentence(text):
    with pytest.raises(PeriodError) as raised:
        Period.parse(text)
    message = str(raised.value)
    assert message.startswith("统计期") and message.endswith("。") and message.count("。") == 1
