"""Which stage writes each table, and which tables may come out empty.

In: the registry ``TABLES`` once every ``*_tables`` module of this package has declared its tables.
Out: ``STAGE_TABLES`` (stage → its tables, in pipeline order: how the Data page groups them),
``EMPTY_POLICY`` and ``may_be_empty``.
How: the groups are read off the registry by name, so a table declared in a stage's module joins its
stage without a second edit.
"""

from __future__ import annotations

from importlib import import_module
from typing import Literal

from .base import TABLES

# Imported in pipeline order, which is the order of ``TABLES``: each module registers its stage's tables.
for _stage in ("corpus", "segment", "token", "vocabulary", "theme", "topic", "reuse"):
    import_module(f"{__package__}.{_stage}_tables")

STAGE_TABLES: dict[str, tuple[str, ...]] = {
    "corpus": ("documents", "rejected", "metadata_check"),
    "segment": ("sections", "section_anomalies", "sentences"),
    "tokenizer": ("tokens", "token_settings"),
    "vocabulary": ("keyness", "boilerplate", "slogans"),
    "themes": tuple(n for n in TABLES if n.startswith("theme_")),
    "topics": tuple(
        n for n in TABLES if n in ("topics", "doc_topics", "model_selection") or n.startswith("topic_")
    ),
    "reuse": tuple(n for n in TABLES if n.startswith("reuse_")),
}


#: What ``fazhi build`` does when a table comes out with no rows although documents loaded
#: (``fazhi.pipeline.check_empty``):
#:
#: - ``"error"``: the table is required, and no valid corpus leaves it empty (every document has sections,
#:   sentences and tokens; every section a row per theme; every stage records its settings): an empty one
#:   means a broken stage, so the build fails and publishes nothing;
#: - ``"note"``: expected of a usual corpus, but a small or unusual one can leave it empty (no lexicon term
#:   anywhere; too few sections for a topic model): a warning on stderr and in ``build.json`` ``notes``,
#:   unless the stage has already said why in a note of its own.
#:
#: Every other table may be empty without a word, since finding nothing is a finding: no rejected file, no
#: boilerplate, no reuse, keyness and contrasts with one group only, groups smaller than ``compare_min_docs``,
#: covariates that do not vary (``topic_effects``), seeded topics switched off.
EMPTY_POLICY: dict[str, Literal["error", "note"]] = {
    **dict.fromkeys(("sections", "sentences", "tokens", "token_settings"), "error"),
    **dict.fromkeys(("theme_sections", "theme_scores", "theme_documents"), "error"),
    **dict.fromkeys(("topic_settings", "reuse_settings"), "error"),
    **dict.fromkeys(("theme_hits", "theme_validation", "theme_sensitivity"), "note"),
    **dict.fromkeys(("topics", "doc_topics", "model_selection", "topic_runs", "topic_summary"), "note"),
    **dict.fromkeys(("topic_representatives", "topic_prevalence", "topic_alignment"), "note"),
}


def may_be_empty(name: str) -> bool:
    """True when table ``name`` may have no rows without a warning (see ``EMPTY_POLICY``)."""
    return name not in EMPTY_POLICY
