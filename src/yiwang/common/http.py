"""HTTP helpers shared by every app's views."""

from __future__ import annotations

import re
from typing import TypeVar

from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404
from django.http.response import HttpResponseBase
from django.utils.http import content_disposition_header

from yiwang.common import uploads

_NOT_ASCII_SAFE = re.compile(r"[^A-Za-z0-9._-]")
Response = TypeVar("Response", bound=HttpResponseBase)


def attachment_disposition(filename: str, fallback: str = "") -> str:
    """Content-Disposition of a download called `filename` (RFC 6266): Django's header, which
    carries a Chinese name as the UTF-8 `filename*` (RFC 5987) that browsers prefer. With a
    `fallback`, an ASCII `filename` comes first for old clients that cannot read `filename*`
    (reduced to letters, digits and ._-)."""
    header = content_disposition_header(True, filename) or "attachment"
    ascii_name = _NOT_ASCII_SAFE.sub("_", fallback)
    if not ascii_name or "filename*=" not in header:
        return header  # an ASCII name is already a plain filename="…"
    return f'attachment; filename="{ascii_name}"; {header.removeprefix("attachment; ")}'


def attach(response: Response, filename: str, fallback: str = "") -> Response:
    """Mark `response` as a download called `filename` (see attachment_disposition)."""
    response["Content-Disposition"] = attachment_disposition(filename, fallback)
    return response


# Even a file that slipped past the upload checks must not be rendered: no script, no plugin,
# no same-origin access, nothing loaded.
SANDBOX_POLICY = "default-src 'none'; sandbox"


def stored_file_response(
    stored: FieldFile, filename_stem: str, fallback_stem: str = "file"
) -> FileResponse:
    """Stream an uploaded file from Django storage as a download the browser never runs: the
    type is judged from the stored bytes (never the uploader's name or header), the name is
    `filename_stem` (or `fallback_stem` when nothing of it survives the clean-up) plus that
    type's extension, and the response is sandboxed and private."""
    try:
        handle = stored.storage.open(stored.name or "", "rb")
    except (FileNotFoundError, OSError):
        raise Http404("文件已不存在，请联系办理部门。") from None
    try:
        kind = uploads.sniff(handle)
    except uploads.UploadRejected:
        kind = None
    known = uploads.KINDS.get(kind or "")
    stem = re.sub(r'[\\/:*?"<>|\x00-\x1f\x7f]', "_", filename_stem).strip(" .") or fallback_stem
    response = FileResponse(handle, content_type=uploads.content_type_for(kind))
    attach(response, f"{stem}.{known.extension if known else 'bin'}")
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = SANDBOX_POLICY
    response["Cache-Control"] = "private"
    return response
