"""The landing page's headline figure: the three themes' emphasis by level of government, with intervals.

In: the ``theme_groups`` table (each level's mean emphasis, and its 95% cluster-bootstrap interval from
resampling documents where the level has at least ``fazhi.compare.MIN_DOCS`` documents) and the
``theme_documents`` table (each document's emphasis). Out: an altair chart, one panel per theme, a row
per level: the level's mean (point), its interval (bar) and its documents (ticks); or, when the tables
cannot give that chart, a sentence saying why.
How: the same rows the key findings rest on (``fazhi.findings.key_findings``), so the figure and the prose
agree; levels with too few documents for an interval are drawn as hollow points with no bar (described,
not compared), and unknown levels apart, never ranked. Theme and level colours and bilingual labels come
from ``display.toml`` (``fazhi.labels``).
"""

from __future__ import annotations

from pathlib import Path

import altair as alt
import polars as pl

from ..schema import levels_present
from ..themes import FOCUS
from . import COLUMN_WIDTH, THEME_COLORS, axis_labels, labels, text_frames

#: What each value of ``theme_groups.interval`` looks like in the figure, with its legend entry.
INTERVAL_LEGEND = {
    "cluster_bootstrap": "mean, 95% interval (documents resampled) 均值与95%区间",
    "descriptive": "mean of too few documents for an interval 文件过少，无区间",
    "not_ranked": "unknown level: not compared 级别未知，不比较",
}
DOCUMENT_LEGEND = "one document 单份文件"
MEASURE_TITLE = "Weighted lexicon hits per 1,000 word tokens 每千词加权命中"
# each kind's legend symbol: shape and fill (a vertical line for a document's tick)
_KINDS = [*INTERVAL_LEGEND.values(), DOCUMENT_LEGEND]
_SHAPES = dict(zip(_KINDS, ["circle", "diamond", "square", "M0,-1L0,1"], strict=True))
_GREY = "#555555"
_FILLS = dict(zip(_KINDS, [_GREY, "white", "white", "transparent"], strict=True))
_AXIS_ROOM = 210  # px left of the panels for the bilingual level labels and the axis title


def _level(col: str) -> pl.Expr:
    """A level column as text, with missing and empty values as ``unknown`` (as ``theme_groups`` has them)."""
    text = pl.col(col).cast(pl.String)
    return pl.when(text.is_null() | (text == "")).then(pl.lit("unknown")).otherwise(text).alias("level")


def headline_problem(
    groups: pl.DataFrame, theme_docs: pl.DataFrame, *, themes: tuple[str, ...] = FOCUS
) -> str | None:
    """Why ``emphasis_headline`` cannot draw a chart from these tables, as a sentence; ``None`` if it can."""
    rows = _level_groups(groups, themes)
    if rows.is_empty() or rows["value"].is_null().all():
        return (
            "No document of this corpus could be scored on "
            + ", ".join(labels("theme").get(t, t) for t in themes)
            + ", so there is no headline figure: see the corpus page for what was read and rejected."
        )
    if theme_docs.is_empty():
        return "The per-document theme table is empty, so there is no headline figure."
    return None


def _level_groups(groups: pl.DataFrame, themes: tuple[str, ...]) -> pl.DataFrame:
    """The ``theme_groups`` rows of levels compared over all documents, for ``themes``."""
    return groups.filter(
        pl.col("covariate") == "level", pl.col("stratum").is_null(), pl.col("theme").is_in(list(themes))
    )


