"""The validation tables the site shows, from the coded samples.

In: coded-unit CSV files (``paragraphs_dev.csv`` layout). The project's: ``tests/data/validation/``
``paragraphs_dev.csv`` (all tune), ``paragraphs_ext.csv`` (a ``split`` column marks units ``tune`` or
``holdout``, by document) and ``paragraphs_ext2.csv`` (all holdout: never used to tune the rules).
Out: ``report(...)`` returns a dict of polars frames:
``agreement`` (Krippendorff's alpha per sample and theme, with intervals), ``accuracy`` (precision /
recall / F1 with document-cluster bootstrap intervals per measure - ``dictionary`` (at least one lexicon
hit), ``rules`` (the contextual presence rules, the package's measure), ``logistic`` (L2 logistic
regression on the rules' per-cue evidence, nested grouped CV) - and per evaluation: ``cv_tune`` (grouped
5-fold cross-validation on the tune units), ``holdout`` (all units never used to tune the rules or fit
the model), ``holdout:<sample>`` (the same per coded file) and ``holdout_weighted:<sample>`` (weighted by
the file's inverse inclusion probabilities where it has a ``weight`` column: estimates for the frame the
stratified sample was drawn from)), ``confusion`` (rules vs coded, per evaluation), ``term_precision``
(per lexicon term of the dictionary and per cue term of the rules, on all coded units),
``document_agreement`` (rules' share of theme units vs the coded share, per document),
``disagreements`` (every coder disagreement with its adjudicated code), ``training`` (holdout F1 of the
logistic model fitted on the first file only vs all tune units, with the number of its training units
that share a document with a holdout unit), ``logistic_coefficients`` (the model fitted on all tune units,
with the data hash) and ``rules`` (the rules themselves, with version and hash).
How: the functions of ``agreement``, ``accuracy`` and ``measure``; seeded, so the tables are identical on
every run with the same files.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import polars as pl

from .. import presence
from ..paths import project_root
from ._common import N_BOOT, SEED, THEMES, codes
from .accuracy import accuracy_table, confusion_table, document_agreement, term_precision
from .agreement import agreement_table
from .measure import (
    C_GRID,
    _choose_c,
    _fit_logistic,
    cross_validate,
    data_hash,
    dictionary_hits,
    dictionary_predictions,
    feature_names,
    features,
    read_coded,
    rule_hits,
    rule_predictions,
)


def default_files() -> list[Path]:
    """The project's coded samples used for tuning and holdout by their ``split`` column:
    ``tests/data/validation/paragraphs_dev.csv`` and ``paragraphs_ext.csv``."""
    folder = project_root() / "tests" / "data" / "validation"
    return [p for p in (folder / "paragraphs_dev.csv", folder / "paragraphs_ext.csv") if p.exists()]


def default_holdout_files() -> list[Path]:
    """The project's coded samples kept wholly out of tuning:
    ``tests/data/validation/paragraphs_ext2.csv``."""
    folder = project_root() / "tests" / "data" / "validation"
    return [p for p in (folder / "paragraphs_ext2.csv",) if p.exists()]


def load_samples(
    files: Sequence[Path] | None = None,
    *,
    holdout_files: Sequence[Path] = (),
    themes: Sequence[str] = THEMES,
) -> pl.DataFrame:
    """All coded units of ``files`` and ``holdout_files`` in one frame with ``sample`` (file stem) and
    ``split`` columns: a unit of ``files`` is ``tune`` unless the file's ``split`` column says
    ``holdout``; every unit of ``holdout_files`` is ``holdout``."""
    files = list(files) if files is not None else default_files()
    if not files and not holdout_files:
        raise FileNotFoundError("no coded sample given or found in tests/data/validation/")
    parts = []
    for path, whole in [*((p, False) for p in files), *((p, True) for p in holdout_files)]:
        f = read_coded(Path(path), themes=themes)
        if whole:
            f = f.with_columns(pl.lit("holdout").alias("split"))
        elif "split" not in f.columns:
            f = f.with_columns(pl.lit("tune").alias("split"))
        bad = f.filter(~pl.col("split").is_in(["tune", "holdout"]))
        if bad.height:
            raise ValueError(f"{Path(path).name}: split must be 'tune' or 'holdout' ({bad.height} rows)")
        keep = ["unit_id", "source", "doc", "text", "group", "split"]
        keep += [c for c in ("stratum", "weight") if c in f.columns]
        keep += [c for c in f.columns if any(c == t or c.startswith(f"{t}_") for t in themes)]
        parts.append(f.select(keep).with_columns(pl.lit(Path(path).stem).alias("sample")))
    out = pl.concat(parts, how="diagonal_relaxed")
    if out["unit_id"].is_duplicated().any():
        raise ValueError("a unit_id appears in two coded files")
    return out


def fit_logistic(
    frame: pl.DataFrame,
    *,
    themes: Sequence[str] = THEMES,
    folds: int = 5,
    seed: int = SEED,
    hits: pl.DataFrame | None = None,
) -> dict[str, object]:
    """Fit the logistic comparison model on ``frame`` (C by grouped CV); returns per theme the fitted
    model, plus ``coefficients`` (theme, feature, coefficient, C, data_hash; the intercept as feature
    ``(intercept)``)."""
    rules = presence.default_rules()
    hits = hits if hits is not None else rule_hits(frame, rules=rules)
    ids = frame["unit_id"].to_list()
    groups = frame["group"].to_numpy()
    models: dict[str, object] = {}
    rows = []
    digest = data_hash(frame, themes=themes)
    for t in themes:
        x, y = features(hits, ids, t, rules), codes(frame, t)
        c = _choose_c(x, y, groups, folds, seed)
        m = _fit_logistic(x, y, c, seed)
        models[t] = m
        for name, coef in zip(
            ["(intercept)", *feature_names(t, rules)], [m.intercept_[0], *m.coef_[0]], strict=True
        ):
            rows.append(
                {"theme": t, "feature": name, "coefficient": float(coef), "C": c, "data_hash": digest}
            )
    models["coefficients"] = pl.DataFrame(
        rows,
        schema={
            "theme": pl.String,
            "feature": pl.String,
            "coefficient": pl.Float64,
            "C": pl.Float64,
            "data_hash": pl.String,
        },
    )
    return models


def _logistic_predict(models: dict[str, object], frame: pl.DataFrame, themes: Sequence[str]) -> pl.DataFrame:
    rules = presence.default_rules()
    hits = rule_hits(frame, rules=rules)
    ids = frame["unit_id"].to_list()
    return frame.select("unit_id").with_columns(
        pl.Series(t, np.asarray(models[t].predict(features(hits, ids, t, rules)), dtype=np.int64))  # type: ignore[attr-defined]
        for t in themes
    )


def report(
    files: Sequence[Path] | None = None,
    *,
    holdout_files: Sequence[Path] | None = None,
    themes: Sequence[str] = THEMES,
    n_boot: int = N_BOOT,
    seed: int = SEED,
    folds: int = 5,
) -> dict[str, pl.DataFrame]:
    """The validation tables (see the module docstring) from the coded files.

    ``files`` are split into tune and holdout units by their ``split`` column; every unit of
    ``holdout_files`` is holdout. By default the project's files (``default_files``,
    ``default_holdout_files``); with ``files`` given and no ``holdout_files``, no further holdout file.
    """
    if holdout_files is None:
        holdout_files = default_holdout_files() if files is None else []
    units = load_samples(files, holdout_files=holdout_files, themes=themes)
    tune = units.filter(pl.col("split") == "tune")
    hold = units.filter(pl.col("split") == "holdout")
    rules = presence.default_rules()
    stamp = [pl.lit(rules.version).alias("rules_version"), pl.lit(rules.hash).alias("rules_hash")]

    # agreement, per sample and overall
    agree = []
    coders = sorted({c.rsplit("_", 1)[1] for c in units.columns if c.startswith(f"{themes[0]}_")})
    for name in [*units["sample"].unique(maintain_order=True).to_list(), "all"]:
        sub = units if name == "all" else units.filter(pl.col("sample") == name)
        agree.append(
            agreement_table(sub, coders=coders, themes=themes, n_boot=n_boot, seed=seed).with_columns(
                pl.lit(name).alias("sample")
            )
        )
    agreement = pl.concat(agree).select("sample", pl.exclude("sample"))

    # accuracy: cross-validated on tune, and on the holdout
    dh_all = dictionary_hits(units, themes=themes)
    rh_all = rule_hits(units, rules=rules)
    dh_tune = dh_all.filter(pl.col("unit_id").is_in(tune["unit_id"].implode()))
    rh_tune = rh_all.filter(pl.col("unit_id").is_in(tune["unit_id"].implode()))
    acc, conf = [], []

    def add(measure: str, evaluation: str, gold: pl.DataFrame, pred: pl.DataFrame) -> None:
        """Rows for ``gold`` pooled and, for a holdout, per sample (weighted too where the sample has
        weights: weights of different designs are never pooled)."""
        pieces = [(evaluation, gold, None)]
        if evaluation == "holdout":
            for name in gold["sample"].unique(maintain_order=True).to_list():
                sub = gold.filter(pl.col("sample") == name)
                pieces.append((f"holdout:{name}", sub, None))
                if "weight" in sub.columns and sub["weight"].null_count() == 0:
                    pieces.append((f"holdout_weighted:{name}", sub, "weight"))
        for label, g, w in pieces:
            acc.append(
                accuracy_table(
                    g, pred, themes=themes, groups="group", weight=w, n_boot=n_boot, seed=seed
                ).with_columns(pl.lit(measure).alias("measure"), pl.lit(label).alias("evaluation"))
            )
        if measure == "rules":
            conf.append(
                confusion_table(gold, pred, themes=themes).with_columns(
                    pl.lit(evaluation).alias("evaluation")
                )
            )

    for m in ("dictionary", "rules", "logistic"):
        oof = cross_validate(
            tune,
            method=m,
            folds=folds,
            seed=seed,
            themes=themes,
            rules=rules,
            hits=rh_tune,
            dict_hits=dh_tune,
        )
        add(m, "cv_tune", tune, oof)
    training_rows = []
    if hold.height:
        add("dictionary", "holdout", hold, dictionary_predictions(hold, themes=themes, hits=dh_all))
        add("rules", "holdout", hold, rule_predictions(hold, rules=rules, themes=themes))
        # The model never sees a holdout unit. Holdout files drawn from the same reports share documents
        # with tune units (as they do for the rules, written on the tune units): leaving those tune units
        # out would leave little to train on, so they stay in and are counted (shared_doc_units).
        shared = tune.filter(pl.col("group").is_in(hold["group"].implode()))
        first = units["sample"].unique(maintain_order=True)[0]
        for label, data in (
            ("all tune units", tune),
            (f"{first} only", tune.filter(pl.col("sample") == first)),
        ):
            models = fit_logistic(data, themes=themes, folds=folds, seed=seed)
            pred = _logistic_predict(models, hold, themes)
            if label == "all tune units":
                add("logistic", "holdout", hold, pred)
            t = accuracy_table(hold, pred, themes=themes, groups="group", n_boot=n_boot, seed=seed)
            training_rows.append(
                t.select("theme", "f1", "f1_lo", "f1_hi").with_columns(
                    pl.lit(label).alias("trained_on"),
                    pl.lit(data.height).alias("n_train"),
                    pl.lit(shared.filter(pl.col("unit_id").is_in(data["unit_id"].implode())).height).alias(
                        "shared_doc_units"
                    ),
                )
            )
    accuracy = (
        pl.concat(acc)
        .select("measure", "evaluation", pl.exclude("measure", "evaluation"))
        .with_columns(stamp)
    )
    confusion = pl.concat(conf).select("evaluation", pl.exclude("evaluation"))
    training = (
        pl.concat(training_rows).select(
            "trained_on", "n_train", "shared_doc_units", "theme", "f1", "f1_lo", "f1_hi"
        )
        if training_rows
        else pl.DataFrame()
    )

    # per-term precision on all coded units: dictionary terms, and the cue terms where they counted
    tp_dict = term_precision(dh_all, units, themes=themes).with_columns(pl.lit("dictionary").alias("measure"))
    tp_rules = term_precision(rh_all.filter("counted"), units, themes=themes).with_columns(
        pl.lit("rules").alias("measure")
    )
    term_prec = pl.concat([tp_dict, tp_rules]).select("measure", pl.exclude("measure"))

    doc_agree = document_agreement(
        units, rule_predictions(units, rules=rules, themes=themes), themes=themes, doc="group"
    ).with_columns(  # shown as "source · document", a label rather than a path
        pl.col("group").str.replace("/", " · ", literal=True).alias("group")
    )

    dis = []
    for t in themes:
        cols = [f"{t}_{c}" for c in coders]
        d = units.filter(pl.max_horizontal(cols) != pl.min_horizontal(cols)).select(
            "sample",
            "unit_id",
            pl.lit(t).alias("theme"),
            *[pl.col(f"{t}_{c}").alias(c) for c in coders],
            pl.col(t).alias("adjudicated"),
            "text",
        )
        dis.append(d)
    disagreements = pl.concat(dis)

    coefficients = fit_logistic(tune, themes=themes, folds=folds, seed=seed, hits=rh_tune)["coefficients"]
    assert isinstance(coefficients, pl.DataFrame)
    return {
        "agreement": agreement,
        "accuracy": accuracy,
        "confusion": confusion,
        "term_precision": term_prec,
        "document_agreement": doc_agree,
        "disagreements": disagreements,
        "training": training,
        "logistic_coefficients": coefficients,
        "rules": rules.frame().with_columns(stamp),
    }


__all__ = ["C_GRID", "default_files", "fit_logistic", "load_samples", "report"]
