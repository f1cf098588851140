"""Tests of fazhi.validation.corrected: PPI prevalence under a stratified coded sample."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest
from fazhi.validation.corrected import corrected_prevalence, frame_check, paragraph_units, predict


def _hand() -> tuple[pl.DataFrame, pl.DataFrame]:
    units = pl.DataFrame(
        {"unit_id": list("abcdef"), "stratum": list("AAAABB"), "g": ["x"] * 6, "t_pred": [1, 1, 0, 0, 0, 0]}
    )
    coded = pl.DataFrame(
        {
            "unit_id": ["a", "b", "e", "f"],
            "stratum": ["A", "A", "B", "B"],
            "weight": [2.0, 2.0, 1.0, 1.0],
            "g": ["x"] * 4,
            "t": [0, 1, 1, 0],
            "t_pred": [1, 1, 0, 0],
        }
    )
    return units, coded


def test_hand_computed_example() -> None:
    units, coded = _hand()
    out = corrected_prevalence(units, coded, by=None, themes=["t"], min_coded=1).row(0, named=True)
    # uncorrected 2/6; correction (2 * (-1 + 0) + 1 * (1 + 0)) / 6 = -1/6; stratum A variance
    # 4^2 * (1 - 2/4) * var([-1, 0]) / 2 = 2, stratum B taken whole (no variance): se = sqrt(2) / 6.
    assert out["uncorrected"] == pytest.approx(1 / 3)
    assert out["corrected"] == pytest.approx(1 / 6)
    assert out["se"] == pytest.approx(math.sqrt(2) / 6)
    assert out["lo"] == 0.0  # clipped
    assert out["hi"] == pytest.approx(1 / 6 + 1.959964 * math.sqrt(2) / 6, abs=1e-6)
    # codes alone: weighted share (2 * 1 + 1 * 1) / 6 = 0.5, same variance here.
    assert out["coded_only"] == pytest.approx(0.5)
    assert out["coded_hi"] == pytest.approx(0.5 + 1.959964 * math.sqrt(2) / 6, abs=1e-6)


def test_group_without_codes_is_not_corrected() -> None:
    units, coded = _hand()
    units = pl.concat(
        [units, pl.DataFrame({"unit_id": ["z"], "stratum": ["B"], "g": ["county"], "t_pred": [1]})]
    )
    out = corrected_prevalence(units, coded, by="g", themes=["t"], min_coded=1)
    county = out.filter(pl.col("group") == "county").row(0, named=True)
    assert county["corrected"] is None and "not available" in county["note"]
    assert county["uncorrected"] == 1.0
    assert out["group"].to_list() == ["all", "x", "county"]


def test_bad_design_is_refused() -> None:
    units, coded = _hand()
    with pytest.raises(ValueError, match="weight"):
        corrected_prevalence(units, coded.drop("weight"), by=None, themes=["t"])
    with pytest.raises(ValueError, match="unequal weights"):
        corrected_prevalence(
            units, coded.with_columns(pl.Series("weight", [2.0, 3.0, 1, 1])), by=None, themes=["t"]
        )
    with pytest.raises(ValueError, match="0/1"):
        corrected_prevalence(units, coded.with_columns(pl.lit(2).alias("t")), by=None, themes=["t"])


def _population(rng: np.random.Generator) -> pl.DataFrame:
    """A population where the measure over-reports: recall 0.85, false positives 25% / 6%."""
    strata = np.array(["kw"] * 800 + ["none"] * 3200)
    truth = np.where(strata == "kw", rng.random(4000) < 0.5, rng.random(4000) < 0.05).astype(int)
    fp = np.where(strata == "kw", 0.25, 0.06)
    pred = np.where(truth == 1, rng.random(4000) < 0.85, rng.random(4000) < fp).astype(int)
    group = np.where(rng.random(4000) < 0.4, "north", "south")
    return pl.DataFrame({"stratum": strata, "g": group, "t": truth, "t_pred": pred})


def test_ppi_interval_covers_the_truth_and_corrects_the_bias() -> None:
    rng = np.random.default_rng(7)
    pop = _population(rng)
    truth = pop["t"].mean()
    truth_g = dict(pop.group_by("g").agg(pl.col("t").mean()).iter_rows())
    uncorrected = pop["t_pred"].mean()
    assert uncorrected - truth > 0.03  # the measure is biased upwards
    sizes = {"kw": 80, "none": 80}
    hits, hits_g, errors = 0, 0, []
    reps = 300
    for _ in range(reps):
        parts = []
        for h, n in sizes.items():
            stratum = pop.filter(pl.col("stratum") == h)
            idx = rng.choice(stratum.height, n, replace=False)
            parts.append(stratum[idx].with_columns(pl.lit(stratum.height / n).alias("weight")))
        coded = pl.concat(parts)
        out = corrected_prevalence(pop, coded, by="g", themes=["t"])
        row = out.filter(pl.col("group") == "all").row(0, named=True)
        hits += row["lo"] <= truth <= row["hi"]
        errors.append(row["corrected"] - truth)
        south = out.filter(pl.col("group") == "south").row(0, named=True)
        hits_g += south["lo"] <= truth_g["south"] <= south["hi"]
    assert 0.90 <= hits / reps <= 0.99
    assert 0.88 <= hits_g / reps <= 0.99
    assert abs(np.mean(errors)) < 0.25 * (uncorrected - truth)


def test_paragraph_units_and_predict() -> None:
    docs = pl.DataFrame(
        {
            "doc_id": ["d1", "d2"],
            "level": ["national", "county"],
            "text": ["短\n" + "推进一网通办，建设数字政府，政务服务事项全部网上可办。" * 3, "x" * 1000],
        }
    )
    units = paragraph_units(docs, min_chars=20)
    assert units["doc_id"].to_list() == ["d1"] and units["para"].to_list() == [1]
    assert paragraph_units(docs, min_chars=20, exclude=[units["text"][0]]).is_empty()
    scored = predict(units)
    assert scored["digital_government_pred"].to_list() == [1]
    assert scored["dispute_resolution_pred"].to_list() == [0]


def test_frame_check_counts_strata_and_matches() -> None:
    units, coded = _hand()
    units = units.with_columns(pl.Series("text", list("abcdef")))
    coded = coded.with_columns(pl.Series("text", ["a", "b", "e", "zz"]))
    check = frame_check(units, coded)
    assert check.rows() == [("A", 4, 4, 2, 2), ("B", 2, 2, 2, 1)]


def test_design_file_agrees_with_the_draw() -> None:
    import tomllib
    from pathlib import Path

    folder = Path(__file__).parent / "data" / "validation"
    design = tomllib.loads((folder / "design_ext.toml").read_text(encoding="utf-8"))
    import runpy

    draw = runpy.run_path(str(folder / "draw_extension.py"))  # the lists; main() runs only as a script
    assert {name: list(words) for name, words in design["keywords"].items()} == draw["KEYWORDS"]
    assert list(design["keywords"]) == design["order"]


def test_zero_error_group_is_flagged() -> None:
    units, coded = _hand()
    coded = coded.with_columns(pl.col("t_pred").alias("t"))
    row = corrected_prevalence(units, coded, by=None, themes=["t"], min_coded=1).row(0, named=True)
    assert row["se"] == 0 and row["corrected"] == row["uncorrected"]
    assert "width 0" in row["note"]
