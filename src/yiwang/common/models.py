"""Platform-wide bookkeeping rows."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class PeriodicJob(models.Model):
    """When a periodic job (common.periodic.JOBS) is next due. Every worker process ticks; the
    conditional update that moves `next_run_at` forward lets exactly one of them enqueue the
    run, however many workers there are."""

    name = models.CharField(_("任务"), max_length=64, unique=True, editable=False)
    next_run_at = models.DateTimeField(_("下次运行"))
    last_run_at = models.DateTimeField(_("上次运行"), null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("定时任务")

    def __str__(self) -> str:
        return self.name
