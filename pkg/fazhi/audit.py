"""Lexicon audit: every term of every lexicon, its hits per document and its keyword-in-context lines.

In: the ``theme_hits`` and ``documents`` tables and the lexicons (``fazhi.themes.default_lexicons``).
Out: ``term_table`` (one row per term: weight, gloss, hits, documents), ``term_documents`` (one row per
term × document with hits) and ``term_kwic`` (up to ``per_term`` context lines per term, one per document
first, so that a term used in a sense outside its theme shows up by reading). Documents are named by
``fazhi.labels.doc_labels``.
How: counts of ``theme_hits`` grouped by term and document; contexts from ``fazhi.themes.kwic``.
Deterministic: rows are sorted by theme order, term, label and offset.
"""

from __future__ import annotations

import polars as pl

from .labels import doc_labels
from .schema import in_order
from .themes import LexiconSet, default_lexicons, kwic


def term_table(hits: pl.DataFrame, lexicons: LexiconSet | None = None) -> pl.DataFrame:
    """One row per lexicon term (terms without hits included): theme, term, weight, gloss, hits, documents."""
    lexicons = lexicons or default_lexicons()
    terms = pl.DataFrame(
        [(t.theme, t.term, t.weight, t.gloss) for t in lexicons.terms],
        schema={"theme": pl.String, "term": pl.String, "weight": pl.Float64, "gloss": pl.String},
        orient="row",
    )
    counts = hits.group_by("theme", "term").agg(
        hits=pl.len().cast(pl.Int64), documents=pl.col("doc_id").n_unique().cast(pl.Int64)
    )
    return (
        terms.join(counts, on=["theme", "term"], how="left")
        .with_columns(pl.col("hits", "documents").fill_null(0))
        .sort(in_order("theme", lexicons.themes), "hits", "term", descending=[False, True, False])
    )


def term_documents(hits: pl.DataFrame, documents: pl.DataFrame) -> pl.DataFrame:
    """One row per term × document with at least one hit: theme, term, document label, level, hits."""
    labels = doc_labels(documents).join(documents.select("doc_id", "level"), on="doc_id")
    return (
        hits.group_by("theme", "term", "doc_id")
        .agg(hits=pl.len().cast(pl.Int64))
        .join(labels, on="doc_id", how="left")
        .sort("theme", "term", "hits", "label", descending=[False, False, True, False])
        .select("theme", "term", "label", "level", "hits")
    )


def term_kwic(
    hits: pl.DataFrame, documents: pl.DataFrame, *, per_term: int = 5, width: int = 16
) -> pl.DataFrame:
    """Up to ``per_term`` keyword-in-context lines per term, first the first hit in each document."""
    if hits.is_empty():
        return pl.DataFrame(
            schema={
                "theme": pl.String,
                "term": pl.String,
                "label": pl.String,
                "left": pl.String,
                "match": pl.String,
                "right": pl.String,
            }
        )
    ranked = hits.sort("theme", "term", "doc_id", "start").with_columns(
        nth=pl.int_range(pl.len()).over("theme", "term", "doc_id")
    )
    chosen = (
        ranked.sort("theme", "term", "nth", "doc_id", "start")
        .group_by("theme", "term", maintain_order=True)
        .head(per_term)
    )
    lines = kwic(chosen, documents, width=width)
    return (
        lines.join(doc_labels(documents), on="doc_id", how="left")
        .sort("theme", "term", "label", "start")
        .select("theme", "term", "label", "left", "match", "right")
    )


__all__ = ["term_documents", "term_kwic", "term_table"]
