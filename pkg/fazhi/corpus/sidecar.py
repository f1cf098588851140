"""The sidecar ``metadata.csv``: curated metadata, one row per file, validated, then merged with inference.

In: the sidecar's path. Out: a :class:`Sidecar` (``{source_file: {field: value}}``) with the problems found
in it; :func:`merge_metadata` gives a document's final values, each field's source and its
``metadata_check`` rows.

How: decoded like any corpus file; the separator is sniffed (``,``, ``;``, tab, ``|``); header names are
normalised (`` title`` and ``Source_File`` are read as ``title`` and ``source_file``, and said so). Every
value is checked against the documented vocabularies (``schema.LEVELS``, ``schema.DOC_TYPES``), dates
(``YYYY-MM-DD``), periods (``2023`` or ``2022–2025``, never reversed) and markup (no ``<``/``>``). An invalid
value is reported in ``metadata_check`` (column ``problem``) with a :class:`SidecarWarning` on the terminal
and never replaces the inferred value. Of duplicate rows the first is used, the others reported.
Two optional columns give provenance rather than metadata (:func:`provenance`): ``source_url``, the
document's official publication page (an ``http(s)`` address), and ``accessed``, the date it was
retrieved from there (``YYYY-MM-DD``).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
import warnings
from dataclasses import dataclass
from pathlib import Path

from ..schema import DOC_TYPES, LEVELS
from .decode import Rejected, decode
from .metadata import FIELDS, Inferred, gazetteer

EXTRA_COLUMNS = ("notes", "note", "comment", "comments")
# Provenance, not metadata inferred from the text: the document's official publication page and the date it
# was retrieved from there. Validated like the metadata fields; they go to the ``documents`` table as they
# are.
PROVENANCE = ("source_url", "accessed")
_URL = re.compile(r"https?://[^\s/?#\"'<>`]+(?:[/?#][^\s\"'<>`]*)?")


class SidecarWarning(UserWarning):
    """A curated value (a sidecar value, row or column, or a collection's own column) was set aside
    (see ``metadata_check.problem``)."""


# ----------------------------------------------------------------------------------------- values


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


_MARKUP = re.compile(r"[<>\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_PERIOD = re.compile(r"((?:19|20|21)\d{2})(?:–((?:19|20|21)\d{2}))?")


def validate_value(field_name: str, value: str | None) -> tuple[str | None, str | None]:
    """Check one curated value: ``(normalised value, None)`` when valid, ``(None, problem)`` when not.

    An empty value is ``(None, None)``: no curated value. ``level`` and ``doc_type`` must be one of the
    documented vocabularies exactly (``County`` is not ``county``); ``period`` a year or an increasing
    span; ``published`` an ISO date (``2024-03-28``) that exists; no value may hold markup or control
    characters; a ``region`` must be in the gazetteer or be a township (乡, 镇, 街道).
    """
    if value is None or not str(value).strip():
        return None, None
    raw = str(value)
    if _MARKUP.search(raw):
        return None, f"{field_name} {raw[:60]!r} holds markup or control characters"
    v = _norm(field_name, raw)
    assert v is not None
    if field_name == "level" and v not in LEVELS:
        return None, f"level {raw!r} is not one of {', '.join(LEVELS)}"
    if field_name == "doc_type" and v not in DOC_TYPES:
        return None, f"doc_type {raw!r} is not one of {', '.join(DOC_TYPES)}"
    if field_name == "period":
        m = _PERIOD.fullmatch(v)
        if not m:
            return None, f"period {raw!r} is not a year (2023) or a span of years (2022–2025)"
        if m.group(2) and int(m.group(2)) <= int(m.group(1)):
            return None, f"period {raw!r} is reversed or empty (the first year must come first)"
    if field_name == "source_url":
        if not _URL.fullmatch(raw.strip()):
            return None, f"source_url {raw[:60]!r} is not an http(s) address without spaces or quotes"
        return raw.strip(), None
    if field_name in ("published", "accessed"):
        try:
            dt.date.fromisoformat(v)
        except ValueError:
            return None, f"{field_name} {raw!r} is not a date in the form YYYY-MM-DD"
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", v):
            return None, f"{field_name} {raw!r} is not a date in the form YYYY-MM-DD"
    if field_name == "region":
        if v in gazetteer():
            return gazetteer().by_name[v][0].name, None  # a province's short name (上海) as its full name
        if not re.fullmatch(r"[\u4e00-\u9fff]{1,10}(乡|镇|街道)", v):
            return None, f"region {raw!r} is not a division in the gazetteer (data/divisions/divisions.csv)"
    return (
        v if field_name in ("period", "level", "doc_type", "published", "accessed") else raw.strip()
    ), None


# ---------------------------------------------------------------------------------------- reading


@dataclass
class SidecarProblem:
    """One problem of a sidecar: which row (file) and column, the raw value and what is wrong."""

    source_file: str | None
    column: str
    value: str | None
    problem: str


class Sidecar(dict):
    """``{source_file: {field: value}}`` of the rows that can be used, and ``problems`` with the rest."""

    def __init__(
        self,
        rows: dict[str, dict[str, str | None]] | None = None,
        problems: list[SidecarProblem] | None = None,
    ):
        super().__init__(rows or {})
        self.problems: list[SidecarProblem] = problems or []


def _header_key(name: str) -> str:
    return re.sub(r"[\s\-]+", "_", unicodedata.normalize("NFKC", name).strip().lstrip("\ufeff")).lower()


def read_sidecar(path: Path) -> Sidecar:
    """Read a ``metadata.csv``: one row per file (column ``source_file``), any subset of metadata columns.

    Empty cells mean "no curated value" and leave inference in place. Values are kept as written here;
    :func:`merge_metadata` validates them. Problems of the file itself (no ``source_file`` column, a
    renamed header, an unknown column, a duplicate row) are in ``.problems`` and warned about.
    """
    try:
        text, _ = decode(path.read_bytes())
    except (OSError, Rejected) as e:
        what = f"{e.reason}: {e.detail}" if isinstance(e, Rejected) else str(e)
        problems = [
            SidecarProblem(None, "(file)", None, f"the sidecar cannot be read ({what}): it is ignored")
        ]
        _warn(problems, path)
        return Sidecar(problems=problems)
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    try:
        return _parse_sidecar(text, path)
    except csv.Error as e:
        problems = [SidecarProblem(None, "(file)", None, f"not a readable CSV ({e}): the sidecar is ignored")]
        _warn(problems, path)
        return Sidecar(problems=problems)


def _parse_sidecar(text: str, path: Path) -> Sidecar:
    first = text.split("\n", 1)[0]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(first, delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    problems: list[SidecarProblem] = []
    try:
        header = next(reader)
    except StopIteration:
        return Sidecar()
    keys = [_header_key(h) for h in header]
    if getattr(dialect, "delimiter", ",") != ",":
        problems.append(
            SidecarProblem(
                None,
                "(separator)",
                repr(dialect.delimiter),
                f"columns separated by {dialect.delimiter!r}, not ',': read as such",
            )
        )
    for h, k in zip(header, keys, strict=True):
        if h != k and k in (*FIELDS, *PROVENANCE, "source_file"):
            problems.append(SidecarProblem(None, k, h, f"header {h!r} read as {k!r}"))
        elif k not in (*FIELDS, *PROVENANCE, "source_file", *EXTRA_COLUMNS):
            known = ", ".join(("source_file", *FIELDS, *PROVENANCE))
            problems.append(SidecarProblem(None, k, h, f"unknown column {h!r} ignored (known: {known})"))
    if "source_file" not in keys:
        problems.append(
            SidecarProblem(
                None, "source_file", None, f"no source_file column (header: {header}): the sidecar is ignored"
            )
        )
        _warn(problems, path)
        return Sidecar(problems=problems)
    rows: dict[str, dict[str, str | None]] = {}
    for cells in reader:
        if not any(c.strip() for c in cells):
            continue
        row = dict(zip(keys, cells, strict=False))
        key = (row.get("source_file") or "").strip()
        if not key:
            problems.append(
                SidecarProblem(None, "source_file", None, f"a row without source_file ignored: {cells[:4]}")
            )
            continue
        values = {
            k: (v.strip() if v and v.strip() else None) for k, v in row.items() if k in (*FIELDS, *PROVENANCE)
        }
        if key in rows:
            differs = values != rows[key]
            why = "duplicate row ignored (the first row for this file is used)" + (
                "; its values differ" if differs else ""
            )
            problems.append(SidecarProblem(key, "source_file", key, why))
            continue
        rows[key] = values
    _warn(problems, path)
    return Sidecar(rows, problems)


def _warn(problems: list[SidecarProblem], path: Path) -> None:
    for p in problems:
        where = f" ({p.source_file})" if p.source_file else ""
        warnings.warn(f"{path.name}{where}: {p.problem}", SidecarWarning, stacklevel=3)


def sidecar_checks(sidecar: Sidecar) -> list[dict[str, object]]:
    """``metadata_check`` rows for the problems of the sidecar file itself (header, duplicates)."""
    from pathlib import PurePath

    return [
        {
            "doc_id": PurePath(p.source_file).stem if p.source_file else None,
            "field": p.column,
            "inferred": None,
            "curated": p.value,
            "agree": False,
            "problem": p.problem,
            "curated_source": "sidecar",
        }
        for p in sidecar.problems
    ]


# ---------------------------------------------------------------------------------------- merging


def merge_metadata(
    inferred: Inferred,
    curated: dict[str, str | None] | None,
    *,
    doc_id: str,
    warn: bool = True,
) -> tuple[dict[str, str | None], dict[str, str | None], list[dict[str, object]]]:
    """A document's final metadata: inferred (and collection) values, overridden field by field by valid
    sidecar values.

    Parameters
    ----------
    inferred
        What :func:`~fazhi.corpus.metadata.infer_metadata` found (its ``sources`` and the collection
        values it rejected, ``rejected_given``).
    curated
        The document's sidecar row (``{field: value}``), or None.
    doc_id
        The document, for the check rows.
    warn
        Emit a :class:`SidecarWarning` for each rejected value.

    Returns
    -------
    (values, sources, checks)
        ``values[field]`` (strings; ``period`` normalised with an en dash), ``sources[field]`` (``sidecar``
        where a curated value was used), and ``metadata_check`` rows: one per sidecar field (``agree``
        compares it with inference; ``problem`` says why an invalid value was not used), and one per
        collection value (used: compared with what the text alone gives; rejected: with its problem).
    """
    values = inferred.as_strings()
    sources = {f: inferred.sources.get(f) for f in FIELDS}
    checks: list[dict[str, object]] = []
    text_only = inferred.from_text or {}
    for fld in FIELDS:
        if inferred.sources.get(fld) == "collection":
            checks.append({"doc_id": doc_id, "field": fld, "inferred": text_only.get(fld),
                           "curated": values.get(fld),
                           "agree": _norm(fld, text_only.get(fld)) == _norm(fld, values.get(fld)),
                           "problem": None, "curated_source": "collection"})  # fmt: skip
        elif fld in inferred.rejected_given:
            raw, problem = inferred.rejected_given[fld]
            checks.append({"doc_id": doc_id, "field": fld, "inferred": values.get(fld), "curated": raw,
                           "agree": False, "problem": f"collection column: {problem}",
                           "curated_source": "collection"})  # fmt: skip
            if warn:
                warnings.warn(
                    f"{doc_id}: collection column: {problem}; not used", SidecarWarning, stacklevel=2
                )
    for fld in FIELDS:
        raw = (curated or {}).get(fld)
        if raw is None or not str(raw).strip():
            continue
        value, problem = validate_value(fld, raw)
        inf = values.get(fld)
        if problem:
            checks.append({"doc_id": doc_id, "field": fld, "inferred": inf, "curated": raw, "agree": False,
                           "problem": problem, "curated_source": "sidecar"})  # fmt: skip
            if warn:
                warnings.warn(
                    f"metadata.csv ({doc_id}): {problem}; the inferred value is kept",
                    SidecarWarning,
                    stacklevel=2,
                )
            continue
        checks.append({"doc_id": doc_id, "field": fld, "inferred": inf, "curated": raw,
                       "agree": _norm(fld, inf) == _norm(fld, raw), "problem": None,
                       "curated_source": "sidecar"})  # fmt: skip
        values[fld] = value
        sources[fld] = "sidecar"
    if values.get("period"):
        values["period"] = _norm("period", values["period"])
    return values, sources, checks


def provenance(
    curated: dict[str, str | None] | None,
    *,
    doc_id: str,
    given_url: str | None = None,
    warn: bool = True,
) -> tuple[dict[str, str | None], list[dict[str, object]]]:
    """A document's provenance: its publication page (``source_url``) and the date it was retrieved
    (``accessed``).

    The sidecar's valid values are used; otherwise ``source_url`` is the collection's own url column
    (``given_url``) and ``accessed`` is unknown (None). Nothing is guessed. Returns the values and the
    ``metadata_check`` rows of the curated values (an invalid one with its ``problem``, and a warning); a
    valid curated value disagrees only with a different url of the collection itself (nothing is inferred).
    """
    values: dict[str, str | None] = {"source_url": given_url, "accessed": None}
    checks: list[dict[str, object]] = []
    for fld in PROVENANCE:
        raw = (curated or {}).get(fld)
        if raw is None or not str(raw).strip():
            continue
        value, problem = validate_value(fld, raw)
        known = values[fld]
        checks.append({"doc_id": doc_id, "field": fld, "inferred": known, "curated": raw,
                       "agree": problem is None and known in (None, value), "problem": problem,
                       "curated_source": "sidecar"})  # fmt: skip
        if problem:
            if warn:
                warnings.warn(f"metadata.csv ({doc_id}): {problem}; not used", SidecarWarning, stacklevel=2)
            continue
        values[fld] = value
    return values, checks
