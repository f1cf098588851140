"""Lexicon-seeded topics (table ``topic_seeded``): NMF seeded with the theme lexicons, plus free topics.

In: the ``DTM``, the lexicons' terms (theme, term) and theme hits per unit. Out: ``topic_seeded`` rows.
How: one pseudo-unit of seed words per lexicon pulls its topic towards the lexicon (a word prior by
pseudo-counts); each topic's shares are compared with the dictionary measure (Spearman over units).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl
from scipy import sparse

from ..schema import TOPIC_SEEDED
from .diagnostics import top_terms
from .fitting import _row_normalise, tfidf
from .matrix import DTM
from .settings import TopicSettings


@dataclass
class SeededFit:
    """A lexicon-seeded NMF: the seeded themes (topic t < len(themes) is ``themes[t]``, the rest are free),
    each seeded topic's seed-word columns, and the normalised topic-word (``beta``) and unit-topic
    (``theta``, pseudo-units dropped) matrices; ``model`` is the fitted scikit-learn ``NMF``, whose public
    ``transform`` projects new tf-idf rows (``fazhi.topics.validate.project``)."""

    themes: list[str]
    seeds: list[list[int]]
    beta: np.ndarray
    theta: np.ndarray
    model: Any = None


def fit_seeded(dtm: DTM, lexicon_terms: pl.DataFrame, settings: TopicSettings) -> SeededFit | None:
    """Fit the lexicon-seeded NMF of ``seeded_topics`` (see there); None when no lexicon term is in the
    vocabulary or the matrix has fewer units than topics."""
    from sklearn.decomposition import NMF
    from sklearn.exceptions import ConvergenceWarning
    from threadpoolctl import threadpool_limits

    vocab = {t: i for i, t in enumerate(dtm.vocab)}
    themes, seeds = [], []
    for (theme,), g in lexicon_terms.group_by("theme", maintain_order=True):
        idx = sorted({vocab[t] for t in g["term"].to_list() if t in vocab})
        if idx:
            themes.append(theme)
            seeds.append(idx)
    n_free = settings.seeded_free_topics
    k = len(themes) + n_free
    if not themes or k < 2 or dtm.X.shape[0] < k:
        return None
    Xt = tfidf(dtm.X)
    V = Xt.shape[1]
    rng = np.random.default_rng(settings.seeded_seed)
    scale = float(np.sqrt(Xt.mean() / k))
    H0 = np.full((k, V), 1e-3 * scale)
    for t, idx in enumerate(seeds):
        H0[t, idx] = settings.seeded_strength * scale
    H0[len(themes) :] = scale * rng.random((n_free, V))
    # One pseudo-unit per lexicon holding its seed words (l2 norm seeded_strength, a real unit's is 1): the
    # squared error weighs it like seeded_strength² units, which keeps the seeded topic near its lexicon.
    pseudo = np.zeros((len(themes), V))
    for t, idx in enumerate(seeds):
        pseudo[t, idx] = settings.seeded_strength / np.sqrt(len(idx))
    Xa = sparse.vstack([Xt, sparse.csr_matrix(pseudo)]).tocsr()
    W0 = np.maximum(np.asarray(Xa @ H0.T), 1e-9)
    W0 *= scale / max(float(W0.mean()), 1e-12)
    with threadpool_limits(limits=1), warnings.catch_warnings():
        warnings.simplefilter("ignore", category=ConvergenceWarning)
        est = NMF(n_components=k, init="custom", solver="cd", max_iter=settings.nmf_max_iter, tol=1e-4)
        W = est.fit_transform(Xa, W=W0, H=H0)[: Xt.shape[0]]
    beta = _row_normalise(np.asarray(est.components_, dtype=np.float64))
    return SeededFit(
        themes=themes,
        seeds=seeds,
        beta=beta,
        theta=_row_normalise(np.asarray(W, dtype=np.float64)),
        model=est,
    )


def seeded_topics(
    dtm: DTM, lexicon_terms: pl.DataFrame, theme_units: pl.DataFrame, settings: TopicSettings
) -> pl.DataFrame:
    """NMF seeded with the theme lexicons, compared with the dictionary measure.

    How (``fit_seeded``): one topic per theme lexicon whose terms occur in the vocabulary, plus
    ``seeded_free_topics`` free topics. NMF (coordinate descent on the same tf-idf) is fitted on the units
    plus one *pseudo-unit* per lexicon made of its seed words with l2 norm ``seeded_strength`` (a real
    unit's is 1), so the squared error weighs it like ``seeded_strength``² units and pulls the seeded topic
    towards its lexicon (a word prior by pseudo-counts, the NMF analogue of keyATM's keywords); the start
    is custom: a seeded topic's term weights are high on its seed words and a small floor elsewhere, free
    topics start from seeded random weights. Pseudo-units are dropped from the shares. ``seed_share_top``
    shows how much of each seeded topic's top terms are seed words.

    Read the agreement with care: a seeded topic is pulled towards the lexicon's own words, so its
    correlation with the lexicon's hits is high partly by construction. What it adds is the non-seed words
    it gathers (terms the lexicon could add) and, above all, the free topics: what the corpus talks about
    that no lexicon looks for (``best_theme`` / ``best_rho`` show how weakly they touch the lexicons).
    Agreement with the dictionary measure is the Spearman correlation, over units, of the topic's share
    with the theme's lexicon hits per token.

    ``lexicon_terms``: theme, term (the lexicons' ``frame()``); ``theme_units``: unit_id, theme, hits
    (``theme_counts_per_unit``).
    """
    sf = fit_seeded(dtm, lexicon_terms, settings)
    if sf is None:
        return pl.DataFrame(schema=TOPIC_SEEDED.polars_schema)
    n = dtm.units["n_tokens"].to_numpy().astype(float)
    prevalence = (sf.theta * n[:, None]).sum(axis=0) / max(n.sum(), 1.0)
    all_themes = sorted(set(lexicon_terms["theme"].to_list()))
    rates = {}
    for theme in all_themes:
        sub = theme_units.filter(pl.col("theme") == theme)
        v = np.zeros(dtm.X.shape[0])
        v[sub["unit_id"].to_numpy()] = sub["hits"].to_numpy().astype(float)
        rates[theme] = v / np.where(n > 0, n, 1)
    top = top_terms(sf.beta, settings.n_top)
    rows = []
    for t in range(sf.beta.shape[0]):
        theme = sf.themes[t] if t < len(sf.themes) else None
        cors = {th: _rho(sf.theta[:, t], rates[th]) for th in all_themes}
        valid = [(c, th) for th, c in cors.items() if c is not None]
        best = max(valid, key=lambda x: (x[0], [-ord(ch) for ch in x[1]])) if valid else (None, None)
        seed_set = set(sf.seeds[t]) if theme else set()
        seed_share = float(np.mean([i in seed_set for i in top[t]])) if theme else None
        terms = " ".join(dtm.vocab[i] for i in top[t])
        agreement = cors.get(theme) if theme else None
        row = (t, theme, len(seed_set), seed_share, terms, float(prevalence[t]), agreement, best[1], best[0])
        rows.append((*row, dtm.X.shape[0]))
    return pl.DataFrame(rows, schema=TOPIC_SEEDED.polars_schema, orient="row")


def _rho(a: np.ndarray, b: np.ndarray) -> float | None:
    """Spearman correlation, None when either side is constant."""
    from scipy.stats import spearmanr

    if np.ptp(a) == 0 or np.ptp(b) == 0:
        return None
    return float(spearmanr(a, b).statistic)
