"""Compare documents by any covariate: per-group estimates and pairwise contrasts a reviewer accepts.

In: one row per document (and per theme, when a ``theme`` column is present) with a numeric ``value``
and the covariate to compare by (``level``, ``doc_type``, ``period``, ``region``, ``issuer`` …).
Out: ``compare_groups`` returns two tables: per-group estimates (``groups``) and pairwise contrasts
(``contrasts``); ``claims`` turns them into sentences that say only what the contrasts support.

How
---
*The unit of resampling is the unit of the claim.* A claim about levels of government (or any group of
documents) is a claim about documents, so intervals come from a **cluster bootstrap over documents**:
each replicate draws, within each group, as many documents as the group has, with replacement, and
takes the mean of their values. A group gets an interval only when it has at least ``min_docs``
documents (``MIN_DOCS``, default 5); below that its value is descriptive (the mean of those documents)
and it takes part in no contrast with an interval.

*Groups that are never ranked.* ``unknown`` and null covariate values (``UNRANKED``) are reported on
their own rows with ``ranked = false`` and never enter a contrast.

*Multiple comparisons (Holm).* For every pair of interval groups the difference of means is bootstrapped
(independent draws per group, one random stream per group derived from ``seed`` and the group's name).
Its two-sided bootstrap p-value is ``p = min(1, 2 · min(#(d* ≤ 0) + 1, #(d* ≥ 0) + 1) / (B + 1))``. Within one
family — the contrasts of one theme on one covariate in one stratum — p-values are Holm-adjusted
(step-down: the i-th smallest of m is multiplied by m − i + 1, made monotone, capped at 1). The interval
reported for a contrast is the percentile interval at the Holm level of its rank, ``1 − α/(m − i + 1)``.
A contrast is ``supported`` when its Holm-adjusted p-value is at most α **and** that interval excludes zero.
Only supported contrasts may be put into words as a difference ("more", "most"); everything else is
"no detectable difference".

*Confounding.* ``within=`` repeats the comparison inside each stratum of a second covariate (e.g. levels
within one document type), so that level is not read for document type. ``confounding`` says whether
such a comparison is possible at all.
"""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl

#: A group needs at least this many documents for an interval (and for any contrast with one).
MIN_DOCS = 5
#: Bootstrap replicates and the seed of the random streams.
N_BOOT = 2000
SEED = 20240322
#: Family-wise error rate of each family of contrasts (Holm).
ALPHA = 0.05
#: Covariate values that are reported apart and never ranked.
UNRANKED = ("unknown", "")

GROUPS_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "covariate": pl.String,
    "within": pl.String,
    "stratum": pl.String,
    "theme": pl.String,
    "group": pl.String,
    "ranked": pl.Boolean,
    "n_docs": pl.Int32,
    "n_present": pl.Int32,
    "value": pl.Float64,
    "ci_low": pl.Float64,
    "ci_high": pl.Float64,
    "interval": pl.String,
    "n_boot": pl.Int32,
}

CONTRASTS_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "covariate": pl.String,
    "within": pl.String,
    "stratum": pl.String,
    "theme": pl.String,
    "group_a": pl.String,
    "group_b": pl.String,
    "diff": pl.Float64,
    "ci_low": pl.Float64,
    "ci_high": pl.Float64,
    "ci_level": pl.Float64,
    "p_value": pl.Float64,
    "p_holm": pl.Float64,
    "supported": pl.Boolean,
    "n_docs_a": pl.Int32,
    "n_docs_b": pl.Int32,
    "method": pl.String,
}

#: Meaning of ``groups.interval`` values.
INTERVALS = {
    "cluster_bootstrap": "percentile interval from resampling the group's documents",
    "descriptive": "fewer than min_docs documents: the mean of these documents, no interval",
    "not_ranked": "unknown or missing value: reported apart, never compared",
}


@dataclass(frozen=True)
class Comparison:
    """The result of ``compare_groups``: per-group estimates and pairwise contrasts."""

    groups: pl.DataFrame
    contrasts: pl.DataFrame
    min_docs: int
    alpha: float


def is_unranked(value: object) -> bool:
    """True for a covariate value that is never ranked: null, empty or ``unknown``."""
    return value is None or str(value).strip().lower() in UNRANKED


def _stream(seed: int, *keys: str) -> np.random.Generator:
    digest = int.from_bytes(hashlib.sha256("\0".join(keys).encode()).digest()[:8], "big")
    return np.random.default_rng(np.random.SeedSequence([seed, digest]))


