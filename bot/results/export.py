"""The export table as plain data (headers and cells), for the CSV and XLSX writers."""

from __future__ import annotations

from dataclasses import dataclass

Cell = str | int | float | None


@dataclass(frozen=True)
class ExportTable:
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
