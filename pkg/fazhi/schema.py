"""The contract between stages: every result table, its columns, their types and meaning.

In: nothing. Out: ``TABLES``, a mapping from table name to its ordered columns, and
``validate(name, df)``, which every writer calls so that a table on disk always matches this file.

A column is ``(name, polars dtype, description)``. Column order is part of the contract. Change a
table here first, then the stage that writes it; the documentation pages are generated from this file.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl


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


LEVELS = ("province", "province_dept", "city", "city_dept", "county", "county_dept", "township", "unknown")
DOC_TYPES = ("annual_report", "implementation_plan", "proposal_reply", "work_summary", "other")
FORMATS = ("plain", "html", "db_export")

TABLES: dict[str, Table] = {
    t.name: t
    for t in [
        _t(
            "documents",
            "one document of the corpus that loaded",
            ("doc_id", pl.String, "the file's stem; unique within the corpus"),
            ("source_file", pl.String, "the file name inside the corpus folder"),
            ("sha256", pl.String, "SHA-256 of the file's raw bytes"),
            ("encoding", pl.String, "the detected encoding (utf-8, utf-8-sig, utf-16, gb18030, ...)"),
            ("format", pl.String, "plain, html or db_export (English header + Chinese original)"),
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
        ),
        _t(
            "rejected",
            "one file of the corpus folder that did not load",
            ("source_file", pl.String, "the file name inside the corpus folder"),
            (
                "reason",
                pl.String,
                "empty, binary, undecodable, no_chinese_text, unsupported_format, duplicate, duplicate_id, "
                "unreadable or sidecar_orphan (a metadata.csv row for a file that is not there)",
            ),
            ("detail", pl.String, "a human-readable explanation (e.g. which file it duplicates)"),
        ),
        _t(
            "metadata_check",
            "one metadata field of one document that has a curated value in metadata.csv",
            ("doc_id", pl.String, "the document"),
            ("field", pl.String, "title, issuer, region, level, doc_type, period or published"),
            ("inferred", pl.String, "what inference from the text found (null when it found nothing)"),
            ("curated", pl.String, "what the sidecar says"),
            ("agree", pl.Boolean, "inferred == curated after normalisation"),
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
