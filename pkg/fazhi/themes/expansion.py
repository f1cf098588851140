"""Lexicon expansion candidates: content tokens associated with a theme's hits, ranked for review.

In: the ``tokens`` and ``theme_hits`` tables, a ``LexiconSet`` and optionally the ``sentences`` table.
Out: the ``theme_expansion`` table: per theme, candidate tokens ranked by normalised PMI, with an
example sentence. Nothing is ever added to a lexicon: the table is for a researcher to read.
How: a sentence holds a theme when a hit of the theme starts in it; candidates are ``keep`` tokens that
are neither inside a hit nor a lexicon term; their co-occurrence with each theme's sentences gives PMI
and NPMI; candidates co-occurring in fewer than ``min_cooc`` sentences are left out. The tokens are read
shard by shard of whole documents (``fazhi.tokenizer.document_slices``; a sentence and its hits belong to one
document), each distinct token normalised once, and the per-shard counts summed: never the corpus's tokens
at once.
"""

from __future__ import annotations

from collections.abc import Iterator

import polars as pl

from ..phrases import norm
from ..schema import in_order
from ..tokenizer import document_slices
from .lexicon import LexiconSet, stamp

#: Token rows read at once (whole documents: ``fazhi.tokenizer.document_slices``).
SLICE_ROWS = 500_000


class _TermFilter:
    """The raw tokens whose matching key (``fazhi.phrases.norm``) is a lexicon term: each distinct token is
    normalised once, in Python, however often it occurs; the rows are then filtered by a polars ``is_in``."""

    def __init__(self, lexicons: LexiconSet) -> None:
        self.terms = {t.key for t in lexicons.terms}
        self.seen: set[str] = set()
        self.excluded: list[str] = []

    def update(self, tokens: pl.Series) -> pl.Series:
        """The tokens among ``tokens`` (and those seen before) that are lexicon terms once normalised."""
        new = [t for t in tokens.drop_nulls().unique().to_list() if t not in self.seen]
        self.seen.update(new)
        self.excluded += [t for t in new if norm(t) in self.terms]
        return pl.Series("token", self.excluded, pl.String)


def _candidates(tokens: pl.DataFrame, hits: pl.DataFrame, excluded: pl.Series) -> pl.DataFrame:
    """(doc_id, sentence_id, token) of every content token outside hits that is not a lexicon term (its raw
    form not among ``excluded``), once per sentence."""
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
        .filter(~pl.col("token").is_in(excluded.implode()))
        .select("doc_id", "sentence_id", "token")
        .unique()
    )


def _shard_counts(
    cand: pl.DataFrame, theme_sent: pl.DataFrame
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Of one shard's candidates: sentences per token (``freq``), co-occurring sentences per (theme, token)
    (``cooc``) and the first co-occurring sentence (``ex_doc``, ``ex_sent``) in ``doc_id, sentence_id``
    order."""
    freq = cand.group_by("token").agg(freq=pl.len().cast(pl.Int64))
    joined = cand.join(theme_sent, on=["doc_id", "sentence_id"])
    co = joined.group_by("theme", "token").agg(cooc=pl.len().cast(pl.Int64))
    first = (
        joined.sort("doc_id", "sentence_id")
        .group_by("theme", "token", maintain_order=True)
        .first()
        .select("theme", "token", ex_doc="doc_id", ex_sent="sentence_id")
    )
    return freq, co, first


def _association(
    freq: pl.DataFrame, co: pl.DataFrame, theme_sent: pl.DataFrame, *, n_sent: int, min_cooc: int
) -> pl.DataFrame:
    """Per (theme, token): co-occurring sentences, the token's sentences, PMI, NPMI and the first example
    sentence (``ex_doc``, ``ex_sent``), from the per-token and per-(theme, token) counts."""
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


def _sharded_counts(
    tokens: pl.DataFrame | pl.LazyFrame,
    hits: pl.DataFrame,
    theme_sent: pl.DataFrame,
    lexicons: LexiconSet,
    *,
    rows: int,
) -> tuple[int, pl.DataFrame, pl.DataFrame]:
    """The sentences of the corpus, ``freq`` and ``co`` (with the example sentence) summed shard by shard of
    documents: a sentence, its candidates and its themes belong to one document, so per-shard counts add up
    to the corpus's, and the first example of the corpus is the first of the shards' firsts."""
    cols = ["sentence_id", "token_id", "token", "keep"]
    parts = list(_slices_or_empty(tokens, rows, cols))
    terms = _TermFilter(lexicons)
    n_sent, freqs, cos, firsts = 0, [], [], []
    for part in parts:
        n_sent += part.select("doc_id", "sentence_id").unique().height
        ids = part["doc_id"].unique().implode()
        cand = _candidates(part, hits.filter(pl.col("doc_id").is_in(ids)), terms.update(part["token"]))
        freq, co, first = _shard_counts(cand, theme_sent.filter(pl.col("doc_id").is_in(ids)))
        freqs.append(freq)
        cos.append(co)
        firsts.append(first)
    freq = pl.concat(freqs).group_by("token").agg(pl.col("freq").sum().cast(pl.Int64))
    co = pl.concat(cos).group_by("theme", "token").agg(pl.col("cooc").sum().cast(pl.Int64))
    first = (
        pl.concat(firsts).sort("ex_doc", "ex_sent").group_by("theme", "token", maintain_order=True).first()
    )
    return n_sent, freq, co.join(first, on=["theme", "token"])


def _slices_or_empty(
    tokens: pl.DataFrame | pl.LazyFrame, rows: int, cols: list[str]
) -> Iterator[pl.DataFrame]:
    """``document_slices`` of ``tokens``, or its empty frame when it has no rows (for the schemas)."""
    empty = True
    for part in document_slices(tokens, rows, columns=cols):
        empty = False
        yield part
    if empty:
        head = tokens.select("doc_id", *cols).head(0)
        yield head.collect() if isinstance(head, pl.LazyFrame) else head


def expansion_candidates(
    tokens: pl.DataFrame | pl.LazyFrame,
    hits: pl.DataFrame,
    lexicons: LexiconSet,
    *,
    top: int = 25,
    min_cooc: int = 3,
    sentences: pl.DataFrame | None = None,
    rows: int = SLICE_ROWS,
) -> pl.DataFrame:
    """Candidate terms for each theme, by their association with the theme's hits across sentences.

    A sentence "holds the theme" when a hit of the theme starts in it. Candidates are content tokens
    (``keep``) that are not themselves part of a hit nor a lexicon term. They are ranked by normalised
    PMI among those co-occurring in at least ``min_cooc`` sentences. The table is for a researcher to
    read; nothing is added to any lexicon.

    Parameters
    ----------
    tokens, hits
        The tokens table (in memory, or lazy: ``BuildContext.scan``, in ``doc_id, token_id`` order) and the
        theme_hits table.
    lexicons
        The lexicons (for their terms, excluded as candidates).
    top
        Candidates kept per theme.
    min_cooc
        Minimum number of co-occurring sentences.
    sentences
        The sentences table, for an example sentence (optional).
    rows
        Token rows read at once: the tokens are read shard by shard of whole documents
        (``fazhi.tokenizer.document_slices``); the result is the same for any value.
    """
    theme_sent = hits.select("doc_id", pl.col("sentence_id").cast(pl.Int32), "theme").unique()
    n_sent, freq, co = _sharded_counts(tokens, hits, theme_sent, lexicons, rows=rows)
    df = _association(freq, co, theme_sent, n_sent=n_sent, min_cooc=min_cooc)
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
