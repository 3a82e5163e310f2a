"""The guide-quality report (办事指南质量): the checks of quality.checks run over the versions in a
scope, summed by department."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from django.utils.translation import gettext

from yiwang.catalog.models import (
    ServiceItemVersion,
)
from yiwang.catalog.quality.checks import (
    ALL_CHECKS,
    CONSISTENCY,
    ERROR,
    WARNING,
    Deviation,
    Finding,
    ItemRef,
    Rules,
    checked_versions,
    consistency_deviations,
    guide_findings,
    item_ref,
    template_conditions_findings,
    url_builder,
)
from yiwang.org.scope import DataScope
from yiwang.org.selectors import data_scope_for


@dataclass(frozen=True)
class DepartmentSummary:
    department_id: int
    department_name: str
    items: int
    deviations: int = 0
    findings: int = 0
    errors: int = 0
    warnings: int = 0
    items_with_issues: int = 0


@dataclass
class QualityReport:
    """Both reports for a scope; `filtered` narrows the lists for the findings table."""

    scope_label: str
    items_checked: int
    deviations: list[Deviation]
    findings: list[Finding]
    departments: list[DepartmentSummary] = field(default_factory=list)

    @cached_property
    def counts_by_check(self) -> dict[str, int]:
        counts = Counter(f.check.code for f in self.findings)
        counts[CONSISTENCY.code] = len(self.deviations)
        return {code: counts.get(code, 0) for code in ALL_CHECKS}

    def filtered(
        self, *, department_id: int | None = None, check: str | None = None
    ) -> tuple[list[Deviation], list[Finding]]:
        def keep(item: ItemRef, code: str) -> bool:
            return (department_id is None or item.department_id == department_id) and (
                not check or code == check
            )

        return (
            [d for d in self.deviations if keep(d.item, CONSISTENCY.code)],
            [f for f in self.findings if keep(f.item, f.check.code)],
        )


def _iter_checked(
    versions: Iterable[ServiceItemVersion],
) -> Iterator[tuple[ServiceItemVersion, ItemRef]]:
    url = url_builder()
    for version in versions:
        yield version, item_ref(version, url)


def quality_report(
    scope: DataScope | None = None, *, department_id: int | None = None
) -> QualityReport:
    """Both reports for the items in `scope` (None = the whole catalogue), optionally one
    department's; with counts per department."""
    rules = Rules.from_settings()
    deviations: list[Deviation] = []
    findings: list[Finding] = []
    per_department: dict[int, dict[str, Any]] = {}
    checked = list(_iter_checked(checked_versions(scope, department_id=department_id)))
    templated: dict[int, list[Finding]] = {}
    for finding in template_conditions_findings(
        checked, min_items=rules.template_conditions_min_items
    ):
        templated.setdefault(finding.item.version_id, []).append(finding)
    for version, ref in checked:
        item_deviations = consistency_deviations(version, ref)
        item_findings = guide_findings(version, ref, rules=rules)
        item_findings += templated.get(version.pk, [])
        deviations += item_deviations
        findings += item_findings
        row = per_department.setdefault(
            ref.department_id,
            {"name": ref.department_name, "items": 0, "dev": 0, "err": 0, "warn": 0, "bad": 0},
        )
        row["items"] += 1
        row["dev"] += len(item_deviations)
        row["err"] += sum(1 for f in item_findings if f.check.severity == ERROR)
        row["warn"] += sum(1 for f in item_findings if f.check.severity == WARNING)
        row["bad"] += 1 if item_deviations or item_findings else 0
    departments = [
        DepartmentSummary(
            department_id=pk,
            department_name=row["name"],
            items=row["items"],
            deviations=row["dev"],
            findings=row["err"] + row["warn"],
            errors=row["err"],
            warnings=row["warn"],
            items_with_issues=row["bad"],
        )
        for pk, row in per_department.items()
    ]
    label = scope.label if scope is not None else gettext("全部")
    return QualityReport(
        scope_label=label,
        items_checked=sum(d.items for d in departments),
        deviations=deviations,
        findings=findings,
        departments=departments,
    )


def quality_report_for(*, user: Any, department_id: int | None = None) -> QualityReport:
    """The report within the user's data scope (a department outside it gives an empty one)."""
    return quality_report(data_scope_for(user), department_id=department_id)
