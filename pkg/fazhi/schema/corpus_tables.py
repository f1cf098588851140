"""Tables of the corpus stage (``fazhi.corpus``): documents, rejected files, metadata checks.

In: the column types of ``base`` (``LEVEL``, ``DOC_TYPE``). Out: the tables registered in ``TABLES``.
How: declared with ``base._t`` and registered in the order the Data page lists them.
"""

from __future__ import annotations

import polars as pl

from .base import DOC_TYPE, DOC_TYPES, FORMATS, LEVEL, LEVELS, SOURCES, _t, register

for _table in (
    _t(
        "documents",
        "one document of the corpus that loaded",
        (
            "doc_id",
            pl.String,
            (
                "unique and stable: the file's path relative to the corpus folder without its suffix (a "
                "file at "
                "the root: its stem); a row of a collection file with more than one row adds #<row id "
                "or row number>"
            ),
        ),
        ("source_file", pl.String, "the file's path relative to the corpus folder ('/'-separated)"),
        ("collection", pl.String, "the file's folder relative to the corpus folder ('' at the root)"),
        (
            "source_row",
            pl.Int64,
            (
                "for a row of a collection file (JSON Lines, JSON, CSV/TSV, parquet): its 1-based "
                "number (JSON "
                "Lines: the line number; CSV: the record after the header); null for a single-document "
                "file"
            ),
        ),
        (
            "sha256",
            pl.String,
            "SHA-256 of the file's raw bytes (a row of a collection: of its text, UTF-8)",
        ),
        (
            "encoding",
            pl.String,
            (
                "the detected encoding (utf-8, utf-8-sig, utf-16, gb18030, ...); docx or pdf for text "
                "taken from those"
            ),
        ),
        ("format", pl.String, f"how the text was read: one of {', '.join(FORMATS)}"),
        ("title", pl.String, "the document's title"),
        ("issuer", pl.String, "the issuing body, as named in Chinese (e.g. 某省人民政府)"),
        ("region", pl.String, "the region of the issuer (e.g. 某省, 某市, 某县)"),
        ("level", LEVEL, f"level of government: one of {', '.join(LEVELS)}"),
        ("doc_type", DOC_TYPE, f"document type: one of {', '.join(DOC_TYPES)}"),
        ("period", pl.String, "the year or span covered, e.g. 2023 or 2022–2025 (en dash)"),
        ("period_start", pl.Int32, "first year of the period"),
        ("period_end", pl.Int32, "last year of the period"),
        ("published", pl.Date, "publication date, when known"),
        ("text", pl.String, "the clean Chinese body: furniture and wrappers removed, content intact"),
        ("n_chars", pl.Int64, "number of characters of text"),
        ("english_summary", pl.String, "the machine-translated English summary of a database export"),
        ("metadata_source", pl.String, "curated (a sidecar metadata.csv row exists) or inferred"),
        (
            "source_url",
            pl.String,
            (
                "the document's publication page: the sidecar's source_url, else a collection's "
                "url/source_url column"
            ),
        ),
        (
            "accessed",
            pl.Date,
            "the date the document was retrieved from source_url (sidecar); null when unknown",
        ),
        (
            "ingest_notes",
            pl.String,
            (
                "repairs made while reading, '; '-separated (NUL bytes removed, invalid UTF-8 bytes "
                "replaced at "
                "named byte offsets, mojibake undone, a file name that is not UTF-8); null when none"
            ),
        ),
        *(
            (
                f"{f}_source",
                pl.String,
                f"where {f} came from: one of {', '.join(SOURCES)}; null when it is unknown",
            )
            for f in ("title", "issuer", "region", "level", "doc_type", "period", "published")
        ),
        ("script", pl.String, "simplified, traditional or mixed: the script of the text as read"),
        ("converted_chars", pl.Int64, "characters converted from Traditional to Simplified (opencc t2s)"),
        (
            "original_text",
            pl.String,
            "the text before conversion to Simplified; null when none was converted",
        ),
    ),
    _t(
        "rejected",
        "one file, folder entry or collection row of the corpus folder that did not load",
        ("source_file", pl.String, "the path relative to the corpus folder"),
        (
            "source_row",
            pl.Int64,
            "the row of a collection file (as in documents.source_row); null for a whole file",
        ),
        (
            "reason",
            pl.String,
            (
                "one of the reasons in the README's table 'What is rejected, and why' (empty, binary, "
                "undecodable, mojibake, no_chinese_text, unsupported_format, damaged, no_text_layer, "
                "too_large, "
                "no_text_column, bad_json, duplicate, documentation, outside_corpus, sidecar_orphan, ...)"
            ),
        ),
        ("detail", pl.String, "a human-readable explanation (e.g. which file it duplicates)"),
    ),
    _t(
        "metadata_check",
        (
            "one metadata field of one document that has a curated value (metadata.csv or a collection "
            "column), or one problem with the sidecar itself"
        ),
        ("doc_id", pl.String, "the document (null for a problem of the whole sidecar, e.g. its header)"),
        ("field", pl.String, "title, issuer, region, level, doc_type, period or published (or a column)"),
        ("inferred", pl.String, "what inference from the text found (null when it found nothing)"),
        ("curated", pl.String, "what the sidecar (or the collection's own column) says"),
        (
            "agree",
            pl.Boolean,
            "inferred == curated after normalisation (false when the value was rejected)",
        ),
        (
            "problem",
            pl.String,
            (
                "why a curated value was rejected or a sidecar row or column was set aside (invalid "
                "level, "
                "reversed period, duplicate row, unknown column...); null when the value was used"
            ),
        ),
        (
            "curated_source",
            pl.String,
            "sidecar (metadata.csv) or collection (a column of a JSONL/CSV/parquet file)",
        ),
    ),
):
    register(_table)
