"""Views of the reuse tables for the text-reuse notebook: any corpus, one call per cell.

In: ``reuse_share``, ``reuse_passages``, ``reuse_formulae`` and ``documents`` (``fazhi.tables.read_table``).
Out: small polars tables. Each view that has nothing to show on a corpus prints one line saying why (no higher
level document, no passage) and returns an empty table, so the notebook goes on.

How: shares are read as built (no recomputation); medians and quartiles across documents are plain polars
aggregations. The manual reading of aligned passages is data: ``data/reuse_reading.csv`` (an earlier reading
of seeds and report passages, coder not recorded) and ``tests/data/reuse_reading/gov_work_reports_20.csv``
(20 report passages drawn with ``reading_sample``, coded by an LLM helper; ``reading_share`` gives the share
of true reuse with its Wilson interval). ``outline_language`` measures how far documents restate the
national Outline's chapter titles (``data/outline.toml``).
"""

from __future__ import annotations

import polars as pl

from ..paths import PACKAGE_DATA

READING_FILE = PACKAGE_DATA / "reuse_reading.csv"
KIND_ORDER = ("verbatim", "paraphrase", "formula", "reuse")


def _say(df: pl.DataFrame, why: str) -> pl.DataFrame:
    if df.height == 0:
        print(why)
    return df


def coverage(share: pl.DataFrame, documents: pl.DataFrame) -> pl.DataFrame:
    """Per document: its level, and how many sources of each relation were compared (0: cannot be
    computed)."""
    doc = share.filter(pl.col("scope") == "document", pl.col("kind") == "reuse", pl.col("relation") != "any")
    wide = (
        doc.pivot(on="relation", index="doc_id", values="n_sources")
        if doc.height
        else pl.DataFrame({"doc_id": []}, schema={"doc_id": pl.String})
    )
    out = (
        documents.select("doc_id", "level", "region", "period")
        .join(wide, on="doc_id", how="left")
        .sort("doc_id")
    )
    missing = (
        out.filter(pl.all_horizontal(pl.exclude("doc_id", "level", "region", "period").is_null()))
        if out.width > 4
        else out
    )
    if missing.height:
        print(
            f"{missing.height} of {out.height} document(s) have no related document to compare with (no "
            "higher level, peer or earlier document of theirs among the candidates)"
        )
    return out


def document_shares(share: pl.DataFrame, documents: pl.DataFrame, *, relation: str) -> pl.DataFrame:
    """Per document, the share of its characters restating sources of ``relation``, by kind (columns)."""
    d = share.filter(pl.col("scope") == "document", pl.col("relation") == relation)
    if d.height == 0:
        return _say(
            d, f"no document of this corpus has a source of relation {relation}: cannot be computed here"
        )
    wide = d.pivot(on="kind", index=["doc_id", "n_sources", "n_chars"], values="share")
    cols = [k for k in KIND_ORDER if k in wide.columns]
    meta = documents.select("doc_id", "level", "region", "period")
    return meta.join(wide.select("doc_id", "n_sources", "n_chars", *cols), on="doc_id").sort(
        "reuse", "doc_id", descending=[True, False]
    )


def summary(share: pl.DataFrame) -> pl.DataFrame:
    """Per relation and kind: documents, median and quartiles of the document-level share."""
    d = share.filter(pl.col("scope") == "document", pl.col("n_sources") > 0)
    if d.height == 0:
        return _say(d, "no document has a related document: no reuse share can be computed on this corpus")
    return (
        d.group_by("relation", "kind")
        .agg(
            documents=pl.len(),
            q25=pl.col("share").quantile(0.25),
            median=pl.col("share").median(),
            q75=pl.col("share").quantile(0.75),
        )
        .sort("relation", "kind")
    )


def theme_shares(share: pl.DataFrame, *, relation: str, kind: str = "reuse") -> pl.DataFrame:
    """Per theme: median share of the theme's characters restating ``relation`` sources, across documents
    (themes sorted from most copied to most locally written)."""
    d = share.filter(
        pl.col("scope") == "theme",
        pl.col("relation") == relation,
        pl.col("kind") == kind,
        pl.col("n_chars") > 0,
    )
    if d.height == 0:
        return _say(
            d,
            f"no section classified to a theme has a source of relation {relation}: cannot be computed here",
        )
    return (
        d.group_by("key")
        .agg(
            documents=pl.len(),
            chars=pl.col("n_chars").sum(),
            pooled_share=pl.col("reused_chars").sum() / pl.col("n_chars").sum(),
            median=pl.col("share").median(),
            q25=pl.col("share").quantile(0.25),
            q75=pl.col("share").quantile(0.75),
        )
        .rename({"key": "theme"})
        .sort("pooled_share", "theme", descending=[True, False])
    )


