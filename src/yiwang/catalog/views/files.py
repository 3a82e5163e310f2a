"""Downloads of a material's blank form (空白表格) and sample (示例样表), linked from the guides
and the workbench. Nothing under MEDIA_URL is served by the application server, so this view
is the only way to a file: it looks up the material (public versions for everyone, versions in
the caller's data scope for staff: `selectors.material_for_download`) and streams the file from
Django storage as an attachment that the browser never runs."""

from __future__ import annotations

from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpRequest
from django.views.decorators.http import require_safe

from yiwang.catalog import selectors
from yiwang.common.http import stored_file_response

# URL segment → (Material field, the word in the download's name).
MATERIAL_FILES = {
    "blank-form": ("blank_form", "空白表格"),
    "sample": ("sample_file", "示例样表"),
}


def _stream(stored: FieldFile, name: str, label: str) -> FileResponse:
    """ "食品经营许可申请书（空白表格）.pdf": what the citizen's download is called."""
    return stored_file_response(stored, f"{name}（{label}）", fallback_stem=label)


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
