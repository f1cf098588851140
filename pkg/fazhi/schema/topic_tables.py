"""Tables of the topics stage (``fazhi.topics``): models, document topics, selection, effects, seeding.

In: ``base.table`` and the category enums. Out: ``TOPIC_EFFECTS``, ``TOPICS``, ``DOC_TOPICS`` … registered
in ``TABLES``.
How: one ``table(...)`` declaration each; ``topic_effects`` first, as the Data page lists it.
"""

from __future__ import annotations

import polars as pl

from .base import LEVEL, THEME, table

# Declared here (not in fazhi.topics) so that the table's contract is with the other shared tables; the topic
# stage (fazhi.topics.topic_effects) writes it.
TOPIC_EFFECTS = table(
    "topic_effects",
    (
        "one covariate contrast × one topic of the primary topic model: the effect on the documents' topic "
        "proportions"
    ),
    ("model", pl.String, "the primary model (lda or nmf)"),
    ("topic", pl.Int32, "topic number"),
    ("label", pl.String, "the topic's label"),
    ("covariate", pl.String, "intercept, level, doc_type or year"),
    (
        "contrast",
        pl.String,
        (
            "what the estimate compares: '<value> − <reference>' (categorical; the reference is the most "
            "common value), "
            "'per 10 years' (year, centred), or 'reference document' (intercept)"
        ),
    ),
    (
        "estimate",
        pl.Float64,
        "mean over the composed draws: change in the topic's share of a document's tokens",
    ),
    ("se", pl.Float64, "standard deviation of the composed draws (regression and topic-model uncertainty)"),
    ("lo", pl.Float64, "lower bound of the interval (quantile of the composed draws at (1 − ci) / 2)"),
    ("hi", pl.Float64, "upper bound (quantile at 1 − (1 − ci) / 2)"),
    (
        "n_docs",
        pl.Int32,
        "documents in the regression (those with units in the matrix and every covariate used)",
    ),
    ("n_groups", pl.Int32, "jurisdictions (regions) of the random intercept; null for OLS"),
    (
        "method",
        pl.String,
        "mixedlm (random intercept per region, partial pooling), ols, or 'ols (mixedlm failed: singular)'",
    ),
    ("n_draws", pl.Int32, "draws from the document-topic posterior (method of composition)"),
)


TOPICS = table(
    "topics",
    "one term of one topic of a fitted model (the chosen k), ranked by probability or by FREX",
    ("model", pl.String, "lda or nmf"),
    ("k", pl.Int32, "number of topics of the model (the chosen k)"),
    ("topic", pl.Int32, "topic number, 0..k-1 (the medoid run's own numbering)"),
    ("label", pl.String, "label proposed by fazhi.topics.propose_label (system · three FREX terms)"),
    ("ranking", pl.String, "prob (ranked by P(term | topic)) or frex (ranked by FREX)"),
    ("rank", pl.Int32, "1 = first term of this ranking"),
    ("term", pl.String, "the term (a token of the tokens table)"),
    ("prob", pl.Float64, "P(term | topic): the topic's normalised topic-word weights"),
    ("exclusivity", pl.Float64, "P(term | topic) / sum over topics of P(term | topic)"),
    ("frex", pl.Float64, "FREX: weighted harmonic mean of the term's frequency and exclusivity ECDF ranks"),
)

DOC_TOPICS = table(
    "doc_topics",
    "one unit (section, paragraph or document) × one topic of a fitted model (the chosen k)",
    ("model", pl.String, "lda or nmf"),
    ("unit", pl.String, "section, paragraph or document"),
    ("unit_id", pl.Int32, "the unit's number in the document-term matrix (0.., document order)"),
    ("doc_id", pl.String, "the document"),
    (
        "section_id",
        pl.Int32,
        "the section (section units; the paragraph's section for paragraphs; null for documents)",
    ),
    ("paragraph_id", pl.Int32, "the paragraph (paragraph units only)"),
    ("level", LEVEL, "the document's level of government"),
    (
        "system",
        pl.String,
        "the Outline system of the unit (majority of its tokens' sections; null when none)",
    ),
    ("path", pl.String, "the section's path in the outline (section and paragraph units)"),
    ("n_tokens", pl.Int64, "kept tokens of the unit that are in the pruned vocabulary"),
    ("topic", pl.Int32, "topic number"),
    ("share", pl.Float64, "the unit's share of the topic (LDA: theta; NMF: row-normalised W); rows sum to 1"),
)

