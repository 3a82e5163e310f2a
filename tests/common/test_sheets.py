"""Safe cells: text that a spreadsheet would run as a formula is written as data."""

from __future__ import annotations

import csv
import io
import zipfile

import openpyxl
import pytest

from yiwang.common.sheets import (
    SafeCsvWriter,
    append_row,
    csv_escape,
    csv_unescape,
    is_formula_like,
)

DANGEROUS = ['=HYPERLINK("http://x","y")', "+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]


def sheet_xml(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return "".join(
            archive.read(n).decode() for n in archive.namelist() if n.startswith("xl/worksheets/")
        )


@pytest.mark.parametrize("write_only", [True, False])
def test_formula_like_text_is_a_string_cell_with_quote_prefix(write_only):
    workbook = openpyxl.Workbook(write_only=write_only)
    sheet = workbook.create_sheet("表")
    append_row(sheet, [*DANGEROUS, "#N/A", 7, "普通文字"])
    buffer = io.BytesIO()
    workbook.save(buffer)

    assert "<f>" not in sheet_xml(buffer.getvalue())
    cells = list(openpyxl.load_workbook(io.BytesIO(buffer.getvalue()))["表"][1])
    assert [c.data_type for c in cells] == ["s"] * 7 + ["n", "s"]
    assert [c.quotePrefix for c in cells[:6]] == [True] * 6
    assert cells[6].value == "#N/A"  # an error code in the data stays text, too
    assert cells[7].value == 7


def test_plain_openpyxl_would_have_written_a_formula():
    """The trap the helper exists for (if openpyxl changes, the helper may become moot)."""
    workbook = openpyxl.Workbook()
    workbook.active.append([DANGEROUS[0]])  # type: ignore[union-attr]
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert "<f>" in sheet_xml(buffer.getvalue())


def test_csv_prefix_and_its_exact_inverse():
    for value in DANGEROUS:
        assert is_formula_like(value)
        assert csv_escape(value) == "'" + value
        assert csv_unescape(csv_escape(value)) == value
    for value in ["食品经营许可", "0550-12345", "'引号开头", "'=已有引号", "''+两个", "", "a=b"]:
        assert csv_unescape(csv_escape(value)) == value
    assert csv_escape("0550-12345") == "0550-12345"
    assert csv_escape("'=已有引号") == "''=已有引号"
    assert csv_escape(5) == 5


def test_safe_csv_writer_prefixes_every_dangerous_cell():
    buffer = io.StringIO()
    SafeCsvWriter(buffer).writerows([["名称", "备注"], [DANGEROUS[0], "+1"]])
    rows = list(csv.reader(io.StringIO(buffer.getvalue())))
    assert rows == [["名称", "备注"], ["'" + DANGEROUS[0], "'+1"]]
