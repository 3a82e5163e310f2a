"""The data scope (数据范围): which departments' records a reader may see. One type for every
app — the scoped selectors of org and the catalogue, the audit trail, the metric registry
(insight) and the guide-quality report all filter with it. org.selectors.data_scope_for gives a
user's; the constructors below give the fixed ones (a report for one county, a figure for the
whole catalogue)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from django.db.models import Q, QuerySet
from django.utils.translation import gettext, gettext_lazy

if TYPE_CHECKING:
    from yiwang.org.models import Department

ScopeKind = Literal["none", "department", "region"]


@dataclass(frozen=True)
class DataScope:
    """Nothing, one department, or every department in a region (a 12-digit code prefix; the
    empty prefix is every region: the whole catalogue, a superuser's scope)."""

    kind: ScopeKind
    department_id: int | None = None
    region_prefix: str = ""
    region_name: str = ""
    department_name: str = ""

    @classmethod
    def whole(cls) -> DataScope:
        return ALL_SCOPE

    @classmethod
    def region(cls, prefix: str, name: str = "") -> DataScope:
        return cls(kind="region", region_prefix=prefix, region_name=name or f"区划 {prefix}")

    @classmethod
    def department(cls, department_id: int, name: str = "") -> DataScope:
        return cls(
            kind="department",
            department_id=department_id,
            department_name=name or f"部门 {department_id}",
        )

    @property
    def everything(self) -> bool:
        """A region scope over every region (an empty code prefix)."""
        return self.kind == "region" and not self.region_prefix

    @property
    def nothing(self) -> bool:
        return self.kind == "none"

    @property
    def label(self) -> str:
        """The scope as pages name it, in the reader's language."""
        if self.everything:
            return gettext("全部")
        if self.kind == "region":
            return gettext("本区划（%(region)s）") % {"region": self.region_name}
        if self.kind == "department":
            return gettext("本部门（%(department)s）") % {"department": self.department_name}
        return gettext("无")

    def department_q(self, path: str = "department") -> Q:
        """Q restricting a queryset whose `path` leads to a Department."""
        if self.everything:
            return Q()
        if self.kind == "region":
            return Q(**{f"{path}__region__code__startswith": self.region_prefix})
        if self.kind == "department":
            return Q(**{f"{path}__id": self.department_id})
        return Q(pk__in=[])

    def contains(self, department: Department) -> bool:
        """Whether one department (its region read with it) is in the scope: department_q's
        rule for a record already read (tests/org/test_scope.py holds the two together)."""
        if self.everything:
            return True
        if self.kind == "region":
            return bool(department.region.code.startswith(self.region_prefix))
        if self.kind == "department":
            return bool(department.pk == self.department_id)
        return False

    def filter(self, queryset: QuerySet, path: str = "department") -> QuerySet:
        return queryset.filter(self.department_q(path))


NO_SCOPE = DataScope(kind="none")
# A superuser may write anything (the services let him), so he sees everything too: a region
# scope whose empty prefix every region code starts with, and which every "region" branch of
# the scoped reads already handles. Also the whole catalogue of a figure or report.
ALL_SCOPE = DataScope(kind="region", region_name=gettext_lazy("全部"))  # type: ignore[arg-type]
