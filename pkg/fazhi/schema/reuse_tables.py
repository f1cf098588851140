"""Tables of the text-reuse stage (``fazhi.reuse``): passages, shares, formulae, settings.

In: ``base.table`` and the category enums. Out: the ``reuse_*`` tables, registered in ``TABLES`` whether or
not the stage ran.
How: one ``table(...)`` declaration each.
"""

from __future__ import annotations

import polars as pl

from .base import LEVEL, THEME, table

# Text reuse (fazhi.reuse): declared here so that the contract holds them whether or not the stage ran.
_REL = (
    "relation of the source to the document: higher_earlier, higher_same_year, peer, own_earlier or "
    "lower_same_year"
)
_KIND = (
    "verbatim (similarity ≥ ReuseSettings.verbatim_similarity), paraphrase (aligned with edits) or formula "
    "(at least ReuseSettings.formula_cover of its characters are phrases shared by many jurisdictions)"
)
table(
    "reuse_passages",
    (
        "one passage of a document that restates a passage of a source document (each aligned pair appears "
        "from both sides)"
    ),
    ("doc_id", pl.String, "the document whose characters are counted"),
    ("source_id", pl.String, "the other document"),
    ("relation", pl.String, _REL),
    ("source_level", LEVEL, "the source's level of government"),
    ("start", pl.Int64, "offset of the passage in the document's documents.text"),
    ("end", pl.Int64, "end offset (exclusive)"),
    ("source_start", pl.Int64, "offset of the matching passage in the source's text"),
    ("source_end", pl.Int64, "end offset (exclusive)"),
    (
        "similarity",
        pl.Float64,
        "normalised Indel similarity of the two passages (rapidfuzz.fuzz.ratio / 100)",
    ),
    ("kind", pl.String, _KIND),
    ("formula_share", pl.Float64, "share of the passage's characters covered by formula k-grams"),
    ("section_path", pl.String, "path of the document's section holding the passage start (sections.path)"),
    (
        "section_theme",
        THEME,
        "theme the section is classified to (theme_sections.classified); null when none",
    ),
    ("source_section_path", pl.String, "path of the source's section holding the source passage start"),
    ("source_section_theme", THEME, "theme of that source section; null when none"),
    ("text", pl.String, "the passage in the document"),
    ("source_text", pl.String, "the passage in the source"),
)
table(
    "reuse_share",
    (
        "one document × relation × kind × scope unit: the share of its characters restating sources of that "
        "relation"
    ),
    ("doc_id", pl.String, "the document"),
    ("relation", pl.String, _REL + ", or any"),
    ("kind", pl.String, "verbatim, paraphrase, formula, or reuse (verbatim and paraphrase together)"),
    (
        "scope",
        pl.String,
        "document, section (key = sections.path) or theme (key = theme id; sections classified to it)",
    ),
    ("key", pl.String, "the section path or theme; empty for the document"),
    ("n_sources", pl.Int32, "source documents of that relation that were compared"),
    ("n_chars", pl.Int64, "characters of the unit"),
    ("reused_chars", pl.Int64, "characters of the unit inside such passages (union, counted once)"),
    ("share", pl.Float64, "reused_chars / n_chars (0 for an empty unit)"),
)
table(
    "reuse_formulae",
    (
        "one formula: a maximal run of k-grams shared by more than ReuseSettings.formula_max_share of the "
        "jurisdictions"
    ),
    ("text", pl.String, "the phrase as first written in the corpus (document order)"),
    ("n_chars", pl.Int64, "its length in characters"),
    ("n_docs", pl.Int32, "documents holding it"),
    (
        "n_jurisdictions",
        pl.Int32,
        "jurisdictions (a department's issuer, else region, else level) holding it",
    ),
    ("first_doc", pl.String, "the first document holding it (doc_id order)"),
)
table(
    "reuse_settings",
    "one setting of the reuse stage as used (fazhi.reuse.ReuseSettings, overridden by ctx.settings['reuse'])",
    ("key", pl.String, "setting name"),
    ("value", pl.String, "its value, as text"),
)
