"""Readable, unique document labels for every chart and table.

In: the ``documents`` table (``doc_id``, ``source_file``, ``region``, ``issuer``, ``period``).
Out: ``doc_labels(documents)``, one row per document with its ``label``.

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
