"""The evaluation report as a PDF, from plain data (no database, no Telegram, no i18n).

    from bot.reports import ReportData, render_report
    pdf_bytes = render_report(ReportData(...))

The caller (``bot.rendering.report_content``) translates and formats every phrase;
this package lays the report out on A4 pages with the charts' fonts and text drawing,
so Arabic is shaped and right to left on every page.
"""

from bot.reports.data import (
    ChartSection,
    FollowupRow,
    FreeText,
    ReportData,
    Summary,
    SummaryRow,
)
from bot.reports.pdf import layout_report, render_report

__all__ = ["ChartSection", "FollowupRow", "FreeText", "ReportData", "Summary", "SummaryRow", "layout_report",
           "render_report"]
