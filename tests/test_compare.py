"""Tests of fazhi.compare on constructed data: intervals only for big enough groups, Holm, no ranking of
unknown, and words only for supported contrasts."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from fazhi.compare import bootstrap_p, claims, compare_groups, confounding, holm, md_escape
from hypothesis import given
from hypothesis import strategies as st


def _docs(spec: dict[str | None, list[float]], theme: str = "t") -> pl.DataFrame:
    rows = []
    for g, values in spec.items():
        for k, v in enumerate(values):
            rows.append({"doc_id": f"{g}-{k}", "level": g, "theme": theme, "value": v})
    return pl.DataFrame(
        rows, schema={"doc_id": pl.String, "level": pl.String, "theme": pl.String, "value": pl.Float64}
    )


def test_a_group_of_three_documents_gets_no_interval_and_no_contrast_interval():
    cmp = compare_groups(_docs({"city": [1.0, 2.0, 3.0], "county": [5.0, 6, 7, 8, 9, 10]}), n_boot=200)
    city = cmp.groups.filter(pl.col("group") == "city").row(0, named=True)
    assert city["n_docs"] == 3 and city["interval"] == "descriptive"
    assert city["ci_low"] is None and city["ci_high"] is None
    assert city["value"] == pytest.approx(2.0)
    county = cmp.groups.filter(pl.col("group") == "county").row(0, named=True)
    assert (
        county["interval"] == "cluster_bootstrap" and county["ci_low"] < county["value"] < county["ci_high"]
    )
    c = cmp.contrasts.row(0, named=True)
    assert c["method"] == "descriptive" and c["ci_low"] is None and not c["supported"]
    text = claims(cmp.groups, cmp.contrasts)[0].text
    assert "most" not in text and "no comparison with an interval" in text and "city" in text


def test_unknown_is_reported_apart_and_never_ranked():
    rng = np.random.default_rng(1)
    spec = {
        "unknown": list(rng.normal(100, 1, 12)),
        None: [99.0] * 5,
        "city": list(rng.normal(1, 0.1, 8)),
        "county": list(rng.normal(2, 0.1, 8)),
    }
    cmp = compare_groups(_docs(spec), n_boot=500)
    unk = cmp.groups.filter(~pl.col("ranked"))
    assert (
        unk["group"].to_list() == ["unknown"]
        and unk["n_docs"].item() == 17
        and unk["interval"].item() == "not_ranked"
    )
    assert unk["ci_low"].item() is None
    named = set(cmp.contrasts["group_a"]) | set(cmp.contrasts["group_b"])
    assert "unknown" not in named and None not in named
    (claim,) = claims(cmp.groups, cmp.contrasts)
    assert claim.most == "county" and claim.least == "city"
    assert "most emphasis in county" in claim.text and "most emphasis in unknown" not in claim.text


def test_a_contrast_whose_interval_spans_zero_is_never_called_most():
    spec = {"a": [1.0, 5, 9, 13, 17, 21], "b": [2.0, 6, 10, 14, 18, 22]}
    cmp = compare_groups(_docs(spec), n_boot=1000)
    c = cmp.contrasts.row(0, named=True)
    assert c["ci_low"] < 0 < c["ci_high"] and not c["supported"]
    (claim,) = claims(cmp.groups, cmp.contrasts)
    assert claim.most is None and "most" not in claim.text and "no detectable difference" in claim.text


def test_holm_is_applied_within_a_family():
    assert holm([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])
    assert holm([0.5]) == pytest.approx([0.5])
    # four well separated groups of 6: six contrasts; the adjusted p is never below the raw one, and the
    # reported interval is wider than 95% for all but the largest p
    spec = {g: [m + 0.01 * k for k in range(6)] for g, m in zip("abcd", (1.0, 1.02, 3.0, 5.0), strict=True)}
    cmp = compare_groups(_docs(spec), n_boot=500)
    c = cmp.contrasts
    assert c.height == 6 and (c["p_holm"] >= c["p_value"]).all()
    assert c["ci_level"].max() > 0.95 and c["ci_level"].min() == pytest.approx(0.95)
    # a difference whose raw p passes 0.05 but whose Holm p does not is not supported
    weak = c.filter(pl.col("p_value") <= 0.05, pl.col("p_holm") > 0.05)
    assert not weak["supported"].any()


def test_holm_turns_a_raw_pass_into_no_claim():
    # 3 groups; a vs b differs by a margin a single test would pass at 0.05 but not at 0.05/3
    rng = np.random.default_rng(3)
    base = rng.normal(0, 1, 8)
    spec = {"a": list(base), "b": list(base + 0.95), "c": list(rng.normal(50, 1, 8))}
    cmp = compare_groups(_docs(spec), n_boot=2000, seed=5)
    ab = cmp.contrasts.filter(pl.col("group_a") == "a", pl.col("group_b") == "b").row(0, named=True)
    assert ab["p_holm"] >= ab["p_value"]
    assert ab["supported"] == (ab["p_holm"] <= 0.05 and (ab["ci_low"] > 0 or ab["ci_high"] < 0))


def test_within_stratum_and_confounding():
    docs = pl.DataFrame(
        {
            "doc_id": list("abcdef"),
            "level": ["city", "county"] * 3,
            "doc_type": ["report"] * 4 + ["plan"] * 2,
            "value": [1.0, 2, 1, 2, 1, 2],
        }
    )
    cmp = compare_groups(docs, by="level", within="doc_type", min_docs=2, n_boot=100)
    assert set(cmp.groups["stratum"]) == {"report", "plan"}
    assert confounding(docs) is None
    confounded = docs.with_columns(
        doc_type=pl.when(pl.col("level") == "city").then(pl.lit("plan")).otherwise(pl.lit("report"))
    )
    assert "confounded" in confounding(confounded)
    assert "fewer than two" in confounding(docs.with_columns(level=pl.lit("city")))


def test_determinism_and_single_document():
    d = _docs({"a": [1.0, 2, 3, 4, 5], "b": [2.0, 3, 4, 5, 6]})
    one = compare_groups(d, n_boot=300, seed=9)
    two = compare_groups(d.reverse(), n_boot=300, seed=9)
    assert one.groups.equals(two.groups) and one.contrasts.equals(two.contrasts)
    single = compare_groups(_docs({"a": [3.0]}), n_boot=100)
    assert single.contrasts.is_empty() and single.groups["interval"].to_list() == ["descriptive"]
    assert "no comparison" in claims(single.groups, single.contrasts)[0].text


def test_bootstrap_p_bounds():
    assert bootstrap_p(np.ones(99)) == pytest.approx(2 / 100)
    assert bootstrap_p(np.r_[-np.ones(50), np.ones(50)]) == 1.0


@given(st.text(max_size=40))
def test_md_escape_leaves_no_tag_or_markdown_syntax(s):
    out = md_escape(s)
    assert "<" not in out and ">" not in out and "\n" not in out
    for ch in "[]()`*_|":
        assert all(out[i - 1] == "\\" for i, c in enumerate(out) if c == ch)


def test_md_escape_shows_a_script_as_text():
    assert md_escape("<img src=x onerror=alert(1)>") == "&lt;img src=x onerror=alert\\(1\\)&gt;"
