"""Charts of the corpus notebook: what was loaded, from which levels of government, how long, how well
metadata inference agrees with the curated sidecar.

In: the ``documents`` and ``metadata_check`` tables. Out: altair charts.
"""

from __future__ import annotations

import altair as alt
import polars as pl

from ..schema import DOC_TYPES, levels_present
from . import axis_labels, color, text_frames

LEVEL_TITLE = "Level of government"


@text_frames
def documents_by_level(docs: pl.DataFrame) -> alt.Chart:
    """Bars: number of documents per level of government, coloured by document type."""
    counts = docs.group_by("level", "doc_type").len("documents").sort("level", "doc_type")
    return (
        alt.Chart(counts, title="Documents by level of government and type")
        .mark_bar()
        .encode(
            x=alt.X("documents:Q", title="Documents", axis=alt.Axis(tickMinStep=1)),
            y=alt.Y(
                "level:N", title=LEVEL_TITLE, sort=levels_present(docs["level"]), axis=axis_labels("level")
            ),
            color=color(
                "doc_type",
                "doc_type:N",
                [t for t in DOC_TYPES if t in set(docs["doc_type"].to_list())],
                title="Document type",
            ),
            tooltip=["level", "doc_type", "documents"],
        )
        .properties(width=420, height=alt.Step(28))
    )


@text_frames
def document_lengths(docs: pl.DataFrame) -> alt.Chart:
    """Bars: length of each document in characters, grouped by level, labelled by issuer and period."""
    from ..labels import doc_labels

    data = docs.select("doc_id", "level", "doc_type", "n_chars").join(
        doc_labels(docs), on="doc_id", how="left"
    )
    return (
        alt.Chart(data, title="Length of each document (characters of clean text)")
        .mark_bar()
        .encode(
            x=alt.X("n_chars:Q", title="Characters"),
            y=alt.Y("label:N", title=None, sort="-x"),
            color=color("level", "level:N", levels_present(docs["level"]), title=LEVEL_TITLE),
            tooltip=["doc_id", "level", "doc_type", "n_chars"],
        )
        .properties(width=420, height=alt.Step(24))
    )


@text_frames
def metadata_agreement(check: pl.DataFrame) -> alt.Chart:
    """Bars: share of curated fields that inference got right, per metadata field, with counts."""
    from ..corpus import metadata_agreement as table

    data = table(check)
    bars = (
        alt.Chart(data, title="Metadata inference vs curated sidecar")
        .mark_bar()
        .encode(
            x=alt.X(
                "accuracy:Q",
                title="Share of documents where inference = curated",
                scale=alt.Scale(domain=[0, 1]),
            ),
            y=alt.Y("field:N", title=None),
            tooltip=["field", "n", "agree", alt.Tooltip("accuracy:Q", format=".0%")],
        )
    )
    labels = bars.mark_text(align="left", dx=4).encode(text=alt.Text("label:N"))
    return (
        (bars + labels)
        .transform_calculate(label="datum.agree + '/' + datum.n")
        .properties(width=360, height=alt.Step(24))
    )
