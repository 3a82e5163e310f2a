"""Workbench pages of the catalogue (事项库): list, item page, claim, edit, review, publish,
suspend / resume / withdraw. Reads go through the selectors (data scope applied, 404 outside
it), writes through the services; a refused action shows the service's Chinese message."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_POST

from yiwang.catalog import presenters, selectors, services, workflow
from yiwang.catalog.forms import (
    ROW_FORMSETS,
    ClaimForm,
    ItemFilterForm,
    ReasonForm,
    ReviewForm,
    VersionElementsForm,
    kept_rows,
)
from yiwang.catalog.models import ItemStatus, ServiceItem, ServiceItemVersion, VersionStatus
from yiwang.org import selectors as org_selectors
from yiwang.org.decorators import staff_page as org_staff_page
from yiwang.org.models import User

PAGE_SIZE = 25
ITEM_ACTIONS: dict[str, Callable[..., ServiceItem]] = {
    "suspend": services.item_suspend,
    "resume": services.item_resume,
    "withdraw": services.item_withdraw,
}


# The workbench's one staff-page decorator (org.decorators), with the catalogue's messages.
staff_page = org_staff_page(
    not_staff=gettext_lazy("事项库仅供工作人员使用。"), template="catalog/workbench_forbidden.html"
)


def _require_reviewer(user: User) -> None:
    if not workflow.may_review(user):
        raise PermissionDenied(gettext("只有数据资源局的审核人员可以审核、发布事项。"))


def _named(label: object, error: object) -> str:
    """An error naming its field or row ("受理条件：…")."""
    return gettext("%(field)s：%(error)s") % {"field": label, "error": error}


def _joined(errors: list[str]) -> str:
    # Translators: separator between two error sentences.
    return gettext("；").join(errors)


def _error_text(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        return _joined([_named(k, _joined(v)) for k, v in exc.message_dict.items()])
    return _joined(exc.messages)


def _add_service_errors(form: Any, exc: ValidationError, *, summary: bool = False) -> None:
    """Put a service's errors on the form: on the named field when the form has it, at the top
    (naming the element) otherwise. With `summary`, field errors are also listed at the top,
    naming the field, for long forms where the field may be out of sight."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    labels = {name: str(f.label) for name, f in form.fields.items()}
    for key, errors in exc.message_dict.items():
        if key in form.fields:
            form.add_error(key, errors)
        if key not in form.fields or summary:
            form.add_error(None, [_named(labels.get(key, key), e) for e in errors])


def _error_summary(form: Any, formsets: dict[str, Any]) -> list[str]:
    """Every error of the edit page in one list, naming the field and the row."""
    lines = [
        _named(form.fields[name].label, e)
        for name, errs in form.errors.items()
        if name != "__all__"
        for e in errs
    ]
    for prefix, formset in formsets.items():
        title = ROW_FORMSETS[prefix][1]
        lines += [_named(title, e) for e in formset.non_form_errors()]
        for index, row in enumerate(formset.forms, start=1):
            for name, errs in row.errors.items():
                label = row.fields[name].label if name in row.fields else ""
                where = (
                    gettext("%(list)s第 %(n)s 项 · %(field)s")
                    % {"list": title, "n": index, "field": label}
                    if label
                    else gettext("%(list)s第 %(n)s 项") % {"list": title, "n": index}
                )
                lines += [_named(where, e) for e in errs]
    return lines


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


# --- Items ---------------------------------------------------------------------------------


@staff_page
def item_list(request: HttpRequest) -> HttpResponse:
    """The scope's items with filters, newest state of each at a glance."""
    user = _user(request)
    scope = org_selectors.data_scope_for(user)
    departments = (
        org_selectors.departments_in_scope(user=user).order_by("name")
        if scope.kind == "region"
        else None
    )
    form = ItemFilterForm(request.GET or None, departments=departments)
    filters: dict[str, Any] = {}
    if form.is_valid():
        department = form.cleaned_data.get("department")
        filters = {
            "status": form.cleaned_data["status"],
            "item_type": form.cleaned_data["item_type"],
            "query": form.cleaned_data["q"],
            "department_id": department.pk if department else None,
        }
    items = selectors.item_search_for(user=user, **filters)
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    for item in page:
        status = getattr(item, "open_version_status", None)
        item.open_version_label = VersionStatus(status).label if status else ""  # type: ignore[attr-defined]
    return render(
        request,
        "catalog/workbench_item_list.html",
        {
            "form": form,
            "page": page,
            "scope": scope,
            "may_claim": workflow.may_compile(user),
        },
    )


