"""Workbench pages of the audit trail (审计日志): who did what to which record, and whether the
chain is intact. Reads go through audit.selectors (system administrators see every event, a
bureau administrator his region's, other holders of the view permission their own);
verification is services.audit_verify.
Nothing here reveals personal data: the trail stores it masked and the pages show it as stored.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django import forms
from django.apps import apps
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from yiwang.org.decorators import staff_page
from yiwang.org.selectors import data_scope_for

from .models import AuditEvent, EventKind
from .selectors import (
    audit_event_list,
    may_verify_audit_chain,
    may_view_audit_events,
    sees_all_audit_events,
    sees_region_audit_events,
)
from .services import SYSTEM_ACTOR_LABEL, audit_verify

PAGE_SIZE = 50
SAME_OBJECT_LIMIT = 10
FIELDS_SHOWN = 4  # affected fields listed in a row of the event list before "等 N 项"


# Signed-in staff holding audit.view_auditevent only; anyone else gets a 403 page that says why
# (anonymous visitors are sent to sign in first). The workbench's one decorator (org.decorators).
audit_page = staff_page(
    not_staff=_("审计日志仅供工作人员使用。"),
    template="audit/forbidden.html",
    may=may_view_audit_events,
    not_allowed=_("您没有查看审计日志的权限。"),
)


# --- Labels ----------------------------------------------------------------------------------


@lru_cache(maxsize=256)
def _model(object_type: str) -> type[Model] | None:
    try:
        return apps.get_model(object_type)
    except (LookupError, ValueError):
        return None


def object_type_label(object_type: str) -> str:
    """The model's verbose name for "app_label.model_name" ("申请人"), or "" for types that are
    not a model (operations on many rows, the system)."""
    model = _model(object_type)
    return str(model._meta.verbose_name) if model else ""


def field_label(object_type: str, name: str) -> str:
    """The verbose name of field `name` of the event's model, or the name itself."""
    model = _model(object_type)
    if model is None:
        return name
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return name
    return str(getattr(field, "verbose_name", name))


@lru_cache(maxsize=1)
def _object_types() -> tuple[tuple[str, Any], ...]:
    # verbose names stay lazy in the cache: each request reads them in its own language
    found = [
        (f"{m._meta.app_label}.{m._meta.model_name}", m._meta.verbose_name)
        for m in apps.get_models()
        if m.__module__.startswith("yiwang.")
    ]
    return tuple(sorted(found, key=lambda pair: pair[0]))


def object_type_choices() -> tuple[tuple[str, str], ...]:
    """The project's models as (object type, verbose name), offered as suggestions in the
    object-type filter (free text stays allowed: operations use other types)."""
    return tuple((object_type, str(name)) for object_type, name in _object_types())


def _shown(value: Any) -> str:
    """A stored (already masked) JSON value as text: strings as they are, the rest as JSON."""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def affected_fields(event: AuditEvent) -> list[str]:
    """Changed fields of a change event, viewed fields of an access event."""
    changes = event.changes if isinstance(event.changes, dict) else {}
    if event.kind == EventKind.ACCESS:
        return [str(name) for name in changes.get("fields", [])]
    return [str(name) for name in changes]


@dataclass(frozen=True)
class FieldChange:
    name: str
    label: str
    before: Any
    after: Any

    @property
    def before_text(self) -> str:
        return _shown(self.before)

    @property
    def after_text(self) -> str:
        return _shown(self.after)


@dataclass(frozen=True)
class EventRow:
    """An event with the labels the pages show for it."""

    event: AuditEvent
    type_label: str
    field_labels: list[str]

    @property
    def is_system(self) -> bool:
        return self.event.actor_id is None and self.event.actor_label == SYSTEM_ACTOR_LABEL

    @property
    def fields_head(self) -> list[str]:
        return self.field_labels[:FIELDS_SHOWN]

    @property
    def fields_more(self) -> int:
        return max(0, len(self.field_labels) - FIELDS_SHOWN)


def event_row(event: AuditEvent) -> EventRow:
    return EventRow(
        event=event,
        type_label=object_type_label(event.object_type),
        field_labels=[field_label(event.object_type, n) for n in affected_fields(event)],
    )


def field_changes(event: AuditEvent) -> list[FieldChange]:
    """The before/after table of a change event, in stored order."""
    if event.kind == EventKind.ACCESS or not isinstance(event.changes, dict):
        return []
    rows = []
    for name, change in event.changes.items():
        pair = change if isinstance(change, dict) else {}
        rows.append(
            FieldChange(
                name=str(name),
                label=field_label(event.object_type, str(name)),
                before=pair.get("before"),
                after=pair.get("after"),
            )
        )
    return rows


# --- Filters ---------------------------------------------------------------------------------


