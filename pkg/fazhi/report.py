"""The site's own pages: landing-page findings, the Data page and the Reproducibility page.

In: the result tables in the processed-data folder (read through the stale-results guard), the
schema, the installed packages. Out: Markdown strings and polars tables for the root notebooks
(``index.ipynb``, ``data.ipynb``, ``reproducibility.ipynb``) to display. Every number comes from the
tables; none is typed into a page.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import platform
from pathlib import Path

import polars as pl

from . import __version__
from .paths import corpus_dir, data_dir
from .schema import TABLES
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


def corpus_markdown(folder: Path | None = None) -> str:
    """One paragraph on what the corpus holds, from the documents table."""
    f = corpus_facts(folder)
    levels = ", ".join(f["levels"]) or "none"  # type: ignore[arg-type]
    periods = ", ".join(f["periods"]) or "unknown"  # type: ignore[arg-type]
    return (
        f"The corpus holds **{f['documents']} documents** ({f['characters']:,} characters of clean text) "
        f"from these levels of government: {levels}; covering the periods {periods}. "
        f"{f['rejected']} file(s) of the corpus folder were rejected (see the corpus page)."
    )


def downloads_table(downloads: Path) -> pl.DataFrame:
    """One row per downloadable table: what a row is, rows, and links to its parquet and CSV files.

    Parameters
    ----------
    downloads
        The folder of exported tables, relative to the page that shows the links (``downloads/``).
    """
    rows = []
    for path in sorted(downloads.glob("*.parquet")):
        name = path.stem
        spec = TABLES.get(name)
        rows.append(
            {
                "table": name,
                "one row per": spec.row if spec else "",
                "rows": pl.scan_parquet(path).select(pl.len()).collect().item(),
                "download": f"[parquet]({downloads.as_posix()}/{name}.parquet) · "
                f"[CSV]({downloads.as_posix()}/{name}.csv)",
            }
        )
    return pl.DataFrame(rows, schema={"table": pl.String, "one row per": pl.String, "rows": pl.Int64, "download": pl.String})


def columns_markdown(names: list[str] | None = None) -> str:
    """The documented columns of each result table, as Markdown tables (from ``fazhi.schema``)."""
    out = []
    for name in names or sorted(TABLES):
        spec = TABLES[name]
        out.append(f"### `{name}`\n\nOne row per {spec.row}.\n\n| column | type | meaning |\n|---|---|---|")
        out += [f"| `{c.name}` | {c.dtype} | {c.description.replace('|', '/')} |" for c in spec.columns]
        out.append("")
    return "\n".join(out)


def markdown_table(df: pl.DataFrame) -> str:
    """A polars table as a Markdown pipe table (cells are written as they are, so links stay links)."""
    head = "| " + " | ".join(df.columns) + " |\n|" + "---|" * len(df.columns)
    body = ["| " + " | ".join("" if v is None else str(v).replace("|", "/") for v in row) + " |" for row in df.iter_rows()]
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
    """The hashes every table is stamped with: package version, dictionary, lexicons, corpus."""
    from .tables import corpus_hash

    corpus = Path(corpus) if corpus is not None else corpus_dir()
    return pl.DataFrame(
        {
            "input": ["fazhi version", "dictionary and stopwords", "lexicons and Outline mapping", "corpus folder"],
            "value": [__version__, dictionary_hash(), lexicon_hash(), corpus_hash(corpus)],
        }
    )


def corpus_files(corpus: Path | None = None) -> pl.DataFrame:
    """Every file of the corpus folder with its size and SHA-256 (what a re-run must start from)."""
    corpus = Path(corpus) if corpus is not None else corpus_dir()
    rows = [
        {"file": p.name, "bytes": p.stat().st_size, "sha256": hashlib.sha256(p.read_bytes()).hexdigest()}
        for p in sorted(corpus.iterdir())
        if p.is_file() and not p.name.startswith(".")
    ]
    return pl.DataFrame(rows, schema={"file": pl.String, "bytes": pl.Int64, "sha256": pl.String})


def table_stamps(folder: Path | None = None) -> pl.DataFrame:
    """One row per result table: rows, the SHA-256 of its file and the hashes in its stamp (shortened)."""
    stamps = stamp_table(folder)
    hashes = [c for c in stamps.columns if c == "sha256" or c.endswith("_hash")]
    return stamps.with_columns(pl.col(c).str.slice(0, 16) for c in hashes)


THEME_NAMES = {
    "digital_government": "Digital government",
    "emergency_response": "Emergency response",
    "dispute_resolution": "Dispute resolution",
}


def _interval(value: float, low: float | None, high: float | None) -> str:
    if low is None or high is None:
        return f"{value:.1f}"
    return f"{value:.1f} [{low:.1f}, {high:.1f}]"


def key_findings(folder: Path | None = None) -> str:
    """The landing page's key findings, as Markdown, from the theme, validation and topic tables.

    For each of the three themes: the level of government that writes most and least about it (weighted
    lexicon hits per 1,000 word tokens, with the 95% bootstrap interval), how many level differences
    have intervals that exclude zero, and the validation F1 of the lexicon against the Outline heading
    labels. Then the topic model chosen by the selection rule.
    """
    scores = read_table("theme_scores", folder)
    contrasts = read_table("theme_contrasts", folder)
    validation = read_table("theme_validation", folder)
    docs = read_table("documents", folder)
    levels = (
        scores.filter(pl.col("scope") == "level", pl.col("measure") == "per_1k_tokens")
        .select("level", "theme", "value", "ci_low", "ci_high", "n_docs")
    )
    full = validation.filter(pl.col("variant") == "full")
    lines = []
    for theme, name in THEME_NAMES.items():
        t = levels.filter(pl.col("theme") == theme).sort("value", "level", descending=[True, False])
        if t.is_empty():
            continue
        hi, lo = t.row(0, named=True), t.row(-1, named=True)
        c = contrasts.filter(pl.col("theme") == theme, pl.col("measure") == "per_1k_tokens")
        v = full.filter(pl.col("theme") == theme)
        f1 = v.row(0, named=True) if v.height else None
        lines.append(
            f"- **{name}**: most emphasis in the {hi['level']} documents "
            f"({_interval(hi['value'], hi['ci_low'], hi['ci_high'])} per 1,000 tokens, {hi['n_docs']} document(s)), "
            f"least in the {lo['level']} documents ({_interval(lo['value'], lo['ci_low'], lo['ci_high'])}); "
            f"{int(c['excludes_zero'].sum())} of {c.height} level differences have intervals that exclude zero. "
            + (
                f"Validation against the Outline heading labels: F1 = {f1['f1']:.2f} "
                f"on {f1['support']} labelled section(s)."
                if f1 and f1["f1"] is not None
                else "No labelled section to validate against."
            )
        )
    out = [
        f"From {docs.height} documents (weighted lexicon hits per 1,000 word tokens, 95% bootstrap "
        "intervals over sections within documents):",
        "",
        *lines,
    ]
    topics = _topic_choice(folder)
    if topics:
        out += ["", topics]
    return "\n".join(out)


def _topic_choice(folder: Path | None) -> str | None:
    try:
        summary = read_table("topic_summary", folder)
    except FileNotFoundError:
        return None
    if summary.is_empty():
        return None
    first = summary.row(0, named=True)
    k = first["k"]
    per_model = summary.group_by("model").agg(
        pl.col("coherence").mean().alias("coherence"), pl.col("stability").mean().alias("stability")
    ).sort("model")
    parts = [
        f"{r['model'].upper()} (mean NPMI coherence {r['coherence']:.2f}, mean stability across seeds "
        f"{r['stability']:.2f})"
        for r in per_model.iter_rows(named=True)
    ]
    return f"- **Topic models**: the selection rule chose k = {k}; " + " and ".join(parts) + "."


def design_caveats(documents: pl.DataFrame, min_docs: int = 5) -> str:
    """What the corpus's design lets a comparison of levels say, as Markdown, from the documents table.

    Lists, per level of government, how many documents there are and of which types and periods, and
    says plainly when a level has fewer than ``min_docs`` documents (its scores describe those documents,
    not the level) or when level is confounded with document type (no document type spans two levels).
    """
    if documents.is_empty():
        return "The corpus is empty."
    from .schema import LEVELS

    per = (
        documents.group_by("level")
        .agg(
            n=pl.len(),
            types=pl.col("doc_type").unique().sort(),
            periods=pl.col("period").fill_null("unknown").unique().sort(),
        )
        .with_columns(order=pl.col("level").replace_strict(list(LEVELS), list(range(len(LEVELS))), default=99))
        .sort("order")
    )
    lines = [
        f"- **{r['level']}**: {r['n']} document(s); {', '.join(r['types'])}; period(s) {', '.join(r['periods'])}"
        for r in per.iter_rows(named=True)
    ]
    thin = per.filter(pl.col("n") < min_docs)["level"].to_list()
    shared_types = (
        documents.group_by("doc_type").agg(pl.col("level").n_unique().alias("levels")).filter(pl.col("levels") > 1)
    )
    notes = []
    if thin:
        notes.append(
            f"Fewer than {min_docs} documents at {', '.join(thin)}: differences involving these levels describe "
            "those documents, not the levels of government they belong to."
        )
    if per.height > 1 and shared_types.is_empty():
        notes.append(
            "No document type occurs at two levels, so level is confounded with document type: a difference "
            "between levels may be a difference between kinds of document."
        )
    elif per.height > 1:
        notes.append(
            f"Document types shared by two or more levels: {', '.join(shared_types['doc_type'].sort().to_list())}; "
            "comparing levels within one type separates level from type."
        )
    periods = documents["period"].drop_nulls().unique()
    if periods.len() > 1:
        notes.append(
            f"The documents cover {periods.len()} different periods, so differences between levels may also be "
            "differences between years."
        )
    return "\n".join(["Documents per level of government:", "", *lines, "", *notes])