@staff_page
def item_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The item: published elements, open version and its actions, history and log."""
    user = _user(request)
    item = selectors.item_page_for(user=user, pk=pk)
    published = item.published_version
    open_version = selectors.open_version(item)
    version_actions = (
        [t.name for t in workflow.VERSION.available(open_version.status, user)]
        if open_version
        else []
    )
    item_actions = workflow.ITEM.available(item.status, user)
    return render(
        request,
        "catalog/workbench_item_detail.html",
        {
            "item": item,
            "published": published,
            "groups": presenters.version_elements(published) if published else [],
            "open_version": open_version,
            "version_actions": version_actions,
            "may_revise": workflow.may_compile(user)
            and open_version is None
            and item.status != ItemStatus.WITHDRAWN,
            "item_actions": item_actions,
            "versions": selectors.item_versions(item),
            "adjustments": selectors.item_adjustments(item),
        },
    )


@staff_page
@require_POST
def item_revise(request: HttpRequest, pk: int) -> HttpResponse:
    """修改（新建版本）: open a draft copied from the published version."""
    item = selectors.item_get_for(user=_user(request), pk=pk)
    try:
        version = services.version_start_revision(item=item, actor=_user(request))
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
        return redirect("catalog:item-detail", pk=item.pk)
    messages.success(request, gettext("已新建 v%(n)s，请修改后提交审核。") % {"n": version.number})
    return redirect("catalog:version-edit", pk=version.pk)


@staff_page
@require_POST
def item_transition(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """暂停 / 恢复 / 撤销 with a reason."""
    service = ITEM_ACTIONS.get(action)
    if service is None:
        raise Http404
    item = selectors.item_get_for(user=_user(request), pk=pk)
    form = ReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        item = service(item=item, reason=reason, actor=_user(request))
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(
            request,
            gettext("事项已%(action)s，原因已记入动态调整记录。")
            % {"action": gettext(workflow.ITEM.transitions[action].label)},
        )
    return redirect("catalog:item-detail", pk=item.pk)


@staff_page
def claim(request: HttpRequest) -> HttpResponse:
    """认领: pick a base item and the implementing department, then compile the first draft."""
    user = _user(request)
    if not workflow.may_compile(user):
        raise PermissionDenied(gettext("您的角色不能认领事项。"))
    departments = org_selectors.departments_in_scope(user=user).order_by("name")
    form = ClaimForm(request.POST or None, departments=departments)
    query = request.GET.get("q", "").strip()
    if request.method == "POST" and form.is_valid():
        department = form.cleaned_data["department"]
        try:
            item = services.item_claim(
                base=form.cleaned_data["base"],
                department=department,
                region=department.region,
                business_type=form.cleaned_data["business_type"],
                actor=user,
            )
        except ValidationError as exc:
            _add_service_errors(form, exc)
        else:
            messages.success(
                request, gettext("已认领“%(name)s”，请编制事项要素。") % {"name": item.base.name}
            )
            return redirect("catalog:version-edit", pk=item.versions.get().pk)
    chosen = form["base"].value() if form.is_bound else None
    return render(
        request,
        "catalog/workbench_claim.html",
        {
            "form": form,
            "query": query,
            "results": selectors.base_item_search(query=query),
            "chosen": str(chosen or ""),
        },
    )


# --- Versions ------------------------------------------------------------------------------


def _version_context(version: ServiceItemVersion) -> dict[str, Any]:
    return {
        "version": version,
        "item": version.item,
        "groups": presenters.version_elements(version),
    }


@staff_page
def version_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Any version, read-only."""
    version = selectors.version_get_for(user=_user(request), pk=pk)
    context = _version_context(version)
    context["may_review"] = workflow.may_review(_user(request))
    return render(request, "catalog/workbench_version_detail.html", context)


def _initial_rows(version: ServiceItemVersion) -> dict[str, list[dict[str, Any]]]:
    return {
        "materials": [
            {
                "id": m.pk,
                "blank_form": m.blank_form or None,
                "sample_file": m.sample_file or None,
                **{f: getattr(m, f) for f in services.MATERIAL_FIELDS if f != "order"},
            }
            for m in version.materials.all()
        ],
        "steps": [
            {f: getattr(s, f) for f in services.STEP_FIELDS if f != "order"}
            for s in version.steps.all()
        ],
        "procedures": [
            {f: getattr(p, f) for f in services.PROCEDURE_FIELDS}
            for p in version.special_procedures.all()
        ],
        "intermediaries": [
            {f: getattr(i, f) for f in services.INTERMEDIARY_FIELDS if f != "order"}
            for i in version.intermediaries.all()
        ],
        "form_fields": [dict(f) for f in version.form_fields or []],
    }


