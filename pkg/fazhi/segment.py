"""Section segmentation as a pipeline stage: sections, their anomalies, sentences; gold comparison.

In: the ``documents`` table (``doc_id``, ``text``). Out: the tables ``sections``, ``section_anomalies``
and ``sentences`` (``segment_documents``, ``build_stage``); sentence spans (``split_sentences``); the
comparison with gold outlines (``score_against_gold``, ``read_gold_outline``, ``score_gold_folder``,
``gold_mismatches``) and summaries (``outline_tree``, ``level_summary``, ``system_coverage``).

How: each document's outline comes from ``fazhi.headings`` (``segment``: marker styles as data, accepted by
sequence logic; see that module), its Outline systems from ``fazhi.outline.assign_systems``, and its
sentences from one regular expression on sentence-final punctuation inside each section. ``segment``,
``Anomaly``, ``Segmentation`` and ``chinese_numeral_value`` are re-exported here.
"""

from __future__ import annotations

import bisect
import difflib
import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from .headings import (
    KINDS,
    RANK,
    SECTION_SCHEMA,
    Anomaly,
    Segmentation,
    chinese_numeral_value,
    segment,
)
from .markers import MarkerTable
from .schema import anomalies_table, sections_table, sentences_table

if TYPE_CHECKING:  # the pipeline imports the stages; the stage only needs the type
    from .pipeline import BuildContext


def segment_text(text: str, *, markers: MarkerTable | None = None) -> pl.DataFrame:
    """The outline of a document: one row per section, in order, tiling the text exactly.

    Parameters
    ----------
    text
        Any string; a document with no headings gives one level-0 row spanning all of it. Never raises.
    markers
        The heading marker styles (``fazhi.markers``); the package's ``data/markers.toml`` by default.

    Returns
    -------
    polars.DataFrame
        Columns ``section_id``, ``parent_id``, ``level``, ``kind``, ``marker``, ``ordinal``, ``title``,
        ``start``, ``end``, ``path`` (see ``fazhi.schema.TABLES["sections"]``).

    Examples
    --------
    >>> segment_text("前言。一、总则。（一）目标。二、措施。")["path"].to_list()
    ['', '一、', '一、/（一）', '二、']
    """
    return segment(text, markers=markers).sections


# ----------------------------------------------------------------------------------------- sentences

