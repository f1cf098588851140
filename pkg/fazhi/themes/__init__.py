"""Themes: how much, and where, documents talk about each system of the 2021–2025 Outline.

In: the ``documents``, ``sections`` and ``tokens`` tables (or any text, through ``score_themes``), and the
versioned lexicons shipped in ``fazhi/data/lexicons/`` (one TOML file per Outline system).
Out: ``theme_hits`` (every lexicon hit with its offsets, for keyword-in-context), ``theme_sections``
(each section's hits and its classification), ``theme_scores`` (per document and per level of
government, four measures with bootstrap intervals), ``theme_contrasts`` (every pairwise level
difference with its section-bootstrap interval), ``theme_documents`` (per document: hits, rate, whether
the theme is present above the minimum), ``theme_groups`` and ``theme_group_contrasts`` (documents
compared by level, document type and period with ``fazhi.compare``: the tables claims rest on),
``theme_validation`` and ``theme_confusion`` (the lexicons scored
against the section labels of the Outline mapping), ``theme_sensitivity`` (leave-one-term-out) and
``theme_expansion`` (candidate terms ranked for review, never added automatically). Every table
carries the lexicon version string and the content hash of the lexicon files.

Method, in brief
----------------
*Matching.* A hit is a run of consecutive tokens of the document's token stream whose joined text is a
lexicon term (compared after NFKC normalisation, so ``＋`` and ``+`` agree). In particular a term's own
tokenisation under the same tokenizer is a hit, so multi-token terms match as phrases, and terms with
``+`` or digits (互联网+监管, 12345热线) count once, as one term. Because a hit must start and end on
token boundaries, 应急 inside an unrelated compound token (e.g. 应急管理局 kept whole by the tokenizer)
is not a hit. Where terms overlap, the longest match starting leftmost wins and each token is counted
at most once (so 互联网+监管 is not also counted as 互联网+).

*Rates.* ``per_1k_tokens`` is 1000 × (sum of term weights) / (word tokens), word tokens being the tokens
holding a letter, digit or Chinese character (punctuation is not a word). Alternatives: per 1,000
content tokens (``keep`` tokens of the tokenizer: no stopwords, numbers or single characters), and the
theme's share of all lexicon hits (a composition across the eight systems).

*Sections.* Each section (a row of ``sections``: the rows tile the text) is classified to the theme
with the largest weighted hits, provided it has at least ``MIN_WEIGHT`` of them and no tie. The share
of a document's characters in sections classified to a theme, the share of sections that mention it,
and the mean relative position (0 = start, 1 = end) of the theme's sections follow from that.

*Presence.* A theme is present in a document only with at least ``PRESENCE_MIN_HITS`` (3) weighted hits
and ``PRESENCE_MIN_RATE`` (1) weighted hits per 1,000 word tokens; a document's ``emphasis`` is its rate
where present and 0 where not, so that no theme rests on one incidental word.

*Comparisons.* Claims about groups of documents (levels of government …) rest on ``theme_groups`` and
``theme_group_contrasts``: a cluster bootstrap over documents, groups of at least ``MIN_DOCS`` documents,
Holm-adjusted contrasts, ``unknown`` never ranked (see ``fazhi.compare``).

*Section uncertainty.* Percentile bootstrap, resampling sections with replacement within each document
(documents are kept: with one or two documents per level there is nothing to resample between
documents). A level's value is the mean of its documents' values. The intervals therefore describe
how stable a document's emphasis is across its own sections, not how levels of government differ in
general.

*Validation.* Sections labelled by their heading through the Outline mapping (``sections.system``
with ``system_source == "heading"``) are taken with their descendants that carry no label of their own;
their bodies, with the heading text excluded, are classified by the same rule and compared with the
label: precision, recall and F1 per theme and the confusion matrix. ``validate_sections`` does this for
any labelled sections table.

Layout
------
``lexicon`` (the TOML lexicons, eras, labels, the stamp), ``matching`` (hits on the token stream, hits
in units, keyword-in-context; the phrase matcher itself is ``fazhi.phrases``), ``scores`` (section
statistics, measures, bootstrap, presence and group comparisons; ``frames`` makes their tables),
``validation`` (heading labels, variants, leave-one-term-out), ``expansion`` (candidate terms) and
``stage`` (``build_stage``). Every public name is importable from ``fazhi.themes``.
"""

from __future__ import annotations

from ..phrases import norm as _norm  # noqa: F401  (callers of fazhi.themes._norm)
from .expansion import expansion_candidates
from .lexicon import (
    ERA_YEARS,
    FOCUS,
    LEXICON_DIR,
    OUTLINE_FILE,
    Lexicon,
    LexiconError,
    LexiconSet,
    Term,
    default_lexicons,
    heading_keyword_terms,
    lexicon_summary,
    load_lexicons,
    outline_systems,
    outline_words,
    stamp,
    theme_labels,
)
from .matching import (
    Hit,
    Matcher,
    _default_tokenizer,  # noqa: F401  (fazhi.validation.measure)
    find_hits,
    hits_in_units,
    is_word,
    kwic,
    tokens_frame,
    top_terms,
    unit_hits,
)
from .scores import (
    BOOT_BLOCK_BYTES,
    COMPARE_BY,
    COMPARE_WITHIN,
    MEASURES,
    MIN_WEIGHT,
    N_BOOT,
    PRESENCE_MIN_HITS,
    PRESENCE_MIN_RATE,
    SEED,
    DocStats,
    SectionArrays,
    bootstrap,
    classify,
    group_tables,
    measures,
    score_themes,
    scores_and_contrasts,
    section_stats,
    section_table,
    theme_documents,
)
from .stage import build_stage
from .validation import (
    VARIANTS,
    Validation,
    labelled_units,
    sensitivity_table,
    unit_evidence,
    validate_sections,
    validation_tables,
)

__all__ = [
    "BOOT_BLOCK_BYTES",
    "COMPARE_BY",
    "COMPARE_WITHIN",
    "ERA_YEARS",
    "FOCUS",
    "LEXICON_DIR",
    "MEASURES",
    "MIN_WEIGHT",
    "N_BOOT",
    "OUTLINE_FILE",
    "PRESENCE_MIN_HITS",
    "PRESENCE_MIN_RATE",
    "SEED",
    "VARIANTS",
    "DocStats",
    "Hit",
    "Lexicon",
    "LexiconError",
    "LexiconSet",
    "Matcher",
    "SectionArrays",
    "Term",
    "Validation",
    "bootstrap",
    "build_stage",
    "classify",
    "default_lexicons",
    "expansion_candidates",
    "find_hits",
    "group_tables",
    "heading_keyword_terms",
    "hits_in_units",
    "is_word",
    "kwic",
    "labelled_units",
    "lexicon_summary",
    "load_lexicons",
    "measures",
    "outline_systems",
    "outline_words",
    "score_themes",
    "scores_and_contrasts",
    "section_stats",
    "section_table",
    "sensitivity_table",
    "stamp",
    "theme_documents",
    "theme_labels",
    "tokens_frame",
    "top_terms",
    "unit_evidence",
    "unit_hits",
    "validate_sections",
    "validation_tables",
]
