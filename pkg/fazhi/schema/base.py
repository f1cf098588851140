"""The building blocks of the table contract: columns, tables, the controlled vocabularies, checks.

In: the vocabularies kept as data (``data/levels.toml``, ``data/genres.toml``, the Outline's systems).
Out: ``Column``, ``Table``, the registry ``TABLES`` (filled by the ``*_tables`` modules of this package),
the category enums (``LEVEL``, ``DOC_TYPE``, ``THEME``, ``MEASURE``) and the functions every writer uses:
``validate``, ``conform``, ``frame``, ``empty``, ``levels_present``, ``in_order``, ``as_text``.

How: ``table(...)`` declares a table and registers it in ``TABLES``; ``validate`` compares a frame with its
declaration column by column; a ``pl.Enum`` column may be handed over as text and is cast on writing.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import polars as pl

from ..paths import PACKAGE_DATA


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
    """The ``[[system]]`` ids of the Outline file, in its order."""
    with open(file, "rb") as f:
        ids = tuple(str(s["id"]) for s in tomllib.load(f).get("system", []))
    if not ids or len(set(ids)) != len(ids):
        raise ValueError(f"{file.name}: [[system]] ids must be unique and present, got {ids}")
    return ids


def theme_ids(
    outline: Path = PACKAGE_DATA / "outline.toml", lexicons: Path = PACKAGE_DATA / "lexicons"
) -> tuple[str, ...]:
    """The theme ids, in order: the Outline's systems (in its order), then every lexicon file
    (``<id>.toml`` in ``lexicons``) that is not one of them, by file name.

    So a lexicon file alone adds a theme: it needs no ``[[system]]`` entry in the Outline file (which it
    has only when the theme is one of the Outline's systems, whose headings are then mapped to it).
    """
    systems = _outline_themes(outline)
    extra = sorted(p.stem for p in lexicons.glob("*.toml") if p.stem not in systems)
    return systems + tuple(extra)


THEMES = theme_ids()
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

TABLES: dict[str, Table] = {}


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
