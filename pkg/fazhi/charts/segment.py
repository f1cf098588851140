"""Charts of the segmentation notebook: sections by level, their lengths, and which of the Outline's
eight systems each document covers, in what order, by level of government.

In: the ``sections`` and ``documents`` tables (through ``fazhi.segment.level_summary`` and
``fazhi.segment.system_coverage``). Out: altair charts, built from small aggregated frames.
"""

from __future__ import annotations

import altair as alt
import polars as pl

from ..outline import load_systems
from ..schema import LEVEL, in_order
from . import text_frames


def _doc_labels(documents: pl.DataFrame) -> pl.DataFrame:
    from ..labels import doc_labels

    return (
        documents.select("doc_id", "level")
        .join(doc_labels(documents), on="doc_id", how="left")
        .select("doc_id", "level", "label")
        .sort(in_order("level", LEVEL), "doc_id", nulls_last=True)
    )


@text_frames
def sections_by_level(summary: pl.DataFrame, documents: pl.DataFrame) -> alt.Chart:
    """Stacked bars: number of sections of each document, by outline level (0 = preamble)."""
    labels = _doc_labels(documents)
    data = summary.join(labels.select("doc_id", "label"), on="doc_id").with_columns(
        pl.col("level").cast(pl.String).alias("outline_level")
    )
    return (
        alt.Chart(data, title="Sections per document, by outline level")
        .mark_bar()
        .encode(
            x=alt.X("sections:Q", title="Sections"),
            y=alt.Y("label:N", title=None, sort=labels["label"].to_list()),
            color=alt.Color("outline_level:O", title="Outline level", scale=alt.Scale(scheme="blues")),
            order=alt.Order("level:Q"),
            tooltip=["label", "level", "sections", "median_chars", "total_chars"],
        )
        .properties(width=420, height=alt.Step(26))
    )


@text_frames
def section_lengths_by_level(sections: pl.DataFrame) -> alt.Chart:
    """Box plots: length in characters of the sections at each outline level, all documents together."""
    data = (
        sections.with_columns(chars=pl.col("end") - pl.col("start"))
        .group_by("level")
        .agg(
            n=pl.len(),
            lo=pl.col("chars").min(),
            q1=pl.col("chars").quantile(0.25),
            median=pl.col("chars").median(),
            q3=pl.col("chars").quantile(0.75),
            hi=pl.col("chars").max(),
        )
        .sort("level")
        .with_columns(pl.col("level").cast(pl.String).alias("outline_level"))
    )
    base = alt.Chart(data, title="Section length by outline level (characters to the next heading)").encode(
        y=alt.Y("outline_level:O", title="Outline level (0 = preamble)")
    )
    whisker = base.mark_rule().encode(
        x=alt.X("lo:Q", title="Characters", scale=alt.Scale(type="symlog")), x2="hi:Q"
    )
    box = base.mark_bar(size=14).encode(
        x="q1:Q", x2="q3:Q", tooltip=["outline_level", "n", "lo", "q1", "median", "q3", "hi"]
    )
    med = base.mark_tick(color="white", size=14, thickness=2).encode(x="median:Q")
    return (whisker + box + med).properties(width=420, height=alt.Step(30))


@text_frames
def system_coverage(coverage: pl.DataFrame, documents: pl.DataFrame) -> alt.Chart:
    """Grid: documents (by level of government) × the eight systems (Outline order); colour = share of
    the document's characters under the system, number = the order in which the document reaches it."""
    labels = _doc_labels(documents)
    systems = [f"{s.name.removesuffix('体系')}" for s in load_systems()]
    names = {s.id: systems[i] for i, s in enumerate(load_systems())}
    data = coverage.join(
        labels.select("doc_id", "label"), on="doc_id", how="left", suffix="_doc"
    ).with_columns(
        system_name=pl.col("system").replace_strict(names, default=pl.col("system")),
        label=pl.col("label_doc"),
    )
    # every document × system cell, so that an uncovered system shows as an empty cell
    grid = labels.select("label").join(pl.DataFrame({"system_name": systems}), how="cross")
    x = alt.X(
        "system_name:N",
        title="Outline system (in the Outline's order)",
        sort=systems,
        axis=alt.Axis(labelAngle=-35),
    )
    y = alt.Y("label:N", title=None, sort=labels["label"].to_list())
    empty = alt.Chart(grid).mark_rect(fill="#f3f3f3", stroke="white").encode(x=x, y=y)
    cells = (
        alt.Chart(data)
        .mark_rect(stroke="white")
        .encode(
            x=x,
            y=y,
            color=alt.Color(
                "share:Q",
                title="Share of document",
                scale=alt.Scale(scheme="oranges"),
                legend=alt.Legend(format=".0%"),
            ),
            tooltip=[
                "label",
                "system",
                "order_in_doc",
                "sections",
                "chars",
                alt.Tooltip("share:Q", format=".1%"),
            ],
        )
    )
    text = alt.Chart(data).mark_text(fontSize=12).encode(x=x, y=y, text="order_in_doc:Q")
    return (empty + cells + text).properties(
        title="Which of the eight systems each document files sections under, and in what order (1 = first)",
        width=alt.Step(58),
        height=alt.Step(30),
    )


@text_frames
def gold_scores(scores: pl.DataFrame) -> alt.Chart:
    """Points: heading precision, recall and level accuracy per document against the gold outline."""
    data = scores.unpivot(
        index="doc_id", on=["precision", "recall", "level_accuracy"], variable_name="measure"
    )
    return (
        alt.Chart(data, title="Segmenter vs hand-annotated gold outlines")
        .mark_point(filled=True, size=70)
        .encode(
            x=alt.X("value:Q", title="Score", scale=alt.Scale(domain=[0.9, 1.0])),
            y=alt.Y("doc_id:N", title=None),
            color=alt.Color("measure:N", title="Measure"),
            shape=alt.Shape("measure:N"),
            tooltip=["doc_id", "measure", alt.Tooltip("value:Q", format=".3f")],
        )
        .properties(width=360, height=alt.Step(26))
    )