def _initial_elements(version: ServiceItemVersion) -> dict[str, Any]:
    initial = {f: getattr(version, f) for f in services.ELEMENT_FIELDS if f != "form_fields"}
    initial["result_sample"] = version.result_sample or None
    initial["reason"] = version.change_reason
    return initial


def _material_rows(rows: list[dict[str, Any]], version: ServiceItemVersion) -> list[dict]:
    """Material rows for the service: a new upload, a cleared file, or the file of the row
    it was loaded from (looked up in this version only)."""
    existing = {m.pk: m for m in version.materials.all()}
    result = []
    for row in rows:
        source = existing.get(row.pop("id", None) or 0)
        for name in ("blank_form", "sample_file"):
            value = row.get(name)
            if isinstance(value, UploadedFile):
                continue
            if value is False or source is None:
                row[name] = ""
            else:
                row[name] = getattr(source, name).name or ""
        result.append(row)
    return result


def _with_extra_row(data: Any, prefix: str) -> Any:
    """Posted data with one more row, holding the row's defaults, in formset `prefix` (the
    no-JavaScript 添加一行; the page is shown again, nothing is saved)."""
    data = data.copy()
    key = f"{prefix}-TOTAL_FORMS"
    try:
        index = int(data.get(key, 0))
    except ValueError:
        return data
    formset = ROW_FORMSETS[prefix][0](prefix=prefix)
    row = formset.form(prefix=formset.add_prefix(index))
    for bound in row:
        value = bound.value()
        if value is True:
            data[bound.html_name] = "on"
        elif value not in (None, False, ""):
            data[bound.html_name] = str(value)
    data[key] = str(index + 1)
    return data


@staff_page
def version_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """编制: every element of a draft or returned version, with its lists as editable rows."""
    user = _user(request)
    version = selectors.version_get_for(user=user, pk=pk)
    if not workflow.may_compile(user):
        raise PermissionDenied(gettext("您的角色不能编制事项。"))
    if not version.editable:
        messages.error(
            request,
            gettext(
                "v%(n)s 当前为“%(status)s”，不能修改；"
                "已发布的版本请在事项页点击“修改（新建版本）”。"
            )
            % {"n": version.number, "status": version.get_status_display()},
        )
        return redirect("catalog:item-detail", pk=version.item_id)
    initial_rows = _initial_rows(version)
    data = request.POST if request.method == "POST" else None
    add_row = request.POST.get("add_row", "") if data is not None else ""
    if add_row in ROW_FORMSETS:
        data = _with_extra_row(data, add_row)
    files = request.FILES if data is not None else None
    form = VersionElementsForm(data, files, initial=_initial_elements(version))
    formsets = {
        prefix: formset_class(data, files, prefix=prefix, initial=initial_rows[prefix])
        for prefix, (formset_class, _, _) in ROW_FORMSETS.items()
    }
    if data is not None and not add_row:
        valid = form.is_valid() & all([fs.is_valid() for fs in formsets.values()])
        if valid:
            saved = _save_version(request, version, form, formsets)
            if saved is not None:
                return saved
        else:
            form.add_error(
                None, [gettext("未保存，请修改以下内容："), *_error_summary(form, formsets)]
            )
    return render(
        request,
        "catalog/workbench_version_edit.html",
        {
            "version": version,
            "item": version.item,
            "form": form,
            "formsets": [
                (prefix, formsets[prefix], title) for prefix, (_, title, _) in ROW_FORMSETS.items()
            ],
        },
    )


def _save_version(
    request: HttpRequest,
    version: ServiceItemVersion,
    form: VersionElementsForm,
    formsets: dict[str, Any],
) -> HttpResponse | None:
    """Save through version_update (and submit when asked); None when the service refused and
    the form, now carrying its errors, is shown again."""
    user = _user(request)
    lists: dict[str, Any] = {}
    if formsets["materials"].has_changed():
        lists["materials"] = _material_rows(kept_rows(formsets["materials"]), version)
    if formsets["steps"].has_changed():
        lists["steps"] = kept_rows(formsets["steps"])
    if formsets["procedures"].has_changed():
        lists["special_procedures"] = kept_rows(formsets["procedures"])
    if formsets["intermediaries"].has_changed():
        lists["intermediaries"] = kept_rows(formsets["intermediaries"])
    elements = form.elements()
    if formsets["form_fields"].has_changed():
        elements["form_fields"] = kept_rows(formsets["form_fields"])
    try:
        version = services.version_update(
            version=version,
            elements=elements,
            reason=form.cleaned_data["reason"],
            result_sample=form.result_sample(),
            actor=user,
            **lists,
        )
    except ValidationError as exc:
        if getattr(exc, "code", None) == "not_editable":
            messages.error(request, _error_text(exc))
            return redirect("catalog:item-detail", pk=version.item_id)
        form.add_error(None, gettext("未保存，请修改以下内容："))
        _add_service_errors(form, exc, summary=True)
        return None
    if request.POST.get("action") == "submit":
        try:
            services.version_submit(version=version, actor=user)
        except ValidationError as exc:
            messages.error(request, _error_text(exc))
            return redirect("catalog:version-edit", pk=version.pk)
        messages.success(request, gettext("v%(n)s 已保存并提交审核。") % {"n": version.number})
        return redirect("catalog:item-detail", pk=version.item_id)
    messages.success(request, gettext("v%(n)s 已保存。") % {"n": version.number})
    return redirect("catalog:version-edit", pk=version.pk)


