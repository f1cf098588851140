"""Collection files as documents: one document per row of JSON Lines, JSON, CSV/TSV or parquet.

In: a walked entry of a collection file (``walk.Entry``) and its kind (``collections.ROW_KINDS``). Out:
``_read_collection``, the file's rows as ``(doc_id, doc)`` or rejection rows; and
``_drop_collection_furniture``, which removes the lines repeated across a collection's documents.

How: ``collections.open_rows`` streams the rows with their text and given metadata; each row's text is
freed of NUL characters, repaired if it is mojibake (``decode``) and made a document like a single file
(``files._document``). A file of one row is one document named after the file; more rows add
``#<row id or number>``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

from .clean import drop_lines, repeated_lines
from .cleaned import _BLANKISH
from .collections import Row, RowFile, open_rows
from .decode import Rejected, _is_mojibake, _repair_mojibake
from .files import _Doc, _document, _reject, _rel_stem
from .metadata import infer_metadata
from .walk import Entry


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
