"""The site's own pages: landing-page findings, the Data page and the Reproducibility page.

In: the result tables in the processed-data folder (read through the stale-results guard), the
schema, the installed packages. Out: Markdown strings and polars tables for the root notebooks
(``index.ipynb``, ``data.ipynb``, ``reproducibility.ipynb``) to display. Every number comes from the
tables; none is typed into a page.

How: the Data page from the declarations of ``fazhi.schema`` and the files of the build; the
Reproducibility page from the stamps (``fazhi.tables``) and the installed packages. The landing page's
findings are written by ``fazhi.findings`` and re-exported here.
"""

from __future__ import annotations

import html
import importlib.metadata
import platform
from pathlib import Path

import polars as pl

from . import __version__
from .compare import md_escape
from .findings import (
    WITHIN,
    _join,
    design_caveats,
    key_findings,
    level_claim,
    level_findings,
    theme_name,
    within_findings,
)
from .labels import label
from .paths import corpus_dir, data_dir
from .schema import STAGE_TABLES, TABLES
from .tables import dictionary_hash, lexicon_hash, read_table, stamp_table

# Packages whose versions can change a result or a page; reported on the Reproducibility page.
KEY_PACKAGES = (
    "fazhi",
    "polars",
    "pyarrow",
    "numpy",
    "scipy",
    "scikit-learn",
    "jieba",
    "rjieba",
    "altair",
    "nbclient",
    "ipykernel",
    "smalldocs",
)


def corpus_facts(folder: Path | None = None) -> dict[str, object]:
    """Counts that describe the corpus: documents, characters, levels, types, periods, rejected files."""
    docs = read_table("documents", folder)
    rejected = read_table("rejected", folder)
    return {
        "documents": docs.height,
        "characters": int(docs["n_chars"].sum()) if docs.height else 0,
        "levels": docs["level"].unique().sort().to_list(),
        "doc_types": docs["doc_type"].unique().sort().to_list(),
        "periods": docs["period"].drop_nulls().unique().sort().to_list(),
        "rejected": rejected.height,
    }


def build_corpus(folder: Path | None = None) -> Path:
    """The corpus folder the tables in ``folder`` were built from (``build.json``; else the default)."""
    import json

    folder = Path(folder) if folder is not None else data_dir()
    info = folder / "build.json"
    if info.is_file():
        recorded = json.loads(info.read_text(encoding="utf-8")).get("corpus")
        if recorded:
            return Path(recorded)
    return corpus_dir()


def corpus_name(folder: Path | None = None) -> str:
    """The corpus's folder name, as recorded by the build (e.g. ``seeds``)."""
    return build_corpus(folder).name or str(build_corpus(folder))


def corpus_markdown(folder: Path | None = None) -> str:
    """One paragraph on what the corpus holds, from the documents table (every value escaped)."""
    f = corpus_facts(folder)
    levels = _join([label("level", v) for v in f["levels"]]) or "none"  # type: ignore[attr-defined]
    periods = _join(f["periods"]) or "unknown"  # type: ignore[arg-type]
    types = _join([label("doc_type", v) for v in f["doc_types"]]) or "none"  # type: ignore[attr-defined]
    return (
        f"The corpus **{md_escape(corpus_name(folder))}** holds **{f['documents']} document(s)** "
        f"({f['characters']:,} characters of clean text) from these levels of government: {levels}; "
        f"document types: {types}; periods: {periods}. "
        f"{f['rejected']} file(s) of the corpus folder were rejected (see the corpus page)."
    )


def rerun_markdown(folder: Path | None = None) -> str:
    """How to re-run this build, as a Markdown code block naming the corpus the tables were built from."""
    corpus = build_corpus(folder)
    from .paths import project_root

    try:
        default = corpus.resolve() == (project_root() / "seeds").resolve()
    except OSError:
        default = False
    try:
        shown = corpus.resolve().relative_to(project_root().resolve()).as_posix()
    except (ValueError, OSError):
        shown = f"path/to/{corpus.name}"
    site = "uv run fazhi site" if default else f"uv run fazhi site --corpus {shown}"
    note = (
        "the embedded default corpus" if default else f"the corpus this site was built from ({corpus.name})"
    )
    return "\n".join(
        [
            "```bash",
            "git clone <this repository> && cd fazhi",
            f"{site:<52} # {note}",
            (
                "uv run pytest                                        # the tests, gold standards and "
                "validations"
            ),
            "```",
        ]
    )


