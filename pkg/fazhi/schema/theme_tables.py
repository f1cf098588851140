"""Tables of the themes stage (``fazhi.themes``): hits, section and document scores, validation.

In: ``base.table`` and the category enums. Out: every ``theme_*`` table, registered in ``TABLES``.
How: one ``table(...)`` declaration each; the two lexicon columns every table carries are ``_THEME_LEX``.
"""

from __future__ import annotations

import polars as pl

from .base import DOC_TYPE, LEVEL, MEASURE, THEME, table

_THEME_LEX = (
    (
        "lexicon_version",
        pl.String,
        "the lexicon version string: Outline version and each lexicon file's version",
    ),
    ("lexicon_hash", pl.String, "SHA-256 of the lexicon files and the Outline (fazhi.tables.lexicon_hash)"),
)

table(
    "theme_hits",
    "one lexicon hit: a run of tokens spelling a term",
    ("doc_id", pl.String, "the document"),
    ("section_id", pl.Int32, "the section of the hit's first token"),
    ("sentence_id", pl.Int32, "the sentence of the hit's first token"),
    ("token_id", pl.Int32, "the hit's first token"),
    ("n_tokens", pl.Int32, "how many tokens the hit spans (a multi-token term matched as a phrase has > 1)"),
    ("theme", THEME, "the theme (Outline system id) whose lexicon holds the term"),
    ("term", pl.String, "the lexicon term, as written in the lexicon"),
    ("weight", pl.Float64, "the term's weight"),
    ("start", pl.Int64, "offset of the hit's first character in documents.text"),
    ("end", pl.Int64, "offset after the hit's last character in documents.text"),
    ("rel_position", pl.Float64, "start / n_chars: where in the document the hit sits (0 = start, 1 = end)"),
    *_THEME_LEX,
)

table(
    "theme_sections",
    "one section × theme: the section's lexicon evidence and whether it is classified to the theme",
    ("doc_id", pl.String, "the document"),
    ("section_id", pl.Int32, "the section (sections.section_id)"),
    ("theme", THEME, "the theme"),
    ("system", pl.String, "the section's Outline label from its heading (sections.system), null when none"),
    ("hits", pl.Int64, "number of hits of the theme in the section"),
    ("weighted_hits", pl.Float64, "sum of the weights of those hits"),
    (
        "word_tokens",
        pl.Int64,
        "word tokens in the section (tokens holding a letter, digit or Chinese character)",
    ),
    ("per_1k_tokens", pl.Float64, "1000 × weighted_hits / word_tokens (0 for a section without words)"),
    (
        "classified",
        pl.Boolean,
        "the section is classified to this theme (largest weighted hits, at least MIN_WEIGHT, no tie)",
    ),
    ("n_chars", pl.Int64, "characters of the section (end - start)"),
    ("rel_position", pl.Float64, "the section's midpoint / document length (0 = start, 1 = end)"),
    *_THEME_LEX,
)

table(
    "theme_scores",
    "one measure of one theme for one document or one level of government, with its bootstrap interval",
    ("scope", pl.String, "document or level"),
    ("doc_id", pl.String, "the document (null at level scope)"),
    ("level", LEVEL, "level of government"),
    ("theme", THEME, "the theme"),
    (
        "measure",
        MEASURE,
        (
            "per_1k_tokens (weighted hits per 1,000 word tokens), per_1k_content_tokens (per 1,000 kept "
            "tokens), "
            "share_of_hits (theme's share of all eight lexicons' weighted hits), char_share (share of "
            "characters in "
            "sections classified to the theme), section_share (share of sections with at least one hit), "
            "position "
            "(character-weighted mean relative position of the theme's sections; null when it has none)"
        ),
    ),
    ("value", pl.Float64, "the estimate (a level's value is the mean of its documents' values)"),
    (
        "ci_low",
        pl.Float64,
        "lower end of the 95% percentile bootstrap interval (sections resampled within documents)",
    ),
    ("ci_high", pl.Float64, "upper end of that interval"),
    ("hits", pl.Int64, "number of hits of the theme in the document(s)"),
    ("n_docs", pl.Int32, "documents in the scope"),
    ("n_sections", pl.Int32, "sections in the scope"),
    ("n_boot", pl.Int32, "bootstrap replicates"),
    *_THEME_LEX,
)

