"""The 工作总结 page of the workbench: pick a period and a format, download the report.

Staff only. The report covers the reader's data scope (org.selectors.data_scope_for): a leader
or bureau staff member gets the county's (region) report, a department administrator his own
department's (titled with his department's name); an account with no scope is refused (403).
A bad period or format, and figures the consistency guard refuses, are one sentence on the page."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from yiwang.common.http import SANDBOX_POLICY, attach
from yiwang.insight import selectors
from yiwang.insight.periods import Period, PeriodError
from yiwang.insight.report import guard
from yiwang.insight.report import render as report_render
from yiwang.org.decorators import staff_page
from yiwang.org.selectors import data_scope_for

FORMAT_LABELS = (("pdf", "PDF"), ("docx", "Word（docx）"), ("html", "HTML"))


@staff_page()
def report(request: HttpRequest) -> HttpResponse:
    """The form (?period=2026H1&format=pdf); with ?download=1 the report file itself."""
    scope = data_scope_for(request.user)  # type: ignore[arg-type]
    if scope.nothing:
        raise PermissionDenied("您没有数据范围，不能生成工作总结。")
    default = selectors.default_period(timezone.localdate())
    period_text = request.GET.get("period", "").strip() or default.code
    fmt = request.GET.get("format", "pdf")
    error = ""
    status = 200
    if request.GET.get("download"):
        try:
            period = Period.parse(period_text)
            if fmt not in report_render.FORMATS:
                raise report_render.ReportError(f"报告格式“{fmt}”不支持，应为 html、docx 或 pdf。")
            content = report_render.render(period, scope, fmt)
        except (PeriodError, report_render.ReportError) as exc:
            error, status = str(exc), 400
        except guard.ReportInconsistent as exc:
            error, status = str(exc), 409
        else:
            response = HttpResponse(content, content_type=report_render.CONTENT_TYPES[fmt])
            # A downloaded HTML report is never run as a page of this site.
            response["Content-Security-Policy"] = SANDBOX_POLICY
            response["Cache-Control"] = "private, no-store"
            name = report_render.filename(period, scope, fmt)
            return attach(response, name, f"report-{period.code}.{fmt}")
    return render(
        request,
        "insight/report/page.html",
        {
            "scope": scope,
            "period_text": period_text,
            "format": fmt,
            "formats": FORMAT_LABELS,
            "error": error,
        },
        status=status,
    )
