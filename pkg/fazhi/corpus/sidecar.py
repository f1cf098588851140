"""The sidecar ``metadata.csv``: curated metadata, one row per file, overriding inference field by field.

In: the sidecar's path. Out: ``{source_file: {field: value}}``. How: decoded like any corpus file, read
with the csv module; empty cells mean "no curated value".
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from pathlib import Path

from .decode import decode

# ----------------------------------------------------------------------------------------- sidecar


def _norm(field_name: str, value: str | None) -> str | None:
    """Normalise a metadata value for comparison (width, spaces, dashes)."""
    if value is None:
        return None
    v = unicodedata.normalize("NFKC", str(value)).strip()
    if not v:
        return None
    if field_name in ("title", "issuer"):
        v = re.sub(r"\s+", "", v)
    if field_name == "period":
        v = re.sub(r"\s*[-—–－~～]\s*", "–", v)
    return v


def read_sidecar(path: Path) -> dict[str, dict[str, str | None]]:
    """Read a ``metadata.csv``: one row per file (column ``source_file``), any subset of metadata columns.

    Empty cells mean "no curated value" and leave inference in place.
    """
    raw = path.read_bytes()
    text, _ = decode(raw)
    rows: dict[str, dict[str, str | None]] = {}
    for row in csv.DictReader(io.StringIO(text)):
        key = (row.get("source_file") or "").strip()
        if not key:
            continue
        rows[key] = {k: (v.strip() if v and v.strip() else None) for k, v in row.items() if k != "source_file"}
    return rows
