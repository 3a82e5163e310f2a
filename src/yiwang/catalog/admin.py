"""Admin for the catalogue's master data. Workflows (claim, review, publish) never happen here."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest

from . import search_synonyms
from .models import SearchSynonym


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
