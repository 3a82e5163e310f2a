"""Admin for master data only (regions, departments, halls, windows). Staff accounts and
applicants are created through the services (validation, audit), so they are read-only here."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import transaction
from django.db.models import Model, QuerySet
from django.forms import BaseInlineFormSet
from django.http import HttpRequest

from .models import Applicant, Department, Region, ServiceHall, Staff, User, Window
from .roles import may_use_admin_site


def _audited_fields(model: type[Model], admin_obj: Any = None) -> list[str]:
    """The fields an admin audits: its own list, or every editable concrete field."""
    declared = getattr(admin_obj, "audited_fields", None)
    if declared:
        return list(declared)
    return [
        f.name
        for f in model._meta.concrete_fields
        if f.editable and not f.primary_key and f.name not in {"password"}
    ]


def _audit_save(request: HttpRequest, obj: Any, fields: list[str], change: bool, save: Any) -> None:
    from yiwang.audit.services import audit_change, field_changes, snapshot

    before = None
    if change:
        # Read from the database: the form has already written the new values onto `obj`.
        before = snapshot(type(obj).objects.get(pk=obj.pk), fields)
    save()
    after = snapshot(obj, fields)
    if change and not field_changes(before, after):
        # Saving a hall to edit only its windows changes nothing on the hall itself.
        return
    audit_change(
        action=f"admin.{obj._meta.model_name}_{'change' if change else 'create'}",
        obj=obj,
        before=before,
        after=after,
        actor=request.user,
    )


def _audit_delete(request: HttpRequest, obj: Any, fields: list[str], delete: Any) -> None:
    from yiwang.audit.services import audit_change, snapshot

    audit_change(
        action=f"admin.{obj._meta.model_name}_delete",
        obj=obj,
        before=snapshot(obj, fields),
        after=None,
        actor=request.user,
    )
    delete()


class AuditedAdmin(admin.ModelAdmin):
    """Master-data edits in the admin are audited like service writes: single saves and
    deletes, "delete selected" (one event per row) and inline rows (their real changes)."""

    audited_fields: list[str] = []

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        _audit_save(
            request,
            obj,
            _audited_fields(type(obj), self),
            change,
            lambda: super(AuditedAdmin, self).save_model(request, obj, form, change),
        )

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        _audit_delete(
            request,
            obj,
            _audited_fields(type(obj), self),
            lambda: super(AuditedAdmin, self).delete_model(request, obj),
        )

    @transaction.atomic
    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        # The default is one bulk DELETE that writes no event; go row by row instead, all or
        # nothing (a protected row rolls back the whole selection and its events).
        for obj in queryset:
            self.delete_model(request, obj)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        if not isinstance(formset, BaseInlineFormSet):
            super().save_formset(request, form, formset, change)
            return
        model = formset.model
        assert model is not None  # an inline formset always has its model
        inline = next((i for i in self.get_inline_instances(request) if i.model is model), None)
        fields = _audited_fields(model, inline)
        # Rows are saved one by one so each gets its own before/after; commit=False returns
        # the changed and new rows and fills deleted_objects without touching the database.
        rows = formset.save(commit=False)
        for obj in formset.deleted_objects:
            _audit_delete(request, obj, fields, obj.delete)
        for obj in rows:
            _audit_save(request, obj, fields, obj.pk is not None, obj.save)
        formset.save_m2m()


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
    audited_fields = ["hall", "number", "name", "kind", "department", "active"]


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


def _admin_site_permission(request: HttpRequest) -> bool:
    return may_use_admin_site(request.user)


# Django's default lets in any active is_staff account; the admin is for system administrators
# only (org.use_admin_site), so an account left is_staff by hand gets no way in either.
admin.site.has_permission = _admin_site_permission  # type: ignore[method-assign]
