"""Topic models: LDA and NMF over sections, with model selection, stability, prevalence, covariate effects.

In: the ``tokens`` table (bag of words: ``keep == True``), ``sections`` (unit boundaries, path, Outline
``system``), ``sentences`` (paragraphs), ``documents`` (level of government), optionally ``boilerplate``
(sentences recurring across documents, excluded by default) and ``theme_hits`` (for alignment).
Out: ``topics`` (terms per topic), ``doc_topics`` (unit × topic shares), ``model_selection`` (one row per
model and k), ``topic_runs`` (one row per model, k and seed), ``topic_summary``, ``topic_representatives``,
``topic_prevalence``, ``topic_alignment``, ``topic_effects`` (declared in ``fazhi.schema``) and
``topic_settings``.

How it works, step by step (every step a public function, so a reviewer can re-run any of them; modules:
``settings``, ``matrix`` (step 1), ``fitting`` (2, 5), ``diagnostics`` (3, 4), ``describe`` (6, 9),
``effects`` (8), ``seeded`` (7), ``stage`` (the chain, ``run_topics`` and ``build_stage``)):

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
the former defaults (grid of 5 k × 5 seeds × 2 models on all units, batch LDA ~9 s a fit), 22 s of CPU in
2026-12 before the split into this package, about 13 s now (the rest of that build: about 15 s of CPU with
the token cache): selection on a 600-unit sample (``selection_max_units``), 3 seeds (``seeds``; stability
over 3 pairs), LDA through ``partial_fit`` (no closing E-step and bound inside scikit-learn's ``fit``) with
one E-step shared by the shares and a vectorised perplexity (``lda_perplexity``),
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

from .describe import (
    BOOTSTRAP_DENSE_MAX,
    GLOSSARY_FILE,
    alignment,
    choice_report,
    describe_fit,
    english_label,
    glossary,
    prevalence_by_level,
    propose_label,
    selection_statement,
    term_overlap,
    theme_counts_per_unit,
    topic_paragraphs,
)
from .diagnostics import (
    cosine_matrix,
    exclusivity,
    frex,
    match_topics,
    npmi_coherence,
    stability,
    top_terms,
)
from .effects import (
    EFFECT_COVARIATES,
    effect_design,
    topic_effects,
    unit_posterior,
)
from .fitting import (
    SELECTION_RULE,
    GridResult,
    TopicFit,
    fit_grid,
    fit_topic_model,
    lda_method,
    lda_perplexity,
    select_k,
    tfidf,
    widen_k,
)
from .matrix import (
    DTM,
    JunkRules,
    document_term_matrix,
    junk_kind,
    junk_rules,
    selection_rows,
    selection_sample,
    subset_dtm,
)
from .seeded import (
    SeededFit,
    fit_seeded,
    seeded_topics,
)
from .settings import (
    JUNK_FILE,
    MODELS,
    UNITS,
    TopicSettings,
)
from .stage import (
    SKIPPED_KEY,
    build_stage,
    final_fits,
    notebook_guard,
    run_topics,
    skip_reason,
    topics_skipped,
)

__all__ = [
    "BOOTSTRAP_DENSE_MAX",
    "DTM",
    "EFFECT_COVARIATES",
    "GLOSSARY_FILE",
    "JUNK_FILE",
    "MODELS",
    "SELECTION_RULE",
    "SKIPPED_KEY",
    "UNITS",
    "GridResult",
    "JunkRules",
    "SeededFit",
    "TopicFit",
    "TopicSettings",
    "alignment",
    "build_stage",
    "choice_report",
    "cosine_matrix",
    "describe_fit",
    "document_term_matrix",
    "effect_design",
    "english_label",
    "exclusivity",
    "final_fits",
    "fit_grid",
    "fit_seeded",
    "fit_topic_model",
    "frex",
    "glossary",
    "junk_kind",
    "junk_rules",
    "lda_method",
    "lda_perplexity",
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
    "skip_reason",
    "stability",
    "subset_dtm",
    "term_overlap",
    "tfidf",
    "theme_counts_per_unit",
    "top_terms",
    "topic_effects",
    "topic_paragraphs",
    "topics_skipped",
    "unit_posterior",
    "widen_k",
]