@staff_page
def version_edit_row(request: HttpRequest, pk: int, prefix: str) -> HttpResponse:
    """htmx: one more empty row for list `prefix`; the row count is swapped out of band."""
    version = selectors.version_get_for(user=_user(request), pk=pk)
    if prefix not in ROW_FORMSETS or not version.editable:
        raise Http404
    formset_class, _, _ = ROW_FORMSETS[prefix]
    try:
        index = int(request.GET.get(f"{prefix}-TOTAL_FORMS", "0"))
    except ValueError:
        index = 0
    formset = formset_class(prefix=prefix)
    row = formset.form(
        prefix=formset.add_prefix(index), empty_permitted=True, use_required_attribute=False
    )
    formset.add_fields(row, index)
    return render(
        request,
        "catalog/workbench_edit_row.html",
        {"prefix": prefix, "row": row, "total": index + 1, "oob": True},
    )


@staff_page
@require_POST
def version_submit(request: HttpRequest, pk: int) -> HttpResponse:
    version = selectors.version_get_for(user=_user(request), pk=pk)
    try:
        services.version_submit(version=version, actor=_user(request))
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, gettext("v%(n)s 已提交审核。") % {"n": version.number})
    return redirect("catalog:item-detail", pk=version.item_id)


# --- Review --------------------------------------------------------------------------------


@staff_page
def review_list(request: HttpRequest) -> HttpResponse:
    """Submitted versions in the reviewer's scope, oldest first."""
    user = _user(request)
    _require_reviewer(user)
    versions = selectors.versions_awaiting_review(user=user).select_related(
        "item__published_version", "created_by__staff"
    )
    page = Paginator(versions, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "catalog/workbench_review_list.html", {"page": page})


@staff_page
def version_review(request: HttpRequest, pk: int) -> HttpResponse:
    """A submitted version against the published one; 退回修改 or 审核通过, then 发布."""
    user = _user(request)
    version = selectors.version_get_for(user=user, pk=pk)
    _require_reviewer(user)
    form = ReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        decision = request.POST.get("decision")
        comment = form.cleaned_data["comment"]
        try:
            if decision == "return":
                services.version_return(version=version, comment=comment, actor=user)
                messages.success(
                    request, gettext("已退回 v%(n)s，部门将按意见修改。") % {"n": version.number}
                )
                return redirect("catalog:review-list")
            if decision == "approve":
                services.version_approve(version=version, comment=comment, actor=user)
                messages.success(
                    request, gettext("v%(n)s 审核通过，可以发布。") % {"n": version.number}
                )
                return redirect("catalog:version-review", pk=version.pk)
            form.add_error(None, gettext("请选择“退回修改”或“审核通过”。"))
        except ValidationError as exc:
            _add_service_errors(form, exc)
        version = selectors.version_get_for(user=user, pk=pk)
    published = version.item.published_version
    against = published if published and published.pk != version.pk else None
    if against is not None:
        against = selectors.version_get_for(user=user, pk=against.pk)
    return render(
        request,
        "catalog/workbench_version_review.html",
        {
            "version": version,
            "item": version.item,
            "form": form,
            "diff": presenters.version_diff(version, against),
            "actions": [t.name for t in workflow.VERSION.available(version.status, user)],
        },
    )


@staff_page
@require_POST
def version_publish(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    version = selectors.version_get_for(user=user, pk=pk)
    try:
        services.version_publish(version=version, actor=user)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
        return redirect("catalog:version-review", pk=version.pk)
    messages.success(request, gettext("v%(n)s 已发布。") % {"n": version.number})
    return redirect(reverse("catalog:item-detail", args=[version.item_id]))
