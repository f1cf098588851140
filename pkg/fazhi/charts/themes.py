"""Charts of the themes notebook: emphasis by level of government with intervals, documents × themes,
where in each document the themes appear, the validation confusion matrix, and what drives each score.

In: the ``theme_scores``, ``theme_hits``, ``theme_confusion`` and ``theme_sensitivity`` tables and
``documents``. Out: altair charts (data aggregated before charting).
"""

from __future__ import annotations

import altair as alt
import polars as pl

from ..schema import LEVEL, in_order, levels_present
from ..themes import FOCUS
from . import THEME_COLORS, axis_labels, labels, text_frames
from .heatmap import labelled_heatmap

THEME_LABELS = labels("theme")  # the lexicon files' label_zh and label_en (fazhi.labels)
THEME_ORDER = list(THEME_LABELS.values())
FOCUS_LABELS = [THEME_LABELS[t] for t in FOCUS]
MEASURE_TITLES = {
    "per_1k_tokens": "Weighted hits per 1,000 word tokens",
    "per_1k_content_tokens": "Weighted hits per 1,000 content tokens",
    "share_of_hits": "Share of all eight lexicons' hits",
    "char_share": "Share of characters in sections classified to the theme",
    "section_share": "Share of sections mentioning the theme",
    "position": "Mean relative position of the theme's sections (0 = start)",
}


def _label(df: pl.DataFrame) -> pl.DataFrame:
    return df.with_columns(theme_label=pl.col("theme").replace_strict(THEME_LABELS, default=pl.col("theme")))


def _theme_color(themes: tuple[str, ...] | list[str], *, legend: bool = True) -> alt.Color:
    """The themes' own colours (``fazhi.charts.THEME_COLORS``) on the ``theme_label`` field."""
    return alt.Color(
        "theme_label:N",
        title="Theme" if legend else None,
        sort=[THEME_LABELS.get(t, t) for t in themes],
        scale=alt.Scale(
            domain=[THEME_LABELS.get(t, t) for t in themes],
            range=[THEME_COLORS.get(t, "#7f7f7f") for t in themes],
        ),
        legend=alt.Legend() if legend else None,
    )


def _doc_labels(documents: pl.DataFrame) -> pl.DataFrame:
    from ..labels import doc_labels

    return doc_labels(documents).rename({"label": "doc_label"})


@text_frames
def emphasis_by_level(
    scores: pl.DataFrame, measure: str = "per_1k_tokens", themes: tuple[str, ...] = FOCUS
) -> alt.Chart:
    """Points with 95% bootstrap intervals: each level's value of ``measure`` for each theme."""
    data = _label(
        scores.filter(
            pl.col("scope") == "level", pl.col("measure") == measure, pl.col("theme").is_in(list(themes))
        )
    ).select("level", "theme_label", "value", "ci_low", "ci_high", "n_docs", "hits")
    levels = levels_present(data["level"])
    base = alt.Chart(data).encode(
        y=alt.Y("level:N", title="Level of government", sort=levels, axis=axis_labels("level")),
        color=_theme_color(themes, legend=False),
    )
    rules = base.mark_rule(strokeWidth=2).encode(
        x=alt.X("ci_low:Q", title=MEASURE_TITLES[measure]), x2="ci_high:Q"
    )
    points = base.mark_point(filled=True, size=70).encode(
        x="value:Q",
        tooltip=[
            "level",
            "theme_label",
            alt.Tooltip("value:Q", format=".3g"),
            alt.Tooltip("ci_low:Q", format=".3g"),
            alt.Tooltip("ci_high:Q", format=".3g"),
            "n_docs",
            "hits",
        ],
    )
    return (
        (rules + points)
        .properties(width=150, height=alt.Step(26))
        .facet(column=alt.Column("theme_label:N", title=None, sort=[THEME_LABELS[t] for t in themes]))
        .properties(
            title=(
                f"Emphasis by level of government: {MEASURE_TITLES[measure].lower()} "
                "(95% bootstrap intervals)"
            )
        )
    )


