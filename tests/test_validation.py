"""The validation workflow (fazhi.validation) on constructed codes, and the measure on the coded samples."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest
from fazhi import validation as V
from fazhi.validation import accuracy, agreement, measure, sample, sheets
from hypothesis import given, settings
from hypothesis import strategies as st

DATA = Path(__file__).parent / "data" / "validation"
THEMES = V.THEMES


def _wide(a: np.ndarray, b: np.ndarray, theme: str = "digital_government") -> pl.DataFrame:
    return pl.DataFrame({"unit_id": [f"u{i}" for i in range(len(a))], f"{theme}_A": a, f"{theme}_B": b})


# ---------------------------------------------------------------------------------------------- agreement


def test_alpha_is_one_for_identical_codes() -> None:
    rng = np.random.default_rng(1)
    a = rng.integers(0, 2, 300)
    table = agreement.agreement_table(_wide(a, a.copy()), themes=["digital_government"], n_boot=200)
    row = table.row(0, named=True)
    assert row["alpha"] == pytest.approx(1.0)
    assert row["alpha_lo"] == pytest.approx(1.0) and row["n_disagree"] == 0 and row["agreement"] == 1.0


def test_alpha_is_near_zero_for_independent_random_codes() -> None:
    rng = np.random.default_rng(2)
    a, b = rng.integers(0, 2, 2000), rng.integers(0, 2, 2000)
    row = agreement.agreement_table(_wide(a, b), themes=["digital_government"], n_boot=200).row(0, named=True)
    assert abs(row["alpha"]) < 0.08
    assert row["alpha_lo"] < 0 < row["alpha_hi"] or abs(row["alpha_lo"]) < 0.1


def test_alpha_matches_a_hand_computed_value() -> None:
    # 10 units, coders differ on 2: coincidence matrix o00=10, o11=6, o01=o10=2 -> n=20, n0=12, n1=8
    a = np.array([0, 0, 0, 0, 0, 0, 1, 1, 1, 1])
    b = np.array([0, 0, 0, 0, 0, 1, 1, 1, 1, 0])
    expected = 1 - (20 - 1) * (2 + 2) / (2 * 12 * 8)
    assert agreement.alpha(np.vstack([a, b])) == pytest.approx(expected)


def test_alpha_is_undefined_when_one_value_is_observed() -> None:
    assert np.isnan(agreement.alpha(np.zeros((2, 10))))


def test_disagreements_lists_each_differing_unit_once_per_theme() -> None:
    f = pl.DataFrame(
        {
            "unit_id": ["a", "b", "c"],
            "text": ["x", "y", "z"],
            **{f"{t}_A": [0, 1, 0] for t in THEMES},
            **{f"{t}_B": [0, 0, 1] for t in THEMES},
        }
    )
    d = agreement.disagreements(f)
    assert d.height == 6
    assert d.filter(pl.col("theme") == "emergency_response")["unit_id"].to_list() == ["b", "c"]
    assert d["adjudicated"].is_null().all() and "text" in d.columns


# ---------------------------------------------------------------------------------------------- accuracy


def test_f1_matches_a_hand_computed_table() -> None:
    # TP 3, FP 1, FN 2, TN 4 -> P 3/4, R 3/5, F1 2*3/(6+1+2) = 2/3
    gold = pl.DataFrame(
        {"unit_id": [str(i) for i in range(10)], "digital_government": [1, 1, 1, 1, 1, 0, 0, 0, 0, 0]}
    )
    pred = pl.DataFrame(
        {"unit_id": [str(i) for i in range(10)], "digital_government": [1, 1, 1, 0, 0, 1, 0, 0, 0, 0]}
    )
    row = accuracy.accuracy_table(gold, pred, themes=["digital_government"], n_boot=300).row(0, named=True)
    assert (row["tp"], row["fp"], row["fn"], row["tn"]) == (3, 1, 2, 4)
    assert row["precision"] == pytest.approx(0.75) and row["recall"] == pytest.approx(0.6)
    assert row["f1"] == pytest.approx(2 / 3)
    assert row["f1_lo"] <= row["f1"] <= row["f1_hi"]
    conf = accuracy.confusion_table(gold, pred, themes=["digital_government"])
    assert dict(zip(zip(conf["coded"], conf["measure"], strict=True), conf["n"], strict=True)) == {
        (1, 1): 3,
        (1, 0): 2,
        (0, 1): 1,
        (0, 0): 4,
    }


def test_accuracy_refuses_missing_predictions_and_bad_codes() -> None:
    gold = pl.DataFrame({"unit_id": ["a", "b"], "digital_government": [1, 0]})
    with pytest.raises(ValueError, match="no prediction"):
        accuracy.accuracy_table(gold, gold.head(1), themes=["digital_government"], n_boot=10)
    bad = pl.DataFrame({"unit_id": ["a", "b"], "digital_government": [1, 2]})
    with pytest.raises(ValueError, match="0/1"):
        accuracy.accuracy_table(bad, gold, themes=["digital_government"], n_boot=10)


def test_term_precision_and_document_agreement() -> None:
    gold = pl.DataFrame(
        {"unit_id": ["a", "b", "c"], "doc": ["d1", "d1", "d2"], "dispute_resolution": [1, 0, 1]}
    )
    hits = pl.DataFrame(
        {
            "unit_id": ["a", "a", "b", "c"],
            "theme": ["dispute_resolution"] * 4,
            "term": ["调解", "调解", "化解", "调解"],
        }
    )
    tp = accuracy.term_precision(hits, gold, themes=["dispute_resolution"])
    by = {r["term"]: (r["units"], r["precision"]) for r in tp.iter_rows(named=True)}
    assert by == {"调解": (2, 1.0), "化解": (1, 0.0)}
    pred = pl.DataFrame({"unit_id": ["a", "b", "c"], "dispute_resolution": [1, 1, 0]})
    da = accuracy.document_agreement(gold, pred, themes=["dispute_resolution"])
    d1 = da.filter(pl.col("doc") == "d1").row(0, named=True)
    assert d1["coded_share"] == 0.5 and d1["measure_share"] == 1.0 and d1["difference"] == 0.5


# ---------------------------------------------------------------------------------------------- sample


@settings(max_examples=40, deadline=None)
@given(
    sizes=st.lists(st.integers(1, 60), min_size=1, max_size=4),
    draw=st.lists(st.integers(1, 80), min_size=4, max_size=4),
    seed=st.integers(0, 2**32 - 1),
)
def test_sample_weights_sum_to_the_population(sizes: list[int], draw: list[int], seed: int) -> None:
    strata = [f"s{i}" for i in range(len(sizes))]
    units = pl.DataFrame(
        {
            "unit_id": [f"{s}-{j}" for s, n in zip(strata, sizes, strict=True) for j in range(n)],
            "stratum": [s for s, n in zip(strata, sizes, strict=True) for _ in range(n)],
        }
    )
    plan = {s: d for s, d in zip(strata, draw, strict=False)}
    out = sample.draw_sample(units, sizes=plan, seed=seed)
    assert out["weight"].sum() == pytest.approx(units.height)
    assert out["unit_id"].n_unique() == out.height
    again = sample.draw_sample(units.reverse(), sizes=plan, seed=seed)
    assert again["unit_id"].to_list() == out["unit_id"].to_list()  # order of the population does not matter


def test_keyword_strata_puts_a_unit_in_the_first_matching_stratum() -> None:
    units = pl.DataFrame({"unit_id": ["a", "b", "c"], "text": ["调解纠纷，建设数字政府", "数字政府", "修路"]})
    s = sample.keyword_strata(units, {"dispute": ["纠纷"], "digital": ["数字"]})
    assert s["stratum"].to_list() == ["dispute", "digital", "none"]
    with pytest.raises(ValueError, match="no units in stratum"):
        sample.draw_sample(s, sizes={"missing": 1})


# ---------------------------------------------------------------------------------------------- sheets


def test_sheets_round_trip_and_rejects_bad_rows(tmp_path: Path) -> None:
    units = pl.DataFrame({"unit_id": ["a", "b", "c"], "text": ["一", "二", "三"], "doc": ["d", "d", "e"]})
    paths = sheets.write_sheets(units, tmp_path, context=["doc"])
    assert paths["xlsx"].exists() and "digital_government" in paths["codebook"].read_text(encoding="utf-8")
    from openpyxl import load_workbook

    wb = load_workbook(paths["xlsx"])
    assert wb.sheetnames == ["units", "codebook"]
    ws = wb["units"]
    header = [c.value for c in ws[1]]
    for row, codes in zip(ws.iter_rows(min_row=2), ([1, 0, 0], [0, 1, "x"], [0, 0, 1]), strict=True):
        for theme, v in zip(THEMES, codes, strict=True):
            row[header.index(theme)].value = v
    ws.append(["zzz", "d", "?", 1, 1, 1])
    wb.save(tmp_path / "coder_A.xlsx")
    codes, rejected = sheets.read_codes(tmp_path / "coder_A.xlsx", units=units["unit_id"].to_list())
    assert codes["unit_id"].to_list() == ["a", "c"]
    assert codes.filter(pl.col("unit_id") == "a")["digital_government"].item() == 1
    assert sorted(rejected["reason"].to_list()) == ["code not 0/1 for dispute_resolution", "unknown unit_id"]
    csv_codes, csv_rejected = sheets.read_codes(paths["csv"])
    assert (
        csv_codes.height == 3 and csv_rejected.height == 0 and csv_codes["digital_government"].is_null().all()
    )
    merged = sheets.merge_codes({"A": codes, "B": csv_codes})
    assert merged.columns[:3] == ["unit_id", "digital_government_A", "digital_government_B"]
    assert merged.height == 3


# ---------------------------------------------------------------------------------------------- measure


def test_holdout_split_is_by_document_and_deterministic() -> None:
    f = measure.read_coded(DATA / "paragraphs_ext.csv")
    hold = measure.split_holdout(f)
    assert hold.to_list() == measure.split_holdout(f.reverse()).reverse().to_list()
    by_group = f.with_columns(hold).group_by("group").agg(pl.col("holdout").n_unique())
    assert by_group["holdout"].max() == 1  # a document is wholly in or wholly out
    assert (f["split"] == "holdout").to_list() == hold.to_list()  # the shipped column is this split


def test_cross_validated_f1_of_the_measure_on_the_coded_data() -> None:
    """The function the site calls; grouped CV keeps each document on one side of every split."""
    dev = measure.read_coded(DATA / "paragraphs_dev.csv")
    oof = measure.cross_validate(dev, method="rules_threshold", folds=5)
    folds = dev.select("group").with_columns(oof["fold"]).group_by("group").agg(pl.col("fold").n_unique())
    assert folds["fold"].max() == 1
    table = measure.cv_accuracy(dev, methods=("dictionary", "rules"), n_boot=200)
    assert set(table["method"]) == {"dictionary", "rules"} and table.height == 6
    f1 = {(r["method"], r["theme"]): r["f1"] for r in table.iter_rows(named=True)}
    for t in THEMES:
        assert f1[("rules", t)] > f1[("dictionary", t)]  # the context rules beat bare lexicon hits
    assert ((table["f1_lo"] <= table["f1"]) & (table["f1"] <= table["f1_hi"])).all()


def test_read_coded_refuses_a_bad_file(tmp_path: Path) -> None:
    p = tmp_path / "bad.csv"
    p.write_text(
        "unit_id,source,doc,text,digital_government,emergency_response,dispute_resolution\na,s,d,t,1,0,2\n",
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match="bad.csv"):
        measure.read_coded(p)


def test_weights_turn_sample_counts_into_population_estimates() -> None:
    # stratum "kw" (weight 1): 2 TP, 1 FP; stratum "none" (weight 10): 1 FN, 1 FP, 2 TN
    gold = pl.DataFrame(
        {
            "unit_id": list("abcdefg"),
            "digital_government": [1, 1, 0, 1, 0, 0, 0],
            "weight": [1.0, 1.0, 1.0, 10.0, 10.0, 10.0, 10.0],
        }
    )
    pred = pl.DataFrame({"unit_id": list("abcdefg"), "digital_government": [1, 1, 1, 0, 1, 0, 0]})
    row = accuracy.accuracy_table(gold, pred, themes=["digital_government"], weight="weight", n_boot=50).row(
        0, named=True
    )
    assert (row["tp"], row["fp"], row["fn"], row["tn"]) == (2.0, 11.0, 10.0, 20.0)
    assert row["precision"] == pytest.approx(2 / 13) and row["recall"] == pytest.approx(2 / 12)
    unweighted = accuracy.accuracy_table(gold, pred, themes=["digital_government"], n_boot=50).row(
        0, named=True
    )
    assert unweighted["precision"] == pytest.approx(0.5)


@settings(max_examples=40, deadline=None)
@given(
    cells=st.lists(
        st.tuples(
            st.sampled_from(["a", "b", "c", "", "zz"]),
            st.sampled_from(["0", "1", "", "2", "yes", " 1 ", "1.0"]),
        ),
        max_size=12,
    )
)
def test_read_codes_loses_no_row(
    tmp_path_factory: pytest.TempPathFactory, cells: list[tuple[str, str]]
) -> None:
    """Every data row of a coder's sheet is either taken or listed in rejected with a reason."""
    path = tmp_path_factory.mktemp("codes") / "c.csv"
    lines = ["unit_id,digital_government,emergency_response,dispute_resolution"]
    lines += [f"{u},{v},0,0" for u, v in cells]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    codes, rejected = sheets.read_codes(path, units=["a", "b", "c"])
    assert codes.height + rejected.height == len(cells)
    assert codes["unit_id"].n_unique() == codes.height
    assert set(codes["digital_government"].drop_nulls().to_list()) <= {0, 1}
    assert rejected["reason"].str.len_chars().min() is None or rejected["reason"].str.len_chars().min() > 0


def test_report_on_a_single_file_without_holdout_or_documents(tmp_path: Path) -> None:
    dev = pl.read_csv(DATA / "paragraphs_dev.csv", infer_schema=False).head(60).drop("source", "doc", "para")
    path = tmp_path / "mine.csv"
    dev.write_csv(path)
    tables = V.report([path], n_boot=30, folds=3)
    assert set(tables["accuracy"]["evaluation"]) == {"cv_tune"}
    assert tables["agreement"]["sample"].unique().sort().to_list() == ["all", "mine"]
    assert tables["training"].is_empty()
    assert (tables["rules"]["rules_version"] == tables["accuracy"]["rules_version"][0]).all()
