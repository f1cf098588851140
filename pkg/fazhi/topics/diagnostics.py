"""Diagnostics of fitted topics: coherence, FREX exclusivity, and stability across seeds.

In: topic-word matrices (``beta``, topics × terms) and the count matrix. Out: arrays (per topic or per pair
of runs). How: NPMI over the corpus's own units (``npmi_coherence``), FREX (``frex``, stm's definition),
Hungarian matching of topics on cosine similarity (``match_topics``, ``stability``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from scipy import sparse
from scipy.optimize import linear_sum_assignment


def top_terms(beta: np.ndarray, n: int) -> np.ndarray:
    """Indices of each topic's ``n`` most probable terms (ties: lower index first), topics × n."""
    order = np.lexsort((np.broadcast_to(np.arange(beta.shape[1]), beta.shape), -beta), axis=1)
    return order[:, : min(n, beta.shape[1])]


def npmi_coherence(X: sparse.spmatrix, topics: Sequence[Sequence[int]]) -> np.ndarray:
    """NPMI coherence of each topic's terms, with co-occurrence counted in the units of ``X``.

    For each pair of a topic's terms, with P(w) the share of units containing w and P(w_i, w_j) the share
    containing both:

        NPMI = log[P(w_i, w_j) / (P(w_i) P(w_j))] / -log P(w_i, w_j)

    which is -1 when the terms never co-occur, 0 when independent, 1 when they always co-occur (also by
    convention when both occur in every unit). A topic's coherence is the mean over its pairs (Bouma 2009;
    Aletras & Stevenson 2013 use the same measure over an external corpus, here it is the corpus itself).

    Parameters
    ----------
    X
        Counts (or 0/1), units × terms.
    topics
        For each topic, the column indices of its top terms.

    Returns
    -------
    numpy.ndarray
        One coherence per topic (nan for a topic with fewer than two terms).
    """
    topics = [np.asarray(list(terms), dtype=np.int64) for terms in topics]
    out = np.full(len(topics), np.nan)
    if not topics:
        return out
    # One co-occurrence matrix over the union of all topics' terms (a few hundred columns), from one
    # column slice of the binarised matrix: the counts are integers, so the shares are exactly those of a
    # per-topic computation.
    union = np.unique(np.concatenate(topics))
    sub = (sparse.csc_matrix(X)[:, union] > 0).astype(np.float64)
    n = sub.shape[0]
    co = np.asarray((sub.T @ sub).todense()) / n
    p = np.diag(co).copy()
    where = {int(w): i for i, w in enumerate(union)}
    for t, idx in enumerate(topics):
        if idx.size < 2:
            continue
        pos = [where[int(w)] for w in idx]
        vals = []
        for a in range(len(pos)):
            for b in range(a + 1, len(pos)):
                i, j = pos[a], pos[b]
                vals.append(_npmi(co[i, j], p[i], p[j]))
        out[t] = float(np.mean(vals))
    return out


def _npmi(pij: float, pi: float, pj: float) -> float:
    if pij <= 0:
        return -1.0
    if pij >= 1:
        return 1.0
    return math.log(pij / (pi * pj)) / -math.log(pij)


def _ecdf_rank(a: np.ndarray) -> np.ndarray:
    """Per row, the empirical CDF value of each entry among its row (share of entries ≤ it)."""
    n = a.shape[1]
    out = np.empty_like(a, dtype=np.float64)
    for r in range(a.shape[0]):
        row = a[r]
        srt = np.sort(row)
        out[r] = np.searchsorted(srt, row, side="right") / n
    return out


def frex(beta: np.ndarray, weight: float = 0.5) -> tuple[np.ndarray, np.ndarray]:
    """FREX scores (Bischof & Airoldi 2012; Roberts et al.'s stm) and exclusivity of every term and topic.

    exclusivity(w, k) = β_kw / Σ_j β_jw;  FREX(w, k) = 1 / (ω / ECDF_k(excl) + (1 − ω) / ECDF_k(β))
    where the ECDFs are taken over the terms of topic k and ω = ``weight``.

    Returns
    -------
    (frex, exclusivity), each topics × terms.
    """
    col = beta.sum(axis=0, keepdims=True)
    excl = np.divide(beta, col, out=np.zeros_like(beta), where=col > 0)
    fr = 1.0 / (weight / _ecdf_rank(excl) + (1.0 - weight) / _ecdf_rank(beta))
    return fr, excl


def exclusivity(beta: np.ndarray, n: int = 10, weight: float = 0.5) -> np.ndarray:
    """Per topic, the mean FREX of its ``n`` most probable terms (stm's ``exclusivity``, divided by n)."""
    fr, _ = frex(beta, weight)
    top = top_terms(beta, n)
    return np.take_along_axis(fr, top, axis=1).mean(axis=1)


def cosine_matrix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Cosine similarity of every row of ``a`` with every row of ``b``."""
    na = np.linalg.norm(a, axis=1, keepdims=True)
    nb = np.linalg.norm(b, axis=1, keepdims=True)
    return (a / np.where(na > 0, na, 1)) @ (b / np.where(nb > 0, nb, 1)).T


def match_topics(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Hungarian matching of the topics of two runs on the cosine similarity of their topic-word vectors.

    Returns
    -------
    (perm, sims)
        ``perm[i]`` is the topic of ``b`` matched to topic ``i`` of ``a``; ``sims[i]`` their similarity.
    """
    S = cosine_matrix(a, b)
    rows, cols = linear_sum_assignment(-S)
    perm = np.empty(a.shape[0], dtype=np.int64)
    perm[rows] = cols
    return perm, S[rows, cols][np.argsort(rows)]


def stability(betas: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Pairwise stability of several runs of the same k.

    Returns
    -------
    (pair, per_topic)
        ``pair[i, j]``: mean matched similarity of runs i and j (symmetric, 1 on the diagonal);
        ``per_topic[i, t]``: mean over the other runs of the similarity of run i's topic t to its match.
    """
    m = len(betas)
    k = betas[0].shape[0]
    pair = np.eye(m)
    per_topic = np.zeros((m, k))
    for i in range(m):
        for j in range(i + 1, m):
            perm, sims = match_topics(betas[i], betas[j])
            pair[i, j] = pair[j, i] = sims.mean()
            per_topic[i] += sims
            inv = np.empty_like(perm)
            inv[perm] = np.arange(k)
            per_topic[j] += sims[inv]
    per_topic /= max(m - 1, 1)
    return pair, per_topic
