"""``ReportData`` → the evaluation report as a PDF (A4 portrait), all vector.

    from bot.reports import render_report
    pdf_bytes = render_report(data)

Pages (a section with nothing in it is left out):

1. cover: subtitle, title, the facts as a two-column table, the notes;
2. summary: one row per question (respondents, average or top answer, % positive), the
   header repeated if it ever runs onto a second page, what the columns mean under it;
3. charts: the section heading, then the charts of ``bot.charts``, as many on a page as
   fit (a chart taller than a page is drawn smaller);
4. breakdowns (by gender, by type of organisation): a heading, notes (hidden groups,
   reversals), the charts split by group, flowing on from the charts. Sections 3 and 4
   are one run of charts whose page breaks are chosen together (``layout.balance``) so
   that no page of it is left half empty;
5. free-text answers: each question, then its answers as a list, wrapped; as many pages
   as needed, the question repeated at the top of a page its answers continue onto;
   under the last charts when there is room;
6. follow-up (only when there are rows): intention at the end of the session next to
   what the follow-up survey found, under the last comments when it fits there, else on
   a page of its own.

Sections 1-3 each start on a new page.

Every page has the footer and "n / N"; pages after the cover carry the title at the
top. An Arabic document is mirrored: text right-aligned, table columns right to left.
Participants' answers (and the title) keep their own direction, taken from their first
letter, so a French comment in an Arabic report still reads left to right.
"""

from __future__ import annotations

import io
from dataclasses import replace

from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure

from bot.charts import build_figure
from bot.charts import draw as chart_draw
from bot.reports.canvas import page_figure
from bot.reports.data import ChartSection, FreeText, ReportData, TableSection
from bot.reports.layout import (
    BOTTOM,
    CONTENT_W,
    MARGIN_X,
    PAGE_H,
    TOP,
    Block,
    ChartItem,
    Item,
    Page,
    RectItem,
    RuleItem,
    Section,
    TextItem,
    balance,
    line_blocks,
    paginate,
    shifted,
)
from bot.reports.paragraphs import (
    first_strong_rtl,
    fit_line,
    height_of,
    marked,
    visible,
    width_of,
    wrap_lines,
)
from bot.reports.pdf_text import truetype_fonts

INK = chart_draw.INK
SOFT_INK = chart_draw.SOFT_INK
FOOTER_INK = chart_draw.FOOTER_INK
RULE = chart_draw.RULE
ACCENT = chart_draw.PALETTE[0]

SUBTITLE_SIZE = 13.0
TITLE_SIZE = 22.0
FACT_LABEL_SIZE = 10.5
FACT_SIZE = 11.0
NOTE_SIZE = 10.5
HEADING_SIZE = 16.0
QUESTION_SIZE = 11.5
ANSWER_SIZE = 10.5
TABLE_HEAD_SIZE = 9.5
TABLE_SIZE = 10.5
SUMMARY_HEAD_SIZE = 8.5
SUMMARY_SIZE = 9.0
SUMMARY_NOTE_SIZE = 8.5
SUMMARY_PAD = 0.055
RUNNING_SIZE = 8.5
FOOTER_SIZE = 8.5

COVER_TOP = 1.9
CELL_PAD = 0.085  # inches above and below the text of a table row
BULLET_INDENT = 0.2
CHART_GAP = 0.3
SECTION_GAP = 0.5  # above a section that starts under the end of the previous one
CREATOR = "workshop-bot"


# --------------------------------------------------------------------------- sections


def _heading(text: str, rtl: bool, tag: str) -> Block:
    lines = [line for paragraph in wrap_lines(text, CONTENT_W, HEADING_SIZE, True) for line in paragraph]
    text_h = height_of(lines, HEADING_SIZE, True)
    items: list[Item] = [TextItem(MARGIN_X, 0.0, "\n".join(marked(line, rtl) for line in lines),
                                  HEADING_SIZE, True)]
    items.append(RuleItem(MARGIN_X, MARGIN_X + CONTENT_W, text_h + 0.1, INK, 0.9))
    return Block(text_h + 0.1 + 0.3, tuple(items), tag=tag, keep_with_next=True)


