"""The contract between stages: every result table, its columns, their types and meaning.

In: nothing (no stage module is imported). Out: ``TABLES``, a mapping from the name of every table
``fazhi build`` writes to its row meaning and ordered columns; ``validate(name, df)``, which every writer
calls so that a table on disk always matches its declaration; and ``frame(name, rows)``, which builds a
table with its documented types.

How: every table is declared in this package, one module per stage that writes it (``corpus_tables``,
``segment_tables``, ``token_tables``, ``vocabulary_tables``, ``theme_tables``, ``topic_tables``,
``reuse_tables``), on the building blocks of ``base``; ``policy`` groups them by stage. Importing
``fazhi.schema`` declares them all, so that the documentation (the Data page,
``fazhi.report.data_dictionary``) and the downloads see every table without importing a stage.

A column is ``(name, polars dtype, description)``. Column order is part of the contract. Change a
table here first, then the stage that writes it; the documentation pages are generated from these modules.
"""

from __future__ import annotations

from .base import (
    DOC_TYPE,
    DOC_TYPES,
    FORMATS,
    LEVEL,
    LEVELS,
    MEASURE,
    MEASURES,
    SOURCES,
    TABLES,
    THEME,
    THEMES,
    Column,
    SchemaError,
    Table,
    _outline_themes,
    _outside,
    _t,
    as_text,
    conform,
    empty,
    frame,
    in_order,
    levels_present,
    register,
    table,
    theme_ids,
    validate,
    vocabulary,
)
from .policy import EMPTY_POLICY, STAGE_TABLES, may_be_empty
from .reuse_tables import _KIND, _REL
from .segment_tables import SECTION_COLUMNS, anomalies_table, sections_table, sentences_table
from .theme_tables import _THEME_LEX
from .token_tables import TOKEN_SETTINGS, TOKENS
from .topic_tables import (
    DOC_TOPICS,
    MODEL_SELECTION,
    TOPIC_ALIGNMENT,
    TOPIC_EFFECTS,
    TOPIC_PREVALENCE,
    TOPIC_REPRESENTATIVES,
    TOPIC_RUNS,
    TOPIC_SEEDED,
    TOPIC_SEEDED_VALIDATION,
    TOPIC_SETTINGS,
    TOPIC_SUMMARY,
    TOPICS,
)
from .vocabulary_tables import BOILERPLATE, KEYNESS, SLOGANS

__all__ = [
    "BOILERPLATE",
    "DOC_TOPICS",
    "DOC_TYPE",
    "DOC_TYPES",
    "EMPTY_POLICY",
    "FORMATS",
    "KEYNESS",
    "LEVEL",
    "LEVELS",
    "MEASURE",
    "MEASURES",
    "MODEL_SELECTION",
    "SECTION_COLUMNS",
    "SLOGANS",
    "SOURCES",
    "STAGE_TABLES",
    "TABLES",
    "THEME",
    "THEMES",
    "TOKENS",
    "TOKEN_SETTINGS",
    "TOPICS",
    "TOPIC_ALIGNMENT",
    "TOPIC_EFFECTS",
    "TOPIC_PREVALENCE",
    "TOPIC_REPRESENTATIVES",
    "TOPIC_RUNS",
    "TOPIC_SEEDED",
    "TOPIC_SEEDED_VALIDATION",
    "TOPIC_SETTINGS",
    "TOPIC_SUMMARY",
    "_KIND",
    "_REL",
    "_THEME_LEX",
    "Column",
    "SchemaError",
    "Table",
    "_outline_themes",
    "_outside",
    "_t",
    "anomalies_table",
    "as_text",
    "conform",
    "empty",
    "frame",
    "in_order",
    "levels_present",
    "may_be_empty",
    "register",
    "sections_table",
    "sentences_table",
    "table",
    "theme_ids",
    "validate",
    "vocabulary",
]
