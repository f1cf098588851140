"""Readable, unique document labels for every chart and table.

In: the ``documents`` table (``doc_id``, ``source_file``, ``region``, ``issuer``, ``period``).
Out: ``doc_labels(documents)``, one row per document with its ``label``; ``label(variable, value)``, the
bilingual label of a level, document type or theme (``省直部门 provincial department``), and ``DISPLAY``,
the colour and labels of every value, from ``data/display.toml``.

How: a label joins the known parts region · issuer · period (the region is left out when the issuer's
name already contains it; unknown parts — null, empty, ``?``, ``unknown`` — are left out). A document
whose region and issuer are both unknown is labelled by its file name (without extension), which says
more than a bare year, or, failing that, its ``doc_id``.
Labels that collide are made unique by a suffix `` #2``, `` #3`` … in ``doc_id`` order, so two
documents never share a bar or a heatmap row. Deterministic: the same table gives the same labels.
"""

from __future__ import annotations

from pathlib import PurePosixPath

import polars as pl

SEPARATOR = " · "
_UNKNOWN = {"", "?", "unknown", "none", "null", "nan"}


def _known(value: object) -> str | None:
    if value is None:
        return None
    text = " ".join(str(value).split())
    return None if text.lower() in _UNKNOWN else text


def label_of(row: dict[str, object]) -> str:
    """The (not yet de-duplicated) label of one document row."""
    region, issuer, period = (_known(row.get(k)) for k in ("region", "issuer", "period"))
    if region and issuer and region in issuer:
        region = None
    parts = [p for p in (region, issuer, period) if p]
    if region or issuer:
        return SEPARATOR.join(parts)
    source = _known(row.get("source_file"))
    if source:
        return PurePosixPath(source.replace("\\", "/")).stem or source
    return str(row.get("doc_id") or "document")


def doc_labels(documents: pl.DataFrame) -> pl.DataFrame:
    """One row per document: ``doc_id`` and a readable ``label``, unique within the table."""
    cols = [c for c in ("doc_id", "source_file", "region", "issuer", "period") if c in documents.columns]
    rows = documents.select(cols).sort("doc_id").iter_rows(named=True)
    seen: dict[str, int] = {}
    taken: set[str] = set()
    out = []
    for row in rows:
        base = label_of(row)
        label = base
        n = seen.get(base, 1)
        while label in taken:
            n += 1
            label = f"{base} #{n}"
        seen[base] = n
        taken.add(label)
        out.append((row["doc_id"], label))
    return pl.DataFrame(out, schema={"doc_id": pl.String, "label": pl.String}, orient="row")


def with_labels(df: pl.DataFrame, documents: pl.DataFrame, *, column: str = "label") -> pl.DataFrame:
    """``df`` with a ``label`` column joined on ``doc_id`` (placed first)."""
    labels = doc_labels(documents).rename({"label": column})
    out = df.join(labels, on="doc_id", how="left")
    return out.select(column, *[c for c in out.columns if c != column])


__all__ = ["doc_labels", "label_of", "with_labels"]


# ---- bilingual labels and colours of the categorical variables (data/display.toml) ----------------------
# One colour and one label per value of level, doc_type and theme, used by every chart (fazhi.charts) and
# in prose (fazhi.report).

DISPLAY_FILE = "display.toml"  #: colours and labels of the categorical variables, in pkg/fazhi/data/
VARIABLES = ("level", "doc_type", "theme")


def _vocabulary(variable: str) -> tuple[str, ...]:
    from .schema import DOC_TYPES, LEVELS

    if variable == "level":
        return LEVELS
    if variable == "doc_type":
        return DOC_TYPES
    return tuple(sorted(_lexicon_names()))


def _lexicon_names() -> dict[str, tuple[str, str]]:
    """Theme id → (Chinese label, English label), from the lexicon files (``fazhi.themes.theme_labels``)."""
    from .themes.lexicon import theme_labels

    return theme_labels()


def _display() -> dict[str, dict[str, dict[str, str]]]:
    """Colour, Chinese and English label of every value of each variable (display.toml, then fallbacks)."""
    import tomllib

    from .paths import PACKAGE_DATA

    with open(PACKAGE_DATA / DISPLAY_FILE, "rb") as f:
        data = tomllib.load(f)
    fallback = data["fallback"]
    lexicons = _lexicon_names()
    out: dict[str, dict[str, dict[str, str]]] = {}
    for variable in VARIABLES:
        given = data.get(variable, {})
        values = list(given) + [v for v in _vocabulary(variable) if v not in given]
        entries = {}
        for i, value in enumerate(values):
            zh, en = lexicons.get(value, (value, value)) if variable == "theme" else (value, value)
            entry = {"zh": zh, "en": en, "color": fallback[i % len(fallback)], **given.get(value, {})}
            entries[value] = entry
        out[variable] = entries
    return out


DISPLAY = _display()


def label(variable: str, value: str) -> str:
    """The bilingual label of a value: ``label("level", "province_dept")`` is ``省直部门 provincial
    department``.

    A value outside the vocabulary is returned as it is.
    """
    entry = DISPLAY.get(variable, {}).get(value)
    return f"{entry['zh']} {entry['en']}" if entry else value


def labels(variable: str) -> dict[str, str]:
    """Every value of ``variable`` (level, doc_type or theme) and its bilingual label."""
    return {v: label(variable, v) for v in DISPLAY[variable]}