_Cell = tuple[str, float, float, float, bool, str, str]  # text, x, width, size, bold, color, ha


def _table_row(cells: list[_Cell], rtl: bool, *,
               tag: str, rule_color: str = RULE, rule_width: float = 0.5,
               keep_with_next: bool = False, pad: float = CELL_PAD) -> Block:
    """One table row; cells are (text, x, width, size, bold, color, ha) in LTR coordinates,
    x being the left edge of the cell. The row is as tall as its tallest cell."""
    items: list[Item] = []
    heights = []
    for text, x, width, size, bold, color, ha in cells:
        lines = [line for paragraph in wrap_lines(text, width, size, bold) for line in paragraph]
        if not lines:
            heights.append(0.0)
            continue
        anchor = {"left": x, "center": x + width / 2, "right": x + width}[ha]
        items.append(TextItem(anchor, pad, "\n".join(marked(line, rtl) for line in lines),
                              size, bold, ha, color))
        heights.append(height_of(lines, size, bold))
    height = max(heights, default=0.0) + 2 * pad
    items.append(RuleItem(MARGIN_X, MARGIN_X + CONTENT_W, height, rule_color, rule_width))
    return Block(height, tuple(items), tag=tag, keep_with_next=keep_with_next)


def _cover(data: ReportData) -> list[Block]:
    rtl = data.rtl
    blocks: list[Block] = []
    blocks += line_blocks(data.subtitle, x=MARGIN_X, width=CONTENT_W, size=SUBTITLE_SIZE, rtl=rtl,
                          color=ACCENT, tag="subtitle")
    blocks += line_blocks(data.title, x=MARGIN_X, width=CONTENT_W, size=TITLE_SIZE, rtl=rtl, bold=True,
                          tag="title", auto_direction=True, space_before=0.12)
    blocks.append(Block(0.5, (RuleItem(MARGIN_X, MARGIN_X + 0.9, 0.25, ACCENT, 2.2),), tag="accent"))
    if data.facts:
        label_w = max(width_of(label, FACT_LABEL_SIZE) for label, _value in data.facts) + 0.3
        label_w = min(max(label_w, 1.4), 0.45 * CONTENT_W)
        value_w = CONTENT_W - label_w
        top_rule = Block(0.0, (RuleItem(MARGIN_X, MARGIN_X + CONTENT_W, 0.0, RULE, 0.5),), tag="facts")
        blocks.append(top_rule)
        for label, value in data.facts:
            blocks.append(_table_row(
                [(label, MARGIN_X, label_w - 0.15, FACT_LABEL_SIZE, False, SOFT_INK, "left"),
                 (value, MARGIN_X + label_w, value_w, FACT_SIZE, True, INK, "left")],
                rtl, tag="fact"))
    bar = RectItem(MARGIN_X, 0.0, 0.035, 0.0, ACCENT)
    for index, note in enumerate(data.notes):
        blocks += line_blocks(note, x=MARGIN_X + 0.17, width=CONTENT_W - 0.17, size=NOTE_SIZE, rtl=rtl,
                              color=SOFT_INK, tag="note", every_extra=(bar,),
                              space_before=0.45 if index == 0 else 0.16)
    return blocks


