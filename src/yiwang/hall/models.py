"""Appointments and the queue of a hall (预约与排队): item groups, slots, bookings and tickets.

Rules live in services.py (the weekend rule, capacity, the call order); the models hold the
invariants the database can keep itself (one place per citizen and slot, one number per
ticket sequence and day)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from yiwang.catalog.models import ServiceItem
from yiwang.common.validators import PlainText
from yiwang.hall.fields import (
    ACTIVE_BOOKING,
    BookingChannel,
    BookingStatus,
    TicketKind,
    TicketStatus,
)
from yiwang.org.models import Applicant, Department, ServiceHall, Window, WindowKind


class ItemGroup(models.Model):
    """事项分组: items served at one kind of window and booked as one (户籍业务, 企业开办 …). A
    group marked 周末预约办 (`weekend`) is a designated high-frequency group: only its slots may
    lie on the calendar's non-working days. A 专窗 group names its department."""

    code = models.SlugField(_("编码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=100, validators=[PlainText("名称")])
    window_kind = models.CharField(_("窗口类型"), max_length=16, choices=WindowKind.choices)
    department = models.ForeignKey(
        Department,
        verbose_name=_("部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    items = models.ManyToManyField(
        ServiceItem, verbose_name=_("事项"), blank=True, related_name="hall_groups"
    )
    weekend = models.BooleanField(_("周末预约办"), default=False)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = verbose_name_plural = _("预约事项分组")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.window_kind == WindowKind.DEDICATED and not self.department_id:
            raise ValidationError({"department": "专窗事项分组必须指定部门。"})


class Slot(models.Model):
    """A bookable period of one hall for one item group, with its capacity. `booked` counts
    the active bookings; services change it only while holding the slot's row lock."""

    hall = models.ForeignKey(
        ServiceHall, verbose_name=_("大厅"), on_delete=models.CASCADE, related_name="slots"
    )
    group = models.ForeignKey(
        ItemGroup, verbose_name=_("事项分组"), on_delete=models.PROTECT, related_name="slots"
    )
    day = models.DateField(_("日期"))
    starts_at = models.TimeField(_("开始时间"))
    ends_at = models.TimeField(_("结束时间"))
    capacity = models.PositiveSmallIntegerField(_("可预约人数"))
    booked = models.PositiveSmallIntegerField(_("已预约人数"), default=0)
    # The calendar's verdict when the slot was made: a slot on a non-working day is 周末预约办.
    non_working_day = models.BooleanField(_("非工作日"), default=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = _("预约时段")
        ordering = ["day", "starts_at", "hall", "group"]
        constraints = [
            models.UniqueConstraint(
                fields=["hall", "group", "day", "starts_at"], name="hall_slot_unique"
            ),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="hall_slot_capacity"),
            models.CheckConstraint(
                condition=Q(booked__lte=F("capacity")), name="hall_slot_not_overbooked"
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="hall_slot_ends_after_start"
            ),
        ]
        indexes = [models.Index(fields=["group", "day"])]

    def __str__(self) -> str:
        return f"{self.hall.name} {self.group.name} {self.day} {self.starts_at:%H:%M}"

    @property
    def remaining(self) -> int:
        return max(0, self.capacity - self.booked)


class Booking(models.Model):
    """One citizen's place in one slot. `code` (预约号) is what he shows at the hall."""

    slot = models.ForeignKey(
        Slot, verbose_name=_("预约时段"), on_delete=models.PROTECT, related_name="bookings"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("预约人账号"),
        on_delete=models.PROTECT,
        related_name="hall_bookings",
    )
    applicant = models.ForeignKey(
        Applicant, verbose_name=_("申请人"), on_delete=models.PROTECT, related_name="+"
    )
    code = models.CharField(_("预约号"), max_length=16, unique=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=BookingStatus.choices, default=BookingStatus.BOOKED
    )
    channel = models.CharField(_("预约渠道"), max_length=8, choices=BookingChannel.choices)
    created_at = models.DateTimeField(_("预约时间"), auto_now_add=True)
    cancelled_at = models.DateTimeField(_("取消时间"), null=True, blank=True)
    checked_in_at = models.DateTimeField(_("签到时间"), null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("预约")
        ordering = ["-created_at", "-id"]
        constraints = [
            # One place per citizen and slot: a second booking, even from a second request at
            # the same moment, fails here if the services' check was raced.
            models.UniqueConstraint(
                fields=["slot", "user"],
                condition=Q(status__in=list(ACTIVE_BOOKING)),
                name="hall_booking_one_per_slot",
            ),
        ]
        indexes = [models.Index(fields=["user", "status"])]

    def __str__(self) -> str:
        return self.code


class Ticket(models.Model):
    """A queue number (排队号) of one hall and day: a walk-in's (取号) or a checked-in
    appointment's. Times are kept so waiting (叫号 − 取号, for an appointment from its slot's
    start if he came early) and handling (办结 − 叫号) can be measured."""

    hall = models.ForeignKey(
        ServiceHall, verbose_name=_("大厅"), on_delete=models.CASCADE, related_name="tickets"
    )
    window_kind = models.CharField(_("窗口类型"), max_length=16, choices=WindowKind.choices)
    # A 专窗 ticket waits for its department's window; other kinds for any window of the kind.
    department = models.ForeignKey(
        Department,
        verbose_name=_("部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    group = models.ForeignKey(
        ItemGroup,
        verbose_name=_("事项分组"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    kind = models.CharField(_("取号方式"), max_length=16, choices=TicketKind.choices)
    day = models.DateField(_("日期"))
    number = models.PositiveIntegerField(_("序号"))
    code = models.CharField(_("排队号"), max_length=16)
    booking = models.OneToOneField(
        Booking,
        verbose_name=_("预约"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ticket",
    )
    due_at = models.DateTimeField(_("预约时间"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=TicketStatus.choices, default=TicketStatus.WAITING
    )
    issued_at = models.DateTimeField(_("取号时间"))
    issued_hour = models.PositiveSmallIntegerField(_("取号时段（时）"))  # local hour, 0–23
    called_at = models.DateTimeField(_("叫号时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    window = models.ForeignKey(
        Window,
        verbose_name=_("窗口"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    called_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("叫号人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    wait_seconds = models.PositiveIntegerField(_("等候时长（秒）"), null=True, blank=True)
    handle_seconds = models.PositiveIntegerField(_("办理时长（秒）"), null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("排队号")
        ordering = ["day", "issued_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["hall", "day", "code"], name="hall_ticket_code_unique")
        ]
        indexes = [
            models.Index(fields=["hall", "day", "window_kind", "status"]),
            models.Index(fields=["hall", "day", "called_at"]),
        ]

    def __str__(self) -> str:
        return self.code
