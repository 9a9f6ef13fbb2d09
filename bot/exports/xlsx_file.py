"""The export as an Excel workbook (XLSX), with openpyxl: one sheet per ``ExportTable``.

Each sheet has a bold header row of words and, when the table has ids, a second header
row with the stable column ids (for scripts and for pasting into other tools); both are
frozen, with the first column. Columns get a width that fits their content (within
limits; long headers wrap), numbers stay numbers, times are real date-time cells (``yyyy-mm-dd hh:mm``),
and sheets read right to left for Arabic readers. Every text cell is stored as text,
never as a formula, even when a participant typed something starting with "=". The
workbook is written in openpyxl's write-only mode, which streams rows instead of keeping
a cell object per value: workshops can be large.
"""

from __future__ import annotations

import io
import re
from datetime import datetime
from typing import TYPE_CHECKING

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from bot.results.export import Cell, ExportTable, ExportWorkbook

if TYPE_CHECKING:
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

SHEET_TITLE_MAX = 31
SHEET_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
DEFAULT_SHEET_TITLE = "Export"
MIN_WIDTH, MAX_WIDTH = 8, 60
HEADER_WIDTH = 28  # a longer header (a question's text) wraps instead of widening its column
HEADER_ALIGNMENT = Alignment(wrap_text=True, vertical="top")
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
DATETIME_WIDTH = len("2025-11-20 15:00")
IDS_FONT = Font(italic=True, color="808080")


def to_xlsx(workbook: ExportWorkbook) -> bytes:
    book = Workbook(write_only=True)
    if workbook.title:
        book.properties.title = ILLEGAL_CHARACTERS_RE.sub("", workbook.title)
    used: set[str] = set()
    for table in workbook.sheets:
        title = _unique(safe_sheet_title(table.title), used)
        used.add(title.casefold())
        _write_sheet(book.create_sheet(title), table, right_to_left=workbook.right_to_left)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _write_sheet(sheet: WriteOnlyWorksheet, table: ExportTable, *, right_to_left: bool) -> None:
    sheet.sheet_view.rightToLeft = right_to_left
    sheet.freeze_panes = f"B{3 if table.ids else 2}"  # the header rows and the first column
    for index, width in enumerate(_widths(table), start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    bold = Font(bold=True)
    sheet.append([_cell(sheet, header, bold, HEADER_ALIGNMENT) for header in table.columns])
    if table.ids:
        sheet.append([_cell(sheet, column_id, IDS_FONT) for column_id in table.ids])
    for row in table.rows:
        sheet.append([_value(sheet, value) for value in row])


def safe_sheet_title(title: str) -> str:
    """What Excel accepts: at most 31 characters, none of []:*?/\\, no quote at the ends."""
    cleaned = " ".join(SHEET_TITLE_FORBIDDEN.sub(" ", title).split())
    cleaned = cleaned[:SHEET_TITLE_MAX].strip().strip("'").strip()
    return cleaned or DEFAULT_SHEET_TITLE


def _unique(title: str, used: set[str]) -> str:
    """Excel refuses two sheets of the same name (in any letter case)."""
    candidate, number = title, 2
    while candidate.casefold() in used:
        suffix = f" ({number})"
        candidate, number = title[: SHEET_TITLE_MAX - len(suffix)] + suffix, number + 1
    return candidate


def _value(sheet: WriteOnlyWorksheet, value: Cell) -> Cell | WriteOnlyCell:
    """Plain values are cheapest; a cell object where text would become a formula, or a date."""
    if isinstance(value, datetime):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = DATETIME_FORMAT
        return cell
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)  # control characters openpyxl refuses
        if value.startswith("="):
            return _cell(sheet, value)
    return value


def _cell(
    sheet: WriteOnlyWorksheet, value: Cell, font: Font | None = None, alignment: Alignment | None = None
) -> WriteOnlyCell:
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # text, even when it starts with "="
    if font is not None:
        cell.font = font
    if alignment is not None:
        cell.alignment = alignment
    return cell


def _widths(table: ExportTable) -> list[float]:
    widths = [min(_width(header), HEADER_WIDTH) for header in table.columns]
    for values in (table.ids, *table.rows):
        for index, value in enumerate(values):
            if index == len(widths):
                widths.append(0)
            widths[index] = max(widths[index], _width(value))
    return [min(max(width + 2, MIN_WIDTH), MAX_WIDTH) for width in widths]


def _width(value: Cell) -> int:
    if value is None:
        return 0
    if isinstance(value, datetime):
        return DATETIME_WIDTH
    return max((len(line) for line in str(value).splitlines()), default=0)
