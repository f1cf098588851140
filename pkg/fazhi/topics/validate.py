"""Seeded topics against coded paragraphs (table ``topic_seeded_validation``).

In: a fitted lexicon-seeded model (``SeededFit``) with the ``DTM`` it was fitted on, and coded paragraphs
(``fazhi.validation.load_samples``: unit_id, text and an adjudicated 0/1 column per theme).
Out: ``seeded_validation`` - per theme: precision, recall and F1, with bootstrap intervals, of the seeded
topic (a paragraph is called the theme when the topic's share is at least ``threshold``) and, on the same
paragraphs, of the dictionary measures; ``project`` - topic shares of new texts; ``fit_from_tables`` -
the build's seeded model refitted from its tables.
How: the paragraphs are cut by the project's tokeniser, counted over the model's vocabulary, weighted by
the corpus's tf-idf and projected with the fitted NMF's public ``transform`` (the topic-word matrix held
fixed); counts and intervals come from ``fazhi.validation.accuracy_table`` (units resampled, seeded).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from scipy import sparse

from ..schema import TOPIC_SEEDED_VALIDATION
from ..validation._common import N_BOOT, SEED, THEMES
from .matrix import DTM, document_term_matrix
from .seeded import SeededFit, fit_seeded
from .settings import TopicSettings

#: A paragraph is called a seeded topic's theme when the topic holds at least this share of it: with the
#: eight seeded and four free topics of the defaults, 0.2 is more than twice an even share (1/12).
THRESHOLD = 0.2


def tfidf_transformer(dtm: DTM) -> Any:
    """The tf-idf of ``fitting.tfidf`` (sublinear, smooth idf, l2 rows) fitted on ``dtm``: new rows get the
    corpus's idf."""
    from sklearn.feature_extraction.text import TfidfTransformer

    return TfidfTransformer(sublinear_tf=True, smooth_idf=True, norm="l2").fit(dtm.X.astype(np.float64))


def count_rows(texts: Sequence[str], vocab: Sequence[str], *, tokenizer: Any = None) -> sparse.csr_matrix:
    """Counts of the vocabulary's terms (kept tokens only) in each text, texts × terms."""
    from ..tokenizer import default_tokenizer

    tok = tokenizer or default_tokenizer()
    df, counts = tok.cut_batch(list(texts))
    index = {t: i for i, t in enumerate(vocab)}
    row_of = np.repeat(np.arange(len(texts)), np.asarray(counts, dtype=np.int64))
    rows, cols = [], []
    for r, term, keep in zip(row_of, df["token"].to_list(), df["keep"].to_list(), strict=True):
        if keep and term in index:
            rows.append(r)
            cols.append(index[term])
    data = np.ones(len(rows), dtype=np.float64)
    X = sparse.csr_matrix((data, (rows, cols)), shape=(len(texts), len(vocab)))
    X.sum_duplicates()
    return X


def project(fit: SeededFit, dtm: DTM, texts: Sequence[str], *, tokenizer: Any = None) -> np.ndarray:
    """Topic shares (texts × topics, rows summing to 1) of ``texts`` under ``fit``; a row of zeros for a
    text with no term of the vocabulary (it belongs to no topic)."""
    if fit.model is None:
        raise ValueError("this SeededFit carries no fitted model (fit it with fit_seeded)")
    X = count_rows(texts, dtm.vocab, tokenizer=tokenizer)
    W = np.asarray(fit.model.transform(tfidf_transformer(dtm).transform(X)), dtype=np.float64)
    s = W.sum(axis=1, keepdims=True)
    return np.divide(W, s, out=np.zeros_like(W), where=s > 0)