def _summary(data: ReportData) -> list[Block]:
    """The summary table, compact enough for the 13 questions of the default questionnaire
    to fit on one page in every language; a longer one continues, header repeated."""
    summary = data.summary
    if summary is None or not summary.rows:
        return []
    rtl = data.rtl
    rows = list(summary.rows)
    head_question, head_n, head_result, head_positive = summary.columns

    def column(values: list[str], header: str, most: float) -> float:
        """As wide as its widest value or the longest word of its header (which wraps)."""
        widths = [width_of(v, SUMMARY_SIZE) for v in values] + [
            width_of(word, SUMMARY_HEAD_SIZE, True) for word in header.split()]
        return min(max(widths) + 0.2, most)

    n_w = column([r.respondents for r in rows], head_n, 1.0)
    positive_w = column([r.positive for r in rows], head_positive, 1.0)
    result_w = max(column([r.result for r in rows], head_result, 1.5), 1.1)
    question_w = CONTENT_W - n_w - result_w - positive_w
    x_n = MARGIN_X + question_w
    x_result, x_positive = x_n + n_w, x_n + n_w + result_w

    def cells(question: str, n: str, result: str, positive: str, size: float, bold: bool,
              color: str) -> list[_Cell]:
        return [(question, MARGIN_X, question_w - 0.15, size, bold, color, "left"),
                (n, x_n, n_w - 0.05, size, bold, color, "center"),
                (result, x_result + 0.05, result_w - 0.1, size, bold, color, "left"),
                (positive, x_positive, positive_w, size, bold, color, "center")]

    blocks = [_heading(summary.heading, rtl, "summary-heading")]
    head = _table_row(cells(head_question, head_n, head_result, head_positive, SUMMARY_HEAD_SIZE, True, SOFT_INK),
                      rtl, tag="summary-head", rule_color=INK, rule_width=0.8, keep_with_next=True,
                      pad=SUMMARY_PAD)
    blocks.append(head)
    for row in rows:
        block = _table_row(cells(row.question, row.respondents, row.result, row.positive, SUMMARY_SIZE, False, INK),
                           rtl, tag="summary-row", pad=SUMMARY_PAD)
        blocks.append(replace(block, repeat=head))  # a table running onto a new page gets its header again
    if summary.notes:  # the definitions, as one paragraph
        blocks += line_blocks(" ".join(summary.notes), x=MARGIN_X, width=CONTENT_W, size=SUMMARY_NOTE_SIZE, rtl=rtl,
                              color=SOFT_INK, tag="summary-note", space_before=0.2)
    return blocks


def _chart_block(figure: Figure, scale: float) -> Block:
    """A chart drawn at *scale*; its own margin sits outside the text column, so its
    content lines up with the text. ``scaled`` gives the same chart smaller (``layout``)."""
    x = MARGIN_X - chart_draw.MARGIN * scale
    return Block(figure.get_figheight() * scale, (ChartItem(figure, x, 0.0, scale),), tag="chart",
                 space_before=CHART_GAP, scaled=lambda factor: _chart_block(figure, scale * factor), scale=scale)


def _chart_section(section: ChartSection, rtl: bool, tag: str) -> list[Block]:
    """A heading, its notes, then the charts; the heading and notes stay with the first chart."""
    if not section.charts and not section.notes:
        return []
    blocks = [_heading(section.heading, rtl, f"{tag}-heading")]
    bar = RectItem(MARGIN_X, 0.0, 0.035, 0.0, ACCENT)
    for index, note in enumerate(section.notes):
        lines = line_blocks(note, x=MARGIN_X + 0.17, width=CONTENT_W - 0.17, size=NOTE_SIZE, rtl=rtl,
                            color=SOFT_INK, tag=f"{tag}-note", every_extra=(bar,),
                            space_before=0.0 if index == 0 else 0.12)
        blocks += [replace(line, keep_with_next=True) for line in lines]
    if not section.charts:
        return [replace(block, keep_with_next=False) for block in blocks]
    intro = sum(b.height + b.space_before for b in blocks)
    for index, spec in enumerate(section.charts):
        figure = build_figure(spec)
        # a chart taller than a page is drawn smaller, never cut (the first one shares
        # its page with the heading and notes)
        room = BOTTOM - TOP - (intro + CHART_GAP if index == 0 else 0.0)
        blocks.append(_chart_block(figure, min(1.0, room / figure.get_figheight())))
    return blocks


def _charts(data: ReportData) -> list[Block]:
    return _chart_section(ChartSection(data.charts_heading, (), data.charts), data.rtl, "charts")


def _free_texts(data: ReportData) -> list[Block]:
    return _text_groups(data.free_text_heading, data.free_texts, data.rtl, "free-text-heading")


def _commitments(data: ReportData) -> list[Block]:
    return _text_groups(data.commitments_heading, data.commitments, data.rtl, "commitments-heading")