MODEL_SELECTION = table(
    "model_selection",
    "one model family × one k of the grid, summarised over the seeds",
    ("model", pl.String, "lda or nmf"),
    ("k", pl.Int32, "number of topics"),
    ("n_seeds", pl.Int32, "number of seeds fitted"),
    (
        "n_units",
        pl.Int32,
        "units the grid's fits saw: all units, or the seeded selection sample (selection_max_units)",
    ),
    (
        "n_units_all",
        pl.Int32,
        "units of the matrix; the final models at the chosen k are fitted on all of them",
    ),
    ("coherence", pl.Float64, "NPMI coherence of the top terms, mean over topics and seeds (-1..1)"),
    ("coherence_sd", pl.Float64, "standard deviation of the per-seed coherence"),
    ("exclusivity", pl.Float64, "mean FREX of each topic's top terms, mean over topics and seeds (0..1)"),
    ("perplexity", pl.Float64, "in-sample perplexity, mean over seeds (LDA only; null for NMF)"),
    ("stability", pl.Float64, "mean Hungarian-matched cosine similarity of topics over all pairs of seeds"),
    ("stability_min", pl.Float64, "the least stable pair of seeds' mean matched similarity"),
    ("score", pl.Float64, "the selection score: mean of min-max scaled coherence, exclusivity, stability"),
    (
        "primary",
        pl.Boolean,
        "the row's model is the primary model (chosen by the rule when primary_model = auto)",
    ),
    (
        "chosen",
        pl.Boolean,
        "the k chosen by the rule (true on the primary model's row and the same k of others)",
    ),
    (
        "interior",
        pl.Boolean,
        "the chosen k lies strictly inside the (widened) grid; false: the criterion peaks at an edge",
    ),
    ("margin", pl.Float64, "the chosen row's score minus the best score of the primary model's other k"),
    ("flat", pl.Boolean, "margin below flat_margin: the criterion is flat and does not pin k down"),
    ("rule", pl.String, "the selection rule, in words"),
)

TOPIC_RUNS = table(
    "topic_runs",
    "one fit: model × k × seed",
    ("model", pl.String, "lda or nmf"),
    ("k", pl.Int32, "number of topics"),
    ("seed", pl.Int32, "random seed of the fit"),
    ("coherence", pl.Float64, "NPMI coherence of the top terms, mean over topics"),
    ("exclusivity", pl.Float64, "mean FREX of the top terms, mean over topics"),
    ("perplexity", pl.Float64, "in-sample perplexity (LDA only)"),
    ("stability", pl.Float64, "mean matched similarity of this run to the other seeds' runs"),
    ("n_iter", pl.Int32, "iterations run"),
    (
        "medoid",
        pl.Boolean,
        "the run kept to describe this model and k (highest stability; ties: lowest seed)",
    ),
    ("n_units", pl.Int32, "units the fit saw (all units, or the seeded selection sample)"),
)

TOPIC_SUMMARY = table(
    "topic_summary",
    "one topic of a fitted model (the chosen k)",
    ("model", pl.String, "lda or nmf"),
    ("k", pl.Int32, "number of topics"),
    ("topic", pl.Int32, "topic number"),
    ("label", pl.String, "label proposed by propose_label"),
    (
        "system",
        pl.String,
        "Outline system dominating the topic's top units (null when none reaches the threshold)",
    ),
    ("system_share", pl.Float64, "share-weighted share of the top units that sit in that system"),
    ("prevalence", pl.Float64, "the topic's share of all tokens of the corpus (token-weighted mean share)"),
    ("coherence", pl.Float64, "NPMI coherence of the topic's top terms"),
    ("exclusivity", pl.Float64, "mean FREX of the topic's top terms"),
    (
        "stability",
        pl.Float64,
        "mean matched cosine similarity of this topic to its partner in the other seeds' runs",
    ),
    ("top_terms", pl.String, "top terms by probability, space-separated"),
    ("frex_terms", pl.String, "top terms by FREX, space-separated"),
    (
        "sample_match",
        pl.Float64,
        (
            "cosine similarity to the matched topic of the medoid run on the selection sample (1 when "
            "selection used all units)"
        ),
    ),
)

TOPIC_REPRESENTATIVES = table(
    "topic_representatives",
    "one of the units with the highest share of a topic",
    ("model", pl.String, "lda or nmf"),
    ("topic", pl.Int32, "topic number"),
    ("rank", pl.Int32, "1 = the unit with the highest share"),
    ("unit_id", pl.Int32, "the unit (see doc_topics)"),
    ("doc_id", pl.String, "the document"),
    ("level", LEVEL, "level of government"),
    ("path", pl.String, "the section's path"),
    ("system", pl.String, "the unit's Outline system"),
    ("share", pl.Float64, "the unit's share of the topic"),
    ("n_tokens", pl.Int64, "tokens of the unit in the vocabulary"),
    ("start", pl.Int64, "offset of the unit's first token in documents.text"),
    ("end", pl.Int64, "offset after the unit's last token"),
    ("excerpt", pl.String, "the beginning of the unit's text, whitespace collapsed"),
)

