"""Charts of the government-work-report pages: the 31 provinces against the national report, and the
national report's emphasis over seven decades with its vocabulary eras.

In: frames of ``fazhi.gwr`` (``province_outliers``, ``national_against_provinces``, ``report_emphasis``,
``vocabulary_summary``). Out: altair charts (data aggregated before charting).
"""

from __future__ import annotations

import altair as alt
import polars as pl

from . import text_frames
from .themes import THEME_LABELS


def _label(df: pl.DataFrame) -> pl.DataFrame:
    return df.with_columns(theme_label=pl.col("theme").replace_strict(THEME_LABELS, default=pl.col("theme")))


@text_frames
def provinces_against_national(
    outliers: pl.DataFrame, national: pl.DataFrame, *, year: int, panel_width: int = 150
) -> alt.FacetChart:
    """All provinces of ``year`` with their 95% section-bootstrap intervals, one panel per theme, and the
    national report(s) as vertical reference lines, each mark in a legend (about 600 px wide)."""
    prov = _label(outliers.filter(pl.col("year") == year)).with_columns(
        status=pl.col("stands_out").fill_null("not different (Holm)"), layer=pl.lit("province")
    )
    ref = _label(national.filter(pl.col("provincial_year") == year)).select(
        "theme_label",
        pl.col("national").alias("reference_value"),
        reference=pl.format(
            "national report {} ({})",
            pl.col("national_year"),
            pl.when(pl.col("national_delivered") == "before")
            .then(pl.lit("delivered before"))
            .otherwise(pl.lit("delivered after")),
        ),
        layer=pl.lit("national"),
    )
    data = pl.concat([prov, ref], how="diagonal_relaxed")
    base = alt.Chart().transform_filter(alt.datum.layer == "province")
    base = base.encode(y=alt.Y("region:N", sort="ascending", title=None))
    bars = base.mark_rule(color="gray").encode(
        x=alt.X("ci_low:Q", title="Emphasis per 1,000 word tokens"), x2="ci_high:Q"
    )
    dots = base.mark_point(filled=True, size=40).encode(
        x="emphasis:Q",
        color=alt.Color(
            "status:N",
            title="Province against the provincial median",
            legend=alt.Legend(orient="bottom", direction="vertical", titleLimit=320, labelLimit=320),
        ),
        tooltip=["region", "emphasis", "ci_low", "ci_high", "difference", "p_holm"],
    )
    lines = (
        alt.Chart()
        .transform_filter(alt.datum.layer == "national")
        .mark_rule(color="black")
        .encode(
            x="reference_value:Q",
            strokeDash=alt.StrokeDash(
                "reference:N",
                title="Reference line",
                scale=alt.Scale(range=[[6, 3], [2, 2]]),
                legend=alt.Legend(orient="bottom", direction="vertical", titleLimit=320, labelLimit=320),
            ),
            tooltip=["reference:N", "reference_value:Q"],
        )
    )
    return (
        alt.layer(bars, dots, lines, data=data)
        .properties(width=panel_width, height=480)
        .facet(column=alt.Column("theme_label:N", title=None))
        .properties(
            title=alt.TitleParams(
                f"Provincial reports of {year} against the national report",
                subtitle="Dot: a province's emphasis; gray bar: its 95% section-bootstrap interval; "
                "black lines: the national report(s).",
            )
        )
        .resolve_scale(x="independent")
    )


def _label_rows(marks: pl.DataFrame, *, width: int, domain: tuple[int, int], font: int) -> pl.DataFrame:
    """One label per era start (terms of the same first year joined), each in the first text row where it
    does not run into the label before it (estimated width: full-width characters ``font`` px, others
    0.6 of that)."""
    px_per_year = width / (domain[1] - domain[0])
    groups = (
        marks.group_by("valid_from")
        .agg(pl.col("term").sort().str.join(" · ").alias("label"))
        .sort("valid_from")
    )
    ends: list[float] = []
    rows = []
    for start, label in groups.iter_rows():
        px = sum(font if ord(c) > 0x2E80 else 0.6 * font for c in label) + 4
        x0 = (start - domain[0]) * px_per_year
        row = next((i for i, e in enumerate(ends) if e < x0), len(ends))
        if row == len(ends):
            ends.append(0.0)
        ends[row] = x0 + px
        rows.append(row)
    return groups.with_columns(row=pl.Series(rows, dtype=pl.Int64))


