"""Admin for the catalogue's master data. Workflows (claim, review, publish) never happen here."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest

from yiwang.catalog import services as catalog_services
from yiwang.catalog.models import (
    BaseItem,
    IntermediaryService,
    SearchSynonym,
    ServiceItem,
    ServiceItemVersion,
)
from yiwang.catalog.search import synonyms as search_synonyms
from yiwang.org.models import User


class SearchSynonymForm(forms.ModelForm):
    """Runs the service's validation, so bad input is a form error, not a server error."""

    class Meta:
        model = SearchSynonym
        fields = ["phrase", "expansions", "active"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if "phrase" in data and "expansions" in data:
            try:
                data["phrase"], data["expansions"] = search_synonyms.clean_synonym(
                    data["phrase"], data["expansions"]
                )
            except ValidationError as exc:
                for field, messages in exc.message_dict.items():
                    for message in messages:
                        self.add_error(field, message)
                return data
            clash = SearchSynonym.objects.filter(phrase=data["phrase"])
            if self.instance.pk:
                clash = clash.exclude(pk=self.instance.pk)
            if clash.exists():
                self.add_error("phrase", f"群众说法“{data['phrase']}”已存在。")
        return data


@admin.register(SearchSynonym)
class SearchSynonymAdmin(admin.ModelAdmin):
    """The guided-search dictionary (导办同义词). Saves and deletes go through the audited
    services; every web worker's search index picks the change up on its next search."""

    form = SearchSynonymForm
    list_display = ["phrase", "expansions", "active", "updated_at"]
    list_filter = ["active"]
    list_editable = ["active"]
    search_fields = ["phrase", "expansions"]
    fields = ["phrase", "expansions", "active"]
    ordering = ["phrase"]

    def save_model(self, request: HttpRequest, obj: Any, form: ModelForm, change: bool) -> None:
        existing = SearchSynonym.objects.get(pk=obj.pk) if change and obj.pk else None
        saved = search_synonyms.synonym_set(
            phrase=obj.phrase,
            expansions=obj.expansions,
            active=obj.active,
            synonym=existing,
            actor=request.user,
        )
        obj.pk, obj.phrase, obj.expansions = saved.pk, saved.phrase, saved.expansions
        obj.updated_at = saved.updated_at

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        search_synonyms.synonym_delete(synonym=obj, actor=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[SearchSynonym]) -> None:
        for row in queryset:
            search_synonyms.synonym_delete(synonym=row, actor=request.user)


# --- Base catalogue (editable master data) and implementation items (read-only) --------------
# Claim, compile, review and publish happen on the workbench pages (/workbench/catalog/), never
# here: implementation items and their versions are shown read-only.


class BaseItemForm(forms.ModelForm):
    class Meta:
        model = BaseItem
        fields = [
            "code",
            "name",
            "item_type",
            "level",
            "parent",
            "competent_department",
            "implementing_body",
            "legal_basis",
        ]

    def clean_parent(self) -> BaseItem | None:
        parent = self.cleaned_data.get("parent")
        if parent is not None and self.instance.pk and parent.pk == self.instance.pk:
            raise ValidationError("主项不能是事项自身。")
        return parent


def _actor(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]  # the admin requires a signed-in user


@admin.register(BaseItem)
class BaseItemAdmin(admin.ModelAdmin):
    """The provincial base catalogue (基本目录). Saves and deletes go through audited services;
    an item a department has claimed cannot be deleted."""

    form = BaseItemForm
    list_display = ["code", "name", "item_type", "level", "competent_department"]
    list_filter = ["item_type", "level"]
    search_fields = ["code", "name"]
    fields = list(BaseItemForm.Meta.fields)
    raw_id_fields = ["parent"]
    ordering = ["code"]

    def save_model(self, request: HttpRequest, obj: Any, form: ModelForm, change: bool) -> None:
        values = {f: form.cleaned_data[f] for f in BaseItemForm.Meta.fields}
        if change:
            saved = catalog_services.base_item_update(
                base=BaseItem.objects.get(pk=obj.pk), actor=_actor(request), **values
            )
        else:
            saved = catalog_services.base_item_create(actor=_actor(request), **values)
        obj.pk = saved.pk

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and (obj.implementations.exists() or obj.children.exists()):
            return False
        return super().has_delete_permission(request, obj)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        catalog_services.base_item_delete(base=obj, actor=_actor(request))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[BaseItem]) -> None:
        for row in queryset:
            catalog_services.base_item_delete(base=row, actor=_actor(request))


class _ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ServiceItem)
class ServiceItemAdmin(_ReadOnlyAdmin):
    """Implementation items, read-only: they change through the workbench lifecycle."""

    list_display = ["code", "__str__", "department", "business_type", "status"]
    list_filter = ["status", "business_type"]
    search_fields = ["code", "base__name", "published_version__name"]
    list_select_related = ["department", "published_version", "base"]


class IntermediaryInline(admin.TabularInline):
    """A version's 中介服务, read-only like the version."""

    model = IntermediaryService
    fields = readonly_fields = ("order", "name", "required", "charged", "fee_basis")
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ServiceItemVersion)
class ServiceItemVersionAdmin(_ReadOnlyAdmin):
    """Versions of implementation items, read-only (a published version never changes)."""

    list_display = ["item", "number", "name", "status", "service_scope", "published_at"]
    list_filter = ["status", "service_scope", "online_depth"]
    inlines = [IntermediaryInline]
    search_fields = ["name", "item__code"]
    list_select_related = ["item__published_version", "item__base"]
