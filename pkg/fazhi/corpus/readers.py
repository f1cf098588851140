"""Loading: every file and every row of a corpus folder becomes a document or a row of ``rejected``.

In: a corpus folder (and its sidecar), walked recursively (``walk``). Out: a :class:`Corpus` of
``documents``, ``rejected`` and ``metadata_check`` tables (columns in ``fazhi.schema``). How: single
documents (text, HTML, Word ``.docx``, PDF with a text layer) are read, checked against the formats we
cannot read, decoded (with recorded repairs), cleaned and their metadata inferred; collection files
(JSON Lines, JSON, CSV/TSV, parquet) give one document per row (``collections``), with metadata from
their columns; curated sidecar values then override field by field, and every disagreement is recorded.

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
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from ..schema import TABLES, validate
from .clean import (
    _BLANKISH,
    Cleaned,
    clean_text,
    drop_lines,
    html_to_text,
    is_db_export,
    parse_db_export,
    repeated_lines,
)
from .collections import ROW_KINDS, Row, RowFile, open_rows
from .decode import _CJK, _HTML_CHARSET, Rejected, _is_mojibake, _plausible, _repair_mojibake, decode_text
from .formats import docx_text, pdf_text
from .metadata import Inferred, infer_metadata, parse_date
from .sidecar import Sidecar, merge_metadata, provenance, read_sidecar, sidecar_checks
from .walk import Entry, walk_corpus

SIDECAR = "metadata.csv"
TEXT_SUFFIXES = {".txt", ".text", ".md", ""}
HTML_SUFFIXES = {".html", ".htm", ".shtml", ".xhtml"}
METADATA_FIELDS = ("title", "issuer", "region", "level", "doc_type", "period", "published")
# A document (a single file read whole, or one row's text) above this size is rejected as too_large.
MAX_DOCUMENT_BYTES = 50 * 1024 * 1024
# Documentation that travels with a corpus: a file whose stem (before any '.', '_' or '-') is one of these,
# with one of DOC_SUFFIXES, is listed in rejected as "documentation", not read as a document.
DOC_STEMS = {
    "readme", "source", "sources", "license", "licence", "copying", "changelog", "citation", "notes",
    "authors", "contributing", "说明", "数据说明", "使用说明", "自述",
}  # fmt: skip
DOC_SUFFIXES = {".md", ".markdown", ".rst", ".txt", ""}

# Every reason a file, folder entry or row is rejected (the README's table explains each; a test keeps the
# two in step).
REASONS = (
    "empty", "binary", "undecodable", "mojibake", "no_chinese_text", "unsupported_format", "damaged",
    "encrypted", "no_text_layer", "too_large", "no_text_column", "bad_json", "not_text", "duplicate",
    "duplicate_id", "documentation", "hidden", "outside_corpus", "dangling_link", "symlink_loop",
    "not_a_file", "unreadable", "sidecar_unreadable", "sidecar_misplaced", "sidecar_duplicate",
    "sidecar_orphan",
)  # fmt: skip

# Magic numbers of formats we cannot read as text, with what to tell the researcher.
MAGIC = (
    (b"PK\x03\x04", "ZIP container (XLSX/ODT/PPTX?): save it as plain text, .docx or CSV and add that"),
    (
        b"\xd0\xcf\x11\xe0",
        "legacy Office document (DOC/XLS/WPS): save it as .docx or plain text and add that",
    ),
    (b"{\\rtf", "RTF document: save it as plain text and add that"),
    (b"\x89PNG", "PNG image: OCR is out of scope"),
    (b"\xff\xd8\xff", "JPEG image: OCR is out of scope"),
    (b"GIF8", "GIF image"),
    (b"\x1f\x8b", "gzip archive: unpack it first"),
)
UNSUPPORTED_SUFFIXES = {
    ".doc": "Word document: save it as .docx or plain text and add that",
    ".wps": "WPS document: save it as .docx or plain text and add that",
    ".xls": "spreadsheet: save it as CSV",
    ".xlsx": "spreadsheet: save it as CSV",
    ".png": "image",
    ".jpg": "image",
    ".jpeg": "image",
    ".gif": "image",
    ".zip": "archive: unpack it first",
}


def _looks_binary(raw: bytes) -> str | None:
    head = raw[:16]
    for magic, what in MAGIC:
        if head.startswith(magic):
            return what
    return None


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


@dataclass
class _Doc:
    source_file: str
    sha256: str
    encoding: str
    format: str
    cleaned: Cleaned
    inferred: Inferred
    notes: list[str] = field(default_factory=list)
    given: dict[str, str] = field(default_factory=dict)
    source_row: int | None = None
    collection: str = ""


def _is_html(text: str, suffix: str) -> bool:
    head = text.lstrip("\ufeff \t\r\n")[:512].lower()
    return (
        suffix in HTML_SUFFIXES
        or head.startswith(("<!doctype html", "<html"))
        or (suffix not in TEXT_SUFFIXES and "<body" in text[:20000].lower())
        or len(_HTML_BLOCK_TAG.findall(text[:20000])) >= _HTML_TAGS_MIN  # a page's markup pasted into a .txt
    )


# Paragraph-level tags: a text file holding at least this many is a page's markup (a mirror's copy), not
# prose.
_HTML_BLOCK_TAG = re.compile(r"</?(?:p|br|div|strong|td|tr|li|h[1-6])(?:\s[^<>]{0,200})?/?>", re.IGNORECASE)
_HTML_TAGS_MIN = 6


def _document(
    text: str,
    *,
    name: str,
    sha: str,
    encoding: str,
    fmt: str | None,
    suffix: str,
    notes: list[str],
    given: dict[str, str] | None = None,
) -> _Doc:
    """Clean a decoded text and infer its metadata; ``fmt`` None means plain, HTML or export, as it looks."""
    if _BLANKISH.fullmatch(text):
        raise Rejected("empty", "the text holds only whitespace")
    is_html = _is_html(text, suffix)
    if (
        fmt is None
        and suffix not in TEXT_SUFFIXES | HTML_SUFFIXES
        and not is_html
        and not _CJK.search(text[:20000])
    ):
        raise Rejected(
            "unsupported_format", f"{suffix or 'no'} extension and no Chinese text: not a document"
        )
    if not _CJK.search(text):
        raise Rejected(
            "no_chinese_text",
            (
                f"decodes as {encoding} but holds no Chinese characters: not a Chinese document, or a wrong "
                "encoding"
            ),
        )
    if is_html:
        body, meta = html_to_text(text)
        cleaned = clean_text(body)
        cleaned.header = {**meta, **cleaned.header}
        fmt = fmt or "html"
    elif fmt is None and is_db_export(text):
        cleaned = parse_db_export(text)
        fmt = "db_export"
    else:
        cleaned = clean_text(text)
        fmt = fmt or "plain"
    if _BLANKISH.fullmatch(cleaned.text):
        what = "only whitespace" if _BLANKISH.fullmatch(text) else "nothing but page furniture"
        raise Rejected("empty", f"the text holds {what}")
    given = given or {}
    inferred = infer_metadata(cleaned.text, cleaned.header, cleaned.title_hint, given=given)
    return _Doc(name, sha, encoding, fmt, cleaned, inferred, list(notes), dict(given))


def read_file(path: Path, *, max_bytes: int = MAX_DOCUMENT_BYTES, name: str | None = None) -> _Doc:
    """Read one single-document file into a cleaned document with inferred metadata.

    Parameters
    ----------
    path
        The file.
    max_bytes
        Files above this size are rejected (``too_large``) without being read.
    name
        The name to record (the path relative to the corpus folder); the file name by default.

    Raises
    ------
    Rejected
        With the reason the file cannot be a document.
    """
    name = name if name is not None else path.name
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise Rejected(
                "too_large", f"{size:,} bytes, above the {max_bytes:,}-byte limit for one document"
            )
        raw = path.read_bytes()
    except OSError as e:
        raise Rejected("unreadable", e.strerror or str(e)) from e
    if not raw:
        raise Rejected("empty", "the file has 0 bytes")
    sha = hashlib.sha256(raw).hexdigest()
    suffix = path.suffix.lower()
    if suffix == ".docx":
        return _document(
            docx_text(raw), name=name, sha=sha, encoding="docx", fmt="docx", suffix=suffix, notes=[]
        )
    if suffix == ".pdf" or raw.startswith(b"%PDF"):
        return _document(
            pdf_text(raw), name=name, sha=sha, encoding="pdf", fmt="pdf", suffix=suffix, notes=[]
        )
    magic = _looks_binary(raw)
    if magic:
        raise Rejected("unsupported_format", magic)
    if suffix in UNSUPPORTED_SUFFIXES:
        raise Rejected("unsupported_format", f"{suffix} file: {UNSUPPORTED_SUFFIXES[suffix]}")
    declared = None
    m = _HTML_CHARSET.search(raw[:4096])
    if m:
        declared = m.group(1).decode("ascii", "replace")
    decoded = decode_text(raw, declared)
    text, encoding = decoded.text, decoded.encoding
    if _BLANKISH.fullmatch(text):
        raise Rejected("empty", "the file holds only whitespace")
    if _plausible(text) < 0.95:
        raise Rejected(
            "binary", f"decodes as {encoding} but {1 - _plausible(text):.0%} of it is control characters"
        )
    return _document(
        text, name=name, sha=sha, encoding=encoding, fmt=None, suffix=suffix, notes=decoded.notes
    )


def _rel_stem(rel: str) -> str:
    head, _, last = rel.rpartition("/")
    stem = last.rsplit(".", 1)[0] if "." in last[1:] else last
    return f"{head}/{stem}" if head else stem


_DOC_VARIANT = r"(?:[._\-](?:zh|en|cn|zh[_\-]cn|zh[_\-]hans|zh[_\-]hant))?"


def _is_documentation(name: str) -> bool:
    """README.md, SOURCE.txt, NOTES, README_zh.md …: the whole stem is a documentation name (a language
    variant allowed), so that a document merely named after one (notes_on_enforcement.txt) still loads."""
    lower = name.lower()
    suffix = "." + lower.rsplit(".", 1)[1] if "." in lower[1:] else ""
    stem = lower[: len(lower) - len(suffix)]
    return suffix in DOC_SUFFIXES and any(re.fullmatch(re.escape(d) + _DOC_VARIANT, stem) for d in DOC_STEMS)


def _reject(rel: str, reason: str, detail: str, row: int | None = None) -> dict[str, object]:
    return {"source_file": rel, "source_row": row, "reason": reason, "detail": detail}


def _read_collection(
    entry: Entry, kind: str, *, text_column: str | None, max_bytes: int
) -> Iterator[tuple[str, _Doc] | dict[str, object]]:
    """A collection file's rows: ``(doc_id, doc)`` for a document, a rejected row for anything else."""
    rel = entry.rel
    try:
        opened = open_rows(entry.path, kind, text_column=text_column, max_bytes=max_bytes)
    except Rejected as r:
        yield _reject(rel, r.reason, r.detail)
        return
    except OSError as e:
        yield _reject(rel, "unreadable", e.strerror or str(e))
        return
    stem = _rel_stem(rel)
    it = iter(opened.rows)
    try:
        first = next(it, None)
        if first is None:
            yield _reject(rel, "empty", "no data rows")
            return
        second = next(it, None)
        single = second is None
        for row in [first] + ([second] if second is not None else []):
            yield from _row_document(row, rel=rel, doc_id=stem if single else None, kind=kind, opened=opened)
        for row in it:
            yield from _row_document(row, rel=rel, doc_id=None, kind=kind, opened=opened)
    except Rejected as r:
        yield _reject(rel, r.reason, r.detail)
    except OSError as e:
        yield _reject(rel, "unreadable", e.strerror or str(e))


