"""Fitting topic models and choosing the model and k.

In: a ``DTM`` and ``TopicSettings``. Out: ``TopicFit`` (one fitted LDA or NMF), ``GridResult`` (every
model × k × seed of the grid, ``topic_runs`` and ``model_selection``). How: scikit-learn's
``LatentDirichletAllocation`` and ``NMF`` under a single-thread BLAS limit (a seed gives byte-identical
results); ``select_k`` applies the documented rule (``SELECTION_RULE``) and ``fit_grid`` widens the grid
while the choice sits at its edge (``widen_k``).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl
from scipy import sparse

from ..schema import MODEL_SELECTION
from ..schema import frame as table_frame
from .diagnostics import exclusivity, npmi_coherence, stability, top_terms
from .matrix import DTM
from .settings import MODELS, TopicSettings


@dataclass
class TopicFit:
    """One fitted model: the normalised topic-word matrix (k × V), unit-topic matrix (n × k), diagnostics.

    ``components`` is the estimator's raw ``components_`` (byte-identical for a seed); ``beta`` its rows
    normalised to sum to 1; ``theta`` the unit-topic shares (rows sum to 1).
    """

    model: str
    k: int
    seed: int
    components: np.ndarray
    beta: np.ndarray
    theta: np.ndarray
    perplexity: float | None
    n_iter: int
    #: LDA: the variational Dirichlet parameters of each unit's topic shares (units × k), the posterior that
    #: ``topic_effects`` draws from; None for NMF
    gamma: np.ndarray | None = None


def _row_normalise(a: np.ndarray) -> np.ndarray:
    s = a.sum(axis=1, keepdims=True)
    out = np.divide(a, s, out=np.zeros_like(a, dtype=np.float64), where=s > 0)
    # A unit NMF leaves at zero has no topic; give it uniform shares so rows still sum to 1.
    empty = s[:, 0] <= 0
    if empty.any():
        out[empty] = 1.0 / a.shape[1]
    return out


def tfidf(X: sparse.csr_matrix) -> sparse.csr_matrix:
    """Sublinear tf-idf with smooth idf and l2 row norms (scikit-learn's TfidfTransformer): NMF's input."""
    from sklearn.feature_extraction.text import TfidfTransformer

    return TfidfTransformer(sublinear_tf=True, smooth_idf=True, norm="l2").fit_transform(X.astype(np.float64))


def lda_method(n_units: int, settings: TopicSettings | None = None) -> str:
    """The LDA learning method used for a matrix of ``n_units`` units: the setting, with ``auto`` resolved
    to batch up to ``lda_online_min_units`` units and online (mini-batch) above."""
    s = settings or TopicSettings()
    if s.lda_learning_method != "auto":
        return s.lda_learning_method
    return "online" if n_units > s.lda_online_min_units else "batch"


def fit_topic_model(
    X: sparse.csr_matrix,
    k: int,
    *,
    model: str = "lda",
    seed: int = 0,
    settings: TopicSettings | None = None,
    X_tfidf: sparse.csr_matrix | None = None,
) -> TopicFit:
    """Fit LDA or NMF with ``k`` topics; deterministic for a seed (single-thread BLAS).

    Parameters
    ----------
    X
        Counts, units × terms.
    k
        Number of topics.
    model
        ``lda`` (LatentDirichletAllocation on counts, priors 1/k; batch or online variational Bayes, see
        ``lda_method``) or ``nmf`` (Frobenius NMF by coordinate descent on sublinear tf-idf, random
        initialisation).
    seed
        ``random_state`` of the estimator.
    settings
        ``lda_learning_method`` and its ``lda_*`` companions, ``nmf_max_iter``.
    X_tfidf
        A precomputed ``tfidf(X)``, to avoid recomputing it for every NMF fit.

    Returns
    -------
    TopicFit
    """
    from sklearn.exceptions import ConvergenceWarning
    from threadpoolctl import threadpool_limits

    s = settings or TopicSettings()
    if model not in MODELS:
        raise ValueError(f"model must be one of {MODELS}, not {model!r}")
    # A fit stopped by max_iter is not an error here: the iterations run are recorded in topic_runs.
    with threadpool_limits(limits=1), warnings.catch_warnings():
        warnings.simplefilter("ignore", category=ConvergenceWarning)
        if model == "lda":
            components, gamma, perplexity, n_iter = _fit_lda(X, k, seed=seed, settings=s)
            shares = gamma
        else:
            components, shares, n_iter = _fit_nmf(
                X_tfidf if X_tfidf is not None else tfidf(X), k, seed=seed, settings=s
            )
            gamma, perplexity = None, None
    return TopicFit(
        model=model,
        k=k,
        seed=seed,
        components=components,
        beta=_row_normalise(components),
        theta=_row_normalise(np.asarray(shares, dtype=np.float64)),
        perplexity=perplexity,
        n_iter=n_iter,
        gamma=gamma,
    )


def _fit_lda(
    X: sparse.csr_matrix, k: int, *, seed: int, settings: TopicSettings
) -> tuple[np.ndarray, np.ndarray, float, int]:
    """LDA's components, the units' variational Dirichlet parameters (gamma), in-sample perplexity and the
    passes run, through scikit-learn's public API only.

    Batch: ``fit``. Online: ``partial_fit`` once per pass, with ``total_samples`` the number of units:
    scikit-learn's online ``fit`` runs the same mini-batch updates in the same order, then an E-step and a
    bound of its own, which ``fit`` cannot skip; here one E-step (``transform(normalize=False)``) serves both
    gamma and the perplexity (``lda_perplexity``).
    """
    from sklearn.decomposition import LatentDirichletAllocation

    s = settings
    method = lda_method(X.shape[0], s)
    est = LatentDirichletAllocation(
        n_components=k,
        learning_method=method,
        max_iter=s.lda_max_iter if method == "batch" else s.lda_online_passes,
        batch_size=s.lda_batch_size,
        total_samples=X.shape[0],
        topic_word_prior=s.lda_topic_word_prior,
        max_doc_update_iter=s.lda_doc_update_iter if method == "batch" else s.lda_online_doc_update_iter,
        evaluate_every=-1,
        random_state=seed,
        n_jobs=None,
    )
    Xf = sparse.csr_matrix(X, dtype=np.float64)
    if method == "batch":
        est.fit(Xf)
        n_iter = int(est.n_iter_)
    else:
        for _ in range(s.lda_online_passes):
            est.partial_fit(Xf)
        n_iter = s.lda_online_passes
    gamma = np.asarray(est.transform(Xf, normalize=False), dtype=np.float64)
    components = np.asarray(est.components_, dtype=np.float64)
    perplexity = lda_perplexity(
        Xf, gamma, components, doc_topic_prior=est.doc_topic_prior_, topic_word_prior=est.topic_word_prior_
    )
    return components, gamma, perplexity, n_iter


def _fit_nmf(
    Xt: sparse.csr_matrix, k: int, *, seed: int, settings: TopicSettings
) -> tuple[np.ndarray, np.ndarray, int]:
    """NMF's components, the units' weights and the iterations run (coordinate descent, random start)."""
    from sklearn.decomposition import NMF

    est = NMF(
        n_components=k,
        init="random",
        solver="cd",
        max_iter=settings.nmf_max_iter,
        random_state=seed,
        tol=1e-4,
    )
    W = est.fit_transform(Xt)
    return np.asarray(est.components_, dtype=np.float64), W, int(est.n_iter_)


#: (units × topics) cells of the per-term log-sum-exp ``lda_perplexity`` holds at once (memory bound)
_BOUND_BLOCK = 2**22


def lda_perplexity(
    X: sparse.csr_matrix,
    gamma: np.ndarray,
    components: np.ndarray,
    *,
    doc_topic_prior: float,
    topic_word_prior: float,
) -> float:
    """In-sample perplexity of an LDA fit from its variational parameters: exp(−bound / tokens).

    The bound is the evidence lower bound of variational LDA (Blei, Ng & Jordan 2003; Hoffman, Blei & Bach
    2010, eq. 3), the quantity scikit-learn's ``LatentDirichletAllocation.score`` and ``perplexity`` report,
    with E[log θ_dk] = ψ(γ_dk) − ψ(Σ_k γ_dk) and E[log β_kw] = ψ(λ_kw) − ψ(Σ_w λ_kw) (λ = ``components``):

        Σ_dw n_dw log Σ_k exp(E[log θ_dk] + E[log β_kw])
        + Σ_dk [(α − γ_dk) E[log θ_dk] + log Γ(γ_dk) − log Γ(α)] + Σ_d [log Γ(Kα) − log Γ(Σ_k γ_dk)]
        + Σ_kw [(η − λ_kw) E[log β_kw] + log Γ(λ_kw) − log Γ(η)] + Σ_k [log Γ(Vη) − log Γ(Σ_w λ_kw)]

    The first sum runs over the non-zero cells of ``X`` in row blocks (memory stays bounded).
    """
    from scipy.special import gammaln, logsumexp, psi

    X = sparse.csr_matrix(X)
    e_theta = psi(gamma) - psi(gamma.sum(axis=1))[:, None]
    e_beta = psi(components) - psi(components.sum(axis=1))[:, None]
    k = gamma.shape[1]
    rows = np.repeat(np.arange(X.shape[0]), np.diff(X.indptr))
    step = max(1, _BOUND_BLOCK // max(k, 1))
    words = 0.0
    for a in range(0, X.nnz, step):
        r, c = rows[a : a + step], X.indices[a : a + step]
        words += float(X.data[a : a + step] @ logsumexp(e_theta[r] + e_beta[:, c].T, axis=1))

    def dirichlet_terms(prior: float, q: np.ndarray, e_log: np.ndarray) -> float:
        out = np.sum((prior - q) * e_log) + np.sum(gammaln(q) - gammaln(prior))
        return float(out + np.sum(gammaln(prior * q.shape[1]) - gammaln(q.sum(axis=1))))

    bound = words + dirichlet_terms(doc_topic_prior, gamma, e_theta)
    bound += dirichlet_terms(topic_word_prior, components, e_beta)
    return float(np.exp(-bound / X.sum()))


SELECTION_RULE = (
    "min-max scale coherence (NPMI), exclusivity (FREX) and stability over the rows of the grid "
    "(both models together when primary_model = auto, else the primary model's rows); choose the row "
    "with the highest mean of the three (ties: smaller k, then lda before nmf): its k is the chosen k "
    "and its model the primary model; perplexity is shown, not used"
)


def _scaled(v: np.ndarray) -> np.ndarray:
    lo, hi = np.nanmin(v), np.nanmax(v)
    if not np.isfinite(lo) or hi - lo <= 1e-12:
        return np.ones_like(v)
    return (v - lo) / (hi - lo)


def select_k(
    selection: pl.DataFrame, primary_model: str = "auto", *, flat_margin: float = 0.05
) -> pl.DataFrame:
    """Apply the selection rule to a frame with model, k, coherence, exclusivity, stability.

    ``primary_model = "auto"``: the three criteria are min-max scaled over every row (both models), and the
    best row names both the chosen k and the primary model, by one rule. A named primary model: the criteria
    are scaled within each model and k is chosen among the primary model's rows.

    Adds ``score`` (mean of the three scaled criteria), ``primary`` (the row's model is the primary model),
    ``chosen`` (the chosen k, marked on every model's row of that k), ``interior`` (the chosen k lies
    strictly inside the primary model's grid), ``margin`` (the chosen row's score minus the best score of the
    primary model's other k), ``flat`` (margin below ``flat_margin``: the criterion does not pin k down) and
    ``rule``.
    """
    sel = selection.sort("model", "k")
    crits = ("coherence", "exclusivity", "stability")
    if primary_model == "auto":
        crit = np.column_stack([_scaled(sel[c].to_numpy().astype(float)) for c in crits])
        out = sel.with_columns(score=pl.Series(crit.mean(axis=1)))
        cand = out
    else:
        parts = []
        for (_model,), g in sel.group_by("model", maintain_order=True):
            crit = np.column_stack([_scaled(g[c].to_numpy().astype(float)) for c in crits])
            parts.append(g.with_columns(score=pl.Series(crit.mean(axis=1))))
        out = pl.concat(parts).sort("model", "k")
        cand = out.filter(pl.col("model") == primary_model)
    best = cand.sort(["score", "k", "model"], descending=[True, False, False]).row(0, named=True)
    model, k = best["model"], int(best["k"])
    prim = out.filter(pl.col("model") == model)
    others = prim.filter(pl.col("k") != k)["score"]
    margin = float(best["score"] - others.max()) if others.len() else None
    ks = prim["k"].to_list()
    interior = min(ks) < k < max(ks)
    return out.with_columns(
        primary=pl.col("model") == model,
        chosen=pl.col("k") == k,
        interior=pl.lit(interior),
        margin=pl.lit(margin, pl.Float64),
        flat=pl.lit(margin is None or margin < flat_margin),
        rule=pl.lit(SELECTION_RULE),
    )


def widen_k(ks: Sequence[int], chosen: int, *, max_k: int, step: int | None = None) -> int | None:
    """The next k to fit when the chosen k sits at an edge of the grid ``ks``, or None.

    Chosen at the top: the top plus ``step`` (default: the grid's last spacing, at least 1) while it stays at
    or below ``max_k``; chosen at the bottom: the bottom minus the step, not below 2. None when the chosen k
    is interior, or the edge cannot move (then ``model_selection.interior`` is false and says so), or the
    grid holds a single k (the researcher fixed k).
    """
    ks = sorted(set(ks))
    if len(ks) < 2:  # a single k is the researcher fixing k: nothing to widen
        return None
    gap = step or max(1, ks[-1] - ks[-2] if chosen == ks[-1] else ks[1] - ks[0])
    if chosen == ks[-1] and ks[-1] + gap <= max_k:
        return ks[-1] + gap
    if chosen == ks[0] and ks[0] > 2:
        return max(2, ks[0] - gap)
    return None


@dataclass
class GridResult:
    """All fits of the grid, and the per-run and per-k diagnostics."""

    fits: dict[tuple[str, int, int], TopicFit]
    runs: pl.DataFrame
    selection: pl.DataFrame
    per_topic_stability: dict[tuple[str, int], np.ndarray]


def _fit_one(
    args: tuple[sparse.csr_matrix, sparse.csr_matrix | None, str, int, int, TopicSettings],
) -> TopicFit:
    X, Xt, model, k, seed, s = args
    return fit_topic_model(X, k, model=model, seed=seed, settings=s, X_tfidf=Xt)


def _fit_many(tasks: list[tuple], jobs: int) -> list[TopicFit]:
    if jobs > 1 and len(tasks) > 1:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        # spawn, not fork: forking a process that runs polars' thread pool can deadlock.
        with ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
            return list(pool.map(_fit_one, tasks, chunksize=1))
    return [_fit_one(t) for t in tasks]


def _diagnose_k(
    group: list[TopicFit], X: sparse.spmatrix, s: TopicSettings
) -> tuple[np.ndarray, np.ndarray, list[float], list[float]]:
    """Stability (pairwise and per topic) and per-run coherence and exclusivity of one model × k."""
    pair, per_topic = stability([f.beta for f in group])
    cohs = [float(np.nanmean(npmi_coherence(X, top_terms(f.beta, s.n_top)))) for f in group]
    excls = [float(exclusivity(f.beta, s.n_top, s.frex_weight).mean()) for f in group]
    return pair, per_topic, cohs, excls


def fit_grid(
    dtm: DTM,
    settings: TopicSettings | None = None,
    jobs: int | None = None,
    *,
    n_units_all: int | None = None,
) -> GridResult:
    """Fit every model × k × seed of the settings' grid, widening it while the chosen k sits at an edge,
    and compute the diagnostics of model selection.

    Parameters
    ----------
    dtm
        The document-term matrix.
    settings
        Grid (``models``, ``k_grid``, ``seeds``, ``k_widen_steps``, ``k_max``) and fitting settings.
    jobs
        Worker processes (default ``settings.jobs``); fits are independent and single-threaded, so the
        result is the same for any number of workers.
    n_units_all
        Units of the whole matrix when ``dtm`` is the selection sample (recorded in ``model_selection``);
        default: ``dtm``'s own.

    Notes
    -----
    Widening: after the grid is fitted, the rule (``select_k``) is applied; when the chosen k is the largest
    (smallest) of the grid, the next k above (below) is fitted for every model and seed (``widen_k``) and the
    rule applied again, at most ``k_widen_steps`` times and never beyond ``k_max`` (nor below 2). The
    final grid is what ``model_selection`` lists; ``interior`` says whether the choice ended inside it.
    """
    s = settings or TopicSettings()
    jobs = jobs or s.jobs
    X = dtm.X
    n_units = X.shape[0]
    n_units_all = n_units if n_units_all is None else n_units_all
    Xt = tfidf(X) if "nmf" in s.models else None
    max_k = max(1, min(min(X.shape) - 1, s.k_max))
    ks = sorted({k for k in s.k_grid if 2 <= k <= max_k}) or [min(2, max_k)]
    fits: dict[tuple[str, int, int], TopicFit] = {}
    diag: dict[tuple[str, int], tuple[np.ndarray, np.ndarray, list[float], list[float]]] = {}
    for step in range(s.k_widen_steps + 1):
        todo = [k for k in ks if (s.models[0], k) not in diag]
        tasks = [
            (X, Xt if m == "nmf" else None, m, k, seed, s) for m in s.models for k in todo for seed in s.seeds
        ]
        for f in _fit_many(tasks, jobs):
            fits[(f.model, f.k, f.seed)] = f
        for m in s.models:
            for k in todo:
                diag[(m, k)] = _diagnose_k([fits[(m, k, seed)] for seed in s.seeds], X, s)
        sel = _selection_frame(diag, fits, s, ks, n_units, n_units_all)
        chosen = int(sel.filter(pl.col("chosen"))["k"][0])
        nxt = widen_k(ks, chosen, max_k=max_k) if step < s.k_widen_steps else None
        if nxt is None or nxt in ks:
            break
        ks = sorted([*ks, nxt])

    runs, per_topic_stab = _runs_table(diag, fits, s, ks, n_units)
    fits = {key: f for key, f in fits.items() if key[1] in ks}
    return GridResult(fits=fits, runs=runs, selection=sel, per_topic_stability=per_topic_stab)


def _runs_table(
    diag: Mapping[tuple[str, int], tuple[np.ndarray, np.ndarray, list[float], list[float]]],
    fits: Mapping[tuple[str, int, int], TopicFit],
    s: TopicSettings,
    ks: Sequence[int],
    n_units: int,
) -> tuple[pl.DataFrame, dict[tuple[str, int], np.ndarray]]:
    """The ``topic_runs`` table (one row per model, k and seed; the medoid run marked) and each model × k's
    per-topic stability."""
    run_rows = []
    per_topic_stab: dict[tuple[str, int], np.ndarray] = {}
    for m in s.models:
        for k in ks:
            pair, per_topic, cohs, excls = diag[(m, k)]
            group = [fits[(m, k, seed)] for seed in s.seeds]
            per_topic_stab[(m, k)] = per_topic
            run_stab = (pair.sum(axis=1) - 1) / (len(group) - 1)
            medoid = int(np.argmax(np.round(run_stab, 12)))  # argmax returns the first (lowest seed) on ties
            for i, f in enumerate(group):
                stab = float(run_stab[i])
                run_rows.append(
                    (m, k, f.seed, cohs[i], excls[i], f.perplexity, stab, f.n_iter, i == medoid, n_units)
                )
    return table_frame("topic_runs", run_rows).sort("model", "k", "seed"), per_topic_stab


def _selection_frame(
    diag: Mapping[tuple[str, int], tuple[np.ndarray, np.ndarray, list[float], list[float]]],
    fits: Mapping[tuple[str, int, int], TopicFit],
    s: TopicSettings,
    ks: Sequence[int],
    n_units: int,
    n_units_all: int,
) -> pl.DataFrame:
    sel_rows = []
    for m in s.models:
        for k in ks:
            pair, _, cohs, excls = diag[(m, k)]
            perps = [fits[(m, k, seed)].perplexity for seed in s.seeds]
            perps = [p for p in perps if p is not None]
            iu = np.triu_indices(len(s.seeds), 1)
            sel_rows.append(
                (
                    m,
                    k,
                    len(s.seeds),
                    n_units,
                    n_units_all,
                    float(np.mean(cohs)),
                    float(np.std(cohs, ddof=1)) if len(cohs) > 1 else 0.0,
                    float(np.mean(excls)),
                    float(np.mean(perps)) if perps else None,
                    float(pair[iu].mean()),
                    float(pair[iu].min()),
                )
            )
    sel = pl.DataFrame(
        sel_rows,
        schema={
            "model": pl.String,
            "k": pl.Int32,
            "n_seeds": pl.Int32,
            "n_units": pl.Int32,
            "n_units_all": pl.Int32,
            "coherence": pl.Float64,
            "coherence_sd": pl.Float64,
            "exclusivity": pl.Float64,
            "perplexity": pl.Float64,
            "stability": pl.Float64,
            "stability_min": pl.Float64,
        },
        orient="row",
    )
    return select_k(sel, s.primary_model, flat_margin=s.flat_margin).select(MODEL_SELECTION.names)
