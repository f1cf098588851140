"""Theme scores: per-section evidence, per-document and per-level measures with intervals, presence and
comparisons of groups of documents.

In: the ``sections``, ``documents`` and ``tokens`` tables, the ``theme_hits`` table and a ``LexiconSet``
(or, for ``score_themes``, any text).
Out: ``section_stats`` (per-document section arrays), the ``theme_sections``, ``theme_scores``,
``theme_contrasts``, ``theme_documents``, ``theme_groups`` and ``theme_group_contrasts`` tables, and
``score_themes`` (one text scored on every theme).
How: a section is classified to the theme with most weighted hits (at least ``MIN_WEIGHT``, no tie);
six measures follow from the section arrays (``measures``); sections are resampled within each document
for the bootstrap intervals (one seeded stream per document); documents are compared by
``fazhi.compare`` (see the package docstring of ``fazhi.themes`` for the method).
"""

from __future__ import annotations

import hashlib
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl

from ..schema import LEVELS, in_order, levels_present
from ..schema import MEASURES as SCHEMA_MEASURES
from .frames import contrasts_frame, scores_frame, sections_frame
from .lexicon import LexiconSet, default_lexicons, stamp
from .matching import Matcher, _default_tokenizer, is_word

#: A section needs at least this much weighted lexicon evidence to be classified to a theme.
MIN_WEIGHT = 1.0

#: A theme is *present* in a document only with at least this many weighted hits …
PRESENCE_MIN_HITS = 3.0
#: … and at least this many weighted hits per 1,000 word tokens (no theme rests on one incidental word).
PRESENCE_MIN_RATE = 1.0

#: Covariates the themes stage compares documents by (``theme_groups``, ``theme_group_contrasts``), and
#: the comparison of levels within document types.
COMPARE_BY = ("level", "doc_type", "period")
COMPARE_WITHIN = (("level", "doc_type"), ("level", "period"))

#: Bootstrap replicates and seed of the build (overridable through the build settings).
N_BOOT = 2000
SEED = 20240322
# Memory budget of one block of bootstrap replicates (each of the few (block, sections, themes) arrays).
BOOT_BLOCK_BYTES = 16 * 2**20

# The six measures, in the order of theme_scores rows: the categories of fazhi.schema.MEASURE.
MEASURES = SCHEMA_MEASURES


def score_themes(
    text: str, *, lexicons: LexiconSet | None = None, tokenizer: Any = None, rules: Any = None
) -> pl.DataFrame:
    """Score one text on the eight themes.

    Parameters
    ----------
    text
        Any text.
    lexicons
        The lexicons; the package's by default.
    tokenizer
        An object with ``.tokens(text)`` returning tokens with ``text``; the default tokenizer.
    rules
        The presence rules (``fazhi.presence.PresenceRules``); the package's ``data/presence.toml`` by
        default.

    Returns
    -------
    polars.DataFrame
        One row per theme, all eight in the Outline's order: ``theme``, ``hits`` (number of matches),
        ``per_1k_tokens`` (1000 × sum of the matched terms' weights / word tokens; 0 for a text
        without words) and ``present``: the measure's decision for the text taken as one unit - the
        contextual presence rules (``fazhi.presence``, validated against coded paragraphs) for the
        themes they cover, the dictionary rule (weighted hits >= ``MIN_WEIGHT``) for the others.
    """
    from .. import presence

    lexicons = lexicons or default_lexicons()
    tokenizer = tokenizer or _default_tokenizer()
    toks = [t.text for t in tokenizer.tokens(text) if t.text.strip()]
    n_words = sum(1 for t in toks if is_word(t))
    counts = dict.fromkeys(lexicons.themes, 0)
    weights = dict.fromkeys(lexicons.themes, 0.0)
    for h in Matcher(lexicons).match(toks):
        counts[h.term.theme] += 1
        weights[h.term.theme] += h.term.weight
    rules = rules or presence.default_rules()
    rule_scores = presence.scores(text, rules=rules)
    present = [
        rule_scores[t] >= rules[t].threshold if t in rule_scores else weights[t] >= MIN_WEIGHT
        for t in lexicons.themes
    ]
    return pl.DataFrame(
        {
            "theme": list(lexicons.themes),
            "hits": [counts[t] for t in lexicons.themes],
            "per_1k_tokens": [1000 * weights[t] / n_words if n_words else 0.0 for t in lexicons.themes],
            "present": present,
        },
        schema={"theme": pl.String, "hits": pl.Int64, "per_1k_tokens": pl.Float64, "present": pl.Boolean},
    )


