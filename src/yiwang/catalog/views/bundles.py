"""Workbench pages of the bundles (一件事管理): the list, a bundle's stages and items, editing its
简介 and 生活场景, publishing a draft. Staff who may edit the catalogue see the bundles led by a
department in their data scope (404 outside it); changing and publishing a bundle is the
bureau's catalogue work (workflow.may_review, checked again by the services). Stages and items
are not changed here: a new bundle is imported."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from yiwang.catalog import selectors, services, workflow
from yiwang.catalog.forms import BundleForm
from yiwang.catalog.models import BundleStatus
from yiwang.catalog.views.workbench import (
    PAGE_SIZE,
    _add_service_errors,
    _error_text,
    _user,
    staff_page,
)
from yiwang.org import selectors as org_selectors
from yiwang.org.models import User


def _require_catalog_staff(user: User) -> None:
    if not (workflow.may_compile(user) or workflow.may_review(user)):
        raise PermissionDenied(gettext("只有编制事项的工作人员可以查看一件事。"))


@staff_page
def bundle_list(request: HttpRequest) -> HttpResponse:
    """一件事管理: the scope's bundles with their stages, items and lead department."""
    user = _user(request)
    _require_catalog_staff(user)
    page = Paginator(selectors.bundle_list_for(user=user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "catalog/workbench_bundle_list.html",
        {"page": page, "scope": org_selectors.data_scope_for(user)},
    )


@staff_page
def bundle_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A bundle: its stages and items, and (for the bureau) the form for 简介 and 生活场景."""
    user = _user(request)
    _require_catalog_staff(user)
    bundle = selectors.bundle_page_for(user=user, pk=pk)
    may_edit = workflow.may_review(user)
    initial = {"summary": bundle.summary, "situations": bundle.situations}
    form = BundleForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST":
        if not may_edit:
            raise PermissionDenied(gettext("只有数据资源局可以编制一件事。"))
        if form.is_valid():
            try:
                services.bundle_update(
                    bundle=bundle,
                    summary=form.cleaned_data["summary"],
                    situations=form.cleaned_data["situations"],
                    actor=user,
                )
            except ValidationError as exc:
                _add_service_errors(form, exc)
            else:
                messages.success(
                    request, gettext("一件事“%(name)s”已保存。") % {"name": bundle.name}
                )
                return redirect("catalog:bundle-detail", pk=bundle.pk)
    return render(
        request,
        "catalog/workbench_bundle_detail.html",
        {
            "bundle": bundle,
            "form": form,
            "may_edit": may_edit,
            "may_publish": may_edit and bundle.status == BundleStatus.DRAFT,
        },
    )


@staff_page
@require_POST
def bundle_publish(request: HttpRequest, pk: int) -> HttpResponse:
    """发布 a draft bundle (services.bundle_publish: every item published and active)."""
    user = _user(request)
    _require_catalog_staff(user)
    bundle = selectors.bundle_page_for(user=user, pk=pk)
    try:
        services.bundle_publish(bundle=bundle, actor=user)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, gettext("一件事“%(name)s”已发布。") % {"name": bundle.name})
    return redirect("catalog:bundle-detail", pk=bundle.pk)
