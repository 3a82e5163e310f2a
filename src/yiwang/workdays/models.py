"""Working days: the holiday / make-up-day table per year, and pausable clocks (legal limits)."""

from __future__ import annotations

import uuid

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from yiwang.common.validators import PlainText

# Years a table may be entered for; outside this range dates still compute (Mon–Fri + warning).
FIRST_TABLE_YEAR = 1949
LAST_TABLE_YEAR = 2200


class StartRule(models.TextChoices):
    """When a limit starts counting relative to the triggering event (受理、申请 …)."""

    NEXT = "next", "次日起算"
    SAME = "same", "当日起算"


class CalendarSource(models.TextChoices):
    CHINESECALENDAR = "chinesecalendar", "chinesecalendar 软件包"
    ADMIN = "admin", "管理员录入"


class DayKind(models.TextChoices):
    HOLIDAY = "holiday", "法定节假日"
    MAKEUP_WORKDAY = "makeup_workday", "调休上班日"


class CalendarYear(models.Model):
    """One year's holiday arrangement (节假日安排). Only a confirmed year's days are used; a year
    without a confirmed row falls back to Mon–Fri and every result from it carries a warning."""

    year = models.PositiveSmallIntegerField(
        _("年份"),
        unique=True,
        validators=[MinValueValidator(FIRST_TABLE_YEAR), MaxValueValidator(LAST_TABLE_YEAR)],
    )
    confirmed = models.BooleanField(
        _("已确认"),
        default=False,
        help_text=_("国务院办公厅通知发布并全部录入后勾选；勾选前按周一至周五计算。"),
    )
    source = models.CharField(
        _("来源"), max_length=16, choices=CalendarSource.choices, default=CalendarSource.ADMIN
    )
    note = models.CharField(_("备注"), max_length=500, blank=True, validators=[PlainText("备注")])
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = _("节假日年度安排")
        ordering = ["year"]

    def __str__(self) -> str:
        state = "已确认" if self.confirmed else "未确认"
        return f"{self.year} 年（{state}）"


class CalendarDay(models.Model):
    """A public holiday, or a make-up working day (调休上班日, a Saturday or Sunday)."""

    date = models.DateField(_("日期"), unique=True)
    kind = models.CharField(_("类别"), max_length=16, choices=DayKind.choices)
    name = models.CharField(_("节日"), max_length=100, blank=True, validators=[PlainText("节日")])

    class Meta:
        verbose_name = verbose_name_plural = _("节假日与调休")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date.isoformat()} {self.get_kind_display()} {self.name}".rstrip()

    def clean(self) -> None:
        if self.date is None:
            return
        if not FIRST_TABLE_YEAR <= self.date.year <= LAST_TABLE_YEAR:
            raise ValidationError(
                {"date": f"年份必须在 {FIRST_TABLE_YEAR} 至 {LAST_TABLE_YEAR} 之间。"}
            )
        # A make-up day on Mon–Fri would change nothing; it is almost certainly a typo.
        if self.kind == DayKind.MAKEUP_WORKDAY and self.date.weekday() < 5:
            raise ValidationError({"date": "调休上班日必须是周六或周日。"})


class CalendarRevision(models.Model):
    """Single row whose stamp changes with every change to the table, so that each process can
    tell cheaply whether its cached copy of the table is still current."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    stamp = models.UUIDField(default=uuid.uuid4)

    class Meta:
        verbose_name = verbose_name_plural = _("节假日表版本")

    def __str__(self) -> str:
        return str(self.stamp)


class Clock(models.Model):
    """A running limit in working days for any subject (a case, a ticket …), linked by type and
    id. The deadline is stored as a date together with the rule text that produced it; it is
    recomputed from the pauses by the services, never edited by hand."""

    subject_type = models.CharField(_("对象类型"), max_length=100)
    subject_id = models.CharField(_("对象标识"), max_length=64)
    started_on = models.DateField(_("起算事件日期"))
    limit_days = models.PositiveIntegerField(_("时限（工作日）"))
    start_rule = models.CharField(_("起算规则"), max_length=8, choices=StartRule.choices)
    deadline = models.DateField(_("截止日期"))
    deadline_rule = models.TextField(_("截止日期计算方法"))
    warnings = models.JSONField(_("提示"), default=list, blank=True)
    stopped_on = models.DateField(_("停止日期"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = _("计时")
        ordering = ["-started_on", "-id"]
        indexes = [
            models.Index(fields=["subject_type", "subject_id"]),
            models.Index(fields=["deadline"]),
        ]

    def __str__(self) -> str:
        return f"{self.subject_type}:{self.subject_id} → {self.deadline.isoformat()}"


class PauseKind(models.TextChoices):
    CORRECTION = "correction", "补正"
    SPECIAL_PROCEDURE = "special_procedure", "特别程序"
    ON_HOLD = "on_hold", "挂起"


class ClockPause(models.Model):
    """A window in which a clock does not run. The working days after `started_on` up to and
    including `ended_on` are not counted (see docs/workdays.md); an open pause has no end."""

    clock = models.ForeignKey(
        Clock, verbose_name=_("计时"), on_delete=models.CASCADE, related_name="pauses"
    )
    started_on = models.DateField(_("暂停日期"))
    ended_on = models.DateField(_("恢复日期"), null=True, blank=True)
    kind = models.CharField(_("暂停原因类别"), max_length=20, choices=PauseKind.choices)
    reason = models.CharField(_("暂停事由"), max_length=500, validators=[PlainText("暂停事由")])

    class Meta:
        verbose_name = verbose_name_plural = _("计时暂停")
        ordering = ["started_on", "id"]
        constraints = [
            # At most one open pause per clock, even under concurrent writers.
            models.UniqueConstraint(
                fields=["clock"],
                condition=models.Q(ended_on__isnull=True),
                name="workdays_one_open_pause_per_clock",
            ),
            models.CheckConstraint(
                condition=models.Q(ended_on__isnull=True)
                | models.Q(ended_on__gte=models.F("started_on")),
                name="workdays_pause_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        end = self.ended_on.isoformat() if self.ended_on else "…"
        return f"{self.get_kind_display()} {self.started_on.isoformat()}–{end}"