# --------------------------------------------------------------------------------------------------
# Section statistics and classification
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SectionArrays:
    """Per-section arrays of one document, aligned on its sections; each may carry a leading replicate axis
    (``take`` with a (B, S) index gives n_chars (B, S) and hits (B, S, T))."""

    n_chars: np.ndarray  # (S,) characters
    mid: np.ndarray  # (S,) relative midpoint
    words: np.ndarray  # (S,) word tokens
    kept: np.ndarray  # (S,) content tokens
    hits: np.ndarray  # (S, T) counts
    weighted: np.ndarray  # (S, T) weighted hits

    def take(self, index: np.ndarray) -> SectionArrays:
        """The arrays of the sections at ``index`` (any integer array: a resample, a block of resamples)."""
        return SectionArrays(
            self.n_chars[index],
            self.mid[index],
            self.words[index],
            self.kept[index],
            self.hits[index],
            self.weighted[index],
        )


@dataclass(frozen=True)
class DocStats(SectionArrays):
    """The section arrays of one document (``SectionArrays``, all aligned on its sections in order), with
    its id, level and section ids."""

    doc_id: str = ""
    level: str = "unknown"
    section_ids: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # (S,)


def classify(weighted: np.ndarray, min_weight: float = MIN_WEIGHT) -> np.ndarray:
    """Index of the theme each row is classified to, -1 for none (too little evidence or a tie).

    Parameters
    ----------
    weighted
        (units × themes) weighted hits.
    min_weight
        The evidence a unit needs to be classified at all.
    """
    if weighted.size == 0:
        return np.full(weighted.shape[0], -1, dtype=np.int64)
    top = weighted.max(axis=1)
    arg = weighted.argmax(axis=1)
    ties = (np.isclose(weighted, top[:, None])).sum(axis=1) > 1
    return np.where((top >= min_weight - 1e-9) & ~ties, arg, -1)


def _token_counts(tokens: pl.DataFrame) -> pl.DataFrame:
    """Word and content tokens per (doc_id, section_id)."""
    return tokens.group_by("doc_id", "section_id").agg(
        # Same rule as is_word (Rust regex \w is Unicode-aware, like Python's).
        words=pl.col("token").str.contains(r"\w").sum().cast(pl.Int64),
        kept=pl.col("keep").sum().cast(pl.Int64),
    )


def _hit_matrices(
    per_doc: pl.DataFrame | None, section_ids: np.ndarray, index: dict[str, int]
) -> tuple[np.ndarray, np.ndarray]:
    """(sections × themes) hit counts and weighted hits of one document from its grouped hits."""
    pos = {s: k for k, s in enumerate(section_ids.tolist())}
    h = np.zeros((len(section_ids), len(index)), dtype=np.int64)
    w = np.zeros((len(section_ids), len(index)), dtype=np.float64)
    if per_doc is not None:
        for sid, theme, n, wt in per_doc.select("section_id", "theme", "hits", "weighted").iter_rows():
            if sid in pos and theme in index:
                h[pos[sid], index[theme]] += n
                w[pos[sid], index[theme]] += wt
    return h, w


def section_stats(
    sections: pl.DataFrame,
    documents: pl.DataFrame,
    tokens: pl.DataFrame,
    hits: pl.DataFrame,
    themes: Sequence[str],
) -> list[DocStats]:
    """Per-document arrays of section sizes and hits, in doc_id order (the input of every estimate)."""
    counts = _token_counts(tokens)
    per = hits.group_by("doc_id", "section_id", "theme").agg(
        hits=pl.len().cast(pl.Int64), weighted=pl.col("weight").sum()
    )
    meta = documents.select("doc_id", "level", "n_chars")
    secs = (
        sections.select("doc_id", "section_id", "start", "end")
        .join(counts, on=["doc_id", "section_id"], how="left")
        .join(meta.rename({"n_chars": "doc_chars"}), on="doc_id", how="left")
        .with_columns(pl.col("words", "kept").fill_null(0))
        .sort("doc_id", "section_id")
    )
    index = {t: k for k, t in enumerate(themes)}
    out: list[DocStats] = []
    per_by_doc = {d: g for (d,), g in per.group_by("doc_id")}
    for (doc_id,), g in secs.group_by("doc_id", maintain_order=True):
        sids = g["section_id"].to_numpy().astype(np.int64)
        h, w = _hit_matrices(per_by_doc.get(doc_id), sids, index)
        start = g["start"].to_numpy().astype(np.float64)
        end = g["end"].to_numpy().astype(np.float64)
        size = max(float(g["doc_chars"][0] or end.max(initial=1.0)), 1.0)
        out.append(
            DocStats(
                doc_id=doc_id,
                level=g["level"][0] or "unknown",
                section_ids=sids,
                n_chars=(end - start),
                mid=(start + end) / 2 / size,
                words=g["words"].to_numpy().astype(np.float64),
                kept=g["kept"].to_numpy().astype(np.float64),
                hits=h,
                weighted=w,
            )
        )
    return out


