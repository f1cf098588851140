"""Loading: every file and every row of a corpus folder becomes a document or a row of ``rejected``.

In: a corpus folder (and its sidecar), walked recursively (``walk``). Out: a :class:`Corpus` of
``documents``, ``rejected`` and ``metadata_check`` tables (columns in ``fazhi.schema``). How: single
documents (text, HTML, Word ``.docx``, PDF with a text layer) are read, checked against the formats we
cannot read, decoded (with recorded repairs), cleaned and their metadata inferred; collection files
(JSON Lines, JSON, CSV/TSV, parquet) give one document per row (``collections``), with metadata from
their columns; curated sidecar values then override field by field, and every disagreement is recorded.

The readers by family: ``files`` (single-document files) and ``rows`` (rows of collection files);
this module walks the folder, applies the sidecar and assembles the tables.

Identity: ``doc_id`` is the file's path relative to the corpus folder without its suffix (a file at the
root: its stem, as before); a row of a collection file with more than one row adds ``#`` and the row's
own id (a ``doc_id``/``id`` column) or else its 1-based row number (JSON Lines: the line number). It is
stable across runs as long as the file is. ``collection`` is the folder relative to the corpus root.

Not documents: the sidecar ``metadata.csv`` (any letter case) at the root; documentation files
(README, SOURCE, NOTES, LICENSE... as .md/.txt/.rst), listed as ``documentation``; hidden entries.
Every file above ``MAX_DOCUMENT_BYTES`` that must be read whole, and every row above it, is rejected
``too_large`` before it is read into memory; collection files are streamed.
"""

from __future__ import annotations

import csv
import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from ..schema import TABLES, validate
from .collections import ROW_KINDS
from .decode import Rejected
from .files import (
    DOC_STEMS,
    DOC_SUFFIXES,
    HTML_SUFFIXES,
    MAGIC,
    MAX_DOCUMENT_BYTES,
    TEXT_SUFFIXES,
    UNSUPPORTED_SUFFIXES,
    _Doc,
    _is_documentation,
    _reject,
    _rel_stem,
    read_file,
)
from .metadata import parse_date
from .rows import _drop_collection_furniture, _read_collection
from .sidecar import Sidecar, merge_metadata, provenance, read_sidecar, sidecar_checks
from .walk import Entry, walk_corpus

SIDECAR = "metadata.csv"
METADATA_FIELDS = ("title", "issuer", "region", "level", "doc_type", "period", "published")

# Every reason a file, folder entry or row is rejected (the README's table explains each; a test keeps the
# two in step).
REASONS = (
    "empty", "binary", "undecodable", "mojibake", "no_chinese_text", "unsupported_format", "damaged",
    "encrypted", "no_text_layer", "too_large", "no_text_column", "bad_json", "not_text", "duplicate",
    "duplicate_id", "documentation", "hidden", "outside_corpus", "dangling_link", "symlink_loop",
    "not_a_file", "unreadable", "sidecar_unreadable", "sidecar_misplaced", "sidecar_duplicate",
    "sidecar_orphan",
)  # fmt: skip


# ------------------------------------------------------------------------------------------ loading


@dataclass
class Corpus:
    """A loaded corpus: ``documents``, ``rejected`` and ``metadata_check`` (see ``fazhi.schema``)."""

    folder: Path
    documents: pl.DataFrame
    rejected: pl.DataFrame
    metadata_check: pl.DataFrame

    def summary(self, *, max_listed: int = 20) -> str:
        """A short human-readable account of the load: counts by source and reason, then the first
        rejections."""
        d, r = self.documents, self.rejected
        from_rows = int(d["source_row"].is_not_null().sum()) if d.height else 0
        lines = [
            (
                f"{d.height} document(s) loaded from {self.folder} ({d.height - from_rows} file(s), "
                f"{from_rows} row(s) of collection files), {r.height} rejected"
            )
        ]
        if d.height:
            by_level = d.group_by("level").len().sort("level")
            lines.append("  by level: " + ", ".join(f"{a} {b}" for a, b in by_level.iter_rows()))
            noted = d.filter(pl.col("ingest_notes").is_not_null()).height
            if noted:
                lines.append(f"  {noted} document(s) loaded with repairs (see the ingest_notes column)")
        if r.height:
            by_reason = r.group_by("reason").len().sort("reason")
            lines.append("  rejected by reason: " + ", ".join(f"{a} {b}" for a, b in by_reason.iter_rows()))
        for row in r.head(max_listed).iter_rows(named=True):
            where = f" row {row['source_row']}" if row["source_row"] is not None else ""
            lines.append(f"  rejected {row['source_file']}{where}: {row['reason']} ({row['detail']})")
        if r.height > max_listed:
            lines.append(f"  ... and {r.height - max_listed} more (see the rejected table)")
        disagree = self.metadata_check.filter(~pl.col("agree"))
        if disagree.height:
            lines.append(
                f"  {disagree.height} curated metadata field(s) differ from inference (see metadata_check)"
            )
        return "\n".join(lines)


