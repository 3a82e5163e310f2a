"""Reporting periods (统计期): a year, a half year, a quarter or a month, written the way the
reports name them ("2026H1", "2026", "2026Q3", "2026-03"), with inclusive start and end dates.

A period's cumulative span (累计) is everything up to its end: "截至6月底累计" figures are
computed over `period.cumulative()`, whose start is None (no lower bound).
"""

from __future__ import annotations

import datetime as dt
import re
from calendar import monthrange
from dataclasses import dataclass

_PATTERN = re.compile(
    r"^(?P<year>\d{4})(?:(?P<half>H[12])|Q(?P<quarter>[1-4])|-(?P<month>\d{2}))?$"
)
QUARTERS = "一二三四"


class PeriodError(ValueError):
    """A period written in none of the accepted forms (the message is one Chinese sentence)."""


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, monthrange(year, month)[1])


@dataclass(frozen=True)
class Period:
    """A span of whole months; `start` None is the cumulative span (everything up to `end`)."""

    code: str  # "2026H1", as parsed; "2026H1累计" for the cumulative span
    start: dt.date | None
    end: dt.date
    label: str  # 2026年上半年

    @classmethod
    def parse(cls, text: str) -> Period:
        match = _PATTERN.match((text or "").strip())
        if match is None:
            raise PeriodError(
                f"统计期“{text}”无法识别，应写作 2026、2026H1、2026Q1 或 2026-03 的形式。"
            )
        year = int(match["year"])
        if match["half"]:
            first = 1 if match["half"] == "H1" else 7
            label = f"{year}年{'上' if first == 1 else '下'}半年"
            return cls(
                f"{year}{match['half']}",
                dt.date(year, first, 1),
                _month_end(year, first + 5),
                label,
            )
        if match["quarter"]:
            q = int(match["quarter"])
            first = 3 * q - 2
            return cls(
                f"{year}Q{q}",
                dt.date(year, first, 1),
                _month_end(year, first + 2),
                f"{year}年第{QUARTERS[q - 1]}季度",
            )
        if match["month"]:
            month = int(match["month"])
            if not 1 <= month <= 12:
                raise PeriodError(f"统计期“{text}”的月份应在 01 至 12 之间。")
            return cls(
                f"{year}-{month:02d}",
                dt.date(year, month, 1),
                _month_end(year, month),
                f"{year}年{month}月",
            )
        return cls(str(year), dt.date(year, 1, 1), dt.date(year, 12, 31), f"{year}年")

    @classmethod
    def month_of(cls, day: dt.date) -> Period:
        return cls.parse(f"{day:%Y-%m}")

    @property
    def is_cumulative(self) -> bool:
        return self.start is None

    def cumulative(self) -> Period:
        """Everything up to this period's end (累计)."""
        label = f"截至{self.end.year}年{self.end.month}月底累计"
        code = self.code if self.is_cumulative else f"{self.code}累计"
        return Period(code, None, self.end, label)

    @property
    def months(self) -> list[str]:
        """The period's months as "YYYY-MM" (the cumulative span: none, it has no start)."""
        if self.start is None:
            return []
        result = []
        year, month = self.start.year, self.start.month
        while (year, month) <= (self.end.year, self.end.month):
            result.append(f"{year}-{month:02d}")
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return result

    def __contains__(self, day: object) -> bool:
        if not isinstance(day, dt.date):
            return False
        return (self.start is None or self.start <= day) and day <= self.end

    def __str__(self) -> str:
        return self.label
