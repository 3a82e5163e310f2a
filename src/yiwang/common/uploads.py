"""Uploads: one bound on request bodies and one content sniffer for every uploaded file.

- `RequestBodyLimitMiddleware` answers 413 before a byte of an oversized body is read, so a
  multi-GB upload is never spooled to a temporary file (Django's DATA_UPLOAD_MAX_MEMORY_SIZE
  does not cover files). A chunked body (no Content-Length) is read through a counting loop
  that stops at the limit.
- `sniff` names a file's type from its content (never from its name or the client's
  Content-Type); `inspect` also checks the WHOLE file: a PDF must parse and carry no markup,
  an OOXML document must be a sound zip whose [Content_Types].xml names the right main part,
  a legacy Office file must be a sound OLE2 compound file holding the right stream, and an
  image must decode. The catalogue's blank forms and samples and the catalogue import both use
  this sniffer.
"""

from __future__ import annotations

import io
import logging
import re
import tempfile
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Any

from django.conf import settings
from django.core.handlers.wsgi import LimitedStream
from django.http import HttpRequest, HttpResponse

DEFAULT_REQUEST_MAX_BYTES = 20 * 1024 * 1024

# Limits of the content checks themselves (not locality settings): an archive may expand to at
# most this much in total, and an image may hold at most this many pixels (~120 MB decoded),
# so that checking a 10 MB upload cannot be turned into a memory or CPU bomb.
ZIP_MAX_EXPANDED_BYTES = 200 * 1024 * 1024
ZIP_MAX_MEMBERS = 5000
IMAGE_MAX_PIXELS = 40_000_000
_READ_CHUNK = 64 * 1024


@dataclass(frozen=True)
class FileKind:
    """A file type this platform recognises."""

    name: str
    label: str
    content_type: str
    extension: str


KINDS: dict[str, FileKind] = {
    k.name: k
    for k in [
        FileKind("pdf", "PDF", "application/pdf", "pdf"),
        FileKind(
            "docx",
            "Word（docx）",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "docx",
        ),
        FileKind(
            "xlsx",
            "Excel（xlsx）",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
        ),
        FileKind("doc", "Word（doc）", "application/msword", "doc"),
        FileKind("xls", "Excel（xls）", "application/vnd.ms-excel", "xls"),
        FileKind("png", "PNG 图片", "image/png", "png"),
        FileKind("jpeg", "JPEG 图片", "image/jpeg", "jpg"),
        # Recognised so that callers can name them in their refusal; never allowed as such.
        FileKind("zip", "zip 压缩包", "application/zip", "zip"),
        FileKind("ole", "旧版 Office 文件", "application/x-ole-storage", "bin"),
    ]
}
OCTET_STREAM = "application/octet-stream"

# The main part each OOXML kind must declare in [Content_Types].xml (macro-enabled variants
# such as docm/xlsm declare other types and are therefore refused).
_OOXML_MAIN = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
}
_OLE_STREAMS = {"doc": ("worddocument",), "xls": ("workbook", "book")}
_ZIP_MAGIC = b"PK\x03\x04"
# What zipfile raises on a damaged archive (besides zlib.error from a damaged member).
_ZIP_ERRORS = (zipfile.BadZipFile, EOFError, OSError, NotImplementedError, ValueError)
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_MAGIC: list[tuple[bytes, str]] = [
    (b"%PDF-", "pdf"),
    (_OLE_MAGIC, "ole"),
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpeg"),
]
# Markup a browser would run if it ever took the file for a page: a `%PDF-` + HTML polyglot.
# Only tags of three letters or more: short ones (<a >) turn up by chance in compressed data.
_MARKUP = re.compile(
    rb"<(?:html|script|svg|iframe|object|embed|!doctype)[\s/>]",
    re.IGNORECASE,
)


