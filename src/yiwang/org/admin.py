"""Admin for master data only (regions, departments, halls, windows). Staff accounts and
applicants are created through the services (validation, audit), so they are read-only here."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import Applicant, Department, Region, ServiceHall, Staff, User, Window


class AuditedAdmin(admin.ModelAdmin):
    """Master-data edits in the admin are audited like service writes."""

    audited_fields: list[str] = []

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        from yiwang.audit.services import audit_change, snapshot

        before = None
        if change:
            before = snapshot(type(obj).objects.get(pk=obj.pk), self.audited_fields)
        super().save_model(request, obj, form, change)
        audit_change(
            action=f"admin.{obj._meta.model_name}_{'change' if change else 'create'}",
            obj=obj,
            before=before,
            after=snapshot(obj, self.audited_fields),
            actor=request.user,
        )

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        from yiwang.audit.services import audit_change, snapshot

        before = snapshot(obj, self.audited_fields)
        audit_change(
            action=f"admin.{obj._meta.model_name}_delete",
            obj=obj,
            before=before,
            after=None,
            actor=request.user,
        )
        super().delete_model(request, obj)


@admin.register(Region)
class RegionAdmin(AuditedAdmin):
    list_display = ["code", "name", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["parent"]
    audited_fields = ["code", "name", "level", "parent"]


@admin.register(Department)
class DepartmentAdmin(AuditedAdmin):
    list_display = ["name", "short_name", "uscc", "kind", "region", "is_bureau"]
    list_filter = ["kind", "is_bureau"]
    search_fields = ["name", "short_name", "uscc"]
    autocomplete_fields = ["region"]
    audited_fields = ["name", "short_name", "uscc", "kind", "region", "is_bureau"]


class WindowInline(admin.TabularInline):
    model = Window
    extra = 0
    autocomplete_fields = ["department"]


@admin.register(ServiceHall)
class ServiceHallAdmin(AuditedAdmin):
    list_display = ["name", "level", "region", "address"]
    list_filter = ["level"]
    search_fields = ["name"]
    autocomplete_fields = ["region"]
    inlines = [WindowInline]
    audited_fields = ["name", "level", "region", "address", "opening_hours", "phone"]


@admin.register(Window)
class WindowAdmin(AuditedAdmin):
    list_display = ["hall", "number", "name", "kind", "department", "active"]
    list_filter = ["kind", "active"]
    search_fields = ["name", "number", "hall__name"]
    autocomplete_fields = ["hall", "department"]
    audited_fields = ["hall", "number", "name", "kind", "department", "active"]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Staff)
class StaffAdmin(ReadOnlyAdmin):
    list_display = ["full_name", "department", "title", "window"]
    list_filter = ["department"]
    search_fields = ["full_name", "user__username"]


@admin.register(Applicant)
class ApplicantAdmin(ReadOnlyAdmin):
    list_display = ["name", "kind", "id_number", "uscc", "phone", "created_at"]
    list_filter = ["kind"]
    search_fields = ["name", "uscc"]


@admin.register(User)
class UserAdmin(ReadOnlyAdmin):
    list_display = ["username", "kind", "is_active", "locked_until", "last_login"]
    list_filter = ["kind", "is_active"]
    search_fields = ["username"]
    exclude = ["password"]