def footer(folder: Path | None = None) -> str:
    """The site footer: which corpus every number was computed from, and how many documents it has."""
    try:
        n = read_table("documents", folder, check=False).height
    except FileNotFoundError:
        n = 0
    name = corpus_name(folder).replace('"', "").replace("`", "")
    return (
        f"Every number and chart on this site was computed by executing the notebooks from the corpus in "
        f"`{name}/` ({n} document(s))."
    )


def _doc_text(text: str) -> str:
    """Documentation text of the package (not data) for a Markdown table cell: HTML-escaped, no pipes."""
    return html.escape(text, quote=False).replace("|", "/").replace("\n", " ")


def _download_links(downloads: Path, name: str) -> str:
    links = [f"[parquet]({downloads.as_posix()}/{name}.parquet)"]
    if (downloads / f"{name}.csv").is_file():
        links.append(f"[CSV]({downloads.as_posix()}/{name}.csv)")
    return " · ".join(links)


def _rows(downloads: Path, name: str) -> int | None:
    path = downloads / f"{name}.parquet"
    return pl.scan_parquet(path).select(pl.len()).collect().item() if path.is_file() else None


def downloads_table(downloads: Path) -> pl.DataFrame:
    """One row per declared table this build wrote: its stage, what a row is, rows, and download links.

    Parameters
    ----------
    downloads
        The folder of exported tables, relative to the page that shows the links (``downloads/``); a
        table without a CSV there (too many rows) is offered as parquet only.
    """
    rows = [
        {
            "stage": stage,
            "table": name,
            "one row per": TABLES[name].row,
            "rows": _rows(downloads, name),
            "download": _download_links(downloads, name),
        }
        for stage, names in STAGE_TABLES.items()
        for name in names
        if (downloads / f"{name}.parquet").is_file()
    ]
    schema = {
        "stage": pl.String,
        "table": pl.String,
        "one row per": pl.String,
        "rows": pl.Int64,
        "download": pl.String,
    }
    return pl.DataFrame(rows, schema=schema)


def columns_markdown(names: list[str] | None = None, *, downloads: Path | None = None) -> str:
    """The documented columns of each result table, as Markdown (from ``fazhi.schema``), grouped by stage.

    With ``downloads`` (the folder of exported tables), each table also says how many rows this build
    gave it and links its downloads; a table this build did not write says so.
    """
    wanted = set(names) if names is not None else set(TABLES)
    out = []
    for stage, stage_names in STAGE_TABLES.items():
        shown = [n for n in stage_names if n in wanted]
        if not shown:
            continue
        out.append(f"## Stage `{stage}`\n")
        for name in shown:
            spec = TABLES[name]
            out.append(f"### `{name}`\n\nEach row: {_doc_text(spec.row)}.")
            if downloads is not None:
                n = _rows(downloads, name)
                out.append(
                    "Not written by this build."
                    if n is None
                    else f"**{n:,} rows** in this build. Download: " + _download_links(downloads, name) + "."
                )
            out.append("\n| column | type | meaning |\n|---|---|---|")
            out += [f"| `{c.name}` | {c.dtype} | {_doc_text(c.description)} |" for c in spec.columns]
            out.append("")
    return "\n".join(out)


def markdown_table(df: pl.DataFrame, *, raw: tuple[str, ...] = ("download",)) -> str:
    """A polars table as a Markdown pipe table; every cell is escaped except the columns in ``raw``
    (links written by this module, such as the download links)."""
    head = "| " + " | ".join(md_escape(c) for c in df.columns) + " |\n|" + "---|" * len(df.columns)
    body = [
        "| "
        + " | ".join(
            ("" if v is None else str(v).replace("|", "/")) if c in raw else md_escape(v)
            for c, v in zip(df.columns, row, strict=True)
        )
        + " |"
        for row in df.iter_rows()
    ]
    return "\n".join([head, *body])


def environment_table() -> pl.DataFrame:
    """The Python and package versions the site was built with."""
    rows = [{"package": "python", "version": platform.python_version()}]
    for name in KEY_PACKAGES:
        try:
            rows.append({"package": name, "version": importlib.metadata.version(name)})
        except importlib.metadata.PackageNotFoundError:
            rows.append({"package": name, "version": "not installed"})
    return pl.DataFrame(rows)


def input_hashes(corpus: Path | None = None) -> pl.DataFrame:
    """The hashes every table is stamped with: package version, dictionary, lexicons, domain data, corpus."""
    from .tables import corpus_hash, data_hash

    corpus = Path(corpus) if corpus is not None else build_corpus()
    return pl.DataFrame(
        {
            "input": [
                "fazhi version",
                "dictionary and stopwords",
                "lexicons and Outline mapping",
                "domain data (levels, document types, heading styles, organs, gazetteer …)",
                "corpus folder",
            ],
            "value": [__version__, dictionary_hash(), lexicon_hash(), data_hash(), corpus_hash(corpus)],
        }
    )


