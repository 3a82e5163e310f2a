"""The workbench's licence pages.

用证: on a case the staff member may see (cases.selectors; out of scope is 404), fetch one of
the applicant's licences with a reason (licenses.services.license_use), and the licences used for
the case. A used licence's file is downloadable through its use.

证照库: the licences whose issuer is in the staff member's data scope (licenses.selectors; out of
scope is 404) — list, detail with its uses and status history, PDF and file, 撤销 / 注销 / 吊销
with a reason; the licence types; each department's seal keys (public halves only) and their
rotation. Who may change what is licenses.permissions'; the writes are licenses.services'."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_POST

from yiwang.cases import selectors as case_selectors
from yiwang.cases.workflow import VIEW
from yiwang.common.http import attach
from yiwang.licenses import files, permissions, selectors, services
from yiwang.licenses.forms import LicenseFilterForm, LicenseTypeForm, StatusChangeForm
from yiwang.licenses.models import License, LicenseStatus, LicenseUse
from yiwang.licenses.views.portal import file_response
from yiwang.org.decorators import staff_page as org_staff_page
from yiwang.org.models import Department, User
from yiwang.org.selectors import data_scope_for, departments_in_scope

MAX_PK = 2**63 - 1
staff_page = org_staff_page(
    not_staff=gettext_noop("用证仅供工作人员使用。"),
    may=lambda user: user.has_perm(VIEW),
    not_allowed=gettext_noop("您的角色不能查看办件。"),
)


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


@staff_page
def case_licenses(request: HttpRequest, case_pk: int) -> HttpResponse:
    user = _user(request)
    case = case_selectors.case_get_for(user=user, pk=case_pk)
    candidates = selectors.licenses_of(case.applicant)
    errors: list[str] = []
    status = 200
    if request.method == "POST":
        reason = request.POST.get("reason", "")
        chosen = request.POST.get("license", "")
        # Only the applicant's own licences can be chosen; a number past the keys' range is none.
        license = (
            candidates.filter(pk=int(chosen)).first()
            if chosen.isdigit() and int(chosen) < MAX_PK
            else None
        )
        if license is None:
            errors.append(_("请选择申请人的一张电子证照。"))
            status = 422
        else:
            try:
                services.license_use(license=license, case=case, actor=user, reason=reason)
            except ValidationError as exc:
                errors = [m for msgs in exc.message_dict.values() for m in msgs]
                status = 422
            else:
                messages.success(request, _("已调用电子证照 %s。") % license.identifier)
                return redirect("licenses:case", case_pk=case.pk)
    return render(
        request,
        "licenses/workbench/case.html",
        {
            "case": case,
            "candidates": list(candidates),
            "uses": list(selectors.case_license_uses(case)),
            "may_use": user.has_perm(services.USE_PERMISSION),
            "errors": errors,
            "reason": request.POST.get("reason", "") if request.method == "POST" else "",
        },
        status=status,
    )


@staff_page
def use_file(request: HttpRequest, pk: int) -> HttpResponse:
    # A licence fetched for a case: its file, for whoever may see that case.
    if not 0 < pk < MAX_PK:  # larger ids do not fit the databases' keys: none exists
        raise Http404(selectors.LICENSE_NOT_FOUND)
    use = (
        LicenseUse.objects.select_related(
            "case", "license__license_type", "license__issuer", "license__seal_key"
        )
        .filter(pk=pk)
        .first()
    )
    if use is None or not case_selectors.case_visible_to(_user(request), use.case):
        raise Http404(selectors.LICENSE_NOT_FOUND)
    return file_response(use.license)


# --- 证照库 ----------------------------------------------------------------------------------

PAGE_SIZE = 25
library_page = org_staff_page(
    not_staff=gettext_noop("证照库仅供工作人员使用。"),
    may=permissions.may_view,
    not_allowed=gettext_noop("您的角色不能查看证照库。"),
)


def _errors(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [m for msgs in exc.message_dict.values() for m in msgs]
    return list(exc.messages)


def _conflict(exc: ValidationError) -> bool:
    # A state conflict (licenses.services._conflict): the licence changed meanwhile.
    errors = exc.error_dict.values() if hasattr(exc, "error_dict") else [exc.error_list]
    return any(e.code == "conflict" for group in errors for e in group)


@library_page
def license_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = LicenseFilterForm(request.GET or None)
    filters: dict[str, Any] = {}
    if form.is_valid():
        kind = form.cleaned_data["license_type"]
        filters = {
            "license_type_id": kind.pk if kind else None,
            "status": form.cleaned_data["status"],
            "origin": form.cleaned_data["origin"],
            "holder": form.cleaned_data["q"].strip(),
        }
    rows = selectors.license_search_for(user=user, **filters)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "licenses/workbench/list.html",
        {"form": form, "page": page, "scope": data_scope_for(user)},
    )


def _detail(
    request: HttpRequest,
    license: License,
    *,
    form: StatusChangeForm | None = None,
    errors: list[str] | None = None,
    status: int = 200,
) -> HttpResponse:
    user = _user(request)
    return render(
        request,
        "licenses/workbench/detail.html",
        {
            "license": license,
            "content": files.sealed_content(license),
            "uses": list(selectors.license_uses(license)),
            "history": selectors.license_status_history(license),
            "successors": list(selectors.license_successors(license)),
            "may_change": license.status == LicenseStatus.VALID
            and permissions.may_change_status(user, license.issuer),
            "form": form or StatusChangeForm(),
            "errors": errors or [],
        },
        status=status,
    )


@library_page
def license_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, selectors.license_get_for_staff(user=_user(request), pk=pk))


@library_page
@require_POST
def license_status(request: HttpRequest, pk: int) -> HttpResponse:
    """撤销 / 注销 / 吊销 with a reason: 403 without the permission, 422 for a missing reason,
    409 when the licence is no longer valid (another change came first)."""
    user = _user(request)
    license = selectors.license_get_for_staff(user=user, pk=pk)
    if not permissions.may_change_status(user, license.issuer):
        raise PermissionDenied(_("您的角色不能变更这张电子证照的状态。"))
    form = StatusChangeForm(request.POST)
    if not form.is_valid():
        errors = [str(m) for msgs in form.errors.values() for m in msgs]
        return _detail(request, license, form=form, errors=errors, status=422)
    try:
        services.license_revoke(
            license=license,
            status=form.cleaned_data["status"],
            reason=form.cleaned_data["reason"],
            actor=user,
        )
    except ValidationError as exc:
        license.refresh_from_db()
        code = 409 if _conflict(exc) else 422
        return _detail(request, license, form=form, errors=_errors(exc), status=code)
    messages.success(
        request,
        _("电子证照 %(identifier)s 已变更为“%(status)s”。")
        % {
            "identifier": license.identifier,
            "status": _(LicenseStatus(form.cleaned_data["status"]).label),
        },
    )
    return redirect("licenses:detail", pk=license.pk)


@library_page
def license_file(request: HttpRequest, pk: int) -> HttpResponse:
    return file_response(selectors.license_get_for_staff(user=_user(request), pk=pk))


@library_page
def license_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    from yiwang.licenses.pdf import license_pdf as render_license_pdf

    license = selectors.license_get_for_staff(user=_user(request), pk=pk)
    response = HttpResponse(render_license_pdf(license), content_type="application/pdf")
    attach(
        response,
        f"{license.license_type.name}-{license.serial}-{license.version:03d}.pdf",
        fallback=f"license-{license.serial}-{license.version:03d}.pdf",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private"
    return response


def _manageable_departments(user: User, permission: Callable[[Any, Department], bool]) -> Any:
    in_scope = departments_in_scope(user=user).order_by("name")
    return in_scope.filter(pk__in=[d.pk for d in in_scope if permission(user, d)])


@library_page
def type_list(request: HttpRequest) -> HttpResponse:
    """The licence types (every staff member reads them); a department administrator (the
    bureau for its region) defines a new one for a department in his scope."""
    user = _user(request)
    departments = _manageable_departments(user, permissions.may_manage_types)
    form: LicenseTypeForm | None = (
        LicenseTypeForm(departments=departments) if departments.exists() else None
    )
    errors: list[str] = []
    status = 200
    if request.method == "POST":
        if form is None:
            raise PermissionDenied(_("您的角色不能定义证照类型。"))
        form = LicenseTypeForm(request.POST, departments=departments)
        if form.is_valid():
            data = form.cleaned_data
            try:
                kind = services.license_type_create(
                    code=data["code"],
                    name=data["name"],
                    department=data["department"],
                    national=data["national"],
                    fields=data["fields_text"],
                    actor=user,
                )
            except ValidationError as exc:
                errors = _errors(exc)
            else:
                messages.success(request, _("已新增证照类型“%s”。") % kind.name)
                return redirect("licenses:types")
        else:
            errors = [str(m) for msgs in form.errors.values() for m in msgs]
        status = 422
    return render(
        request,
        "licenses/workbench/types.html",
        {
            "types": list(selectors.license_types_for_staff()),
            "form": form,
            "errors": errors,
            "managed": _managed_type_ids(user),
        },
        status=status,
    )


@library_page
def seal_keys(request: HttpRequest) -> HttpResponse:
    """Each department's seal keys in the staff member's scope: key ids, when made and retired,
    the public key (hex). Never the private key (the selector does not even read it)."""
    user = _user(request)
    departments = list(departments_in_scope(user=user).order_by("name"))
    chosen = request.GET.get("department", "")
    department = next((d for d in departments if str(d.pk) == chosen), None)
    if department is None and departments:
        department = departments[0]
    return render(
        request,
        "licenses/workbench/seal_keys.html",
        {
            "departments": departments,
            "department": department,
            "keys": list(selectors.seal_keys_of(department)) if department else [],
            "may_rotate": department is not None
            and permissions.may_rotate_seal_key(user, department),
        },
    )


@library_page
@require_POST
def seal_key_rotate(request: HttpRequest, department_pk: int) -> HttpResponse:
    user = _user(request)
    department = (
        departments_in_scope(user=user).filter(pk=department_pk).first()
        if 0 < department_pk < MAX_PK
        else None
    )
    if department is None:
        raise Http404(_("未找到该部门。"))
    if not permissions.may_rotate_seal_key(user, department):
        raise PermissionDenied(_("您的角色不能轮换该部门的签章密钥。"))
    key = services.seal_key_rotate(department=department, actor=user, reason="工作台轮换")
    messages.success(
        request,
        _("已为%(department)s生成新的签章密钥 %(key)s。")
        % {
            "department": department.name,
            "key": key.key_id,
        },
    )
    return redirect(f"{reverse('licenses:seal-keys')}?department={department.pk}")


LINK_ACTIONS = ("link_item", "unlink_item", "link_material", "unlink_material")


@library_page
@require_POST
def type_links(request: HttpRequest, pk: int) -> HttpResponse:
    """Link (or unlink) an item that produces the type, or a material name it stands in for
    (licenses.services); for whoever may manage the type's department. An item must be in the
    staff member's data scope too."""
    from yiwang.catalog.models import ServiceItem

    user = _user(request)
    kind = selectors.license_type_get(pk)
    if not permissions.may_manage_types(user, kind.department):
        raise PermissionDenied(_("您的角色不能修改该证照类型。"))
    action = request.POST.get("action", "")
    value = request.POST.get("value", "").strip()
    try:
        if action in ("link_item", "unlink_item"):
            item = (
                ServiceItem.objects.select_related("department__region").filter(code=value).first()
            )
            if item is None or not data_scope_for(user).contains(item.department):
                raise ValidationError({"items": _("没有实施编码为“%s”的事项。") % value})
            services.license_type_link_item(
                license_type=kind, item=item, remove=action == "unlink_item", actor=user
            )
        elif action == "link_material":
            services.license_material_link(license_type=kind, material_name=value, actor=user)
        elif action == "unlink_material":
            services.license_material_unlink(license_type=kind, material_name=value, actor=user)
        else:
            raise ValidationError({"action": _("未知的操作。")})
    except ValidationError as exc:
        return render(
            request,
            "licenses/workbench/types.html",
            {
                "types": list(selectors.license_types_for_staff()),
                "form": None,
                "errors": _errors(exc),
                "managed": _managed_type_ids(user),
            },
            status=422,
        )
    messages.success(request, _("已更新证照类型“%s”的关联。") % kind.name)
    return redirect("licenses:types")


def _managed_type_ids(user: User) -> set[int]:
    departments = set(
        _manageable_departments(user, permissions.may_manage_types).values_list("pk", flat=True)
    )
    return set(
        selectors.license_types_for_staff()
        .filter(department_id__in=departments)
        .values_list("pk", flat=True)
    )