def holm(p: Sequence[float]) -> np.ndarray:
    """Holm step-down adjusted p-values (monotone, capped at 1), in the input order."""
    p = np.asarray(p, dtype=np.float64)
    m = len(p)
    if m == 0:
        return p
    order = np.argsort(p, kind="stable")
    adj = np.minimum(1.0, np.maximum.accumulate((m - np.arange(m)) * p[order]))
    out = np.empty(m)
    out[order] = adj
    return out


def holm_levels(p: Sequence[float], alpha: float = ALPHA) -> np.ndarray:
    """The Holm level of each p-value's rank, ``alpha / (m - rank + 1)`` (rank 1 = smallest p)."""
    p = np.asarray(p, dtype=np.float64)
    m = len(p)
    ranks = np.empty(m, dtype=np.int64)
    ranks[np.argsort(p, kind="stable")] = np.arange(1, m + 1)
    return alpha / (m - ranks + 1)


def bootstrap_p(reps: np.ndarray) -> float:
    """Two-sided bootstrap p-value of a difference being zero, from its replicates."""
    b = len(reps)
    low = int((reps <= 0).sum()) + 1
    high = int((reps >= 0).sum()) + 1
    return float(min(1.0, 2 * min(low, high) / (b + 1)))


def _order(groups: list[str], order: Sequence[str] | None) -> list[str]:
    if order:
        rank = {g: k for k, g in enumerate(order)}
        return sorted(groups, key=lambda g: (rank.get(g, len(rank)), g))
    return sorted(groups)


def _compare_one(
    df: pl.DataFrame,
    *,
    covariate: str,
    within: str | None,
    stratum: str | None,
    theme: str | None,
    min_docs: int,
    n_boot: int,
    seed: int,
    alpha: float,
    order: Sequence[str] | None,
) -> tuple[list[tuple], list[tuple]]:
    values: dict[str, np.ndarray] = {}
    present: dict[str, int] = {}
    unranked: dict[str, np.ndarray] = {}
    for (g,), part in df.group_by("_group", maintain_order=True):
        v = part["value"].cast(pl.Float64).fill_null(np.nan).to_numpy()
        v = v[~np.isnan(v)]
        key = "unknown" if is_unranked(g) else str(g)
        pres = int(part["present"].sum()) if "present" in part.columns else int((v > 0).sum())
        if is_unranked(g):
            unranked[key] = np.concatenate([unranked.get(key, np.empty(0)), v])
            present[key] = present.get(key, 0) + pres
        else:
            values[key] = v
            present[key] = pres
    names = _order(list(values), order)
    reps: dict[str, np.ndarray] = {}
    group_rows = []
    for g in names:
        v = values[g]
        point = float(v.mean()) if len(v) else None
        lo = hi = None
        kind = "descriptive"
        if len(v) >= min_docs and n_boot > 0:
            rng = _stream(seed, covariate, stratum or "", theme or "", g)
            idx = rng.integers(0, len(v), size=(n_boot, len(v)))
            reps[g] = v[idx].mean(axis=1)
            lo, hi = (float(x) for x in np.percentile(reps[g], [100 * alpha / 2, 100 * (1 - alpha / 2)]))
            kind = "cluster_bootstrap"
        group_rows.append(
            (covariate, within, stratum, theme, g, True, len(v), present[g], point, lo, hi, kind, n_boot)
        )
    for g, v in sorted(unranked.items()):
        group_rows.append(
            (
                covariate,
                within,
                stratum,
                theme,
                g,
                False,
                len(v),
                present[g],
                float(v.mean()) if len(v) else None,
                None,
                None,
                "not_ranked",
                n_boot,
            )
        )
    pairs = [(a, b) for i, a in enumerate(names) for b in names[i + 1 :]]
    with_ci = [(a, b) for a, b in pairs if a in reps and b in reps]
    diffs = {p: reps[p[0]] - reps[p[1]] for p in with_ci}
    pvals = [bootstrap_p(diffs[p]) for p in with_ci]
    adj = holm(pvals)
    levels = holm_levels(pvals, alpha)
    info = {p: (pvals[k], adj[k], levels[k]) for k, p in enumerate(with_ci)}
    contrast_rows = []
    for a, b in pairs:
        va, vb = values[a], values[b]
        diff = float(va.mean() - vb.mean()) if len(va) and len(vb) else None
        if (a, b) in info:
            p, p_adj, level = info[(a, b)]
            lo, hi = (
                float(x) for x in np.percentile(diffs[(a, b)], [100 * level / 2, 100 * (1 - level / 2)])
            )
            supported = bool(p_adj <= alpha and (lo > 0 or hi < 0))
            contrast_rows.append(
                (
                    covariate,
                    within,
                    stratum,
                    theme,
                    a,
                    b,
                    diff,
                    lo,
                    hi,
                    float(1 - level),
                    p,
                    float(p_adj),
                    supported,
                    len(va),
                    len(vb),
                    "cluster_bootstrap_holm",
                )
            )
        else:
            contrast_rows.append(
                (
                    covariate,
                    within,
                    stratum,
                    theme,
                    a,
                    b,
                    diff,
                    None,
                    None,
                    None,
                    None,
                    None,
                    False,
                    len(va),
                    len(vb),
                    "descriptive",
                )
            )
    return group_rows, contrast_rows


