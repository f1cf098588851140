"""The frames of the theme score tables: rows of estimates made into typed, ordered polars tables.

In: row tuples from ``fazhi.themes.scores`` (document and level scores, level contrasts, section rows)
and the orders they are sorted by (themes, levels, measures).
Out: the ``theme_scores``, ``theme_contrasts`` and ``theme_sections`` frames, before the lexicon stamp.
How: NaN estimates become nulls; rows are sorted by scope, level (vocabulary order), document, theme
(Outline order) and measure, so the same estimates always give the same bytes.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from ..schema import in_order

SCORE_COLUMNS = {
    "scope": pl.String,
    "doc_id": pl.String,
    "level": pl.String,
    "theme": pl.String,
    "measure": pl.String,
    "value": pl.Float64,
    "ci_low": pl.Float64,
    "ci_high": pl.Float64,
    "hits": pl.Int64,
    "n_docs": pl.Int32,
    "n_sections": pl.Int32,
}

CONTRAST_COLUMNS = {
    "theme": pl.String,
    "measure": pl.String,
    "level_a": pl.String,
    "level_b": pl.String,
    "diff": pl.Float64,
    "ci_low": pl.Float64,
    "ci_high": pl.Float64,
    "n_docs_a": pl.Int32,
    "n_docs_b": pl.Int32,
}

SECTION_COLUMNS = {
    "doc_id": pl.String,
    "section_id": pl.Int32,
    "theme": pl.String,
    "hits": pl.Int64,
    "weighted_hits": pl.Float64,
    "word_tokens": pl.Int64,
    "per_1k_tokens": pl.Float64,
    "classified": pl.Boolean,
    "n_chars": pl.Int64,
    "rel_position": pl.Float64,
}


def scores_frame(
    rows: list[tuple], *, themes: Sequence[str], levels: Sequence[str], measures: Sequence[str], n_boot: int
) -> pl.DataFrame:
    """The ``theme_scores`` frame from (scope, doc_id, level, theme, measure, value, ci_low, ci_high, hits,
    n_docs, n_sections) rows: documents first, then levels."""
    scores = pl.DataFrame(rows, schema=SCORE_COLUMNS, orient="row").with_columns(
        pl.col("value", "ci_low", "ci_high").fill_nan(None), n_boot=pl.lit(n_boot, pl.Int32)
    )
    return scores.sort(
        in_order("scope", ("document", "level")),
        in_order("level", levels),
        "doc_id",
        in_order("theme", themes),
        in_order("measure", measures),
        nulls_last=True,
    )


def contrasts_frame(
    rows: list[tuple], *, themes: Sequence[str], levels: Sequence[str], measures: Sequence[str]
) -> pl.DataFrame:
    """The ``theme_contrasts`` frame from (theme, measure, level_a, level_b, diff, ci_low, ci_high, n_docs_a,
    n_docs_b) rows, with ``excludes_zero``."""
    contrasts = pl.DataFrame(rows, schema=CONTRAST_COLUMNS, orient="row").with_columns(
        pl.col("diff", "ci_low", "ci_high").fill_nan(None)
    )
    contrasts = contrasts.with_columns(
        excludes_zero=((pl.col("ci_low") > 0) | (pl.col("ci_high") < 0)).fill_null(False)
    ).select(
        "theme",
        "measure",
        "level_a",
        "level_b",
        "diff",
        "ci_low",
        "ci_high",
        "excludes_zero",
        "n_docs_a",
        "n_docs_b",
    )
    return contrasts.sort(
        in_order("theme", themes),
        in_order("measure", measures),
        in_order("level_a", levels),
        in_order("level_b", levels),
    )


def sections_frame(rows: list[tuple], sections: pl.DataFrame) -> pl.DataFrame:
    """The ``theme_sections`` frame from rows in ``SECTION_COLUMNS`` order, with each section's Outline label
    (``sections.system``; null when the sections table has none)."""
    df = pl.DataFrame(rows, schema=SECTION_COLUMNS, orient="row")
    key = ("doc_id", pl.col("section_id").cast(pl.Int32))
    if "system" in sections.columns:
        labels = sections.select(*key, pl.col("system").cast(pl.String))
    else:
        labels = sections.select(*key, system=pl.lit(None, pl.String))
    return df.join(labels, on=["doc_id", "section_id"], how="left").select(
        "doc_id",
        "section_id",
        "theme",
        "system",
        "hits",
        "weighted_hits",
        "word_tokens",
        "per_1k_tokens",
        "classified",
        "n_chars",
        "rel_position",
    )
