"""Tables for reading: any polars table formatted for a page of the site (or JupyterLab).

In: a polars ``DataFrame``. Out: ``Table``, an object that notebooks display as a formatted HTML table
(great-tables), and ``install()``, which makes every polars table a notebook shows display that way.

How: ``table(df)`` builds a ``great_tables.GT``: numbers rounded (integers with thousands separators,
other numbers to ``decimals`` places), missing values as an em dash, booleans as yes / no, lists joined,
a ``level``, ``doc_type`` or ``theme`` column by its bilingual labels (``省直部门 provincial department``),
full strings (no "…" cut-off), short text kept on one line (a Chinese term or a keyword-in-context
keyword never wraps mid-word), no dtype row and no quotes. A table longer than ``max_rows`` shows its
first rows and says so, with a link to the full table's CSV download (or to the Data page). The HTML is
deterministic: the table's element id is a hash of its content.
"""

from __future__ import annotations

import hashlib
import html
from dataclasses import dataclass

import polars as pl

MAX_ROWS = 40  #: rows a table shows on a page before it is cut, with a note and a link to the full table
DECIMALS = 3  #: decimal places of non-integer numbers
NOWRAP_CHARS = 16  #: text columns whose longest value is at most this long never wrap


@dataclass(frozen=True)
class Table:
    """A formatted table: ``_repr_html_`` for notebooks, ``html`` for anything else."""

    html: str
    rows: int
    shown: int

    def _repr_html_(self) -> str:
        return self.html

    def __repr__(self) -> str:
        return f"<table: {self.shown} of {self.rows} row(s)>"


def _plain(df: pl.DataFrame) -> pl.DataFrame:
    """Levels, doc types and themes by their labels; lists joined; booleans as yes / no; dates as text."""
    from .labels import VARIABLES, labels

    out = []
    for name, dtype in df.schema.items():
        col = pl.col(name)
        if name in VARIABLES and dtype == pl.String:  # a level, doc type or theme: its bilingual label
            out.append(col.replace(labels(name)).alias(name))
        elif dtype == pl.Boolean:
            out.append(pl.when(col).then(pl.lit("yes")).when(~col).then(pl.lit("no")).alias(name))
        elif isinstance(dtype, (pl.List, pl.Array)):
            out.append(col.cast(pl.List(pl.String)).list.join(", ").alias(name))
        elif dtype.is_nested() or dtype == pl.Object:
            out.append(col.map_elements(str, return_dtype=pl.String).alias(name))
        elif not (dtype.is_numeric() or dtype == pl.String):
            out.append(col.cast(pl.String).alias(name))
    return df.with_columns(out) if out else df


def table(
    df: pl.DataFrame,
    *,
    max_rows: int = MAX_ROWS,
    decimals: int = DECIMALS,
    download: str | None = None,
    downloads: str = "../downloads",
    data_page: str = "../data.html",
    caption: str | None = None,
) -> Table:
    """``df`` formatted for reading (great-tables), cut to ``max_rows`` rows with a note when longer.

    Parameters
    ----------
    df
        Any polars table.
    max_rows
        Rows shown; a longer table shows its first ``max_rows`` rows and a note with a link.
    decimals
        Decimal places of non-integer numbers.
    download
        The result table ``df`` comes from (e.g. ``"theme_hits"``): the note links its CSV download.
    downloads, data_page
        Where the downloads folder and the Data page are, relative to the page (notebooks sit one
        folder down: ``../downloads``; pages at the site's root pass ``downloads`` and ``data.html``).
    caption
        A title above the table.
    """
    from great_tables import GT, loc, style

    from .schema import as_text

    n = df.height
    shown = _plain(as_text(df.head(max_rows)))  # an Enum column (fazhi.schema) as text: labelled like text
    digest = hashlib.sha256(shown.write_csv().encode() + repr(df.columns).encode()).hexdigest()[:12]
    gt = GT(shown, id=f"t{digest}")
    if caption:
        gt = gt.tab_header(title=caption)
    ints = [c for c, t in shown.schema.items() if t.is_integer()]
    floats = [c for c, t in shown.schema.items() if t.is_float() or t.is_decimal()]
    if ints:
        gt = gt.fmt_integer(columns=ints)
    if floats:
        gt = gt.fmt_number(columns=floats, decimals=decimals)
    short = [
        c
        for c, t in shown.schema.items()
        if t == pl.String and (shown[c].str.len_chars().max() or 0) <= NOWRAP_CHARS
    ]
    if short:
        gt = gt.tab_style(style=style.css("white-space: nowrap"), locations=loc.body(columns=short))
    gt = gt.sub_missing(missing_text="—")
    if n > max_rows:
        where = (
            f'<a href="{html.escape(downloads)}/{html.escape(download)}.csv">the full table (CSV)</a>'
            if download
            else f'<a href="{html.escape(data_page)}">the Data page</a> for every result table'
        )
        gt = gt.tab_source_note(_html(f"The first {max_rows:,} of {n:,} rows; see {where}."))
    return Table(html=gt.as_raw_html(), rows=n, shown=min(n, max_rows))


def _html(text: str) -> object:
    from great_tables import html as gt_html

    return gt_html(text)


def install(
    *, max_rows: int = MAX_ROWS, downloads: str = "../downloads", data_page: str = "../data.html"
) -> None:
    """Show every polars table of this notebook as a formatted table (``table``), not a raw dump.

    Call it once at the top of a notebook; outside IPython it does nothing.
    """
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython is a dependency of the notebooks
        return
    shell = get_ipython()
    if shell is None:
        return
    formatters = shell.display_formatter.formatters

    def as_html(df: pl.DataFrame) -> str:
        return table(df, max_rows=max_rows, downloads=downloads, data_page=data_page).html

    formatters["text/html"].for_type(pl.DataFrame, as_html)
    formatters["text/plain"].for_type(
        pl.DataFrame, lambda df, p, cycle: p.text(f"<table: {df.height} row(s) × {df.width} column(s)>")
    )