def _row_document(
    row: Row, *, rel: str, doc_id: str | None, kind: str, opened: RowFile
) -> Iterator[tuple[str, _Doc] | dict[str, object]]:
    """One row as a document (``doc_id`` None: ``<file stem>#<row id or number>``) or a rejected row."""
    if row.problem is not None:
        yield _reject(rel, row.problem[0], row.problem[1], row.number)
        return
    text = row.text or ""
    row_notes = list(opened.notes)
    if "\x00" in text:
        row_notes.append(f"removed {text.count(chr(0))} NUL character(s)")
        text = text.replace("\x00", "")
    if _is_mojibake(text):
        repaired = _repair_mojibake(text)
        if repaired is None:
            yield _reject(
                rel,
                "mojibake",
                f"row {row.number}: its hanzi are mostly rare ones: mis-decoded Chinese",
                row.number,
            )
            return
        text = repaired[0]
        row_notes.append(f"repaired mojibake: {repaired[1]}")
    sha = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    try:
        doc = _document(
            text,
            name=rel,
            sha=sha,
            encoding=opened.encoding,
            fmt=kind,
            suffix=".txt",
            notes=row_notes,
            given=row.given,
        )
    except Rejected as r:
        yield _reject(rel, r.reason, f"row {row.number}: {r.detail}", row.number)
        return
    doc.source_row = row.number
    yield doc_id or f"{_rel_stem(rel)}#{row.row_id or row.number}", doc


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
    sidecar: Sidecar = Sidecar()
    if sidecar_entry is not None:
        try:
            if b"\x00" in sidecar_entry.path.read_bytes():
                raise Rejected("binary", "it contains NUL bytes: not a CSV text file")
            sidecar = read_sidecar(sidecar_entry.path)
        except (OSError, Rejected, UnicodeError, csv.Error, ValueError) as e:
            detail = e.detail if isinstance(e, Rejected) else (getattr(e, "strerror", None) or str(e))
            rejected.append(
                _reject(sidecar_entry.rel, "sidecar_unreadable", f"the sidecar is not used: {detail}")
            )
    skip = {id(e) for e in entries if e.problem is None and e.rel.rsplit("/", 1)[-1].lower() == SIDECAR}
    iterate: Iterable[Entry] = entries
    if progress and len(entries) > 20:
        from tqdm import tqdm

        iterate = tqdm(entries, desc="reading corpus", unit="file")
    docs: list[dict[str, object]] = []
    checks: list[dict[str, object]] = sidecar_checks(sidecar) if isinstance(sidecar, Sidecar) else []
    pending: list[tuple[str, _Doc, dict[str, str | None] | None]] = []
    seen_text: dict[str, str] = {}
    seen_id: dict[str, str] = {}
    used_keys: set[str] = set()
    for entry in iterate:
        if id(entry) in skip:
            continue
        for item in _read_entry(entry, text_column=text_column, max_bytes=max_bytes):
            if isinstance(item, dict):
                rejected.append(item)
                continue
            doc_id, d = item
            d.collection = entry.collection
            if entry.name_note:
                d.notes.append(entry.name_note)
            where = d.source_file + (f" row {d.source_row}" if d.source_row is not None else "")
            text_key = hashlib.sha256(d.cleaned.text.encode("utf-8", "surrogatepass")).hexdigest()
            if text_key in seen_text:
                rejected.append(
                    _reject(
                        d.source_file, "duplicate", f"same clean text as {seen_text[text_key]}", d.source_row
                    )
                )
                continue
            if doc_id in seen_id:
                rejected.append(
                    _reject(
                        d.source_file,
                        "duplicate_id",
                        (
                            f"its doc_id {doc_id!r} is already taken by {seen_id[doc_id]}; rename the file "
                            "or fix the id"
                        ),
                        d.source_row,
                    )
                )
                continue
            seen_text[text_key] = where
            seen_id[doc_id] = where
            # the sidecar names a document by doc_id, or by its file when the file is one document
            whole_file = not doc_id.startswith(_rel_stem(d.source_file) + "#")
            key = doc_id if doc_id in sidecar else d.source_file if whole_file else None
            curated = sidecar.get(key) if key else None
            if curated is not None:
                used_keys.add(key)
            pending.append((doc_id, d, curated))
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


# ---------------------------------------------------------------------------- collection furniture


def _drop_collection_furniture(docs: list[_Doc]) -> None:
    """Remove the lines repeated across many documents of one collection (site furniture), in place.

    Per collection (folder), :func:`~fazhi.corpus.clean.repeated_lines` finds the short non-sentence lines
    that recur in at least half of its documents (three at least), and :func:`~fazhi.corpus.clean.drop_lines`
    removes them near the top and bottom of each document; a document that lost a line is inferred again,
    since its title or date may have been behind that furniture. Rows of one collection file share
    their folder's collection.
    """
    by: dict[str, list[_Doc]] = {}
    for d in docs:
        by.setdefault(d.collection, []).append(d)
    for members in by.values():
        lines = repeated_lines([d.cleaned.text for d in members])
        if not lines:
            continue
        for d in members:
            dropped = drop_lines(d.cleaned, lines)
            if dropped.text != d.cleaned.text and not _BLANKISH.fullmatch(dropped.text):
                d.cleaned = dropped
                d.inferred = infer_metadata(dropped.text, dropped.header, dropped.title_hint, given=d.given)


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
