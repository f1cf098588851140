"""The labelled heatmap: one coloured cell per pair of categories, with its value written in the cell.

In: a tidy polars table with one row per cell, and the encodings of the cells (x and y categories, the
colour, the tooltip, the text). Out: an ``altair.LayerChart`` (cells + text) for a builder of
``fazhi.charts.themes`` (documents × themes, the validation's confusion matrix) or ``fazhi.charts.topics``
(LDA against NMF, topics against themes) to size and title.
How: one base chart carries the x/y encodings (and the title, when given there); a ``mark_rect`` layer is
coloured, a ``mark_text`` layer writes the text, optionally in a colour that depends on the value so that
it stays readable on dark cells.
"""

from __future__ import annotations

from typing import Any

import altair as alt
import polars as pl


def labelled_heatmap(
    data: pl.DataFrame,
    *,
    x: alt.X,
    y: alt.Y,
    color: alt.Color,
    tooltip: list[Any],
    text: alt.Text | str,
    text_color: Any = None,
    text_mark: dict[str, Any] | None = None,
    title: str | None = None,
) -> alt.LayerChart:
    """Cells coloured by ``color`` with ``text`` written in each; size and title are the caller's.

    Parameters
    ----------
    data
        One row per cell.
    x, y
        The categories of the columns and rows (their sort order and axes included).
    color, tooltip
        The cells' colour and tooltip.
    text
        What each cell shows (``alt.Text`` with a format, or a field such as ``"n:Q"``).
    text_color
        The text's colour encoding (e.g. an ``alt.condition`` on the value); None: the mark's own.
    text_mark
        Options of the text mark (``fontSize``, a fixed ``color``); ``fontSize=10`` by default.
    title
        A title on the base chart (each layer shows it once); None: none, the caller may set one.
    """
    base = (alt.Chart(data, title=title) if title is not None else alt.Chart(data)).encode(x=x, y=y)
    rect = base.mark_rect().encode(color=color, tooltip=tooltip)
    words = {"text": text} if text_color is None else {"text": text, "color": text_color}
    marks = text_mark if text_mark is not None else {"fontSize": 10}
    return rect + base.mark_text(**marks).encode(**words)


__all__ = ["labelled_heatmap"]
