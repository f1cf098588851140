"""Tables of the vocabulary stage (``fazhi.vocabulary``): keyness, boilerplate, slogans.

In: ``base.table``. Out: ``KEYNESS``, ``BOILERPLATE`` and ``SLOGANS``, registered in ``TABLES``.
How: one ``table(...)`` declaration each.
"""

from __future__ import annotations

import polars as pl

from .base import LEVEL, table

KEYNESS = table(
    "keyness",
    "one term of one level of government (the target) compared with all other levels (the reference)",
    ("level", LEVEL, "the target level of government"),
    ("token", pl.String, "the term (a kept token)"),
    ("n_target", pl.Int64, "occurrences in the target level's documents"),
    ("n_reference", pl.Int64, "occurrences in the other levels' documents"),
    ("target_total", pl.Int64, "kept tokens in the target"),
    ("reference_total", pl.Int64, "kept tokens in the reference"),
    ("g2", pl.Float64, "signed log-likelihood G² (negative: relatively rarer in the target)"),
    ("p_g2", pl.Float64, "p-value of G² (chi-square, 1 df)"),
    ("chi2", pl.Float64, "signed chi-square with Yates's correction"),
    ("p_chi2", pl.Float64, "p-value of chi2 (1 df)"),
    ("log_ratio", pl.Float64, "binary log of the ratio of relative frequencies (0.5 added to zero counts)"),
    ("pct_diff", pl.Float64, "%DIFF: 100 × (target rate − reference rate) / reference rate (0.5 for zero)"),
    ("rank", pl.Int32, "1 = most key for the target, by G² (descending)"),
)

BOILERPLATE = table(
    "boilerplate",
    "one sentence of a document flagged as boilerplate (recurs across documents)",
    ("doc_id", pl.String, "the document"),
    ("sentence_id", pl.Int32, "the sentence (sentences.sentence_id)"),
    (
        "kind",
        pl.String,
        "sentence (the whole sentence recurs) or ngram (it holds a recurring long token n-gram)",
    ),
    ("n_docs", pl.Int32, "how many documents hold the sentence or n-gram"),
    ("match", pl.String, "the recurring sentence (normalised) or n-gram (tokens joined)"),
    ("text", pl.String, "the sentence as in this document"),
)

SLOGANS = table(
    "slogans",
    "one quoted slogan (text inside “…”) at one level of government",
    ("level", LEVEL, "level of government"),
    ("slogan", pl.String, "the text between the quotation marks"),
    ("count", pl.Int64, "occurrences in the level's documents"),
    ("n_docs", pl.Int32, "documents of the level that use it"),
)
