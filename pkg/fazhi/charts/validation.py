"""Charts of the validation notebook: theme prevalence corrected for the measure's errors.

In: the frame of ``fazhi.validation.corrected_prevalence``. Out: an altair chart (one row per group and
theme: the uncorrected share as a hollow point, the corrected share as a filled point with its interval).
"""

from __future__ import annotations

import altair as alt
import polars as pl

from . import text_frames
from .themes import THEME_LABELS


@text_frames
def corrected_vs_uncorrected(table: pl.DataFrame) -> alt.Chart:
    """Per theme (columns) and group (rows): uncorrected share (hollow) beside the corrected share with
    its interval (filled, with a rule); groups without a correction show the uncorrected point only."""
    data = table.with_columns(
        theme_label=pl.col("theme").replace_strict(THEME_LABELS, default=pl.col("theme")),
    ).select("group", "theme_label", "units", "coded", "uncorrected", "corrected", "lo", "hi")
    groups = data["group"].unique(maintain_order=True).to_list()
    base = alt.Chart(data).encode(y=alt.Y("group:N", title=None, sort=groups))
    tip = [
        "group",
        "theme_label",
        "units",
        "coded",
        alt.Tooltip("uncorrected:Q", format=".3f"),
        alt.Tooltip("corrected:Q", format=".3f"),
        alt.Tooltip("lo:Q", format=".3f"),
        alt.Tooltip("hi:Q", format=".3f"),
    ]
    rule = base.mark_rule(color="#1f5f8b").encode(x=alt.X("lo:Q", title="Share of paragraphs"), x2="hi:Q")
    corrected = base.mark_point(filled=True, size=60, color="#1f5f8b").encode(x="corrected:Q", tooltip=tip)
    raw = base.mark_point(filled=False, size=60, color="#c0392b").encode(x="uncorrected:Q", tooltip=tip)
    return (
        alt.layer(rule, corrected, raw, data=data)
        .properties(width=160, height=alt.Step(22))
        .facet(column=alt.Column("theme_label:N", title=None))
        .properties(title="Corrected (blue, with 95% interval) against uncorrected (red, hollow)")
    )