class EventFilterForm(forms.Form):
    """Filters of the event list; an empty field means "any"."""

    kind = forms.ChoiceField(
        label=_("类别"),
        required=False,
        choices=[
            ("", _("全部类别")),
            (EventKind.CHANGE.value, _("数据变更")),
            (EventKind.ACCESS.value, _("个人信息访问")),
        ],
    )
    action = forms.CharField(label=_("动作"), required=False, max_length=64)
    object_type = forms.CharField(label=_("对象类型"), required=False, max_length=100)
    object_id = forms.CharField(label=_("对象标识"), required=False, max_length=64)
    actor = forms.CharField(label=_("操作人（用户名）"), required=False, max_length=150)
    date_from = forms.DateField(
        label=_("开始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("结束日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["object_type"].widget.attrs["list"] = "audit-object-types"
        self.fields["action"].widget.attrs["placeholder"] = "personal_data.reveal"
        for name in ("action", "object_type", "object_id", "actor"):
            self.fields[name].widget.attrs["autocomplete"] = "off"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", gettext("结束日期不能早于开始日期。"))
        return data


def _day_start(day: dt.date) -> dt.datetime:
    """Midnight of `day` in the configured local time zone (Asia/Shanghai by default)."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def filtered_events(user: Any, data: dict[str, Any]) -> QuerySet[AuditEvent]:
    """The scoped event list narrowed by the cleaned filters. Scope and the indexed filters
    come from the selector; the actor's user name and the local-date range narrow its result."""
    events = audit_event_list(
        user=user,
        kind=data.get("kind") or None,
        action=(data.get("action") or "").strip() or None,
        object_type=(data.get("object_type") or "").strip() or None,
        object_id=(data.get("object_id") or "").strip() or None,
    )
    actor = (data.get("actor") or "").strip()
    if actor:
        events = events.filter(actor_label=actor)
    if data.get("date_from"):
        events = events.filter(occurred_at__gte=_day_start(data["date_from"]))
    if data.get("date_to"):
        events = events.filter(occurred_at__lt=_day_start(data["date_to"] + dt.timedelta(days=1)))
    return events


# --- Pages -----------------------------------------------------------------------------------


@audit_page
def event_list(request: HttpRequest) -> HttpResponse:
    """The trail, newest first, 50 a page, with filters; personal-data reads one click away."""
    user = request.user
    form = EventFilterForm(request.GET or None)
    valid = form.is_valid() if form.is_bound else True
    # Invalid filters show their errors and no events rather than a list the auditor might
    # take for the filtered one.
    events = (
        filtered_events(user, form.cleaned_data if form.is_bound else {})
        if valid
        else AuditEvent.objects.none()
    )
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    kind = form.cleaned_data.get("kind", "") if valid and form.is_bound else ""
    return render(
        request,
        "audit/event_list.html",
        {
            "form": form,
            "valid": valid,
            "page": page,
            "rows": [event_row(event) for event in page],
            "kind": kind,
            "filtered": bool(form.is_bound and any(form.data.get(n) for n in form.fields)),
            "sees_all": sees_all_audit_events(user),
            "sees_region": sees_region_audit_events(user),
            "region_name": data_scope_for(user).region_name,  # type: ignore[arg-type]
            "may_verify": may_verify_audit_chain(user),
            "object_types": object_type_choices(),
        },
    )


@audit_page
def event_detail(request: HttpRequest, sequence: int) -> HttpResponse:
    """One event in full: its changes (masked as stored), its place in the chain, and the other
    events about the same object. Out of the user's scope or unknown → 404."""
    user = request.user
    event = audit_event_list(user=user).filter(sequence=sequence).first()
    if event is None:
        raise Http404(gettext("没有这条审计事件，或它不在您的查看范围内。"))
    same_object = audit_event_list(
        user=user, object_type=event.object_type, object_id=event.object_id
    ).exclude(sequence=event.sequence)
    others = [event_row(other) for other in same_object[: SAME_OBJECT_LIMIT + 1]]
    return render(
        request,
        "audit/event_detail.html",
        {
            "row": event_row(event),
            "event": event,
            "changes": field_changes(event),
            "others": others[:SAME_OBJECT_LIMIT],
            "more_others": len(others) > SAME_OBJECT_LIMIT,
            "sees_all": sees_all_audit_events(user),
        },
    )


@require_POST
@audit_page
def verify(request: HttpRequest) -> HttpResponse:
    """Walk the whole chain (services.audit_verify) and show the outcome. Bureau and system
    administrators only: the walk reads every event."""
    if not may_verify_audit_chain(request.user):
        raise PermissionDenied(gettext("只有数据资源局管理员和系统管理员可以验证审计链。"))
    result = audit_verify()
    bad_event_exists = bool(
        result.first_bad_sequence
        and audit_event_list(user=request.user).filter(sequence=result.first_bad_sequence).exists()
    )
    return render(
        request,
        "audit/verify_result.html",
        {"result": result, "bad_event_exists": bad_event_exists, "checked_at": timezone.now()},
    )
