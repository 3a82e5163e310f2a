"""The workbench's 一件事 pages (/workbench/cases/bundles/): the bundle applications of the lead
department (牵头部门) — each one whole: every child case's department, status and deadline, the
joint deadline, the one timeline, the result notice — and the head's extension of the joint
limit. No business rules here: cases.bundles writes, cases.bundle_selectors reads (the scope)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yiwang.cases import bundle_selectors, bundles, selectors
from yiwang.cases.fields import BundleCaseStatus
from yiwang.cases.views.workbench import PAGE_SIZE, _user, staff_page

EXTEND = "cases.approve_extension"


@staff_page
def bundle_list(request: HttpRequest) -> HttpResponse:
    rows = bundle_selectors.bundle_cases_for(user=_user(request)).exclude(
        status=BundleCaseStatus.DRAFT
    )
    status = request.GET.get("status", "")
    if status in BundleCaseStatus.values:
        rows = rows.filter(status=status)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "rows": page.object_list,
        "statuses": [s for s in BundleCaseStatus if s != BundleCaseStatus.DRAFT],
        "status": status,
    }
    return render(request, "cases/workbench/bundle_list.html", context)


def _page(request: HttpRequest, pk: int, *, error: str = "", status: int = 200) -> HttpResponse:
    user = _user(request)
    bundle_case = bundle_selectors.bundle_case_get_for(user=user, pk=pk)
    children = bundle_selectors.bundle_children(bundle_case)
    visible = set(
        selectors.cases_for(user=user)
        .filter(pk__in=[c.pk for c in children])
        .values_list("pk", flat=True)
    )
    context = {
        "bundle_case": bundle_case,
        "children": [(child, child.pk in visible) for child in children],
        "timeline": bundle_selectors.bundle_timeline(bundle_case),
        "result": bundle_case.result_notice or None,
        "can_extend": user.has_perm(EXTEND)
        and bundle_case.status == BundleCaseStatus.IN_PROGRESS
        and bundle_case.joint_clock_id is not None
        and not bundle_case.extended,
        "error": error,
    }
    return render(request, "cases/workbench/bundle_detail.html", context, status=status)


@staff_page
def bundle_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _page(request, pk)


@staff_page
@require_POST
def bundle_extend(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    bundle_case = bundle_selectors.bundle_case_get_for(user=user, pk=pk)
    try:
        bundles.bundle_case_extend(
            bundle_case=bundle_case, actor=user, reason=request.POST.get("reason", "")
        )
    except PermissionDenied as exc:
        return _page(request, pk, error=str(exc) or _("您的角色不能批准延长期限。"), status=403)
    except ValidationError as exc:
        code = 409 if exc.code == "illegal_transition" else 400
        return _page(request, pk, error="；".join(exc.messages), status=code)
    messages.success(request, _("联合办理期限已延长，已告知申请人。"))
    return redirect("cases:bundle-detail", pk=pk)
