"""Charts of the topics notebook: choosing k, what the topics are, LDA against NMF, prevalence by level,
and how topics line up with the theme lexicons and the Outline's systems.

In: the ``model_selection``, ``topic_runs``, ``topics``, ``topic_summary``, ``topic_prevalence``,
``topic_alignment`` and ``topic_effects`` tables. Out: altair charts (aggregated tables only: a few hundred
rows at most).
"""

from __future__ import annotations

import altair as alt
import polars as pl

from ..schema import levels_present
from . import color, label_expr, text_frames
from .heatmap import labelled_heatmap

METRICS = {
    "coherence": "Coherence (NPMI, higher is better)",
    "exclusivity": "Exclusivity (FREX, higher is better)",
    "stability": "Stability (matched similarity across seeds)",
    "perplexity": "Perplexity (LDA, in-sample, lower is better)",
}


@text_frames
def k_selection(selection: pl.DataFrame, runs: pl.DataFrame) -> alt.FacetChart:
    """Four panels against k: coherence, exclusivity, stability and perplexity; one line per model (the
    mean over seeds), one dot per seed, and a rule at the chosen k."""
    mean = selection.unpivot(
        index=["model", "k"], on=list(METRICS), variable_name="metric", value_name="value"
    ).drop_nulls("value")
    dots = runs.unpivot(
        index=["model", "k", "seed"], on=list(METRICS), variable_name="metric", value_name="value"
    ).drop_nulls("value")
    chosen = int(selection.filter(pl.col("chosen"))["k"][0])
    data = pl.concat(
        [
            mean.with_columns(kind=pl.lit("mean over seeds"), seed=pl.lit(None, pl.Int32)),
            dots.with_columns(kind=pl.lit("one seed")).select(
                "model", "k", "metric", "value", "kind", "seed"
            ),
        ],
        how="diagonal",
    ).with_columns(chosen_k=pl.lit(chosen), metric=pl.col("metric").replace_strict(METRICS))
    base = alt.Chart(data)
    x = alt.X("k:Q", title="Number of topics k", axis=alt.Axis(tickMinStep=1))
    y = alt.Y("value:Q", title=None, scale=alt.Scale(zero=False))
    line = (
        base.transform_filter("datum.kind == 'mean over seeds'")
        .mark_line(point=True)
        .encode(
            x=x,
            y=y,
            color=alt.Color("model:N", title="Model"),
            tooltip=["model", "k", alt.Tooltip("value:Q", format=".3f")],
        )
    )
    seeds = (
        base.transform_filter("datum.kind == 'one seed'")
        .mark_circle(size=18, opacity=0.4)
        .encode(
            x=x, y=y, color="model:N", tooltip=["model", "k", "seed", alt.Tooltip("value:Q", format=".3f")]
        )
    )
    rule = base.mark_rule(strokeDash=[4, 3], color="gray").encode(x="chosen_k:Q")
    return (
        alt.layer(rule, seeds, line)
        .properties(width=260, height=170)
        .facet(
            facet=alt.Facet("metric:N", title=None, sort=list(METRICS.values())),
            columns=2,
        )
        .resolve_scale(y="independent")
        .properties(title=f"Model selection over k (dashed: the chosen k = {chosen})")
    )


@text_frames
def topic_terms(
    topics: pl.DataFrame, model: str = "lda", ranking: str = "prob", n: int = 8, columns: int = 3
) -> alt.FacetChart:
    """Bars: each topic's top ``n`` terms (by probability or FREX) with their probability, one panel per
    topic."""
    data = topics.filter(
        (pl.col("model") == model) & (pl.col("ranking") == ranking) & (pl.col("rank") <= n)
    ).with_columns(title=pl.col("topic").cast(pl.String) + ": " + pl.col("label"))
    return (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X("prob:Q", title="P(term | topic)"),
            y=alt.Y("term:N", title=None, sort=alt.EncodingSortField("rank", order="ascending")),
            color=alt.Color(
                "exclusivity:Q", title="Exclusivity", scale=alt.Scale(scheme="blues", domain=[0, 1])
            ),
            tooltip=[
                "term",
                "rank",
                alt.Tooltip("prob:Q", format=".3f"),
                alt.Tooltip("exclusivity:Q", format=".2f"),
                alt.Tooltip("frex:Q", format=".2f"),
            ],
        )
        .properties(width=140, height=alt.Step(13))
        .facet(
            facet=alt.Facet(
                "title:N", title=None, sort=alt.SortField("topic"), header=alt.Header(labelLimit=140)
            ),
            columns=columns,
        )
        .resolve_scale(y="independent")
        .properties(title=f"{model.upper()}: top terms of each topic (ranked by {ranking})")
    )


@text_frames
def model_overlap(overlap: pl.DataFrame) -> alt.LayerChart:
    """Heatmap: share of top terms two models' topics have in common (``fazhi.topics.term_overlap``)."""
    return labelled_heatmap(
        overlap,
        x=alt.X("label_b:N", title=overlap["model_b"][0].upper(), sort=alt.SortField("topic_b")),
        y=alt.Y("label_a:N", title=overlap["model_a"][0].upper(), sort=alt.SortField("topic_a")),
        color=alt.Color(
            "jaccard:Q", title="Shared top terms (Jaccard)", scale=alt.Scale(scheme="greens", domain=[0, 1])
        ),
        tooltip=["label_a", "label_b", alt.Tooltip("jaccard:Q", format=".2f"), "shared"],
        text=alt.Text("jaccard:Q", format=".1f"),
        text_color=alt.condition("datum.jaccard > 0.5", alt.value("white"), alt.value("black")),
    ).properties(
        title="LDA against NMF: top terms in common, topic by topic", width=alt.Step(34), height=alt.Step(22)
    )


