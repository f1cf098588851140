"""The contract between stages: every result table, its columns, their types and meaning.

In: nothing. Out: ``TABLES``, a mapping from table name to its ordered columns, and
``validate(name, df)``, which every writer calls so that a table on disk always matches this file.

A column is ``(name, polars dtype, description)``. Column order is part of the contract. Change a
table here first, then the stage that writes it; the documentation pages are generated from this file.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from .paths import PACKAGE_DATA


@dataclass(frozen=True)
class Column:
    """One documented column of a result table."""

    name: str
    dtype: pl.DataType | type[pl.DataType]
    description: str


@dataclass(frozen=True)
class Table:
    """A result table: what it holds (one row per …) and its columns in order."""

    name: str
    row: str
    columns: tuple[Column, ...]

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def polars_schema(self) -> dict[str, pl.DataType | type[pl.DataType]]:
        return {c.name: c.dtype for c in self.columns}


def _t(name: str, row: str, *cols: tuple[str, pl.DataType | type[pl.DataType], str]) -> Table:
    return Table(name, row, tuple(Column(*c) for c in cols))


def vocabulary(file: str, key: str, *, folder: Path = PACKAGE_DATA) -> tuple[str, ...]:
    """The names of a controlled vocabulary kept as data: ``[[key]]`` entries of ``data/<file>``, in order.

    Raises
    ------
    ValueError
        When a name is missing, repeated or not a lower-case identifier (``national_dept``).
    """
    with open(folder / file, "rb") as f:
        entries = tomllib.load(f).get(key, [])
    names = tuple(str(e.get("name", "")) for e in entries)
    bad = [n for n in names if not re.fullmatch(r"[a-z][a-z_]*", n)]
    if not names or bad or len(set(names)) != len(names):
        raise ValueError(f"data/{file}: [[{key}]] names must be unique lower-case identifiers, got {names}")
    return names


# Levels of government (centre first) and document types: the vocabularies live in data/levels.toml and
# data/genres.toml (with each type's cue phrases), so that a project can extend them in one place.
LEVELS = vocabulary("levels.toml", "level")
DOC_TYPES = vocabulary("genres.toml", "genre")
SOURCES = (
    "title", "h1", "header", "signature", "salutation", "first_sentence", "body_cue", "self_reference", "gazetteer", "issuer",
    "session", "date_line", "genre_rule", "published", "collection", "sidecar", "doc_number", "byline", "mentions",
)  # fmt: skip
FORMATS = ("plain", "html", "db_export", "docx", "pdf", "jsonl", "json", "csv", "tsv", "parquet")

TABLES: dict[str, Table] = {
    t.name: t
    for t in [
        _t(
            "documents",
            "one document of the corpus that loaded",
            (
                "doc_id",
                pl.String,
                (
                    "unique and stable: the file's path relative to the corpus folder without its suffix (a file at "
                    "the root: its stem); a row of a collection file with more than one row adds #<row id or row number>"
                ),
            ),
            ("source_file", pl.String, "the file's path relative to the corpus folder ('/'-separated)"),
            ("collection", pl.String, "the file's folder relative to the corpus folder ('' at the root)"),
            (
                "source_row",
                pl.Int64,
                (
                    "for a row of a collection file (JSON Lines, JSON, CSV/TSV, parquet): its 1-based number (JSON "
                    "Lines: the line number; CSV: the record after the header); null for a single-document file"
                ),
            ),
            ("sha256", pl.String, "SHA-256 of the file's raw bytes (a row of a collection: of its text, UTF-8)"),
            (
                "encoding",
                pl.String,
                "the detected encoding (utf-8, utf-8-sig, utf-16, gb18030, ...); docx or pdf for text taken from those",
            ),
            ("format", pl.String, f"how the text was read: one of {', '.join(FORMATS)}"),
            ("title", pl.String, "the document's title"),
            ("issuer", pl.String, "the issuing body, as named in Chinese (e.g. 某省人民政府)"),
            ("region", pl.String, "the region of the issuer (e.g. 某省, 某市, 某县)"),
            ("level", pl.String, f"level of government: one of {', '.join(LEVELS)}"),
            ("doc_type", pl.String, f"document type: one of {', '.join(DOC_TYPES)}"),
            ("period", pl.String, "the year or span covered, e.g. 2023 or 2022–2025 (en dash)"),
            ("period_start", pl.Int32, "first year of the period"),
            ("period_end", pl.Int32, "last year of the period"),
            ("published", pl.Date, "publication date, when known"),
            ("text", pl.String, "the clean Chinese body: furniture and wrappers removed, content intact"),
            ("n_chars", pl.Int64, "number of characters of text"),
            ("english_summary", pl.String, "the machine-translated English summary of a database export"),
            ("metadata_source", pl.String, "curated (a sidecar metadata.csv row exists) or inferred"),
            ("source_url", pl.String, "the address a collection's url/source_url column gives for the row"),
            (
                "ingest_notes",
                pl.String,
                (
                    "repairs made while reading, '; '-separated (NUL bytes removed, invalid UTF-8 bytes replaced at "
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
            ("original_text", pl.String, "the text before conversion to Simplified; null when none was converted"),
        ),
        _t(
            "rejected",
            "one file, folder entry or collection row of the corpus folder that did not load",
            ("source_file", pl.String, "the path relative to the corpus folder"),
            ("source_row", pl.Int64, "the row of a collection file (as in documents.source_row); null for a whole file"),
            (
                "reason",
                pl.String,
                (
                    "one of the reasons in the README's table 'What is rejected, and why' (empty, binary, "
                    "undecodable, mojibake, no_chinese_text, unsupported_format, damaged, no_text_layer, too_large, "
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
            ("agree", pl.Boolean, "inferred == curated after normalisation (false when the value was rejected)"),
            (
                "problem",
                pl.String,
                (
                    "why a curated value was rejected or a sidecar row or column was set aside (invalid level, "
                    "reversed period, duplicate row, unknown column...); null when the value was used"
                ),
            ),
            ("curated_source", pl.String, "sidecar (metadata.csv) or collection (a column of a JSONL/CSV/parquet file)"),
        ),
    ]
}


class SchemaError(ValueError):
    """A table does not match its documented contract."""


def register(table: Table) -> Table:
    """Add a stage's table to the contract (each stage module registers its own tables at import)."""
    TABLES[table.name] = table
    return table


