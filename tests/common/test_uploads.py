"""common.uploads: the one content sniffer (whole-file checks) and the request body limit."""

from __future__ import annotations

import io
import json
import os
import zipfile

import pytest
from django.core.handlers.wsgi import WSGIRequest
from django.http import HttpResponse
from django.test import Client

from yiwang.common import uploads

from . import files

LIMIT = 64 * 1024


# --- The sniffer ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (files.pdf(), "pdf"),
        (files.pdf(pages=3, padding=50_000), "pdf"),
        (files.ooxml("docx"), "docx"),
        (files.xlsx(), "xlsx"),
        (files.ole("WordDocument"), "doc"),
        (files.ole("Workbook"), "xls"),
        (files.png(), "png"),
        (files.jpeg(), "jpeg"),
    ],
)
def test_sound_files_pass_with_their_kind(data, kind):
    assert uploads.inspect(data) == kind
    assert uploads.inspect(io.BytesIO(data)) == kind


def test_a_pdf_html_polyglot_is_refused_though_it_parses():
    from pypdf import PdfReader

    polyglot = files.polyglot_pdf()
    assert len(PdfReader(io.BytesIO(polyglot)).pages) == 1  # a parser alone would take it
    assert b"<html" not in polyglot[:1024]  # and a look at the head would not see it
    with pytest.raises(uploads.UploadRejected, match="网页代码") as refused:
        uploads.inspect(polyglot)
    assert refused.value.kind == "pdf"


@pytest.mark.parametrize(
    "data",
    [
        files.truncated_pdf(),
        files.pdf()[:-40],  # the trailer cut off
        b"%PDF-1.7\n" + b"\x00" * 4000 + b"\n%%EOF\n",  # the signature and nothing behind it
        b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n",  # no cross-reference table
        b"%PDF-1.4\n<svg onload=alert(1)>\n%%EOF\n",
    ],
)
def test_damaged_truncated_or_fake_pdfs_are_refused(data):
    with pytest.raises(uploads.UploadRejected) as refused:
        uploads.inspect(data)
    assert refused.value.kind == "pdf"


def test_a_truncated_image_is_refused():
    with pytest.raises(uploads.UploadRejected, match="图片"):
        uploads.inspect(files.png(size=(400, 300))[:-30])


def test_an_image_with_too_many_pixels_is_refused(monkeypatch):
    monkeypatch.setattr(uploads, "IMAGE_MAX_PIXELS", 100)
    with pytest.raises(uploads.UploadRejected, match="像素"):
        uploads.inspect(files.png(size=(20, 20)))


def test_a_zip_with_a_corrupt_member_is_refused():
    data = bytearray(files.ooxml("docx"))
    start = data.index(b"main.xml") + len(b"main.xml")  # the member's compressed bytes
    data[start + 2] ^= 0xFF
    with pytest.raises(uploads.UploadRejected, match="损坏"):
        uploads.inspect(bytes(data))


def test_an_archive_that_expands_too_far_is_refused(monkeypatch):
    monkeypatch.setattr(uploads, "ZIP_MAX_EXPANDED_BYTES", 100)
    with pytest.raises(uploads.UploadRejected, match="解压后异常庞大"):
        uploads.inspect(files.xlsx())


def test_a_caller_may_bound_the_expansion_tighter_and_word_the_refusal(settings, monkeypatch):
    """The catalogue import bounds a workbook's expansion by its own file-size limit through
    the same check (no second sniffer or zip reader there) and says so in its own words."""
    from yiwang.catalog.transfer.reading import read_tables
    from yiwang.catalog.transfer.report import ImportFileError

    data = files.xlsx()
    assert uploads.inspect(data) == "xlsx"
    with pytest.raises(uploads.UploadRejected) as refused:
        uploads.inspect(data, max_expanded_bytes=100)
    assert refused.value.code == "expanded" and refused.value.kind == "xlsx"
    settings.YIWANG_IMPORT_MAX_BYTES = len(data)
    monkeypatch.setattr("yiwang.catalog.transfer.reading.MAX_INFLATION", 1)  # it expands 3×
    with pytest.raises(ImportFileError, match="解压后过大，请拆分后分批导入"):
        read_tables("目录.xlsx", data)


