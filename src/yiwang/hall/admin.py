"""Master data of the hall for system administrators: item groups (which items, which window
kind, 周末预约办) and a read of the slots. Slots are opened with `yiwang hall slots` (the weekend
rule is the services'); bookings and tickets are never edited here."""

from __future__ import annotations

from django.contrib import admin

from yiwang.hall.models import ItemGroup, Slot


@admin.register(ItemGroup)
class ItemGroupAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "window_kind", "department", "weekend", "active")
    list_filter = ("window_kind", "weekend", "active")
    search_fields = ("code", "name")
    filter_horizontal = ("items",)


@admin.register(Slot)
class SlotAdmin(admin.ModelAdmin):
    list_display = ("day", "starts_at", "ends_at", "hall", "group", "capacity", "booked")
    list_filter = ("non_working_day", "group", "hall")
    date_hierarchy = "day"
    readonly_fields = ("booked", "non_working_day")

    def has_add_permission(self, request: object) -> bool:
        return False  # through `yiwang hall slots`: the weekend rule lives in the services

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False
