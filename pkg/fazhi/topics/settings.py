"""Settings of the topic stage: one frozen, validated dataclass.

In: overrides from ``BuildSettings.topics`` (the ``[topics]`` section of the build settings) or keyword
arguments. Out: ``TopicSettings`` and its ``topic_settings`` table (key, value). How: dataclass defaults,
replaced by the overrides; unknown keys and impossible values raise ``ValueError``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

import polars as pl

from ..schema import frame as table_frame

UNITS = ("section", "paragraph", "document")
MODELS = ("lda", "nmf")
JUNK_FILE = "topic_junk.toml"  #: the junk rules of the topic stage, in pkg/fazhi/data/


@dataclass(frozen=True)
class TopicSettings:
    """Everything that changes the topic stage's results. Set as ``BuildSettings.topics`` (``[topics]`` of a
    settings file).

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
    #: the matrix has more (0 = always all units); the final models at the chosen k are fitted on all units.
    #: 1,000 until 2026-12: on the government work reports 600 units chose the same model and k (NMF, 10,
    #: interior) for 4.7 s less CPU; the choice among k = 10-14 moves with the sample's seed at 1,000 too
    selection_max_units: int = 600
    selection_seed: int = 0  #: seed of that sample
    #: column of the units the sample is stratified by ("level": each level of government keeps a floor
    #: share; "" = simple random sample)
    selection_stratify: str = "level"
    jobs: int = (
        1  #: worker processes for the grid (1 = use the build's jobs); results are identical for any value
    )
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
            raise ValueError(
                f"lda_learning_method must be auto, batch or online, not {s.lda_learning_method!r}"
            )
        return s

    def as_table(self) -> pl.DataFrame:
        """The settings as a (key, value) table, in field order."""
        rows = [(k, str(list(v)) if isinstance(v, tuple) else str(v)) for k, v in asdict(self).items()]
        return table_frame("topic_settings", rows)
