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


class DashboardFigures(models.Model):
    """The county dashboard's assembled figures (一屏观) for one data scope and period, as the
    screen shows them (one rendering per language), with when they were computed. Written by
    insight.dashboard.refresh — the worker's periodic job for the county and every department,
    or a request that found no value younger than YIWANG_DASHBOARD_MAX_AGE_SECONDS — so the
    data endpoint only reads a row. A table rather than the Django cache: the worker is another
    process and the default cache is per process. `computing_since` is the claim of whoever is
    computing the row now (a conditional update: one computer per row, the others wait)."""

    # Written only by insight.dashboard, never typed: no form edits these.
    scope_key = models.CharField(_("数据范围"), max_length=64, editable=False)
    period = models.CharField(_("统计期"), max_length=16, editable=False)
    payload = models.JSONField(_("数据"), default=dict, editable=False)
    computed_at = models.DateTimeField(_("计算时间"), null=True, editable=False)
    computing_since = models.DateTimeField(_("计算开始于"), null=True, editable=False)

    class Meta:
        verbose_name = verbose_name_plural = _("一屏观数据")
        constraints = [
            models.UniqueConstraint(
                fields=["scope_key", "period"], name="insight_dashboard_figures_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.scope_key} {self.period}"