TOPIC_PREVALENCE = table(
    "topic_prevalence",
    "one topic × one level of government: the topic's share of the level's tokens, with a bootstrap interval",
    ("model", pl.String, "lda or nmf"),
    ("topic", pl.Int32, "topic number"),
    ("label", pl.String, "the topic's label"),
    ("level", LEVEL, "level of government"),
    ("n_docs", pl.Int32, "documents of that level"),
    ("n_units", pl.Int32, "units of that level"),
    ("share", pl.Float64, "token-weighted mean share of the topic over the level's units"),
    ("lo", pl.Float64, "lower bound of the bootstrap percentile interval (units resampled within documents)"),
    ("hi", pl.Float64, "upper bound"),
)

TOPIC_ALIGNMENT = table(
    "topic_alignment",
    "one topic × one theme (lexicon hits) or Outline system (section labels)",
    ("model", pl.String, "lda or nmf"),
    ("topic", pl.Int32, "topic number"),
    ("label", pl.String, "the topic's label"),
    ("kind", pl.String, "theme (theme_hits lexicon matches) or system (sections' Outline system)"),
    ("target", pl.String, "theme id or system id"),
    (
        "value",
        pl.Float64,
        (
            "theme: hits per 1,000 tokens of the topic's text; system: share of the topic's tokens in that "
            "system"
        ),
    ),
    ("lift", pl.Float64, "value / the same quantity over the whole corpus (1 = no association)"),
)

TOPIC_SETTINGS = table(
    "topic_settings",
    "one setting of the topic stage as it was used (defaults merged with ctx.settings['topics']), then what "
    "the "
    "run derived from them: selection_sampled, selection_units, final_units, lda_method_selection, "
    "lda_method_final, "
    "primary_model_used, k_grid_fitted and junk_tokens_pinyin / _furniture / _places (tokens the junk "
    "filter dropped)",
    ("key", pl.String, "setting name (see fazhi.topics.TopicSettings)"),
    ("value", pl.String, "its value, as JSON-ish text"),
)

TOPIC_SEEDED = table(
    "topic_seeded",
    "one topic of the lexicon-seeded NMF: a seeded topic (one per theme lexicon) or a free topic",
    (
        "topic",
        pl.Int32,
        "topic number: the seeded topics first, in the lexicons' order, then the free topics",
    ),
    ("theme", THEME, "the theme lexicon that seeded the topic; null for a free topic"),
    ("n_seed_terms", pl.Int32, "lexicon terms found in the matrix's vocabulary (the seed words)"),
    (
        "seed_share_top",
        pl.Float64,
        "share of the topic's top terms that are seed words (how far it kept its seed)",
    ),
    ("top_terms", pl.String, "top terms by weight, space-separated"),
    ("prevalence", pl.Float64, "the topic's token-weighted share of the corpus"),
    (
        "dictionary_rho",
        pl.Float64,
        "Spearman correlation over units of the topic's share and the theme's lexicon hits per token",
    ),
    (
        "best_theme",
        pl.String,
        "the theme whose hits per token correlate best with the topic's share (free topics too)",
    ),
    ("best_rho", pl.Float64, "that correlation"),
    ("n_units", pl.Int32, "units of the matrix"),
)

TOPIC_SEEDED_VALIDATION = table(
    "topic_seeded_validation",
    "one measure of one theme against the coded paragraphs of the validation sample (fazhi.topics.validate)",
    ("theme", pl.String, "the coded theme"),
    (
        "measure",
        pl.String,
        "seeded_topic (topic share ≥ threshold), dictionary (≥ 1 lexicon hit) or present (fazhi.themes)",
    ),
    (
        "topic",
        pl.Int32,
        "the seeded topic of the theme (topic_seeded.topic); null for the dictionary measures",
    ),
    (
        "threshold",
        pl.Float64,
        "share of a paragraph the topic needs to call it the theme; null for the others",
    ),
    ("n", pl.Int64, "coded paragraphs"),
    ("coded", pl.Int64, "paragraphs the coders gave the theme"),
    ("predicted", pl.Int64, "paragraphs the measure gives the theme"),
    ("precision", pl.Float64, "share of the predicted paragraphs coded as the theme"),
    ("precision_lo", pl.Float64, "lower bound of its 95% bootstrap interval (paragraphs resampled)"),
    ("precision_hi", pl.Float64, "upper bound"),
    ("recall", pl.Float64, "share of the coded paragraphs the measure finds"),
    ("recall_lo", pl.Float64, "lower bound of its 95% bootstrap interval"),
    ("recall_hi", pl.Float64, "upper bound"),
    ("f1", pl.Float64, "harmonic mean of precision and recall"),
    ("f1_lo", pl.Float64, "lower bound of its 95% bootstrap interval"),
    ("f1_hi", pl.Float64, "upper bound"),
    ("no_vocab", pl.Int64, "coded paragraphs with no term of the model's vocabulary (no topic share)"),
    ("n_units_model", pl.Int64, "units the seeded model was fitted on"),
)
