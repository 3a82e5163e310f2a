"""证照归集 on the workbench: a department administrator uploads an xlsx/CSV file of his own
department's licences (the bureau picks any department of its region), and sees the per-row
report or what was written (licenses.gathering; who may gather is licenses.permissions'). The
template CSV for a department — the common columns and its types' own fields — is a download."""

from __future__ import annotations

import io
from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from yiwang.common.http import attach
from yiwang.licenses import gathering, permissions
from yiwang.licenses.models import License, LicenseType
from yiwang.org.decorators import staff_page
from yiwang.org.models import Department, User
from yiwang.org.selectors import departments_in_scope

gather_page = staff_page(
    not_staff=gettext_noop("证照归集仅供工作人员使用。"),
    may=lambda user: user.has_perm(permissions.GATHER_PERMISSION),
    not_allowed=gettext_noop("您的角色不能归集电子证照。"),
)
TEMPLATE_FILENAME = "证照归集模板.csv"
# The licences written, listed under the report (the rest are in 证照库).
SHOWN_LICENSES = 50


class GatherForm(forms.Form):
    department = forms.ModelChoiceField(
        label=_("颁发部门"),
        queryset=Department.objects.none(),
        error_messages={"required": _("请选择颁发部门。"), "invalid_choice": _("请选择颁发部门。")},
    )
    file = forms.FileField(
        label=_("归集文件"),
        help_text=_("xlsx 工作簿，或 CSV（UTF-8 或 GBK 编码）；列见归集模板。"),
        error_messages={"required": _("请选择要归集的文件。")},
    )
    dry_run = forms.BooleanField(label=_("只检查，不写入"), required=False)

    def __init__(self, *args: Any, departments: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["department"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = departments
        if departments.count() == 1:
            field.initial = departments.first()

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        limit = gathering.max_bytes()
        if upload.size > limit:
            from yiwang.catalog.transfer.reading import size_text

            raise forms.ValidationError(
                gettext("文件“%(name)s”超过 %(limit)s 的上限，请拆分后分批归集。")
                % {"name": upload.name, "limit": size_text(limit)}
            )
        return upload


def _departments(user: User) -> Any:
    in_scope = departments_in_scope(user=user).order_by("name")
    return in_scope.filter(pk__in=[d.pk for d in in_scope if permissions.may_gather(user, d)])


@gather_page
def gather(request: HttpRequest) -> HttpResponse:
    """The upload form; a posted file is checked and (all rows good, not 只检查) written at
    once, and the page shows the per-row report or the counts and the licences written."""
    user: User = request.user  # type: ignore[assignment]
    departments = _departments(user)
    posted = request.method == "POST"
    form = GatherForm(
        request.POST if posted else None,
        request.FILES if posted else None,
        departments=departments,
    )
    result: gathering.GatherResult | None = None
    failure = ""
    status = 200
    if posted:
        if not departments.exists():
            raise PermissionDenied(gettext("您的角色不能归集电子证照。"))
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                result = gathering.gather_file(
                    department=form.cleaned_data["department"],
                    filename=upload.name,
                    data=upload.read(),
                    actor=user,
                    dry_run=form.cleaned_data["dry_run"],
                )
            except gathering.GatherFileError as exc:
                failure = str(exc)
            if failure or (result is not None and not result.ok):
                status = 422
        else:
            status = 422
    written = (
        License.objects.select_related("license_type")
        .filter(identifier__in=result.identifiers[:SHOWN_LICENSES])
        .order_by("source_number", "version")
        if result is not None and result.identifiers
        else License.objects.none()
    )
    return render(
        request,
        "licenses/workbench/gather.html",
        {
            "form": form,
            "departments": departments,
            "result": result,
            "failure": failure,
            "written": written,
            "more": max(0, len(result.identifiers) - SHOWN_LICENSES) if result else 0,
            "columns": gathering.COLUMNS,
            "max_rows": gathering.max_rows(),
        },
        status=status,
    )


@gather_page
def template_download(request: HttpRequest) -> FileResponse:
    """The template CSV; with ?department=ID (one the user may gather for) its types' fields
    follow the common columns."""
    user: User = request.user  # type: ignore[assignment]
    types: Any = LicenseType.objects.none()
    chosen = request.GET.get("department", "")
    if chosen:
        department = (
            _departments(user).filter(pk=int(chosen)).first()
            if chosen.isdigit() and len(chosen) < 19
            else None
        )
        if department is None:
            raise Http404(gettext("未找到该部门。"))
        types = LicenseType.objects.filter(department=department).order_by("code")
    response = FileResponse(io.BytesIO(gathering.template_csv(types)), content_type="text/csv")
    return attach(response, TEMPLATE_FILENAME, "license-gathering-template.csv")
