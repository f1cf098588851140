"""The contract between stages: every result table, its columns, their types and meaning.

In: nothing (no stage module is imported). Out: ``TABLES``, a mapping from the name of every table
``fazhi build`` writes to its row meaning and ordered columns; ``validate(name, df)``, which every writer
calls so that a table on disk always matches this file; and ``frame(name, rows)``, which builds a table
with its documented types.

How: every table is declared here, grouped by the stage that writes it, so that the documentation
(the Data page, ``fazhi.report.data_dictionary``) and the downloads see all of them without importing a
stage.

A column is ``(name, polars dtype, description)``. Column order is part of the contract. Change a
table here first, then the stage that writes it; the documentation pages are generated from this file.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

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

    @property
    def text_schema(self) -> dict[str, pl.DataType | type[pl.DataType]]:
        """``polars_schema`` with the ``pl.Enum`` columns as text: how a stage may hand the table over."""
        return {c.name: pl.String if isinstance(c.dtype, pl.Enum) else c.dtype for c in self.columns}


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
    "title", "h1", "header", "signature", "salutation", "first_sentence", "body_cue", "self_reference",
    "gazetteer", "issuer", "session", "date_line", "genre_rule", "published", "collection", "sidecar",
    "doc_number", "byline", "mentions",
)  # fmt: skip
FORMATS = ("plain", "html", "db_export", "docx", "pdf", "jsonl", "json", "csv", "tsv", "parquet")


def _outline_themes(file: Path = PACKAGE_DATA / "outline.toml") -> tuple[str, ...]:
    """The theme ids: the ``[[system]]`` ids of the Outline file, in its order (the lexicons' themes)."""
    with open(file, "rb") as f:
        ids = tuple(str(s["id"]) for s in tomllib.load(f).get("system", []))
    if not ids or len(set(ids)) != len(ids):
        raise ValueError(f"{file.name}: [[system]] ids must be unique and present, got {ids}")
    return ids


THEMES = _outline_themes()
#: The measures of ``theme_scores`` (``fazhi.themes.scores``), in the order of its rows.
MEASURES = (
    "per_1k_tokens", "per_1k_content_tokens", "share_of_hits", "char_share", "section_share", "position",
)  # fmt: skip

# Categories as enums: a column of one of these types holds only the vocabulary's names, and sorting on it
# follows the vocabulary's order (centre first; the Outline's order), so no table needs a rank column.
# A stage may hand over such a column as text: ``conform`` casts it when the table is written, and a
# name outside the vocabulary is an error there.
LEVEL = pl.Enum(LEVELS)
DOC_TYPE = pl.Enum(DOC_TYPES)
THEME = pl.Enum(THEMES)
MEASURE = pl.Enum(MEASURES)

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
    ]
}


class SchemaError(ValueError):
    """A table does not match its documented contract."""


def register(table: Table) -> Table:
    """Add a stage's table to the contract (each stage module registers its own tables at import)."""
    TABLES[table.name] = table
    return table


def table(name: str, row: str, *cols: tuple[str, pl.DataType | type[pl.DataType], str]) -> Table:
    """Declare and register a table: ``table("sections", "one section", ("doc_id", pl.String, "..."),
    ...)``."""
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
        if isinstance(col.dtype, pl.Enum) and got == pl.String:
            _outside(name, col, df[col.name])  # text standing for the categories: checked, cast on writing
        elif got != col.dtype and not (got == pl.Null and len(df) == 0):
            raise SchemaError(f"{name}.{col.name}: dtype {got} != documented {col.dtype}")
    return df


def _outside(name: str, col: Column, values: pl.Series) -> None:
    """Raise ``SchemaError`` when ``values`` hold a name outside the categories of ``col``'s Enum."""
    assert isinstance(col.dtype, pl.Enum)
    allowed = col.dtype.categories
    names = values.drop_nulls().unique(maintain_order=True)
    bad = names.filter(~names.is_in(allowed.implode()))
    if len(bad):
        raise SchemaError(
            f"{name}.{col.name}: {', '.join(map(repr, bad.head(5).to_list()))} not among the documented "
            f"categories ({', '.join(allowed.to_list())}); add it to the vocabulary's data file first"
        )


def conform(name: str, df: pl.DataFrame) -> pl.DataFrame:
    """``df`` with its text columns cast to the documented ``pl.Enum`` types (``LEVEL``, ``THEME`` …).

    Raises
    ------
    SchemaError
        When such a column holds a name outside its categories (see ``validate``).
    """
    spec = TABLES.get(name)
    if spec is None:
        raise SchemaError(f"no table {name!r} in fazhi.schema.TABLES")
    casts = {}
    for col in spec.columns:
        if isinstance(col.dtype, pl.Enum) and df.schema.get(col.name) == pl.String:
            _outside(name, col, df[col.name])
            casts[col.name] = col.dtype
    return df.cast(casts) if casts else df


def levels_present(values: Iterable[str | None] | pl.Series) -> list[str]:
    """The distinct levels among ``values``, in the vocabulary's order (centre first; ``LEVELS``).

    Missing values are left out; a name outside the vocabulary (only text that never passed ``validate``
    can hold one) comes after the known levels, in alphabetical order.
    """
    present = {v for v in values if v is not None}
    return [lv for lv in LEVELS if lv in present] + sorted(present - set(LEVELS))


def in_order(column: str, categories: Sequence[str] | pl.Enum) -> pl.Expr:
    """A sort key: ``column`` as a ``pl.Enum`` of ``categories``, which sorts in their order.

    ``df.sort(in_order("level", LEVEL), "doc_id")`` sorts centre first whether ``level`` is text or
    already ``LEVEL``; a value outside ``categories`` raises (``polars.exceptions.InvalidOperationError``).
    """
    dtype = categories if isinstance(categories, pl.Enum) else pl.Enum(list(categories))
    return pl.col(column).cast(dtype)


