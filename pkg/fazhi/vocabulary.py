"""Vocabulary: keyness of each level of government against the rest, keyword-in-context, boilerplate
and quoted slogans.

In: the ``documents``, ``sentences`` and ``tokens`` tables. Out: ``keyness`` (one row per level and
term: G², chi-square, p-values and effect sizes, as quanteda's ``textstat_keyness``), ``boilerplate``
(sentences that recur across documents, and sentences holding a long token n-gram that recurs), and
``slogans`` (text inside “…”, counted by level). ``kwic`` shows any term in context.

Keyness compares, for each term, its count in the target (one level of government) with its count in
the reference (all other levels), in the 2×2 table::

                  target   reference
    term            a          b
    other tokens    c          d

with E = row total × column total / N. G² = 2 Σ O ln(O/E) (Dunning's log-likelihood; no correction
by default), chi² = Σ (|O − E| − ½)² / E (with Yates's correction, quanteda's default for 2×2). Both
are signed: negative when the term is relatively rarer in the target. Effect sizes: ``log_ratio``
(Hardie's binary log of the ratio of relative frequencies, 0.5 added to zero counts) and ``pct_diff``
(%DIFF, Gabrielatos & Marchi). With five documents a level is one or two documents: keyness describes
those documents against the others, it does not estimate a level of government.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

import polars as pl
from scipy import stats

from .phrases import PhraseMatcher, context
from .schema import BOILERPLATE, KEYNESS, SLOGANS
from .tokenizer import document_slices, table_has_rows

_QUOTED = re.compile(r"“([^“”\n]{1,30})”")
#: Token rows per batch (whole documents) when counting n-grams (``recurring_ngrams``) and keyness: bounds
#: what is derived from the tokens table at once.
NGRAM_BATCH_ROWS = 500_000
_NORM = re.compile(r"[\s，。、；：！？（）()“”‘’《》〈〉【】\[\],.;:!?\-—·…\"']+")


# ------------------------------------------------------------------------------------------ keyness


def keyness_stats(a: int, b: int, c: int, d: int) -> dict[str, float]:
    """G², chi² (Yates), p-values and effect sizes of one 2×2 table (see the module docstring).

    Parameters
    ----------
    a, b
        The term's count in the target and in the reference.
    c, d
        The other tokens' counts in the target and in the reference.
    """
    n = a + b + c + d
    obs = (a, b, c, d)
    rows = (a + b, a + b, c + d, c + d)
    cols = (a + c, b + d, a + c, b + d)
    exp = [r * k / n for r, k in zip(rows, cols)]
    g2 = 2 * sum(o * math.log(o / e) for o, e in zip(obs, exp) if o > 0)
    chi2 = sum(max(abs(o - e) - 0.5, 0) ** 2 / e for o, e in zip(obs, exp) if e > 0)
    sign = 1.0 if a / max(a + c, 1) >= b / max(b + d, 1) else -1.0
    rt = (a or 0.5) / max(a + c, 1)
    rr = (b or 0.5) / max(b + d, 1)
    return {
        "g2": sign * g2,
        "p_g2": float(stats.chi2.sf(g2, 1)),
        "chi2": sign * chi2,
        "p_chi2": float(stats.chi2.sf(chi2, 1)),
        "log_ratio": math.log2(rt / rr),
        "pct_diff": 100 * (rt - rr) / rr,
    }


def _keyness_frame(counts: pl.DataFrame, target_total: int, reference_total: int) -> pl.DataFrame:
    """Vectorised ``keyness_stats`` over a frame with ``n_target`` and ``n_reference``."""
    a, b = pl.col("n_target").cast(pl.Float64), pl.col("n_reference").cast(pl.Float64)
    tt, rt = float(target_total), float(reference_total)
    n = tt + rt
    c, d = tt - a, rt - b
    obs_exp = [
        (a, (a + b) * tt / n),
        (b, (a + b) * rt / n),
        (c, (c + d) * tt / n),
        (d, (c + d) * rt / n),
    ]
    g2 = 2 * pl.sum_horizontal([pl.when(o > 0).then(o * (o / e).log()).otherwise(0.0) for o, e in obs_exp])
    chi2 = pl.sum_horizontal(
        [
            pl.when(e > 0).then(((o - e).abs() - 0.5).clip(lower_bound=0) ** 2 / e).otherwise(0.0)
            for o, e in obs_exp
        ]
    )
    sign = pl.when(a / tt >= b / rt).then(1.0).otherwise(-1.0)
    rate_t = pl.when(a > 0).then(a).otherwise(0.5) / tt
    rate_r = pl.when(b > 0).then(b).otherwise(0.5) / rt
    out = counts.with_columns(
        target_total=pl.lit(target_total, pl.Int64),
        reference_total=pl.lit(reference_total, pl.Int64),
        g2=sign * g2,
        chi2=sign * chi2,
        log_ratio=(rate_t / rate_r).log(2),
        pct_diff=100 * (rate_t - rate_r) / rate_r,
    )
    return out.with_columns(
        p_g2=pl.Series(stats.chi2.sf(out["g2"].abs().to_numpy(), 1)),
        p_chi2=pl.Series(stats.chi2.sf(out["chi2"].abs().to_numpy(), 1)),
    )


def keyness(
    tokens: pl.DataFrame | pl.LazyFrame,
    documents: pl.DataFrame,
    *,
    by: str = "level",
    boilerplate: pl.DataFrame | None = None,
    min_count: int = 3,
    batch_rows: int = NGRAM_BATCH_ROWS,
) -> pl.DataFrame:
    """Keyness of every group (level of government by default) against all other groups.

    Parameters
    ----------
    tokens
        The ``tokens`` table (or a lazy frame of it: ``fazhi.tokenizer.document_slices``); only ``keep``
        tokens count.
    documents
        The ``documents`` table (for the grouping column).
    by
        The grouping column of ``documents``.
    boilerplate
        A ``boilerplate`` table: tokens of its sentences are left out (None keeps every token).
    min_count
        Terms with fewer occurrences over the whole corpus are left out.
    batch_rows
        Tokens counted at once: the table is read in slices of whole documents of about this many rows
        (``fazhi.tokenizer.document_slices``), each slice's counts summed into the corpus's.

    Returns
    -------
    polars.DataFrame
        The ``keyness`` table (``level`` holds the group), sorted by group then rank. Empty when there
        are fewer than two groups.
    """
    flagged = None
    if boilerplate is not None and boilerplate.height:
        flagged = boilerplate.select("doc_id", "sentence_id").unique()
    levels = documents.select("doc_id", pl.col(by).alias("level"))
    partial = []
    used = ["sentence_id", "token"] if flagged is not None else ["token"]  # sentences only to leave some out
    for part in document_slices(tokens, batch_rows, columns=[*used, "keep"]):  # counted per shard, summed
        toks = part.filter("keep").select("doc_id", *used)
        if flagged is not None:
            toks = toks.join(flagged, on=["doc_id", "sentence_id"], how="anti")
        toks = toks.join(levels, on="doc_id")
        partial.append(toks.group_by("level", "token").agg(n=pl.len().cast(pl.Int64)))
    schema = {"level": levels.schema["level"], "token": pl.String, "n": pl.Int64}
    counts = pl.concat(partial).group_by("level", "token").agg(pl.col("n").sum()) if partial else None
    counts = counts if counts is not None else pl.DataFrame(schema=schema)
    totals = counts.group_by("token").agg(total=pl.col("n").sum()).filter(pl.col("total") >= min_count)
    level_totals = dict(counts.group_by("level").agg(pl.col("n").sum()).iter_rows())
    counts = counts.join(totals.select("token"), on="token")
    grand = sum(level_totals.values())
    out = []
    levels = sorted(level_totals)
    if len(levels) < 2:
        return pl.DataFrame(schema=KEYNESS.polars_schema)
    for lv in levels:
        tgt = counts.filter(pl.col("level") == lv).select("token", n_target="n")
        allc = totals.select("token", "total")
        frame = (
            allc.join(tgt, on="token", how="left")
            .with_columns(
                n_target=pl.col("n_target").fill_null(0),
            )
            .with_columns(n_reference=pl.col("total") - pl.col("n_target"))
        )
        frame = frame.filter(pl.col("n_target") > 0)
        res = _keyness_frame(
            frame.select("token", "n_target", "n_reference"), level_totals[lv], grand - level_totals[lv]
        )
        res = res.sort(["g2", "token"], descending=[True, False]).with_columns(
            level=pl.lit(lv), rank=pl.int_range(1, pl.len() + 1, dtype=pl.Int32)
        )
        out.append(res)
    return pl.concat(out).select(KEYNESS.names).sort("level", "rank")


# --------------------------------------------------------------------------------------------- KWIC


def kwic(
    term: str,
    tokens: pl.DataFrame,
    documents: pl.DataFrame,
    *,
    window: int = 20,
    limit: int | None = None,
) -> pl.DataFrame:
    """Keyword in context: every occurrence of ``term`` as a token (or a run of tokens spelling it).

    Matching is ``fazhi.phrases.PhraseMatcher``, the one the theme lexicons use: on whole tokens, after
    NFKC normalisation (full-width and ASCII forms agree), occurrences never overlapping.

    Parameters
    ----------
    term
        The term; matched on whole tokens, so 应急 does not match inside 应急管理 when that is one token.
    tokens, documents
        The ``tokens`` and ``documents`` tables.
    window
        Characters of context on each side.
    limit
        At most this many rows (in document order).

    Returns
    -------
    polars.DataFrame
        ``doc_id, start, end, left, keyword, right``.
    """
    texts = dict(documents.select("doc_id", "text").iter_rows())
    matcher = PhraseMatcher([term])
    rows: list[tuple[str, int, int, str, str, str]] = []
    for (doc_id,), df in tokens.sort("doc_id", "token_id").partition_by("doc_id", as_dict=True).items():
        starts, ends = df["start"].to_list(), df["end"].to_list()
        for h in matcher.match(df["token"].to_list()):
            s, e = starts[h.first], ends[h.first + h.n_tokens - 1]
            rows.append((doc_id, s, e, *context(texts[doc_id], s, e, width=window)))
    out = pl.DataFrame(
        rows,
        schema={
            "doc_id": pl.String,
            "start": pl.Int64,
            "end": pl.Int64,
            "left": pl.String,
            "keyword": pl.String,
            "right": pl.String,
        },
        orient="row",
    ).sort("doc_id", "start")
    return out.head(limit) if limit is not None else out


# -------------------------------------------------------------------------------------- boilerplate


def normalise_sentence(text: str) -> str:
    """A sentence reduced for comparison: whitespace and punctuation removed."""
    return _NORM.sub("", text)


def boilerplate(
    sentences: pl.DataFrame,
    tokens: pl.DataFrame | pl.LazyFrame | None = None,
    *,
    min_docs: int | None = None,
    min_chars: int = 10,
    ngram: int = 8,
) -> pl.DataFrame:
    """Sentences that recur across documents, and sentences holding a recurring long token n-gram.

    Parameters
    ----------
    sentences
        The ``sentences`` table.
    tokens
        The ``tokens`` table (or a lazy frame of it); when given, token n-grams of length ``ngram``
        (whitespace-free token stream, punctuation included) that occur in ``min_docs`` documents flag their
        sentences too.
    min_docs
        In how many documents a sentence or n-gram must occur; default max(2, 10 % of the documents).
    min_chars
        Shorter normalised sentences are never boilerplate (headings like 一、总体要求 are not formulae).
    ngram
        n-gram length in tokens (8 tokens ≈ 15–20 characters: a formula, not a shared policy term).

    Returns
    -------
    polars.DataFrame
        The ``boilerplate`` table, sorted by document and sentence; a sentence flagged both ways is
        listed once, as ``sentence``.
    """
    n_docs_total = sentences["doc_id"].n_unique()
    if min_docs is None:
        min_docs = max(2, math.ceil(0.1 * n_docs_total))
    sent = sentences.select(
        "doc_id",
        pl.col("sentence_id").cast(pl.Int32),
        "text",
        key=pl.col("text").map_elements(normalise_sentence, return_dtype=pl.String),
    ).filter(pl.col("key").str.len_chars() >= min_chars)
    rec = (
        sent.group_by("key")
        .agg(n_docs=pl.col("doc_id").n_unique().cast(pl.Int32))
        .filter(pl.col("n_docs") >= min_docs)
    )
    whole = sent.join(rec, on="key").select(
        "doc_id", "sentence_id", kind=pl.lit("sentence"), n_docs="n_docs", match="key", text="text"
    )
    parts = [whole]
    if table_has_rows(tokens):
        g = recurring_ngrams(tokens, n=ngram, min_docs=min_docs)
        grec = (
            g.group_by("match")
            .agg(n_docs=pl.col("doc_id").n_unique().cast(pl.Int32))
            .filter(pl.col("n_docs") >= min_docs)
        )
        hit = (
            g.join(grec, on="match")
            .sort("doc_id", "sentence_id", "n_docs", "match", descending=[False, False, True, False])
            .unique(["doc_id", "sentence_id"], keep="first", maintain_order=True)
            .join(whole.select("doc_id", "sentence_id"), on=["doc_id", "sentence_id"], how="anti")
            .join(
                sentences.select("doc_id", pl.col("sentence_id").cast(pl.Int32), "text"),
                on=["doc_id", "sentence_id"],
            )
            .select(
                "doc_id", "sentence_id", kind=pl.lit("ngram"), n_docs="n_docs", match="match", text="text"
            )
        )
        parts.append(hit)
    out = pl.concat(parts).sort("doc_id", "sentence_id")
    return out.select(pl.col(c).cast(t) for c, t in BOILERPLATE.polars_schema.items())


def _ngram_batches(tokens: pl.DataFrame | pl.LazyFrame, n: int, *, batch_rows: int) -> Iterator[pl.DataFrame]:
    """Every token n-gram within one sentence, as ``doc_id, sentence_id, match`` (the tokens joined), in
    batches of whole documents of about ``batch_rows`` tokens (``fazhi.tokenizer.document_slices``).

    The n-grams are those of each document's stream of tokens that have a sentence (in ``token_id``
    order), kept when their first and last token are in one sentence. An n-gram never spans two
    documents, so a batch of whole documents holds every n-gram of its documents, and only those.
    """
    last = n - 1
    for part in document_slices(tokens, batch_rows, columns=["sentence_id", "token"]):
        stream = part.filter(pl.col("sentence_id").is_not_null()).select(
            pl.col("doc_id").cast(pl.String), pl.col("sentence_id").cast(pl.Int32), "token"
        )
        grams = stream.select(
            "doc_id",
            "sentence_id",
            match=pl.concat_str([pl.col("token").shift(-k) for k in range(n)]),
            same=(pl.col("doc_id").shift(-last) == pl.col("doc_id"))
            & (pl.col("sentence_id").shift(-last) == pl.col("sentence_id")),
        )
        yield grams.filter(pl.col("same")).drop("same")


def recurring_ngrams(
    tokens: pl.DataFrame | pl.LazyFrame, *, n: int, min_docs: int, batch_rows: int = NGRAM_BATCH_ROWS
) -> pl.DataFrame:
    """The occurrences (``doc_id, sentence_id, match``) of the token n-grams that may occur in at least
    ``min_docs`` documents: every n-gram that does, and few others.

    Two passes over the n-grams, batch by batch of whole documents (``_ngram_batches``), never all of them
    at once: the first counts, per 64-bit hash of an n-gram, the documents it occurs in (a count is never
    below the true one: a shared hash can only raise it); the second keeps the occurrences of the n-grams
    whose hash reached ``min_docs``. The caller counts the documents of each kept n-gram exactly, on the text.
    """
    schema = {"doc_id": pl.String, "sentence_id": pl.Int32, "match": pl.String}
    per_batch = [
        grams.select("doc_id", h=pl.col("match").hash()).unique().group_by("h").len()
        for grams in _ngram_batches(tokens, n, batch_rows=batch_rows)
    ]
    if not per_batch:
        return pl.DataFrame(schema=schema)
    counts = pl.concat(per_batch).group_by("h").agg(pl.col("len").sum())
    del per_batch
    frequent = counts.filter(pl.col("len") >= min_docs)["h"].implode()
    del counts
    kept = [
        grams.filter(pl.col("match").hash().is_in(frequent))
        for grams in _ngram_batches(tokens, n, batch_rows=batch_rows)
    ]
    return pl.concat(kept).select(pl.col(c).cast(t) for c, t in schema.items())


# ------------------------------------------------------------------------------------------ slogans


def quoted(text: str) -> list[str]:
    """The texts inside “…” (1–30 characters, one line), in order."""
    return [m.group(1).strip() for m in _QUOTED.finditer(text) if m.group(1).strip()]


def slogans(documents: pl.DataFrame, *, by: str = "level") -> pl.DataFrame:
    """Quoted slogans counted by level of government (see the ``slogans`` table)."""
    rows = [
        (doc_id, lv, s)
        for doc_id, lv, text in documents.select("doc_id", by, "text").iter_rows()
        for s in quoted(text)
    ]
    df = pl.DataFrame(
        rows, schema={"doc_id": pl.String, "level": pl.String, "slogan": pl.String}, orient="row"
    )
    out = df.group_by("level", "slogan").agg(
        count=pl.len().cast(pl.Int64), n_docs=pl.col("doc_id").n_unique().cast(pl.Int32)
    )
    return out.sort(["level", "count", "slogan"], descending=[False, True, False]).select(SLOGANS.names)


# -------------------------------------------------------------------------------------------- stage


if TYPE_CHECKING:
    from .pipeline import BuildContext


def build_stage(ctx: BuildContext) -> dict[str, pl.DataFrame]:
    """Pipeline stage: ``documents``, ``sentences``, ``tokens`` -> ``keyness``, ``boilerplate``, ``slogans``.

    Keyness leaves boilerplate sentences out unless ``ctx.settings.vocabulary.keyness_include_boilerplate``.
    """
    docs, toks = ctx.tables["documents"], ctx.scan("tokens")  # tokens read shard by shard
    sents = ctx.tables.get("sentences")
    bp = boilerplate(sents, toks) if sents is not None else pl.DataFrame(schema=BOILERPLATE.polars_schema)
    exclude = not ctx.settings.vocabulary.keyness_include_boilerplate
    key = keyness(toks, docs, boilerplate=bp if exclude else None)
    return {"keyness": key, "boilerplate": bp, "slogans": slogans(docs)}


__all__ = ["boilerplate", "keyness", "keyness_stats", "kwic", "quoted", "slogans"]
