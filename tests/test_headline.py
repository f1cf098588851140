"""Issue 17: the landing page opens with the headline figure.

The builder (``fazhi.charts.headline``) on constructed ``theme_groups`` / ``theme_documents`` tables: every
level and theme of the tables is drawn with its interval or as described, one level alone and a theme
without rows still give a chart, no row gives a sentence; and ``index.ipynb`` shows the figure as a
labelled, captioned chart cell before the findings text.
"""

from __future__ import annotations

import json
from pathlib import Path

import altair as alt
import nbformat
import polars as pl
import pytest
from conftest import declared_frame
from fazhi.charts import COLUMN_WIDTH, labels
from fazhi.charts.headline import (
    DOCUMENT_LEGEND,
    INTERVAL_LEGEND,
    emphasis_headline,
    headline_figure,
    headline_problem,
)
from fazhi.site import cell_options, figure_problems
from fazhi.themes import FOCUS

ROOT = Path(__file__).resolve().parents[1]
GROUP_COLUMNS = [
    "covariate", "within", "stratum", "theme", "group", "ranked", "n_docs", "n_present",
    "value", "ci_low", "ci_high", "interval", "n_boot",
]  # fmt: skip
DOC_COLUMNS = ["doc_id", "label", "level", "theme", "per_1k_tokens", "present", "emphasis"]


def _group(theme: str, level: str, n: int, value: float, ci: tuple[float, float] | None) -> tuple:
    kind = "not_ranked" if level == "unknown" else ("cluster_bootstrap" if ci else "descriptive")
    lo, hi = ci or (None, None)
    return ("level", None, None, theme, level, level != "unknown", n, n, value, lo, hi, kind, 200)


def _tables(spec: dict[str, dict[str, tuple[int, float, tuple[float, float] | None]]]):
    """``theme_groups`` and ``theme_documents`` for {theme: {level: (documents, mean, interval)}}; each
    level's documents all score its mean."""
    groups, docs = [], []
    for theme, levels in spec.items():
        for level, (n, value, ci) in levels.items():
            groups.append(_group(theme, level, n, value, ci))
            for i in range(n):
                docs.append((f"{level}-{i}", f"{level} doc {i}", level, theme, value, value > 0, value))
    g = declared_frame("theme_groups", groups, columns=GROUP_COLUMNS)
    d = declared_frame("theme_documents", docs, columns=DOC_COLUMNS)
    return g, d


def _data(chart: alt.FacetChart) -> pl.DataFrame:
    spec = chart.to_dict()
    (values,) = [d for d in spec["datasets"].values()]
    return pl.DataFrame(values)


def test_every_level_and_theme_is_drawn_with_its_interval_or_as_described():
    g, d = _tables(
        {
            t: {
                "province": (6, 2.0 + i, (1.0 + i, 3.0 + i)),
                "city": (2, 1.0, None),
                "unknown": (1, 0.5, None),
            }
            for i, t in enumerate(FOCUS)
        }
    )
    assert headline_problem(g, d) is None
    chart = emphasis_headline(g, d)
    data = _data(chart)
    means = data.filter(pl.col("kind") != DOCUMENT_LEGEND)
    assert means.height == 9 and data.filter(pl.col("kind") == DOCUMENT_LEGEND).height == 27
    prov = means.filter(pl.col("level") == "province").sort("value")
    assert prov["ci_low"].to_list() == [1.0, 2.0, 3.0] and prov["ci_high"].to_list() == [3.0, 4.0, 5.0]
    assert set(means.filter(pl.col("level") == "city")["kind"]) == {INTERVAL_LEGEND["descriptive"]}
    assert means.filter(pl.col("level") != "province")["ci_low"].is_null().all()
    assert set(means.filter(pl.col("level") == "unknown")["kind"]) == {INTERVAL_LEGEND["not_ranked"]}
    spec = chart.to_dict()
    # each interval is a bar from its lower to its upper end, behind a point at the mean
    layers = spec["spec"]["layer"]
    (rule,) = [ly for ly in layers if ly["mark"]["type"] == "rule"]
    assert (rule["encoding"]["x"]["field"], rule["encoding"]["x2"]["field"]) == ("ci_low", "ci_high")
    assert all(ly["encoding"]["x"]["field"] == "value" for ly in layers if ly is not rule)
    names = labels("theme")
    assert spec["facet"]["column"]["sort"] == [names[t] for t in FOCUS]
    # the panels fit the site's text column, whatever the number of themes
    assert len(FOCUS) * spec["spec"]["width"] + 210 <= COLUMN_WIDTH
    # levels are shown with their bilingual labels, from display.toml
    text = json.dumps(spec, ensure_ascii=False)
    assert labels("level")["province"] in text


def test_one_level_only_still_gives_a_chart():
    g, d = _tables({t: {"county": (3, 1.5, None)} for t in FOCUS})
    data = _data(emphasis_headline(g, d))
    assert set(data["level"]) == {"county"} and set(data["theme"]) == set(FOCUS)


def test_a_theme_without_rows_is_left_out_and_named():
    absent = FOCUS[-1]
    g, d = _tables({t: {"province": (5, 2.0, (1.0, 3.0))} for t in FOCUS[:-1]})
    chart = emphasis_headline(g, d)
    assert absent not in set(_data(chart)["theme"])
    spec = chart.to_dict()
    assert labels("theme")[absent] in " ".join(spec["title"]["subtitle"])
    assert len(spec["facet"]["column"]["sort"]) == len(FOCUS) - 1


def test_a_theme_present_in_no_document_is_drawn_at_zero():
    g, d = _tables({t: {"city": (2, 0.0 if t == FOCUS[0] else 1.0, None)} for t in FOCUS})
    data = _data(emphasis_headline(g, d))
    assert data.filter(pl.col("theme") == FOCUS[0])["value"].to_list() == [0.0, 0.0, 0.0]


def test_no_row_gives_a_sentence_not_a_crash(tmp_path):
    g, d = _tables({})
    why = headline_problem(g, d)
    assert why and "no headline figure" in why
    with pytest.raises(ValueError, match="no headline figure"):
        emphasis_headline(g, d)
    # no tables at all (no build): a sentence
    out = headline_figure(tmp_path)
    assert "not been built" in out.data


def test_the_landing_page_opens_with_the_headline_figure():
    nb = nbformat.read(ROOT / "index.ipynb", as_version=4)
    code = [(i, c) for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    figure = [(i, c) for i, c in code if "headline_figure(" in c.source]
    assert len(figure) == 1, "index.ipynb shows the headline figure once"
    i, cell = figure[0]
    opts = cell_options(cell.source)
    assert opts.get("label") == "fig-headline" and str(opts.get("fig-cap") or "").strip()
    # thin: the cell is its options, one import and one call
    body = [ln for ln in cell.source.splitlines() if ln.strip() and not ln.startswith("#|")]
    assert len(body) <= 2
    findings = next(j for j, c in code if "key_findings(" in c.source)
    assert i < findings, "the figure comes before the findings text"
    headings = [j for j, c in enumerate(nb.cells) if c.cell_type == "markdown" and c.source.startswith("## ")]
    assert headings and i < headings[1], "the figure is in the page's first section"
    assert figure_problems(ROOT / "index.ipynb") == []