@text_frames
def document_heatmap(
    scores: pl.DataFrame, documents: pl.DataFrame, measure: str = "share_of_hits"
) -> alt.Chart:
    """Heatmap: each document (rows) × each of the eight themes (columns), coloured by ``measure``."""
    data = _label(
        scores.filter(pl.col("scope") == "document", pl.col("measure") == measure)
        .join(_doc_labels(documents), on="doc_id")
        .select("doc_id", "doc_label", "level", "theme", "value", "hits")
    )
    # documents centre first (the order of levels.toml), then by doc_id
    by_level = data.sort(in_order("level", LEVEL), "doc_id", nulls_last=True)
    order = by_level["doc_label"].unique(maintain_order=True).to_list()
    return labelled_heatmap(
        data,
        title=f"Documents × themes: {MEASURE_TITLES[measure].lower()}",
        x=alt.X("theme_label:N", title=None, sort=THEME_ORDER, axis=alt.Axis(labelAngle=-35)),
        y=alt.Y("doc_label:N", title=None, sort=order),
        color=alt.Color("value:Q", title=None, scale=alt.Scale(scheme="blues")),
        tooltip=["doc_id", "theme_label", alt.Tooltip("value:Q", format=".3f"), "hits"],
        text=alt.Text("value:Q", format=".2f"),
        text_color=alt.condition("datum.value > 0.3", alt.value("white"), alt.value("black")),
    ).properties(width=alt.Step(62), height=alt.Step(30))


@text_frames
def theme_positions(
    hits: pl.DataFrame, documents: pl.DataFrame, themes: tuple[str, ...] = FOCUS, bins: int = 40
) -> alt.Chart:
    """Where in each document each theme appears: hits binned by relative position (0 = start, 1 = end)."""
    data = (
        hits.filter(pl.col("theme").is_in(list(themes)))
        .with_columns(bin=(pl.col("rel_position") * bins).floor().clip(0, bins - 1).cast(pl.Int32))
        .group_by("doc_id", "theme", "bin")
        .agg(hits=pl.len(), weighted=pl.col("weight").sum())
        .with_columns(position=(pl.col("bin") + 0.5) / bins)
        .join(_doc_labels(documents).join(documents.select("doc_id", "level"), on="doc_id"), on="doc_id")
        .sort("doc_id", "theme", "bin")
    )
    data = _label(data)
    # documents centre first (the order of levels.toml), then by doc_id
    by_level = data.sort(in_order("level", LEVEL), "doc_id", nulls_last=True)
    order = by_level["doc_label"].unique(maintain_order=True).to_list()
    return (
        alt.Chart(data, title="Where each theme appears along each document (hits in 40 equal slices)")
        .mark_circle(opacity=0.75)
        .encode(
            x=alt.X(
                "position:Q",
                title="Relative position in the document (0 = start, 1 = end)",
                scale=alt.Scale(domain=[0, 1]),
            ),
            y=alt.Y(
                "theme_label:N",
                title=None,
                sort=[THEME_LABELS[t] for t in themes],
                axis=alt.Axis(labelLimit=120),
            ),
            size=alt.Size(
                "weighted:Q",
                title="Weighted hits",
                scale=alt.Scale(range=[15, 300]),
                legend=alt.Legend(orient="bottom"),
            ),
            color=alt.Color(
                "theme_label:N",
                title="Theme",
                sort=[THEME_LABELS.get(t, t) for t in themes],
                scale=alt.Scale(
                    domain=[THEME_LABELS.get(t, t) for t in themes],
                    range=[THEME_COLORS.get(t, "#7f7f7f") for t in themes],
                ),
                legend=alt.Legend(orient="bottom", columns=1, labelLimit=320),
            ),
            row=alt.Row(
                "doc_label:N",
                title=None,
                sort=order,
                header=alt.Header(labelAngle=0, labelAlign="left", labelLimit=150),
            ),
            tooltip=["doc_id", "theme_label", alt.Tooltip("position:Q", format=".2f"), "hits"],
        )
        .properties(width=290, height=alt.Step(16))
    )


