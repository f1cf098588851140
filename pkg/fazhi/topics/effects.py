"""Topic prevalence by covariates (table ``topic_effects``), with the topic model's own uncertainty.

In: the primary model's ``TopicFit``, its ``DTM`` and the ``documents`` table (level, doc_type,
period_start, region). Out: ``topic_effects`` rows. How: documents' topic proportions regressed on level,
doc type and year; a random intercept per region (statsmodels ``MixedLM``) where documents are nested in
regions; intervals by the method of composition over draws from the units' Dirichlet posterior (stm's
``estimateEffect``).
"""

from __future__ import annotations

import warnings

import numpy as np
import polars as pl
from scipy import sparse

from ..schema import TOPIC_EFFECTS
from .fitting import TopicFit
from .matrix import DTM

EFFECT_COVARIATES = ("level", "doc_type", "year")


def unit_posterior(fit: TopicFit, n_tokens: np.ndarray) -> np.ndarray:
    """Dirichlet parameters of each unit's topic shares (units × k), the posterior the effects draw from.

    LDA: the fit's variational parameters ``gamma``. NMF has no posterior; its documented equivalent is the
    Dirichlet a unit's ``n`` tokens split by its shares would give under a uniform 1/k prior,
    ``1/k + n × share`` (the same form as LDA's gamma, which is the prior plus the expected counts).
    """
    if fit.gamma is not None:
        return np.maximum(fit.gamma, 1e-12)
    k = fit.theta.shape[1]
    return 1.0 / k + n_tokens[:, None].astype(float) * fit.theta


def effect_design(docs: pl.DataFrame, *, max_params: int) -> tuple[np.ndarray, list[tuple[str, str]]]:
    """The design matrix of the effects regression and the name (covariate, contrast) of each column.

    Columns: an intercept; for ``level`` and ``doc_type`` one indicator per value other than the reference
    (the most common value, ties by name); ``year`` as (year − mean) / 10. A covariate enters only when it
    varies, and only while the number of columns stays at most ``max_params`` (covariates in the order of
    ``EFFECT_COVARIATES``; one that would exceed it is skipped, so a five-document corpus still gets the
    contrasts it can support).
    """
    cols = [np.ones(docs.height)]
    names = [("intercept", "reference document")]
    for cov in EFFECT_COVARIATES:
        if cov == "year":
            y = docs["year"].to_numpy().astype(float)
            if np.unique(y).size < 2 or len(cols) + 1 > max_params:
                continue
            cols.append((y - y.mean()) / 10.0)
            names.append(("year", "per 10 years"))
            continue
        vals = docs[cov].to_list()
        freq: dict[str, int] = {}
        for v in vals:
            freq[v] = freq.get(v, 0) + 1
        levels = sorted(freq, key=lambda v: (-freq[v], v))
        if len(levels) < 2 or len(cols) + len(levels) - 1 > max_params:
            continue
        ref = levels[0]
        arr = np.asarray(vals, dtype=object)
        for v in sorted(levels[1:]):
            cols.append((arr == v).astype(float))
            names.append((cov, f"{v} − {ref}"))
    return np.column_stack(cols), names


