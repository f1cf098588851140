"""The government-work-report analyses (``fazhi.gwr``) on small synthetic tables whose answers are known."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest
from fazhi import gwr

ROOT = Path(__file__).resolve().parents[1]
THEMES = ("digital_government", "emergency_response")


def _corpus(n_prov: int = 8, loud: str = "P0", seed: int = 1) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Reports: national 2024 and 2025, ``n_prov`` provinces in 2025 and 2026; ``loud`` writes ten times
    more about digital government than anyone; every other report has rates drawn around 2 per 1,000."""
    rng = np.random.default_rng(seed)
    docs, rows = [], []
    specs = [("national", None, 2024), ("national", None, 2025)]
    specs += [("province", f"P{i}", y) for y in (2025, 2026) for i in range(n_prov)]
    for level, region, year in specs:
        doc = f"{level}/{region or 'cn'}/{year}"
        docs.append(
            {
                "doc_id": doc,
                "collection": level,
                "level": level,
                "region": region,
                "doc_type": "government_work_report",
                "period": str(year),
            }
        )
        base = 2.0 + (region is not None and int(region[1:]) * 0.3)  # provinces keep their order across years
        for s in range(20):
            for t in THEMES:
                rate = base * (10 if (region == loud and t == THEMES[0]) else 1)
                rows.append(
                    {
                        "doc_id": doc,
                        "section_id": s,
                        "theme": t,
                        "word_tokens": 1000,
                        "weighted_hits": float(rng.poisson(rate)),
                    }
                )
    return pl.DataFrame(docs), pl.DataFrame(rows)


@pytest.fixture(scope="module")
def toy():
    documents, sections = _corpus()
    docs = gwr.reports(documents)
    reps = gwr.section_replicates(sections, docs["doc_id"].to_list(), themes=THEMES, n_boot=300)
    return docs, sections, reps


def test_the_observed_emphasis_is_the_reports_rate_and_its_interval_covers_it(toy):
    docs, sections, reps = toy
    em = gwr.report_emphasis(reps, docs, themes=THEMES)
    rate = sections.group_by("doc_id", "theme").agg(
        r=1000 * pl.col("weighted_hits").sum() / pl.col("word_tokens").sum()
    )
    joined = em.join(rate, on=["doc_id", "theme"])
    assert joined.height == docs.height * len(THEMES)
    assert np.allclose(joined["emphasis"], joined["r"])
    assert ((joined["ci_low"] <= joined["emphasis"]) & (joined["emphasis"] <= joined["ci_high"])).all()
    assert (joined["ci_high"] > joined["ci_low"]).all()  # sections vary, so the interval has width


def test_replicates_are_deterministic(toy):
    docs, sections, reps = toy
    again = gwr.section_replicates(sections, docs["doc_id"].to_list(), themes=THEMES, n_boot=300)
    assert all(np.array_equal(reps[k], again[k]) for k in reps)


def test_the_loud_province_stands_out_and_only_it_above(toy):
    docs, _, reps = toy
    out = gwr.province_outliers(reps, docs, themes=THEMES)
    above = out.filter(pl.col("stands_out") == "above")
    assert set(zip(above["region"], above["theme"], strict=True)) >= {("P0", THEMES[0])}
    assert (above["theme"] == THEMES[0]).all() or above.filter(pl.col("region") == "P0").height >= 2
    assert (out["p_holm"] >= out["p"] - 1e-12).all()  # Holm never lowers a p-value
    assert out.group_by("year").len()["len"].to_list() == [16, 16]


def test_national_reports_are_paired_by_the_calendar(toy):
    docs, _, reps = toy
    nat = gwr.national_against_provinces(reps, docs, themes=THEMES)
    pairs = set(zip(nat["provincial_year"], nat["national_year"], nat["national_delivered"], strict=True))
    # 2025 provinces precede the national report of 2025: compared with 2024 (before) and 2025 (after);
    # 2026 provinces with 2025 (before) only, as the corpus has no national report of 2026
    assert pairs == {(2025, 2024, "before"), (2025, 2025, "after"), (2026, 2025, "before")}
    assert ((nat["diff_low"] <= nat["difference"]) & (nat["difference"] <= nat["diff_high"])).all()