def table(name: str, row: str, *cols: tuple[str, pl.DataType | type[pl.DataType], str]) -> Table:
    """Declare and register a table: ``table("sections", "one section", ("doc_id", pl.String, "..."), ...)``."""
    return register(_t(name, row, *cols))


def validate(name: str, df: pl.DataFrame) -> pl.DataFrame:
    """Check that ``df`` has exactly the documented columns, in order, with the documented types.

    Parameters
    ----------
    name
        The table's name in ``TABLES``.
    df
        The table to check.

    Returns
    -------
    polars.DataFrame
        ``df`` itself, so that a writer can ``return validate("x", df)``.

    Raises
    ------
    SchemaError
        When a column is missing, extra, out of order or of another type.
    """
    spec = TABLES.get(name)
    if spec is None:
        raise SchemaError(f"no table {name!r} in fazhi.schema.TABLES")
    if df.columns != spec.names:
        raise SchemaError(f"{name}: columns {df.columns} != documented {spec.names}")
    for col in spec.columns:
        got = df.schema[col.name]
        if got != col.dtype and not (got == pl.Null and len(df) == 0):
            raise SchemaError(f"{name}.{col.name}: dtype {got} != documented {col.dtype}")
    return df


def empty(name: str) -> pl.DataFrame:
    """An empty table with the documented schema."""
    return pl.DataFrame(schema=TABLES[name].polars_schema)


