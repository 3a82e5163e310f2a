"""证照归集 on the workbench: a department administrator uploads an xlsx/CSV file of his own
department's licences (the bureau picks any department of its region), and sees the per-row
report or what was written (licenses.gathering; who may gather is licenses.permissions'). A file
of more than YIWANG_LICENSE_GATHER_INLINE_ROWS rows is gathered in the task worker instead (a
GatherJob, whose page follows its progress). The
template CSV for a department — the common columns and its types' own fields — is a download."""

from __future__ import annotations

import io
from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from yiwang.common.http import attach
from yiwang.licenses import gathering, permissions
from yiwang.licenses.models import GatherJob, License, LicenseType
from yiwang.org.decorators import staff_page
from yiwang.org.models import Department, User
from yiwang.org.selectors import departments_in_scope, get_in_scope_or_404

gather_page = staff_page(
    not_staff=gettext_noop("证照归集仅供工作人员使用。"),
    may=lambda user: user.has_perm(permissions.GATHER_PERMISSION),
    not_allowed=gettext_noop("您的角色不能归集电子证照。"),
)
TEMPLATE_FILENAME = "证照归集模板.csv"
# The licences written, listed under the report (the rest are in 证照库).
SHOWN_LICENSES = 50
RECENT_JOBS = 10


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
            department = form.cleaned_data["department"]
            data = upload.read()
            try:
                rows = gathering.read_file(upload.name, data)
            except gathering.GatherFileError as exc:
                failure = str(exc)
            else:
                if len(rows) > gathering.inline_rows():
                    job = gathering.gather_job_create(
                        department=department,
                        filename=upload.name,
                        data=data,
                        rows=len(rows),
                        actor=user,
                        dry_run=form.cleaned_data["dry_run"],
                    )
                    return redirect("licenses:gather-job", pk=job.pk)
                result = gathering.gather(
                    department=department,
                    rows=rows,
                    actor=user,
                    source=upload.name,
                    dry_run=form.cleaned_data["dry_run"],
                )
            if failure or (result is not None and not result.ok):
                status = 422
        else:
            status = 422
    return render(
        request,
        "licenses/workbench/gather.html",
        {
            "form": form,
            "departments": departments,
            "failure": failure,
            "columns": gathering.COLUMNS,
            "max_rows": gathering.max_rows(),
            "jobs": _jobs_for(user)[:RECENT_JOBS],
            **_result_context(result),
        },
        status=status,
    )


def _result_context(result: gathering.GatherResult | None) -> dict[str, Any]:
    written = (
        License.objects.select_related("license_type")
        .filter(identifier__in=result.identifiers[:SHOWN_LICENSES])
        .order_by("source_number", "version")
        if result is not None and result.identifiers
        else License.objects.none()
    )
    return {
        "result": result,
        "written": written,
        "more": max(0, len(result.identifiers) - SHOWN_LICENSES) if result else 0,
    }


def _jobs_for(user: User) -> Any:
    """The gathering jobs of the departments the user may gather for, newest first."""
    return GatherJob.objects.select_related("department").filter(department__in=_departments(user))


def _job_context(request: HttpRequest, pk: int) -> dict[str, Any]:
    user: User = request.user  # type: ignore[assignment]
    job = get_in_scope_or_404(_jobs_for(user), pk=pk)
    context = _result_context(gathering.result_of(job))
    report = job.report or {}
    context.update(
        job=job,
        errors_left_out=report.get("error_count", 0) - len(report.get("errors", [])),
        percent=int(job.done * 100 / job.total) if job.total else 0,
    )
    return context


@gather_page
def job_page(request: HttpRequest, pk: int) -> HttpResponse:
    """A large file gathered in the worker: queued, writing N of M, then its report or why it
    failed. The status block polls itself (htmx) until the job is finished."""
    return render(request, "licenses/workbench/gather_job.html", _job_context(request, pk))


@gather_page
def job_status(request: HttpRequest, pk: int) -> HttpResponse:
    """The job page's status block, for htmx polling."""
    return render(request, "licenses/workbench/gather_job_status.html", _job_context(request, pk))


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
