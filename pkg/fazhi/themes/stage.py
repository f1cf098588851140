"""The themes stage of ``fazhi build``.

In: a build context (``fazhi.pipeline.BuildContext``) with the ``documents``, ``sections`` and ``tokens``
tables (``sentences`` optional) and the build settings.
Out: the eleven ``theme_*`` tables (see ``fazhi.themes``), every one stamped with the lexicon version
and hash.
How: the settings are read in one place, ``_stage_options``; then hits, section statistics, scores with
intervals, validation, per-document presence, group comparisons, sensitivity and expansion candidates
are computed in turn from the package's lexicons. The tokens are read through ``ctx.scan`` (from the
build's staging folder): hits, section statistics and expansion candidates shard by shard of documents.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import polars as pl

from ..tokenizer import document_slices
from .expansion import expansion_candidates
from .lexicon import default_lexicons
from .matching import SLICE_ROWS, find_hits
from .scores import (
    DocStats,
    group_tables,
    scores_and_contrasts,
    section_stats,
    section_table,
    theme_documents,
)
from .validation import sensitivity_table, validation_tables

if TYPE_CHECKING:
    from ..pipeline import BuildContext
    from ..settings import ThemeSettings


def _stage_options(ctx: BuildContext) -> ThemeSettings:
    """The stage's options from the build settings (``BuildSettings.themes``): the one place that reads
    ``ctx.settings``."""
    return ctx.settings.themes


def section_stats_by_shard(
    sections: pl.DataFrame,
    documents: pl.DataFrame,
    tokens: pl.DataFrame | pl.LazyFrame,
    hits: pl.DataFrame,
    themes: Sequence[str],
    *,
    rows: int = SLICE_ROWS,
) -> list[DocStats]:
    """``section_stats`` computed shard by shard of documents (``fazhi.tokenizer.document_slices`` of the
    tokens), then the documents without a token: the same list, since a document's statistics depend on
    its own sections, tokens and hits alone, in ``doc_id`` order; the token counts are never grouped for
    the whole corpus at once."""
    out: list[DocStats] = []
    seen: list[pl.Series] = []
    for part in document_slices(tokens, rows, columns=["section_id", "token", "keep"]):
        ids = part["doc_id"].unique().implode()
        seen.append(part["doc_id"].unique())
        out += section_stats(
            sections.filter(pl.col("doc_id").is_in(ids)),
            documents.filter(pl.col("doc_id").is_in(ids)),
            part,
            hits.filter(pl.col("doc_id").is_in(ids)),
            themes,
        )
    done = pl.concat(seen).implode() if seen else pl.Series("doc_id", [], pl.String).implode()
    rest = sections.filter(~pl.col("doc_id").is_in(done))
    if rest.height:  # sections of documents without tokens: their counts are zero
        ids = rest["doc_id"].unique().implode()
        empty = pl.DataFrame(
            schema={"doc_id": pl.String, "section_id": pl.Int32, "token": pl.String, "keep": pl.Boolean}
        )
        out += section_stats(
            rest,
            documents.filter(pl.col("doc_id").is_in(ids)),
            empty,
            hits.filter(pl.col("doc_id").is_in(ids)),
            themes,
        )
    return sorted(out, key=lambda d: d.doc_id)


def build_stage(ctx: BuildContext) -> dict[str, pl.DataFrame]:
    """The themes stage of ``fazhi build``: hits, section scores, scores with intervals, validation,
    sensitivity and expansion candidates, from ``documents``, ``sections`` and ``tokens``."""
    opts = _stage_options(ctx)
    lexicons = default_lexicons()
    docs, sections, tokens = ctx.tables["documents"], ctx.tables["sections"], ctx.scan("tokens")
    ctx.log(
        f"themes: matching {len(lexicons.terms)} terms of {len(lexicons.lexicons)} lexicons"
        f" ({lexicons.version})"
    )
    hits = find_hits(tokens, docs, lexicons)
    # each step reads only the columns of the tokens it uses; hits, section statistics and expansion
    # candidates shard by shard of documents
    stats = section_stats_by_shard(sections, docs, tokens, hits, lexicons.themes)
    scores, contrasts = scores_and_contrasts(stats, lexicons.themes, lexicons, opts.n_boot, opts.seed)
    validation, confusion, _ = validation_tables(sections, docs, hits, lexicons)
    sections_table = section_table(stats, sections, lexicons.themes, lexicons)
    per_doc = theme_documents(sections_table, docs, lexicons)
    groups, group_contrasts = group_tables(
        per_doc, lexicons, min_docs=opts.compare_min_docs, n_boot=opts.n_boot, seed=opts.seed
    )
    return {
        "theme_hits": hits,
        "theme_sections": sections_table,
        "theme_documents": per_doc,
        "theme_groups": groups,
        "theme_group_contrasts": group_contrasts,
        "theme_scores": scores,
        "theme_contrasts": contrasts,
        "theme_validation": validation,
        "theme_confusion": confusion,
        "theme_sensitivity": sensitivity_table(hits, stats, sections, docs, lexicons),
        "theme_expansion": expansion_candidates(
            tokens,
            hits,
            lexicons,
            sentences=ctx.tables.get("sentences"),
        ),
    }