def compare_groups(
    doc_scores: pl.DataFrame,
    *,
    by: str = "level",
    within: str | None = None,
    value: str = "value",
    min_docs: int = MIN_DOCS,
    n_boot: int = N_BOOT,
    seed: int = SEED,
    alpha: float = ALPHA,
    order: Sequence[str] | None = None,
) -> Comparison:
    """Per-group estimates and pairwise contrasts of a per-document value, by any covariate.

    Parameters
    ----------
    doc_scores
        One row per document (per theme when a ``theme`` column is present): ``doc_id``, the column
        ``by``, the column ``value`` and optionally ``present`` (booleans counted per group).
    by
        The covariate: ``level``, ``doc_type``, ``period``, ``region``, ``issuer`` or any column.
    within
        Optional second covariate: the comparison is repeated inside each of its values (the ``stratum``).
    value
        The numeric column compared (its mean per group).
    min_docs
        Documents a group needs for an interval; smaller groups are described, not compared.
    n_boot, seed
        Bootstrap replicates and seed (results are deterministic given both).
    alpha
        Family-wise error rate of each family (one theme, one covariate, one stratum).
    order
        Display order of the groups (e.g. ``fazhi.schema.LEVELS``); alphabetical otherwise.

    Returns
    -------
    Comparison
        ``groups`` (``GROUPS_SCHEMA``) and ``contrasts`` (``CONTRASTS_SCHEMA``); see the module docstring.
    """
    if by not in doc_scores.columns:
        raise KeyError(
            f"compare_groups: no column {by!r} to compare by (columns: {', '.join(doc_scores.columns)})"
        )
    if min_docs < 2:
        raise ValueError(
            "compare_groups: min_docs must be at least 2 (one document has no spread to resample)"
        )
    df = doc_scores.with_columns(
        _group=pl.col(by).cast(pl.String),
        _theme=pl.col("theme").cast(pl.String) if "theme" in doc_scores.columns else pl.lit(None, pl.String),
        _stratum=pl.col(within).cast(pl.String).fill_null("unknown") if within else pl.lit(None, pl.String),
        value=pl.col(value).cast(pl.Float64),
    ).sort("_theme", "_stratum", "_group", "doc_id", nulls_last=True)
    g_rows: list[tuple] = []
    c_rows: list[tuple] = []
    for (theme, stratum), part in df.group_by("_theme", "_stratum", maintain_order=True):
        if within and is_unranked(stratum):
            continue  # documents of unknown type are not a stratum to compare within
        g, c = _compare_one(
            part,
            covariate=by,
            within=within,
            stratum=stratum,
            theme=theme,
            min_docs=min_docs,
            n_boot=n_boot,
            seed=seed,
            alpha=alpha,
            order=order,
        )
        g_rows += g
        c_rows += c
    groups = pl.DataFrame(g_rows, schema=GROUPS_SCHEMA, orient="row")
    contrasts = pl.DataFrame(c_rows, schema=CONTRASTS_SCHEMA, orient="row")
    return Comparison(groups, contrasts, min_docs, alpha)


# --------------------------------------------------------------------------------------------------
# Words for the results: only what the contrasts support
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Claim:
    """What may be said about one theme on one covariate: a sentence and whether it names a difference."""

    theme: str | None
    text: str
    supported: bool
    most: str | None = None
    least: str | None = None


