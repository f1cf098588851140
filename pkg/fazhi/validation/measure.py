"""The measures under validation, applied to coded units, and their cross-validated accuracy.

In: coded units (``read_coded``: ``unit_id``, ``source``, ``doc``, ``text`` and a 0/1 code per theme,
as in ``tests/data/validation/paragraphs_*.csv``).
Out: per-unit 0/1 decisions of the dictionary-only measure (``dictionary_predictions``: a theme is
present with at least one lexicon hit, the baseline of issue 15) and of the contextual presence rules
(``rule_predictions``, ``fazhi.presence``); the hits behind them (``dictionary_hits``, ``rule_hits``)
for per-term precision; out-of-fold decisions and F1 tables of grouped cross-validation
(``cross_validate``, ``cv_accuracy``); the deterministic tune / holdout split (``split_holdout``).
How: units are grouped by document (``doc_key``: source plus a normalised document name, so the
paragraphs of one report never sit on both sides of a split). Cross-validation is ``GroupKFold`` over
documents. Methods: ``dictionary`` and ``rules`` have nothing fitted, so their out-of-fold decisions are
their plain decisions; ``rules_threshold`` picks each theme's threshold on the training folds (grid,
best F1); ``logistic`` fits an L2 logistic regression on the rules' per-cue evidence (counted weight
per cue, plus counts of hits the context rules set aside), with C chosen by an inner grouped CV on the
training folds (nested), seeded.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import polars as pl

from .. import presence
from ._common import SEED, THEMES, codes
from .accuracy import accuracy_table

METHODS = ("dictionary", "rules", "rules_threshold", "logistic")
THRESHOLDS = (0.5, 1.0, 1.5, 2.0, 2.5, 3.0)
C_GRID = (0.03, 0.1, 0.3, 1.0, 3.0)


def doc_key(source: str, doc: str) -> str:
    """A document's grouping key: the source and the document name without year prefix, report suffix
    and hash suffix; for provincial sources only the first character of the province is kept, because
    the coded files spell provinces differently ('2025年新疆…政府工作报告', '新'): a coarser group (山东 with
    山西) only makes the split stricter. Seeds '004_2c10…' is '004'."""
    d = re.sub(r"^\d{4}年", "", str(doc).strip())
    d = re.sub(r"政府工作报告$", "", d)
    d = d.split("_")[0]
    if source.startswith("prov"):
        d = d[:1]
    return f"{source}/{d}"


def read_coded(path: Path, *, themes: Sequence[str] = THEMES) -> pl.DataFrame:
    """Read a coded-units CSV (``paragraphs_dev.csv`` layout); adds ``group`` (the document key).

    ``unit_id``, ``text`` and a 0/1 column per theme are required; ``source`` and ``doc`` are optional
    (without ``doc`` every unit is its own group).

    Raises ``ValueError`` naming the file on a missing column, a repeated unit_id or a code not 0/1.
    """
    path = Path(path)
    frame = pl.read_csv(path, infer_schema=False)
    for col in ("unit_id", "text", *themes):
        if col not in frame.columns:
            raise ValueError(f"{path.name}: no column {col!r}")
    if "source" not in frame.columns:
        frame = frame.with_columns(pl.lit("").alias("source"))
    if "doc" not in frame.columns:  # without documents, every unit is its own group
        frame = frame.with_columns(pl.col("unit_id").alias("doc"))
    if frame["unit_id"].is_duplicated().any():
        raise ValueError(f"{path.name}: repeated unit_id")
    for t in themes:
        try:
            codes(frame, t)
        except ValueError as exc:
            raise ValueError(f"{path.name}: {exc}") from exc
    int_cols = [c for c in frame.columns if any(c == t or c.startswith(f"{t}_") for t in themes)]
    frame = frame.with_columns(pl.col(c).cast(pl.Int64, strict=False) for c in int_cols)
    if "weight" in frame.columns:
        frame = frame.with_columns(pl.col("weight").cast(pl.Float64))
    keys = [doc_key(s, d) for s, d in zip(frame["source"], frame["doc"], strict=True)]
    return frame.with_columns(pl.Series("group", keys, dtype=pl.String))


def data_hash(frame: pl.DataFrame, *, themes: Sequence[str] = THEMES) -> str:
    """SHA-256 of the units' ids, texts and adjudicated codes (in unit_id order): identifies training data."""
    h = hashlib.sha256()
    for row in frame.sort("unit_id").select("unit_id", "text", *themes).iter_rows():
        h.update("\x1f".join(str(v) for v in row).encode("utf-8"))
        h.update(b"\x1e")
    return h.hexdigest()


def split_holdout(frame: pl.DataFrame, *, share: float = 0.4, salt: str = "fazhi-holdout-1") -> pl.Series:
    """A boolean Series: True for units whose document falls in the holdout part.

    A document is in the holdout when SHA-256(salt + group) read as a fraction in [0, 1) is below
    ``share``: deterministic, independent of the order of units and of which other units are coded.
    """

    def frac(g: str) -> float:
        return int(hashlib.sha256(f"{salt}{g}".encode()).hexdigest()[:12], 16) / 16**12

    return pl.Series("holdout", [frac(g) < share for g in frame["group"]], dtype=pl.Boolean)