# Declared here (not in fazhi.topics) so that the table's contract is with the other shared tables; the topic
# stage (fazhi.topics.topic_effects) writes it.
TOPIC_EFFECTS = table(
    "topic_effects",
    "one covariate contrast × one topic of the primary topic model: the effect on the documents' topic proportions",
    ("model", pl.String, "the primary model (lda or nmf)"),
    ("topic", pl.Int32, "topic number"),
    ("label", pl.String, "the topic's label"),
    ("covariate", pl.String, "intercept, level, doc_type or year"),
    (
        "contrast",
        pl.String,
        ("what the estimate compares: '<value> − <reference>' (categorical; the reference is the most common value), "
        "'per 10 years' (year, centred), or 'reference document' (intercept)"),
    ),
    ("estimate", pl.Float64, "mean over the composed draws: change in the topic's share of a document's tokens"),
    ("se", pl.Float64, "standard deviation of the composed draws (regression and topic-model uncertainty)"),
    ("lo", pl.Float64, "lower bound of the interval (quantile of the composed draws at (1 − ci) / 2)"),
    ("hi", pl.Float64, "upper bound (quantile at 1 − (1 − ci) / 2)"),
    ("n_docs", pl.Int32, "documents in the regression (those with units in the matrix and every covariate used)"),
    ("n_groups", pl.Int32, "jurisdictions (regions) of the random intercept; null for OLS"),
    ("method", pl.String, "mixedlm (random intercept per region, partial pooling), ols, or 'ols (mixedlm failed: singular)'"),
    ("n_draws", pl.Int32, "draws from the document-topic posterior (method of composition)"),
)


# Text reuse (fazhi.reuse): declared here so that the contract holds them whether or not the stage ran.
_REL = "relation of the source to the document: higher_earlier, higher_same_year, peer, own_earlier or lower_same_year"
_KIND = (
    "verbatim (similarity ≥ ReuseSettings.verbatim_similarity), paraphrase (aligned with edits) or formula "
    "(at least ReuseSettings.formula_cover of its characters are phrases shared by many jurisdictions)"
)
table(
    "reuse_passages",
    "one passage of a document that restates a passage of a source document (each aligned pair appears from both sides)",
    ("doc_id", pl.String, "the document whose characters are counted"),
    ("source_id", pl.String, "the other document"),
    ("relation", pl.String, _REL),
    ("source_level", pl.String, "the source's level of government"),
    ("start", pl.Int64, "offset of the passage in the document's documents.text"),
    ("end", pl.Int64, "end offset (exclusive)"),
    ("source_start", pl.Int64, "offset of the matching passage in the source's text"),
    ("source_end", pl.Int64, "end offset (exclusive)"),
    ("similarity", pl.Float64, "normalised Indel similarity of the two passages (rapidfuzz.fuzz.ratio / 100)"),
    ("kind", pl.String, _KIND),
    ("formula_share", pl.Float64, "share of the passage's characters covered by formula k-grams"),
    ("section_path", pl.String, "path of the document's section holding the passage start (sections.path)"),
    ("section_theme", pl.String, "theme the section is classified to (theme_sections.classified); null when none"),
    ("source_section_path", pl.String, "path of the source's section holding the source passage start"),
    ("source_section_theme", pl.String, "theme of that source section; null when none"),
    ("text", pl.String, "the passage in the document"),
    ("source_text", pl.String, "the passage in the source"),
)
table(
    "reuse_share",
    "one document × relation × kind × scope unit: the share of its characters restating sources of that relation",
    ("doc_id", pl.String, "the document"),
    ("relation", pl.String, _REL + ", or any"),
    ("kind", pl.String, "verbatim, paraphrase, formula, or reuse (verbatim and paraphrase together)"),
    ("scope", pl.String, "document, section (key = sections.path) or theme (key = theme id; sections classified to it)"),
    ("key", pl.String, "the section path or theme; empty for the document"),
    ("n_sources", pl.Int32, "source documents of that relation that were compared"),
    ("n_chars", pl.Int64, "characters of the unit"),
    ("reused_chars", pl.Int64, "characters of the unit inside such passages (union, counted once)"),
    ("share", pl.Float64, "reused_chars / n_chars (0 for an empty unit)"),
)
table(
    "reuse_formulae",
    "one formula: a maximal run of k-grams shared by more than ReuseSettings.formula_max_share of the jurisdictions",
    ("text", pl.String, "the phrase as first written in the corpus (document order)"),
    ("n_chars", pl.Int64, "its length in characters"),
    ("n_docs", pl.Int32, "documents holding it"),
    ("n_jurisdictions", pl.Int32, "jurisdictions (a department's issuer, else region, else level) holding it"),
    ("first_doc", pl.String, "the first document holding it (doc_id order)"),
)
table(
    "reuse_settings",
    "one setting of the reuse stage as used (fazhi.reuse.ReuseSettings, overridden by ctx.settings['reuse'])",
    ("key", pl.String, "setting name"),
    ("value", pl.String, "its value, as text"),
)
