"""Monthly snapshots of the figures (指标月度快照): history for trends and rankings."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class SnapshotDimension(models.TextChoices):
    COUNTY = "county", _("全县")
    DEPARTMENT = "department", _("部门")
    TOWN = "town", _("乡镇（街道）")


class MetricSnapshot(models.Model):
    """One figure for one month and one group: the whole county (dimension_id ""), a
    department (its pk) or a town (its 9-digit region prefix; 县本级 for county-level
    departments). Written by insight.snapshots.snapshot_month (the worker, monthly; re-running
    a month replaces its rows). Values are the registry's (ratios 0–1); None is no data."""

    month = models.DateField(_("月份"), help_text=_("该月 1 日"))
    # Written only by the registry's snapshot job, never typed: no form edits these.
    metric = models.CharField(_("指标编码"), max_length=100, editable=False)
    dimension = models.CharField(
        _("维度"), max_length=16, choices=SnapshotDimension.choices, editable=False
    )
    dimension_id = models.CharField(_("维度编号"), max_length=32, blank=True, editable=False)
    dimension_name = models.CharField(_("维度名称"), max_length=100, blank=True, editable=False)
    value = models.DecimalField(_("数值"), max_digits=24, decimal_places=4, null=True)
    computed_at = models.DateTimeField(_("计算时间"), auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = _("指标月度快照")
        constraints = [
            models.UniqueConstraint(
                fields=["month", "metric", "dimension", "dimension_id"],
                name="insight_snapshot_unique",
            )
        ]
        indexes = [models.Index(fields=["metric", "dimension", "month"])]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.metric} {self.dimension_name or self.dimension}"