class UploadRejected(ValueError):
    """The content is not an acceptable file; `reason` is a Chinese clause ("已损坏 …"), `code`
    names the refusals a caller words its own way ("expanded": an archive over its bound)."""

    def __init__(self, reason: str, kind: str | None = None, *, code: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.kind = kind
        self.code = code


# --- Sniffing ----------------------------------------------------------------------------


def _read_all(file: IO[bytes] | bytes) -> bytes:
    if isinstance(file, bytes | bytearray | memoryview):
        return bytes(file)
    file.seek(0)
    data = file.read()
    file.seek(0)
    return data


def _ooxml_kind(archive: zipfile.ZipFile) -> str:
    """docx, xlsx or plain zip, from the archive's [Content_Types].xml."""
    from defusedxml import ElementTree

    try:
        info = archive.getinfo("[Content_Types].xml")
    except KeyError:
        return "zip"
    if info.file_size > 1024 * 1024:
        raise UploadRejected("的 [Content_Types].xml 异常庞大，文件可能被篡改", "zip")
    try:
        root = ElementTree.fromstring(archive.read(info))
    except Exception as exc:  # defusedxml raises several kinds; all mean "not a sound file"
        raise UploadRejected("已损坏（[Content_Types].xml 无法解析）", "zip") from exc
    declared = {
        (el.get("ContentType") or "").strip()
        for el in root.iter()
        if el.tag.rsplit("}", 1)[-1] == "Override"
    }
    for kind, main in _OOXML_MAIN.items():
        if main in declared:
            return kind
    return "zip"


def sniff(file: IO[bytes] | bytes) -> str | None:
    """The kind of `file` (a key of KINDS) judged from its content, or None when it is none of
    them (text such as CSV, or unknown binary). A zip is told apart as docx or xlsx by its
    [Content_Types].xml; a damaged zip or OOXML raises UploadRejected."""
    stream = io.BytesIO(bytes(file)) if isinstance(file, bytes | bytearray | memoryview) else file
    stream.seek(0)
    head = stream.read(16)
    stream.seek(0)
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind
    if not head.startswith(_ZIP_MAGIC):
        return None
    try:
        with zipfile.ZipFile(stream) as archive:
            return _ooxml_kind(archive)
    except UploadRejected:
        raise
    except (*_ZIP_ERRORS, zlib.error) as exc:
        raise UploadRejected("已损坏（不是完整的 zip 结构）", "zip") from exc
    finally:
        stream.seek(0)


def content_type_for(kind: str | None) -> str:
    """The Content-Type to serve a file of `kind` with; octet-stream for anything unknown."""
    found = KINDS.get(kind or "")
    return found.content_type if found and kind not in ("zip", "ole") else OCTET_STREAM


# --- Whole-file checks ---------------------------------------------------------------------


def _check_pdf(data: bytes) -> None:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    if _MARKUP.search(data):
        raise UploadRejected("中含有网页代码（HTML/脚本），不能作为 PDF 上传", "pdf")
    # A complete PDF ends with %%EOF within its last 1 KB (ISO 32000 7.5.5); a truncated
    # upload does not, even when a lenient parser could recover part of it.
    if b"%%EOF" not in data[-1024:]:
        raise UploadRejected("不完整（文件被截断），请重新导出后上传", "pdf")
    pypdf_log = logging.getLogger("pypdf")
    level = pypdf_log.level
    pypdf_log.setLevel(logging.ERROR)  # its repair warnings are ours to report, not to log
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise UploadRejected("设有打开密码，请去除密码后上传", "pdf")
        if len(reader.pages) == 0:
            raise UploadRejected("没有任何页面", "pdf")
        for page in reader.pages:
            page.get_contents()  # decodes every content stream
    except UploadRejected:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, OSError) as exc:
        raise UploadRejected("已损坏，无法作为 PDF 打开", "pdf") from exc
    except Exception as exc:  # pypdf may fail in many ways on hostile input; all mean refuse
        raise UploadRejected("已损坏，无法作为 PDF 打开", "pdf") from exc
    finally:
        pypdf_log.setLevel(level)


def _check_zip(data: bytes, kind: str, max_expanded_bytes: int) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            if len(members) > ZIP_MAX_MEMBERS or (
                sum(m.file_size for m in members) > max_expanded_bytes
            ):
                raise UploadRejected("解压后异常庞大，文件可能被篡改", kind, code="expanded")
            if archive.testzip() is not None:  # reads every member and checks its CRC
                raise UploadRejected("已损坏（压缩内容校验失败）", kind)
    except UploadRejected:
        raise
    except zlib.error as exc:
        raise UploadRejected("已损坏（压缩内容校验失败）", kind) from exc
    except _ZIP_ERRORS as exc:
        raise UploadRejected("已损坏（不是完整的 zip 结构）", kind) from exc


def _ole_kind(data: bytes) -> str:
    import olefile

    try:
        with olefile.OleFileIO(io.BytesIO(data)) as ole:
            streams = {"/".join(path).lower() for path in ole.listdir(streams=True)}
            for kind, names in _OLE_STREAMS.items():
                for name in (n for n in names if n in streams):
                    # The main stream must be there in full: in a truncated file it is not.
                    if len(ole.openstream(name).read()) != ole.get_size(name):
                        raise UploadRejected("不完整（文件被截断），请重新保存后上传", kind)
                    return kind
    except UploadRejected:
        raise
    except Exception as exc:  # olefile raises OSError and others on a damaged directory
        raise UploadRejected("已损坏，无法作为 Office 文件打开", "ole") from exc
    return "ole"


