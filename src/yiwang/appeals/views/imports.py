"""The 12345 import page: upload the hotline's daily export (xlsx), imported all or nothing
by appeals.importing (small files at once, larger ones by the worker), then the import's
per-row report; the recent imports listed below the form."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from yiwang.appeals import importing, selectors
from yiwang.appeals.forms import ImportForm
from yiwang.appeals.models import ImportStatus
from yiwang.appeals.workflow import REGISTER
from yiwang.cases.fields import upload_max_bytes
from yiwang.org.decorators import staff_page as org_staff_page
from yiwang.org.models import User

RECENT = 10

import_page = org_staff_page(
    not_staff=gettext_noop("12345工单导入仅供工作人员使用。"),
    may=lambda user: user.has_perm(REGISTER),
    not_allowed=gettext_noop("您的角色不能导入12345工单。"),
)


@import_page
def upload(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    posted = request.method == "POST"
    form = ImportForm(request.POST if posted else None, request.FILES if posted else None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            upload_file = form.cleaned_data["file"]
            limit = upload_max_bytes()
            data = upload_file.read(limit + 1)
            if len(data) > limit:
                form.add_error(
                    "file",
                    _("文件超过 %(mb)d MB 的上限，请分批导出后再导入。")
                    % {"mb": limit // (1024 * 1024)},
                )
            else:
                job = importing.import_file(data=data, file_name=upload_file.name, actor=user)
                if job.status == ImportStatus.DONE:
                    messages.success(request, job.message)
                elif job.status == ImportStatus.FAILED:
                    messages.error(request, job.message)
                else:
                    messages.info(request, _("文件较大，已转入后台导入，请稍后刷新查看结果。"))
                return redirect("appeals:import-detail", pk=job.pk)
    return render(
        request,
        "appeals/workbench/imports.html",
        {"form": form, "jobs": selectors.import_list(user=user)[:RECENT]},
        status=status,
    )


@import_page
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    job = selectors.import_get_for(user=user, pk=pk)
    return render(request, "appeals/workbench/import_detail.html", {"job": job})