def test_office_kinds_come_from_their_content_not_their_name():
    # macro-enabled Word, a zip without [Content_Types].xml, an OLE file with neither stream
    plain_zip = io.BytesIO()
    with zipfile.ZipFile(plain_zip, "w") as archive:
        archive.writestr("readme.txt", "hello")
    assert uploads.inspect(files.ooxml("docm")) == "zip"
    assert uploads.inspect(plain_zip.getvalue()) == "zip"
    assert uploads.inspect(files.ole("Contents")) == "ole"
    with pytest.raises(uploads.UploadRejected):
        uploads.inspect(files.ole("WordDocument")[:1500])


def test_text_and_empty_files_are_no_kind():
    assert uploads.sniff("材料名称,份数\n身份证,1\n".encode()) is None
    with pytest.raises(uploads.UploadRejected, match="不是可识别"):
        uploads.inspect(b"name,count\n")
    with pytest.raises(uploads.UploadRejected, match="空文件"):
        uploads.inspect(b"")
    with pytest.raises(uploads.UploadRejected, match="网页代码"):
        uploads.inspect(b"\x89PNG\r\n\x1a\n<script>alert(1)</script>")


def test_content_types_are_only_ever_the_sniffed_ones():
    assert uploads.content_type_for("pdf") == "application/pdf"
    assert uploads.content_type_for("jpeg") == "image/jpeg"
    for kind in (None, "zip", "ole", "html"):
        assert uploads.content_type_for(kind) == "application/octet-stream"


def test_sniffing_leaves_a_file_at_its_start():
    handle = io.BytesIO(files.xlsx())
    handle.seek(100)
    assert uploads.sniff(handle) == "xlsx"
    assert handle.tell() == 0


# --- The request body limit ----------------------------------------------------------------


class CountingInput:
    """wsgi.input that hands out `size` bytes of a multipart body and counts what was read."""

    def __init__(self, size: int, boundary: str = "BOUNDARY") -> None:
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
            f'filename="big.pdf"\r\nContent-Type: application/pdf\r\n\r\n'
        ).encode()
        self.head, self.size, self.read_bytes = head, size, 0
        self.tail = f"\r\n--{boundary}--\r\n".encode()

    def read(self, n: int = -1) -> bytes:
        remaining = self.size - self.read_bytes
        if remaining <= 0:
            return b""
        n = remaining if n is None or n < 0 else min(n, remaining)
        self.read_bytes += n
        return b"x" * n

    def readline(self, n: int = -1) -> bytes:
        return self.read(n)


@pytest.fixture
def limited(settings, tmp_path):
    settings.YIWANG_UPLOAD_MAX_BYTES = LIMIT
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path / "upload-tmp")
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024  # anything bigger would be spooled to disk
    settings.MEDIA_ROOT = tmp_path / "media"
    os.makedirs(settings.FILE_UPLOAD_TEMP_DIR)
    return tmp_path


MULTIPART = "multipart/form-data; boundary=BOUNDARY"


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/accounts/sign-in/", "/workbench/catalog/"])
def test_an_oversized_content_length_is_refused_before_the_body_is_read(limited, path):
    body = CountingInput(LIMIT * 50)
    response = Client().generic(
        "POST",
        path,
        b"x",  # replaced by the counting input below; sets a Content-Type
        content_type=MULTIPART,
        **{"CONTENT_LENGTH": str(body.size), "wsgi.input": body},
    )
    assert response.status_code == 413
    assert body.read_bytes == 0
    assert "超过 64 KB 上限" in response.content.decode()
    assert os.listdir(limited / "upload-tmp") == []


@pytest.mark.django_db
def test_the_api_refuses_an_oversized_body_in_json(limited):
    body = CountingInput(LIMIT + 1)
    response = Client().generic(
        "POST",
        "/api/catalog/items/",
        b"x",
        content_type=MULTIPART,
        **{"CONTENT_LENGTH": str(body.size), "wsgi.input": body},
    )
    assert response.status_code == 413
    assert response["Content-Type"].startswith("application/json")
    assert "上限" in json.loads(response.content)["detail"]
    assert body.read_bytes == 0


@pytest.mark.django_db
def test_a_chunked_body_is_cut_off_at_the_limit(limited):
    body = CountingInput(LIMIT * 1000)  # 64 MB that would stream forever if not stopped
    response = Client().generic(
        "POST",
        "/accounts/sign-in/",
        content_type=MULTIPART,
        **{
            "wsgi.input": body,
            "wsgi.input_terminated": True,
            "HTTP_TRANSFER_ENCODING": "chunked",
        },
    )
    assert response.status_code == 413
    assert body.read_bytes <= LIMIT + 64 * 1024  # one read past the limit at most
    assert os.listdir(limited / "upload-tmp") == []


