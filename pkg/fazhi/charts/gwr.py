"""Charts of the government-work-report pages: the 31 provinces against the national report, and the
national report's emphasis over seven decades with its vocabulary eras.

In: frames of ``fazhi.gwr`` (``province_outliers``, ``national_against_provinces``, ``report_emphasis``,
``vocabulary_summary``). Out: altair charts (data aggregated before charting).
"""

from __future__ import annotations

import altair as alt
import polars as pl

from .themes import THEME_LABELS


def _label(df: pl.DataFrame) -> pl.DataFrame:
    return df.with_columns(theme_label=pl.col("theme").replace_strict(THEME_LABELS, default=pl.col("theme")))


def provinces_against_national(
    outliers: pl.DataFrame, national: pl.DataFrame, *, year: int
) -> alt.FacetChart:
    """All provinces of ``year`` with their 95% section-bootstrap intervals, one panel per theme, and the
    national report(s) as vertical reference lines (labelled with their year)."""
    prov = _label(outliers.filter(pl.col("year") == year)).with_columns(
        status=pl.col("stands_out").fill_null("not different (Holm)")
    )
    ref = national.filter(pl.col("provincial_year") == year)
    for when in ("before", "after"):
        r = ref.filter(pl.col("national_delivered") == when).select(
            "theme",
            pl.col("national").alias(f"national_{when}"),
            pl.col("national_year").alias(f"year_{when}"),
        )
        prov = prov.join(r, on="theme", how="left")
    base = alt.Chart().encode(y=alt.Y("region:N", sort="ascending", title=None))
    bars = base.mark_rule().encode(
        x=alt.X("ci_low:Q", title=None), x2="ci_high:Q"
    )
    dots = base.mark_point(filled=True).encode(
        x="emphasis:Q",
        color=alt.Color("status:N", title="Against the provincial median"),
        tooltip=["region", "emphasis", "ci_low", "ci_high", "difference", "p_holm"],
    )
    layers = [bars, dots]
    for when, dash in (("before", [6, 3]), ("after", [2, 2])):
        if prov[f"national_{when}"].is_not_null().any():
            layers.append(
                alt.Chart()
                .mark_rule(strokeDash=dash, color="black")
                .encode(
                    x=f"mean(national_{when}):Q", tooltip=[f"mean(year_{when}):Q", f"mean(national_{when}):Q"]
                )
            )
    return (
        alt.layer(*layers, data=prov)
        .properties(width=120, height=480)
        .facet(facet=alt.Facet("theme_label:N", title=None), columns=4)
        .properties(
            title=alt.TitleParams(
                f"Provincial reports of {year}",
                subtitle=[
                    "Emphasis (weighted hits per 1,000 word tokens) with 95% intervals;",
                    "the national report(s) as dashed lines",
                ],
            )
        )
        .resolve_scale(x="independent")
    )


def national_series(emphasis: pl.DataFrame, eras: pl.DataFrame) -> alt.VConcatChart:
    """Each theme's emphasis in the national report per year (95% section-bootstrap intervals), with the
    first year of each era-marked term in use (a labelled vertical rule: the vocabulary eras)."""
    nat = _label(emphasis.filter(pl.col("level") == "national"))
    marks = _label(eras.filter(pl.col("valid_from").is_not_null()))
    charts = []
    for theme in nat["theme"].unique(maintain_order=True).to_list():
        d = nat.filter(pl.col("theme") == theme)
        m = marks.filter(pl.col("theme") == theme).select("term", "valid_from", "first_year")
        x = alt.X("year:Q", scale=alt.Scale(domain=[1950, 2027]), axis=alt.Axis(format="d"), title=None)
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
        text = (
            alt.Chart(m)
            .mark_text(angle=270, align="left", dx=4, dy=-3, fontSize=10, color="gray")
            .encode(x="valid_from:Q", y=alt.value(0), text="term:N")
        )
        charts.append(
            alt.layer(band, line, rules, text).properties(width=560, height=140, title=d["theme_label"][0])
        )
    return alt.vconcat(*charts)


def vocabulary_timeline(by_year: pl.DataFrame) -> alt.Chart:
    """Hits per national report of each era-marked term (circles), hits outside the documented era marked."""
    d = _label(by_year).with_columns(
        where=pl.when(pl.col("in_era")).then(pl.lit("in its era")).otherwise(pl.lit("before its era"))
    )
    return (
        alt.Chart(d)
        .mark_circle()
        .encode(
            x=alt.X("year:Q", axis=alt.Axis(format="d"), scale=alt.Scale(domain=[1950, 2027])),
            y=alt.Y("term:N", sort=alt.EncodingSortField("year", op="min"), title=None),
            size=alt.Size("hits:Q", title="Hits"),
            color=alt.Color("where:N", title=None),
            row=alt.Row("theme_label:N", title=None),
            tooltip=["term", "year", "hits", "valid_from"],
        )
        .resolve_scale(y="independent")
        .properties(width=600)
    )