def corpus_files(corpus: Path | None = None) -> pl.DataFrame:
    """Every file of the corpus folder (nested folders included) with its size and SHA-256."""
    from .tables import file_sha256

    corpus = Path(corpus) if corpus is not None else build_corpus()
    rows = [
        {"file": p.relative_to(corpus).as_posix(), "bytes": p.stat().st_size, "sha256": file_sha256(p)}
        for p in sorted(corpus.rglob("*"))
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(corpus).parts)
    ]
    return pl.DataFrame(rows, schema={"file": pl.String, "bytes": pl.Int64, "sha256": pl.String})


def table_stamps(folder: Path | None = None) -> pl.DataFrame:
    """One row per result table: rows, the SHA-256 of its file and the hashes in its stamp (shortened)."""
    stamps = stamp_table(folder)
    hashes = [c for c in stamps.columns if c == "sha256" or c.endswith("_hash")]
    return stamps.with_columns(pl.col(c).str.slice(0, 16) for c in hashes)


def citation_markdown(folder: Path | None = None, *, limit: int = 200) -> str:
    """How to cite: the software (from ``CITATION.cff``) and a bibliography of the corpus of this build.

    The bibliography has one entry per document (issuer, title, period, publication date, source URL
    when the corpus gives one), from the ``documents`` table, in ``doc_id`` order; past ``limit``
    entries it points to the documents download. The corpus folder's ``SOURCE.md`` (its provenance),
    when there is one, is named too.
    """
    out = ["**Software.**", _software_citation()]
    try:
        docs = read_table("documents", folder, check=False).sort("doc_id")
    except FileNotFoundError:
        return "\n\n".join(out)
    name = corpus_name(folder)
    source = build_corpus(folder) / "SOURCE.md"
    provenance = (
        f" Where they come from: `SOURCE.md` of the corpus folder ({md_escape(_first_line(source))})."
        if source.is_file()
        else ""
    )
    out.append(
        f"**Corpus.** {md_escape(name)}: {docs.height} document(s).{provenance} Cite the documents "
        "themselves:"
    )
    entries = []
    for r in docs.head(limit).iter_rows(named=True):
        parts = [r.get("issuer"), f"《{r['title']}》" if r.get("title") else None, r.get("period")]
        line = ". ".join(md_escape(p) for p in parts if p)
        if r.get("published"):
            line += f". Published {r['published']}"
        url = r.get("source_url") or ""
        if url.startswith(("http://", "https://")):
            line += f'. <a href="{html.escape(url, quote=True)}">source</a>'
        entries.append(f"1. {line}.")
    out.append("\n".join(entries))
    if docs.height > limit:
        out.append(
            f"The first {limit} of {docs.height}; every document's metadata is in the documents table "
            "(Data page)."
        )
    return "\n\n".join(out)


def _software_citation() -> str:
    """The software's citation, from the top-level scalar keys of ``CITATION.cff`` (read as text: pyyaml is
    not a runtime dependency); the package name and version when the file is missing."""
    import re

    from .paths import project_root

    cff = project_root() / "CITATION.cff"
    if not cff.is_file():
        return f"fazhi, version {__version__}."
    text = cff.read_text(encoding="utf-8")
    meta = {k: v.strip().strip('"') for k, v in re.findall(r"^([a-z-]+): *(\S.*)$", text, flags=re.MULTILINE)}
    authors = ", ".join(re.findall(r"^  - name: *(.+)$", text.split("references:")[0], flags=re.MULTILINE))
    return (
        f"{md_escape(authors)}. *{md_escape(meta.get('title', 'fazhi'))}*. Version "
        f"{md_escape(meta.get('version', __version__))} ({md_escape(meta.get('license', ''))}). "
        "See `CITATION.cff` in the repository."
    )


def _first_line(path: Path) -> str:
    """The first non-empty line of a text file, without a Markdown heading's #."""
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        if line.strip():
            return line.strip().lstrip("#").strip()
    return ""


__all__ = [
    "KEY_PACKAGES",
    "WITHIN",
    "build_corpus",
    "citation_markdown",
    "columns_markdown",
    "corpus_facts",
    "corpus_files",
    "corpus_markdown",
    "corpus_name",
    "design_caveats",
    "downloads_table",
    "environment_table",
    "footer",
    "input_hashes",
    "key_findings",
    "level_claim",
    "level_findings",
    "markdown_table",
    "rerun_markdown",
    "table_stamps",
    "theme_name",
    "within_findings",
]
