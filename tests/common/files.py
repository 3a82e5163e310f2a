"""Small, genuine files of every kind the platform accepts, made in memory for upload tests
(a PDF with one page, OOXML documents, OLE2 compound files, PNG and JPEG images)."""

from __future__ import annotations

import io
import struct
import zipfile

OOXML_MAIN = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
    "docm": "application/vnd.ms-word.document.macroEnabled.main+xml",
}


def pdf(pages: int = 1, *, padding: int = 0) -> bytes:
    """A real PDF (pypdf's writer); `padding` bytes of comment make it larger."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(595, 842)
    if padding:
        writer.add_metadata({"/Subject": "x" * padding})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def polyglot_pdf() -> bytes:
    """A PDF that parses, with an HTML page hidden well past the first kilobyte: what a
    browser would run if it ever rendered the file as HTML."""
    body = pdf()
    cut = body.rindex(b"startxref")  # after the cross-reference table: offsets stay valid
    return (
        body[:cut]
        + b"%"
        + b"A" * 2000
        + b"\n"
        + b"%<html><body><script>alert(document.cookie)</script></body></html>\n"
        + body[cut:]
    )


def truncated_pdf() -> bytes:
    body = pdf(pages=3)
    return body[: len(body) * 2 // 3]


def ooxml(kind: str) -> bytes:
    """A zip whose [Content_Types].xml declares the main part of `kind` (docx, xlsx, docm)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/main.xml" ContentType="{OOXML_MAIN[kind]}"/></Types>',
        )
        archive.writestr("main.xml", "<document/>")
    return out.getvalue()


def xlsx() -> bytes:
    from openpyxl import Workbook

    out = io.BytesIO()
    Workbook().save(out)
    return out.getvalue()


def ole(stream_name: str) -> bytes:
    """A minimal OLE2 compound file (version 3, 512-byte sectors) holding one 4 KB stream:
    "WordDocument" for a .doc, "Workbook" for a .xls."""
    end, free, fat_sector, no_stream = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 16
    header += struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + b"\0" * 6
    # directory sectors (0 in v3), FAT sectors, first directory sector, transaction, mini
    # cutoff, first mini FAT, mini FAT sectors, first DIFAT, DIFAT sectors; then the DIFAT.
    header += struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, end, 0, end, 0)
    header += struct.pack("<I", 0) + struct.pack("<I", free) * 108
    # sector 0: the FAT; sector 1: the directory; sectors 2-9: the stream.
    fat = [fat_sector, end, *range(3, 10), end]
    fat += [free] * (128 - len(fat))

    def entry(name: str, kind: int, child: int, start: int, size: int) -> bytes:
        encoded = (name + "\0").encode("utf-16-le") if name else b""
        return (
            encoded.ljust(64, b"\0")
            + struct.pack("<HBB", len(encoded), kind, 1)
            + struct.pack("<III", no_stream, no_stream, child)
            + b"\0" * 36
            + struct.pack("<IQ", start, size)
        )

    directory = entry("Root Entry", 5, 1, end, 0) + entry(stream_name, 2, no_stream, 2, 4096)
    directory += entry("", 0, no_stream, 0, 0) * 2
    return header + struct.pack("<128I", *fat) + directory + b"\x00" * 4096


def png(size: tuple[int, int] = (40, 30)) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, "red").save(out, "PNG")
    return out.getvalue()


def jpeg() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (40, 30), "blue").save(out, "JPEG")
    return out.getvalue()