def measures(a: SectionArrays, cls: np.ndarray, *, n_themes: int) -> dict[str, np.ndarray]:
    """The six measures (``MEASURES``) for one document from (possibly resampled) section arrays.

    ``cls`` is each section's theme index (``classify``), with the same leading axes as ``a.n_chars``;
    each measure is (..., T).
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        wsum = a.weighted.sum(axis=-2)  # (B, T)
        words_t = a.words.sum(axis=-1)[..., None]
        kept_t = a.kept.sum(axis=-1)[..., None]
        all_w = wsum.sum(axis=-1, keepdims=True)
        onehot = cls[..., None] == np.arange(n_themes)  # (B, S, T)
        chars = a.n_chars[..., None]
        total_chars = a.n_chars.sum(axis=-1)[..., None]
        theme_chars = (onehot * chars).sum(axis=-2)
        mention = (a.hits > 0).mean(axis=-2)
        pos = (onehot * chars * a.mid[..., None]).sum(axis=-2) / theme_chars
        return {
            "per_1k_tokens": np.where(words_t > 0, 1000 * wsum / words_t, 0.0),
            "per_1k_content_tokens": np.where(kept_t > 0, 1000 * wsum / kept_t, 0.0),
            "share_of_hits": np.where(all_w > 0, wsum / all_w, 0.0),
            "char_share": np.where(total_chars > 0, theme_chars / total_chars, 0.0),
            "section_share": mention,
            "position": np.where(theme_chars > 0, pos, np.nan),
        }


def _doc_seed(seed: int, doc_id: str) -> np.random.SeedSequence:
    # One stream per document, derived from its id: adding a document never changes another's draws.
    digest = int.from_bytes(hashlib.sha256(doc_id.encode()).digest()[:8], "big")
    return np.random.SeedSequence([seed, digest])


def _replicates(
    d: DocStats, cls: np.ndarray, *, n_themes: int, n_boot: int, seed: int
) -> dict[str, np.ndarray]:
    """The ``n_boot`` section-resampled replicates of every measure of one document, each (n_boot, T)."""
    rng = np.random.default_rng(_doc_seed(seed, d.doc_id))
    S = len(d.section_ids)
    if S == 0 or n_boot == 0:
        return {k: np.full((n_boot, n_themes), np.nan) for k in MEASURES}
    idx = rng.integers(0, S, size=(n_boot, S))
    # Replicates are independent rows: compute them in blocks so that the (block, S, T) arrays stay
    # under BOOT_BLOCK_BYTES whatever the number of sections (one huge document has thousands).
    step = max(1, BOOT_BLOCK_BYTES // (8 * S * max(n_themes, 1)))
    blocks = [
        measures(d.take(b), cls[b], n_themes=n_themes)
        for b in (idx[i : i + step] for i in range(0, n_boot, step))
    ]
    return {k: np.concatenate([blk[k] for blk in blocks], axis=0) for k in MEASURES}


def bootstrap(
    stats: Sequence[DocStats],
    n_themes: int,
    n_boot: int = N_BOOT,
    seed: int = SEED,
    min_weight: float = MIN_WEIGHT,
) -> dict[str, tuple[dict[str, np.ndarray], dict[str, np.ndarray]]]:
    """Point estimates and bootstrap replicates of every measure for every document.

    Sections are resampled with replacement within each document, ``n_boot`` times, from a random
    stream seeded by ``seed`` and the document's id (deterministic, and independent of which other
    documents are in the corpus). Classification of a section does not depend on the resample.

    Returns
    -------
    dict
        doc_id -> (point: {measure: (T,)}, replicates: {measure: (n_boot, T)}).
    """
    out = {}
    for d in stats:
        cls = classify(d.weighted, min_weight)
        point = measures(d, cls, n_themes=n_themes)
        out[d.doc_id] = (point, _replicates(d, cls, n_themes=n_themes, n_boot=n_boot, seed=seed))
    return out


def _ci(reps: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        lo = np.nanpercentile(reps, 2.5, axis=0)
        hi = np.nanpercentile(reps, 97.5, axis=0)
    return lo, hi


def _nanmean(stack: np.ndarray, axis: int) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmean(stack, axis=axis)


def scores_and_contrasts(
    stats: Sequence[DocStats],
    themes: Sequence[str],
    lexicons: LexiconSet,
    n_boot: int = N_BOOT,
    seed: int = SEED,
    min_weight: float = MIN_WEIGHT,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The ``theme_scores`` and ``theme_contrasts`` tables."""
    boot = bootstrap(stats, len(themes), n_boot, seed, min_weight)
    rows = []
    for d in stats:
        point, reps = boot[d.doc_id]
        hits = d.hits.sum(axis=0)
        for m in MEASURES:
            lo, hi = _ci(reps[m])
            for k, theme in enumerate(themes):
                rows.append(
                    (
                        "document",
                        d.doc_id,
                        d.level,
                        theme,
                        m,
                        point[m][k],
                        lo[k],
                        hi[k],
                        int(hits[k]),
                        1,
                        len(d.section_ids),
                    )
                )
    by_level: dict[str, list[DocStats]] = {}
    for d in stats:
        by_level.setdefault(d.level, []).append(d)
    levels = levels_present(by_level)
    level_point: dict[str, dict[str, np.ndarray]] = {}
    level_reps: dict[str, dict[str, np.ndarray]] = {}
    for lv in levels:
        docs = by_level[lv]
        level_point[lv] = {m: _nanmean(np.stack([boot[d.doc_id][0][m] for d in docs]), 0) for m in MEASURES}
        level_reps[lv] = {m: _nanmean(np.stack([boot[d.doc_id][1][m] for d in docs]), 0) for m in MEASURES}
        rows += _level_rows(lv, docs, level_point[lv], level_reps[lv], themes)
    crow = []
    for a_i, a in enumerate(levels):
        for b in levels[a_i + 1 :]:
            for m in MEASURES:
                diff = level_point[a][m] - level_point[b][m]
                lo, hi = _ci(level_reps[a][m] - level_reps[b][m])
                for k, theme in enumerate(themes):
                    crow.append((theme, m, a, b, diff[k], lo[k], hi[k], len(by_level[a]), len(by_level[b])))
    scores = scores_frame(rows, themes=themes, levels=levels, measures=MEASURES, n_boot=n_boot)
    contrasts = contrasts_frame(crow, themes=themes, levels=levels, measures=MEASURES)
    return stamp(scores, lexicons), stamp(contrasts, lexicons)


