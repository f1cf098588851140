"""Theme prevalence corrected for the measure's errors with a stratified coded sample (issue 15, part 3).

In: ``units``, the population - one row per unit of the corpus (e.g. its paragraphs) with the measure's
decision ``<theme>_pred`` (0/1) and the grouping column (``level`` or any covariate); ``coded``, a
stratified random sample of that population coded by people - ``stratum``, ``weight`` (= stratum_size /
stratum_n, the inverse inclusion probability, as ``sample.draw_sample`` writes it), the coded truth
``<theme>`` (0/1), the measure's decision on the same unit ``<theme>_pred`` and the grouping column.
Out: ``corrected_prevalence`` - per group and theme the uncorrected share (the measure over every unit
of the group), the corrected share with its standard error and (1 - alpha) interval, the share
estimated from the codes alone with its interval, and a ``note`` when no correction is available.
How: prediction-powered inference for a mean (Angelopoulos et al. 2023, *Science* 382:669, "PPI"; the
same estimator as design-based supervised learning, Egami et al. 2023, NeurIPS) written for a
stratified sample without replacement from a finite population, where it is the survey difference
estimator (Särndal, Swensson & Wretman 1992, *Model Assisted Survey Sampling*, sec. 6.3). For group d
with N_d units: corrected = mean of the predictions over the group + (1 / N_d) * sum over coded units
of weight * (truth - prediction) * [unit in d]. Its variance is the stratified variance of that
weighted sum, sum_h N_h^2 (1 - n_h / N_h) s_h^2 / n_h / N_d^2, with s_h^2 the sample variance in
stratum h of (truth - prediction) * [unit in d]; the interval is the normal (CLT) one, clipped to
[0, 1]. N_h and n_h come from the coded sample's design (the sum and count of its weights per stratum),
so the weights are respected, not assumed equal. The codes-only estimate is the weighted (Hajek) share
with its linearised stratified variance: the PPI interval is narrower when the measure is good.
``ppi-python`` implements the i.i.d. version (optional weights, no strata and no finite-population
correction); these few lines follow the same estimator for the design the coded samples have.
A group with fewer than ``min_coded`` coded units gets no correction (``corrected`` null and a note),
rather than the uncorrected share with a spurious zero-width interval.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import polars as pl
from scipy.stats import norm

from ..schema import in_order
from ._common import THEMES, codes

ALL = "all"

_SCHEMA: dict[str, type[pl.DataType]] = {
    "group": pl.String,
    "theme": pl.String,
    "units": pl.Int64,
    "coded": pl.Int64,
    "uncorrected": pl.Float64,
    "corrected": pl.Float64,
    "se": pl.Float64,
    "lo": pl.Float64,
    "hi": pl.Float64,
    "coded_only": pl.Float64,
    "coded_lo": pl.Float64,
    "coded_hi": pl.Float64,
    "note": pl.String,
}


def _design(coded: pl.DataFrame, stratum: str) -> tuple[np.ndarray, dict[str, tuple[float, int]]]:
    """Stratum label per coded row and, per stratum, (N_h, n_h) from the weights."""
    for col in (stratum, "weight"):
        if col not in coded.columns:
            raise ValueError(f"coded sample has no {col!r} column (a stratified sample with weights)")
    w = coded["weight"].cast(pl.Float64, strict=False)
    if w.is_null().any() or (w < 1).any():
        raise ValueError("coded weights must be numbers >= 1 (inverse inclusion probabilities)")
    labels = coded[stratum].cast(pl.String).to_numpy()
    out: dict[str, tuple[float, int]] = {}
    for h in np.unique(labels):
        wh = w.to_numpy()[labels == h]
        if not np.allclose(wh, wh[0]):
            raise ValueError(f"stratum {h!r} has unequal weights: not a stratified simple random sample")
        out[str(h)] = (float(wh.sum()), len(wh))
    return labels, out


def _stratified_var(values: np.ndarray, labels: np.ndarray, design: dict[str, tuple[float, int]]) -> float:
    """Variance of the estimated population total of ``values`` under stratified SRS without replacement."""
    var = 0.0
    for h, (big_n, n) in design.items():
        v = values[labels == h]
        if n > 1:
            var += big_n**2 * (1 - n / big_n) * float(np.var(v, ddof=1)) / n
    return var


def corrected_prevalence(
    units: pl.DataFrame,
    coded: pl.DataFrame,
    *,
    by: str | None = "level",
    themes: Sequence[str] = THEMES,
    stratum: str = "stratum",
    alpha: float = 0.05,
    min_coded: int = 10,
) -> pl.DataFrame:
    """Share of units where each theme is present, per group, uncorrected and corrected (PPI).

    Parameters
    ----------
    units
        The population: one row per unit, ``<theme>_pred`` (0/1) per theme and the ``by`` column.
    coded
        The coded stratified sample of the same population: ``stratum``, ``weight``, ``<theme>`` (coded),
        ``<theme>_pred`` (the measure on the same unit) and the ``by`` column.
    by
        The grouping column (level of government or any covariate); ``None`` for the whole population.
        Rows for the whole population (group ``"all"``) always come first.
    themes
        The themes to estimate.
    stratum
        The stratum column of ``coded``.
    alpha
        1 - the interval's coverage.
    min_coded
        Fewest coded units a group needs to be corrected.

    Returns
    -------
    polars.DataFrame
        group, theme, units, coded, uncorrected, corrected, se, lo, hi, coded_only, coded_lo, coded_hi,
        note; sorted by group (``all`` first, then in order of first appearance in ``units``) and theme.
    """
    if not 0 < alpha < 1:
        raise ValueError("alpha must be in (0, 1)")
    if by is not None:
        for name, frame in (("units", units), ("coded", coded)):
            if by not in frame.columns:
                raise ValueError(f"{name} have no {by!r} column")
    if units.is_empty():
        raise ValueError("no units")
    labels, design = _design(coded, stratum)
    z = float(norm.ppf(1 - alpha / 2))
    weights = coded["weight"].cast(pl.Float64).to_numpy()
    big_n_total = sum(n for n, _ in design.values())
    groups: list[tuple[str, np.ndarray, np.ndarray]] = [
        (ALL, np.ones(units.height, bool), np.ones(coded.height, bool))
    ]
    if by is not None:
        u_by = units[by].cast(pl.String).fill_null("(unknown)")
        c_by = coded[by].cast(pl.String).fill_null("(unknown)").to_numpy()
        for g in u_by.unique(maintain_order=True).to_list():
            groups.append((g, (u_by == g).to_numpy(), c_by == g))
    rows = []
    for theme in themes:
        pred_u = codes(units, f"{theme}_pred")
        truth = codes(coded, theme)
        pred_c = codes(coded, f"{theme}_pred")
        for g, in_u, in_c in groups:
            n_units = int(in_u.sum())
            n_coded = int(in_c.sum())
            row: dict[str, object] = {
                "group": g,
                "theme": theme,
                "units": n_units,
                "coded": n_coded,
                "uncorrected": float(pred_u[in_u].mean()),
            }
            # Population size of the group: counted in the build for the corrected share, estimated from
            # the weights for the codes-only share (the codes alone do not see the population).
            if n_coded < min_coded:
                row["note"] = f"correction not available: {n_coded} coded units in this group (< {min_coded})"
                rows.append(row)
                continue
            d = in_c.astype(float)
            resid = (truth - pred_c) * d
            est = row["uncorrected"] + float((weights * resid).sum()) / n_units
            se = float(np.sqrt(_stratified_var(resid, labels, design))) / n_units
            n_hat = float((weights * d).sum())
            share = float((weights * truth * d).sum()) / n_hat
            se_c = float(np.sqrt(_stratified_var((truth - share) * d, labels, design))) / n_hat
            row |= {
                "corrected": est,
                "se": se,
                "lo": max(0.0, est - z * se),
                "hi": min(1.0, est + z * se),
                "coded_only": share,
                "coded_lo": max(0.0, share - z * se_c),
                "coded_hi": min(1.0, share + z * se_c),
            }
            if se == 0 and n_coded < n_units:
                row["note"] = (
                    f"no error of the measure among the {n_coded} coded units of this group: the interval "
                    "(width 0) does not show the uncertainty"
                )
            if g == ALL and abs(n_units - big_n_total) > 0.05 * big_n_total:
                row["note"] = (
                    f"the sample's frame has {big_n_total:.0f} units, the population {n_units}: "
                    "check that the sample was drawn from these units"
                )
            rows.append(row)
    out = pl.DataFrame(rows, schema=_SCHEMA)
    return out.sort(in_order("group", [g for g, _, _ in groups]), maintain_order=True)


def paragraph_units(
    documents: pl.DataFrame,
    *,
    min_chars: int = 60,
    max_chars: int = 900,
    columns: Sequence[str] = ("doc_id", "level"),
    exclude: Sequence[str] = (),
) -> pl.DataFrame:
    """The paragraphs of documents as units: one line of a document's text, stripped, of ``min_chars`` to
    ``max_chars`` characters, a text repeated verbatim kept once (its first occurrence), texts in
    ``exclude`` left out (e.g. an earlier sample that is not part of the sampling frame). This is how the
    coded samples of ``tests/data/validation`` define a paragraph. Columns: ``columns``, ``para``
    (line index) and ``text``."""
    missing = [c for c in ("text", *columns) if c not in documents.columns]
    if missing:
        raise ValueError(f"documents have no {', '.join(map(repr, missing))} column")
    lines = (
        documents.select(*columns, pl.col("text").str.split("\n"))
        .with_columns(pl.int_ranges(pl.col("text").list.len()).alias("para"))
        .explode("text", "para")
        .with_columns(pl.col("text").str.strip_chars(), pl.col("para").cast(pl.Int64))
    )
    n = pl.col("text").str.len_chars()
    lines = lines.filter((n >= min_chars) & (n <= max_chars))
    if exclude:
        lines = lines.filter(~pl.col("text").is_in([t.strip() for t in exclude]))
    return lines.unique("text", keep="first", maintain_order=True).select(*columns, "para", "text")


def predict(frame: pl.DataFrame, *, text: str = "text") -> pl.DataFrame:
    """``frame`` with the presence measure's decision ``<theme>_pred`` (0/1) for each unit's text."""
    from ..presence import presence_frame

    if text not in frame.columns:
        raise ValueError(f"no {text!r} column")
    pf = presence_frame(frame[text].to_list())
    themes = [c for c in pf.columns if c != "unit_id" and not c.endswith("_score")]
    return frame.with_columns(pf.select(pl.col(t).alias(f"{t}_pred") for t in themes))


def frame_check(units: pl.DataFrame, coded: pl.DataFrame, *, stratum: str = "stratum") -> pl.DataFrame:
    """Does ``units`` look like the frame ``coded`` was drawn from? Per stratum: units in the population
    (``units`` must carry the stratum, e.g. from ``sample.keyword_strata`` with the draw's keywords),
    the stratum size the sample's weights imply, and the coded units found in the population (matched on
    ``text``)."""
    _, design = _design(coded, stratum)
    if stratum not in units.columns:
        raise ValueError(f"units have no {stratum!r} column")
    found = coded.join(units.select("text").unique(), on="text", how="semi")
    pop = dict(units.group_by(stratum).len().iter_rows())
    got = dict(found.group_by(stratum).len().iter_rows())
    rows = [
        (h, int(pop.get(h, 0)), round(big_n), n, int(got.get(h, 0)))
        for h, (big_n, n) in sorted(design.items())
    ]
    return pl.DataFrame(
        rows,
        schema={
            "stratum": pl.String,
            "population": pl.Int64,
            "design": pl.Int64,
            "coded": pl.Int64,
            "coded_found": pl.Int64,
        },
        orient="row",
    )
