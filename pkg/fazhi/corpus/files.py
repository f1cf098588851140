"""Single-document files: text, HTML, database exports, Word ``.docx`` and PDF, each read whole.

In: one file of a corpus folder (its path, and its name relative to the folder). Out: ``read_file``, a
cleaned document with inferred metadata (``_Doc``), or ``Rejected`` with the reason it is not one; the
helpers that tell documentation (``_is_documentation``) and a page's markup (``_is_html``) apart, and the
rejection row every reader writes (``_reject``).

How: a file above ``MAX_DOCUMENT_BYTES`` is refused before it is read; ``.docx`` and PDF go through
``formats``; formats we cannot read are told by their magic number or suffix; everything else is decoded
(``decode``), recognised as HTML, a database export or plain text, cleaned (``clean``) and its metadata
inferred (``metadata``). ``_document`` is shared with the rows of collection files (``rows``).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from .clean import clean_text
from .cleaned import _BLANKISH, Cleaned
from .decode import _CJK, _HTML_CHARSET, Rejected, _plausible, decode_text
from .formats import docx_text, pdf_text
from .metadata import Inferred, infer_metadata
from .wrappers import html_to_text, is_db_export, parse_db_export

TEXT_SUFFIXES = {".txt", ".text", ".md", ""}
HTML_SUFFIXES = {".html", ".htm", ".shtml", ".xhtml"}
# A document (a single file read whole, or one row's text) above this size is rejected as too_large.
MAX_DOCUMENT_BYTES = 50 * 1024 * 1024
# Documentation that travels with a corpus: a file whose stem (before any '.', '_' or '-') is one of these,
# with one of DOC_SUFFIXES, is listed in rejected as "documentation", not read as a document.
DOC_STEMS = {
    "readme", "source", "sources", "license", "licence", "copying", "changelog", "citation", "notes",
    "authors", "contributing", "说明", "数据说明", "使用说明", "自述",
}  # fmt: skip
DOC_SUFFIXES = {".md", ".markdown", ".rst", ".txt", ""}

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
