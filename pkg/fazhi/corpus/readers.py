"""Loading: every file of a corpus folder becomes a document or a row of ``rejected``.

In: a corpus folder (and its sidecar). Out: a :class:`Corpus` of ``documents``, ``rejected`` and
``metadata_check`` tables (columns in ``fazhi.schema``). How: each file is read, checked against the
formats we cannot read, decoded, cleaned (HTML, export or plain), and its metadata inferred; curated
sidecar values then override inference field by field, and every disagreement is recorded.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from ..schema import TABLES, validate
from .clean import _BLANKISH, Cleaned, clean_text, html_to_text, is_db_export, parse_db_export
from .decode import _CJK, _HTML_CHARSET, Rejected, _plausible, decode
from .metadata import Inferred, infer_metadata, parse_date
from .sidecar import merge_metadata, read_sidecar, sidecar_checks

SIDECAR = "metadata.csv"
TEXT_SUFFIXES = {".txt", ".text", ".md", ""}
HTML_SUFFIXES = {".html", ".htm", ".shtml", ".xhtml"}
METADATA_FIELDS = ("title", "issuer", "region", "level", "doc_type", "period", "published")

# Magic numbers of formats we cannot read as text, with what to tell the researcher.
MAGIC = (
    (b"%PDF", "PDF document: convert it to text (e.g. pdftotext -layout) and add the .txt"),
    (b"PK\x03\x04", "ZIP container (DOCX/XLSX/ODT?): save it as plain text or HTML and add that"),
    (b"\xd0\xcf\x11\xe0", "legacy Office document (DOC/XLS/WPS): save it as plain text and add that"),
    (b"{\\rtf", "RTF document: save it as plain text and add that"),
    (b"\x89PNG", "PNG image: OCR is out of scope"),
    (b"\xff\xd8\xff", "JPEG image: OCR is out of scope"),
    (b"GIF8", "GIF image"),
    (b"\x1f\x8b", "gzip archive: unpack it first"),
)
UNSUPPORTED_SUFFIXES = {
    ".pdf": "PDF document: convert it to text (e.g. pdftotext -layout) and add the .txt",
    ".doc": "Word document: save it as plain text and add that",
    ".docx": "Word document: save it as plain text and add that",
    ".wps": "WPS document: save it as plain text and add that",
    ".xls": "spreadsheet",
    ".xlsx": "spreadsheet",
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

    def summary(self) -> str:
        """A short human-readable account of the load."""
        d, r = self.documents, self.rejected
        lines = [f"{d.height} document(s) loaded from {self.folder}, {r.height} file(s) rejected"]
        if d.height:
            by_level = d.group_by("level").len().sort("level")
            lines.append("  by level: " + ", ".join(f"{a} {b}" for a, b in by_level.iter_rows()))
        for row in r.iter_rows(named=True):
            lines.append(f"  rejected {row['source_file']}: {row['reason']} ({row['detail']})")
        disagree = self.metadata_check.filter(~pl.col("agree"))
        if disagree.height:
            lines.append(f"  {disagree.height} curated metadata field(s) differ from inference (see metadata_check)")
        return "\n".join(lines)


@dataclass
class _Doc:
    source_file: str
    sha256: str
    encoding: str
    format: str
    cleaned: Cleaned
    inferred: Inferred


def read_file(path: Path) -> _Doc:
    """Read one file into a cleaned document with inferred metadata.

    Raises
    ------
    Rejected
        With the reason the file cannot be a document.
    """
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise Rejected("unreadable", str(e)) from e
    if not raw:
        raise Rejected("empty", "the file has 0 bytes")
    sha = hashlib.sha256(raw).hexdigest()
    suffix = path.suffix.lower()
    magic = _looks_binary(raw)
    if magic:
        raise Rejected("unsupported_format", magic)
    if suffix in UNSUPPORTED_SUFFIXES:
        raise Rejected("unsupported_format", f"{suffix} file: {UNSUPPORTED_SUFFIXES[suffix]}")
    declared = None
    m = _HTML_CHARSET.search(raw[:4096])
    if m:
        declared = m.group(1).decode("ascii", "replace")
    text, encoding = decode(raw, declared)
    if _BLANKISH.fullmatch(text):
        raise Rejected("empty", "the file holds only whitespace")
    if _plausible(text) < 0.95:
        raise Rejected("binary", f"decodes as {encoding} but {1 - _plausible(text):.0%} of it is control characters")
    head = text.lstrip("\ufeff \t\r\n")[:512].lower()
    is_html = suffix in HTML_SUFFIXES or head.startswith(("<!doctype html", "<html")) or (
        suffix not in TEXT_SUFFIXES and "<body" in text[:20000].lower()
    )
    if suffix not in TEXT_SUFFIXES | HTML_SUFFIXES and not is_html:
        if not _CJK.search(text[:20000]):
            raise Rejected("unsupported_format", f"{suffix or 'no'} extension and no Chinese text: not a document")
    if not _CJK.search(text):
        raise Rejected(
            "no_chinese_text",
            f"decodes as {encoding} but holds no Chinese characters: not a Chinese document, or a wrong encoding",
        )
    if is_html:
        body, meta = html_to_text(text)
        cleaned = clean_text(body)
        cleaned.header = {**meta, **cleaned.header}
        fmt = "html"
    elif is_db_export(text):
        cleaned = parse_db_export(text)
        fmt = "db_export"
    else:
        cleaned = clean_text(text)
        fmt = "plain"
    if _BLANKISH.fullmatch(cleaned.text):
        what = "only whitespace" if _BLANKISH.fullmatch(text) else "nothing but page furniture"
        raise Rejected("empty", f"the file holds {what}")
    inferred = infer_metadata(cleaned.text, cleaned.header, cleaned.title_hint)
    return _Doc(path.name, sha, encoding, fmt, cleaned, inferred)


def _corpus_files(folder: Path) -> Iterator[Path]:
    for p in sorted(folder.iterdir(), key=lambda q: q.name):
        if p.is_file() and not p.name.startswith(".") and p.name != SIDECAR:
            yield p


def read_corpus(folder: str | Path, *, progress: bool = False) -> Corpus:
    """Read every file of a folder into clean documents with metadata; list every file that did not load.

    Parameters
    ----------
    folder
        The corpus folder. A ``metadata.csv`` in it (column ``source_file`` plus any of title, issuer,
        region, level, doc_type, period, published) overrides inferred metadata field by field.
    progress
        Show a progress bar (useful for hundreds of files).

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
    sidecar_path = folder / SIDECAR
    sidecar = read_sidecar(sidecar_path) if sidecar_path.is_file() else {}
    files = list(_corpus_files(folder))
    iterate: Iterable[Path] = files
    if progress and len(files) > 20:
        from tqdm import tqdm

        iterate = tqdm(files, desc="reading corpus", unit="file")
    docs: list[dict[str, object]] = []
    rejected: list[dict[str, str]] = []
    checks: list[dict[str, object]] = sidecar_checks(sidecar) if sidecar_path.is_file() else []
    seen_text: dict[str, str] = {}
    seen_id: dict[str, str] = {}
    for path in iterate:
        try:
            d = read_file(path)
        except Rejected as r:
            rejected.append({"source_file": path.name, "reason": r.reason, "detail": r.detail})
            continue
        text_key = hashlib.sha256(d.cleaned.text.encode("utf-8")).hexdigest()
        if text_key in seen_text:
            rejected.append(
                {
                    "source_file": path.name,
                    "reason": "duplicate",
                    "detail": f"same clean text as {seen_text[text_key]}",
                }
            )
            continue
        doc_id = path.stem
        if doc_id in seen_id:
            rejected.append(
                {
                    "source_file": path.name,
                    "reason": "duplicate_id",
                    "detail": f"its doc_id {doc_id!r} is already taken by {seen_id[doc_id]}; rename the file",
                }
            )
            continue
        seen_text[text_key] = path.name
        seen_id[doc_id] = path.name
        docs.append(_document_row(doc_id, d, sidecar.get(path.name), checks))
    for name in sorted(set(sidecar) - {p.name for p in files}):
        rejected.append(
            {"source_file": SIDECAR, "reason": "sidecar_orphan", "detail": f"row for {name!r}, which is not in the folder"}
        )
    documents = (
        pl.DataFrame(docs, schema=TABLES["documents"].polars_schema) if docs else pl.DataFrame(schema=TABLES["documents"].polars_schema)
    )
    return Corpus(
        folder=folder,
        documents=validate("documents", documents.sort("doc_id")),
        rejected=validate("rejected", pl.DataFrame(rejected, schema=TABLES["rejected"].polars_schema)),
        metadata_check=validate("metadata_check", pl.DataFrame(checks, schema=TABLES["metadata_check"].polars_schema)),
    )


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
    start, end = _period_bounds(values.get("period"))
    return {
        "doc_id": doc_id,
        "source_file": d.source_file,
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
    out = pl.concat([per.cast({"n": pl.Int64, "agree": pl.Int64}), total.cast({"n": pl.Int64, "agree": pl.Int64})])
    return out.with_columns(accuracy=pl.when(pl.col("n") > 0).then(pl.col("agree") / pl.col("n")))


def build_stage(ctx) -> dict[str, pl.DataFrame]:  # noqa: ANN001 - BuildContext, imported lazily to avoid a cycle
    """Pipeline stage: read ``ctx.corpus`` into ``documents``, ``rejected`` and ``metadata_check``."""
    corpus = read_corpus(ctx.corpus, progress=ctx.progress)
    ctx.log(corpus.summary())
    return {"documents": corpus.documents, "rejected": corpus.rejected, "metadata_check": corpus.metadata_check}