@text_frames
def confusion_matrix(confusion: pl.DataFrame) -> alt.Chart:
    """Heatmap of the validation: heading label (rows) × lexicon classification of the body (columns)."""
    data = confusion.with_columns(
        label_l=pl.col("label").replace_strict(THEME_LABELS, default=pl.col("label")),
        predicted_l=pl.col("predicted").replace_strict(THEME_LABELS, default=pl.col("predicted")),
        agree=pl.col("label") == pl.col("predicted"),
    )
    return labelled_heatmap(
        data,
        title="Validation: heading label × classification of the section body",
        x=alt.X(
            "predicted_l:N",
            title="Classified from the body by the lexicons",
            sort=[*THEME_ORDER, "none"],
            axis=alt.Axis(labelAngle=-35),
        ),
        y=alt.Y("label_l:N", title="Label from the heading (Outline mapping)", sort=THEME_ORDER),
        color=alt.Color(
            "agree:N", title="Agree", scale=alt.Scale(domain=[True, False], range=["#4c78a8", "#e45756"])
        ),
        tooltip=["label", "predicted", "n"],
        text="n:Q",
        text_mark={"color": "white", "fontSize": 12},
    ).properties(width=alt.Step(60), height=alt.Step(26))


@text_frames
def term_drivers(sensitivity: pl.DataFrame, themes: tuple[str, ...] = FOCUS, n: int = 8) -> alt.Chart:
    """Bars: the terms contributing most of each theme's weighted hits in the corpus (leave-one-term-out)."""
    data = _label(
        sensitivity.filter(pl.col("scope") == "corpus", pl.col("theme").is_in(list(themes)))
        .sort(["theme", "share_of_theme", "term"], descending=[False, True, False])
        .group_by("theme", maintain_order=True)
        .head(n)
        .select("theme", "term", "hits", "share_of_theme", "per_1k_tokens", "per_1k_without")
    )
    return (
        alt.Chart(data, title="What drives each theme: share of the theme's weighted hits from each term")
        .mark_bar()
        .encode(
            x=alt.X(
                "share_of_theme:Q", title="Share of the theme's weighted hits", axis=alt.Axis(format="%")
            ),
            y=alt.Y("term:N", title=None, sort="-x"),
            color=_theme_color(themes, legend=False),
            row=alt.Row(
                "theme_label:N",
                title=None,
                sort=[THEME_LABELS[t] for t in themes],
                header=alt.Header(labelAngle=0, labelAlign="left"),
            ),
            tooltip=[
                "term",
                "hits",
                alt.Tooltip("share_of_theme:Q", format=".1%"),
                alt.Tooltip("per_1k_tokens:Q", format=".2f"),
                alt.Tooltip("per_1k_without:Q", format=".2f"),
            ],
        )
        .resolve_scale(y="independent")
        .properties(width=320, height=alt.Step(16))
    )


@text_frames
def measures_compared(scores: pl.DataFrame, themes: tuple[str, ...] = FOCUS) -> alt.Chart:
    """Level values of each theme under the primary and alternative normalisations, each scaled to its
    maximum."""
    data = _label(
        scores.filter(
            pl.col("scope") == "level",
            pl.col("theme").is_in(list(themes)),
            pl.col("measure").is_in(
                ["per_1k_tokens", "per_1k_content_tokens", "share_of_hits", "char_share"]
            ),
        )
        .with_columns(scaled=pl.col("value") / pl.col("value").max().over("theme", "measure"))
        .select("level", "theme", "measure", "value", "scaled")
    )
    levels = levels_present(data["level"])
    return (
        alt.Chart(data, title="Level ranking under four normalisations (each scaled to its largest level)")
        .mark_line(point=True)
        .encode(
            x=alt.X("level:N", sort=levels, title=None),
            y=alt.Y("scaled:Q", title="Value / largest level", scale=alt.Scale(domain=[0, 1])),
            color=alt.Color("measure:N", title="Measure"),
            column=alt.Column("theme_label:N", title=None, sort=[THEME_LABELS[t] for t in themes]),
            tooltip=["level", "measure", alt.Tooltip("value:Q", format=".3g")],
        )
        .properties(width=170, height=180)
    )
