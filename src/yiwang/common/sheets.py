"""Cells that stay data: every xlsx and CSV the platform writes goes through these helpers.

A spreadsheet program runs a cell that begins with ``=``, ``+``, ``-`` or ``@`` (and, after a
tab or carriage return, whatever follows) as a formula, so a catalogue text such as
``=HYPERLINK("http://x","y")`` would become a live link or a command in the reader's Excel
(OWASP "CSV injection"). In xlsx the cell type carries the meaning: such text is written as a
string cell with Excel's quote prefix (it stays text even when the reader edits the cell). CSV
has no types, so the value gets OWASP's leading single quote, which :func:`csv_unescape` takes
off again when a CSV comes back in (the catalogue import), so export → import changes nothing.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from typing import Any

from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# One quote is added to every text matching ^'*<trigger> and removed from every text matching
# ^'+<trigger>: the pair is exact, so a text that itself begins with "'=" survives a round trip.
_NEEDS_QUOTE = re.compile(r"'*[=+\-@\t\r]")
_QUOTED = re.compile(r"'+[=+\-@\t\r]")


def is_formula_like(value: Any) -> bool:
    """Would a spreadsheet read this text as a formula (or as text that starts one)?"""
    return isinstance(value, str) and value.startswith(FORMULA_TRIGGERS)


# --- xlsx ------------------------------------------------------------------------------------


def protect_cell(cell: Cell | WriteOnlyCell) -> Cell | WriteOnlyCell:
    """Make a cell holding text a plain string cell (openpyxl would write “=…” as a formula and
    “#N/A” as an error); formula-like text also gets Excel's quote prefix."""
    if isinstance(cell.value, str):
        cell.data_type = "s"
        if is_formula_like(cell.value):
            cell.quotePrefix = True
    return cell


def text_cell(sheet: Any, value: Any) -> WriteOnlyCell:
    """A cell for a write-only sheet (``Workbook(write_only=True)``), text kept as text."""
    cell = WriteOnlyCell(sheet, value=value)
    protect_cell(cell)
    return cell


def append_row(sheet: Any, values: Iterable[Any]) -> None:
    """``sheet.append(values)`` for a write-only or an ordinary sheet, text kept as text."""
    values = list(values)
    if isinstance(sheet, WriteOnlyWorksheet):
        sheet.append([v if isinstance(v, Cell) else text_cell(sheet, v) for v in values])
        return
    sheet.append(values)
    for cell in sheet[sheet.max_row]:
        protect_cell(cell)


# --- CSV -------------------------------------------------------------------------------------


def csv_escape(value: Any) -> Any:
    """OWASP's defence for CSV: formula-like text gets a leading single quote."""
    if isinstance(value, str) and _NEEDS_QUOTE.match(value):
        return "'" + value
    return value


def csv_unescape(text: str) -> str:
    """The inverse of :func:`csv_escape`, for CSV files read back in."""
    return text[1:] if _QUOTED.match(text) else text


class SafeCsvWriter:
    """``csv.writer`` whose every cell passes through :func:`csv_escape`."""

    def __init__(self, stream: Any, **kwargs: Any) -> None:
        self._writer = csv.writer(stream, **kwargs)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([csv_escape(v) for v in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)