def seeded_validation(
    fit: SeededFit,
    dtm: DTM,
    coded: pl.DataFrame,
    *,
    themes: Sequence[str] = THEMES,
    threshold: float = THRESHOLD,
    tokenizer: Any = None,
    n_boot: int = N_BOOT,
    seed: int = SEED,
) -> pl.DataFrame:
    """Agreement of each seeded topic of ``themes`` with the coded paragraphs, beside the dictionary
    measures on the same paragraphs: ``dictionary`` (at least one lexicon hit,
    ``fazhi.validation.dictionary_predictions``) and ``present`` (``fazhi.themes.score_themes``' decision,
    the package's measure). A theme without a seeded topic (no lexicon term in the vocabulary) gets the
    dictionary rows only. Intervals: 95% percentile bootstrap over paragraphs, ``n_boot`` replicates."""
    from ..themes import score_themes
    from ..validation import accuracy_table
    from ..validation.measure import dictionary_predictions

    if not 0 < threshold <= 1:
        raise ValueError(f"threshold must be in (0, 1], not {threshold}")
    missing = [c for c in ("unit_id", "text", *themes) if c not in coded.columns]
    if missing:
        raise ValueError(f"coded paragraphs lack columns {missing}")
    texts = coded["text"].to_list()
    theta = project(fit, dtm, texts, tokenizer=tokenizer)
    no_vocab = int((theta.sum(axis=1) == 0).sum())
    topic_of = {t: i for i, t in enumerate(fit.themes) if t in themes}
    zeros = np.zeros(len(texts), dtype=np.int64)
    preds = {
        "seeded_topic": {
            t: (theta[:, topic_of[t]] >= threshold).astype(np.int64) if t in topic_of else zeros
            for t in themes
        },
        "present": {
            t: [int(score_themes(x).filter(pl.col("theme") == t)["present"][0]) for x in texts]
            for t in themes
        },
    }
    measures = {
        m: coded.select("unit_id").with_columns(pl.Series(t, v) for t, v in p.items())
        for m, p in preds.items()
    }
    measures["dictionary"] = dictionary_predictions(coded, themes=themes)
    parts = []
    for name, pred in measures.items():
        acc = accuracy_table(coded, pred, themes=themes, n_boot=n_boot, seed=seed)
        seeded = name == "seeded_topic"
        parts.append(
            acc.filter(pl.col("theme").is_in(list(topic_of)) if seeded else pl.lit(True)).with_columns(
                measure=pl.lit(name),
                topic=pl.col("theme").replace_strict(topic_of, default=None) if seeded else None,
                threshold=pl.lit(threshold if seeded else None, pl.Float64),
                coded=pl.col("tp") + pl.col("fn"),
                predicted=pl.col("tp") + pl.col("fp"),
                no_vocab=pl.lit(no_vocab),
                n_units_model=pl.lit(dtm.X.shape[0]),
            )
        )
    spec = TOPIC_SEEDED_VALIDATION.polars_schema
    out = pl.concat(parts).select(pl.col(c).cast(t) for c, t in spec.items())
    order = {t: i for i, t in enumerate(themes)}
    return out.sort(pl.col("theme").replace_strict(order), "measure")


def settings_from_table(table: pl.DataFrame) -> TopicSettings:
    """The ``TopicSettings`` a ``topic_settings`` table records (rows that are no setting are ignored)."""
    import ast

    values = dict(zip(table["key"].to_list(), table["value"].to_list(), strict=True))
    out: dict[str, Any] = {}
    for f in fields(TopicSettings):
        if f.name in values:
            default = getattr(TopicSettings(), f.name)
            out[f.name] = values[f.name] if isinstance(default, str) else ast.literal_eval(values[f.name])
    return TopicSettings.from_mapping(out)


def fit_from_tables(
    folder: Path | None = None, *, corpus: Path | None = None
) -> tuple[DTM, SeededFit | None]:
    """The matrix and seeded model of a build, refitted (deterministic) from its tables in ``folder``
    (``fazhi.tables.read_table``'s default folder when None) under the settings it recorded."""
    from ..tables import read_table
    from ..themes import default_lexicons

    def read(name: str) -> pl.DataFrame | None:
        try:
            return read_table(name, folder, corpus=corpus)
        except FileNotFoundError:
            return None

    tokens = read("tokens")
    if tokens is None:
        raise FileNotFoundError(f"no tokens table in {folder or 'the data folder'}: run fazhi build")
    recorded = read("topic_settings")
    s = settings_from_table(recorded) if recorded is not None else TopicSettings()
    dtm = document_term_matrix(
        tokens,
        sections=read("sections"),
        sentences=read("sentences"),
        documents=read("documents"),
        boilerplate=read("boilerplate"),
        settings=s,
    )
    return dtm, fit_seeded(dtm, default_lexicons().frame(), s)
