"""Draw a stratified, seeded sample of units for coding, with inclusion weights.

In: a frame of units (one row per unit: ``unit_id``, ``text`` and any metadata such as ``source`` and
``doc``), a stratum per unit (a column, or assigned by keyword lists with ``keyword_strata``) and the
number to draw per stratum.
Out: the sample - the drawn units with ``stratum``, ``stratum_size`` (units of the stratum in the
population), ``stratum_n`` (drawn) and ``weight`` = stratum_size / stratum_n, the inverse inclusion
probability; the weights of a sample sum to the population size.
How: ``keyword_strata`` puts a unit in the first stratum (in the given order: list the rarer theme
first) whose keywords occur in its text, else in ``"none"``. ``draw_sample`` sorts each stratum by
``unit_id`` and draws a simple random sample without replacement with ``numpy``'s seeded generator,
so the same units, seed and sizes always give the same sample (row order: stratum order, then draw).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import polars as pl

from ._common import SEED


def keyword_strata(
    units: pl.DataFrame, keywords: Mapping[str, Sequence[str]], *, text: str = "text", other: str = "none"
) -> pl.DataFrame:
    """``units`` with a ``stratum`` column: the first key of ``keywords`` whose words occur in the text."""
    if text not in units.columns:
        raise ValueError(f"units have no {text!r} column")
    expr = pl.lit(other)
    for name in reversed(list(keywords)):
        words = [w for w in keywords[name] if w]
        if not words:
            raise ValueError(f"stratum {name!r} has no keywords")
        hit = pl.any_horizontal([pl.col(text).str.contains(w, literal=True) for w in words])
        expr = pl.when(hit).then(pl.lit(name)).otherwise(expr)
    return units.with_columns(expr.alias("stratum"))


def draw_sample(
    units: pl.DataFrame,
    *,
    sizes: Mapping[str, int] | int,
    stratum: str = "stratum",
    seed: int = SEED,
) -> pl.DataFrame:
    """A stratified simple random sample with inclusion weights.

    Parameters
    ----------
    units
        The population of units: ``unit_id`` (unique) and the ``stratum`` column.
    sizes
        Units to draw per stratum (a mapping), or the same number for every stratum (an int). A stratum
        smaller than its size is taken whole (weight 1). Strata not in a mapping are not sampled (and
        are then not represented: their population is not covered by the weights).
    stratum
        The column naming each unit's stratum.
    seed
        Seed of the generator.

    Returns
    -------
    polars.DataFrame
        The drawn rows of ``units`` with ``stratum``, ``stratum_size``, ``stratum_n`` and ``weight``.
    """
    for col in ("unit_id", stratum):
        if col not in units.columns:
            raise ValueError(f"units have no {col!r} column")
    if units["unit_id"].is_duplicated().any():
        raise ValueError("unit_id is not unique")
    if units[stratum].is_null().any():
        raise ValueError(f"{units[stratum].is_null().sum()} units have no {stratum}")
    present = sorted(units[stratum].unique().to_list())
    plan = {s: sizes for s in present} if isinstance(sizes, int) else dict(sizes)
    unknown = [s for s in plan if s not in present]
    if unknown:
        raise ValueError(f"no units in stratum {', '.join(map(str, unknown))}")
    if any(not isinstance(n, int) or n < 1 for n in plan.values()):
        raise ValueError("sizes must be positive integers")
    rng = np.random.default_rng(seed)
    parts = []
    for name, n in plan.items():
        pop = units.filter(pl.col(stratum) == name).sort("unit_id")
        k = min(n, pop.height)
        pick = rng.choice(pop.height, size=k, replace=False)
        parts.append(
            pop[pick.tolist()].with_columns(
                pl.lit(name).alias("stratum") if stratum == "stratum" else pl.col(stratum).alias("stratum"),
                pl.lit(pop.height, dtype=pl.Int64).alias("stratum_size"),
                pl.lit(k, dtype=pl.Int64).alias("stratum_n"),
                pl.lit(pop.height / k, dtype=pl.Float64).alias("weight"),
            )
        )
    return pl.concat(parts, how="vertical_relaxed")
