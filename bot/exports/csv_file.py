"""The export table as CSV: UTF-8 with a byte-order mark, RFC 4180, CRLF line ends.

The BOM is what makes Excel read the file as UTF-8 (without it Arabic and accented
letters come out garbled). Fields are quoted only when they need it (a separator, a
quote or a line break), so numbers are never quoted.

Free-text answers come from anyone holding the join link, and spreadsheet programs run a
cell that starts with ``=``, ``+``, ``-`` or ``@`` as a formula: such text cells get a
leading apostrophe (the OWASP advice against CSV injection), which also keeps a typed
"- more exercises" from showing as ``#NAME?``.
"""

from __future__ import annotations

import csv
import io

from bot.results.export import Cell, ExportTable

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def to_csv(table: ExportTable) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow([_safe(header) for header in table.columns])
    writer.writerows([_safe(cell) for cell in row] for row in table.rows)
    return buffer.getvalue().encode("utf-8-sig")


def _safe(cell: Cell) -> Cell:
    if isinstance(cell, str) and cell.startswith(FORMULA_TRIGGERS):
        return "'" + cell
    return cell
