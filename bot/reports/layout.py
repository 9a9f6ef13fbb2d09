"""Pages of the report as data: A4 geometry, placed items, blocks and pagination.

Everything is planned in inches from the top-left corner of the page, in left-to-right
coordinates (as ``bot.charts.draw`` plans a chart); ``canvas.py`` mirrors the items of a
right-to-left document when it draws them. Text is measured and wrapped by
``paragraphs.py`` with the charts' own functions, so what is measured is what is drawn.

A section is a list of ``Block``s, each an unbreakable strip (one line of text, one
table row, one chart) with its items placed relative to the top of the block.
``paginate`` stacks them onto pages: a block that does not fit goes to the next page,
a heading stays with what follows it, and a block that continues a group (the answers
to one question) brings the group's heading back at the top of the new page. Long texts
are split into one block per line, so any amount of text paginates and nothing is cut.

Charts flow, as many on a page as fit, and their page breaks are chosen for the whole
run of charts at once (``balance``): greedily, a tall chart that does not fit in the
rest of a page leaves that page half empty. ``balance`` chooses the breaks so that no
page but the last is less than half filled, drawing the charts of a page a little
smaller (never below ``SHRINK_SCALE``) when that is what it takes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace

from matplotlib.figure import Figure

from bot.charts import draw as chart_draw
from bot.reports.paragraphs import first_strong_rtl, height_of, marked, wrap_lines

PAGE_W = 210 / 25.4  # A4 portrait, inches
PAGE_H = 297 / 25.4
# The text column is exactly as wide as a chart's content, so chart titles, bars and
# rules line up with the headings and tables of the page on both sides.
CONTENT_W = chart_draw.WIDTH - 2 * chart_draw.MARGIN
MARGIN_X = (PAGE_W - CONTENT_W) / 2
TOP = 0.95  # top of the body
BOTTOM = PAGE_H - 1.0  # bottom of the body; the footer is below
SHRINK_SCALE = 0.75  # the charts of a page may be drawn this much smaller to fill pages
HALF_FILLED = 0.5


# --------------------------------------------------------------------------- items


@dataclass(frozen=True)
class TextItem:
    """Text whose top is at *y*; *x* is its left / centre / right end (*ha*)."""

    x: float
    y: float
    text: str  # drawing-ready: one line, or lines joined with "\n", direction marks included
    size: float
    bold: bool = False
    ha: str = "left"
    color: str = chart_draw.INK


@dataclass(frozen=True)
class RectItem:
    x: float
    y: float
    w: float
    h: float
    color: str


@dataclass(frozen=True)
class RuleItem:
    x0: float
    x1: float
    y: float
    color: str = chart_draw.RULE
    width: float = 0.6  # points


@dataclass(frozen=True)
class ChartItem:
    """A chart figure (``bot.charts.build_figure``) drawn at *scale*; *x*, *y*: top-left."""

    figure: Figure = field(compare=False)
    x: float
    y: float
    scale: float = 1.0

    @property
    def width(self) -> float:
        return self.figure.get_figwidth() * self.scale


Item = TextItem | RectItem | RuleItem | ChartItem


def shifted(item: Item, dy: float) -> Item:
    return replace(item, y=item.y + dy)


@dataclass
class Page:
    items: list[Item] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)  # what was placed, in order (tests, logs)
    bottom: float = TOP  # lowest point reached by the body so far
    top: float = TOP  # where the body starts (lower on the cover)

    @property
    def filled(self) -> float:
        """How much of the body is used, 0 to 1."""
        return (self.bottom - self.top) / (BOTTOM - self.top)


@dataclass(frozen=True)
class Block:
    """An unbreakable strip of a section; *items* are placed relative to its top."""

    height: float
    items: tuple[Item, ...]
    tag: str = ""
    space_before: float = 0.0  # dropped at the top of a page
    keep_with_next: bool = False
    repeat: Block | None = None  # drawn first when this block starts a new page
    break_before: bool = False
    # A chart: the same block drawn *factor* times as large (``balance``); *scale*: as drawn now.
    scaled: Callable[[float], Block] | None = field(default=None, compare=False, repr=False)
    scale: float = 1.0


# --------------------------------------------------------------------------- pagination


@dataclass(frozen=True)
class Section:
    """Blocks that start on a new page, or, with *join*, under what precedes them when
    the whole section fits there (a small table after the last comments), or, with
    *flow*, under what precedes them and on to the next pages (a section of charts
    after another)."""

    blocks: tuple[Block, ...]
    join: bool = False
    join_space: float = 0.5
    flow: bool = False


def paginate(sections: Iterable[Section], *, first_top: float = TOP,
             limits: dict[str, int] | None = None) -> list[Page]:
    """Stack each section's blocks onto pages.

    *limits* caps how many blocks of a tag share a page (two charts per page).
    """
    limits = limits or {}
    pages: list[Page] = []
    for section in sections:
        blocks = list(section.blocks)
        if not blocks:
            continue
        whole = sum(b.height + b.space_before for b in blocks[1:]) + blocks[0].height
        empty = True
        if section.join and pages and pages[-1].bottom + section.join_space + whole <= BOTTOM:
            page = pages[-1]
            page.bottom += section.join_space
        elif section.flow and pages:
            page = pages[-1]
            empty = False
            blocks[0] = replace(blocks[0], space_before=section.join_space)
        else:
            top = first_top if not pages else TOP
            page = Page(bottom=top, top=top)
            pages.append(page)
        for index, block in enumerate(blocks):
            need = block.height
            follower = index
            while blocks[follower].keep_with_next and follower + 1 < len(blocks):
                follower += 1
                need += blocks[follower].space_before + blocks[follower].height
            gap = 0.0 if empty else block.space_before
            limited = block.tag in limits and page.tags.count(block.tag) >= limits[block.tag]
            if not empty and (block.break_before or limited or page.bottom + gap + need > BOTTOM + 1e-9):
                page = Page()
                pages.append(page)
                empty, gap = True, 0.0
                if block.repeat is not None:
                    _place(page, block.repeat, page.bottom)
                    gap = block.space_before
            _place(page, block, page.bottom + gap)
            empty = False
    return pages


# --------------------------------------------------------------------------- runs of charts

UNDERFILLED = 1000.0  # the cost of a page less than half filled (not the last)
SHRUNK = 3.0  # the cost of drawing a chart at 0 % of its size (at 90 %: a tenth of that)


def _units(blocks: Sequence[Block]) -> list[list[Block]]:
    """*blocks* cut where a page may break (never after a block kept with the next)."""
    units: list[list[Block]] = []
    for block in blocks:
        if units and units[-1][-1].keep_with_next:
            units[-1].append(block)
        else:
            units.append([block])
    return units


def balance(blocks: Sequence[Block], *, body: float = BOTTOM - TOP) -> list[Block]:
    """Page breaks for a run of charts (and the headings between them), chosen together.

    Each page of the run holds consecutive units (a chart; a heading with its notes and
    first chart); the charts of a page may be drawn smaller, all by the same factor, down
    to ``SHRINK_SCALE``. Of all the ways to cut the run into pages, the cheapest wins:
    a page less than half filled (but the last, which what follows may fill) costs
    ``UNDERFILLED``, each page 1, and each chart drawn smaller ``SHRUNK`` times what it
    lost. The result: *blocks* with ``break_before`` where a page starts and charts
    scaled, for ``paginate`` to place as planned. The run starts on a page of its own.
    """
    units = _units(blocks)
    count = len(units)

    def page(start: int, end: int) -> tuple[float, float]:
        """(cost, factor) of units [start, end) on one page; inf: impossible."""
        fixed = scalable = 0.0
        charts = 0
        for index in range(start, end):
            for position, block in enumerate(units[index]):
                gap = block.space_before if (index > start or position > 0) else 0.0
                fixed += gap
                if block.scaled is not None:
                    scalable += block.height
                    charts += 1
                else:
                    fixed += block.height
        factor = 1.0
        if fixed + scalable > body + 1e-9:
            factor = max((body - fixed) / scalable if scalable else 0.0, 0.0)
            if factor < SHRINK_SCALE and end - start > 1:  # (one unit alone was made to fit a page)
                return float("inf"), factor
        filled = (fixed + scalable * factor) / body
        cost = 1.0 + charts * SHRUNK * (1.0 - factor)
        if filled < HALF_FILLED and end < count:
            cost += UNDERFILLED
        return cost, factor

    best: list[tuple[float, int, float]] = [(0.0, 0, 1.0)] + [(float("inf"), 0, 1.0)] * count
    for end in range(1, count + 1):
        for start in range(end - 1, -1, -1):
            if best[start][0] == float("inf"):
                continue
            cost, factor = page(start, end)
            if cost == float("inf"):
                break  # more units on this page only make it worse
            if best[start][0] + cost < best[end][0]:
                best[end] = (best[start][0] + cost, start, factor)
    cuts: list[tuple[int, int, float]] = []
    end = count
    while end > 0:
        _cost, start, factor = best[end]
        cuts.append((start, end, factor))
        end = start
    out: list[Block] = []
    for start, end, factor in reversed(cuts):
        for index in range(start, end):
            for position, block in enumerate(units[index]):
                if block.scaled is not None and factor < 1.0:
                    block = replace(block.scaled(factor), space_before=block.space_before,
                                    keep_with_next=block.keep_with_next)
                if index == start and position == 0 and start > 0:
                    block = replace(block, break_before=True)
                out.append(block)
    return out


def _place(page: Page, block: Block, y: float) -> None:
    page.items.extend(shifted(item, y) for item in block.items)
    page.tags.append(block.tag)
    page.bottom = y + block.height


# --------------------------------------------------------------------------- lines of text


def line_blocks(text: str, *, x: float, width: float, size: float, rtl: bool, bold: bool = False,
                color: str = chart_draw.INK, tag: str = "", auto_direction: bool = False,
                space_before: float = 0.0, first_extra: Sequence[Item] = (),
                every_extra: Sequence[Item] = ()) -> list[Block]:
    """One block per wrapped line of *text*, starting at *x* (LTR coordinates).

    *rtl* is the direction of the document; with *auto_direction* (participants' own
    words, workshop titles) each paragraph keeps the direction of its first strong
    character, so a French answer in an Arabic report still reads left to right, while
    being aligned like the rest of the document. *first_extra* items (a bullet) go with
    the first line, *every_extra* with each line (a side bar).
    """
    blocks: list[Block] = []
    paragraphs = wrap_lines(text, width, size, bold)
    count = sum(max(len(paragraph), 1) for paragraph in paragraphs)
    # No line alone at the foot or the head of a page: up to 4 lines stay together,
    # a longer text keeps its first two and its last two together.
    if count <= 4:
        kept = set(range(count - 1))
    else:
        kept = {0, count - 2}
    for paragraph in paragraphs:
        direction = first_strong_rtl(" ".join(paragraph)) if auto_direction else None
        paragraph_rtl = rtl if direction is None else direction
        for line in paragraph or [""]:
            height = height_of([line], size, bold)
            items: list[Item] = [TextItem(x, 0.0, marked(line, paragraph_rtl) if line else "",
                                          size, bold, "left", color)]
            items.extend(replace(item, h=height) if isinstance(item, RectItem) else item
                         for item in every_extra)
            if not blocks:
                items.extend(first_extra)
            blocks.append(Block(height, tuple(items), tag, space_before if not blocks else 0.0,
                                keep_with_next=len(blocks) in kept))
    return blocks