@text_frames
def prevalence_by_level(prevalence: pl.DataFrame, model: str = "lda") -> alt.LayerChart:
    """Points with bootstrap intervals: each topic's share of each level's text."""
    data = prevalence.filter(pl.col("model") == model).with_columns(
        title=pl.col("topic").cast(pl.String) + ": " + pl.col("label")
    )
    present = levels_present(data["level"])
    base = alt.Chart(data).encode(
        y=alt.Y("title:N", title=None, sort=alt.SortField("topic")),
        yOffset=alt.YOffset("level:N", sort=present),
        color=color("level", "level:N", present, title="Level of government"),
    )
    bars = base.mark_rule(strokeWidth=2).encode(
        x=alt.X("lo:Q", title="Share of the level's tokens", axis=alt.Axis(format="%")), x2="hi:Q"
    )
    points = base.mark_point(filled=True, size=40).encode(
        x="share:Q",
        tooltip=[
            "label",
            "level",
            "n_docs",
            "n_units",
            alt.Tooltip("share:Q", format=".1%"),
            alt.Tooltip("lo:Q", format=".1%"),
            alt.Tooltip("hi:Q", format=".1%"),
        ],
    )
    return (bars + points).properties(
        title=(
            f"{model.upper()}: topic prevalence by level (95% bootstrap intervals, sections resampled "
            "within documents)"
        ),
        width=380,
        height=alt.Step(12),
    )


@text_frames
def alignment(align: pl.DataFrame, model: str = "lda", kind: str = "theme") -> alt.LayerChart:
    """Heatmap: lift of each topic × theme (lexicon hits per 1k tokens) or × Outline system (share of
    tokens)."""
    data = align.filter(
        (pl.col("model") == model) & (pl.col("kind") == kind) & pl.col("lift").is_not_null()
    ).with_columns(
        title=pl.col("topic").cast(pl.String) + ": " + pl.col("label"),
        log_lift=pl.col("lift").clip(1 / 8, 8).log(2),
    )
    what = "theme lexicon hits" if kind == "theme" else "Outline system of the sections"
    return labelled_heatmap(
        data,
        x=alt.X(
            "target:N",
            title=kind.capitalize(),
            # theme and Outline system ids are the same ids: both shown by their bilingual labels
            axis=alt.Axis(labelAngle=-35, labelExpr=label_expr("theme")),
        ),
        y=alt.Y("title:N", title=None, sort=alt.SortField("topic")),
        color=alt.Color(
            "log_lift:Q", title="log2 lift", scale=alt.Scale(scheme="redblue", domain=[-3, 3], reverse=True)
        ),
        tooltip=[
            "label",
            "target",
            alt.Tooltip("value:Q", format=".3f"),
            alt.Tooltip("lift:Q", format=".2f"),
        ],
        text=alt.Text("lift:Q", format=".1f"),
        text_mark={"fontSize": 9},
    ).properties(
        title=f"{model.upper()}: topics against {what} (lift: 1 = as in the whole corpus)",
        width=alt.Step(40),
        height=alt.Step(20),
    )


@text_frames
def effects(effects: pl.DataFrame, *, model: str | None = None) -> alt.FacetChart:
    """Covariate effects on topic prevalence (``topic_effects``): one panel per contrast, one point per topic
    with its interval, a rule at zero. The intercept is left out (it is a level, not a contrast)."""
    data = effects.filter(pl.col("covariate") != "intercept")
    if model is not None:
        data = data.filter(pl.col("model") == model)
    data = data.with_columns(
        topic_label=pl.format("{}: {}", pl.col("topic"), pl.col("label")),
        panel=pl.format("{}: {}", pl.col("covariate"), pl.col("contrast")),
        excludes_zero=(pl.col("lo") > 0) | (pl.col("hi") < 0),
    ).select("topic", "topic_label", "panel", "estimate", "lo", "hi", "se", "excludes_zero", "method")
    base = alt.Chart(data)
    y = alt.Y("topic_label:N", title=None, sort=alt.EncodingSortField("topic"))
    tip = [
        "topic_label",
        "panel",
        alt.Tooltip("estimate:Q", format="+.3f"),
        alt.Tooltip("lo:Q", format="+.3f"),
        alt.Tooltip("hi:Q", format="+.3f"),
        "method",
    ]
    bars = base.mark_rule().encode(
        x=alt.X("lo:Q", title="Effect on the topic's share of a document's text"), x2="hi:Q", y=y
    )
    points = base.mark_point(filled=True, size=40).encode(
        x="estimate:Q",
        y=y,
        color=alt.Color(
            "excludes_zero:N",
            title="Interval excludes 0",
            scale=alt.Scale(domain=[True, False], range=["#c0392b", "#7f8c8d"]),
        ),
        tooltip=tip,
    )
    zero = base.mark_rule(strokeDash=[3, 3], color="gray").encode(x=alt.datum(0))
    return (
        alt.layer(zero, bars, points)
        .properties(width=200, height=alt.Step(14))
        .facet(facet=alt.Facet("panel:N", title=None), columns=2)
        .properties(title="Prevalence by covariates: estimate and interval (method of composition)")
    )