def _chunked_request(payload: bytes) -> WSGIRequest:
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/upload/",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(payload),
        "wsgi.input_terminated": True,
        "HTTP_TRANSFER_ENCODING": "chunked",
        "CONTENT_TYPE": MULTIPART,
    }
    return WSGIRequest(environ)


def test_a_chunked_body_within_the_limit_reaches_the_view(limited):
    data = files.pdf()
    payload = (
        b'--BOUNDARY\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\n'
        b"Content-Type: application/pdf\r\n\r\n" + data + b"\r\n--BOUNDARY--\r\n"
    )
    request = _chunked_request(payload)
    seen = {}

    def view(req):  # type: ignore[no-untyped-def]
        seen["file"] = req.FILES["file"].read()
        return HttpResponse("ok")

    response = uploads.RequestBodyLimitMiddleware(view)(request)
    assert response.status_code == 200
    assert seen["file"] == data
    assert os.listdir(limited / "upload-tmp") == []


def test_django_alone_drops_a_chunked_body(limited):
    """Why the middleware reads chunked bodies itself: without a Content-Length Django's
    request stream is empty, so a chunked upload would silently arrive without its files."""
    request = _chunked_request(b"--BOUNDARY--\r\n")
    assert request.body == b""


def test_gunicorn_cuts_a_chunked_upload_off_at_the_limit(tmp_path):
    """End to end under the production server: a chunked body (no Content-Length) bigger than
    the limit is answered 413, one within it still reaches the application, and an oversized
    Content-Length is answered before the body is sent."""
    import http.client
    import socket
    import subprocess
    import sys
    import time

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        **os.environ,
        "HOME": str(tmp_path),
        "YIWANG_DATA_DIR": str(tmp_path / "var"),
        "YIWANG_UPLOAD_MAX_BYTES": str(LIMIT),
        "DJANGO_SETTINGS_MODULE": "yiwang.settings",
    }
    env.pop("DATABASE_URL", None)
    command = [sys.executable, "-m", "gunicorn", "yiwang.wsgi:application"]
    server = subprocess.Popen(
        [*command, "-b", f"127.0.0.1:{port}", "--workers", "1", "--threads", "2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:

        def post(size: int) -> int:
            chunks = (b"x" * 8192 for _ in range(size // 8192))
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            try:
                connection.request(
                    "POST",
                    "/healthz",
                    body=chunks,
                    headers={"Content-Type": MULTIPART, "Transfer-Encoding": "chunked"},
                    encode_chunked=True,
                )
                return connection.getresponse().status
            finally:
                connection.close()

        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    pytest.fail("gunicorn did not start")
                time.sleep(0.2)
        assert post(LIMIT * 40) == 413
        assert post(LIMIT // 2) != 413
        # A declared 10 GB body is refused on its headers: the answer comes without a byte of it.
        with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
            raw.sendall(
                b"POST /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                + f"Content-Type: {MULTIPART}\r\nContent-Length: {10 * 1024**3}\r\n\r\n".encode()
            )
            assert raw.recv(64).startswith(b"HTTP/1.1 413")
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_the_catalogue_import_uses_the_same_sniffer():
    from yiwang.catalog.transfer.reading import read_tables
    from yiwang.catalog.transfer.report import ImportFileError

    with pytest.raises(ImportFileError, match="是 Word 文档，不是 xlsx 工作簿"):
        read_tables("事项.xlsx", files.ooxml("docx"))
    workbook = bytearray(files.xlsx())
    start = workbook.index(b"xl/workbook.xml") + len(b"xl/workbook.xml")
    workbook[start + 2] ^= 0xFF  # one flipped byte inside a member
    with pytest.raises(ImportFileError, match="压缩内容校验失败"):
        read_tables("事项.xlsx", bytes(workbook))


def test_a_broken_content_types_part_is_named():
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("[Content_Types].xml", "<Types><broken")
    with pytest.raises(uploads.UploadRejected, match=r"\[Content_Types\].xml 无法解析"):
        uploads.sniff(archive.getvalue())