def _check_image(data: bytes, kind: str) -> None:
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.width * image.height > IMAGE_MAX_PIXELS:
                raise UploadRejected("像素过多，请缩小后上传", kind)
            image.verify()
        with Image.open(io.BytesIO(data)) as image:
            image.load()  # decode every pixel: a truncated image fails here
    except UploadRejected:
        raise
    except Exception as exc:  # Pillow raises OSError, SyntaxError, DecompressionBombError …
        raise UploadRejected("已损坏，无法作为图片打开", kind) from exc


def inspect(file: IO[bytes] | bytes, *, max_expanded_bytes: int | None = None) -> str:
    """The kind of `file` after checking the whole of it; raises UploadRejected when the file
    is damaged, truncated, a polyglot, or of no recognised kind. An archive (docx, xlsx, zip)
    may expand to `max_expanded_bytes` (default ZIP_MAX_EXPANDED_BYTES; the import's bound is
    tighter)."""
    data = _read_all(file)
    if not data:
        raise UploadRejected("是空文件")
    kind = sniff(data)
    if kind is None:
        raise UploadRejected("不是可识别的文件类型")
    # Whatever the kind, the first bytes (where browsers sniff) must not be markup.
    if _MARKUP.search(data[:1024]):
        raise UploadRejected("中含有网页代码（HTML/脚本）", kind)
    if kind == "pdf":
        _check_pdf(data)
    elif kind in ("docx", "xlsx", "zip"):
        _check_zip(data, kind, max_expanded_bytes or ZIP_MAX_EXPANDED_BYTES)
    elif kind == "ole":
        kind = _ole_kind(data)
    elif kind in ("png", "jpeg"):
        _check_image(data, kind)
    return kind


# --- Request body limit --------------------------------------------------------------------


def request_max_bytes() -> int:
    """Largest request body accepted (setting YIWANG_UPLOAD_MAX_BYTES, default 20 MiB)."""
    return int(getattr(settings, "YIWANG_UPLOAD_MAX_BYTES", DEFAULT_REQUEST_MAX_BYTES))


def _size_text(n: int) -> str:
    return f"{n / 1024 / 1024:.0f} MB" if n >= 1024 * 1024 else f"{n / 1024:.0f} KB"


def _too_large(request: HttpRequest, limit: int) -> HttpResponse:
    from yiwang.common.errors import render_error

    return render_error(
        request, 413, f"提交的内容超过 {_size_text(limit)} 上限，请压缩或拆分后再上传。"
    )


class RequestBodyLimitMiddleware:
    """Refuse request bodies over YIWANG_UPLOAD_MAX_BYTES with 413 before they are read.

    With a Content-Length the decision is made from the header alone. Without one (chunked
    transfer, where the server marks the input as terminated), the body is read here in chunks
    through a counter that stops one chunk past the limit; a body within the limit is handed on
    to Django as if it had come with a Content-Length (Django otherwise reads such a body as
    empty). Must come before anything that reads request.POST, FILES or body."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = request_max_bytes()
        meta = request.META
        length = meta.get("CONTENT_LENGTH")
        if length:
            try:
                declared = int(length)
            except ValueError:
                declared = 0  # Django reads a malformed length as no body
            if declared > limit:
                return _too_large(request, limit)
            return self.get_response(request)
        chunked = "chunked" in meta.get("HTTP_TRANSFER_ENCODING", "").lower()
        if not (chunked and meta.get("wsgi.input_terminated")):
            return self.get_response(request)
        spool = self._spool(meta["wsgi.input"], limit)
        if spool is None:
            return _too_large(request, limit)
        with spool:
            size = spool.seek(0, io.SEEK_END)
            spool.seek(0)
            meta["CONTENT_LENGTH"] = str(size)
            # WSGIRequest fixed its stream at construction from the (missing) Content-Length.
            request._stream = LimitedStream(spool, size)  # type: ignore[assignment]
            return self.get_response(request)

    @staticmethod
    def _spool(stream: Any, limit: int) -> Any:
        """The body copied into an anonymous temporary file, or None (and nothing kept) once it
        passes `limit`."""
        spool = tempfile.SpooledTemporaryFile(  # noqa: SIM115 - closed by the caller
            max_size=settings.FILE_UPLOAD_MAX_MEMORY_SIZE, dir=settings.FILE_UPLOAD_TEMP_DIR
        )
        total = 0
        while True:
            chunk = stream.read(_READ_CHUNK)
            if not chunk:
                return spool
            total += len(chunk)
            if total > limit:
                spool.close()  # an anonymous temporary file: closing removes it
                return None
            spool.write(chunk)
