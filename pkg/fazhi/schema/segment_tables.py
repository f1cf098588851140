"""Tables of the segmentation stage (``fazhi.segment``): sections, their anomalies, sentences.

In: ``base.table``. Out: ``SECTION_COLUMNS`` and the registered ``sections``, ``section_anomalies`` and
``sentences`` tables (``sections_table``, ``anomalies_table``, ``sentences_table``).
How: one ``table(...)`` declaration each, in the order the stage writes them.
"""

from __future__ import annotations

import polars as pl

from .base import table

SECTION_COLUMNS: tuple[tuple[str, type[pl.DataType], str], ...] = (
    ("section_id", pl.Int32, "0, 1, 2, … in document order"),
    ("parent_id", pl.Int32, "section_id of the enclosing heading; null at top level and for the preamble"),
    (
        "level",
        pl.Int32,
        "0 for the preamble before the first heading, then 1, 2, … by depth in this document",
    ),
    (
        "kind",
        pl.String,
        (
            "marker family, a kind of data/markers.toml: part, chinese_numeral, paren_numeral, arabic, "
            "paren_arabic, enumeration (null for the preamble)"
        ),
    ),
    ("marker", pl.String, "the marker as written, e.g. （二） or 一是; empty when the marker was lost"),
    ("ordinal", pl.Int32, "the marker's number (inferred for a lost numeral)"),
    ("title", pl.String, "the heading's text up to the first 。 (or ：/line end when there is none)"),
    ("start", pl.Int64, "offset of the heading's marker in documents.text (0 for the preamble)"),
    ("end", pl.Int64, "offset where the next heading of any level starts: the rows tile the text"),
    ("path", pl.String, "markers from the top level down, e.g. 二/（三）/5. (empty for the preamble)"),
)

sections_table = table(
    "sections",
    "one section of one document (a heading and its text up to the next heading of any level)",
    ("doc_id", pl.String, "the document"),
    *SECTION_COLUMNS,
    (
        "system",
        pl.String,
        "the Outline system (id in data/outline.toml) the heading names, else its parent's; null when none",
    ),
    ("system_source", pl.String, "heading (matched on this title), inherited (from an ancestor) or null"),
)

anomalies_table = table(
    "section_anomalies",
    "one irregularity of a document's outline (numbering, levels, lost or rejected markers)",
    ("doc_id", pl.String, "the document"),
    ("section_id", pl.Int32, "the section concerned (for a rejected marker: the section it stays inside)"),
    (
        "kind",
        pl.String,
        (
            "skipped_number, repeated_number, restarted_number, not_from_one, lost_numeral, lost_marker, "
            "level_jump or rejected_marker"
        ),
    ),
    ("detail", pl.String, "a human-readable explanation"),
)

sentences_table = table(
    "sentences",
    "one sentence (split on 。！？； and line breaks) of one section of one document",
    ("doc_id", pl.String, "the document"),
    ("section_id", pl.Int32, "the section holding the sentence (sentences never cross a section boundary)"),
    (
        "paragraph_id",
        pl.Int32,
        "0, 1, … the line of the document the sentence is on, counting non-blank lines",
    ),
    ("sentence_id", pl.Int32, "0, 1, … within the document"),
    ("start", pl.Int64, "offset into documents.text (leading whitespace excluded)"),
    ("end", pl.Int64, "end offset (trailing whitespace excluded)"),
    ("text", pl.String, "the sentence, with its closing punctuation"),
)
