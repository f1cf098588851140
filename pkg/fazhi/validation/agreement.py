"""Agreement between coders: Krippendorff's alpha per theme with a bootstrap interval, and disagreements.

In: a wide frame of coded units with one column per (theme, coder), named ``<theme>_<coder>`` (as
``sheets.merge_codes`` makes it, or as in ``paragraphs_dev.csv``), values 0/1 (null = not coded).
Out: ``agreement_table`` - per theme: units coded, raw agreement, alpha (nominal) and its percentile
bootstrap interval; ``disagreements`` - one row per (unit, theme) where the coders differ, with every
coder's code and an empty ``adjudicated`` column to fill in.
How: alpha by the ``krippendorff`` package (nominal level, value domain {0, 1}, missing codes allowed).
The interval resamples units with replacement (seeded); replicates in which alpha is undefined (only
one value observed) are dropped.
"""

from __future__ import annotations

from collections.abc import Sequence

import krippendorff
import numpy as np
import polars as pl

from ._common import N_BOOT, SEED, THEMES, boot_indices, interval


def alpha(matrix: np.ndarray) -> float:
    """Krippendorff's alpha (nominal) of a coders × units matrix of 0/1 codes (NaN = missing).

    NaN when alpha is undefined: fewer than two pairable codes, or a single value observed.
    """
    m = np.asarray(matrix, dtype=float)
    observed = m[~np.isnan(m)]
    pairable = (np.sum(~np.isnan(m), axis=0) >= 2).sum()
    if pairable == 0 or len(np.unique(observed)) < 2:
        return float("nan")
    return float(krippendorff.alpha(reliability_data=m, level_of_measurement="nominal", value_domain=[0, 1]))


def _matrix(frame: pl.DataFrame, theme: str, coders: Sequence[str]) -> np.ndarray:
    cols = [f"{theme}_{c}" for c in coders]
    missing = [c for c in cols if c not in frame.columns]
    if missing:
        raise ValueError(f"no column(s) {', '.join(missing)}")
    return np.vstack([frame[c].cast(pl.Float64).fill_null(float("nan")).to_numpy() for c in cols])


def agreement_table(
    frame: pl.DataFrame,
    *,
    coders: Sequence[str] = ("A", "B"),
    themes: Sequence[str] = THEMES,
    n_boot: int = N_BOOT,
    seed: int = SEED,
) -> pl.DataFrame:
    """Per theme: ``n_units`` coded by at least two coders, ``agreement`` (share of those units with all
    codes equal), ``n_disagree``, ``alpha`` with ``alpha_lo`` / ``alpha_hi`` (95% bootstrap)."""
    if len(coders) < 2:
        raise ValueError("agreement needs at least two coders")
    rows = []
    for theme in themes:
        m = _matrix(frame, theme, coders)
        both = np.sum(~np.isnan(m), axis=0) >= 2
        sub = m[:, both]
        same = np.array([len(set(col[~np.isnan(col)])) == 1 for col in sub.T], dtype=bool)
        point = alpha(sub)
        reps = [alpha(sub[:, idx]) for idx in boot_indices(sub.shape[1], n_boot=n_boot, seed=seed)]
        lo, hi = interval(reps)
        rows.append(
            {
                "theme": theme,
                "n_units": int(both.sum()),
                "agreement": float(same.mean()) if len(same) else float("nan"),
                "n_disagree": int((~same).sum()),
                "alpha": point,
                "alpha_lo": lo,
                "alpha_hi": hi,
            }
        )
    return pl.DataFrame(
        rows,
        schema={
            "theme": pl.String,
            "n_units": pl.Int64,
            "agreement": pl.Float64,
            "n_disagree": pl.Int64,
            "alpha": pl.Float64,
            "alpha_lo": pl.Float64,
            "alpha_hi": pl.Float64,
        },
    )


def disagreements(
    frame: pl.DataFrame,
    *,
    coders: Sequence[str] = ("A", "B"),
    themes: Sequence[str] = THEMES,
    keep: Sequence[str] = ("text",),
) -> pl.DataFrame:
    """One row per (unit, theme) where the coders' codes differ: ``unit_id``, ``theme``, one column per
    coder, the ``keep`` columns (the text by default) and an empty ``adjudicated`` (Int64) and
    ``adjudicator`` column for the third reading. Sorted by theme order, then unit_id."""
    keep = [k for k in keep if k in frame.columns]
    parts = []
    for order, theme in enumerate(themes):
        cols = [f"{theme}_{c}" for c in coders]
        sub = frame.select("unit_id", *cols, *keep)
        vals = sub.select(cols)
        differ = vals.select(pl.max_horizontal(cols) != pl.min_horizontal(cols)).to_series().fill_null(False)
        sub = sub.filter(differ).rename({f"{theme}_{c}": c for c in coders})
        parts.append(
            sub.with_columns(pl.lit(theme).alias("theme"), pl.lit(order).alias("_order")).select(
                "unit_id", "theme", *coders, *keep, "_order"
            )
        )
    out = pl.concat(parts, how="vertical_relaxed") if parts else pl.DataFrame()
    return (
        out.sort("_order", "unit_id")
        .drop("_order")
        .with_columns(
            pl.lit(None, dtype=pl.Int64).alias("adjudicated"),
            pl.lit(None, dtype=pl.String).alias("adjudicator"),
        )
    )
