"""PNG charts of questionnaire answers, from plain data (no database, no Telegram).

    from bot.charts import ChartLabels, ChartSpec, Series, render_charts
    pngs = render_charts([ChartSpec(...), ...])

Arabic is shaped and ordered by matplotlib 3.11 itself (libraqm); see ``text.py``.
The fonts (Noto Sans + Noto Sans Arabic, OFL) ship in ``fonts/`` and are registered on
import.
"""

from bot.charts.data import ChartKind, ChartLabels, ChartSpec, Series
from bot.charts.draw import build_figure, render_chart, render_charts

__all__ = ["ChartKind", "ChartLabels", "ChartSpec", "Series", "build_figure", "render_chart", "render_charts"]