# ------------------------------------------------------------------------------------------------
# The measures on coded units
# ------------------------------------------------------------------------------------------------


def dictionary_hits(
    frame: pl.DataFrame, *, themes: Sequence[str] = THEMES, tokenizer: object = None
) -> pl.DataFrame:
    """Lexicon hits per unit (the dictionary-only measure): ``unit_id``, ``theme``, ``term``, ``weight``."""
    from .. import themes as th

    lex = th.default_lexicons()
    tok = tokenizer or th._default_tokenizer()
    matcher = th.Matcher(lex)
    wanted = set(themes)
    rows = []
    for uid, text in zip(frame["unit_id"], frame["text"], strict=True):
        toks = [t.text for t in tok.tokens(text) if t.text.strip()]  # type: ignore[attr-defined]
        for h in matcher.match(toks):
            if h.term.theme in wanted:
                rows.append(
                    {"unit_id": uid, "theme": h.term.theme, "term": h.term.term, "weight": h.term.weight}
                )
    return pl.DataFrame(
        rows, schema={"unit_id": pl.String, "theme": pl.String, "term": pl.String, "weight": pl.Float64}
    )


def dictionary_predictions(
    frame: pl.DataFrame,
    *,
    themes: Sequence[str] = THEMES,
    min_hits: int = 1,
    hits: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """The dictionary-only decision: a theme is present with at least ``min_hits`` lexicon hits."""
    hits = hits if hits is not None else dictionary_hits(frame, themes=themes)
    counts = hits.group_by("unit_id", "theme").len()
    out = frame.select("unit_id")
    for t in themes:
        c = counts.filter(pl.col("theme") == t).select("unit_id", pl.col("len").alias(t))
        out = out.join(c, on="unit_id", how="left", maintain_order="left").with_columns(
            (pl.col(t).fill_null(0) >= min_hits).cast(pl.Int64)
        )
    return out


def rule_hits(frame: pl.DataFrame, *, rules: presence.PresenceRules | None = None) -> pl.DataFrame:
    """Every cue occurrence per unit (``presence.cue_hits`` with ``unit_id``)."""
    rules = rules or presence.default_rules()
    parts = [
        presence.cue_hits(text, rules=rules).with_columns(pl.lit(uid, dtype=pl.String).alias("unit_id"))
        for uid, text in zip(frame["unit_id"], frame["text"], strict=True)
    ]
    if not parts:
        return presence.cue_hits("", rules=rules).with_columns(pl.lit(None, dtype=pl.String).alias("unit_id"))
    return pl.concat(parts).select("unit_id", pl.exclude("unit_id"))


def rule_predictions(
    frame: pl.DataFrame, *, rules: presence.PresenceRules | None = None, themes: Sequence[str] = THEMES
) -> pl.DataFrame:
    """The contextual presence rules' decision per unit: ``unit_id`` and a 0/1 column per theme."""
    rules = rules or presence.default_rules()
    pf = presence.presence_frame(frame["text"].to_list(), ids=frame["unit_id"].to_list(), rules=rules)
    return pf.select("unit_id", *themes)


# ------------------------------------------------------------------------------------------------
# Features and cross-validation
# ------------------------------------------------------------------------------------------------


def feature_names(theme: str, rules: presence.PresenceRules | None = None) -> list[str]:
    """The logistic model's features for a theme: counted weight per cue, then set-aside hit counts."""
    rules = rules or presence.default_rules()
    return [f"cue:{c.name}" for c in rules[theme].cues] + ["set_aside:context", "set_aside:list_item"]


def features(
    hits: pl.DataFrame, ids: Sequence[str], theme: str, rules: presence.PresenceRules | None = None
) -> np.ndarray:
    """Units × features matrix (log1p of the counted weights / counts) for one theme, rows in ``ids``
    order."""
    rules = rules or presence.default_rules()
    names = feature_names(theme, rules)
    pos = {u: i for i, u in enumerate(ids)}
    x = np.zeros((len(ids), len(names)))
    col = {n: j for j, n in enumerate(names)}
    for uid, cue, counted, reason, weight in (
        hits.filter(pl.col("theme") == theme)
        .select("unit_id", "cue", "counted", "reason", "weight")
        .iter_rows()
    ):
        i = pos.get(uid)
        if i is None:
            continue
        if counted:
            x[i, col[f"cue:{cue}"]] += weight
            if reason == "list item":
                x[i, col["set_aside:list_item"]] += 1
        else:
            x[i, col["set_aside:context"]] += 1
    return np.log1p(x)


def _fit_logistic(x: np.ndarray, y: np.ndarray, c: float, seed: int):
    from sklearn.linear_model import LogisticRegression

    if len(np.unique(y)) < 2:
        raise ValueError("training data hold a single class")
    return LogisticRegression(C=c, max_iter=2000, class_weight="balanced", random_state=seed).fit(x, y)


def _f1(y: np.ndarray, p: np.ndarray) -> float:
    tp = int(np.sum((y == 1) & (p == 1)))
    d = int(np.sum(y == 1) + np.sum(p == 1))
    return 2 * tp / d if d else 0.0


def _choose_c(x: np.ndarray, y: np.ndarray, groups: np.ndarray, folds: int, seed: int) -> float:
    from sklearn.model_selection import GroupKFold

    k = min(folds, len(np.unique(groups)))
    best, best_c = -1.0, C_GRID[0]
    for c in C_GRID:
        pred = np.zeros_like(y)
        for tr, te in GroupKFold(n_splits=k).split(x, y, groups):
            if len(np.unique(y[tr])) < 2:
                pred[te] = int(y[tr][0])
                continue
            pred[te] = _fit_logistic(x[tr], y[tr], c, seed).predict(x[te])
        f = _f1(y, pred)
        if f > best + 1e-12:
            best, best_c = f, c
    return best_c


def _choose_threshold(score: np.ndarray, y: np.ndarray) -> float:
    best, best_t = -1.0, THRESHOLDS[0]
    for t in THRESHOLDS:
        f = _f1(y, (score >= t).astype(int))
        if f > best + 1e-12:
            best, best_t = f, t
    return best_t


def cross_validate(
    frame: pl.DataFrame,
    *,
    method: str,
    folds: int = 5,
    seed: int = SEED,
    themes: Sequence[str] = THEMES,
    rules: presence.PresenceRules | None = None,
    hits: pl.DataFrame | None = None,
    dict_hits: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Out-of-fold 0/1 decisions of a method, grouped by document (``GroupKFold`` on ``group``).

    Returns ``unit_id``, ``fold`` and a 0/1 column per theme: each unit decided by a model that did not
    see its document. For ``dictionary`` and ``rules`` nothing is fitted.
    """
    from sklearn.model_selection import GroupKFold

    if method not in METHODS:
        raise ValueError(f"unknown method {method!r} (one of {', '.join(METHODS)})")
    rules = rules or presence.default_rules()
    ids = frame["unit_id"].to_list()
    groups = frame["group"].to_numpy()
    k = min(folds, len(np.unique(groups)))
    if k < 2:
        raise ValueError("cross-validation needs units from at least two documents")
    fold = np.zeros(len(ids), dtype=np.int64)
    splits = list(GroupKFold(n_splits=k).split(np.zeros(len(ids)), groups=groups))
    for f, (_, te) in enumerate(splits):
        fold[te] = f
    out = frame.select("unit_id").with_columns(pl.Series("fold", fold))
    if method == "dictionary":
        pred = dictionary_predictions(frame, themes=themes, hits=dict_hits)
        return out.join(pred, on="unit_id", maintain_order="left")
    if method == "rules":
        return out.join(
            rule_predictions(frame, rules=rules, themes=themes), on="unit_id", maintain_order="left"
        )
    hits = hits if hits is not None else rule_hits(frame, rules=rules)
    cols = {}
    for t in themes:
        y = codes(frame, t)
        pred = np.zeros(len(ids), dtype=np.int64)
        if method == "rules_threshold":
            s = presence.presence_frame(frame["text"].to_list(), ids=ids, rules=rules)[
                f"{t}_score"
            ].to_numpy()
            for tr, te in splits:
                pred[te] = (s[te] >= _choose_threshold(s[tr], y[tr])).astype(np.int64)
        else:
            x = features(hits, ids, t, rules)
            for tr, te in splits:
                c = _choose_c(x[tr], y[tr], groups[tr], folds, seed)
                pred[te] = _fit_logistic(x[tr], y[tr], c, seed).predict(x[te])
        cols[t] = pred
    return out.with_columns(pl.Series(t, cols[t]) for t in themes)


def cv_accuracy(
    frame: pl.DataFrame,
    *,
    methods: Sequence[str] = METHODS,
    folds: int = 5,
    seed: int = SEED,
    themes: Sequence[str] = THEMES,
    n_boot: int = 2000,
    rules: presence.PresenceRules | None = None,
) -> pl.DataFrame:
    """Grouped cross-validated precision / recall / F1 with document-cluster bootstrap intervals, one
    block of rows per method (column ``method``). This is the function the site calls."""
    rules = rules or presence.default_rules()
    hits = (
        rule_hits(frame, rules=rules) if any(m in ("rules_threshold", "logistic") for m in methods) else None
    )
    dh = dictionary_hits(frame, themes=themes) if "dictionary" in methods else None
    parts = []
    for m in methods:
        oof = cross_validate(
            frame, method=m, folds=folds, seed=seed, themes=themes, rules=rules, hits=hits, dict_hits=dh
        )
        acc = accuracy_table(frame, oof, themes=themes, groups="group", n_boot=n_boot, seed=seed)
        parts.append(acc.with_columns(pl.lit(m).alias("method")).select("method", pl.exclude("method")))
    return pl.concat(parts)