def _gls_operator(
    X: np.ndarray, groups: np.ndarray | None, ratio: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For V = σ²(I + ratio·ZZ') (Z: group indicators; OLS when ``groups`` is None or ratio ≤ 0): the matrix
    P with β̂ = P y, V's inverse up to σ², and (X'V⁻¹X)⁻¹ up to σ². Computed once per topic, used per draw."""
    n = X.shape[0]
    if groups is None or ratio <= 0:
        Vi = np.eye(n)
    else:
        Z = (groups[:, None] == np.unique(groups)[None, :]).astype(float)
        Vi = np.linalg.inv(np.eye(n) + ratio * (Z @ Z.T))
    A = np.linalg.pinv(X.T @ Vi @ X)
    return A @ X.T @ Vi, Vi, A


def _gls(
    y: np.ndarray, X: np.ndarray, op: tuple[np.ndarray, np.ndarray, np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    """GLS coefficients and their covariance, σ² estimated from the (V-weighted) residuals."""
    P, Vi, A = op
    beta = P @ y
    r = y - X @ beta
    sigma2 = float(r @ Vi @ r) / max(X.shape[0] - X.shape[1], 1)
    return beta, A * sigma2


def topic_effects(
    fit: TopicFit,
    dtm: DTM,
    documents: pl.DataFrame | None,
    labels: pl.DataFrame | None = None,
    *,
    n_draws: int = 50,
    seed: int = 0,
    ci: float = 0.95,
) -> pl.DataFrame:
    """Regression of documents' topic proportions on level, doc type and year, with jurisdictions (regions)
    as random intercepts where documents are nested in them, and uncertainty that carries the topic model's.

    How (stm's ``estimateEffect``, method of composition):

    1. A document's topic proportions are the token-weighted mean of its units' shares.
    2. Variance components, once per topic: statsmodels' ``MixedLM`` (REML, random intercept per region;
       documents without a region form one group) on the posterior-mean proportions, when at least five
       regions exist and one holds two or more documents; otherwise OLS (no pooling is possible).
    3. ``n_draws`` times: draw every unit's shares from its Dirichlet posterior (``unit_posterior``),
       aggregate to documents, refit each topic's regression by GLS with the variance ratio of step 2
       (the same estimator as MixedLM's at those components, without re-estimating them per draw), and draw
       one coefficient vector from the normal approximation of its sampling distribution.
    4. The composed draws give the estimate (mean), ``se`` (sd) and the percentile interval.

    Returns
    -------
    polars.DataFrame
        ``topic_effects`` rows (see ``fazhi.schema.TOPIC_EFFECTS``); empty without documents or when the
        documents cannot support any contrast.
    """
    from threadpoolctl import threadpool_limits

    empty = pl.DataFrame(schema=TOPIC_EFFECTS.polars_schema)
    docs = None if documents is None or documents.height == 0 else _effect_documents(dtm, documents)
    if docs is None or docs.height < 3:
        return empty
    n_docs = docs.height
    X, names = effect_design(docs, max_params=n_docs - 2)
    if X.shape[1] < 2:
        return empty
    n_tok = dtm.units["n_tokens"].to_numpy().astype(float)
    agg = _aggregation_matrix(dtm, docs)
    regions = docs["region"].to_numpy()
    sizes = docs.group_by("region").len()["len"].to_numpy()
    mixed = sizes.size >= 5 and int(sizes.max()) >= 2 and sizes.size < n_docs
    k = fit.theta.shape[1]
    with threadpool_limits(limits=1):  # single-thread BLAS: byte-identical fits and draws on any machine
        if mixed:
            ratios, failed = _variance_ratios(np.asarray(agg @ fit.theta), X, regions)
        else:
            ratios, failed = np.zeros(k), set()
        ops = [_gls_operator(X, regions if mixed else None, float(ratios[t])) for t in range(k)]
        draws = _composed_draws(unit_posterior(fit, n_tok), agg, X, ops, n_draws=n_draws, seed=seed)
    a = (1 - ci) / 2
    est, sd = draws.mean(axis=0), draws.std(axis=0, ddof=1) if n_draws > 1 else np.zeros((k, X.shape[1]))
    lo, hi = np.quantile(draws, a, axis=0), np.quantile(draws, 1 - a, axis=0)
    lab = {}
    if labels is not None:
        mine = labels.filter(pl.col("model") == fit.model)
        lab = dict(zip(mine["topic"], mine["label"]))
    rows = []
    for t in range(k):
        pooled = mixed and t not in failed
        method = "mixedlm" if pooled else ("ols (mixedlm failed: singular)" if mixed else "ols")
        for j, (cov, contrast) in enumerate(names):
            values = (float(est[t, j]), float(sd[t, j]), float(lo[t, j]), float(hi[t, j]))
            n_groups = int(sizes.size) if pooled else None
            rows.append((fit.model, t, lab.get(t), cov, contrast, *values, n_docs, n_groups, method, n_draws))
    return pl.DataFrame(rows, schema=TOPIC_EFFECTS.polars_schema, orient="row")


def _effect_documents(dtm: DTM, documents: pl.DataFrame) -> pl.DataFrame:
    """The documents of the matrix with their covariates (level, doc_type, year, region; "unknown" or 0
    where missing), sorted by doc_id; documents without a year leave when the year varies."""
    cols = documents.columns

    def text(c: str) -> pl.Expr:
        return (
            (pl.col(c) if c in cols else pl.lit(None, pl.String))
            .cast(pl.String)
            .fill_null("unknown")
            .alias(c)
        )

    year = (pl.col("period_start") if "period_start" in cols else pl.lit(None, pl.Int32)).cast(pl.Float64)
    meta = documents.select("doc_id", text("level"), text("doc_type"), year.alias("year"), text("region"))
    present = sorted(set(dtm.units["doc_id"].to_list()))
    docs = meta.filter(pl.col("doc_id").is_in(present))
    if docs["year"].null_count() and docs["year"].drop_nulls().n_unique() >= 2:
        docs = docs.drop_nulls("year")  # year varies: documents without one leave the regression
    else:
        docs = docs.with_columns(pl.col("year").fill_null(0.0))
    return docs.sort("doc_id")


def _aggregation_matrix(dtm: DTM, docs: pl.DataFrame) -> sparse.csr_matrix:
    """Documents × units, each unit's token weight normalised within its document (rows sum to 1)."""
    n_tok = dtm.units["n_tokens"].to_numpy().astype(float)
    index = {d: i for i, d in enumerate(docs["doc_id"].to_list())}
    rows_doc = np.array([index.get(d, -1) for d in dtm.units["doc_id"].to_list()])
    keep = rows_doc >= 0
    shape = (docs.height, dtm.units.height)
    agg = sparse.csr_matrix((n_tok[keep], (rows_doc[keep], np.flatnonzero(keep))), shape=shape)
    return sparse.diags(1.0 / np.asarray(agg.sum(axis=1)).ravel()) @ agg


def _variance_ratios(props: np.ndarray, X: np.ndarray, regions: np.ndarray) -> tuple[np.ndarray, set[int]]:
    """Per topic, the region variance over the residual variance from statsmodels' ``MixedLM`` (REML) on
    the posterior-mean proportions, and the topics whose fit failed (singular: no pooling, ratio 0)."""
    import statsmodels.api as sm
    from statsmodels.tools.sm_exceptions import ConvergenceWarning as SMConvergence

    ratios = np.zeros(props.shape[1])
    failed: set[int] = set()
    for t in range(props.shape[1]):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", category=SMConvergence)
            warnings.simplefilter("ignore", category=RuntimeWarning)
            warnings.simplefilter("ignore", category=UserWarning)
            try:
                res = sm.MixedLM(props[:, t], X, groups=regions).fit(reml=True)
            except (np.linalg.LinAlgError, ValueError):  # singular variance components: no pooling
                failed.add(t)
                continue
        scale = float(res.scale)
        tau2 = float(np.asarray(res.cov_re).ravel()[0]) if np.size(res.cov_re) else 0.0
        ratios[t] = tau2 / scale if scale > 0 and np.isfinite(tau2) else 0.0
    return ratios, failed


def _composed_draws(
    alpha: np.ndarray,
    agg: sparse.csr_matrix,
    X: np.ndarray,
    ops: list[tuple[np.ndarray, np.ndarray, np.ndarray]],
    *,
    n_draws: int,
    seed: int,
) -> np.ndarray:
    """Method of composition: per draw, units' shares from their Dirichlet posterior, documents'
    proportions, each topic's GLS fit, and one coefficient vector from its normal approximation
    (draws × topics × coefficients)."""
    rng = np.random.default_rng(seed)
    k = alpha.shape[1]
    draws = np.empty((n_draws, k, X.shape[1]))
    for r in range(n_draws):
        g = rng.standard_gamma(alpha)
        props = np.asarray(agg @ (g / g.sum(axis=1, keepdims=True)))
        for t in range(k):
            beta, cov = _gls(props[:, t], X, ops[t])
            draws[r, t] = rng.multivariate_normal(beta, (cov + cov.T) / 2, method="eigh")
    return draws