def test_provinces_that_keep_their_order_correlate_across_years(toy):
    docs, _, reps = toy
    em = gwr.report_emphasis(reps, docs, themes=THEMES)
    st = gwr.rank_stability(em, themes=THEMES, n_boot=200)
    row = st.filter(pl.col("theme") == THEMES[1]).row(0, named=True)
    assert row["n_provinces"] == 8
    assert row["spearman"] > 0.5 and row["ci_low"] <= row["spearman"] <= row["ci_high"]
    shuffled = em.with_columns(
        emphasis=pl.when(pl.col("year") == 2026).then(-pl.col("emphasis")).otherwise(pl.col("emphasis"))
    )
    assert (
        gwr.rank_stability(shuffled, themes=THEMES, n_boot=50).filter(pl.col("theme") == THEMES[1])[
            "spearman"
        ][0]
        < -0.5
    )


def test_first_appearance_and_vocabulary_eras():
    docs = pl.DataFrame({"doc_id": ["a", "b", "c"], "level": ["national"] * 3, "year": [1990, 2000, 2020]})
    td = pl.DataFrame(
        {
            "doc_id": ["a", "b", "c"],
            "theme": ["digital_government"] * 3,
            "hits": [1, 5, 9],
            "present": [False, True, True],
        }
    )
    app = gwr.first_appearance(td, docs, themes=("digital_government",)).row(0, named=True)
    assert (app["first_hit"], app["first_present"], app["present_since"], app["reports_since"]) == (
        1990,
        2000,
        2,
        2,
    )
    hits = pl.DataFrame(
        {"doc_id": ["a", "c", "c"], "theme": ["digital_government"] * 3, "term": ["数字政府"] * 3}
    )
    eras = pl.DataFrame(
        {
            "theme": ["digital_government"],
            "term": ["数字政府"],
            "valid_from": [2017],
            "valid_to": [None],
            "era": ["x"],
        },
        schema_overrides={"valid_to": pl.Int64},
    )
    summary = gwr.vocabulary_summary(gwr.vocabulary_by_year(hits, docs, eras)).row(0, named=True)
    assert (summary["first_year"], summary["hits"], summary["hits_outside_era"]) == (1990, 3, 1)


def test_the_coded_national_paragraphs_span_eras_and_are_scored_per_era():
    coded = gwr.coded_national(ROOT / "tests" / "data" / "validation")
    assert (coded["source"] == "national").all() and coded["unit_id"].is_unique().all()
    assert coded["era"].n_unique() >= 3  # several decades are coded
    acc = gwr.accuracy_by_era(coded, n_boot=50)
    assert set(acc["era"]) == set(coded["era"])
    ok = acc.filter(pl.col("precision").is_not_nan())
    assert ((ok["precision_lo"] <= ok["precision"]) & (ok["precision"] <= ok["precision_hi"])).all()
    assert "precision" in gwr.era_accuracy_sentences(acc)


def test_national_table_fits_six_columns_with_intervals(toy):
    docs, _, reps = toy
    nat = gwr.national_against_provinces(reps, docs, themes=THEMES)
    table = gwr.national_table(nat)
    assert table.width == 6 and table.height == nat.height
    assert table["difference [95%]"].str.contains(r"^-?\d+\.\d\d \[-?\d+\.\d\d, -?\d+\.\d\d\]$").all()


def test_era_labels_never_overlap_in_a_row():
    from fazhi.charts.gwr import _label_rows

    marks = pl.DataFrame({"term": ["电子政务", "大数据", "互联网+政务服务", "数字政府", "一网通办", "信息化"],
                          "valid_from": [2000, 2012, 2015, 2017, 2018, 1984]})  # fmt: skip
    width, domain, font = 620, (1950, 2027), 10
    lab = _label_rows(marks, width=width, domain=domain, font=font)
    px = width / (domain[1] - domain[0])
    for _, g in lab.sort("valid_from").group_by("row"):
        ends = [(v - domain[0]) * px + sum(font if ord(c) > 0x2E80 else 0.6 * font for c in t) + 4
                for v, t in zip(g["valid_from"], g["label"])]  # fmt: skip
        starts = [(v - domain[0]) * px for v in g["valid_from"]]
        assert all(e < s for e, s in zip(ends[:-1], starts[1:]))
    assert lab["row"].max() >= 1  # the 2015–2018 terms cannot share one row


def test_the_share_of_provinces_below_the_national_report_has_an_interval(toy):
    docs, _, reps = toy
    nat = gwr.national_against_provinces(reps, docs, themes=THEMES)
    assert (nat["below_low"] <= nat["below_high"]).all()
    assert nat["below_low"].min() >= 0 and nat["below_high"].max() <= 1
    assert "] of the" in gwr.national_sentences(nat)
