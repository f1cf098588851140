"""Topic models: LDA and NMF over sections, with model selection, stability, prevalence, covariate effects.

In: the ``tokens`` table (bag of words: ``keep == True``), ``sections`` (unit boundaries, path, Outline
``system``), ``sentences`` (paragraphs), ``documents`` (level of government), optionally ``boilerplate``
(sentences recurring across documents, excluded by default) and ``theme_hits`` (for alignment).
Out: ``topics`` (terms per topic), ``doc_topics`` (unit × topic shares), ``model_selection`` (one row per
model and k), ``topic_runs`` (one row per model, k and seed), ``topic_summary``, ``topic_representatives``,
``topic_prevalence``, ``topic_alignment``, ``topic_effects`` (declared in ``fazhi.schema``) and
``topic_settings``.

How it works, step by step (every step a public function, so a reviewer can re-run any of them):

1. ``document_term_matrix``: count kept tokens per *unit* — a section (default; the section that holds
   the token, as the segmenter tiles the text), a paragraph, or a whole document — drop units with fewer
   than ``min_unit_tokens`` tokens, then prune the vocabulary. Junk goes first (``junk_filter``, rules in
   ``pkg/fazhi/data/topic_junk.toml``): ASCII-letter tokens of one to three letters (pinyin fragments such
   as ``ng``), page furniture (``无障碍``, ``打印``), place names (tokens tagged ``ns`` by jieba's dictionary,
   and the names of the gazetteer ``data/divisions/divisions.csv`` when the package ships it); then a term
   must occur in at least ``min_df`` units (an integer count) and in at most ``max_df`` of them (a
   fraction), and at most ``max_terms`` of the most frequent terms are kept. Sentences flagged as
   boilerplate are dropped first.
2. ``fit_topic_model``: scikit-learn ``LatentDirichletAllocation`` (variational Bayes on counts: batch up
   to ``lda_online_min_units`` units, online mini-batches above, see ``lda_method``) or ``NMF`` (coordinate
   descent on sublinear tf-idf, random initialisation so that the seed matters) behind one interface.
   Every fit runs under a single-thread BLAS limit, so a seed gives byte-identical ``components_`` on any
   machine with the same library versions.
3. Diagnostics per fit: NPMI coherence of each topic's top terms, computed over the corpus's own units
   (``npmi_coherence``); FREX exclusivity (``frex``, ``exclusivity``); in-sample perplexity for LDA.
4. ``stability``: the same k under several seeds; topics of two runs are paired by Hungarian matching
   (``scipy.optimize.linear_sum_assignment``) of their topic-word vectors (cosine similarity) and the mean
   matched similarity is reported, for every pair of seeds and every k.
5. ``select_k``: the reviewable rule. Each of coherence, exclusivity and stability is min–max scaled over
   the rows of the grid — both models together (``primary_model = "auto"``, the default) — and the row
   with the highest mean wins: its k is the chosen k and its model the primary model, so LDA and NMF are
   chosen by the same rule as k (ties: smaller k, then lda). A named ``primary_model`` restores the rule
   within that model. ``fit_grid`` widens the grid while the choice sits at its edge (``widen_k``: one
   step above the top or below the bottom, at most ``k_widen_steps`` times, within 2..``k_max``);
   ``model_selection`` records ``interior`` and ``flat`` (the best k beats the next by less than
   ``flat_margin``), and the topics page says so in a sentence (``selection_statement``). Perplexity is
   reported but not used: in-sample perplexity rewards or punishes k mechanically.
6. For the chosen k and each model, the *medoid run* (the seed whose topics agree best with the other
   seeds') is kept; its topics are described by top terms (probability and FREX), representative units,
   a label from ``propose_label``, prevalence by level with bootstrap intervals, and alignment with theme
   lexicon hits and the Outline systems of the sections.
7. ``seeded_topics``: NMF seeded with the theme lexicons (pseudo-units of seed words), one topic per
   lexicon plus free topics, compared with the dictionary measure (table ``topic_seeded``).
8. ``topic_effects`` (primary model): documents' topic proportions regressed on level, doc type and year,
   with a random intercept per region where documents are nested in regions (statsmodels ``MixedLM``
   variance components, then GLS), and intervals by the method of composition over draws from the units'
   Dirichlet posterior (LDA's variational gamma; for NMF the documented equivalent in ``unit_posterior``),
   as stm's ``estimateEffect``.
9. For the page: ``selection_statement`` and ``topic_paragraphs`` (label, top and FREX terms, a template
   paragraph computed from the tables, three wrapped representative passages).

Cost (the topic stage must stay proportionate, at most the rest of the build on a corpus above 5 MB). Measured
on the government work reports (134 documents, 6.6 MB, 2,902 sections) on a shared 2-core machine: 246 s with
the former defaults (grid of 5 k × 5 seeds × 2 models on all units, batch LDA ~9 s a fit), 20 s of CPU now:
selection on a 1,000-unit sample (``selection_max_units``), 3 seeds (``seeds``; stability over 3 pairs),
online LDA above 500 units with 3 passes and 10 inner iterations (``lda_online_*``: 0.7 s a fit against 4.3 s
batch on 1,000 units, same coherence), one NPMI co-occurrence matrix per fit (``npmi_coherence``), and the
effects' variance components estimated once per topic rather than per draw.

Large corpora (``selection_sample``): steps 3–5 — the grid of k × seeds × models, which is what costs —
run on a seeded sample of ``selection_max_units`` units when the matrix has more, stratified by level of
government (each level keeps a floor share, so a thin level still shapes the choice of k); step 6 then fits
each model at the chosen k on *all* units under the medoid run's seed, and pairs its topics with the
medoid run's (``topic_summary.sample_match``). ``model_selection.n_units`` / ``n_units_all`` and the
``selection_*`` rows of ``topic_settings`` record what ran on what. At or below the threshold (the seed
corpus) nothing is sampled and the results are those of the grid itself. ``benchmarks/bench_topics.py``
measures the default stage on a 10 MB corpus.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl
from scipy import sparse
from scipy.optimize import linear_sum_assignment

from .schema import (
    DOC_TOPICS,
    MODEL_SELECTION,
    TOPIC_ALIGNMENT,
    TOPIC_EFFECTS,
    TOPIC_PREVALENCE,
    TOPIC_REPRESENTATIVES,
    TOPIC_RUNS,
    TOPIC_SEEDED,
    TOPIC_SETTINGS,
    TOPIC_SUMMARY,
    TOPICS,
)
from .schema import (
    frame as table_frame,
)

UNITS = ("section", "paragraph", "document")
MODELS = ("lda", "nmf")
JUNK_FILE = "topic_junk.toml"  #: the junk rules of the topic stage, in pkg/fazhi/data/

# ---------------------------------------------------------------------------------------------------
# Tables
# ---------------------------------------------------------------------------------------------------


# ---------------------------------------------------------------------------------------------------
# Settings
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TopicSettings:
    """Everything that changes the topic stage's results. Override with ``ctx.settings["topics"]``.

    The defaults are chosen so that the whole stage (every k, every seed, both models) runs in seconds on
    the seed corpus and in minutes on thousands of documents; none is tuned to the seed documents.
    """

    unit: str = "section"  #: section, paragraph or document
    min_unit_tokens: int = 10  #: units with fewer kept tokens are dropped (headings alone, fragments)
    min_df: int = 2  #: a term must occur in at least this many units (a count)
    max_df: float = 0.5  #: ... and in at most this fraction of units (ubiquitous terms carry no topic)
    max_terms: int = 5000  #: at most this many terms, the most frequent first (ties by term)
    exclude_boilerplate: bool = True  #: drop sentences listed in the boilerplate table
    #: drop junk tokens before pruning: pinyin fragments, page furniture, place names (rules in ``junk_file``)
    junk_filter: bool = True
    junk_file: str = JUNK_FILE  #: the junk rules, relative to ``pkg/fazhi/data/``
    models: tuple[str, ...] = MODELS
    #: auto: the selection rule chooses the model together with k (scaling both models' rows together);
    #: lda or nmf: that model is primary and k is chosen among its rows
    primary_model: str = "auto"
    k_grid: tuple[int, ...] = (4, 6, 8, 10, 12)
    #: while the chosen k is the largest (smallest) of the grid, fit the next k above (below), at most this
    #: many times (``widen_k``); ``model_selection.interior`` says whether the choice ended inside the grid
    k_widen_steps: int = 4
    k_max: int = 30  #: the grid never widens beyond this k
    flat_margin: float = 0.05  #: the criterion is called flat when the best k beats the others by less
    #: seeds of every k: stability is the mean over the 3 pairs of 3 runs (5 seeds, 10 pairs, until 2026-12:
    #: the extra pairs narrowed the estimate little and cost two thirds more fits)
    seeds: tuple[int, ...] = (0, 1, 2)
    lda_max_iter: int = 20  #: batch variational Bayes passes (bounded: the stage must stay fast)
    #: batch, online (mini-batch variational Bayes), or auto: batch up to ``lda_online_min_units`` units,
    #: online above (measured on a 10 MB corpus: faster, with lower perplexity and equal coherence)
    lda_learning_method: str = "auto"
    #: auto switches to online above this many units of the fitted matrix (2000 until 2026-12; measured on
    #: 1,000 sections of the government work reports: batch 4.3 s per fit, online 0.7 s, equal coherence)
    lda_online_min_units: int = 500
    lda_online_passes: int = 3  #: passes over the units of an online fit (its max_iter)
    lda_batch_size: int = 256  #: units per mini-batch of an online fit
    #: inner E-step iterations per unit of an online fit (each mini-batch's E-step is refined by the next
    #: passes, so fewer inner iterations suffice; measured: 3.5× faster, no loss of coherence or stability)
    lda_online_doc_update_iter: int = 10
    lda_topic_word_prior: float | None = None  #: eta; None = scikit-learn's 1/k
    lda_doc_update_iter: int = 30  #: inner E-step iterations per unit of a batch fit (max_doc_update_iter)
    nmf_max_iter: int = 500  #: iterations run are recorded in topic_runs.n_iter
    n_top: int = 10  #: top terms for coherence, exclusivity, and the tables
    frex_weight: float = 0.5  #: FREX weight on exclusivity (stm's default 0.5)
    n_representatives: int = 5
    label_terms: int = 3
    label_min_system_share: float = 0.5
    n_bootstrap: int = 1000
    bootstrap_seed: int = 0
    ci: float = 0.95
    #: topic_effects: draws from the document-topic posterior (method of composition) and their seed
    effects_draws: int = 50
    effects_seed: int = 0
    #: topic_seeded: NMF seeded with the theme lexicons (one topic per lexicon) plus this many free topics
    seeded: bool = True
    seeded_free_topics: int = 4
    seeded_strength: float = 10.0  #: l2 norm of each lexicon's pseudo-unit of seed words (a unit's is 1)
    seeded_seed: int = 0  #: seed of the free topics' random start
    #: model selection (the grid of k × seeds) runs on a seeded random sample of at most this many units when
    #: the matrix has more (0 = always all units); the final models at the chosen k are fitted on all units
    selection_max_units: int = 1000
    selection_seed: int = 0  #: seed of that sample
    #: column of the units the sample is stratified by ("level": each level of government keeps a floor
    #: share; "" = simple random sample)
    selection_stratify: str = "level"
    jobs: int = 1  #: worker processes for the grid (1 = use the build's jobs); results are identical for any value
    #: the grid runs across worker processes only when it fits at least this many units (below, starting
    #: spawned workers costs more than the fits: seeds, 147 units: 14 s serial, 20 s with two workers; the
    #: 1,000-unit selection sample of the government work reports: grid 27 s serial, 38 s with two workers
    #: on the shared 2-core machine), so with the default sample size the grid is serial
    parallel_min_units: int = 2000

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any] | None) -> TopicSettings:
        """Defaults overridden by ``values`` (unknown keys raise, lists become tuples)."""
        values = dict(values or {})
        names = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - names)
        if unknown:
            raise ValueError(f"unknown topic settings: {unknown}")
        fixed = {k: tuple(v) if isinstance(v, list) else v for k, v in values.items()}
        s = replace(cls(), **fixed)
        if s.unit not in UNITS:
            raise ValueError(f"unit must be one of {UNITS}, not {s.unit!r}")
        bad = [m for m in s.models if m not in MODELS]
        if bad or (s.primary_model != "auto" and s.primary_model not in s.models):
            raise ValueError(f"models must be among {MODELS} and include primary_model")
        if len(s.seeds) < 2:
            raise ValueError("stability needs at least two seeds")
        if s.lda_learning_method not in ("auto", "batch", "online"):
            raise ValueError(f"lda_learning_method must be auto, batch or online, not {s.lda_learning_method!r}")
        return s

    def as_table(self) -> pl.DataFrame:
        """The settings as a (key, value) table, in field order."""
        rows = [(k, str(list(v)) if isinstance(v, tuple) else str(v)) for k, v in asdict(self).items()]
        return table_frame("topic_settings", rows)


# ---------------------------------------------------------------------------------------------------
# Document-term matrix
# ---------------------------------------------------------------------------------------------------


@dataclass
class DTM:
    """A document-term matrix over units.

    Attributes
    ----------
    X
        ``scipy.sparse.csr_matrix`` of counts, units × terms (int64).
    vocab
        The terms, in column order (sorted by term).
    units
        One row per matrix row: unit_id, doc_id, section_id, paragraph_id, level, system, path, n_tokens,
        start, end.
    unit
        section, paragraph or document.
    unit_systems
        Token counts per (unit_id, system), for alignment with the Outline.
    pruning
        What pruning removed: terms and tokens before and after, units dropped.
    """

    X: sparse.csr_matrix
    vocab: list[str]
    units: pl.DataFrame
    unit: str
    unit_systems: pl.DataFrame = field(default_factory=pl.DataFrame)
    pruning: dict[str, int] = field(default_factory=dict)
    token_units: pl.DataFrame = field(default_factory=pl.DataFrame)


@dataclass(frozen=True)
class JunkRules:
    """What the junk filter drops before fitting (read from ``pkg/fazhi/data/topic_junk.toml``)."""

    pinyin_max_letters: int
    furniture: frozenset[str]
    place_pos: frozenset[str]
    places: frozenset[str]


def junk_rules(path: str | None = None) -> JunkRules:
    """The junk rules of ``path`` (default: the package's ``topic_junk.toml``), with the gazetteer's names
    when the package ships the gazetteer the file names (absent: only the part-of-speech rule applies)."""
    import csv
    import tomllib

    from .paths import PACKAGE_DATA

    f = PACKAGE_DATA / JUNK_FILE if path is None else PACKAGE_DATA / path
    cfg = tomllib.loads(f.read_text(encoding="utf-8"))
    places: set[str] = set()
    gaz = cfg.get("places", {}).get("gazetteer")
    if gaz and (PACKAGE_DATA / gaz).is_file():
        with open(PACKAGE_DATA / gaz, encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                places.update(v for v in (row.get("name"), row.get("short")) if v and len(v) >= 2)
    return JunkRules(
        pinyin_max_letters=int(cfg.get("pinyin", {}).get("max_letters", 0)),
        furniture=frozenset(cfg.get("furniture", {}).get("terms", [])),
        place_pos=frozenset(cfg.get("places", {}).get("pos", [])),
        places=frozenset(places),
    )


def junk_kind(tokens: pl.DataFrame, rules: JunkRules) -> pl.Expr:
    """A polars expression naming the junk rule a token falls under (pinyin, furniture, places) or null.

    ``tokens`` is only inspected for a ``pos`` column (without it the part-of-speech rule is skipped)."""
    tok = pl.col("token")
    n = rules.pinyin_max_letters
    pinyin = tok.str.contains(f"^[A-Za-z]{{1,{n}}}$") if n > 0 else pl.lit(False)
    furniture = tok.is_in(sorted(rules.furniture))
    place = tok.is_in(sorted(rules.places))
    if "pos" in tokens.columns and rules.place_pos:
        place = place | pl.col("pos").is_in(sorted(rules.place_pos)).fill_null(False)
    return (
        pl.when(pinyin)
        .then(pl.lit("pinyin"))
        .when(furniture)
        .then(pl.lit("furniture"))
        .when(place)
        .then(pl.lit("places"))
        .otherwise(pl.lit(None, pl.String))
    )


def _unit_keys(unit: str) -> list[str]:
    return {"section": ["doc_id", "section_id"], "paragraph": ["doc_id", "paragraph_id"], "document": ["doc_id"]}[unit]


def document_term_matrix(
    tokens: pl.DataFrame,
    *,
    sections: pl.DataFrame | None = None,
    sentences: pl.DataFrame | None = None,
    documents: pl.DataFrame | None = None,
    boilerplate: pl.DataFrame | None = None,
    settings: TopicSettings | None = None,
) -> DTM:
    """Count kept tokens per unit and prune the vocabulary.

    Parameters
    ----------
    tokens
        The tokens table (doc_id, section_id, sentence_id, token, start, end, keep, ...). Only
        ``keep == True`` tokens are counted.
    sections
        The sections table: path and Outline ``system`` of each section (optional: null without it).
    sentences
        The sentences table: required for ``unit="paragraph"`` (paragraph_id of each sentence).
    documents
        The documents table: level of government (``unknown`` without it).
    boilerplate
        Sentences to exclude (columns doc_id, sentence_id), when ``settings.exclude_boilerplate``.
    settings
        ``unit``, ``min_unit_tokens``, ``min_df``, ``max_df``, ``max_terms``, ``exclude_boilerplate``.

    Returns
    -------
    DTM
        The matrix, its vocabulary (sorted) and its units (in doc_id, then document order).

    Notes
    -----
    Pruning order: boilerplate sentences out; units below ``min_unit_tokens`` kept tokens out; terms with
    document frequency below ``min_df`` or above ``max_df × n_units`` out; the ``max_terms`` most
    frequent terms kept; finally units left with no in-vocabulary token are dropped.
    """
    s = settings or TopicSettings()
    unit = s.unit
    tok = tokens.filter(pl.col("keep"))
    n_tokens_in = tok.height
    junk_counts = {"junk_tokens_pinyin": 0, "junk_tokens_furniture": 0, "junk_tokens_places": 0}
    if s.junk_filter:
        tok = tok.with_columns(_junk=junk_kind(tok, junk_rules(s.junk_file)))
        for kind, n in tok.group_by("_junk").agg(n=pl.len()).drop_nulls("_junk").iter_rows():
            junk_counts[f"junk_tokens_{kind}"] = int(n)
        tok = tok.filter(pl.col("_junk").is_null())
    tok = tok.select("doc_id", "section_id", "sentence_id", "token", "start", "end")
    n_junk = n_tokens_in - tok.height
    if s.exclude_boilerplate and boilerplate is not None and boilerplate.height:
        bp = boilerplate.select(pl.col("doc_id").cast(pl.String), pl.col("sentence_id").cast(pl.Int32)).unique()
        tok = tok.join(bp, on=["doc_id", "sentence_id"], how="anti", nulls_equal=True)
    n_boiler = n_tokens_in - n_junk - tok.height
    if unit == "paragraph":
        if sentences is None:
            raise ValueError("unit='paragraph' needs the sentences table")
        para = sentences.select("doc_id", pl.col("sentence_id").cast(pl.Int32), pl.col("paragraph_id").cast(pl.Int32))
        tok = tok.join(para, on=["doc_id", "sentence_id"], how="left")
    else:
        tok = tok.with_columns(paragraph_id=pl.lit(None, pl.Int32))
    # Each token's Outline system comes from its own section, whatever the unit.
    if sections is not None and "system" in sections.columns:
        sec = sections.select("doc_id", pl.col("section_id").cast(pl.Int32), "system", "path")
    else:
        sec = pl.DataFrame(schema={"doc_id": pl.String, "section_id": pl.Int32, "system": pl.String, "path": pl.String})
    tok = tok.with_columns(pl.col("section_id").cast(pl.Int32)).join(sec, on=["doc_id", "section_id"], how="left")

    keys = _unit_keys(unit)
    sizes = tok.group_by(keys).agg(n=pl.len())
    kept_units = sizes.filter(pl.col("n") >= s.min_unit_tokens).select(keys)
    tok = tok.join(kept_units, on=keys, how="semi", nulls_equal=True)
    n_units0 = kept_units.height

    # Vocabulary pruning by document (unit) frequency.
    df_counts = tok.select(*keys, "token").unique().group_by("token").agg(df=pl.len())
    max_df_count = s.max_df * max(n_units0, 1)
    vocab_df = df_counts.filter((pl.col("df") >= s.min_df) & (pl.col("df") <= max_df_count))
    freq = tok.group_by("token").agg(tf=pl.len())
    vocab_df = vocab_df.join(freq, on="token").sort(["tf", "token"], descending=[True, False]).head(s.max_terms)
    vocab = sorted(vocab_df["token"].to_list())
    tok_v = tok.filter(pl.col("token").is_in(vocab))

    # Units: one row each, in document order (doc_id, then position).
    aggs = [
        pl.len().cast(pl.Int64).alias("n_tokens"),
        pl.col("start").min().cast(pl.Int64).alias("start"),
        pl.col("end").max().cast(pl.Int64).alias("end"),
    ]
    if unit == "paragraph":  # a paragraph sits in one section (sentences never cross sections)
        aggs.append(pl.col("section_id").sort_by("start").first().alias("section_id"))
    units = tok_v.group_by(keys).agg(aggs).sort(["doc_id", "start"])
    if unit == "document":
        units = units.with_columns(section_id=pl.lit(None, pl.Int32), paragraph_id=pl.lit(None, pl.Int32))
    elif unit == "section":
        units = units.with_columns(paragraph_id=pl.lit(None, pl.Int32))
    units = units.with_row_index("unit_id").with_columns(pl.col("unit_id").cast(pl.Int32))

    # System of a unit: the system holding most of its tokens (ties: first system by name); null if none.
    tok_v = tok_v.join(units.select(*keys, "unit_id"), on=keys, how="left", nulls_equal=True)
    unit_systems = (
        tok_v.group_by("unit_id", "system").agg(n=pl.len().cast(pl.Int64)).sort(["unit_id", "system"], nulls_last=True)
    )
    majority = (
        unit_systems.sort(["unit_id", "n", "system"], descending=[False, True, False], nulls_last=True)
        .group_by("unit_id", maintain_order=True)
        .first()
        .select("unit_id", "system")
    )
    paths = tok_v.sort("start").group_by("unit_id", maintain_order=True).agg(pl.col("path").first())
    units = units.join(majority, on="unit_id", how="left").join(paths, on="unit_id", how="left")
    if unit == "document":
        units = units.with_columns(path=pl.lit(None, pl.String))
    if documents is not None and "level" in documents.columns:
        units = units.join(documents.select("doc_id", "level"), on="doc_id", how="left")
    else:
        units = units.with_columns(level=pl.lit(None, pl.String))
    units = units.with_columns(pl.col("level").fill_null("unknown")).select(
        "unit_id",
        "doc_id",
        pl.col("section_id").cast(pl.Int32),
        pl.col("paragraph_id").cast(pl.Int32),
        "level",
        "system",
        "path",
        "n_tokens",
        "start",
        "end",
    ).sort("unit_id")

    term_index = pl.DataFrame(
        {"token": vocab, "term_id": np.arange(len(vocab), dtype=np.int32)}, schema={"token": pl.String, "term_id": pl.Int32}
    )
    cells = tok_v.group_by("unit_id", "token").agg(c=pl.len()).join(term_index, on="token").sort("unit_id", "term_id")
    X = sparse.csr_matrix(
        (
            cells["c"].to_numpy().astype(np.int64),
            (cells["unit_id"].to_numpy().astype(np.int64), cells["term_id"].to_numpy().astype(np.int64)),
        ),
        shape=(units.height, len(vocab)),
    )
    X.sort_indices()
    pruning = {
        "kept_tokens": n_tokens_in,
        "boilerplate_tokens": n_boiler,
        **junk_counts,
        "units_before": sizes.height,
        "units_after": units.height,
        "terms_before": df_counts.height,
        "terms_after": len(vocab),
        "tokens_after": int(X.sum()),
    }
    return DTM(
        X=X,
        vocab=vocab,
        units=units,
        unit=unit,
        unit_systems=unit_systems,
        pruning=pruning,
        token_units=tok_v.select("doc_id", "start", "unit_id"),
    )


# ---------------------------------------------------------------------------------------------------
# Fitting
# ---------------------------------------------------------------------------------------------------


@dataclass
class TopicFit:
    """One fitted model: the normalised topic-word matrix (k × V), unit-topic matrix (n × k), diagnostics.

    ``components`` is the estimator's raw ``components_`` (byte-identical for a seed); ``beta`` its rows
    normalised to sum to 1; ``theta`` the unit-topic shares (rows sum to 1).
    """

    model: str
    k: int
    seed: int
    components: np.ndarray
    beta: np.ndarray
    theta: np.ndarray
    perplexity: float | None
    n_iter: int
    #: LDA: the variational Dirichlet parameters of each unit's topic shares (units × k), the posterior that
    #: ``topic_effects`` draws from; None for NMF
    gamma: np.ndarray | None = None


def _row_normalise(a: np.ndarray) -> np.ndarray:
    s = a.sum(axis=1, keepdims=True)
    out = np.divide(a, s, out=np.zeros_like(a, dtype=np.float64), where=s > 0)
    # A unit NMF leaves at zero has no topic; give it uniform shares so rows still sum to 1.
    empty = (s[:, 0] <= 0)
    if empty.any():
        out[empty] = 1.0 / a.shape[1]
    return out


def tfidf(X: sparse.csr_matrix) -> sparse.csr_matrix:
    """Sublinear tf-idf with smooth idf and l2 row norms (scikit-learn's TfidfTransformer): NMF's input."""
    from sklearn.feature_extraction.text import TfidfTransformer

    return TfidfTransformer(sublinear_tf=True, smooth_idf=True, norm="l2").fit_transform(X.astype(np.float64))


def lda_method(n_units: int, settings: TopicSettings | None = None) -> str:
    """The LDA learning method used for a matrix of ``n_units`` units: the setting, with ``auto`` resolved
    to batch up to ``lda_online_min_units`` units and online (mini-batch) above."""
    s = settings or TopicSettings()
    if s.lda_learning_method != "auto":
        return s.lda_learning_method
    return "online" if n_units > s.lda_online_min_units else "batch"


def fit_topic_model(
    X: sparse.csr_matrix,
    k: int,
    *,
    model: str = "lda",
    seed: int = 0,
    settings: TopicSettings | None = None,
    X_tfidf: sparse.csr_matrix | None = None,
) -> TopicFit:
    """Fit LDA or NMF with ``k`` topics; deterministic for a seed (single-thread BLAS).

    Parameters
    ----------
    X
        Counts, units × terms.
    k
        Number of topics.
    model
        ``lda`` (LatentDirichletAllocation on counts, priors 1/k; batch or online variational Bayes, see
        ``lda_method``) or ``nmf`` (Frobenius NMF by coordinate descent on sublinear tf-idf, random
        initialisation).
    seed
        ``random_state`` of the estimator.
    settings
        ``lda_learning_method`` and its ``lda_*`` companions, ``nmf_max_iter``.
    X_tfidf
        A precomputed ``tfidf(X)``, to avoid recomputing it for every NMF fit.

    Returns
    -------
    TopicFit
    """
    from sklearn.decomposition import NMF, LatentDirichletAllocation
    from sklearn.exceptions import ConvergenceWarning
    from threadpoolctl import threadpool_limits

    s = settings or TopicSettings()
    # A fit stopped by max_iter is not an error here: the iterations run are recorded in topic_runs.
    with threadpool_limits(limits=1), warnings.catch_warnings():
        warnings.simplefilter("ignore", category=ConvergenceWarning)
        if model == "lda":
            method = lda_method(X.shape[0], s)
            est = LatentDirichletAllocation(
                n_components=k,
                learning_method=method,
                max_iter=s.lda_max_iter if method == "batch" else s.lda_online_passes,
                batch_size=s.lda_batch_size,
                topic_word_prior=s.lda_topic_word_prior,
                max_doc_update_iter=s.lda_doc_update_iter if method == "batch" else s.lda_online_doc_update_iter,
                evaluate_every=-1,
                random_state=seed,
                n_jobs=None,
            )
            Xf = sparse.csr_matrix(X, dtype=np.float64)
            est.fit(Xf)
            # One E-step serves both theta and perplexity (the public transform() and perplexity() would
            # each run their own, a fifth of the cost of a fit); same numbers as the public methods.
            unnormalised = est._unnormalized_transform(Xf)
            theta = unnormalised
            perplexity = float(est._perplexity_precomp_distr(Xf, doc_topic_distr=unnormalised))
        elif model == "nmf":
            Xt = X_tfidf if X_tfidf is not None else tfidf(X)
            est = NMF(n_components=k, init="random", solver="cd", max_iter=s.nmf_max_iter, random_state=seed, tol=1e-4)
            theta = est.fit_transform(Xt)
            perplexity = None
            unnormalised = None
        else:
            raise ValueError(f"model must be one of {MODELS}, not {model!r}")
    components = np.asarray(est.components_, dtype=np.float64)
    return TopicFit(
        model=model,
        k=k,
        seed=seed,
        components=components,
        beta=_row_normalise(components),
        theta=_row_normalise(np.asarray(theta, dtype=np.float64)),
        perplexity=perplexity,
        n_iter=int(est.n_iter_),
        gamma=None if unnormalised is None else np.asarray(unnormalised, dtype=np.float64),
    )


# ---------------------------------------------------------------------------------------------------
# Diagnostics
# ---------------------------------------------------------------------------------------------------


def top_terms(beta: np.ndarray, n: int) -> np.ndarray:
    """Indices of each topic's ``n`` most probable terms (ties: lower index first), topics × n."""
    order = np.lexsort((np.broadcast_to(np.arange(beta.shape[1]), beta.shape), -beta), axis=1)
    return order[:, : min(n, beta.shape[1])]


def npmi_coherence(X: sparse.spmatrix, topics: Sequence[Sequence[int]]) -> np.ndarray:
    """NPMI coherence of each topic's terms, with co-occurrence counted in the units of ``X``.

    For each pair of a topic's terms, with P(w) the share of units containing w and P(w_i, w_j) the share
    containing both:

        NPMI = log[P(w_i, w_j) / (P(w_i) P(w_j))] / -log P(w_i, w_j)

    which is -1 when the terms never co-occur, 0 when independent, 1 when they always co-occur (also by
    convention when both occur in every unit). A topic's coherence is the mean over its pairs (Bouma 2009;
    Aletras & Stevenson 2013 use the same measure over an external corpus, here it is the corpus itself).

    Parameters
    ----------
    X
        Counts (or 0/1), units × terms.
    topics
        For each topic, the column indices of its top terms.

    Returns
    -------
    numpy.ndarray
        One coherence per topic (nan for a topic with fewer than two terms).
    """
    topics = [np.asarray(list(terms), dtype=np.int64) for terms in topics]
    out = np.full(len(topics), np.nan)
    if not topics:
        return out
    # One co-occurrence matrix over the union of all topics' terms (a few hundred columns), from one
    # column slice of the binarised matrix: the counts are integers, so the shares are exactly those of a
    # per-topic computation.
    union = np.unique(np.concatenate(topics))
    sub = (sparse.csc_matrix(X)[:, union] > 0).astype(np.float64)
    n = sub.shape[0]
    co = np.asarray((sub.T @ sub).todense()) / n
    p = np.diag(co).copy()
    where = {int(w): i for i, w in enumerate(union)}
    for t, idx in enumerate(topics):
        if idx.size < 2:
            continue
        pos = [where[int(w)] for w in idx]
        vals = []
        for a in range(len(pos)):
            for b in range(a + 1, len(pos)):
                i, j = pos[a], pos[b]
                vals.append(_npmi(co[i, j], p[i], p[j]))
        out[t] = float(np.mean(vals))
    return out


def _npmi(pij: float, pi: float, pj: float) -> float:
    if pij <= 0:
        return -1.0
    if pij >= 1:
        return 1.0
    return math.log(pij / (pi * pj)) / -math.log(pij)


def _ecdf_rank(a: np.ndarray) -> np.ndarray:
    """Per row, the empirical CDF value of each entry among its row (share of entries ≤ it)."""
    n = a.shape[1]
    out = np.empty_like(a, dtype=np.float64)
    for r in range(a.shape[0]):
        row = a[r]
        srt = np.sort(row)
        out[r] = np.searchsorted(srt, row, side="right") / n
    return out


def frex(beta: np.ndarray, weight: float = 0.5) -> tuple[np.ndarray, np.ndarray]:
    """FREX scores (Bischof & Airoldi 2012; Roberts et al.'s stm) and exclusivity of every term in every topic.

    exclusivity(w, k) = β_kw / Σ_j β_jw;  FREX(w, k) = 1 / (ω / ECDF_k(excl) + (1 − ω) / ECDF_k(β))
    where the ECDFs are taken over the terms of topic k and ω = ``weight``.

    Returns
    -------
    (frex, exclusivity), each topics × terms.
    """
    col = beta.sum(axis=0, keepdims=True)
    excl = np.divide(beta, col, out=np.zeros_like(beta), where=col > 0)
    fr = 1.0 / (weight / _ecdf_rank(excl) + (1.0 - weight) / _ecdf_rank(beta))
    return fr, excl


def exclusivity(beta: np.ndarray, n: int = 10, weight: float = 0.5) -> np.ndarray:
    """Per topic, the mean FREX of its ``n`` most probable terms (stm's ``exclusivity``, divided by n)."""
    fr, _ = frex(beta, weight)
    top = top_terms(beta, n)
    return np.take_along_axis(fr, top, axis=1).mean(axis=1)


def cosine_matrix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Cosine similarity of every row of ``a`` with every row of ``b``."""
    na = np.linalg.norm(a, axis=1, keepdims=True)
    nb = np.linalg.norm(b, axis=1, keepdims=True)
    return (a / np.where(na > 0, na, 1)) @ (b / np.where(nb > 0, nb, 1)).T


def match_topics(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Hungarian matching of the topics of two runs on the cosine similarity of their topic-word vectors.

    Returns
    -------
    (perm, sims)
        ``perm[i]`` is the topic of ``b`` matched to topic ``i`` of ``a``; ``sims[i]`` their similarity.
    """
    S = cosine_matrix(a, b)
    rows, cols = linear_sum_assignment(-S)
    perm = np.empty(a.shape[0], dtype=np.int64)
    perm[rows] = cols
    return perm, S[rows, cols][np.argsort(rows)]


def stability(betas: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Pairwise stability of several runs of the same k.

    Returns
    -------
    (pair, per_topic)
        ``pair[i, j]``: mean matched similarity of runs i and j (symmetric, 1 on the diagonal);
        ``per_topic[i, t]``: mean over the other runs of the similarity of run i's topic t to its match.
    """
    m = len(betas)
    k = betas[0].shape[0]
    pair = np.eye(m)
    per_topic = np.zeros((m, k))
    for i in range(m):
        for j in range(i + 1, m):
            perm, sims = match_topics(betas[i], betas[j])
            pair[i, j] = pair[j, i] = sims.mean()
            per_topic[i] += sims
            inv = np.empty_like(perm)
            inv[perm] = np.arange(k)
            per_topic[j] += sims[inv]
    per_topic /= max(m - 1, 1)
    return pair, per_topic


# ---------------------------------------------------------------------------------------------------
# Model selection
# ---------------------------------------------------------------------------------------------------

SELECTION_RULE = (
    "min-max scale coherence (NPMI), exclusivity (FREX) and stability over the rows of the grid (both models "
    "together when primary_model = auto, else the primary model's rows); choose the row with the highest mean "
    "of the three (ties: smaller k, then lda before nmf): its k is the chosen k and its model the primary model; "
    "perplexity is shown, not used"
)


def _scaled(v: np.ndarray) -> np.ndarray:
    lo, hi = np.nanmin(v), np.nanmax(v)
    if not np.isfinite(lo) or hi - lo <= 1e-12:
        return np.ones_like(v)
    return (v - lo) / (hi - lo)


def select_k(selection: pl.DataFrame, primary_model: str = "auto", *, flat_margin: float = 0.05) -> pl.DataFrame:
    """Apply the selection rule to a frame with model, k, coherence, exclusivity, stability.

    ``primary_model = "auto"``: the three criteria are min-max scaled over every row (both models), and the
    best row names both the chosen k and the primary model, by one rule. A named primary model: the criteria
    are scaled within each model and k is chosen among the primary model's rows.

    Adds ``score`` (mean of the three scaled criteria), ``primary`` (the row's model is the primary model),
    ``chosen`` (the chosen k, marked on every model's row of that k), ``interior`` (the chosen k lies
    strictly inside the primary model's grid), ``margin`` (the chosen row's score minus the best score of the
    primary model's other k), ``flat`` (margin below ``flat_margin``: the criterion does not pin k down) and
    ``rule``.
    """
    sel = selection.sort("model", "k")
    crits = ("coherence", "exclusivity", "stability")
    if primary_model == "auto":
        crit = np.column_stack([_scaled(sel[c].to_numpy().astype(float)) for c in crits])
        out = sel.with_columns(score=pl.Series(crit.mean(axis=1)))
        cand = out
    else:
        parts = []
        for (_model,), g in sel.group_by("model", maintain_order=True):
            crit = np.column_stack([_scaled(g[c].to_numpy().astype(float)) for c in crits])
            parts.append(g.with_columns(score=pl.Series(crit.mean(axis=1))))
        out = pl.concat(parts).sort("model", "k")
        cand = out.filter(pl.col("model") == primary_model)
    best = cand.sort(["score", "k", "model"], descending=[True, False, False]).row(0, named=True)
    model, k = best["model"], int(best["k"])
    prim = out.filter(pl.col("model") == model)
    others = prim.filter(pl.col("k") != k)["score"]
    margin = float(best["score"] - others.max()) if others.len() else None
    ks = prim["k"].to_list()
    interior = min(ks) < k < max(ks)
    return out.with_columns(
        primary=pl.col("model") == model,
        chosen=pl.col("k") == k,
        interior=pl.lit(interior),
        margin=pl.lit(margin, pl.Float64),
        flat=pl.lit(margin is None or margin < flat_margin),
        rule=pl.lit(SELECTION_RULE),
    )


def widen_k(ks: Sequence[int], chosen: int, *, max_k: int, step: int | None = None) -> int | None:
    """The next k to fit when the chosen k sits at an edge of the grid ``ks``, or None.

    Chosen at the top: the top plus ``step`` (default: the grid's last spacing, at least 1) while it stays at
    or below ``max_k``; chosen at the bottom: the bottom minus the step, not below 2. None when the chosen k
    is interior, or the edge cannot move (then ``model_selection.interior`` is false and says so), or the
    grid holds a single k (the researcher fixed k).
    """
    ks = sorted(set(ks))
    if len(ks) < 2:  # a single k is the researcher fixing k: nothing to widen
        return None
    gap = step or max(1, ks[-1] - ks[-2] if chosen == ks[-1] else ks[1] - ks[0])
    if chosen == ks[-1] and ks[-1] + gap <= max_k:
        return ks[-1] + gap
    if chosen == ks[0] and ks[0] > 2:
        return max(2, ks[0] - gap)
    return None


@dataclass
class GridResult:
    """All fits of the grid, and the per-run and per-k diagnostics."""

    fits: dict[tuple[str, int, int], TopicFit]
    runs: pl.DataFrame
    selection: pl.DataFrame
    per_topic_stability: dict[tuple[str, int], np.ndarray]


def _fit_one(args: tuple[sparse.csr_matrix, sparse.csr_matrix | None, str, int, int, TopicSettings]) -> TopicFit:
    X, Xt, model, k, seed, s = args
    return fit_topic_model(X, k, model=model, seed=seed, settings=s, X_tfidf=Xt)


def _fit_many(tasks: list[tuple], jobs: int) -> list[TopicFit]:
    if jobs > 1 and len(tasks) > 1:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        # spawn, not fork: forking a process that runs polars' thread pool can deadlock.
        with ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
            return list(pool.map(_fit_one, tasks, chunksize=1))
    return [_fit_one(t) for t in tasks]


def _diagnose_k(
    group: list[TopicFit], X: sparse.spmatrix, s: TopicSettings
) -> tuple[np.ndarray, np.ndarray, list[float], list[float]]:
    """Stability (pairwise and per topic) and per-run coherence and exclusivity of one model × k."""
    pair, per_topic = stability([f.beta for f in group])
    cohs = [float(np.nanmean(npmi_coherence(X, top_terms(f.beta, s.n_top)))) for f in group]
    excls = [float(exclusivity(f.beta, s.n_top, s.frex_weight).mean()) for f in group]
    return pair, per_topic, cohs, excls


def fit_grid(
    dtm: DTM, settings: TopicSettings | None = None, jobs: int | None = None, *, n_units_all: int | None = None
) -> GridResult:
    """Fit every model × k × seed of the settings' grid, widening it while the chosen k sits at an edge,
    and compute the diagnostics of model selection.

    Parameters
    ----------
    dtm
        The document-term matrix.
    settings
        Grid (``models``, ``k_grid``, ``seeds``, ``k_widen_steps``, ``k_max``) and fitting settings.
    jobs
        Worker processes (default ``settings.jobs``); fits are independent and single-threaded, so the
        result is the same for any number of workers.
    n_units_all
        Units of the whole matrix when ``dtm`` is the selection sample (recorded in ``model_selection``);
        default: ``dtm``'s own.

    Notes
    -----
    Widening: after the grid is fitted, the rule (``select_k``) is applied; when the chosen k is the largest
    (smallest) of the grid, the next k above (below) is fitted for every model and seed (``widen_k``) and the
    rule applied again, at most ``k_widen_steps`` times and never beyond ``k_max`` (nor below 2). The
    final grid is what ``model_selection`` lists; ``interior`` says whether the choice ended inside it.
    """
    s = settings or TopicSettings()
    jobs = jobs or s.jobs
    X = dtm.X
    n_units = X.shape[0]
    n_units_all = n_units if n_units_all is None else n_units_all
    Xt = tfidf(X) if "nmf" in s.models else None
    max_k = max(1, min(min(X.shape) - 1, s.k_max))
    ks = sorted({k for k in s.k_grid if 2 <= k <= max_k}) or [min(2, max_k)]
    fits: dict[tuple[str, int, int], TopicFit] = {}
    diag: dict[tuple[str, int], tuple[np.ndarray, np.ndarray, list[float], list[float]]] = {}
    for step in range(s.k_widen_steps + 1):
        todo = [k for k in ks if (s.models[0], k) not in diag]
        tasks = [(X, Xt if m == "nmf" else None, m, k, seed, s) for m in s.models for k in todo for seed in s.seeds]
        for f in _fit_many(tasks, jobs):
            fits[(f.model, f.k, f.seed)] = f
        for m in s.models:
            for k in todo:
                diag[(m, k)] = _diagnose_k([fits[(m, k, seed)] for seed in s.seeds], X, s)
        sel = _selection_frame(diag, fits, s, ks, n_units, n_units_all)
        chosen = int(sel.filter(pl.col("chosen"))["k"][0])
        nxt = widen_k(ks, chosen, max_k=max_k) if step < s.k_widen_steps else None
        if nxt is None or nxt in ks:
            break
        ks = sorted([*ks, nxt])

    run_rows = []
    per_topic_stab: dict[tuple[str, int], np.ndarray] = {}
    for m in s.models:
        for k in ks:
            pair, per_topic, cohs, excls = diag[(m, k)]
            group = [fits[(m, k, seed)] for seed in s.seeds]
            per_topic_stab[(m, k)] = per_topic
            run_stab = (pair.sum(axis=1) - 1) / (len(group) - 1)
            medoid = int(np.argmax(np.round(run_stab, 12)))  # argmax returns the first (lowest seed) on ties
            for i, f in enumerate(group):
                run_rows.append(
                    (m, k, f.seed, cohs[i], excls[i], f.perplexity, float(run_stab[i]), f.n_iter, i == medoid, n_units)
                )
    runs = table_frame("topic_runs", run_rows).sort("model", "k", "seed")
    fits = {key: f for key, f in fits.items() if key[1] in ks}
    return GridResult(fits=fits, runs=runs, selection=sel, per_topic_stability=per_topic_stab)


def _selection_frame(
    diag: Mapping[tuple[str, int], tuple[np.ndarray, np.ndarray, list[float], list[float]]],
    fits: Mapping[tuple[str, int, int], TopicFit],
    s: TopicSettings,
    ks: Sequence[int],
    n_units: int,
    n_units_all: int,
) -> pl.DataFrame:
    sel_rows = []
    for m in s.models:
        for k in ks:
            pair, _, cohs, excls = diag[(m, k)]
            perps = [fits[(m, k, seed)].perplexity for seed in s.seeds]
            perps = [p for p in perps if p is not None]
            iu = np.triu_indices(len(s.seeds), 1)
            sel_rows.append(
                (
                    m,
                    k,
                    len(s.seeds),
                    n_units,
                    n_units_all,
                    float(np.mean(cohs)),
                    float(np.std(cohs, ddof=1)) if len(cohs) > 1 else 0.0,
                    float(np.mean(excls)),
                    float(np.mean(perps)) if perps else None,
                    float(pair[iu].mean()),
                    float(pair[iu].min()),
                )
            )
    sel = pl.DataFrame(
        sel_rows,
        schema={
            "model": pl.String,
            "k": pl.Int32,
            "n_seeds": pl.Int32,
            "n_units": pl.Int32,
            "n_units_all": pl.Int32,
            "coherence": pl.Float64,
            "coherence_sd": pl.Float64,
            "exclusivity": pl.Float64,
            "perplexity": pl.Float64,
            "stability": pl.Float64,
            "stability_min": pl.Float64,
        },
        orient="row",
    )
    return select_k(sel, s.primary_model, flat_margin=s.flat_margin).select(MODEL_SELECTION.names)


# ---------------------------------------------------------------------------------------------------
# Describing topics
# ---------------------------------------------------------------------------------------------------


def propose_label(
    frex_terms: Sequence[str],
    unit_systems: Sequence[str | None],
    unit_weights: Sequence[float],
    *,
    n_terms: int = 3,
    min_share: float = 0.5,
) -> tuple[str, str | None, float]:
    """The label rule: ``"<system> · t1 t2 t3"``, or ``"— · t1 t2 t3"`` when no system dominates.

    Parameters
    ----------
    frex_terms
        The topic's terms ranked by FREX (the first ``n_terms`` go into the label: FREX favours terms that
        are both frequent in the topic and rare elsewhere, which is what tells topics apart).
    unit_systems, unit_weights
        Outline system (or None) and topic share of the topic's most representative units.
    n_terms
        Number of terms in the label.
    min_share
        A system names the topic when it holds at least this share of the representative units' weight.

    Returns
    -------
    (label, system, share)
        ``system`` is None when no system reaches ``min_share``; ``share`` is the best system's share.
    """
    total = float(sum(unit_weights))
    acc: dict[str, float] = {}
    for sysid, w in zip(unit_systems, unit_weights):
        if sysid is not None:
            acc[sysid] = acc.get(sysid, 0.0) + float(w)
    best, share = None, 0.0
    if total > 0:
        for sysid in sorted(acc):  # sorted: ties go to the first id by name, never to dict order
            if acc[sysid] / total > share + 1e-12:
                best, share = sysid, acc[sysid] / total
    system = best if share >= min_share else None
    terms = " ".join(frex_terms[:n_terms])
    return f"{system or '—'} · {terms}", system, share


def _excerpt(text: str | None, start: int, end: int, n: int = 160) -> str:
    if text is None:
        return ""
    piece = " ".join(text[start:end].split())
    return piece if len(piece) <= n else piece[:n] + "…"


def describe_fit(
    fit: TopicFit,
    dtm: DTM,
    settings: TopicSettings,
    *,
    per_topic_stability: np.ndarray | None = None,
    sample_match: np.ndarray | None = None,
    documents: pl.DataFrame | None = None,
) -> dict[str, pl.DataFrame]:
    """Terms, summary, unit shares and representative units of one fitted model.

    ``per_topic_stability`` and ``sample_match`` are per topic of ``fit`` (``sample_match`` defaults to 1:
    the fit is the selection run itself).

    Returns
    -------
    dict
        ``topics``, ``topic_summary``, ``doc_topics``, ``topic_representatives`` (schemas as declared).
    """
    s = settings
    k = fit.k
    fr, excl = frex(fit.beta, s.frex_weight)
    n = min(s.n_top, len(dtm.vocab))
    top_p = top_terms(fit.beta, n)
    top_f = top_terms(fr, n)
    coh = npmi_coherence(dtm.X, top_p)
    exc = np.take_along_axis(fr, top_p, axis=1).mean(axis=1)
    weights = dtm.units["n_tokens"].to_numpy().astype(float)
    prevalence = (fit.theta * weights[:, None]).sum(axis=0) / max(weights.sum(), 1.0)
    vocab = np.asarray(dtm.vocab, dtype=object)
    texts = dict(zip(documents["doc_id"], documents["text"])) if documents is not None and "text" in documents.columns else {}
    units = dtm.units

    term_rows, summary_rows, rep_rows = [], [], []
    for t in range(k):
        order = np.lexsort((units["unit_id"].to_numpy(), -fit.theta[:, t]))[: s.n_representatives]
        reps = units[order.tolist()]
        label, system, share = propose_label(
            [str(vocab[i]) for i in top_f[t]],
            reps["system"].to_list(),
            fit.theta[order, t].tolist(),
            n_terms=s.label_terms,
            min_share=s.label_min_system_share,
        )
        for ranking, idx in (("prob", top_p[t]), ("frex", top_f[t])):
            for r, i in enumerate(idx, start=1):
                term_rows.append((fit.model, k, t, label, ranking, r, str(vocab[i]), float(fit.beta[t, i]), float(excl[t, i]), float(fr[t, i])))
        summary_rows.append(
            (
                fit.model,
                k,
                t,
                label,
                system,
                float(share),
                float(prevalence[t]),
                float(coh[t]),
                float(exc[t]),
                float(per_topic_stability[t]) if per_topic_stability is not None else None,
                " ".join(str(vocab[i]) for i in top_p[t]),
                " ".join(str(vocab[i]) for i in top_f[t]),
                float(sample_match[t]) if sample_match is not None else 1.0,
            )
        )
        for r, (row, ui) in enumerate(zip(reps.iter_rows(named=True), order), start=1):
            rep_rows.append(
                (
                    fit.model,
                    t,
                    r,
                    row["unit_id"],
                    row["doc_id"],
                    row["level"],
                    row["path"],
                    row["system"],
                    float(fit.theta[ui, t]),
                    row["n_tokens"],
                    row["start"],
                    row["end"],
                    _excerpt(texts.get(row["doc_id"]), row["start"], row["end"]),
                )
            )

    n_units = units.height
    doc_topics = (
        units.select("unit_id", "doc_id", "section_id", "paragraph_id", "level", "system", "path", "n_tokens")
        .join(pl.DataFrame({"topic": np.arange(k, dtype=np.int32)}), how="cross")
        .sort("unit_id", "topic")
        .with_columns(
            model=pl.lit(fit.model),
            unit=pl.lit(dtm.unit),
            share=pl.Series(fit.theta.reshape(n_units * k)),
        )
        .select(DOC_TOPICS.names)
    )
    return {
        "topics": table_frame("topics", term_rows),
        "topic_summary": table_frame("topic_summary", summary_rows),
        "doc_topics": doc_topics,
        "topic_representatives": table_frame("topic_representatives", rep_rows),
    }


# Above this many (replicate, unit) cells per level, the bootstrap accumulates per document instead of
# building the dense replicates × units count matrix (2**24 cells = 128 MB of float64).
_BOOTSTRAP_DENSE_MAX = 2**24


def prevalence_by_level(
    doc_topics: pl.DataFrame,
    labels: pl.DataFrame | None = None,
    *,
    n_bootstrap: int = 1000,
    ci: float = 0.95,
    seed: int = 0,
) -> pl.DataFrame:
    """Each topic's token-weighted share of each level's text, with a bootstrap percentile interval.

    The bootstrap resamples units with replacement *within each document* (documents are fixed: with a
    handful of documents per level, resampling documents would give degenerate intervals), so the
    interval reflects the variability of topics across a document's units, not across documents. With
    one document at a level, it describes that document, not the level.

    Parameters
    ----------
    doc_topics
        One model's doc_topics rows.
    labels
        topic, label (optional).
    """
    rng = np.random.default_rng(seed)
    rows = []
    models = doc_topics["model"].unique().sort().to_list()
    alpha = (1 - ci) / 2
    for model in models:
        dt = doc_topics.filter(pl.col("model") == model)
        k = dt["topic"].max() + 1
        units = dt.filter(pl.col("topic") == 0).sort("unit_id")
        theta = dt.sort("unit_id", "topic")["share"].to_numpy().reshape(units.height, k)
        w = units["n_tokens"].to_numpy().astype(float)
        docs = units["doc_id"].to_numpy()
        levels = units["level"].to_numpy()
        for level in sorted(set(levels.tolist())):
            idx_level = np.flatnonzero(levels == level)
            doc_ids = sorted(set(docs[idx_level].tolist()))
            point = (theta[idx_level] * w[idx_level, None]).sum(axis=0) / w[idx_level].sum()
            by_doc: dict[str, list[int]] = {}
            for u in idx_level.tolist():  # one pass; each document's units stay in ascending order
                by_doc.setdefault(docs[u], []).append(u)
            if n_bootstrap * idx_level.size <= _BOOTSTRAP_DENSE_MAX:
                # counts[b, i]: how often unit i is drawn in replicate b (multinomial within its document)
                counts = np.zeros((n_bootstrap, idx_level.size))
                pos = {u: j for j, u in enumerate(idx_level)}
                for d in doc_ids:
                    members = [pos[u] for u in by_doc[d]]
                    counts[:, members] = rng.multinomial(len(members), np.full(len(members), 1 / len(members)), size=n_bootstrap)
                bw = counts * w[idx_level][None, :]
                reps = (bw @ theta[idx_level]) / bw.sum(axis=1, keepdims=True)
            else:
                # Many units: the same draws, in the same order, accumulated document by document, so memory
                # stays at replicates × (one document's units) instead of replicates × all units.
                num = np.zeros((n_bootstrap, k))
                den = np.zeros((n_bootstrap, 1))
                for d in doc_ids:
                    members = np.asarray(by_doc[d], dtype=np.int64)
                    c = rng.multinomial(members.size, np.full(members.size, 1 / members.size), size=n_bootstrap)
                    cw = c * w[members][None, :]
                    num += cw @ theta[members]
                    den += cw.sum(axis=1, keepdims=True)
                reps = num / den
            lo = np.quantile(reps, alpha, axis=0)
            hi = np.quantile(reps, 1 - alpha, axis=0)
            for t in range(k):
                rows.append((model, t, level, len(doc_ids), idx_level.size, float(point[t]), float(lo[t]), float(hi[t])))
    out = pl.DataFrame(
        rows,
        schema={
            "model": pl.String,
            "topic": pl.Int32,
            "level": pl.String,
            "n_docs": pl.Int32,
            "n_units": pl.Int32,
            "share": pl.Float64,
            "lo": pl.Float64,
            "hi": pl.Float64,
        },
        orient="row",
    )
    lab = labels if labels is not None else out.select("model", "topic").unique().with_columns(label=pl.lit(None, pl.String))
    return (
        out.join(lab.select("model", "topic", "label"), on=["model", "topic"], how="left")
        .select(TOPIC_PREVALENCE.names)
        .sort("model", "topic", "level")
    )


def theme_counts_per_unit(theme_hits: pl.DataFrame | None, dtm: DTM) -> pl.DataFrame:
    """Theme lexicon hits per unit (unit_id, theme, hits), mapping each hit to the unit of its tokens.

    A hit is mapped by its document and start offset to the kept token starting there; a hit whose first
    token is not in the matrix (a stopword, a pruned term, a dropped unit) is mapped to the unit of the
    nearest preceding token of the same document.
    """
    empty = pl.DataFrame(schema={"unit_id": pl.Int32, "theme": pl.String, "hits": pl.Int64})
    if theme_hits is None or theme_hits.height == 0 or not {"doc_id", "theme", "start"} <= set(theme_hits.columns):
        return empty
    hits = theme_hits.select("doc_id", "theme", pl.col("start").cast(pl.Int64)).sort("doc_id", "start")
    tu = dtm.token_units.select("doc_id", pl.col("start").cast(pl.Int64), "unit_id").sort("doc_id", "start")
    mapped = hits.join_asof(tu, on="start", by="doc_id", strategy="backward", check_sortedness=False).drop_nulls("unit_id")
    return mapped.group_by("unit_id", "theme").agg(hits=pl.len().cast(pl.Int64)).sort("unit_id", "theme")


def alignment(
    fit: TopicFit,
    dtm: DTM,
    theme_units: pl.DataFrame,
    labels: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Which topics carry which theme and which Outline system.

    theme: hits per 1,000 tokens of the topic's text, Σ_u θ_ut·hits_u / Σ_u θ_ut·n_u × 1000, and its lift
    over the corpus rate. system: share of the topic's token mass that sits in sections of the system,
    Σ_u θ_ut·n_us / Σ_u θ_ut·n_u, and its lift over the system's share of all tokens.
    """
    theta = fit.theta
    n_units, k = theta.shape
    n = dtm.units["n_tokens"].to_numpy().astype(float)
    mass = (theta * n[:, None]).sum(axis=0)
    rows = []
    for kind, frame, col, val in (
        ("theme", theme_units, "theme", "hits"),
        ("system", dtm.unit_systems.drop_nulls("system"), "system", "n"),
    ):
        for target in sorted(set(frame[col].to_list())):
            sub = frame.filter(pl.col(col) == target)
            v = np.zeros(n_units)
            v[sub["unit_id"].to_numpy()] = sub[val].to_numpy().astype(float)
            per_topic = theta.T @ v / np.where(mass > 0, mass, 1)
            base = v.sum() / max(n.sum(), 1.0)
            scale = 1000.0 if kind == "theme" else 1.0
            for t in range(k):
                rows.append((fit.model, t, kind, target, float(per_topic[t] * scale), float(per_topic[t] / base) if base > 0 else None))
    out = pl.DataFrame(
        rows,
        schema={"model": pl.String, "topic": pl.Int32, "kind": pl.String, "target": pl.String, "value": pl.Float64, "lift": pl.Float64},
        orient="row",
    )
    lab = labels if labels is not None else out.select("model", "topic").unique().with_columns(label=pl.lit(None, pl.String))
    return out.join(lab.select("model", "topic", "label"), on=["model", "topic"], how="left").select(TOPIC_ALIGNMENT.names)


def term_overlap(topics: pl.DataFrame, model_a: str = "lda", model_b: str = "nmf", n: int = 10) -> pl.DataFrame:
    """Jaccard overlap of the top ``n`` terms (by probability) of every topic of two models.

    Returns
    -------
    polars.DataFrame
        model_a, topic_a, label_a, model_b, topic_b, label_b, shared (the common terms), jaccard; plus
        ``matched`` marking the Hungarian matching of the two models' topics on these overlaps.
    """
    def tops(model: str) -> pl.DataFrame:
        return (
            topics.filter((pl.col("model") == model) & (pl.col("ranking") == "prob") & (pl.col("rank") <= n))
            .group_by("topic", "label")
            .agg(pl.col("term").sort_by("rank"))
            .sort("topic")
        )

    a, b = tops(model_a), tops(model_b)
    rows = []
    for ta, la, terms_a in a.iter_rows():
        for tb, lb, terms_b in b.iter_rows():
            sa, sb = set(terms_a), set(terms_b)
            shared = [t for t in terms_a if t in sb]
            rows.append((model_a, ta, la, model_b, tb, lb, " ".join(shared), len(sa & sb) / max(len(sa | sb), 1)))
    out = pl.DataFrame(
        rows,
        schema={
            "model_a": pl.String, "topic_a": pl.Int32, "label_a": pl.String, "model_b": pl.String,
            "topic_b": pl.Int32, "label_b": pl.String, "shared": pl.String, "jaccard": pl.Float64,
        },
        orient="row",
    )
    if out.height == 0:
        return out.with_columns(matched=pl.lit(None, pl.Boolean))
    J = out["jaccard"].to_numpy().reshape(a.height, b.height)
    r, c = linear_sum_assignment(-J)
    pairs = {(int(a["topic"][int(i)]), int(b["topic"][int(j)])) for i, j in zip(r, c)}
    return out.with_columns(
        matched=pl.Series([(ta, tb) in pairs for ta, tb in zip(out["topic_a"], out["topic_b"])], dtype=pl.Boolean)
    )


# ---------------------------------------------------------------------------------------------------
# Prevalence by covariates (topic_effects)
# ---------------------------------------------------------------------------------------------------

EFFECT_COVARIATES = ("level", "doc_type", "year")


def unit_posterior(fit: TopicFit, n_tokens: np.ndarray) -> np.ndarray:
    """Dirichlet parameters of each unit's topic shares (units × k), the posterior the effects draw from.

    LDA: the fit's variational parameters ``gamma``. NMF has no posterior; its documented equivalent is the
    Dirichlet a unit's ``n`` tokens split by its shares would give under a uniform 1/k prior,
    ``1/k + n × share`` (the same form as LDA's gamma, which is the prior plus the expected counts).
    """
    if fit.gamma is not None:
        return np.maximum(fit.gamma, 1e-12)
    k = fit.theta.shape[1]
    return 1.0 / k + n_tokens[:, None].astype(float) * fit.theta


def effect_design(docs: pl.DataFrame, *, max_params: int) -> tuple[np.ndarray, list[tuple[str, str]]]:
    """The design matrix of the effects regression and the name (covariate, contrast) of each column.

    Columns: an intercept; for ``level`` and ``doc_type`` one indicator per value other than the reference
    (the most common value, ties by name); ``year`` as (year − mean) / 10. A covariate enters only when it
    varies, and only while the number of columns stays at most ``max_params`` (covariates in the order of
    ``EFFECT_COVARIATES``; one that would exceed it is skipped, so a five-document corpus still gets the
    contrasts it can support).
    """
    cols = [np.ones(docs.height)]
    names = [("intercept", "reference document")]
    for cov in EFFECT_COVARIATES:
        if cov == "year":
            y = docs["year"].to_numpy().astype(float)
            if np.unique(y).size < 2 or len(cols) + 1 > max_params:
                continue
            cols.append((y - y.mean()) / 10.0)
            names.append(("year", "per 10 years"))
            continue
        vals = docs[cov].to_list()
        freq: dict[str, int] = {}
        for v in vals:
            freq[v] = freq.get(v, 0) + 1
        levels = sorted(freq, key=lambda v: (-freq[v], v))
        if len(levels) < 2 or len(cols) + len(levels) - 1 > max_params:
            continue
        ref = levels[0]
        arr = np.asarray(vals, dtype=object)
        for v in sorted(levels[1:]):
            cols.append((arr == v).astype(float))
            names.append((cov, f"{v} − {ref}"))
    return np.column_stack(cols), names


def _gls_operator(X: np.ndarray, groups: np.ndarray | None, ratio: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For V = σ²(I + ratio·ZZ') (Z: group indicators; OLS when ``groups`` is None or ratio ≤ 0): the matrix
    P with β̂ = P y, V's inverse up to σ², and (X'V⁻¹X)⁻¹ up to σ². Computed once per topic, used per draw."""
    n = X.shape[0]
    if groups is None or ratio <= 0:
        Vi = np.eye(n)
    else:
        Z = (groups[:, None] == np.unique(groups)[None, :]).astype(float)
        Vi = np.linalg.inv(np.eye(n) + ratio * (Z @ Z.T))
    A = np.linalg.pinv(X.T @ Vi @ X)
    return A @ X.T @ Vi, Vi, A


def _gls(y: np.ndarray, X: np.ndarray, op: tuple[np.ndarray, np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """GLS coefficients and their covariance, σ² estimated from the (V-weighted) residuals."""
    P, Vi, A = op
    beta = P @ y
    r = y - X @ beta
    sigma2 = float(r @ Vi @ r) / max(X.shape[0] - X.shape[1], 1)
    return beta, A * sigma2


def topic_effects(
    fit: TopicFit,
    dtm: DTM,
    documents: pl.DataFrame | None,
    labels: pl.DataFrame | None = None,
    *,
    n_draws: int = 50,
    seed: int = 0,
    ci: float = 0.95,
) -> pl.DataFrame:
    """Regression of documents' topic proportions on level, doc type and year, with jurisdictions (regions)
    as random intercepts where documents are nested in them, and uncertainty that carries the topic model's.

    How (stm's ``estimateEffect``, method of composition):

    1. A document's topic proportions are the token-weighted mean of its units' shares.
    2. Variance components, once per topic: statsmodels' ``MixedLM`` (REML, random intercept per region;
       documents without a region form one group) on the posterior-mean proportions, when at least five
       regions exist and one holds two or more documents; otherwise OLS (no pooling is possible).
    3. ``n_draws`` times: draw every unit's shares from its Dirichlet posterior (``unit_posterior``),
       aggregate to documents, refit each topic's regression by GLS with the variance ratio of step 2
       (the same estimator as MixedLM's at those components, without re-estimating them per draw), and draw
       one coefficient vector from the normal approximation of its sampling distribution.
    4. The composed draws give the estimate (mean), ``se`` (sd) and the percentile interval.

    Returns
    -------
    polars.DataFrame
        ``topic_effects`` rows (see ``fazhi.schema.TOPIC_EFFECTS``); empty without documents or when the
        documents cannot support any contrast.
    """
    from .schema import TOPIC_EFFECTS

    empty = pl.DataFrame(schema=TOPIC_EFFECTS.polars_schema)
    if documents is None or documents.height == 0:
        return empty
    units = dtm.units
    n_tok = units["n_tokens"].to_numpy().astype(float)
    doc_ids = units["doc_id"].to_numpy()
    meta = documents.select(
        "doc_id",
        *[
            (pl.col(c) if c in documents.columns else pl.lit(None, pl.String)).cast(pl.String).fill_null("unknown").alias(c)
            for c in ("level", "doc_type")
        ],
        (pl.col("period_start") if "period_start" in documents.columns else pl.lit(None, pl.Int32)).cast(pl.Float64).alias("year"),
        (pl.col("region") if "region" in documents.columns else pl.lit(None, pl.String)).cast(pl.String).fill_null("unknown").alias("region"),
    )
    present = sorted(set(doc_ids.tolist()))
    docs = meta.filter(pl.col("doc_id").is_in(present))
    if docs["year"].null_count() and docs["year"].drop_nulls().n_unique() >= 2:
        docs = docs.drop_nulls("year")  # year varies: documents without one leave the regression
    else:
        docs = docs.with_columns(pl.col("year").fill_null(0.0))
    docs = docs.sort("doc_id")
    n_docs = docs.height
    if n_docs < 3:
        return empty
    X, names = effect_design(docs, max_params=n_docs - 2)
    if X.shape[1] < 2:
        return empty
    index = {d: i for i, d in enumerate(docs["doc_id"].to_list())}
    rows_doc = np.array([index.get(d, -1) for d in doc_ids.tolist()])
    keep = rows_doc >= 0
    # aggregation matrix: documents × units, token weights normalised per document
    agg = sparse.csr_matrix((n_tok[keep], (rows_doc[keep], np.flatnonzero(keep))), shape=(n_docs, units.height))
    agg = sparse.diags(1.0 / np.asarray(agg.sum(axis=1)).ravel()) @ agg
    regions = docs["region"].to_numpy()
    sizes = docs.group_by("region").len()["len"].to_numpy()
    mixed = sizes.size >= 5 and int(sizes.max()) >= 2 and sizes.size < n_docs
    k = fit.theta.shape[1]
    from threadpoolctl import threadpool_limits

    limit = threadpool_limits(limits=1)  # single-thread BLAS: byte-identical fits and draws on any machine
    mean_props = np.asarray(agg @ fit.theta)
    ratios = np.zeros(k)
    failed: set[int] = set()
    if mixed:
        import statsmodels.api as sm
        from statsmodels.tools.sm_exceptions import ConvergenceWarning as SMConvergence

        for t in range(k):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", category=SMConvergence)
                warnings.simplefilter("ignore", category=RuntimeWarning)
                warnings.simplefilter("ignore", category=UserWarning)
                try:
                    res = sm.MixedLM(mean_props[:, t], X, groups=regions).fit(reml=True)
                except (np.linalg.LinAlgError, ValueError):  # singular variance components: no pooling
                    failed.add(t)
                    continue
            scale = float(res.scale)
            tau2 = float(np.asarray(res.cov_re).ravel()[0]) if np.size(res.cov_re) else 0.0
            ratios[t] = tau2 / scale if scale > 0 and np.isfinite(tau2) else 0.0
    rng = np.random.default_rng(seed)
    alpha = unit_posterior(fit, n_tok)
    draws = np.empty((n_draws, k, X.shape[1]))
    ops = [_gls_operator(X, regions if mixed else None, float(ratios[t])) for t in range(k)]
    for r in range(n_draws):
        g = rng.standard_gamma(alpha)
        theta = g / g.sum(axis=1, keepdims=True)
        props = np.asarray(agg @ theta)
        for t in range(k):
            beta, cov = _gls(props[:, t], X, ops[t])
            cov = (cov + cov.T) / 2
            draws[r, t] = rng.multivariate_normal(beta, cov, method="eigh")
    limit.unregister()
    a = (1 - ci) / 2
    est, sd = draws.mean(axis=0), draws.std(axis=0, ddof=1) if n_draws > 1 else np.zeros((k, X.shape[1]))
    lo, hi = np.quantile(draws, a, axis=0), np.quantile(draws, 1 - a, axis=0)
    lab = {} if labels is None else dict(zip(labels.filter(pl.col("model") == fit.model)["topic"], labels.filter(pl.col("model") == fit.model)["label"]))
    rows = [
        (fit.model, t, lab.get(t), cov, contrast, float(est[t, j]), float(sd[t, j]), float(lo[t, j]), float(hi[t, j]),
         n_docs, int(sizes.size) if mixed and t not in failed else None,
         "mixedlm" if mixed and t not in failed else ("ols (mixedlm failed: singular)" if mixed else "ols"), n_draws)
        for t in range(k)
        for j, (cov, contrast) in enumerate(names)
    ]
    return pl.DataFrame(rows, schema=TOPIC_EFFECTS.polars_schema, orient="row")


# ---------------------------------------------------------------------------------------------------
# Lexicon-seeded topics (topic_seeded)
# ---------------------------------------------------------------------------------------------------


def seeded_topics(
    dtm: DTM, lexicon_terms: pl.DataFrame, theme_units: pl.DataFrame, settings: TopicSettings
) -> pl.DataFrame:
    """NMF seeded with the theme lexicons, compared with the dictionary measure.

    How: one topic per theme lexicon whose terms occur in the vocabulary, plus ``seeded_free_topics`` free
    topics. NMF (coordinate descent on the same tf-idf) is fitted on the units plus one *pseudo-unit* per
    lexicon made of its seed words with l2 norm ``seeded_strength`` (a real unit's is 1), so the squared
    error weighs it like ``seeded_strength``² units and pulls the seeded topic towards its lexicon (a word
    prior by pseudo-counts, the NMF analogue of keyATM's keywords); the start is custom: a seeded topic's
    term weights are high on its seed words and a small floor elsewhere, free topics start from seeded
    random weights. Pseudo-units are dropped from the shares. ``seed_share_top`` shows how much of each
    seeded topic's top terms are seed words.

    Read the agreement with care: a seeded topic is pulled towards the lexicon's own words, so its
    correlation with the lexicon's hits is high partly by construction. What it adds is the non-seed words
    it gathers (terms the lexicon could add) and, above all, the free topics: what the corpus talks about
    that no lexicon looks for (``best_theme`` / ``best_rho`` show how weakly they touch the lexicons). Agreement with the dictionary measure is the
    Spearman correlation, over units, of the topic's share with the theme's lexicon hits per token.

    ``lexicon_terms``: theme, term (the lexicons' ``frame()``); ``theme_units``: unit_id, theme, hits
    (``theme_counts_per_unit``).
    """
    from scipy.stats import spearmanr
    from sklearn.decomposition import NMF
    from sklearn.exceptions import ConvergenceWarning
    from threadpoolctl import threadpool_limits

    vocab = {t: i for i, t in enumerate(dtm.vocab)}
    themes, seeds = [], []
    for (theme,), g in lexicon_terms.group_by("theme", maintain_order=True):
        idx = sorted({vocab[t] for t in g["term"].to_list() if t in vocab})
        if idx:
            themes.append(theme)
            seeds.append(idx)
    n_free = settings.seeded_free_topics
    k = len(themes) + n_free
    if not themes or k < 2 or dtm.X.shape[0] < k:
        return pl.DataFrame(schema=TOPIC_SEEDED.polars_schema)
    Xt = tfidf(dtm.X)
    V = Xt.shape[1]
    rng = np.random.default_rng(settings.seeded_seed)
    scale = float(np.sqrt(Xt.mean() / k))
    H0 = np.full((k, V), 1e-3 * scale)
    for t, idx in enumerate(seeds):
        H0[t, idx] = settings.seeded_strength * scale
    H0[len(themes) :] = scale * rng.random((n_free, V))
    # One pseudo-unit per lexicon holding its seed words (l2 norm seeded_strength, a real unit's is 1): the
    # squared error weighs it like seeded_strength² units, which keeps the seeded topic near its lexicon.
    pseudo = np.zeros((len(themes), V))
    for t, idx in enumerate(seeds):
        pseudo[t, idx] = settings.seeded_strength / np.sqrt(len(idx))
    Xa = sparse.vstack([Xt, sparse.csr_matrix(pseudo)]).tocsr()
    W0 = np.maximum(np.asarray(Xa @ H0.T), 1e-9)
    W0 *= scale / max(float(W0.mean()), 1e-12)
    with threadpool_limits(limits=1), warnings.catch_warnings():
        warnings.simplefilter("ignore", category=ConvergenceWarning)
        est = NMF(n_components=k, init="custom", solver="cd", max_iter=settings.nmf_max_iter, tol=1e-4)
        W = est.fit_transform(Xa, W=W0, H=H0)[: Xt.shape[0]]
    beta = _row_normalise(np.asarray(est.components_, dtype=np.float64))
    theta = _row_normalise(np.asarray(W, dtype=np.float64))
    n = dtm.units["n_tokens"].to_numpy().astype(float)
    prevalence = (theta * n[:, None]).sum(axis=0) / max(n.sum(), 1.0)
    all_themes = sorted(set(lexicon_terms["theme"].to_list()))
    rates = {}
    for theme in all_themes:
        sub = theme_units.filter(pl.col("theme") == theme)
        v = np.zeros(dtm.X.shape[0])
        v[sub["unit_id"].to_numpy()] = sub["hits"].to_numpy().astype(float)
        rates[theme] = v / np.where(n > 0, n, 1)
    top = top_terms(beta, settings.n_top)

    def rho(a: np.ndarray, b: np.ndarray) -> float | None:
        if np.ptp(a) == 0 or np.ptp(b) == 0:
            return None
        return float(spearmanr(a, b).statistic)

    rows = []
    for t in range(k):
        theme = themes[t] if t < len(themes) else None
        cors = {th: rho(theta[:, t], rates[th]) for th in all_themes}
        valid = [(c, th) for th, c in cors.items() if c is not None]
        best = max(valid, key=lambda x: (x[0], [-ord(ch) for ch in x[1]])) if valid else (None, None)
        seed_set = set(seeds[t]) if theme else set()
        rows.append(
            (
                t,
                theme,
                len(seed_set),
                float(np.mean([i in seed_set for i in top[t]])) if theme else None,
                " ".join(dtm.vocab[i] for i in top[t]),
                float(prevalence[t]),
                cors.get(theme) if theme else None,
                best[1],
                best[0],
                dtm.X.shape[0],
            )
        )
    return pl.DataFrame(rows, schema=TOPIC_SEEDED.polars_schema, orient="row")


# ---------------------------------------------------------------------------------------------------
# Reading the results (for the topics page)
# ---------------------------------------------------------------------------------------------------


def selection_statement(selection: pl.DataFrame) -> str:
    """One plain sentence on the model choice: the chosen model and k, and whether the choice holds
    (interior to the grid, and not flat), computed from ``model_selection``."""
    row = selection.filter(pl.col("primary") & pl.col("chosen")).row(0, named=True)
    ks = sorted(set(selection.filter(pl.col("primary"))["k"].to_list()))
    grid = f"k = {ks[0]}–{ks[-1]}" if len(ks) > 1 else f"k = {ks[0]}"
    head = f"The rule chose {row['model'].upper()} with k = {row['k']} (score {row['score']:.2f}) on a grid of {grid}"
    if not row["interior"]:
        where = "an edge of the grid, which could not be widened further"
        return f"{head}. The criterion peaks at {where}: the data do not pin k down, read the chosen k as a bound."
    if row["flat"]:
        margin = row["margin"]
        return (
            f"{head}. The criterion is flat: the chosen k beats the next best by only {margin:.3f} on the 0–1 score "
            f"(below flat_margin), so neighbouring k describe the corpus about as well."
        )
    return f"{head}. The choice is interior to the grid and beats the next best k by {row['margin']:.2f} on the 0–1 score."


def _wrap_excerpt(text: str | None, n: int = 120) -> str:
    piece = " ".join((text or "").split())
    return piece if len(piece) <= n else piece[:n].rstrip("…") + "…"


def topic_paragraphs(
    summary: pl.DataFrame,
    representatives: pl.DataFrame,
    *,
    model: str,
    alignment: pl.DataFrame | None = None,
    effects: pl.DataFrame | None = None,
    n_passages: int = 3,
    excerpt_chars: int = 120,
) -> str:
    """Markdown describing each topic of ``model``, computed from the tables (a template, no judgement):
    its label, top and FREX terms, a short paragraph (prevalence, coherence, stability, the Outline system
    and theme it leans to, its clearest covariate effect) and ``n_passages`` short representative passages.
    Markdown wraps, so long passages never run off the page.
    """
    out = []
    summ = summary.filter(pl.col("model") == model).sort("topic")
    for r in summ.iter_rows(named=True):
        t = r["topic"]
        parts = [
            f"It holds {r['prevalence']:.1%} of the corpus's tokens; coherence (NPMI) {r['coherence']:.2f}"
            + (f", stability across seeds {r['stability']:.2f}" if r["stability"] is not None else "")
            + "."
        ]
        if r["system"]:
            parts.append(f"Its most representative sections sit in the Outline system {r['system']} ({r['system_share']:.0%}).")
        if alignment is not None and alignment.height:
            th = (
                alignment.filter((pl.col("model") == model) & (pl.col("topic") == t) & (pl.col("kind") == "theme"))
                .drop_nulls("lift")
                .sort(["lift", "target"], descending=[True, False])
            )
            if th.height and th["lift"][0] >= 1.5:
                parts.append(f"It carries the {th['target'][0]} lexicon at {th['lift'][0]:.1f}× the corpus rate.")
        if effects is not None and effects.height:
            eff = (
                effects.filter((pl.col("model") == model) & (pl.col("topic") == t) & (pl.col("covariate") != "intercept"))
                .filter((pl.col("lo") > 0) | (pl.col("hi") < 0))
                .with_columns(size=pl.col("estimate").abs())
                .sort(["size", "contrast"], descending=[True, False])
            )
            if eff.height:
                e = eff.row(0, named=True)
                parts.append(
                    f"Its clearest covariate effect: {e['covariate']} {e['contrast']}, {e['estimate']:+.1%} of a document's "
                    f"text ({e['lo']:+.1%} to {e['hi']:+.1%})."
                )
            else:
                parts.append("No covariate contrast's interval excludes zero.")
        reps = representatives.filter((pl.col("model") == model) & (pl.col("topic") == t)).sort("rank").head(n_passages)
        passages = "\n".join(
            f"> {_wrap_excerpt(p['excerpt'], excerpt_chars)}  \n> — {p['doc_id']} ({p['level']}"
            + (f", {p['path']}" if p["path"] else "")
            + f"; share {p['share']:.2f})\n>"
            for p in reps.iter_rows(named=True)
        )
        out.append(
            f"### Topic {t}: {r['label']}\n\n"
            f"**Top terms:** {r['top_terms']}  \n**FREX terms:** {r['frex_terms']}\n\n"
            + " ".join(parts)
            + "\n\n"
            + passages
            + "\n"
        )
    return "\n".join(out)


# ---------------------------------------------------------------------------------------------------
# The stage
# ---------------------------------------------------------------------------------------------------


def selection_sample(
    n_units: int, max_units: int, seed: int = 0, strata: Sequence[str] | None = None
) -> np.ndarray | None:
    """The units model selection runs on: a seeded sample of ``max_units`` of the ``n_units`` rows of the
    matrix (sorted row indices), or None (all units) when there are no more than ``max_units`` units or
    ``max_units`` is 0.

    The grid (every k × every seed × every model) is what makes the stage expensive; its diagnostics
    (coherence, exclusivity, stability) are properties of the corpus's vocabulary structure that a few
    thousand units already show, so on a large corpus they are measured on a sample and the chosen k is
    then fitted on every unit.

    Without ``strata`` the sample is a simple random sample. With ``strata`` (one label per unit: the
    level of government by default, see ``TopicSettings.selection_stratify``) it is stratified: every
    stratum first gets ``min(its size, max_units // (2 × number of strata))`` units, so that a thin
    level (a few county documents among thousands of provincial ones) still shapes the choice of k,
    and the rest of ``max_units`` is shared in proportion to what each stratum has left (largest
    remainders, ties to the earlier label). The sample depends only on the sizes, the labels,
    ``max_units`` and ``seed``.
    """
    if max_units <= 0 or n_units <= max_units:
        return None
    rng = np.random.default_rng(seed)
    if strata is None:
        return np.sort(rng.choice(n_units, size=max_units, replace=False))
    labels = np.asarray(strata, dtype=object)
    if labels.shape != (n_units,):
        raise ValueError(f"strata has {labels.shape[0]} labels for {n_units} units")
    names = sorted(set(labels.tolist()))
    members = [np.flatnonzero(labels == name) for name in names]
    sizes = np.array([m.size for m in members])
    floor = np.minimum(sizes, max_units // (2 * len(names)))
    left = sizes - floor
    rest = max_units - int(floor.sum())
    share = rest * left / left.sum()
    extra = np.floor(share).astype(np.int64)
    # largest remainders; a stable sort keeps the earlier label first on ties
    order = np.argsort(-(share - extra), kind="stable")
    extra[order[: rest - int(extra.sum())]] += 1
    take = floor + extra
    chosen = [rng.choice(m, size=int(t), replace=False) for m, t in zip(members, take)]
    return np.sort(np.concatenate(chosen))


def selection_rows(dtm: DTM, settings: TopicSettings) -> np.ndarray | None:
    """``selection_sample`` of this matrix's units under ``settings`` (stratified by the units' column
    ``settings.selection_stratify`` unless it is empty)."""
    col = settings.selection_stratify
    strata = None
    if col:
        if col not in dtm.units.columns:
            raise ValueError(f"selection_stratify: units have no column {col!r} (they have {dtm.units.columns})")
        strata = dtm.units[col].cast(pl.String).fill_null("").to_list()
    return selection_sample(dtm.X.shape[0], settings.selection_max_units, settings.selection_seed, strata)


def subset_dtm(dtm: DTM, rows: np.ndarray) -> DTM:
    """The matrix restricted to some of its rows (same vocabulary and column order; units renumbered 0..)."""
    units = dtm.units[rows.tolist()].with_columns(unit_id=pl.arange(0, rows.size, dtype=pl.Int32))
    return DTM(X=dtm.X[rows], vocab=dtm.vocab, units=units, unit=dtm.unit, pruning=dict(dtm.pruning))


#: The ``topic_settings`` key whose value says why no model was fitted (present only then).
SKIPPED_KEY = "skipped"


def skip_reason(dtm: DTM, s: TopicSettings) -> str:
    """Why a matrix is too small to fit topics: its shape and what pruning removed, in one line."""
    p = dtm.pruning
    n_units, n_terms = dtm.X.shape
    why = [f"the document-term matrix has {n_units} unit(s) × {n_terms} term(s); a topic model needs at least 3 × 3"]
    if p.get("kept_tokens", 0) and p.get("boilerplate_tokens", 0) >= p.get("kept_tokens", 0):
        why.append("boilerplate exclusion removed every token (topics.exclude_boilerplate = false keeps them)")
    elif p.get("units_before", 0) and not p.get("units_after", 0):
        why.append(f"no {s.unit} has {s.min_unit_tokens} kept tokens and terms shared by {s.min_df} of them")
    elif not p.get("kept_tokens", 0):
        why.append("no token was kept")
    return "no topic model was fitted: " + "; ".join(why)


def topics_skipped(settings: pl.DataFrame) -> str | None:
    """The reason recorded in a ``topic_settings`` table when no topic model was fitted, else None."""
    rows = settings.filter(pl.col("key") == SKIPPED_KEY)["value"]
    return rows[0] if rows.len() else None


def notebook_guard(settings: pl.DataFrame) -> str | None:
    """In a notebook: when no topic model was fitted, print the recorded reason and turn the rest of the
    notebook's code cells into no-ops (so the page shows the reason instead of failing); returns it.

    Outside IPython it only returns the reason (None when models were fitted).
    """
    reason = topics_skipped(settings)
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover -- IPython comes with the notebook dependencies
        get_ipython = None
    ip = get_ipython() if get_ipython is not None else None
    if ip is not None:  # a guard of an earlier run (tables since rebuilt) goes first
        ip.input_transformers_post[:] = [f for f in ip.input_transformers_post if f is not _skip_cell]
    if reason is None:
        return None
    print(reason)
    if ip is not None:
        ip.input_transformers_post.append(_skip_cell)
    return reason


def _skip_cell(lines: list[str]) -> list[str]:
    """IPython input transformer of ``notebook_guard``: a cell becomes a no-op, except the guard's own cell
    (so that re-running it after a new build lifts the guard)."""
    if any("notebook_guard(" in line for line in lines):
        return lines
    return ["pass  # no topic model was fitted: see the reason above\n"]


def run_topics(
    tokens: pl.DataFrame,
    *,
    sections: pl.DataFrame | None = None,
    sentences: pl.DataFrame | None = None,
    documents: pl.DataFrame | None = None,
    boilerplate: pl.DataFrame | None = None,
    theme_hits: pl.DataFrame | None = None,
    settings: TopicSettings | None = None,
    jobs: int | None = None,
    timings: dict[str, float] | None = None,
) -> dict[str, pl.DataFrame]:
    """The whole topic stage on tables in memory: matrix, grid, selection, description. See the module doc.

    Parameters
    ----------
    jobs
        At most this many worker processes for the grid (default ``settings.jobs``); the grid stays serial
        when it fits fewer than ``settings.parallel_min_units`` units. Results do not depend on it.
    timings
        If given, filled with the seconds spent in each step (for benchmarks; never written to a table).
    """
    import time

    s = settings or TopicSettings()
    clock = [time.perf_counter()]

    def lap(step: str) -> None:
        now = time.perf_counter()
        if timings is not None:
            timings[step] = timings.get(step, 0.0) + now - clock[0]
        clock[0] = now

    dtm = document_term_matrix(
        tokens, sections=sections, sentences=sentences, documents=documents, boilerplate=boilerplate, settings=s
    )
    lap("matrix")
    if dtm.X.shape[0] < 3 or dtm.X.shape[1] < 3:
        out = {t.name: pl.DataFrame(schema=t.polars_schema) for t in _STAGE_TABLES}
        reason = pl.DataFrame({"key": [SKIPPED_KEY], "value": [skip_reason(dtm, s)]})
        out["topic_settings"] = pl.concat([s.as_table(), reason])
        return out
    n_all = dtm.X.shape[0]
    rows = selection_rows(dtm, s)
    grid_dtm = dtm if rows is None else subset_dtm(dtm, rows)
    n_grid = grid_dtm.X.shape[0]
    workers = jobs or s.jobs
    if n_grid < s.parallel_min_units:
        workers = 1
    grid = fit_grid(grid_dtm, s, jobs=workers, n_units_all=n_all)
    lap("grid")
    k = int(grid.selection.filter(pl.col("chosen"))["k"][0])
    runs = grid.runs
    finals: dict[str, tuple[TopicFit, np.ndarray, np.ndarray | None]] = {}
    Xt_all = tfidf(dtm.X) if rows is not None and "nmf" in s.models else None
    for m in s.models:
        medoid_seed = int(runs.filter((pl.col("model") == m) & (pl.col("k") == k) & pl.col("medoid"))["seed"][0])
        chosen = grid.fits[(m, k, medoid_seed)]
        stab = grid.per_topic_stability[(m, k)][list(s.seeds).index(medoid_seed)]
        if rows is None:
            finals[m] = (chosen, stab, None)
        else:
            # The final model sees every unit, under the medoid run's seed. Its topics are paired with the
            # medoid run's by Hungarian matching, which carries each topic's stability over and records how
            # closely the full-corpus topic reproduces the one model selection saw.
            fit = fit_topic_model(dtm.X, k, model=m, seed=medoid_seed, settings=s, X_tfidf=Xt_all)
            perm, sims = match_topics(fit.beta, chosen.beta)
            finals[m] = (fit, stab[perm], sims)
    lap("final fits")
    described: dict[str, list[pl.DataFrame]] = {}
    theme_units = theme_counts_per_unit(theme_hits, dtm)
    aligned = []
    for m in s.models:
        fit, stab, match = finals[m]
        d = describe_fit(fit, dtm, s, per_topic_stability=stab, sample_match=match, documents=documents)
        for name, df in d.items():
            described.setdefault(name, []).append(df)
        labels = d["topic_summary"].select("model", "topic", "label")
        aligned.append(alignment(fit, dtm, theme_units, labels))
    tables = {name: pl.concat(dfs) for name, dfs in described.items()}
    labels = tables["topic_summary"].select("model", "topic", "label")
    lap("description and alignment")
    tables["topic_prevalence"] = prevalence_by_level(
        tables["doc_topics"], labels, n_bootstrap=s.n_bootstrap, ci=s.ci, seed=s.bootstrap_seed
    )
    lap("prevalence bootstrap")
    tables["topic_alignment"] = pl.concat(aligned).sort("model", "topic", "kind", "target")
    primary = str(grid.selection.filter(pl.col("primary"))["model"][0])
    tables["topic_effects"] = topic_effects(
        finals[primary][0], dtm, documents, labels, n_draws=s.effects_draws, seed=s.effects_seed, ci=s.ci
    )
    lap("covariate effects")
    tables["topic_seeded"] = pl.DataFrame(schema=TOPIC_SEEDED.polars_schema)
    if s.seeded:
        from .themes import default_lexicons

        tables["topic_seeded"] = seeded_topics(dtm, default_lexicons().frame(), theme_units, s)
    lap("seeded topics")
    tables["model_selection"] = grid.selection
    tables["topic_runs"] = runs
    junk = {key: str(v) for key, v in dtm.pruning.items() if key.startswith("junk_tokens_")}
    derived = pl.DataFrame(
        {
            "key": [
                "selection_sampled",
                "selection_units",
                "final_units",
                "lda_method_selection",
                "lda_method_final",
                "primary_model_used",
                "k_grid_fitted",
                *junk,
            ],
            "value": [
                str(rows is not None),
                str(n_grid),
                str(n_all),
                lda_method(n_grid, s),
                lda_method(n_all, s),
                primary,
                str(sorted(set(grid.selection["k"].to_list()))),
                *junk.values(),
            ],
        }
    )
    tables["topic_settings"] = pl.concat([s.as_table(), derived])
    order = {
        "topics": ["model", "topic", "ranking", "rank"],
        "topic_summary": ["model", "topic"],
        "doc_topics": ["model", "unit_id", "topic"],
        "topic_representatives": ["model", "topic", "rank"],
    }
    for name, keys in order.items():
        tables[name] = tables[name].sort(keys)
    return {t.name: tables[t.name] for t in _STAGE_TABLES}


_STAGE_TABLES = (
    TOPICS,
    DOC_TOPICS,
    MODEL_SELECTION,
    TOPIC_RUNS,
    TOPIC_SUMMARY,
    TOPIC_REPRESENTATIVES,
    TOPIC_PREVALENCE,
    TOPIC_ALIGNMENT,
    TOPIC_EFFECTS,
    TOPIC_SEEDED,
    TOPIC_SETTINGS,
)


if TYPE_CHECKING:
    from .pipeline import BuildContext


def build_stage(ctx: BuildContext) -> dict[str, pl.DataFrame]:
    """Pipeline stage: the topic tables from ``ctx.tables`` (tokens, sections, sentences, documents,
    boilerplate, theme_hits). Settings: ``TopicSettings`` defaults overridden by ``ctx.settings["topics"]``.
    """
    s = ctx.settings.topics
    t = ctx.tables
    if "tokens" not in t:
        ctx.log("topics: no tokens table; topic tables left empty")
        out = {tab.name: pl.DataFrame(schema=tab.polars_schema) for tab in _STAGE_TABLES}
        out["topic_settings"] = s.as_table()
        return out
    # Fits are independent and single-threaded, so the grid may run across the build's worker processes
    # (results do not depend on the number of workers); run_topics keeps it serial when the grid fits fewer
    # than settings.parallel_min_units units, where starting spawned workers costs more than the fits.
    jobs = s.jobs if s.jobs != 1 else max(1, ctx.jobs)
    out = run_topics(
        t["tokens"],
        sections=t.get("sections"),
        sentences=t.get("sentences"),
        documents=t.get("documents"),
        boilerplate=t.get("boilerplate"),
        theme_hits=t.get("theme_hits"),
        settings=s,
        jobs=jobs,
    )
    reason = topics_skipped(out["topic_settings"])
    if reason is not None:
        ctx.note("topics", reason)
    return out


__all__ = [
    "DTM",
    "SKIPPED_KEY",
    "GridResult",
    "TopicFit",
    "TopicSettings",
    "alignment",
    "build_stage",
    "cosine_matrix",
    "describe_fit",
    "document_term_matrix",
    "effect_design",
    "exclusivity",
    "fit_grid",
    "fit_topic_model",
    "frex",
    "junk_kind",
    "junk_rules",
    "lda_method",
    "match_topics",
    "notebook_guard",
    "npmi_coherence",
    "prevalence_by_level",
    "propose_label",
    "run_topics",
    "seeded_topics",
    "select_k",
    "selection_rows",
    "selection_sample",
    "selection_statement",
    "stability",
    "subset_dtm",
    "skip_reason",
    "theme_counts_per_unit",
    "top_terms",
    "topics_skipped",
    "topic_effects",
    "topic_paragraphs",
    "unit_posterior",
    "widen_k",
]
