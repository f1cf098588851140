"""Theme validation: the lexicons scored against the Outline labels of sections, and leave-one-term-out.

In: a sections table with gold labels (``sections.system``, from the headings through the Outline
mapping), the ``documents`` table, the ``theme_hits`` table (or tokens to find them) and a ``LexiconSet``.
Out: ``validate_sections`` (a ``Validation``: precision, recall and F1 per theme, the confusion matrix and
the units), the ``theme_validation`` and ``theme_confusion`` tables (every variant of ``VARIANTS``) and
the ``theme_sensitivity`` table (each term left out in turn).
How: a unit is a heading-labelled section with its unlabelled descendants (``labelled_units``); its
body, the heading text cut out, is classified by the rule of ``fazhi.themes.scores.classify`` from the
hits it holds (``fazhi.themes.matching.hits_in_units``) and compared with its label.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from ..schema import in_order, levels_present
from .lexicon import LexiconSet, default_lexicons, heading_keyword_terms, outline_words, stamp
from .matching import find_hits, tokens_frame, unit_hits
from .scores import MIN_WEIGHT, DocStats, classify

UNIT_COLUMNS = {
    "doc_id": pl.String,
    "unit_id": pl.Int32,
    "label": pl.String,
    "section_id": pl.Int32,
    "start": pl.Int64,
    "end": pl.Int64,
    "cut_start": pl.Int64,
    "cut_end": pl.Int64,
}


def _units_of(recs: list[dict[str, Any]], cols: Sequence[str], granularity: str) -> dict[int, int | None]:
    """Section id → the id of the unit it belongs to (None: in no unit), for one document's sections in
    document order (a parent precedes its children)."""
    by_id = {r["section_id"]: r for r in recs}
    unit_of: dict[int, int | None] = {}
    for r in recs:
        sid, label = r["section_id"], r.get("system")
        parent = r.get("parent_id") if "parent_id" in cols else None
        if "system_source" in cols:
            starts_unit = label is not None and r.get("system_source") == "heading"
        else:
            starts_unit = label is not None and (
                parent is None or by_id.get(parent, {}).get("system") != label
            )
        if granularity == "section":
            unit_of[sid] = sid if label is not None else None
        elif starts_unit:
            unit_of[sid] = sid
        elif parent is not None and unit_of.get(parent) is not None:
            unit_of[sid] = unit_of[parent]
        else:
            unit_of[sid] = None
    return unit_of


def _heading_cut(text: str, r: dict[str, Any], *, cut: bool) -> tuple[int, int]:
    """The span of a section's heading to leave out (its marker and title), empty when ``cut`` is false or
    the section has no title found in its span."""
    s, e = int(r["start"]), int(r["end"])
    title = r.get("title")
    if cut and title:
        # The heading runs from the section's start (its marker) to the end of its title.
        k = text.find(title, s, e)
        if k >= 0:
            return s, k + len(title)  # the marker before the title goes too
    return s, s


def labelled_units(
    sections: pl.DataFrame, documents: pl.DataFrame, exclude: str = "label", granularity: str = "subtree"
) -> pl.DataFrame:
    """Units of validation: each heading-labelled section with its descendants that have no label of their
    own.

    Parameters
    ----------
    sections
        A sections table with at least doc_id, section_id, start, end and system (the gold label, null
        when none). Optional: parent_id (without it every labelled section is a unit on its own),
        title (the heading text to exclude) and system_source (only ``"heading"`` labels start a unit;
        without it, a labelled section starts a unit unless its parent has the same label).
    documents
        doc_id and text.
    exclude
        ``"label"``: exclude the title of the heading that gave the label; ``"all"``: exclude the titles
        of every heading inside the unit too (stricter).
    granularity
        ``"subtree"``: a unit is a heading-labelled section with its descendants; ``"section"``: every
        labelled section (its label given or inherited) is a unit on its own, its own title excluded
        (short bodies: a harder test).

    Returns
    -------
    polars.DataFrame
        One row per (unit, section): doc_id, unit_id (the labelled section's id), label, section_id,
        start, end, and ``cut_start``/``cut_end``, the heading span excluded from that section (empty
        when nothing is excluded).
    """
    text = dict(zip(documents["doc_id"].to_list(), documents["text"].to_list(), strict=True))
    cols = sections.columns
    rows = []
    for (doc_id,), g in sections.sort("doc_id", "section_id").group_by("doc_id", maintain_order=True):
        recs = g.to_dicts()
        by_id = {r["section_id"]: r for r in recs}
        unit_of = _units_of(recs, cols, granularity)
        for r in recs:
            u = unit_of[r["section_id"]]
            if u is None:
                continue
            cut = (u == r["section_id"] or exclude == "all") and "title" in cols
            cut_s, cut_e = _heading_cut(text.get(doc_id, ""), r, cut=cut)
            rows.append(
                (doc_id, u, by_id[u]["system"], r["section_id"], int(r["start"]), int(r["end"]), cut_s, cut_e)
            )
    return pl.DataFrame(rows, schema=UNIT_COLUMNS, orient="row")


def unit_evidence(
    units: pl.DataFrame, hits: pl.DataFrame, themes: Sequence[str]
) -> tuple[pl.DataFrame, np.ndarray]:
    """Weighted hits per unit and theme, counting only hits inside the unit and outside its excluded headings.

    Returns the unit keys (doc_id, unit_id, label) in order and a (units × themes) array. Memory is
    O(hits + units) for units that do not overlap (see ``hits_in_units``).
    """
    keys = units.select("doc_id", "unit_id", "label").unique(maintain_order=True)
    index = {
        (d, u): k
        for k, (d, u) in enumerate(zip(keys["doc_id"].to_list(), keys["unit_id"].to_list(), strict=True))
    }
    tindex = {t: k for k, t in enumerate(themes)}
    w = np.zeros((len(keys), len(themes)))
    if hits.height and units.height:
        j = unit_hits(units, hits, ["theme", "weight"])
        for d, u, theme, wt in j.select("doc_id", "unit_id", "theme", "weight").iter_rows():
            if theme in tindex:
                w[index[(d, u)], tindex[theme]] += wt
    return keys, w


def _prf(labels: Sequence[str | None], predicted: Sequence[str | None], themes: Sequence[str]) -> list[tuple]:
    rows = []
    f1s = []
    for theme in themes:
        support = sum(1 for g in labels if g == theme)
        pred = sum(1 for p in predicted if p == theme)
        tp = sum(1 for g, p in zip(labels, predicted, strict=True) if g == p == theme)
        precision = tp / pred if pred else None
        recall = tp / support if support else None
        # F1 = 2TP / (support + predicted): 0 when a theme with support is never predicted (or vice versa).
        f1 = 2 * tp / (support + pred) if support + pred else None
        if f1 is not None:
            f1s.append(f1)
        rows.append((theme, support, pred, tp, precision, recall, f1, len(labels)))
    macro = sum(f1s) / len(f1s) if f1s else None
    n_pred = sum(1 for p in predicted if p is not None)
    n_true = sum(1 for g, p in zip(labels, predicted, strict=True) if g == p)
    rows.append(("macro", len(labels), n_pred, n_true, None, None, macro, len(labels)))
    return rows


@dataclass
class Validation:
    """Validation of the lexicons against heading labels."""

    metrics: pl.DataFrame  # theme, support, predicted, true_positives, precision, recall, f1, n_units
    confusion: pl.DataFrame  # label, predicted, n
    units: pl.DataFrame  # doc_id, unit_id, label, predicted, and the weighted hits of every theme


METRIC_COLUMNS = {
    "theme": pl.String,
    "support": pl.Int32,
    "predicted": pl.Int32,
    "true_positives": pl.Int32,
    "precision": pl.Float64,
    "recall": pl.Float64,
    "f1": pl.Float64,
    "n_units": pl.Int32,
}


def _validate_arrays(
    keys: pl.DataFrame, w: np.ndarray, themes: Sequence[str], min_weight: float
) -> Validation:
    cls = classify(w, min_weight)
    predicted = [themes[c] if c >= 0 else None for c in cls.tolist()]
    labels = keys["label"].to_list()
    metrics = pl.DataFrame(_prf(labels, predicted, themes), schema=METRIC_COLUMNS, orient="row")
    cells: dict[tuple[str, str], int] = {}
    for g, p in zip(labels, predicted, strict=True):
        cells[(g, p or "none")] = cells.get((g, p or "none"), 0) + 1
    order = {t: k for k, t in enumerate([*themes, "none"])}
    confusion = pl.DataFrame(
        [
            (g, p, n)
            for (g, p), n in sorted(
                cells.items(), key=lambda kv: (order.get(kv[0][0], 99), order.get(kv[0][1], 99))
            )
        ],
        schema={"label": pl.String, "predicted": pl.String, "n": pl.Int32},
        orient="row",
    )
    units = keys.with_columns(predicted=pl.Series(predicted, dtype=pl.String)).hstack(
        pl.DataFrame({t: w[:, k] for k, t in enumerate(themes)}, schema={t: pl.Float64 for t in themes})
    )
    return Validation(metrics, confusion, units)


def validate_sections(
    sections: pl.DataFrame,
    documents: pl.DataFrame,
    *,
    tokens: pl.DataFrame | None = None,
    hits: pl.DataFrame | None = None,
    lexicons: LexiconSet | None = None,
    tokenizer: Any = None,
    exclude: str = "label",
    granularity: str = "subtree",
    min_weight: float = MIN_WEIGHT,
) -> Validation:
    """Score the lexicons against any labelled sections table.

    Parameters
    ----------
    sections
        Sections with a gold label in ``system`` (see ``labelled_units`` for the columns used).
    documents
        doc_id and text.
    tokens, hits
        The tokens table or the hits already found; when neither is given the texts are tokenised with
        ``tokenizer`` (the default tokenizer unless given).
    lexicons
        The lexicons to score; the package's by default.
    exclude
        Which heading text to leave out of the bodies (``"label"`` or ``"all"``).
    granularity
        ``"subtree"`` (labelled heading with its descendants) or ``"section"`` (each labelled section).
    min_weight
        Evidence needed to classify a unit.

    Returns
    -------
    Validation
        ``metrics`` (precision, recall, F1 per theme and their macro mean), ``confusion`` (label ×
        prediction counts, ``none`` when a body is not classified) and ``units`` (one row per unit).
    """
    lexicons = lexicons or default_lexicons()
    if hits is None:
        if tokens is None:
            tokens = tokens_frame(documents, tokenizer)
        if "n_chars" not in documents.columns:
            documents = documents.with_columns(n_chars=pl.col("text").str.len_chars().cast(pl.Int64))
        hits = find_hits(tokens, documents, lexicons)
    units = labelled_units(sections, documents, exclude, granularity)
    keys, w = unit_evidence(units, hits, lexicons.themes)
    return _validate_arrays(keys, w, lexicons.themes, min_weight)


#: The validation variants of ``theme_validation``, in the order the notebook shows them.
VARIANTS = {
    "full": "the lexicons as shipped; units = labelled heading + descendants, heading excluded",
    "all_headings_excluded": "as full, but the titles of every heading inside a unit are excluded too",
    "no_outline_words": "terms that occur in an Outline system's name or title removed",
    "no_heading_keywords": "terms that are keywords of the heading-to-system mapping removed",
    "single_sections": "every labelled section on its own (short bodies), its title excluded",
}


def validation_tables(
    sections: pl.DataFrame,
    documents: pl.DataFrame,
    hits: pl.DataFrame,
    lexicons: LexiconSet,
    min_weight: float = MIN_WEIGHT,
) -> tuple[pl.DataFrame, pl.DataFrame, Validation]:
    """The ``theme_validation`` (every variant of ``VARIANTS``) and ``theme_confusion`` (full) tables."""

    def drop(pairs: set[tuple[str, str]]) -> dict[str, Any]:
        gone = pl.DataFrame(
            list(pairs) or [("", "")], schema={"theme": pl.String, "term": pl.String}, orient="row"
        )
        return {
            "hits": hits.join(gone, on=["theme", "term"], how="anti"),
            "lexicons": lexicons.without(pairs),
        }

    shipped = {"hits": hits, "lexicons": lexicons}
    options = {
        "full": shipped,
        "all_headings_excluded": {**shipped, "exclude": "all"},
        "no_outline_words": drop(outline_words(lexicons)),
        "no_heading_keywords": drop(heading_keyword_terms(lexicons)),
        "single_sections": {**shipped, "granularity": "section"},
    }
    results = {
        v: validate_sections(sections, documents, min_weight=min_weight, **options[v]) for v in VARIANTS
    }
    metrics = pl.concat([results[v].metrics.with_columns(variant=pl.lit(v)) for v in VARIANTS]).select(
        "variant", "theme", "support", "predicted", "true_positives", "precision", "recall", "f1", "n_units"
    )
    return stamp(metrics, lexicons), stamp(results["full"].confusion, lexicons), results["full"]


# --------------------------------------------------------------------------------------------------
# Robustness: leave one term out
# --------------------------------------------------------------------------------------------------

SENSITIVITY_COLUMNS = {
    "theme": pl.String,
    "term": pl.String,
    "scope": pl.String,
    "hits": pl.Int64,
    "per_1k_tokens": pl.Float64,
    "per_1k_without": pl.Float64,
    "share_of_theme": pl.Float64,
    "f1": pl.Float64,
    "f1_without": pl.Float64,
}


def _term_f1(
    hits: pl.DataFrame,
    sections: pl.DataFrame,
    documents: pl.DataFrame,
    lexicons: LexiconSet,
    *,
    pairs: Sequence[tuple[str, str]],
    min_weight: float,
) -> tuple[dict[str, float | None], dict[tuple[str, str], float | None]]:
    """Validation F1 of each theme as shipped, and of its theme with each (theme, term) of ``pairs`` left
    out."""
    themes = lexicons.themes
    units = labelled_units(sections, documents)
    keys, w_full = unit_evidence(units, hits, themes)
    kindex = {
        (d, u): k
        for k, (d, u) in enumerate(zip(keys["doc_id"].to_list(), keys["unit_id"].to_list(), strict=True))
    }
    tindex = {t: k for k, t in enumerate(themes)}
    labels = keys["label"].to_list()

    def f1_of(w: np.ndarray, theme: str) -> float | None:
        pred = [themes[c] if c >= 0 else None for c in classify(w, min_weight).tolist()]
        return next(r[6] for r in _prf(labels, pred, themes) if r[0] == theme)

    # Evidence of every hit per unit, to subtract one term at a time without re-matching.
    term_units: dict[tuple[str, str], list[tuple[int, float]]] = {}
    for d, u, theme, term, wt in unit_hits(units, hits, ["theme", "term", "weight"]).iter_rows():
        term_units.setdefault((theme, term), []).append((kindex[(d, u)], wt))
    without: dict[tuple[str, str], float | None] = {}
    for pair in pairs:
        w = w_full.copy()
        for k, wt in term_units.get(pair, []):
            w[k, tindex[pair[0]]] -= wt
        without[pair] = f1_of(w, pair[0])
    return {t: f1_of(w_full, t) for t in themes}, without


def _scope_weights(
    h: pl.DataFrame, stats: Sequence[DocStats]
) -> tuple[
    list[str],
    dict[str, float],
    dict[tuple[str, str], float],
    dict[tuple[str, str], dict[str, tuple[int, float]]],
]:
    """Scopes (corpus, then levels), word tokens per scope, a theme's weighted hits per scope, and each term's
    (hits, weighted hits) per scope, from hits carrying their document's ``level``."""
    words_by_doc = {d.doc_id: float(d.words.sum()) for d in stats}
    level_of = {d.doc_id: d.level for d in stats}
    scopes = ["corpus", *levels_present(level_of.values())]
    words_scope = {"corpus": sum(words_by_doc.values())}
    for lv in scopes[1:]:
        words_scope[lv] = sum(v for d, v in words_by_doc.items() if level_of[d] == lv)
    theme_w: dict[tuple[str, str], float] = {}
    for theme, lv, wt in h.group_by("theme", "level").agg(pl.col("weight").sum()).iter_rows():
        theme_w[(theme, lv)] = wt
        theme_w[(theme, "corpus")] = theme_w.get((theme, "corpus"), 0.0) + wt
    per_term: dict[tuple[str, str], dict[str, tuple[int, float]]] = {}
    for theme, term, lv, n, wt in (
        h.group_by("theme", "term", "level").agg(n=pl.len(), w=pl.col("weight").sum()).iter_rows()
    ):
        d = per_term.setdefault((theme, term), {})
        d[lv] = (n, wt)
        cn, cw = d.get("corpus", (0, 0.0))
        d["corpus"] = (cn + n, cw + wt)
    return scopes, words_scope, theme_w, per_term


def sensitivity_table(
    hits: pl.DataFrame,
    stats: Sequence[DocStats],
    sections: pl.DataFrame,
    documents: pl.DataFrame,
    lexicons: LexiconSet,
    min_weight: float = MIN_WEIGHT,
) -> pl.DataFrame:
    """The ``theme_sensitivity`` table: each term with hits, left out in turn."""
    level_of = {d.doc_id: d.level for d in stats}
    h = hits.with_columns(level=pl.col("doc_id").replace_strict(level_of, default="unknown"))
    scopes, words_scope, theme_w, per_term = _scope_weights(h, stats)
    terms = [t for t in lexicons.terms if (t.theme, t.term) in per_term]
    pairs = [(t.theme, t.term) for t in terms]
    base_f1, f1_without = _term_f1(hits, sections, documents, lexicons, pairs=pairs, min_weight=min_weight)
    rows = []
    for t in terms:
        for sc in scopes:
            n, wt = per_term[(t.theme, t.term)].get(sc, (0, 0.0))
            total = theme_w.get((t.theme, sc), 0.0)
            words = words_scope.get(sc, 0.0)
            corpus = sc == "corpus"
            rows.append(
                (
                    t.theme,
                    t.term,
                    sc,
                    n,
                    1000 * total / words if words else 0.0,
                    1000 * (total - wt) / words if words else 0.0,
                    wt / total if total else 0.0,
                    base_f1[t.theme] if corpus else None,
                    f1_without[(t.theme, t.term)] if corpus else None,
                )
            )
    df = pl.DataFrame(rows, schema=SENSITIVITY_COLUMNS, orient="row")
    corpus_share = df.filter(pl.col("scope") == "corpus").select("theme", "term", _c=pl.col("share_of_theme"))
    df = (
        df.join(corpus_share, on=["theme", "term"], how="left")
        .sort(
            [in_order("theme", lexicons.themes), "_c", "term", in_order("scope", scopes)],
            descending=[False, True, False, False],
        )
        .drop("_c")
    )
    return stamp(df, lexicons)
