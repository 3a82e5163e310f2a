"""Admin for the holiday table (master data). Every save and delete goes through the services so
that it is audited and the cached table is refreshed. Clocks are shown read-only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest

from . import services
from .models import CalendarDay, CalendarYear, Clock, ClockPause
from .selectors import calendar_year_list

WEEKDAYS = "一二三四五六日"


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    list_display = ["year", "confirmed", "source", "holiday_count", "makeup_workday_count", "note"]
    list_filter = ["confirmed", "source"]
    fields = ["year", "confirmed", "source", "note"]
    ordering = ["-year"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[CalendarYear]:
        return calendar_year_list().order_by("-year")

    @admin.display(description="节假日天数")
    def holiday_count(self, obj: Any) -> int:
        return int(getattr(obj, "holiday_count", 0))

    @admin.display(description="调休上班天数")
    def makeup_workday_count(self, obj: Any) -> int:
        return int(getattr(obj, "makeup_workday_count", 0))

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # The year identifies the row; changing it would silently move a confirmed table.
        return ["year"] if obj is not None else []

    def save_model(self, request: HttpRequest, obj: Any, form: ModelForm, change: bool) -> None:
        saved = services.calendar_year_set(
            year=obj.year,
            confirmed=obj.confirmed,
            source=obj.source,
            note=obj.note,
            actor=request.user,
        )
        obj.pk = saved.pk
        obj.updated_at = saved.updated_at

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        services.calendar_year_delete(year=obj, actor=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[CalendarYear]) -> None:
        for row in queryset:
            services.calendar_year_delete(year=row, actor=request.user)


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ["date", "weekday", "kind", "name"]
    list_filter = ["kind", "name"]
    date_hierarchy = "date"
    search_fields = ["name"]
    ordering = ["-date"]

    @admin.display(description="星期")
    def weekday(self, obj: CalendarDay) -> str:
        return "周" + WEEKDAYS[obj.date.weekday()]

    def save_model(self, request: HttpRequest, obj: Any, form: ModelForm, change: bool) -> None:
        existing = CalendarDay.objects.get(pk=obj.pk) if change and obj.pk else None
        saved = services.calendar_day_set(
            date=obj.date, kind=obj.kind, name=obj.name, day=existing, actor=request.user
        )
        obj.pk = saved.pk

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        services.calendar_day_delete(day=obj, actor=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[CalendarDay]) -> None:
        for row in queryset:
            services.calendar_day_delete(day=row, actor=request.user)


class ClockPauseInline(admin.TabularInline):
    model = ClockPause
    extra = 0
    can_delete = False
    fields = ["started_on", "ended_on", "kind", "reason"]
    readonly_fields = ["started_on", "ended_on", "kind", "reason"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Clock)
class ClockAdmin(admin.ModelAdmin):
    """Read-only: clocks change only through the workflows of the apps that own them."""

    list_display = ["subject_type", "subject_id", "started_on", "limit_days", "deadline"]
    list_filter = ["subject_type", "start_rule"]
    search_fields = ["subject_id"]
    inlines = [ClockPauseInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
