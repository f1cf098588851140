"""Shared helpers of the validation package: the themes, seeds, bootstrap indices and a code reader.

In: polars frames of coded units. Out: numpy index arrays and checked 0/1 code arrays.
How: bootstrap replicates resample units (or whole groups, e.g. documents, when ``groups`` is given)
with replacement from a seeded ``numpy.random.Generator``, so every interval is reproducible.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import polars as pl

from ..themes.lexicon import FOCUS

#: The themes of the codebook, in its order: the project's three research themes (``fazhi.themes.FOCUS``).
THEMES = FOCUS

#: Bootstrap replicates and seed used by default in the validation tables.
N_BOOT = 2000
SEED = 20261202


def codes(frame: pl.DataFrame, column: str) -> np.ndarray:
    """A 0/1 column as an int array; raises ``ValueError`` naming the column on anything else."""
    if column not in frame.columns:
        raise ValueError(f"no column {column!r} (have {', '.join(frame.columns)})")
    values = frame[column].cast(pl.Int64, strict=False)
    bad = values.is_null() | ~values.is_in([0, 1])
    if bad.any():
        raise ValueError(f"column {column!r} holds values other than 0/1 in {int(bad.sum())} rows")
    return values.to_numpy().astype(np.int64)


def boot_indices(
    n: int, *, n_boot: int, seed: int, groups: Sequence[str] | np.ndarray | None = None
) -> list[np.ndarray]:
    """``n_boot`` arrays of row indices, resampling rows (or whole groups) with replacement."""
    rng = np.random.default_rng(seed)
    if groups is None:
        return [rng.integers(0, n, n) for _ in range(n_boot)]
    labels = np.asarray(groups)
    if len(labels) != n:
        raise ValueError(f"{len(labels)} group labels for {n} rows")
    uniq, inverse = np.unique(labels, return_inverse=True)
    members = [np.flatnonzero(inverse == g) for g in range(len(uniq))]
    out = []
    for _ in range(n_boot):
        pick = rng.integers(0, len(uniq), len(uniq))
        out.append(np.concatenate([members[g] for g in pick]))
    return out


def interval(values: Sequence[float], level: float = 0.95) -> tuple[float, float]:
    """Percentile interval of bootstrap replicates, ignoring undefined (NaN) ones."""
    arr = np.asarray(values, dtype=float)
    arr = arr[~np.isnan(arr)]
    if not len(arr):
        return (float("nan"), float("nan"))
    a = (1 - level) / 2
    return (float(np.quantile(arr, a)), float(np.quantile(arr, 1 - a)))
