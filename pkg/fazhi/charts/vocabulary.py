"""Charts of the vocabulary notebook: top terms by level, keyness by level, slogans by level.

In: the ``tokens``, ``documents``, ``keyness`` and ``slogans`` tables. Out: altair charts (aggregated
before charting: a few hundred rows at most).
"""

from __future__ import annotations

import altair as alt
import polars as pl

from ..schema import levels_present
from . import color, label, text_frames

LEVEL_TITLE = "Level of government"


def _bars_by_level(
    data: pl.DataFrame, title: str, x: alt.X, y: str, color: alt.Color, tooltip: list
) -> alt.FacetChart:
    """Horizontal bars of ``y`` by ``x``, one panel per level of government (each with its own terms)."""
    # the panels are headed by the levels' bilingual labels, computed here (a header's labelExpr is not
    # applied to facet headers by every Vega-Lite version)
    data = data.with_columns(
        level_label=pl.col("level").map_elements(lambda v: label("level", v), return_dtype=pl.String)
    )
    return (
        alt.Chart(data, title=title)
        .mark_bar()
        .encode(
            x=x,
            y=alt.Y(f"{y}:N", title="", sort="-x", axis=alt.Axis(labelLimit=140)),
            color=color,
            tooltip=tooltip,
        )
        .properties(width=150, height=alt.Step(14))
        .facet(
            facet=alt.Facet(
                "level_label:N", title="", sort=[label("level", v) for v in levels_present(data["level"])]
            ),
            columns=2,
        )
        .resolve_scale(y="independent")
    )


@text_frames
def top_terms(tokens: pl.DataFrame, documents: pl.DataFrame, n: int = 12) -> alt.FacetChart:
    """Bars: the ``n`` most frequent kept terms of each level, per 1,000 kept tokens."""
    toks = tokens.filter("keep").join(documents.select("doc_id", "level"), on="doc_id")
    counts = toks.group_by("level", "token").agg(count=pl.len())
    totals = toks.group_by("level").agg(total=pl.len())
    data = (
        counts.join(totals, on="level")
        .with_columns(per_1k=1000 * pl.col("count") / pl.col("total"))
        .sort(["level", "count", "token"], descending=[False, True, False])
        .group_by("level", maintain_order=True)
        .head(n)
    )
    return _bars_by_level(
        data,
        f"Most frequent terms by level (top {n}, per 1,000 kept tokens)",
        x=alt.X("per_1k:Q", title="Per 1,000 kept tokens"),
        y="token",
        color=color("level", "level:N", levels_present(data["level"]), title=LEVEL_TITLE, legend=False),
        tooltip=["level", "token", "count", alt.Tooltip("per_1k:Q", format=".1f")],
    )


@text_frames
def keyness_bars(keyness: pl.DataFrame, n: int = 10) -> alt.FacetChart:
    """Bars: the ``n`` most key terms (largest signed G²) of each level against the rest."""
    data = keyness.filter(pl.col("rank") <= n).select(
        "level", "token", "g2", "log_ratio", "n_target", "n_reference", "p_g2"
    )
    return _bars_by_level(
        data,
        f"Keyness: each level against all others (top {n} by G²)",
        x=alt.X("g2:Q", title="Signed G² (log-likelihood)"),
        y="token",
        color=alt.Color("log_ratio:Q", title="Log ratio", scale=alt.Scale(scheme="blues")),
        tooltip=[
            "level",
            "token",
            "n_target",
            "n_reference",
            alt.Tooltip("g2:Q", format=".1f"),
            alt.Tooltip("log_ratio:Q", format=".2f"),
            alt.Tooltip("p_g2:Q", format=".3g"),
        ],
    )


@text_frames
def slogans_by_level(slogans: pl.DataFrame, n: int = 10) -> alt.FacetChart:
    """Bars: the ``n`` most frequent quoted slogans of each level."""
    data = (
        slogans.sort(["level", "count", "slogan"], descending=[False, True, False])
        .group_by("level", maintain_order=True)
        .head(n)
    )
    return _bars_by_level(
        data,
        f"Quoted slogans (“…”) by level (top {n})",
        x=alt.X("count:Q", title="Occurrences", axis=alt.Axis(tickMinStep=1)),
        y="slogan",
        color=color("level", "level:N", levels_present(data["level"]), title=LEVEL_TITLE, legend=False),
        tooltip=["level", "slogan", "count", "n_docs"],
    )
