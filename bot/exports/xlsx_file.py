"""The export table as an Excel workbook (XLSX), one sheet, with openpyxl.

The header row is bold and frozen, columns get a width that fits their content (within
limits), numbers stay numbers, and the sheet reads right to left for Arabic readers.
Every text cell is stored as text, never as a formula, even when a participant typed
something starting with "=". The workbook is written in openpyxl's write-only mode, which
streams rows instead of keeping a cell object per value: workshops can be large.
"""

from __future__ import annotations

import io
import re
from typing import TYPE_CHECKING

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from bot.results.export import Cell, ExportTable

if TYPE_CHECKING:
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

SHEET_TITLE_MAX = 31
SHEET_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
DEFAULT_SHEET_TITLE = "Export"
MIN_WIDTH, MAX_WIDTH = 8, 60


def to_xlsx(table: ExportTable, *, sheet_title: str, right_to_left: bool) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(safe_sheet_title(sheet_title))
    sheet.sheet_view.rightToLeft = right_to_left
    sheet.freeze_panes = "A2"
    for index, width in enumerate(_widths(table), start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    bold = Font(bold=True)
    sheet.append([_cell(sheet, header, bold) for header in table.columns])
    for row in table.rows:
        sheet.append([_value(sheet, value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def safe_sheet_title(title: str) -> str:
    """What Excel accepts: at most 31 characters, none of []:*?/\\, no quote at the ends."""
    cleaned = " ".join(SHEET_TITLE_FORBIDDEN.sub(" ", title).split())
    cleaned = cleaned[:SHEET_TITLE_MAX].strip().strip("'").strip()
    return cleaned or DEFAULT_SHEET_TITLE


def _value(sheet: WriteOnlyWorksheet, value: Cell) -> Cell | WriteOnlyCell:
    """Plain values are cheapest; a cell object only where text would become a formula."""
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)  # control characters openpyxl refuses
        if value.startswith("="):
            return _cell(sheet, value)
    return value


def _cell(sheet: WriteOnlyWorksheet, value: Cell, font: Font | None = None) -> WriteOnlyCell:
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # text, even when it starts with "="
    if font is not None:
        cell.font = font
    return cell


def _widths(table: ExportTable) -> list[float]:
    widths = [_width(header) for header in table.columns]
    for row in table.rows:
        for index, value in enumerate(row):
            widths[index] = max(widths[index], _width(value))
    return [min(max(width + 2, MIN_WIDTH), MAX_WIDTH) for width in widths]


def _width(value: Cell) -> int:
    if value is None:
        return 0
    return max((len(line) for line in str(value).splitlines()), default=0)
