"""The export table as CSV: UTF-8 with a byte-order mark, RFC 4180, CRLF line ends.

The BOM is what makes Excel read the file as UTF-8 (without it Arabic and accented
letters come out garbled). Fields are quoted only when they need it (a separator, a
quote or a line break), so numbers are never quoted.

The separator is the caller's choice: ``;`` for Excel set to French or Arabic (whose list
separator it is), with a decimal comma in numbers to match; ``,`` and a decimal point
otherwise. Dates and times are written ``2025-11-20 15:00:00``, which Excel reads as a
date and time in every locale. An id row (``table.ids``), if any, follows the header.

Free-text answers come from anyone holding the join link, and spreadsheet programs run a
cell that starts with ``=``, ``+``, ``-`` or ``@`` as a formula: such text cells get a
leading apostrophe (the OWASP advice against CSV injection), which also keeps a typed
"- more exercises" from showing as ``#NAME?``.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime

from bot.results.export import Cell, ExportTable

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
SEPARATORS = (",", ";")


def to_csv(table: ExportTable, *, separator: str = ",") -> bytes:
    if separator not in SEPARATORS:
        raise ValueError(f"separator {separator!r} is not one of {SEPARATORS}")
    decimal_comma = separator == ";"
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=separator, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow([_safe(header, decimal_comma) for header in table.columns])
    if table.ids:
        writer.writerow([_safe(column_id, decimal_comma) for column_id in table.ids])
    writer.writerows([_safe(cell, decimal_comma) for cell in row] for row in table.rows)
    return buffer.getvalue().encode("utf-8-sig")


def _safe(cell: Cell, decimal_comma: bool) -> str | int | None:
    if isinstance(cell, datetime):
        return cell.isoformat(sep=" ", timespec="seconds")
    if isinstance(cell, float):
        return repr(cell).replace(".", ",") if decimal_comma else repr(cell)
    if isinstance(cell, str) and cell.startswith(FORMULA_TRIGGERS):
        return "'" + cell
    return cell
