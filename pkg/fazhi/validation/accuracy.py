"""Accuracy of a theme measure against adjudicated codes.

In: a frame of coded units (``unit_id``, the adjudicated 0/1 code per theme, optionally ``doc``,
``text``, ``weight``) and a frame of the measure's 0/1 decisions per unit (same ``unit_id``s, same theme
columns).
Out: ``accuracy_table`` - per theme: TP, FP, FN, TN, precision, recall, F1 with percentile bootstrap
intervals; ``confusion_table`` - the 2 × 2 counts per theme in long form; ``term_precision`` - per
lexicon or cue term, the coded units it hits and the share of those coded as the theme;
``document_agreement`` - per document and theme, the measure's share of the document's coded units
with the theme against the coders' share.
How: counts over units; intervals resample units, or whole documents when ``groups`` is given, with a
seeded generator (replicates with an undefined value, e.g. no predicted positives, are dropped).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import polars as pl

from ..schema import in_order
from ._common import N_BOOT, SEED, THEMES, boot_indices, codes, interval


def prf(
    gold: np.ndarray, pred: np.ndarray, weight: np.ndarray | None = None
) -> tuple[float, float, float, float, float, float, float]:
    """TP, FP, FN, TN, precision, recall and F1 of 0/1 arrays (NaN where a ratio is undefined; F1 is
    NaN only when there is neither a gold nor a predicted positive). With ``weight`` (inverse inclusion
    probabilities) the counts are weighted sums: estimates for the population the sample was drawn from."""
    g = np.asarray(gold, dtype=bool)
    p = np.asarray(pred, dtype=bool)
    if g.shape != p.shape:
        raise ValueError(f"gold has {g.shape[0]} units, prediction {p.shape[0]}")
    w = np.ones(g.shape) if weight is None else np.asarray(weight, dtype=float)
    tp = float(np.sum(w[g & p]))
    fp = float(np.sum(w[~g & p]))
    fn = float(np.sum(w[g & ~p]))
    tn = float(np.sum(w[~g & ~p]))
    precision = tp / (tp + fp) if tp + fp else float("nan")
    recall = tp / (tp + fn) if tp + fn else float("nan")
    f1 = 2 * tp / (2 * tp + fp + fn) if 2 * tp + fp + fn else float("nan")
    return tp, fp, fn, tn, precision, recall, f1


_ACC_SCHEMA = {
    "theme": pl.String,
    "n": pl.Int64,
    "tp": pl.Float64,
    "fp": pl.Float64,
    "fn": pl.Float64,
    "tn": pl.Float64,
    "precision": pl.Float64,
    "precision_lo": pl.Float64,
    "precision_hi": pl.Float64,
    "recall": pl.Float64,
    "recall_lo": pl.Float64,
    "recall_hi": pl.Float64,
    "f1": pl.Float64,
    "f1_lo": pl.Float64,
    "f1_hi": pl.Float64,
}


def _aligned(gold: pl.DataFrame, pred: pl.DataFrame, themes: Sequence[str]) -> pl.DataFrame:
    for name, f in (("gold", gold), ("prediction", pred)):
        if "unit_id" not in f.columns:
            raise ValueError(f"{name} has no unit_id column")
        if f["unit_id"].is_duplicated().any():
            raise ValueError(f"{name} repeats unit_ids")
    p = pred.select("unit_id", *[pl.col(t).alias(f"{t}__pred") for t in themes])
    joined = gold.join(p, on="unit_id", how="inner", maintain_order="left")
    if joined.height != gold.height:
        missing = gold.join(p, on="unit_id", how="anti")["unit_id"].head(5).to_list()
        raise ValueError(f"{gold.height - joined.height} coded units have no prediction (e.g. {missing})")
    return joined


def accuracy_table(
    gold: pl.DataFrame,
    pred: pl.DataFrame,
    *,
    themes: Sequence[str] = THEMES,
    groups: str | None = None,
    weight: str | None = None,
    n_boot: int = N_BOOT,
    seed: int = SEED,
) -> pl.DataFrame:
    """Precision, recall and F1 per theme with 95% percentile bootstrap intervals.

    Parameters
    ----------
    gold, pred
        Frames with ``unit_id`` and one 0/1 column per theme (adjudicated codes; the measure's decisions).
    groups
        A column of ``gold`` to resample by (e.g. ``"doc"``: a cluster bootstrap over documents);
        units by default.
    weight
        A column of ``gold`` holding each unit's inverse inclusion probability (``sample.draw_sample``'s
        ``weight``): counts become weighted sums, so precision, recall and F1 estimate the population's
        rather than the (stratified) sample's. Unweighted by default (tp, fp, fn, tn are then counts).
    """
    joined = _aligned(gold, pred, themes)
    w = joined[weight].cast(pl.Float64).to_numpy() if weight else None
    if w is not None and (np.isnan(w).any() or (w <= 0).any()):
        raise ValueError(f"column {weight!r} must hold positive weights")
    labels = joined[groups].cast(pl.String).to_numpy() if groups else None
    idx = boot_indices(joined.height, n_boot=n_boot, seed=seed, groups=labels)
    rows = []
    for theme in themes:
        g = codes(joined, theme)
        p = codes(joined, f"{theme}__pred")
        tp, fp, fn, tn, pr, rc, f1 = prf(g, p, w)
        reps = (
            np.array([prf(g[i], p[i], None if w is None else w[i])[4:] for i in idx])
            if idx
            else np.empty((0, 3))
        )
        (plo, phi), (rlo, rhi), (flo, fhi) = (interval(reps[:, k]) for k in range(3))
        rows.append(
            {
                "theme": theme,
                "n": joined.height,
                "tp": tp,
                "fp": fp,
                "fn": fn,
                "tn": tn,
                "precision": pr,
                "precision_lo": plo,
                "precision_hi": phi,
                "recall": rc,
                "recall_lo": rlo,
                "recall_hi": rhi,
                "f1": f1,
                "f1_lo": flo,
                "f1_hi": fhi,
            }
        )
    return pl.DataFrame(rows, schema=_ACC_SCHEMA)


def confusion_table(
    gold: pl.DataFrame, pred: pl.DataFrame, *, themes: Sequence[str] = THEMES
) -> pl.DataFrame:
    """The 2 × 2 table per theme, long form: ``theme``, ``coded`` (0/1), ``measure`` (0/1), ``n``."""
    joined = _aligned(gold, pred, themes)
    rows = []
    for theme in themes:
        g = codes(joined, theme)
        p = codes(joined, f"{theme}__pred")
        for c in (1, 0):
            for m in (1, 0):
                rows.append({"theme": theme, "coded": c, "measure": m, "n": int(np.sum((g == c) & (p == m)))})
    return pl.DataFrame(
        rows, schema={"theme": pl.String, "coded": pl.Int64, "measure": pl.Int64, "n": pl.Int64}
    )


def term_precision(
    hits: pl.DataFrame, gold: pl.DataFrame, *, themes: Sequence[str] = THEMES, min_units: int = 1
) -> pl.DataFrame:
    """Per term: how many coded units it hits and the share of them coded as its theme.

    Parameters
    ----------
    hits
        One row per hit with ``unit_id``, ``theme`` and ``term`` (more columns are ignored; a term hitting
        a unit twice counts once). From ``measure.dictionary_hits`` or ``measure.cue_hit_frame``.
    gold
        Coded units with ``unit_id`` and the adjudicated 0/1 column per theme.
    min_units
        Leave out terms hitting fewer coded units.

    Returns
    -------
    polars.DataFrame
        ``theme``, ``term``, ``units`` (coded units hit), ``positive`` (of those, coded 1 for the theme),
        ``precision`` (positive / units); sorted by theme order, then units descending, then term.
    """
    long = gold.select("unit_id", *themes).unpivot(index="unit_id", variable_name="theme", value_name="coded")
    h = hits.select("unit_id", "theme", "term").unique().join(long, on=["unit_id", "theme"], how="inner")
    return (
        h.group_by("theme", "term")
        .agg(pl.len().cast(pl.Int64).alias("units"), pl.col("coded").cast(pl.Int64).sum().alias("positive"))
        .filter(pl.col("units") >= min_units)
        .with_columns((pl.col("positive") / pl.col("units")).alias("precision"))
        .sort([in_order("theme", themes), "units", "term"], descending=[False, True, False])
    )


def document_agreement(
    gold: pl.DataFrame, pred: pl.DataFrame, *, themes: Sequence[str] = THEMES, doc: str = "doc"
) -> pl.DataFrame:
    """Per document and theme: ``units`` coded, ``coded_share`` (share coded 1), ``measure_share``
    (share the measure calls 1) and their ``difference`` (measure - coded); documents in ``gold`` order
    of first appearance (sorted by ``doc`` for determinism)."""
    joined = _aligned(gold, pred, themes)
    if doc not in joined.columns:
        raise ValueError(f"gold has no {doc!r} column")
    parts = []
    for theme in themes:
        parts.append(
            joined.group_by(doc)
            .agg(
                pl.len().cast(pl.Int64).alias("units"),
                pl.col(theme).cast(pl.Float64).mean().alias("coded_share"),
                pl.col(f"{theme}__pred").cast(pl.Float64).mean().alias("measure_share"),
            )
            .with_columns(pl.lit(theme).alias("theme"))
        )
    out = pl.concat(parts).with_columns((pl.col("measure_share") - pl.col("coded_share")).alias("difference"))
    return out.sort(doc, in_order("theme", themes)).select(
        doc, "theme", "units", "coded_share", "measure_share", "difference"
    )