def _text_groups(heading: str, free_texts: tuple[FreeText, ...], rtl: bool, tag: str) -> list[Block]:
    """A heading, then each group: its question in bold, its answers as bullets."""
    groups = [group for group in free_texts if any(visible(answer) for answer in group.answers)]
    if not groups:
        return []
    blocks = [_heading(heading, rtl, tag)]
    for index, group in enumerate(groups):
        question = line_blocks(group.question, x=MARGIN_X, width=CONTENT_W, size=QUESTION_SIZE, rtl=rtl,
                               bold=True, tag="question", space_before=0.0 if index == 0 else 0.3)
        # The question stays with its first answer, and comes back (greyed) on a new page.
        blocks += [Block(b.height, b.items, b.tag, b.space_before, keep_with_next=True) for b in question]
        repeat_items = tuple(replace(item, color=SOFT_INK) if isinstance(item, TextItem) else item
                             for b in _stacked(question) for item in b.items)
        repeat = Block(sum(b.height for b in question) + 0.12, repeat_items, tag="question-repeat")
        bullet = TextItem(MARGIN_X + 0.03, 0.0, marked("•", rtl), ANSWER_SIZE, False, "left", ACCENT)
        for answer_index, answer in enumerate(a for a in group.answers if visible(a)):
            lines = line_blocks(answer, x=MARGIN_X + BULLET_INDENT, width=CONTENT_W - BULLET_INDENT,
                                size=ANSWER_SIZE, rtl=rtl, tag="answer", auto_direction=True,
                                space_before=0.16 if answer_index == 0 else 0.075, first_extra=(bullet,))
            blocks += [Block(b.height, b.items, b.tag, b.space_before, b.keep_with_next, repeat=repeat)
                       for b in lines]
    return blocks


def _stacked(blocks: list[Block]) -> list[Block]:
    """*blocks* with their items moved down to where each block sits under the previous."""
    out, y = [], 0.0
    for block in blocks:
        out.append(Block(block.height, tuple(shifted(item, y) for item in block.items), block.tag))
        y += block.height
    return out


def _followup(data: ReportData) -> list[Block]:
    if not data.followup:
        return []
    rtl = data.rtl
    rows = list(data.followup)
    head_label, head_intended, head_actual = data.followup_columns
    widest = max([width_of(text, TABLE_SIZE) for row in rows for text in (row.intended, row.actual)]
                 + [width_of(head_intended, TABLE_HEAD_SIZE, True), width_of(head_actual, TABLE_HEAD_SIZE, True)])
    value_w = min(max(widest + 0.3, 1.25), 1.75)
    label_w = CONTENT_W - 2 * value_w
    x1, x2 = MARGIN_X + label_w, MARGIN_X + label_w + value_w

    def cells(label: str, intended: str, actual: str, size: float, bold: bool, color: str) -> list[_Cell]:
        return [(label, MARGIN_X, label_w - 0.2, size, bold, color, "left"),
                (intended, x1, value_w - 0.1, size, bold, color, "center"),
                (actual, x2, value_w - 0.1, size, bold, color, "center")]

    blocks = [_heading(data.followup_heading, rtl, "followup-heading")]
    blocks.append(_table_row(cells(head_label, head_intended, head_actual, TABLE_HEAD_SIZE, True, SOFT_INK),
                             rtl, tag="followup-head", rule_color=INK, rule_width=0.8, keep_with_next=True))
    for row in rows:
        blocks.append(_table_row(cells(row.label, row.intended, row.actual, TABLE_SIZE, False, INK),
                                 rtl, tag="followup-row"))
    return blocks


