"""Corpus ingestion: read a folder of files into clean documents with metadata, and list what was rejected.

In: a folder of raw files, read recursively — plain text in any common Chinese encoding (UTF-8 with or
without BOM, UTF-16, GB18030/GBK, Big5), saved web pages (HTML), database exports (an English header and
machine-translated summary, then the Chinese original as numbered paragraphs), Word .docx, PDF with a
text layer, and collection files with one document per row (JSON Lines, JSON, CSV/TSV, parquet) — plus
an optional sidecar ``metadata.csv`` of curated metadata.

Out: ``read_corpus(folder)`` returns a :class:`Corpus` with three polars tables (columns documented in
``fazhi.schema``): ``documents`` (one row per loaded document), ``rejected`` (one row per file that did
not load, with a reason) and ``metadata_check`` (inferred vs curated metadata, field by field).

Nothing stops a load: every file either becomes a document or a row of ``rejected``. Cleaning removes
page furniture and export wrappers only, never a line of the document's own text.

The package: ``decode`` (bytes → text), ``clean`` (furniture and wrappers, Traditional → Simplified,
collection-wide repeated lines), ``metadata`` (inference against the gazetteer and the genres of
``data/``), ``sidecar`` (curated metadata, validated and merged), ``walk`` (the folder tree, links and
special files), ``formats`` (docx, PDF), ``collections`` (rows of JSON Lines, JSON, CSV/TSV, parquet) and
``readers`` (the folder → documents or rejections; ``files`` for single-document files, ``rows`` for rows
of collection files). ``clean`` has its parts too: ``script`` (Traditional → Simplified, pinyin),
``wrappers`` (HTML, database exports) and ``cleaned`` (the ``Cleaned`` record).
"""

from __future__ import annotations

from .clean import (
    Cleaned,
    ScriptWarning,
    clean_text,
    drop_lines,
    furniture_kind,
    html_to_text,
    is_db_export,
    parse_db_export,
    remove_pinyin,
    repeated_lines,
    to_simplified,
)
from .collections import open_rows
from .decode import Decoded, Rejected, decode, decode_text
from .metadata import PROVINCES, Inferred, _level_of, gazetteer, genres, infer_metadata, parse_date
from .readers import (
    HTML_SUFFIXES,
    MAX_DOCUMENT_BYTES,
    METADATA_FIELDS,
    SIDECAR,
    TEXT_SUFFIXES,
    Corpus,
    build_stage,
    metadata_agreement,
    read_corpus,
    read_file,
)
from .sidecar import SidecarWarning, merge_metadata, read_sidecar, validate_value
from .walk import walk_corpus

__all__ = [
    "HTML_SUFFIXES", "MAX_DOCUMENT_BYTES", "METADATA_FIELDS", "PROVINCES", "SIDECAR", "TEXT_SUFFIXES",
    "Cleaned", "Corpus", "Decoded", "Inferred", "Rejected", "ScriptWarning", "SidecarWarning", "_level_of",
    "build_stage", "clean_text", "decode", "decode_text", "drop_lines", "furniture_kind", "gazetteer",
    "genres", "html_to_text", "infer_metadata", "is_db_export", "merge_metadata", "metadata_agreement",
    "open_rows", "parse_date", "parse_db_export", "read_corpus", "read_file", "read_sidecar", "remove_pinyin",
    "repeated_lines", "to_simplified", "validate_value", "walk_corpus",
]  # fmt: skip
