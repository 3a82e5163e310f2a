"""What an import reports: row errors, counts, the file-level error and the row budget."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext

from yiwang.catalog.transfer.spec import import_max_rows

# --- Results ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    """One problem in the file: where (sheet or file, row, column as in the file) and what."""

    sheet: str
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return gettext("%(sheet)s第 %(row)s 行“%(column)s”列：%(message)s") % {
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
            "message": self.message,
        }


@dataclass
class ImportResult:
    """What an import did (or, with errors or a dry run, would have done)."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    published: int = 0
    bundles_created: int = 0
    bundles_updated: int = 0  # 简介 or 生活场景 changed
    bundles_unchanged: int = 0
    bundles_published: int = 0
    errors: list[RowError] = field(default_factory=list)
    changes: list[tuple[str, str, str]] = field(default_factory=list)  # (action, dept, name)
    dry_run: bool = False
    rows: int = 0  # data rows read
    write_seconds: float = 0.0  # how long the write transaction was open

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def summary(self) -> str:
        parts = [
            gettext("新增事项 %(n)s 个") % {"n": self.created},
            gettext("更新 %(n)s 个") % {"n": self.updated},
            gettext("未变化 %(n)s 个") % {"n": self.unchanged},
        ]
        if self.published:
            parts.append(gettext("发布 %(n)s 个") % {"n": self.published})
        if (
            self.bundles_created
            or self.bundles_updated
            or self.bundles_unchanged
            or self.bundles_published
        ):
            parts.append(
                gettext("一件事新增 %(created)s 个、未变化 %(unchanged)s 个")
                % {"created": self.bundles_created, "unchanged": self.bundles_unchanged}
                + (
                    gettext("、更新 %(n)s 个") % {"n": self.bundles_updated}
                    if self.bundles_updated
                    else ""
                )
                + (
                    gettext("、发布 %(n)s 个") % {"n": self.bundles_published}
                    if self.bundles_published
                    else ""
                )
            )
        if self.dry_run:
            return gettext("检查通过，导入后将%(changes)s。") % {
                "changes": gettext("，").join(parts)
            }
        return gettext("%(changes)s。") % {"changes": gettext("，").join(parts)}

    def to_report(self, *, max_lines: int) -> dict[str, Any]:
        """JSON for an import job's report: counts, and the first `max_lines` errors and
        changes (with their full numbers, so a page can say how many it leaves out)."""
        return {
            "counts": {
                key: getattr(self, key)
                for key in (
                    "created",
                    "updated",
                    "unchanged",
                    "published",
                    "bundles_created",
                    "bundles_updated",
                    "bundles_unchanged",
                    "bundles_published",
                )
            },
            "errors": [[e.sheet, e.row, e.column, e.message] for e in self.errors[:max_lines]],
            "error_count": len(self.errors),
            "changes": [list(c) for c in self.changes[:max_lines]],
            "change_count": len(self.changes),
            "write_seconds": round(self.write_seconds, 3),
        }

    @classmethod
    def from_report(cls, report: dict[str, Any]) -> ImportResult:
        result = cls(**report.get("counts", {}))
        result.errors = [RowError(*e) for e in report.get("errors", [])]
        result.changes = [tuple(c) for c in report.get("changes", [])]  # type: ignore[misc]
        return result


class ImportFileError(ValidationError):
    """The file cannot be read at all (too large, not xlsx/CSV, undecodable, no header)."""


Progress = Callable[[int, int], None]


class RowBudget:
    """Counts the data rows of an import while its files are read, and stops at the cap, so
    an oversized file is refused before its rows are parsed, checked or held in memory."""

    def __init__(self, limit: int | None = None) -> None:
        self.limit = import_max_rows() if limit is None else limit
        self.used = 0

    def take(self, filename: str) -> None:
        self.used += 1
        if self.used > self.limit:
            raise ImportFileError(
                gettext(
                    "文件“%(name)s”使本次导入的数据超过 %(limit)s 行的上限，"
                    "请拆分成多个文件分批导入。"
                )
                % {"name": filename, "limit": self.limit}
            )