def _level_rows(
    level: str,
    docs: Sequence[DocStats],
    point: dict[str, np.ndarray],
    reps: dict[str, np.ndarray],
    themes: Sequence[str],
) -> list[tuple]:
    """The ``theme_scores`` rows of one level: the mean of its documents' values, with intervals."""
    hits = sum(d.hits.sum(axis=0) for d in docs)
    n_sec = sum(len(d.section_ids) for d in docs)
    rows = []
    for m in MEASURES:
        lo, hi = _ci(reps[m])
        for k, theme in enumerate(themes):
            rows.append(
                ("level", None, level, theme, m, point[m][k], lo[k], hi[k], int(hits[k]), len(docs), n_sec)
            )
    return rows


def section_table(
    stats: Sequence[DocStats],
    sections: pl.DataFrame,
    themes: Sequence[str],
    lexicons: LexiconSet,
    min_weight: float = MIN_WEIGHT,
) -> pl.DataFrame:
    """The ``theme_sections`` table."""
    rows = []
    for d in stats:
        cls = classify(d.weighted, min_weight)
        for s in range(len(d.section_ids)):
            for k, theme in enumerate(themes):
                w = d.words[s]
                rows.append(
                    (
                        d.doc_id,
                        int(d.section_ids[s]),
                        theme,
                        int(d.hits[s, k]),
                        float(d.weighted[s, k]),
                        int(w),
                        1000 * float(d.weighted[s, k]) / w if w else 0.0,
                        bool(cls[s] == k),
                        int(d.n_chars[s]),
                        float(d.mid[s]),
                    )
                )
    return stamp(sections_frame(rows, sections), lexicons)