_SENTENCE = re.compile(r"[^\n。！？；!?;]+(?:[。！？；!?;]+[”’」』）)\"']*)?|[。！？；!?;]+")


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Sentence spans of ``text[start:end]`` split on 。！？； and line breaks, whitespace trimmed.

    Closing quotes and brackets right after the end punctuation stay with their sentence.
    """
    end = len(text) if end is None else end
    out: list[tuple[int, int]] = []
    for m in _SENTENCE.finditer(text, start, end):
        a, b = m.start(), m.end()
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if b > a:
            out.append((a, b))
    return out


def sentence_rows(doc_id: str, text: str, sections: pl.DataFrame) -> dict[str, list]:
    """Sentences of one document as columns (see the ``sentences`` table), section by section."""
    line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
    cols: dict[str, list] = {k: [] for k in sentences_table.names}
    sid = 0
    lines_seen: dict[int, int] = {}
    for section_id, a, b in zip(sections["section_id"], sections["start"], sections["end"]):
        for s, e in split_sentences(text, a, b):
            line = bisect.bisect_right(line_starts, s) - 1
            para = lines_seen.setdefault(line, len(lines_seen))
            cols["doc_id"].append(doc_id)
            cols["section_id"].append(section_id)
            cols["paragraph_id"].append(para)
            cols["sentence_id"].append(sid)
            cols["start"].append(s)
            cols["end"].append(e)
            cols["text"].append(text[s:e])
            sid += 1
    return cols


# ------------------------------------------------------------------------------------------ scoring


def _norm_key(s: str | None) -> str:
    s = unicodedata.normalize("NFKC", s or "")
    return re.sub(r"\s+", "", s)


def _align_gold(
    predicted: pl.DataFrame, gold: pl.DataFrame
) -> tuple[pl.DataFrame, list[str], list[str], list[tuple[int, int]]]:
    """Align a segmentation's headings with a gold outline's, in document order, on (marker, title).

    Returns the predicted headings (the level-0 preamble left out), the keys of both sides (NFKC, no
    whitespace, ``marker|title``) and the matched (predicted, gold) index pairs of a longest-common-
    subsequence alignment.
    """
    pred = predicted.filter(pl.col("level") > 0) if "level" in predicted.columns else predicted
    pk = [_norm_key(m) + "|" + _norm_key(t) for m, t in zip(pred["marker"], pred["title"])]
    gk = [_norm_key(m) + "|" + _norm_key(t) for m, t in zip(gold["marker"], gold["title"])]
    sm = difflib.SequenceMatcher(None, pk, gk, autojunk=False)
    pairs = [(b.a + k, b.b + k) for b in sm.get_matching_blocks() for k in range(b.size)]
    return pred, pk, gk, pairs


def score_against_gold(predicted: pl.DataFrame, gold: pl.DataFrame) -> dict[str, float | int]:
    """Heading precision, recall and level accuracy of a segmentation against a gold outline.

    Headings are matched in document order on (marker, title), both normalised (NFKC, no whitespace),
    by a longest-common-subsequence alignment, so a heading found in the wrong place does not count.

    Parameters
    ----------
    predicted
        ``segment_text`` output (the level-0 preamble row is ignored), or any frame with ``level``,
        ``marker`` and ``title``.
    gold
        The hand-annotated outline: columns ``level``, ``marker``, ``title``, one row per heading.

    Returns
    -------
    dict
        ``gold``, ``predicted``, ``matched`` (counts), ``precision``, ``recall``, ``f1`` and
        ``level_accuracy`` (share of matched headings whose level agrees).
    """
    pred, pk, gk, pairs = _align_gold(predicted, gold)
    plev, glev = pred["level"].to_list(), gold["level"].to_list()
    same_level = sum(1 for i, j in pairs if plev[i] == glev[j])
    matched = len(pairs)
    precision = matched / len(pk) if pk else 1.0
    recall = matched / len(gk) if gk else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "gold": len(gk),
        "predicted": len(pk),
        "matched": matched,
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "level_accuracy": same_level / matched if matched else 0.0,
    }


def read_gold_outline(path: str | Path) -> pl.DataFrame:
    """Read a hand-annotated gold outline: a TSV with ``#`` comment lines and a ``level marker title`` header.

    Returns
    -------
    polars.DataFrame
        ``level`` (Int32), ``marker``, ``title`` (an empty marker stays an empty string: a lost marker).
    """
    rows: dict[str, list] = {"level": [], "marker": [], "title": []}
    text = Path(path).read_text(encoding="utf-8")
    lines = [ln for ln in text.splitlines() if ln and not ln.startswith("#")]
    for ln in lines[1:]:
        level, marker, title = (ln.split("\t") + ["", ""])[:3]
        rows["level"].append(int(level))
        rows["marker"].append(marker)
        rows["title"].append(title)
    return pl.DataFrame(rows, schema={"level": pl.Int32, "marker": pl.String, "title": pl.String})


def score_gold_folder(documents: pl.DataFrame, folder: str | Path) -> pl.DataFrame:
    """Score the segmenter on every document that has a gold outline ``<folder>/<doc_id>.tsv``.

    Returns
    -------
    polars.DataFrame
        One row per document with a gold outline: ``doc_id`` and the scores of ``score_against_gold``.
    """
    folder = Path(folder)
    rows = []
    for doc_id, text in documents.select("doc_id", "text").sort("doc_id").iter_rows():
        path = folder / f"{doc_id}.tsv"
        if path.is_file():
            score = score_against_gold(segment_text(text or ""), read_gold_outline(path))
            rows.append({"doc_id": doc_id, **score})
    return pl.DataFrame(rows)


def gold_mismatches(predicted: pl.DataFrame, gold: pl.DataFrame) -> pl.DataFrame:
    """The headings on which a segmentation and its gold outline disagree (for reading, not scoring)."""
    pred, pk, gk, pairs = _align_gold(predicted, gold)
    plev, glev = pred["level"].to_list(), gold["level"].to_list()
    rows: list[dict[str, str | None]] = [
        {"where": "level", "predicted": f"{plev[i]} {pk[i]}", "gold": f"{glev[j]} {gk[j]}"}
        for i, j in pairs
        if plev[i] != glev[j]
    ]
    matched_p = {i for i, _ in pairs}
    matched_g = {j for _, j in pairs}
    rows += [{"where": "extra", "predicted": k, "gold": None} for i, k in enumerate(pk) if i not in matched_p]
    rows += [
        {"where": "missed", "predicted": None, "gold": k} for j, k in enumerate(gk) if j not in matched_g
    ]
    return pl.DataFrame(rows, schema={"where": pl.String, "predicted": pl.String, "gold": pl.String})


# --------------------------------------------------------------------------------------------- stage


def outline_tree(sections: pl.DataFrame, *, width: int = 40) -> str:
    """A readable indented tree of a segmentation (one line per heading, titles cut to ``width``)."""
    lines = []
    for row in sections.iter_rows(named=True):
        if row["level"] == 0:
            lines.append(f"(preamble, {row['end'] - row['start']} chars)")
            continue
        title = row["title"] or ""
        if len(title) > width:
            title = title[: width - 1] + "…"
        system = f"  [{row['system']}]" if row.get("system") and row.get("system_source") == "heading" else ""
        lines.append("    " * (row["level"] - 1) + f"{row['marker'] or '∅'} {title}{system}")
    return "\n".join(lines)


def level_summary(sections: pl.DataFrame) -> pl.DataFrame:
    """Sections per document and level, with their lengths in characters (count, median, mean, total).

    The preamble is level 0; a section's length runs from its heading to the next heading of any level,
    so a parent's own length excludes its children.
    """
    return (
        sections.with_columns(chars=pl.col("end") - pl.col("start"))
        .group_by("doc_id", "level")
        .agg(
            sections=pl.len(),
            median_chars=pl.col("chars").median(),
            mean_chars=pl.col("chars").mean().round(1),
            total_chars=pl.col("chars").sum(),
        )
        .sort("doc_id", "level")
    )


def system_coverage(sections: pl.DataFrame, documents: pl.DataFrame) -> pl.DataFrame:
    """Which Outline systems each document covers, in what order, and how much of its text they hold.

    Returns
    -------
    polars.DataFrame
        One row per document and system it covers: ``doc_id``, ``level`` (of government), ``label``
        (issuer · period), ``system``, ``system_order`` (0–7, the Outline's order), ``first_start`` (offset
        of the system's first section), ``order_in_doc`` (1 = the system the document reaches first),
        ``sections``, ``chars`` and ``share`` (of the document's characters).
    """
    from .outline import system_ids
    from .schema import LEVEL, in_order

    order = {sid: i for i, sid in enumerate(system_ids())}
    docs = documents.select(
        "doc_id",
        "level",
        "n_chars",
        label=pl.col("issuer").fill_null("?") + " · " + pl.col("period").fill_null("?"),
    )
    cov = (
        sections.filter(pl.col("system").is_not_null())
        .with_columns(chars=pl.col("end") - pl.col("start"))
        .group_by("doc_id", "system")
        .agg(first_start=pl.col("start").min(), sections=pl.len(), chars=pl.col("chars").sum())
        .with_columns(
            system_order=pl.col("system").replace_strict(order, default=len(order), return_dtype=pl.Int32),
            order_in_doc=pl.col("first_start").rank("ordinal").over("doc_id").cast(pl.Int32),
        )
        .join(docs, on="doc_id", how="left")
        .with_columns(share=(pl.col("chars") / pl.col("n_chars")).round(4))
    )
    return cov.sort(in_order("level", LEVEL), "doc_id", "order_in_doc", nulls_last=True).select(
        "doc_id", "level", "label", "system", "system_order", "first_start", "order_in_doc",
        "sections", "chars", "share",
    )  # fmt: skip


def segment_documents(
    documents: pl.DataFrame, *, markers: MarkerTable | None = None
) -> dict[str, pl.DataFrame]:
    """Segment every document: the ``sections``, ``section_anomalies`` and ``sentences`` tables.

    Parameters
    ----------
    documents
        The ``documents`` table (``doc_id`` and ``text`` are used).
    markers
        The heading marker styles (``fazhi.markers``); the package's ``data/markers.toml`` by default.
    """
    from .outline import assign_systems

    secs: list[pl.DataFrame] = []
    anomalies: dict[str, list] = {"doc_id": [], "section_id": [], "kind": [], "detail": []}
    sentences: dict[str, list] = {k: [] for k in sentences_table.names}
    for doc_id, text in documents.select("doc_id", "text").sort("doc_id").iter_rows():
        text = text or ""
        seg = segment(text, markers=markers)
        frame = assign_systems(seg.sections).with_columns(pl.lit(doc_id, pl.String).alias("doc_id"))
        secs.append(frame.select(sections_table.names))
        for a in seg.anomalies:
            anomalies["doc_id"].append(doc_id)
            anomalies["section_id"].append(a.section_id)
            anomalies["kind"].append(a.kind)
            anomalies["detail"].append(a.detail)
        for k, v in sentence_rows(doc_id, text, seg.sections).items():
            sentences[k].extend(v)
    sections = (
        pl.concat(secs, how="vertical") if secs else pl.DataFrame(schema=sections_table.polars_schema)
    ).sort("doc_id", "section_id")
    return {
        "sections": sections,
        "section_anomalies": pl.DataFrame(anomalies, schema=anomalies_table.polars_schema).sort(
            "doc_id", "section_id", "kind", "detail"
        ),
        "sentences": pl.DataFrame(sentences, schema=sentences_table.polars_schema).sort(
            "doc_id", "sentence_id"
        ),
    }


def build_stage(ctx: BuildContext) -> dict[str, pl.DataFrame]:
    """Pipeline stage: ``documents`` → ``sections``, ``section_anomalies``, ``sentences``."""
    out = segment_documents(ctx.tables["documents"])
    ctx.log(
        f"segment: {out['sections'].height} sections, {out['sentences'].height} sentences, "
        f"{out['section_anomalies'].height} anomalies"
    )
    return out


__all__: Iterable[str] = [
    "KINDS",
    "RANK",
    "SECTION_SCHEMA",
    "Anomaly",
    "Segmentation",
    "build_stage",
    "chinese_numeral_value",
    "gold_mismatches",
    "level_summary",
    "outline_tree",
    "read_gold_outline",
    "score_against_gold",
    "score_gold_folder",
    "segment",
    "segment_documents",
    "segment_text",
    "split_sentences",
    "system_coverage",
]
