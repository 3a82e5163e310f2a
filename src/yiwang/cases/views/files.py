"""Downloads of a case's files: the materials handed in and the written notices (PDF). The
selectors decide who may see the case (the applicant his own, staff within their scope); anyone
else gets 404. Files are streamed sandboxed (common.http.stored_file_response)."""

from __future__ import annotations

from django.http import FileResponse, HttpRequest
from django.views.decorators.http import require_safe

from yiwang.cases import selectors
from yiwang.cases.notices import notice_file
from yiwang.common.http import stored_file_response


@require_safe
def material(request: HttpRequest, case_pk: int, pk: int) -> FileResponse:
    row = selectors.material_get_for(user=request.user, case_pk=case_pk, pk=pk)  # type: ignore[arg-type]
    return stored_file_response(row.file, f"{row.case.number}-{row.order}-{row.name}")


@require_safe
def notice(request: HttpRequest, case_pk: int, pk: int) -> FileResponse:
    found = selectors.notice_get_for(user=request.user, case_pk=case_pk, pk=pk)  # type: ignore[arg-type]
    found = notice_file(found)
    return stored_file_response(found.pdf, f"{found.get_kind_display()}-{found.number}")