table(
    "theme_contrasts",
    "one difference between two levels of government on one measure of one theme",
    ("theme", THEME, "the theme"),
    ("measure", MEASURE, "the measure (see theme_scores.measure)"),
    ("level_a", LEVEL, "first level"),
    ("level_b", LEVEL, "second level"),
    ("diff", pl.Float64, "value(level_a) - value(level_b)"),
    ("ci_low", pl.Float64, "lower end of the 95% bootstrap interval of the difference"),
    ("ci_high", pl.Float64, "upper end"),
    (
        "excludes_zero",
        pl.Boolean,
        "the interval excludes 0 (a difference the sections of these documents support)",
    ),
    ("n_docs_a", pl.Int32, "documents at level_a"),
    ("n_docs_b", pl.Int32, "documents at level_b"),
    *_THEME_LEX,
)

table(
    "theme_documents",
    (
        "one document × theme: its evidence, whether the theme is present, and the value documents are "
        "compared on"
    ),
    ("doc_id", pl.String, "the document"),
    ("label", pl.String, "the document's readable label (fazhi.labels.doc_labels: region · issuer · year)"),
    ("level", LEVEL, "level of government"),
    ("doc_type", DOC_TYPE, "document type"),
    ("period", pl.String, "period covered"),
    ("theme", THEME, "the theme"),
    ("hits", pl.Int64, "hits of the theme's terms"),
    ("weighted_hits", pl.Float64, "sum of the weights of those hits"),
    ("word_tokens", pl.Int64, "word tokens of the document"),
    ("per_1k_tokens", pl.Float64, "1000 × weighted_hits / word_tokens"),
    (
        "present",
        pl.Boolean,
        (
            "weighted_hits ≥ PRESENCE_MIN_HITS (3) and per_1k_tokens ≥ PRESENCE_MIN_RATE (1 per 1,000): the "
            "theme is "
            "more than an incidental word"
        ),
    ),
    (
        "emphasis",
        pl.Float64,
        "per_1k_tokens when present, else 0: the value compared between groups of documents",
    ),
    *_THEME_LEX,
)

table(
    "theme_groups",
    "one group of documents (a value of a covariate, optionally within a stratum) for one theme",
    ("covariate", pl.String, "what documents are grouped by: level, doc_type or period"),
    (
        "within",
        pl.String,
        "the covariate whose value the comparison is restricted to (doc_type, period; null: none)",
    ),
    ("stratum", pl.String, "that value, e.g. the document type compared within (null: all documents)"),
    ("theme", THEME, "the theme"),
    ("group", pl.String, "the covariate's value (unknown and missing values are one group, never ranked)"),
    ("ranked", pl.Boolean, "false for unknown or missing values: reported apart, never compared"),
    ("n_docs", pl.Int32, "documents in the group"),
    ("n_present", pl.Int32, "documents in which the theme is present (theme_documents.present)"),
    (
        "value",
        pl.Float64,
        "mean of the documents' emphasis (weighted hits per 1,000 tokens, 0 where not present)",
    ),
    (
        "ci_low",
        pl.Float64,
        "lower end of the 95% cluster-bootstrap interval (documents resampled); null below min_docs",
    ),
    ("ci_high", pl.Float64, "upper end"),
    ("interval", pl.String, "cluster_bootstrap, descriptive (fewer than min_docs documents) or not_ranked"),
    ("n_boot", pl.Int32, "bootstrap replicates"),
    *_THEME_LEX,
)

