"""Downloads of a material's blank form (空白表格) and sample (示例样表), linked from the guides
and the workbench. Nothing under MEDIA_URL is served by the application server, so this view
is the only way to a file: it looks up the material (public versions for everyone, versions in
the caller's data scope for staff: `selectors.material_for_download`) and streams the file from
Django storage as an attachment that the browser never runs."""

from __future__ import annotations

import re

from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpRequest
from django.views.decorators.http import require_safe

from yiwang.catalog import selectors
from yiwang.common import uploads
from yiwang.common.http import attach

# URL segment → (Material field, the word in the download's name).
MATERIAL_FILES = {
    "blank-form": ("blank_form", "空白表格"),
    "sample": ("sample_file", "示例样表"),
}
# Even a file that slipped past the upload checks must not be rendered: no script, no plugin,
# no same-origin access, nothing loaded.
SANDBOX_POLICY = "default-src 'none'; sandbox"


def download_filename(material_name: str, label: str, extension: str) -> str:
    """ "食品经营许可申请书（空白表格）.pdf": what the citizen's download is called."""
    stem = re.sub(r'[\\/:*?"<>|\x00-\x1f\x7f]', "_", f"{material_name}（{label}）").strip(" .")
    return f"{stem or label}.{extension}"


def _stream(stored: FieldFile, name: str, label: str) -> FileResponse:
    try:
        handle = stored.storage.open(stored.name or "", "rb")
    except (FileNotFoundError, OSError):
        raise Http404("文件已不存在，请联系办理部门。") from None
    # The type is judged from the stored bytes, never from the uploader's name or header.
    try:
        kind = uploads.sniff(handle)
    except uploads.UploadRejected:
        kind = None
    known = uploads.KINDS.get(kind or "")
    extension = known.extension if known else "bin"
    response = FileResponse(handle, content_type=uploads.content_type_for(kind))
    attach(response, download_filename(name, label, extension))
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = SANDBOX_POLICY
    # A draft's file (staff only) must not sit in a shared cache.
    response["Cache-Control"] = "private"
    return response


@require_safe
def result_sample(request: HttpRequest, pk: int) -> FileResponse:
    """The 审批结果样本 of version `pk`, on the same terms as a material's files."""
    version = selectors.version_for_result_sample(user=request.user, pk=pk)  # type: ignore[arg-type]
    stored: FieldFile = version.result_sample
    if not stored or not stored.name:
        raise Http404("该事项没有上传审批结果样本。")
    return _stream(stored, version.result_name or version.name, "审批结果样本")


@require_safe
def material_file(request: HttpRequest, pk: int, which: str) -> FileResponse:
    """The blank form or sample file of material `pk`; 404 when the caller may not see the
    material's version, or when it has no such file."""
    if which not in MATERIAL_FILES:
        raise Http404("没有这种文件。")
    field, label = MATERIAL_FILES[which]
    material = selectors.material_for_download(user=request.user, pk=pk)  # type: ignore[arg-type]
    stored: FieldFile = getattr(material, field)
    if not stored or not stored.name:
        raise Http404("该材料没有上传此文件。")
    return _stream(stored, material.name, label)