def _sidecar_entries(entries: list[Entry]) -> tuple[Entry | None, list[dict[str, object]]]:
    """The root sidecar (``metadata.csv``, any letter case) and rejections for other sidecar-named files."""
    named = [e for e in entries if e.problem is None and e.rel.rsplit("/", 1)[-1].lower() == SIDECAR]
    root = sorted((e for e in named if "/" not in e.rel), key=lambda e: (e.rel != SIDECAR, e.rel))
    chosen = root[0] if root else None
    rejected = []
    for e in named:
        if e is chosen:
            continue
        if "/" in e.rel:
            rejected.append(
                _reject(
                    e.rel,
                    "sidecar_misplaced",
                    (
                        "only the metadata.csv at the corpus root is read; its source_file holds paths "
                        "relative to the root"
                    ),
                )
            )
        else:
            rejected.append(
                _reject(
                    e.rel,
                    "sidecar_duplicate",
                    f"{chosen.rel if chosen else SIDECAR} is the sidecar; this one is not read",
                )
            )
    return chosen, rejected


def read_corpus(
    folder: str | Path,
    *,
    progress: bool = False,
    text_column: str | None = None,
    max_bytes: int = MAX_DOCUMENT_BYTES,
) -> Corpus:
    """Read every file below a folder into clean documents with metadata; list every file or row that did not
    load.

    Parameters
    ----------
    folder
        The corpus folder, read recursively. A ``metadata.csv`` at its root (column ``source_file``, the
        path relative to the root, or a ``doc_id``; plus any of title, issuer, region, level, doc_type,
        period, published) overrides inferred metadata field by field.
    progress
        Show a progress bar (useful for hundreds of files).
    text_column
        The text column of collection files (JSON Lines, JSON, CSV/TSV, parquet); detected when None.
    max_bytes
        The size limit of one document (a file read whole, or a row's text).

    Returns
    -------
    Corpus
        ``.documents``, ``.rejected`` and ``.metadata_check`` polars tables.

    Raises
    ------
    NotADirectoryError
        When ``folder`` is not a folder. A bad file never raises: it is listed in ``.rejected``.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise NotADirectoryError(f"{folder} is not a folder")
    entries = list(walk_corpus(folder))
    sidecar_entry, rejected = _sidecar_entries(entries)
    sidecar = _load_sidecar(sidecar_entry, rejected)
    skip = {id(e) for e in entries if e.problem is None and e.rel.rsplit("/", 1)[-1].lower() == SIDECAR}
    iterate: Iterable[Entry] = entries
    if progress and len(entries) > 20:
        from tqdm import tqdm

        iterate = tqdm(entries, desc="reading corpus", unit="file")
    checks: list[dict[str, object]] = sidecar_checks(sidecar) if isinstance(sidecar, Sidecar) else []
    pending, used_keys = _load_entries(
        (e for e in iterate if id(e) not in skip),
        sidecar=sidecar,
        rejected=rejected,
        text_column=text_column,
        max_bytes=max_bytes,
    )
    _drop_collection_furniture([d for _, d, _ in pending])
    docs = [_document_row(doc_id, d, curated, checks) for doc_id, d, curated in pending]
    for name in sorted(set(sidecar) - used_keys - {e.rel for e in entries}):
        rejected.append(
            _reject(
                sidecar_entry.rel if sidecar_entry else SIDECAR,
                "sidecar_orphan",
                f"row for {name!r}, which is not in the folder",
            )
        )
    return _corpus(folder, docs=docs, rejected=rejected, checks=checks)


def _load_entries(
    entries: Iterable[Entry],
    *,
    sidecar: Sidecar,
    rejected: list[dict[str, object]],
    text_column: str | None,
    max_bytes: int,
) -> tuple[list[tuple[str, _Doc, dict[str, str | None] | None]], set[str]]:
    """Every document of ``entries`` as ``(doc_id, doc, curated values or None)``, and the sidecar keys
    used; what is not a document (or repeats one) is appended to ``rejected``, in walk order."""
    pending: list[tuple[str, _Doc, dict[str, str | None] | None]] = []
    seen_text: dict[str, str] = {}
    seen_id: dict[str, str] = {}
    used_keys: set[str] = set()
    for entry in entries:
        for item in _read_entry(entry, text_column=text_column, max_bytes=max_bytes):
            if isinstance(item, dict):
                rejected.append(item)
                continue
            doc_id, d = item
            d.collection = entry.collection
            if entry.name_note:
                d.notes.append(entry.name_note)
            refusal = _admit(doc_id, d, seen_text=seen_text, seen_id=seen_id)
            if refusal is not None:
                rejected.append(refusal)
                continue
            # the sidecar names a document by doc_id, or by its file when the file is one document
            whole_file = not doc_id.startswith(_rel_stem(d.source_file) + "#")
            key = doc_id if doc_id in sidecar else d.source_file if whole_file else None
            curated = sidecar.get(key) if key else None
            if curated is not None:
                used_keys.add(key)
            pending.append((doc_id, d, curated))
    return pending, used_keys


def _load_sidecar(entry: Entry | None, rejected: list[dict[str, object]]) -> Sidecar:
    """The sidecar of ``entry`` (none: an empty one); an unreadable one is empty and adds a rejection."""
    if entry is None:
        return Sidecar()
    try:
        if b"\x00" in entry.path.read_bytes():
            raise Rejected("binary", "it contains NUL bytes: not a CSV text file")
        return read_sidecar(entry.path)
    except (OSError, Rejected, UnicodeError, csv.Error, ValueError) as e:
        detail = e.detail if isinstance(e, Rejected) else (getattr(e, "strerror", None) or str(e))
        rejected.append(_reject(entry.rel, "sidecar_unreadable", f"the sidecar is not used: {detail}"))
        return Sidecar()


def _admit(doc_id: str, d: _Doc, *, seen_text: dict[str, str], seen_id: dict[str, str]) -> dict | None:
    """A rejection when ``d`` repeats the clean text or the ``doc_id`` of an earlier document; else None,
    and ``d`` is remembered in ``seen_text`` and ``seen_id``."""
    where = d.source_file + (f" row {d.source_row}" if d.source_row is not None else "")
    text_key = hashlib.sha256(d.cleaned.text.encode("utf-8", "surrogatepass")).hexdigest()
    if text_key in seen_text:
        return _reject(d.source_file, "duplicate", f"same clean text as {seen_text[text_key]}", d.source_row)
    if doc_id in seen_id:
        return _reject(
            d.source_file,
            "duplicate_id",
            f"its doc_id {doc_id!r} is already taken by {seen_id[doc_id]}; rename the file or fix the id",
            d.source_row,
        )
    seen_text[text_key] = where
    seen_id[doc_id] = where
    return None


def _corpus(
    folder: Path, *, docs: list[dict[str, object]], rejected: list[dict[str, object]], checks: list
) -> Corpus:
    """The three tables, validated against their declarations."""
    schema = TABLES["documents"].text_schema  # level and doc_type as text: validate names a stray value
    documents = pl.DataFrame(docs, schema=schema) if docs else pl.DataFrame(schema=schema)
    return Corpus(
        folder=folder,
        documents=validate("documents", documents.sort("doc_id")),
        rejected=validate("rejected", pl.DataFrame(rejected, schema=TABLES["rejected"].polars_schema)),
        metadata_check=validate(
            "metadata_check", pl.DataFrame(checks, schema=TABLES["metadata_check"].polars_schema)
        ),
    )


def _read_entry(
    entry: Entry, *, text_column: str | None, max_bytes: int
) -> Iterator[tuple[str, _Doc] | dict[str, object]]:
    """One walked entry: its documents as ``(doc_id, doc)`` and its rejected rows."""
    if entry.problem is not None:
        yield _reject(entry.rel, *entry.problem)
        return
    name = entry.rel.rsplit("/", 1)[-1]
    if _is_documentation(name):
        yield _reject(
            entry.rel,
            "documentation",
            "documentation of the corpus (README, SOURCE, NOTES...): not a document",
        )
        return
    suffix = ("." + name.rsplit(".", 1)[1].lower()) if "." in name[1:] else ""
    kind = ROW_KINDS.get(suffix)
    if kind is not None:
        yield from _read_collection(entry, kind, text_column=text_column, max_bytes=max_bytes)
        return
    try:
        yield _rel_stem(entry.rel), read_file(entry.path, max_bytes=max_bytes, name=entry.rel)
    except Rejected as r:
        yield _reject(entry.rel, r.reason, r.detail)


def _period_bounds(period: str | None) -> tuple[int | None, int | None]:
    if not period:
        return None, None
    years = [int(y) for y in re.findall(r"(?:19|20)\d{2}", period)]
    return (min(years), max(years)) if years else (None, None)


def _document_row(
    doc_id: str,
    d: _Doc,
    curated: dict[str, str | None] | None,
    checks: list[dict[str, object]],
) -> dict[str, object]:
    values, sources, row_checks = merge_metadata(d.inferred, curated, doc_id=doc_id)
    checks.extend(row_checks)
    origin, origin_checks = provenance(curated, doc_id=doc_id, given_url=d.given.get("url"))
    checks.extend(origin_checks)
    start, end = _period_bounds(values.get("period"))
    return {
        "doc_id": doc_id,
        "source_file": d.source_file,
        "collection": d.collection,
        "source_row": d.source_row,
        "sha256": d.sha256,
        "encoding": d.encoding,
        "format": d.format,
        "title": values["title"],
        "issuer": values["issuer"],
        "region": values["region"],
        "level": values["level"] or "unknown",
        "doc_type": values["doc_type"] or "other",
        "period": values["period"],
        "period_start": start,
        "period_end": end,
        "published": parse_date(values["published"]) if values.get("published") else None,
        "text": d.cleaned.text,
        "n_chars": len(d.cleaned.text),
        "english_summary": d.cleaned.english_summary,
        "metadata_source": "curated" if curated else "inferred",
        "source_url": origin["source_url"],
        "accessed": parse_date(origin["accessed"]) if origin["accessed"] else None,
        "ingest_notes": "; ".join(d.notes) if d.notes else None,
        **{f"{f}_source": sources[f] for f in METADATA_FIELDS},
        "script": d.cleaned.script,
        "converted_chars": d.cleaned.converted_chars,
        "original_text": d.cleaned.original_text,
    }


def metadata_agreement(check: pl.DataFrame) -> pl.DataFrame:
    """Inference accuracy against the curated sidecar, per metadata field.

    Parameters
    ----------
    check
        The ``metadata_check`` table.

    Returns
    -------
    polars.DataFrame
        One row per field: ``field``, ``n`` (documents with a curated value), ``agree`` and ``accuracy``,
        in the order of ``METADATA_FIELDS``; and a final ``all`` row.
    """
    per = check.group_by("field").agg(n=pl.len(), agree=pl.col("agree").sum())
    order = pl.DataFrame({"field": list(METADATA_FIELDS), "_o": list(range(len(METADATA_FIELDS)))})
    per = per.join(order, on="field", how="left").sort("_o").drop("_o")
    total = pl.DataFrame({"field": ["all"], "n": [check.height], "agree": [int(check["agree"].sum())]})
    out = pl.concat(
        [per.cast({"n": pl.Int64, "agree": pl.Int64}), total.cast({"n": pl.Int64, "agree": pl.Int64})]
    )
    return out.with_columns(accuracy=pl.when(pl.col("n") > 0).then(pl.col("agree") / pl.col("n")))


if TYPE_CHECKING:
    from ..pipeline import BuildContext


def build_stage(ctx: BuildContext) -> dict[str, pl.DataFrame]:
    """Pipeline stage: read ``ctx.corpus`` into ``documents``, ``rejected`` and ``metadata_check``."""
    text_column = ctx.settings.corpus.text_column
    corpus = read_corpus(
        ctx.corpus, progress=ctx.progress, text_column=str(text_column) if text_column else None
    )
    ctx.log(corpus.summary())
    return {
        "documents": corpus.documents,
        "rejected": corpus.rejected,
        "metadata_check": corpus.metadata_check,
    }


__all__ = [
    "DOC_STEMS",
    "DOC_SUFFIXES",
    "HTML_SUFFIXES",
    "MAGIC",
    "MAX_DOCUMENT_BYTES",
    "METADATA_FIELDS",
    "REASONS",
    "SIDECAR",
    "TEXT_SUFFIXES",
    "UNSUPPORTED_SUFFIXES",
    "Corpus",
    "build_stage",
    "metadata_agreement",
    "read_corpus",
    "read_file",
]