def as_text(df: pl.DataFrame) -> pl.DataFrame:
    """``df`` with its ``pl.Enum`` columns as text: for a chart or table library, or a join with text."""
    casts = {c: pl.String for c, t in df.schema.items() if isinstance(t, pl.Enum)}
    return df.cast(casts) if casts else df


def frame(
    name: str,
    rows: Sequence[Sequence[object]] | Mapping[str, object] | None = None,
    *,
    orient: Literal["row", "col"] | None = "row",
) -> pl.DataFrame:
    """A table built from ``rows`` with its documented columns and types: ``frame("topic_runs", rows)``.

    Parameters
    ----------
    name
        The table's name in ``TABLES``.
    rows
        Tuples in column order (``orient="row"``), or a mapping from column name to values; ``None``: no rows.
    orient
        How a sequence of tuples is read; ignored for a mapping.

    Raises
    ------
    KeyError
        When ``name`` is not a documented table.
    """
    schema = TABLES[name].polars_schema
    if rows is None:
        return pl.DataFrame(schema=schema)
    if isinstance(rows, Mapping):
        return pl.DataFrame(rows, schema=schema)
    return pl.DataFrame(list(rows), schema=schema, orient=orient)


def empty(name: str) -> pl.DataFrame:
    """An empty table with the documented schema."""
    return pl.DataFrame(schema=TABLES[name].polars_schema)


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


# ------------------------------------------------------------------------------------------------
# Segmentation (fazhi.segment)
# ------------------------------------------------------------------------------------------------

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


# ------------------------------------------------------------------------------------------------
# Tokens (fazhi.tokenizer)
# ------------------------------------------------------------------------------------------------

TOKENS = table(
    "tokens",
    "one non-whitespace token of a document, in text order",
    ("doc_id", pl.String, "the document"),
    (
        "section_id",
        pl.Int32,
        "the section holding the token (sections.section_id); null without segmentation",
    ),
    (
        "sentence_id",
        pl.Int32,
        "the sentence holding the token (sentences.sentence_id); null between sentences",
    ),
    ("token_id", pl.Int32, "0.. in text order within the document"),
    ("token", pl.String, "the token as it appears in the text"),
    ("start", pl.Int64, "offset of its first character in documents.text"),
    ("end", pl.Int64, "offset after its last character (text[start:end] == token)"),
    (
        "pos",
        pl.String,
        "part of speech: dictionary tag (jieba's dict.txt or the user dictionary), else m/eng/x",
    ),
    ("keep", pl.Boolean, "survives the default filters (stopwords, punctuation, numbers, single characters)"),
)

TOKEN_SETTINGS = table(
    "token_settings",
    "one setting of the tokeniser that made the tokens table",
    (
        "key",
        pl.String,
        "engine, engine_version, hmm, filters, userdict_hash, stopwords_hash, settings_hash ...",
    ),
    ("value", pl.String, "its value (JSON for lists)"),
)


# ------------------------------------------------------------------------------------------------
# Vocabulary (fazhi.vocabulary)
# ------------------------------------------------------------------------------------------------

KEYNESS = table(
    "keyness",
    "one term of one level of government (the target) compared with all other levels (the reference)",
    ("level", LEVEL, "the target level of government"),
    ("token", pl.String, "the term (a kept token)"),
    ("n_target", pl.Int64, "occurrences in the target level's documents"),
    ("n_reference", pl.Int64, "occurrences in the other levels' documents"),
    ("target_total", pl.Int64, "kept tokens in the target"),
    ("reference_total", pl.Int64, "kept tokens in the reference"),
    ("g2", pl.Float64, "signed log-likelihood G² (negative: relatively rarer in the target)"),
    ("p_g2", pl.Float64, "p-value of G² (chi-square, 1 df)"),
    ("chi2", pl.Float64, "signed chi-square with Yates's correction"),
    ("p_chi2", pl.Float64, "p-value of chi2 (1 df)"),
    ("log_ratio", pl.Float64, "binary log of the ratio of relative frequencies (0.5 added to zero counts)"),
    ("pct_diff", pl.Float64, "%DIFF: 100 × (target rate − reference rate) / reference rate (0.5 for zero)"),
    ("rank", pl.Int32, "1 = most key for the target, by G² (descending)"),
)

BOILERPLATE = table(
    "boilerplate",
    "one sentence of a document flagged as boilerplate (recurs across documents)",
    ("doc_id", pl.String, "the document"),
    ("sentence_id", pl.Int32, "the sentence (sentences.sentence_id)"),
    (
        "kind",
        pl.String,
        "sentence (the whole sentence recurs) or ngram (it holds a recurring long token n-gram)",
    ),
    ("n_docs", pl.Int32, "how many documents hold the sentence or n-gram"),
    ("match", pl.String, "the recurring sentence (normalised) or n-gram (tokens joined)"),
    ("text", pl.String, "the sentence as in this document"),
)

SLOGANS = table(
    "slogans",
    "one quoted slogan (text inside “…”) at one level of government",
    ("level", LEVEL, "level of government"),
    ("slogan", pl.String, "the text between the quotation marks"),
    ("count", pl.Int64, "occurrences in the level's documents"),
    ("n_docs", pl.Int32, "documents of the level that use it"),
)


# ------------------------------------------------------------------------------------------------
# Themes (fazhi.themes)
# ------------------------------------------------------------------------------------------------

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


# ------------------------------------------------------------------------------------------------
# Topics (fazhi.topics)
# ------------------------------------------------------------------------------------------------

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


#: The stage that writes each table, in pipeline order: how the Data page groups the tables.
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
