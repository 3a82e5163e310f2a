"""Workbench page for the catalogue's import and export: upload a file (checked for its type,
size and row cap at once, then imported all or nothing by the task worker), follow the import
job to its per-row report, download the template, download the user's part of the catalogue."""

from __future__ import annotations

import io
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from yiwang.catalog import workflow
from yiwang.catalog.models import ImportJob
from yiwang.catalog.transfer.export import catalog_export, export_filename
from yiwang.catalog.transfer.jobs import import_job_create, import_job_get_for, import_jobs_for
from yiwang.catalog.transfer.reading import size_text
from yiwang.catalog.transfer.report import ImportFileError, ImportResult
from yiwang.catalog.transfer.spec import BUNDLES, import_max_bytes, import_max_rows
from yiwang.catalog.transfer.template import TEMPLATE_FILENAME, import_template
from yiwang.catalog.transfer.workbook import XLSX_CONTENT_TYPE
from yiwang.catalog.views.workbench import staff_page
from yiwang.common.http import attach
from yiwang.org import selectors as org_selectors
from yiwang.org.models import User

RECENT_JOBS = 10


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (a workbook, or an items CSV plus a bundles CSV)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".xlsx,.csv,.txt"}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)]


class ImportForm(forms.Form):
    file = MultipleFileField(
        label=_("文件"),
        error_messages={"required": _("请选择要导入的文件。")},
    )
    publish = forms.BooleanField(
        label=_("导入后直接审核通过并发布"),
        required=False,
        help_text=_("不勾选时，事项存为草稿，由部门提交审核。"),
    )

    def __init__(self, *args: Any, reviewer: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The sheet keeps its Chinese name in every language: it is part of the file format.
        self.fields["file"].help_text = gettext(
            "xlsx 工作簿，或 CSV（UTF-8 或 GBK 编码）；一件事可放在同一工作簿的“%(sheet)s”表，"
            "或另选一个 CSV 文件。"
        ) % {"sheet": BUNDLES.title}
        if not reviewer:
            del self.fields["publish"]

    def clean_file(self) -> list[Any]:
        limit = import_max_bytes()
        files = self.cleaned_data["file"]
        if not files:
            raise forms.ValidationError(gettext("请选择要导入的文件。"))
        for upload in files:
            if upload.size > limit:
                raise forms.ValidationError(
                    gettext("文件“%(name)s”大小为 %(size)s，超过上限 %(limit)s，请拆分后分批导入。")
                    % {
                        "name": upload.name,
                        "size": size_text(upload.size),
                        "limit": size_text(limit),
                    }
                )
        return files


def _staff(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]  # staff_page let only staff in


@staff_page
def import_page(request: HttpRequest) -> HttpResponse:
    """Upload form (a valid upload becomes an import job and the browser goes to its page),
    the recent jobs in scope, the template link and the export form."""
    user = _staff(request)
    may_import = workflow.may_compile(user)
    reviewer = workflow.may_review(user)
    form = ImportForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        reviewer=reviewer,
    )
    if request.method == "POST":
        if not may_import:
            raise PermissionDenied
        if form.is_valid():
            files = [(f.name, f.read()) for f in form.cleaned_data["file"]]
            try:
                job = import_job_create(
                    files=files, actor=user, publish=bool(form.cleaned_data.get("publish"))
                )
            except ImportFileError as exc:
                form.add_error("file", exc.messages)
            except PermissionDenied as exc:
                form.add_error(None, str(exc))
            else:
                return redirect("catalog-import:job", pk=job.pk)
    return render(
        request,
        "catalog/import_page.html",
        {
            "form": form,
            "jobs": import_jobs_for(user=user)[:RECENT_JOBS],
            "max_rows": import_max_rows(),
            "may_import": may_import,
            "scope": org_selectors.data_scope_for(user),
            "departments": org_selectors.departments_in_scope(user=user),
            "max_size": size_text(import_max_bytes()),
        },
    )


def _job_context(job: ImportJob) -> dict[str, Any]:
    report = job.report or {}
    return {
        "job": job,
        "result": ImportResult.from_report(report) if job.status == "done" else None,
        "summary": report.get("summary", ""),
        "errors_left_out": report.get("error_count", 0) - len(report.get("errors", [])),
        "changes_left_out": report.get("change_count", 0) - len(report.get("changes", [])),
        "percent": int(job.done * 100 / job.total) if job.total else 0,
    }


@staff_page
def job_page(request: HttpRequest, pk: int) -> HttpResponse:
    """One import job: queued, checking N of M rows, writing, then its per-row report or why
    it failed. The status block polls itself (htmx) until the job is finished."""
    job = import_job_get_for(user=_staff(request), pk=pk)
    return render(request, "catalog/import_job.html", _job_context(job))


@staff_page
def job_status(request: HttpRequest, pk: int) -> HttpResponse:
    """The job page's status block, for htmx polling."""
    job = import_job_get_for(user=_staff(request), pk=pk)
    return render(request, "catalog/import_job_status.html", _job_context(job))


@staff_page
def template_download(request: HttpRequest) -> FileResponse:
    _staff(request)
    with translation.override(settings.LANGUAGE_CODE):  # a document: always Chinese
        content = import_template()
    response = FileResponse(io.BytesIO(content), content_type=XLSX_CONTENT_TYPE)
    return attach(response, TEMPLATE_FILENAME)


@staff_page
def export_download(request: HttpRequest) -> FileResponse:
    """The user's data scope (or one department in it) as xlsx."""
    user = _staff(request)
    department = None
    if request.GET.get("department"):
        try:
            pk = int(request.GET["department"])
        except ValueError:
            raise Http404(gettext("未找到该部门。")) from None
        department = org_selectors.get_in_scope_or_404(
            org_selectors.departments_in_scope(user=user), pk=pk
        )
    with translation.override(settings.LANGUAGE_CODE):  # a document: always Chinese
        content = catalog_export(user=user, department=department)
    response = FileResponse(io.BytesIO(content), content_type=XLSX_CONTENT_TYPE)
    return attach(response, export_filename(department))
