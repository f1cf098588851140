"""Charts: the shared altair theme and one module of chart builders per stage.

In: tidy polars tables from the stages. Out: ``altair.Chart`` objects, styled by the project theme
(CJK fonts with sensible fallbacks, so Chinese labels render), ready for a notebook cell to display.

``fazhi.charts.corpus``, ``fazhi.charts.segment``, ... hold the builders of each stage's notebook.
"""

from __future__ import annotations

import altair as alt

# Fonts that carry Chinese glyphs, most specific first; the browser takes the first one it has.
CJK_FONTS = (
    '"Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "PingFang SC", '
    '"Hiragino Sans GB", "Microsoft YaHei", "WenQuanYi Micro Hei", sans-serif'
)

THEME_NAME = "fazhi"


@alt.theme.register(THEME_NAME, enable=True)
def theme() -> alt.theme.ThemeConfig:
    """The project theme: CJK-capable fonts everywhere, readable sizes, no chart border."""
    return {
        "config": {
            "font": CJK_FONTS,
            "title": {"font": CJK_FONTS, "fontSize": 14, "anchor": "start"},
            "axis": {"labelFont": CJK_FONTS, "titleFont": CJK_FONTS, "labelFontSize": 11},
            "legend": {"labelFont": CJK_FONTS, "titleFont": CJK_FONTS},
            "header": {"labelFont": CJK_FONTS, "titleFont": CJK_FONTS},
            "mark": {"font": CJK_FONTS},
            "text": {"font": CJK_FONTS},
            "view": {"stroke": None},
        }
    }