def _table_section(section: TableSection | None, rtl: bool, tag: str) -> list[Block]:
    """A heading, a table whose first column (the label) takes what the figures leave, and
    its notes; the header comes back on a new page."""
    if section is None or not section.rows:
        return []
    figures = range(1, len(section.columns))

    def width(index: int) -> float:
        values = [row[index] for row in section.rows]
        widths = [width_of(v, TABLE_SIZE) for v in values] + [
            width_of(word, TABLE_HEAD_SIZE, True) for word in section.columns[index].split()]
        return min(max(widths) + 0.25, 1.3)

    widths = [width(index) for index in figures]
    label_w = CONTENT_W - sum(widths)
    xs = [MARGIN_X + label_w + sum(widths[:i]) for i in range(len(widths))]

    def cells(row: tuple[str, ...], size: float, bold: bool, color: str) -> list[_Cell]:
        return [(row[0], MARGIN_X, label_w - 0.2, size, bold, color, "left"),
                *((row[i], xs[i - 1], widths[i - 1] - 0.05, size, bold, color, "center") for i in figures)]

    blocks = [_heading(section.heading, rtl, f"{tag}-heading")]
    head = _table_row(cells(section.columns, TABLE_HEAD_SIZE, True, SOFT_INK), rtl, tag=f"{tag}-head",
                      rule_color=INK, rule_width=0.8, keep_with_next=True)
    blocks.append(head)
    for row in section.rows:
        blocks.append(replace(_table_row(cells(row, TABLE_SIZE, False, INK), rtl, tag=f"{tag}-row"), repeat=head))
    for note in section.notes:
        blocks += line_blocks(note, x=MARGIN_X, width=CONTENT_W, size=SUMMARY_NOTE_SIZE, rtl=rtl,
                              color=SOFT_INK, tag=f"{tag}-note", space_before=0.2)
    return blocks


# --------------------------------------------------------------------------- pages


def _furniture(data: ReportData, number: int, total: int) -> list[Item]:
    """Footer, page number and (after the cover) the running title of one page."""
    rtl = data.rtl
    items: list[Item] = []
    rule_y = PAGE_H - 0.78
    items.append(RuleItem(MARGIN_X, MARGIN_X + CONTENT_W, rule_y, RULE, 0.5))
    page_number = f"{number} / {total}"
    number_w = width_of(page_number, FOOTER_SIZE) + 0.3
    footer = fit_line(data.footer, CONTENT_W - number_w, FOOTER_SIZE)
    items.append(TextItem(MARGIN_X, rule_y + 0.08, marked(footer, rtl), FOOTER_SIZE, False, "left", FOOTER_INK))
    items.append(TextItem(MARGIN_X + CONTENT_W, rule_y + 0.08, marked(page_number, rtl), FOOTER_SIZE, False,
                          "right", FOOTER_INK))
    if number > 1:
        running = fit_line(data.title, CONTENT_W, RUNNING_SIZE)
        direction = first_strong_rtl(running)
        items.append(TextItem(MARGIN_X, 0.5, marked(running, rtl if direction is None else direction),
                              RUNNING_SIZE, False, "left", FOOTER_INK))
    return items


def layout_report(data: ReportData) -> list[Page]:
    """The pages of the report, planned (items in inches, not yet drawn)."""
    free_texts = _free_texts(data)
    # the charts, then the same by gender, by type of organisation…: one run of charts,
    # its page breaks chosen together so that no page of it is left half empty
    run = _charts(data)
    for section in data.breakdowns:
        blocks = _chart_section(section, data.rtl, "breakdown")
        if blocks and run:
            blocks[0] = replace(blocks[0], space_before=SECTION_GAP)
        run += blocks
    sections = [Section(tuple(_cover(data))), Section(tuple(_summary(data))),
                # before → after under the summary when it fits there
                Section(tuple(_table_section(data.before_after, data.rtl, "before-after")), join=True),
                Section(tuple(balance(run))),
                # the comments start under the last charts when there is room
                Section(tuple(free_texts), flow=bool(run), join_space=SECTION_GAP),
                Section(tuple(_followup(data)), join=bool(free_texts)),
                Section(tuple(_commitments(data)), join=True)]
    pages = paginate(sections, first_top=COVER_TOP)
    for number, page in enumerate(pages, start=1):
        page.items.extend(_furniture(data, number, len(pages)))
    return pages


def render_report(data: ReportData) -> bytes:
    """The report as PDF bytes (A4 portrait, vector, metadata Title and Creator set)."""
    pages = layout_report(data)
    buffer = io.BytesIO()
    metadata = {"Title": " ".join(data.title.split()), "Subject": data.subtitle, "Creator": CREATOR}
    with truetype_fonts(), PdfPages(buffer, metadata=metadata) as pdf:
        for page in pages:
            pdf.savefig(page_figure(page, data.rtl))
    return buffer.getvalue()
