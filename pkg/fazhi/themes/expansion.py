"""Lexicon expansion candidates: content tokens associated with a theme's hits, ranked for review.

In: the ``tokens`` and ``theme_hits`` tables, a ``LexiconSet`` and optionally the ``sentences`` table.
Out: the ``theme_expansion`` table: per theme, candidate tokens ranked by normalised PMI, with an
example sentence. Nothing is ever added to a lexicon: the table is for a researcher to read.
How: a sentence holds a theme when a hit of the theme starts in it; candidates are ``keep`` tokens that
are neither inside a hit nor a lexicon term; their co-occurrence with each theme's sentences gives PMI
and NPMI; candidates co-occurring in fewer than ``min_cooc`` sentences are left out.
"""

from __future__ import annotations

import polars as pl

from ..phrases import norm
from ..schema import in_order
from .lexicon import LexiconSet, stamp


def _candidates(tokens: pl.DataFrame, hits: pl.DataFrame, lexicons: LexiconSet) -> pl.DataFrame:
    """(doc_id, sentence_id, token) of every content token outside hits that is not a lexicon term, once per
    sentence."""
    terms = {t.key for t in lexicons.terms}
    inside = (
        hits.select("doc_id", "token_id", "n_tokens")
        .with_columns(token_id=pl.int_ranges(pl.col("token_id"), pl.col("token_id") + pl.col("n_tokens")))
        .explode("token_id")
        .select("doc_id", pl.col("token_id").cast(pl.Int32))
        .unique()
    )
    return (
        tokens.filter(pl.col("keep"))
        .select("doc_id", pl.col("sentence_id").cast(pl.Int32), pl.col("token_id").cast(pl.Int32), "token")
        .join(inside.with_columns(_in=pl.lit(True)), on=["doc_id", "token_id"], how="left")
        .filter(pl.col("_in").is_null())
        .filter(~pl.col("token").map_elements(norm, return_dtype=pl.String).is_in(list(terms)))
        .select("doc_id", "sentence_id", "token")
        .unique()
    )


def _association(cand: pl.DataFrame, theme_sent: pl.DataFrame, *, n_sent: int, min_cooc: int) -> pl.DataFrame:
    """Per (theme, token): co-occurring sentences, the token's sentences, PMI, NPMI and the first example
    sentence (``ex_doc``, ``ex_sent``)."""
    freq = cand.group_by("token").agg(freq=pl.len().cast(pl.Int64))
    joined = cand.join(theme_sent, on=["doc_id", "sentence_id"])
    co = joined.group_by("theme", "token").agg(
        cooc=pl.len().cast(pl.Int64),
        doc_id=pl.col("doc_id").min(),
        sentence_id=pl.col("sentence_id").sort_by("doc_id", "sentence_id").first(),
    )
    first = (
        joined.sort("doc_id", "sentence_id")
        .group_by("theme", "token", maintain_order=True)
        .first()
        .select("theme", "token", ex_doc="doc_id", ex_sent="sentence_id")
    )
    co = co.join(co.select("theme", "token").join(first, on=["theme", "token"]), on=["theme", "token"])
    tfreq = theme_sent.group_by("theme").agg(n_t=pl.len())
    return (
        co.join(freq, on="token")
        .join(tfreq, on="theme")
        .filter(pl.col("cooc") >= min_cooc)
        .with_columns(
            pmi=((pl.col("cooc") * n_sent) / (pl.col("freq") * pl.col("n_t"))).log(2),
            _pj=(pl.col("cooc") / n_sent).log(2),
        )
        .with_columns(npmi=pl.when(pl.col("_pj") < 0).then(pl.col("pmi") / -pl.col("_pj")).otherwise(1.0))
    )


def expansion_candidates(
    tokens: pl.DataFrame,
    hits: pl.DataFrame,
    lexicons: LexiconSet,
    *,
    top: int = 25,
    min_cooc: int = 3,
    sentences: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Candidate terms for each theme, by their association with the theme's hits across sentences.

    A sentence "holds the theme" when a hit of the theme starts in it. Candidates are content tokens
    (``keep``) that are not themselves part of a hit nor a lexicon term. They are ranked by normalised
    PMI among those co-occurring in at least ``min_cooc`` sentences. The table is for a researcher to
    read; nothing is added to any lexicon.

    Parameters
    ----------
    tokens, hits
        The tokens and theme_hits tables.
    lexicons
        The lexicons (for their terms, excluded as candidates).
    top
        Candidates kept per theme.
    min_cooc
        Minimum number of co-occurring sentences.
    sentences
        The sentences table, for an example sentence (optional).
    """
    cand = _candidates(tokens, hits, lexicons)
    n_sent = tokens.select("doc_id", "sentence_id").unique().height
    theme_sent = hits.select("doc_id", pl.col("sentence_id").cast(pl.Int32), "theme").unique()
    df = _association(cand, theme_sent, n_sent=n_sent, min_cooc=min_cooc)
    if sentences is not None and df.height:
        sent = sentences.select(ex_doc="doc_id", ex_sent=pl.col("sentence_id").cast(pl.Int32), example="text")
        df = df.join(sent, on=["ex_doc", "ex_sent"], how="left")
    else:
        df = df.with_columns(example=pl.lit(None, pl.String))
    df = (
        df.sort(["theme", "npmi", "cooc", "token"], descending=[False, True, True, False])
        .with_columns(rank=pl.int_range(1, pl.len() + 1).over("theme").cast(pl.Int32))
        .filter(pl.col("rank") <= top)
        .sort(in_order("theme", lexicons.themes), "rank")
        .select(
            "theme",
            "rank",
            candidate="token",
            cooc="cooc",
            freq="freq",
            pmi="pmi",
            npmi="npmi",
            example="example",
        )
    )
    df = df.cast(
        {"cooc": pl.Int64, "freq": pl.Int64, "pmi": pl.Float64, "npmi": pl.Float64, "example": pl.String}
    )
    return stamp(df, lexicons)
