"""Theme matching: lexicon hits on the token stream, hits placed in units, and keyword-in-context.

In: the ``tokens`` and ``documents`` tables (or texts with a tokenizer) and a ``LexiconSet``.
Out: ``find_hits`` (the ``theme_hits`` table: every hit with its offsets), ``kwic`` (hits in context),
``hits_in_units`` (which unit row of a units table holds each hit), ``tokens_frame`` (a minimal tokens
table for any texts) and ``top_terms`` (the most frequent terms per theme and level).
How: ``Matcher`` is ``fazhi.phrases.PhraseMatcher`` over the lexicon terms (leftmost-longest, on token
boundaries, NFKC-normalised), so that themes and ``fazhi.vocabulary.kwic`` share one implementation.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from ..phrases import PhraseMatcher, context
from ..schema import LEVEL, TOKENS, in_order
from ..tokenizer import document_slices
from .lexicon import FOCUS, LexiconSet, Term, default_lexicons, stamp

_WORD = re.compile(r"\w")
#: Token rows read at once by ``find_hits`` (whole documents: ``fazhi.tokenizer.document_slices``).
SLICE_ROWS = 500_000
_HIT_SOURCE = ("token", "start", "end", "section_id", "sentence_id", "token_id")

#: Columns and types of the ``theme_hits`` table as ``find_hits`` makes it (before the lexicon stamp).
HIT_COLUMNS = {
    "doc_id": pl.String,
    "section_id": pl.Int32,
    "sentence_id": pl.Int32,
    "token_id": pl.Int32,
    "n_tokens": pl.Int32,
    "theme": pl.String,
    "term": pl.String,
    "weight": pl.Float64,
    "start": pl.Int64,
    "end": pl.Int64,
    "rel_position": pl.Float64,
}


@dataclass(frozen=True)
class Hit:
    """A match: tokens ``first`` .. ``first + n_tokens - 1`` of the stream spell ``term``."""

    first: int
    n_tokens: int
    term: Term


class Matcher:
    """Leftmost-longest phrase matching of lexicon terms on a token stream.

    A hit is a run of consecutive tokens whose joined text equals a term (after NFKC). It therefore
    starts and ends on token boundaries: a term is never found inside a longer token.
    """

    def __init__(self, lexicons: LexiconSet) -> None:
        self.lexicons = lexicons
        self._terms = {t.key: t for t in lexicons.terms}
        self._phrases = PhraseMatcher(self._terms)

    def match(self, tokens: Sequence[str]) -> list[Hit]:
        """Every hit in a stream of token texts (whitespace tokens should be left out)."""
        return [Hit(h.first, h.n_tokens, self._terms[h.key]) for h in self._phrases.match(tokens)]


def _default_tokenizer() -> Any:
    from ..tokenizer import default_tokenizer

    return default_tokenizer()


def is_word(token: str) -> bool:
    """A word token holds a letter, a digit or a Chinese character (punctuation is not a word)."""
    return _WORD.search(token) is not None


def find_hits(
    tokens: pl.DataFrame | pl.LazyFrame, documents: pl.DataFrame, lexicons: LexiconSet | None = None
) -> pl.DataFrame:
    """Every lexicon hit in a tokens table (the ``theme_hits`` table).

    Parameters
    ----------
    tokens
        The ``tokens`` table (doc_id, section_id, sentence_id, token_id, token, start, end, ...): the
        full stream, every non-whitespace token, in ``token_id`` order within each document; or a lazy
        frame of it, read shard by shard of documents (``fazhi.tokenizer.document_slices``).
    documents
        The ``documents`` table (for ``n_chars``).
    lexicons
        The lexicons; the package's by default.
    """
    lexicons = lexicons or default_lexicons()
    matcher = Matcher(lexicons)
    n_chars = dict(zip(documents["doc_id"].to_list(), documents["n_chars"].to_list(), strict=True))
    rows: dict[str, list[Any]] = {k: [] for k in HIT_COLUMNS}
    documents_of = (  # the table shard by shard of whole documents, not sorted or grouped as a whole
        doc
        for part in document_slices(tokens, SLICE_ROWS, columns=_HIT_SOURCE)
        for doc in part.group_by("doc_id", maintain_order=True)
    )
    for (doc_id,), part in documents_of:
        cols = {
            c: part[c].to_list() for c in ("token", "start", "end", "section_id", "sentence_id", "token_id")
        }
        size = max(int(n_chars.get(doc_id) or 0), 1)
        for h in matcher.match(cols["token"]):
            i, j = h.first, h.first + h.n_tokens - 1
            row = (
                doc_id,
                cols["section_id"][i],
                cols["sentence_id"][i],
                cols["token_id"][i],
                h.n_tokens,
                h.term.theme,
                h.term.term,
                h.term.weight,
                cols["start"][i],
                cols["end"][j],
                cols["start"][i] / size,
            )
            for name, value in zip(HIT_COLUMNS, row, strict=True):
                rows[name].append(value)
    return stamp(pl.DataFrame(rows, schema=HIT_COLUMNS), lexicons)


def kwic(hits: pl.DataFrame, documents: pl.DataFrame, width: int = 18) -> pl.DataFrame:
    """Keyword in context for hits: ``left``, ``match`` and ``right`` (``width`` characters each side).

    Parameters
    ----------
    hits
        Rows of ``theme_hits`` (any subset).
    documents
        The ``documents`` table (for the text).
    width
        Characters of context on each side; line breaks are shown as spaces.
    """
    text = dict(zip(documents["doc_id"].to_list(), documents["text"].to_list(), strict=True))
    spans = zip(hits["doc_id"].to_list(), hits["start"].to_list(), hits["end"].to_list(), strict=True)
    parts = [context(text.get(doc_id, ""), s, e, width=width) for doc_id, s, e in spans]
    left, match, right = ([p[k] for p in parts] for k in range(3))
    return hits.select("doc_id", "theme", "term", "start").with_columns(
        left=pl.Series(left, dtype=pl.String),
        match=pl.Series(match, dtype=pl.String),
        right=pl.Series(right, dtype=pl.String),
    )


def tokens_frame(documents: pl.DataFrame, tokenizer: Any = None) -> pl.DataFrame:
    """A minimal tokens table for texts: doc_id, section_id 0, sentence_id 0, token_id, token, start, end,
    keep (whitespace tokens left out)."""
    tokenizer = tokenizer or _default_tokenizer()
    rows = []
    for doc_id, text in zip(documents["doc_id"].to_list(), documents["text"].to_list(), strict=True):
        k = 0
        for t in tokenizer.tokens(text):
            if not t.text.strip():
                continue
            rows.append((doc_id, 0, 0, k, t.text, t.start, t.end, bool(getattr(t, "keep", True))))
            k += 1
    columns = ("doc_id", "section_id", "sentence_id", "token_id", "token", "start", "end", "keep")
    return pl.DataFrame(rows, schema={c: TOKENS.polars_schema[c] for c in columns}, orient="row")


def _offset_keys(hits: pl.DataFrame, units: pl.DataFrame, docs: list[str]) -> dict[str, np.ndarray]:
    """The hits' and unit rows' offsets as one sortable integer per offset (the document's code in the high
    bits, the offset in the low ones); ``-1`` document codes mark rows of documents the other side lacks."""
    code = {d: k for k, d in enumerate(docs)}
    h_doc = hits["doc_id"].replace_strict(code, default=-1, return_dtype=pl.Int64).to_numpy()
    u_doc = units["doc_id"].replace_strict(code, default=-1, return_dtype=pl.Int64).to_numpy()
    h_start = hits["start"].cast(pl.Int64).to_numpy()
    u_start, u_end = units["start"].cast(pl.Int64).to_numpy(), units["end"].cast(pl.Int64).to_numpy()
    lo = min(int(h_start.min()), int(u_start.min()), int(u_end.min()), 0)
    span = max(int(h_start.max()), int(u_start.max()), int(u_end.max())) - lo + 2
    if span * (len(docs) + 1) >= 2**62:
        raise ValueError("offsets too large to index")
    return {
        "h_doc": h_doc,
        "u_doc": u_doc,
        "h_key": h_doc * span + (h_start - lo),
        "u_first": u_doc * span + (u_start - lo),
        "u_last": u_doc * span + (np.maximum(u_end, u_start) - lo),
    }


def hits_in_units(units: pl.DataFrame, hits: pl.DataFrame) -> pl.DataFrame:
    """Pair every hit with every unit row that holds it: an interval join in O(hits + units + pairs) memory.

    A hit belongs to a unit row of its document when the hit starts inside the row's span
    (``start <= hit.start < end``) and does not overlap the row's excluded heading (``cut_start``,
    ``cut_end``). Rows may overlap (each pair is then listed); the sections of a build tile the text, so
    there each hit is paired at most once and the result is no larger than ``hits``.

    How: hits are sorted by (document, offset) once; each unit row finds its first and last hit by binary
    search (``numpy.searchsorted``), so nothing of size hits × units is ever made (the naive join on
    ``doc_id`` peaked at 2.9 GB for one 1 MB document).

    Returns
    -------
    polars.DataFrame
        ``hit_row`` (row index into ``hits``) and ``unit_row`` (row index into ``units``), ordered by
        ``hit_row`` then ``unit_row``.
    """
    empty = pl.DataFrame(schema={"hit_row": pl.Int64, "unit_row": pl.Int64})
    if not hits.height or not units.height:
        return empty
    docs = sorted(set(hits["doc_id"].to_list()) & set(units["doc_id"].to_list()))
    if not docs:
        return empty
    k = _offset_keys(hits, units, docs)
    keep_h = np.flatnonzero(k["h_doc"] >= 0)
    h_key = k["h_key"][keep_h]
    order = keep_h[np.argsort(h_key, kind="stable")]
    sorted_key = np.sort(h_key, kind="stable")
    keep_u = np.flatnonzero(k["u_doc"] >= 0)
    first = np.searchsorted(sorted_key, k["u_first"][keep_u], side="left")
    last = np.searchsorted(sorted_key, k["u_last"][keep_u], side="left")
    counts = last - first
    total = int(counts.sum())
    if total == 0:
        return empty
    unit_row = np.repeat(keep_u, counts)
    # positions first[i], first[i] + 1, ..., last[i] - 1 for every unit row, without a Python loop
    offsets = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
    hit_row = order[np.repeat(first, counts) + offsets]
    h_start, h_end = hits["start"].cast(pl.Int64).to_numpy(), hits["end"].cast(pl.Int64).to_numpy()
    cut_s, cut_e = units["cut_start"].cast(pl.Int64).to_numpy(), units["cut_end"].cast(pl.Int64).to_numpy()
    inside_cut = (h_start[hit_row] < cut_e[unit_row]) & (h_end[hit_row] > cut_s[unit_row])
    hit_row, unit_row = hit_row[~inside_cut], unit_row[~inside_cut]
    sort = np.lexsort((unit_row, hit_row))
    return pl.DataFrame(
        {"hit_row": hit_row[sort].astype(np.int64), "unit_row": unit_row[sort].astype(np.int64)}
    )


def unit_hits(units: pl.DataFrame, hits: pl.DataFrame, columns: Sequence[str]) -> pl.DataFrame:
    """``columns`` of each hit with the ``doc_id`` and ``unit_id`` of each unit row holding it (see
    ``hits_in_units``)."""
    pairs = hits_in_units(units, hits)
    h = hits.select(columns)[pairs["hit_row"].to_numpy()] if pairs.height else hits.select(columns).clear()
    u = (
        units.select("doc_id", "unit_id")[pairs["unit_row"].to_numpy()]
        if pairs.height
        else units.select("doc_id", "unit_id").clear()
    )
    return pl.concat([u, h.drop("doc_id", strict=False)], how="horizontal")


def top_terms(
    hits: pl.DataFrame, documents: pl.DataFrame, n: int = 8, themes: Sequence[str] = FOCUS
) -> pl.DataFrame:
    """The ``n`` most frequent terms of each theme (in ``themes`` order) at each level (centre first), with
    how many documents use them."""
    level = documents.select("doc_id", "level")
    return (
        hits.filter(pl.col("theme").is_in(list(themes)))
        .join(level, on="doc_id")
        .group_by("theme", "level", "term")
        .agg(hits=pl.len(), docs=pl.col("doc_id").n_unique())
        .sort(
            [in_order("theme", themes), in_order("level", LEVEL), "hits", "term"],
            descending=[False, False, True, False],
            nulls_last=True,
        )
        .group_by("theme", "level", maintain_order=True)
        .head(n)
    )