# --------------------------------------------------------------------------------------------------
# Documents compared by covariates
# --------------------------------------------------------------------------------------------------


def theme_documents(
    theme_sections: pl.DataFrame,
    documents: pl.DataFrame,
    lexicons: LexiconSet,
    *,
    min_hits: float = PRESENCE_MIN_HITS,
    min_rate: float = PRESENCE_MIN_RATE,
) -> pl.DataFrame:
    """The ``theme_documents`` table: per document and theme, hits, rate, presence and ``emphasis``.

    A theme is present only with at least ``min_hits`` weighted hits and ``min_rate`` weighted hits per
    1,000 word tokens; ``emphasis`` is the rate where present and 0 where not, so that one incidental
    word does not make a document's theme.
    """
    from ..labels import doc_labels

    per = theme_sections.group_by("doc_id", "theme").agg(
        hits=pl.col("hits").sum().cast(pl.Int64),
        weighted_hits=pl.col("weighted_hits").sum().cast(pl.Float64),
        word_tokens=pl.col("word_tokens").sum().cast(pl.Int64),
    )
    meta = documents.select("doc_id", "level", "doc_type", "period").join(
        doc_labels(documents), on="doc_id", how="left"
    )
    df = (
        meta.join(pl.DataFrame({"theme": list(lexicons.themes)}), how="cross")
        .join(per, on=["doc_id", "theme"], how="left")
        .with_columns(pl.col("hits", "word_tokens").fill_null(0), pl.col("weighted_hits").fill_null(0.0))
        .with_columns(
            per_1k_tokens=pl.when(pl.col("word_tokens") > 0)
            .then(1000 * pl.col("weighted_hits") / pl.col("word_tokens"))
            .otherwise(0.0)
        )
        .with_columns(
            present=(pl.col("weighted_hits") >= min_hits - 1e-9)
            & (pl.col("per_1k_tokens") >= min_rate - 1e-9)
        )
        .with_columns(emphasis=pl.when(pl.col("present")).then(pl.col("per_1k_tokens")).otherwise(0.0))
        .sort("doc_id", in_order("theme", lexicons.themes))
        .select(
            "doc_id",
            "label",
            "level",
            "doc_type",
            "period",
            "theme",
            "hits",
            "weighted_hits",
            "word_tokens",
            "per_1k_tokens",
            "present",
            "emphasis",
        )
    )
    return stamp(df, lexicons)


def group_tables(
    theme_docs: pl.DataFrame,
    lexicons: LexiconSet,
    *,
    by: Sequence[str] = COMPARE_BY,
    within: Sequence[tuple[str, str]] = COMPARE_WITHIN,
    min_docs: int | None = None,
    n_boot: int = N_BOOT,
    seed: int = SEED,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The ``theme_groups`` and ``theme_group_contrasts`` tables: ``fazhi.compare.compare_groups`` of
    each document's ``emphasis`` by every covariate of ``by``, and by each ``(covariate, stratum)`` pair."""
    from ..compare import CONTRASTS_SCHEMA, GROUPS_SCHEMA, MIN_DOCS, compare_groups

    min_docs = MIN_DOCS if min_docs is None else min_docs
    groups, contrasts = [], []
    jobs = [(b, None) for b in by] + list(within)
    for b, w in jobs:
        order = list(LEVELS) if b == "level" else None
        c = compare_groups(
            theme_docs,
            by=b,
            within=w,
            value="emphasis",
            min_docs=min_docs,
            n_boot=n_boot,
            seed=seed,
            order=order,
        )
        groups.append(c.groups)
        contrasts.append(c.contrasts)
    g = pl.concat(groups) if groups else pl.DataFrame(schema=GROUPS_SCHEMA)
    c = pl.concat(contrasts) if contrasts else pl.DataFrame(schema=CONTRASTS_SCHEMA)
    return stamp(g, lexicons), stamp(c, lexicons)