@text_frames
def emphasis_headline(
    groups: pl.DataFrame, theme_docs: pl.DataFrame, *, themes: tuple[str, ...] = FOCUS
) -> alt.FacetChart:
    """One panel per theme (those of ``themes`` the tables hold), one row per level of government.

    Parameters
    ----------
    groups
        The ``theme_groups`` table; its level rows over all documents are drawn.
    theme_docs
        The ``theme_documents`` table; each document's ``emphasis`` is drawn as a tick.
    themes
        The themes, in panel order; a theme without rows is left out and named in the chart's subtitle.

    Raises
    ------
    ValueError
        When no panel can be drawn (``headline_problem`` says why).
    """
    problem = headline_problem(groups, theme_docs, themes=themes)
    if problem:
        raise ValueError(problem)
    theme_names = labels("theme")
    rows = _level_groups(groups, themes).filter(pl.col("value").is_not_null())
    shown = [t for t in themes if t in set(rows["theme"].to_list())]
    missing = [t for t in themes if t not in shown]
    points = rows.select(
        pl.col("group").alias("level"),
        "theme",
        "value",
        "ci_low",
        "ci_high",
        "n_docs",
        "n_present",
        pl.col("interval").replace_strict(INTERVAL_LEGEND, default=pl.col("interval")).alias("kind"),
        pl.lit(None, dtype=pl.String).alias("document"),
    )
    docs = theme_docs.filter(pl.col("theme").is_in(shown)).select(
        _level("level"),
        "theme",
        pl.col("emphasis").cast(pl.Float64).alias("value"),
        pl.lit(None, dtype=pl.Float64).alias("ci_low"),
        pl.lit(None, dtype=pl.Float64).alias("ci_high"),
        pl.lit(None, dtype=pl.Int32).alias("n_docs"),
        pl.lit(None, dtype=pl.Int32).alias("n_present"),
        pl.lit(DOCUMENT_LEGEND).alias("kind"),
        (pl.col("label") if "label" in theme_docs.columns else pl.col("doc_id"))
        .cast(pl.String)
        .alias("document"),
    )
    data = (
        pl.concat([points, docs], how="vertical_relaxed")
        .with_columns(theme_label=pl.col("theme").replace_strict(theme_names, default=pl.col("theme")))
        .sort("theme", "level", "kind", "document", "value", nulls_last=True)
    )
    levels = levels_present(data["level"])
    kinds = [k for k in [*INTERVAL_LEGEND.values(), DOCUMENT_LEGEND] if k in set(data["kind"].to_list())]
    legend = alt.Legend(orient="bottom", direction="vertical", columns=1, labelLimit=420)
    # one legend of what each mark is: shape and fill share the field and title, so Vega-Lite merges them
    shape = alt.Shape(
        "kind:N",
        title=None,
        sort=kinds,
        scale=alt.Scale(domain=kinds, range=[_SHAPES[k] for k in kinds]),
        legend=legend,
    )
    # documents' ticks are grey, and that stroke outlines every legend symbol
    stroke = alt.Stroke(
        "kind:N",
        title=None,
        sort=kinds,
        scale=alt.Scale(domain=kinds, range=[_GREY] * len(kinds)),
        legend=legend,
    )
    fill = alt.Fill(
        "kind:N",
        title=None,
        sort=kinds,
        scale=alt.Scale(domain=kinds, range=[_FILLS[k] for k in kinds]),
        legend=legend,
    )
    color = alt.Color(
        "theme_label:N",
        sort=[theme_names.get(t, t) for t in shown],
        scale=alt.Scale(
            domain=[theme_names.get(t, t) for t in shown],
            range=[THEME_COLORS.get(t, "#7f7f7f") for t in shown],
        ),
        legend=None,
    )
    y = alt.Y("level:N", title=None, sort=levels, axis=axis_labels("level"))
    x = alt.X("value:Q", title=None)  # the measure is named in the subtitle: one title, not one a panel
    base = alt.Chart().encode(y=y, color=color)
    ticks = (
        base.transform_filter(alt.datum.kind == DOCUMENT_LEGEND)
        .mark_tick(thickness=1.5, size=14, opacity=0.55)
        .encode(
            x=x,
            stroke=stroke,
            color=alt.value(_GREY),
            tooltip=[alt.Tooltip("document:N", title="document"), alt.Tooltip("value:Q", format=".3g")],
        )
    )
    bars = (
        base.transform_filter("isValid(datum.ci_low)")
        .mark_rule(strokeWidth=2.5)
        .encode(x=alt.X("ci_low:Q", title=None), x2="ci_high:Q")
    )
    tooltip = [
        alt.Tooltip("level:N"),
        alt.Tooltip("theme_label:N", title="theme"),
        alt.Tooltip("value:Q", title="mean", format=".3g"),
        alt.Tooltip("ci_low:Q", format=".3g"),
        alt.Tooltip("ci_high:Q", format=".3g"),
        alt.Tooltip("n_docs:Q", title="documents"),
        alt.Tooltip("n_present:Q", title="theme present in"),
    ]
    # a mean with an interval is a filled point; one without (too few documents, unknown level) is hollow
    with_ci = alt.datum.kind == INTERVAL_LEGEND["cluster_bootstrap"]
    filled = base.transform_filter(with_ci).mark_point(size=80, filled=True, opacity=1)
    hollow = base.transform_filter(
        (alt.datum.kind != DOCUMENT_LEGEND) & (alt.datum.kind != INTERVAL_LEGEND["cluster_bootstrap"])
    ).mark_point(size=80, filled=False, strokeWidth=2, opacity=1)
    means = [
        filled.encode(x=x, shape=shape, tooltip=tooltip),
        hollow.encode(x=x, shape=shape, fill=fill, tooltip=tooltip),
    ]
    width = max(120, (COLUMN_WIDTH - _AXIS_ROOM) // max(len(shown), 1) - 20)
    subtitle = [MEASURE_TITLE + " (0 where a theme is not present in a document)"]
    if missing:
        subtitle.append(
            "Not in this corpus's tables: " + ", ".join(theme_names.get(t, t) for t in missing) + "."
        )
    return (
        alt.layer(ticks, bars, *means, data=data)
        .properties(width=width, height=alt.Step(28))
        .facet(column=alt.Column("theme_label:N", title=None, sort=[theme_names.get(t, t) for t in shown]))
        .properties(
            title=alt.Title(
                "Emphasis on each theme by level of government 各级政府对三个主题的重视程度",
                subtitle=subtitle,
            )
        )
    )


def headline_figure(folder: Path | None = None, *, themes: tuple[str, ...] = FOCUS) -> object:
    """The landing page's headline figure from the build's tables in ``folder``: the chart of
    ``emphasis_headline``, or, when the tables cannot give one, a Markdown sentence saying why.

    Tables are read through the stale-results guard (``fazhi.tables.read_table``); a stale table raises.
    """
    from IPython.display import Markdown

    from ..tables import read_table

    try:
        groups = read_table("theme_groups", folder)
        theme_docs = read_table("theme_documents", folder)
    except FileNotFoundError:
        return Markdown(
            "The theme tables have not been built (`fazhi build`), so there is no headline figure."
        )
    problem = headline_problem(groups, theme_docs, themes=themes)
    if problem:
        return Markdown(problem)
    return emphasis_headline(groups, theme_docs, themes=themes)