@text_frames
def national_series(
    emphasis: pl.DataFrame, eras: pl.DataFrame, *, width: int = 620, font: int = 10
) -> alt.VConcatChart:
    """Each theme's emphasis in the national report per year (line; band: 95% section-bootstrap interval),
    with the first year of each era-marked term's era (dotted rule, labelled above the panel; labels that
    would overlap go to further rows). About ``width`` + 80 px wide."""
    nat = _label(emphasis.filter(pl.col("level") == "national"))
    marks = _label(eras.filter(pl.col("valid_from").is_not_null()))
    domain = (1950, 2027)
    x = alt.X("year:Q", scale=alt.Scale(domain=list(domain)), axis=alt.Axis(format="d"), title=None)
    charts = []
    for theme in nat["theme"].unique(maintain_order=True).to_list():
        d = nat.filter(pl.col("theme") == theme)
        m = marks.filter(pl.col("theme") == theme).select("term", "valid_from", "first_year")
        lab = _label_rows(m, width=width, domain=domain, font=font)
        n_rows = max(1, lab["row"].max() + 1) if lab.height else 1
        band = alt.Chart(d).mark_area(opacity=0.25).encode(x=x, y="ci_low:Q", y2="ci_high:Q")
        line = (
            alt.Chart(d)
            .mark_line(point=True)
            .encode(
                x=x,
                y=alt.Y("emphasis:Q", title="per 1,000 tokens"),
                tooltip=["year", "emphasis", "ci_low", "ci_high"],
            )
        )
        rules = (
            alt.Chart(m)
            .mark_rule(color="gray", strokeDash=[2, 2])
            .encode(x="valid_from:Q", tooltip=["term", "valid_from", "first_year"])
        )
        panel = alt.layer(band, line, rules).properties(width=width, height=130)
        text = (
            alt.Chart(lab)
            .mark_text(align="left", baseline="middle", dx=2, fontSize=font, color="dimgray")
            .encode(
                x=alt.X("valid_from:Q", scale=alt.Scale(domain=list(domain)), axis=None),
                y=alt.Y("row:O", axis=None, sort="descending"),
                text="label:N",
                tooltip=["label:N", "valid_from:Q"],
            )
            .properties(width=width, height=(font + 4) * n_rows, title=d["theme_label"][0])
        )
        tick = (
            alt.Chart(lab)
            .mark_tick(orient="vertical", color="gray", thickness=1)
            .encode(
                x=alt.X("valid_from:Q", scale=alt.Scale(domain=list(domain)), axis=None),
                y=alt.Y("row:O", axis=None, sort="descending"),
            )
        )
        charts.append(alt.vconcat(alt.layer(tick, text), panel, spacing=2))
    return alt.vconcat(*charts, spacing=18).properties(
        title=alt.TitleParams(
            "The national report's emphasis per year",
            subtitle=[
                "Line and dots: emphasis (weighted hits per 1,000 word tokens);",
                "band: its 95% section-bootstrap interval; dotted rules: first year of a term's",
                "documented vocabulary era (the terms are labelled above each panel).",
            ],
        )
    )


@text_frames
def vocabulary_timeline(by_year: pl.DataFrame) -> alt.Chart:
    """Hits per national report of each era-marked term (circles), hits outside the documented era marked;
    legends below the chart (about 700 px wide)."""
    d = _label(by_year).with_columns(
        where=pl.when(pl.col("in_era")).then(pl.lit("in its era")).otherwise(pl.lit("before its era"))
    )
    return (
        alt.Chart(d)
        .mark_circle()
        .encode(
            x=alt.X("year:Q", axis=alt.Axis(format="d"), scale=alt.Scale(domain=[1950, 2027])),
            y=alt.Y("term:N", sort=alt.EncodingSortField("year", op="min"), title=None),
            size=alt.Size("hits:Q", title="Hits", legend=alt.Legend(orient="bottom")),
            color=alt.Color("where:N", title=None, legend=alt.Legend(orient="bottom")),
            row=alt.Row("theme_label:N", title=None),
            tooltip=["term", "year", "hits", "valid_from"],
        )
        .resolve_scale(y="independent")
        .properties(width=560)
    )