def side_by_side(
    passages: pl.DataFrame, *, relation: str | None = None, kind: str | None = None, n: int = 10
) -> pl.DataFrame:
    """The longest passages (of a relation and kind), each beside its source, with section paths and
    themes."""
    p = passages
    if relation is not None:
        p = p.filter(pl.col("relation") == relation)
    if kind is not None:
        p = p.filter(pl.col("kind") == kind)
    if p.height == 0:
        return _say(
            p,
            (
                "no aligned "
                f"passage{' of relation ' + relation if relation else ''}{' of kind ' + kind if kind else ''}"
            ),
        )
    return (
        p.with_columns(chars=pl.col("end") - pl.col("start"))
        .sort("chars", "doc_id", "start", descending=[True, False, False])
        .head(n)
        .select(
            "doc_id",
            "source_id",
            "kind",
            "similarity",
            "section_path",
            "section_theme",
            "text",
            "source_text",
        )
    )


def formulae(table: pl.DataFrame, *, n: int = 20) -> pl.DataFrame:
    """The phrases shared by most jurisdictions (reported apart from reuse)."""
    return _say(table.head(n), "no formula: no phrase is shared by enough jurisdictions in this corpus")


def reading_sample(passages: pl.DataFrame, *, n: int = 20, seed: int = 0) -> pl.DataFrame:
    """A reproducible random sample of non-formula passages for reading by hand."""
    p = passages.filter(pl.col("kind") != "formula").sort("doc_id", "source_id", "start")
    if p.height == 0:
        return _say(p, "no passage to read")
    return p.sample(n=min(n, p.height), seed=seed).select(
        "doc_id",
        "source_id",
        "relation",
        "kind",
        "start",
        "end",
        "source_start",
        "source_end",
        "similarity",
        "text",
        "source_text",
    )


def reading(file=READING_FILE) -> pl.DataFrame:
    """The passages read by hand (``data/reuse_reading.csv``): how many are true reuse, by corpus and kind."""
    r = pl.read_csv(file)
    return (
        r.group_by("corpus", "kind")
        .agg(read=pl.len(), true_reuse=pl.col("true_reuse").sum())
        .sort("corpus", "kind")
    )


def reading_share(file) -> pl.DataFrame:
    """Passages read by hand (a CSV with ``kind`` and ``true_reuse``): how many are true reuse, per kind and
    overall, with the Wilson 95% interval of the share."""
    from ..metadata_eval import wilson_interval

    r = pl.read_csv(file)
    parts = [r.group_by("kind").agg(read=pl.len(), true_reuse=pl.col("true_reuse").sum()).sort("kind")]
    parts.append(
        pl.DataFrame({"kind": ["all"], "read": [r.height], "true_reuse": [int(r["true_reuse"].sum())]})
    )
    t = pl.concat(parts, how="vertical_relaxed").with_columns(pl.col("read", "true_reuse").cast(pl.Int64))
    iv = [wilson_interval(int(k), int(n)) for k, n in zip(t["true_reuse"], t["read"])]
    return t.with_columns(
        share=pl.col("true_reuse") / pl.col("read"),
        ci_low=pl.Series([a for a, _ in iv]),
        ci_high=pl.Series([b for _, b in iv]),
    )


def still_found(file, passages: pl.DataFrame) -> int:
    """How many passages of a reading file the current ``reuse_passages`` table still holds (same documents
    and spans)."""
    keys = ["doc_id", "source_id", "start", "end", "source_start", "source_end"]
    r = pl.read_csv(file).select(keys)
    return r.join(passages.select(keys).unique(), on=keys, how="semi").height


def outline_language(documents: pl.DataFrame, *, min_chars: int = 16) -> pl.DataFrame:
    """How far each document restates the national Outline's own chapter titles (the eight systems'
    ``outline_title`` in ``data/outline.toml``, 20–30 characters each): per document, the systems whose
    title it restates (an ``align_passages`` passage of at least ``min_chars`` characters, tolerant of
    edits), and the characters of the document inside such passages. The project holds the Outline's
    titles, not its full text: this measures the Outline's headline language only."""
    from ..outline import load_systems
    from .align import align_passages

    rows = []
    systems = load_systems()
    for r in documents.sort("doc_id").iter_rows(named=True):
        text = r["text"] or ""
        hit, spans, best = [], [], []
        for s in systems:
            p = align_passages(s.outline_title, text, min_chars=min_chars)
            if p.height:
                hit.append(s.name)
                spans += list(zip(p["b_start"].to_list(), p["b_end"].to_list()))
                best.append(float(p["similarity"].max()))
        from .shares import covered

        rows.append((r["doc_id"], r["level"], len(hit), "、".join(hit), covered(spans),
                     (sum(best) / len(best)) if best else None))  # fmt: skip
    return pl.DataFrame(
        rows,
        schema={"doc_id": pl.String, "level": pl.String, "systems_restated": pl.Int64, "systems": pl.String,
                "chars_in_titles": pl.Int64, "mean_similarity": pl.Float64},
        orient="row",
    )  # fmt: skip
