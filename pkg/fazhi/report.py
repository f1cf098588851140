"""The site's own pages: landing-page findings, the Data page and the Reproducibility page.

In: the result tables in the processed-data folder (read through the stale-results guard), the
schema, the installed packages. Out: Markdown strings and polars tables for the root notebooks
(``index.ipynb``, ``data.ipynb``, ``reproducibility.ipynb``) to display. Every number comes from the
tables; none is typed into a page.
"""

from __future__ import annotations

import html
import importlib.metadata
import platform
from collections.abc import Sequence
from pathlib import Path

import polars as pl

from . import __version__
from .compare import MIN_DOCS, claims, confounding, md_escape
from .labels import DISPLAY, label, labels
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


def _join(values: list[object], limit: int = 12) -> str:
    """Escaped values joined by commas; long lists are cut with a count of the rest."""
    shown = [md_escape(v) for v in values[:limit]]
    rest = len(values) - limit
    return ", ".join(shown) + (f" and {rest} more" if rest > 0 else "")


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
    """The hashes every table is stamped with: package version, dictionary, lexicons, corpus."""
    from .tables import corpus_hash

    corpus = Path(corpus) if corpus is not None else build_corpus()
    return pl.DataFrame(
        {
            "input": [
                "fazhi version",
                "dictionary and stopwords",
                "lexicons and Outline mapping",
                "corpus folder",
            ],
            "value": [__version__, dictionary_hash(), lexicon_hash(), corpus_hash(corpus)],
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


def theme_name(theme: str) -> str:
    """The English name of a theme id for prose, capitalised: its lexicon file's ``label_en``
    (``Digital government``); the id made readable when no lexicon defines it."""
    entry = DISPLAY["theme"].get(theme)
    name = entry["en"] if entry else theme.replace("_", " ")
    return name[:1].upper() + name[1:]


def _read_optional(name: str, folder: Path | None) -> pl.DataFrame | None:
    try:
        return read_table(name, folder)
    except FileNotFoundError:
        return None


def key_findings(folder: Path | None = None, *, min_docs: int = MIN_DOCS) -> str:
    """The landing page's key findings, as Markdown, from the theme, validation and topic tables.

    For each of the three themes: in how many documents it is present (above the presence minimum),
    what the comparison of levels of government supports (``fazhi.compare.claims`` on
    ``theme_groups``/``theme_group_contrasts``: a cluster bootstrap over documents, groups of at least
    ``min_docs`` documents, Holm-adjusted; "most" only when supported, otherwise "no detectable
    difference"), the same within one document type or why that is impossible, and the validation F1 of
    the lexicon against the Outline heading labels. Then the topic model chosen by the selection rule.
    Every data value is escaped before it is written into Markdown.
    """
    from .themes import FOCUS, PRESENCE_MIN_HITS, PRESENCE_MIN_RATE

    docs = read_table("documents", folder)
    per_doc = _read_optional("theme_documents", folder)
    groups = _read_optional("theme_groups", folder)
    contrasts = _read_optional("theme_group_contrasts", folder)
    validation = _read_optional("theme_validation", folder)
    if docs.is_empty() or per_doc is None or groups is None or contrasts is None:
        return (
            "No document could be scored, so there are no findings: see the corpus page for what was "
            "rejected."
        )
    full = validation.filter(pl.col("variant") == "full") if validation is not None else pl.DataFrame()
    lines = []
    for theme in FOCUS:
        d = per_doc.filter(pl.col("theme") == theme)
        n_present = int(d["present"].sum())
        name = theme_name(theme)
        if n_present == 0:
            lines.append(f"- **{name}**: present in none of the {d.height} document(s); nothing to compare.")
            continue
        text = level_claim(groups, contrasts, theme=theme, min_docs=min_docs)
        within = _within_texts(groups, contrasts, docs, theme=theme, min_docs=min_docs)
        v = full.filter(pl.col("theme") == theme) if full.height else full
        f1 = v.row(0, named=True) if v.height else None
        valid = (
            (
                f" Validation against the Outline heading labels: F1 = {f1['f1']:.2f} on {f1['support']} "
                "labelled section(s)."
            )
            if f1 and f1["f1"] is not None
            else " No labelled section to validate against."
        )
        lines.append(
            f"- **{name}**: present in {n_present} of {d.height} document(s). Levels of government: "
            f"{text}.{within}{valid}"
        )
    method = (
        f"From {docs.height} document(s). A theme counts in a document only with at least "
        f"{PRESENCE_MIN_HITS:g} weighted lexicon hits and {PRESENCE_MIN_RATE:g} per 1,000 word tokens; a "
        "document's emphasis is its rate where the theme is present and 0 where not. Groups of documents "
        f"are compared by resampling documents (a cluster bootstrap) when a group has at least {min_docs}; "
        "smaller groups are described, not compared. A difference is named only when its Holm-adjusted "
        "interval excludes zero; documents of unknown level are never ranked."
    )
    level_c = contrasts.filter(pl.col("covariate") == "level", pl.col("theme").is_in(list(FOCUS)))
    if not level_c["supported"].any():
        lines.append(
            "- **In sum**: by these rules, no difference between levels of government in the three themes is "
            "supported by this corpus."
        )
    out = [method, "", *lines]
    topics = _topic_choice(folder)
    if topics:
        out += ["", topics]
    return "\n".join(out)


def level_claim(
    groups: pl.DataFrame, contrasts: pl.DataFrame, *, theme: str, min_docs: int = MIN_DOCS
) -> str:
    """What the comparison of levels of government supports for one theme, Markdown-escaped: the
    ``fazhi.compare.claims`` sentence over all documents (``theme_groups`` / ``theme_group_contrasts``
    rows with covariate ``level`` and no stratum), or ``no level to compare``."""
    sel = [pl.col("theme") == theme, pl.col("covariate") == "level", pl.col("stratum").is_null()]
    found = claims(groups.filter(*sel), contrasts.filter(*sel), min_docs=min_docs, names=labels("level"))
    (claim,) = found or [None]
    return md_escape(claim.text) if claim else "no level to compare"


#: The covariates levels are compared within, and the noun that names one of their values.
WITHIN = (("doc_type", "document type"), ("period", "period"))


def _within_texts(
    groups: pl.DataFrame, contrasts: pl.DataFrame, docs: pl.DataFrame, *, theme: str, min_docs: int
) -> str:
    return "".join(
        _within_text(groups, contrasts, docs, theme=theme, within=w, noun=noun, min_docs=min_docs)
        for w, noun in WITHIN
    )


def level_findings(
    groups: pl.DataFrame, contrasts: pl.DataFrame, *, themes: Sequence[str], min_docs: int = MIN_DOCS
) -> str:
    """A Markdown list, one item per theme: what the comparison of levels of government supports (the
    sentence of ``key_findings``, from ``level_claim``)."""
    return "\n".join(
        f"- **{md_escape(theme_name(t))}**: {level_claim(groups, contrasts, theme=t, min_docs=min_docs)}."
        for t in themes
    )


def within_findings(
    groups: pl.DataFrame,
    contrasts: pl.DataFrame,
    documents: pl.DataFrame,
    *,
    themes: Sequence[str],
    min_docs: int = MIN_DOCS,
) -> str:
    """A Markdown list, one item per theme: levels of government compared within one document type and
    within one period, or why that is impossible (the sentences of ``key_findings``)."""
    return "\n".join(
        f"- **{md_escape(theme_name(t))}**:"
        + _within_texts(groups, contrasts, documents, theme=t, min_docs=min_docs)
        for t in themes
    )


def _within_text(
    groups: pl.DataFrame,
    contrasts: pl.DataFrame,
    docs: pl.DataFrame,
    *,
    theme: str,
    within: str,
    noun: str,
    min_docs: int,
) -> str:
    """One sentence: levels compared within each value of ``within`` (e.g. one document type), or why not."""
    if within not in docs.columns:
        return ""
    values = (
        docs.filter(~pl.col("level").cast(pl.String).fill_null("unknown").is_in(["unknown", ""]))
        .select(pl.col(within).cast(pl.String).fill_null("unknown"))
        .to_series()
        .unique()
        .to_list()
    )
    if len(values) == 1:
        shown = md_escape(label(within, values[0]))
        return f" All documents of known level are of one {noun} ({shown}): level is not confounded with it."
    reason = confounding(docs, by="level", within=within)
    if reason:
        return f" Within one {noun}: no comparison possible ({md_escape(reason)})."
    sel = [pl.col("theme") == theme, pl.col("covariate") == "level", pl.col("within") == within]
    gw, cw = groups.filter(*sel), contrasts.filter(*sel)
    strata = (
        gw.filter(pl.col("interval") == "cluster_bootstrap")
        .group_by("stratum")
        .len()
        .filter(pl.col("len") > 1)
    )
    parts = []
    for (stratum,) in strata.sort("stratum").select("stratum").iter_rows():
        (cl,) = claims(
            gw.filter(pl.col("stratum") == stratum),
            cw.filter(pl.col("stratum") == stratum),
            min_docs=min_docs,
            names=labels("level"),
        )
        parts.append(f"{md_escape(label(within, stratum))}: {md_escape(cl.text)}")
    if parts:
        return f" Within one {noun} — " + "; ".join(parts) + "."
    return f" Within one {noun}: none has two levels with {min_docs} or more documents each."


def _topic_choice(folder: Path | None) -> str | None:
    try:
        summary = read_table("topic_summary", folder)
    except FileNotFoundError:
        return None
    if summary.is_empty():
        return None
    first = summary.row(0, named=True)
    k = first["k"]
    per_model = (
        summary.group_by("model")
        .agg(pl.col("coherence").mean().alias("coherence"), pl.col("stability").mean().alias("stability"))
        .sort("model")
    )
    parts = [
        f"{r['model'].upper()} (mean NPMI coherence {r['coherence']:.2f}, mean stability across seeds "
        f"{r['stability']:.2f})"
        for r in per_model.iter_rows(named=True)
    ]
    return f"- **Topic models**: the selection rule chose k = {k}; " + " and ".join(parts) + "."


def design_caveats(documents: pl.DataFrame, min_docs: int = MIN_DOCS) -> str:
    """What the corpus's design lets a comparison of levels say, as Markdown, from the documents table.

    Lists, per level of government, how many documents there are and of which types and periods, and
    says plainly when a level has fewer than ``min_docs`` documents (its scores describe those documents,
    not the level) or when level is confounded with document type (no document type spans two levels).
    """
    if documents.is_empty():
        return "The corpus is empty."
    from .schema import in_order, levels_present

    documents = documents.with_columns(
        pl.col("level").cast(pl.String).fill_null("unknown"),
        pl.col("doc_type").cast(pl.String).fill_null("unknown"),
    )
    per = (
        documents.group_by("level")
        .agg(
            n=pl.len(),
            types=pl.col("doc_type").unique().sort(),
            periods=pl.col("period").fill_null("unknown").unique().sort(),
        )
        .sort(in_order("level", levels_present(documents["level"])))  # a stray name after the levels
    )
    lines = [
        f"- **{md_escape(label('level', r['level']))}**: {r['n']} document(s); "
        f"{_join([label('doc_type', t) for t in r['types']])}; period(s) {_join(r['periods'])}"
        for r in per.iter_rows(named=True)
    ]
    known = per.filter(pl.col("level") != "unknown")
    thin = [label("level", v) for v in known.filter(pl.col("n") < min_docs)["level"].to_list()]
    shared_types = (
        documents.filter(pl.col("level") != "unknown", pl.col("doc_type") != "unknown")
        .group_by("doc_type")
        .agg(pl.col("level").n_unique().alias("levels"))
        .filter(pl.col("levels") > 1)
    )
    notes = []
    unknown = per.filter(pl.col("level") == "unknown")
    if unknown.height:
        notes.append(
            f"{unknown['n'].item()} document(s) of unknown level: reported apart and never ranked among "
            "the levels."
        )
    if known.height < 2:
        notes.append("Fewer than two known levels of government: there is no comparison of levels to make.")
    if thin:
        notes.append(
            f"Fewer than {min_docs} documents at {_join(thin)}: these levels are described, not compared "
            "(no interval); what they show is about those documents, not the levels of government they "
            "belong to."
        )
    if known.height > 1 and shared_types.is_empty():
        notes.append(
            "No document type occurs at two levels, so level is confounded with document type: a difference "
            "between levels may be a difference between kinds of document."
        )
    elif known.height > 1:
        notes.append(
            "Document types shared by two or more levels: "
            f"{_join([label('doc_type', t) for t in shared_types['doc_type'].sort().to_list()])}; "
            "comparing levels within one type separates level from type."
        )
    periods = documents["period"].drop_nulls().unique()
    if periods.len() > 1:
        notes.append(
            f"The documents cover {periods.len()} different periods, so differences between levels may also "
            "be differences between years."
        )
    return "\n".join(["Documents per level of government:", "", *lines, "", *notes])


def citation_markdown(folder: Path | None = None, *, limit: int = 200) -> str:
    """How to cite: the software (from ``CITATION.cff``) and a bibliography of the corpus of this build.

    The bibliography has one entry per document (issuer, title, period, publication date, source URL
    when the corpus gives one), from the ``documents`` table, in ``doc_id`` order; past ``limit``
    entries it points to the documents download. The corpus folder's ``SOURCE.md`` (its provenance),
    when there is one, is named too.
    """
    import re

    from .paths import project_root

    out = ["**Software.**"]
    cff = project_root() / "CITATION.cff"
    if cff.is_file():  # the top-level scalar keys of the CFF file (YAML); pyyaml is not a runtime dependency
        text = cff.read_text(encoding="utf-8")
        meta = {
            k: v.strip().strip('"') for k, v in re.findall(r"^([a-z-]+): *(\S.*)$", text, flags=re.MULTILINE)
        }
        authors = ", ".join(
            re.findall(r"^  - name: *(.+)$", text.split("references:")[0], flags=re.MULTILINE)
        )
        out.append(
            f"{md_escape(authors)}. *{md_escape(meta.get('title', 'fazhi'))}*. Version "
            f"{md_escape(meta.get('version', __version__))} ({md_escape(meta.get('license', ''))}). "
            "See `CITATION.cff` in the repository."
        )
    else:
        out.append(f"fazhi, version {__version__}.")
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


def _first_line(path: Path) -> str:
    """The first non-empty line of a text file, without a Markdown heading's #."""
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        if line.strip():
            return line.strip().lstrip("#").strip()
    return ""