table(
    "theme_group_contrasts",
    "one difference between two groups of documents on one theme (fazhi.compare.compare_groups)",
    ("covariate", pl.String, "level, doc_type or period"),
    (
        "within",
        pl.String,
        "the covariate whose value the comparison is restricted to (doc_type, period; null: none)",
    ),
    ("stratum", pl.String, "that value (null: all documents)"),
    ("theme", THEME, "the theme"),
    ("group_a", pl.String, "first group"),
    ("group_b", pl.String, "second group"),
    ("diff", pl.Float64, "value(group_a) - value(group_b)"),
    (
        "ci_low",
        pl.Float64,
        "lower end of the percentile interval at the Holm level of the contrast (null: descriptive)",
    ),
    ("ci_high", pl.Float64, "upper end"),
    ("ci_level", pl.Float64, "confidence level of that interval: 1 - alpha / (m - rank + 1)"),
    ("p_value", pl.Float64, "two-sided cluster-bootstrap p-value of no difference"),
    ("p_holm", pl.Float64, "Holm-adjusted p-value within the family (one theme, one covariate, one stratum)"),
    (
        "supported",
        pl.Boolean,
        "p_holm ≤ 0.05 and the interval excludes 0: the only differences put into words",
    ),
    ("n_docs_a", pl.Int32, "documents in group_a"),
    ("n_docs_b", pl.Int32, "documents in group_b"),
    (
        "method",
        pl.String,
        "cluster_bootstrap_holm, or descriptive when a group has fewer than min_docs documents",
    ),
    *_THEME_LEX,
)

table(
    "theme_validation",
    "precision, recall and F1 of the lexicon classifier for one theme against heading labels",
    (
        "variant",
        pl.String,
        (
            "full (as shipped), all_headings_excluded, no_outline_words, no_heading_keywords or "
            "single_sections (see fazhi.themes.VARIANTS)"
        ),
    ),
    ("theme", pl.String, "the theme (or macro for the mean over the eight)"),
    ("support", pl.Int32, "labelled units whose heading maps to the theme"),
    ("predicted", pl.Int32, "labelled units classified to the theme"),
    ("true_positives", pl.Int32, "units both labelled and classified to the theme"),
    ("precision", pl.Float64, "true_positives / predicted (null when nothing was predicted)"),
    ("recall", pl.Float64, "true_positives / support (null when no support)"),
    ("f1", pl.Float64, "harmonic mean of precision and recall"),
    ("n_units", pl.Int32, "labelled units scored"),
    *_THEME_LEX,
)

table(
    "theme_confusion",
    "one cell of the confusion matrix: heading label × lexicon classification of the section bodies",
    ("label", pl.String, "the section's Outline system from its heading"),
    ("predicted", pl.String, "the theme the body is classified to, or none"),
    ("n", pl.Int32, "labelled units"),
    *_THEME_LEX,
)

table(
    "theme_sensitivity",
    "one lexicon term left out: how the theme's score and validation change without it",
    ("theme", THEME, "the theme"),
    ("term", pl.String, "the term left out"),
    ("scope", pl.String, "corpus or a level of government"),
    ("hits", pl.Int64, "hits of the term in the scope"),
    (
        "per_1k_tokens",
        pl.Float64,
        "the theme's per_1k_tokens in the scope with every term (pooled over its documents' word tokens)",
    ),
    ("per_1k_without", pl.Float64, "the same without the term"),
    ("share_of_theme", pl.Float64, "share of the theme's weighted hits in the scope contributed by the term"),
    ("f1", pl.Float64, "validation F1 of the theme with every term (corpus scope only)"),
    ("f1_without", pl.Float64, "validation F1 of the theme without the term (corpus scope only)"),
    *_THEME_LEX,
)

table(
    "theme_expansion",
    "one candidate term for a theme's lexicon, from co-occurrence with its terms (for review, never added)",
    ("theme", THEME, "the theme"),
    ("rank", pl.Int32, "rank within the theme by npmi"),
    ("candidate", pl.String, "the candidate token"),
    ("cooc", pl.Int64, "sentences holding both the candidate (outside any hit) and a hit of the theme"),
    ("freq", pl.Int64, "sentences holding the candidate (outside any hit)"),
    ("pmi", pl.Float64, "log2 P(candidate, theme) / (P(candidate) P(theme)) over sentences"),
    ("npmi", pl.Float64, "pmi / -log2 P(candidate, theme), in [-1, 1]"),
    ("example", pl.String, "one sentence where they co-occur (for the reviewer)"),
    *_THEME_LEX,
)