def claims(
    groups: pl.DataFrame,
    contrasts: pl.DataFrame,
    *,
    min_docs: int = MIN_DOCS,
    names: Mapping[str, str] | None = None,
) -> list[Claim]:
    """One plain-text claim per (theme, stratum) family, saying only what the supported contrasts allow.

    "Most" is said of a group only when it is higher than every other interval group by a supported
    contrast (and "least" likewise); otherwise the supported pairwise differences are listed, or
    "no detectable difference". Groups below ``min_docs`` and unranked groups are named as such. ``names``
    gives the text of a group's value (e.g. ``fazhi.labels.labels("level")``); raw values otherwise.
    """
    names = names or {}

    def nm(value: str) -> str:
        return names.get(value, value)

    out = []
    keys = groups.select("theme", "stratum").unique(maintain_order=True)
    for theme, stratum in keys.iter_rows():
        g = groups.filter(_eq("theme", theme), _eq("stratum", stratum))
        c = contrasts.filter(_eq("theme", theme), _eq("stratum", stratum))
        interval = g.filter(pl.col("interval") == "cluster_bootstrap")["group"].to_list()
        small = g.filter(pl.col("interval") == "descriptive")["group"].to_list()
        sup = c.filter(pl.col("supported"))
        higher: dict[str, set[str]] = {}
        lower: dict[str, set[str]] = {}
        pairs = []
        for r in sup.iter_rows(named=True):
            hi, lo = (r["group_a"], r["group_b"]) if r["diff"] > 0 else (r["group_b"], r["group_a"])
            higher.setdefault(hi, set()).add(lo)
            lower.setdefault(lo, set()).add(hi)
            pairs.append(f"{nm(hi)} > {nm(lo)} ({abs(r['diff']):.2f} [{_fmt_ci(r)}])")
        most = next(
            (x for x in interval if len(interval) > 1 and higher.get(x, set()) == set(interval) - {x}), None
        )
        least = next(
            (x for x in interval if len(interval) > 1 and lower.get(x, set()) == set(interval) - {x}), None
        )
        parts = []
        if len(interval) < 2:
            parts.append(
                f"no comparison with an interval (fewer than two groups have {min_docs} or more documents)"
            )
        elif most or least:
            if most:
                parts.append(f"most emphasis in {nm(most)}")
            if least:
                parts.append(f"least in {nm(least)}")
            parts.append("; ".join(pairs))
        elif pairs:
            parts.append("supported differences: " + "; ".join(pairs))
        else:
            parts.append(
                f"no detectable difference between {', '.join(map(nm, interval))} (Holm-adjusted, α = 0.05)"
            )
        if small:
            desc = g.filter(pl.col("interval") == "descriptive")
            parts.append(
                f"described only (fewer than {min_docs} documents; group mean, documents): "
                + ", ".join(
                    f"{nm(r['group'])} {r['value']:.1f} ({r['n_docs']})"
                    if r["value"] is not None
                    else f"{nm(r['group'])} ({r['n_docs']})"
                    for r in desc.iter_rows(named=True)
                )
            )
        unr = g.filter(~pl.col("ranked"))
        if unr.height:
            what = (
                str(g["covariate"][0]).replace("_", " ") if "covariate" in g.columns and g.height else "value"
            )
            parts.append(
                f"{int(unr['n_docs'].sum())} document(s) of unknown {what}, reported apart and not ranked"
            )
        out.append(Claim(theme, "; ".join(parts), bool(pairs), most, least))
    return out


def _eq(col: str, value: object) -> pl.Expr:
    return pl.col(col).is_null() if value is None else pl.col(col) == value


def _fmt_ci(r: dict) -> str:
    return f"{r['ci_low']:.2f}, {r['ci_high']:.2f}"


def confounding(documents: pl.DataFrame, *, by: str = "level", within: str = "doc_type") -> str | None:
    """Why a within-``within`` comparison of ``by`` is impossible, or None when one stratum spans two
    groups."""
    known = documents.filter(
        ~pl.col(by).cast(pl.String).fill_null("unknown").is_in(list(UNRANKED)),
        ~pl.col(within).cast(pl.String).fill_null("unknown").is_in(list(UNRANKED)),
    )
    if known.select(pl.col(by).n_unique()).item() < 2:
        return f"fewer than two known values of {by}: nothing to compare"
    spans = known.group_by(within).agg(pl.col(by).n_unique().alias("n")).filter(pl.col("n") > 1)
    if spans.is_empty():
        return (
            f"no {within} occurs at two values of {by}: {by} is confounded with {within}, "
            f"no within-{within} comparison is possible"
        )
    return None


# --------------------------------------------------------------------------------------------------
# Safe Markdown
# --------------------------------------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~>])")


def md_escape(value: object) -> str:
    """A data value as Markdown text: HTML-escaped, then Markdown-escaped, line breaks as spaces.

    ``<img src=x onerror=alert(1)>`` comes out as ``&lt;img src=x onerror=alert\\(1\\)&gt;``: shown as
    text, never run or interpreted. None becomes an empty string.
    """
    if value is None:
        return ""
    text = html.escape(str(value), quote=True)
    text = re.sub(r"[\r\n\t]+", " ", text)
    return _MD_SPECIAL.sub(r"\\\1", text)


__all__ = [
    "ALPHA",
    "MIN_DOCS",
    "N_BOOT",
    "UNRANKED",
    "Claim",
    "Comparison",
    "bootstrap_p",
    "claims",
    "compare_groups",
    "confounding",
    "holm",
    "holm_levels",
    "is_unranked",
    "md_escape",
]
