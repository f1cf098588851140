"""Tests for fazhi.metadata_eval: the scorer on constructed frames, and the development set's integrity."""

from __future__ import annotations

import math
from pathlib import Path

import polars as pl
import pytest
from fazhi.metadata_eval import (
    DOC_TYPES,
    FIELDS,
    GOLD_COLUMNS,
    LEVELS,
    devset_dir,
    errors,
    field_correct,
    gold_problems,
    metadata_accuracy,
    read_gold,
    score_devset,
    wilson_interval,
)
from hypothesis import given
from hypothesis import strategies as st

DEVSET = Path(__file__).resolve().parent / "data" / "devset"


def _gold(rows: list[dict[str, object]]) -> pl.DataFrame:
    cols = {c: [r.get(c) for r in rows] for c in ("source_file", *FIELDS)}
    return pl.DataFrame(cols, schema={c: (pl.Int64 if c == "year" else pl.String) for c in cols})


# ------------------------------------------------------------------------------------ Wilson interval


def test_wilson_interval_hand_computed() -> None:
    # 8 of 10 at z = 1.96: centre (0.8 + 0.19208) / 1.38416 = 0.716738, half 0.250916 / 1.38416 = 0.181277.
    lo, hi = wilson_interval(8, 10, z=1.96)
    assert lo == pytest.approx(0.4902, abs=1e-4)
    assert hi == pytest.approx(0.9433, abs=1e-4)


def test_wilson_interval_edges() -> None:
    lo, hi = wilson_interval(0, 5)
    assert lo == 0.0 and 0 < hi < 0.5  # all wrong: the interval still admits some accuracy
    lo, hi = wilson_interval(5, 5)
    assert hi == 1.0 and 0.5 < lo < 1
    assert all(math.isnan(x) for x in wilson_interval(0, 0))
    with pytest.raises(ValueError):
        wilson_interval(3, 2)


@given(st.integers(min_value=1, max_value=500).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_wilson_interval_contains_the_proportion(kn: tuple[int, int]) -> None:
    k, n = kn
    lo, hi = wilson_interval(k, n)
    assert 0.0 <= lo <= k / n <= hi <= 1.0


# ------------------------------------------------------------------------------------ comparison rules


@pytest.mark.parametrize(
    ("field", "predicted", "gold", "expected"),
    [
        ("title", "政 府 工 作 报 告", "政府工作报告", True),  # whitespace
        ("title", "关于“数字政府”的答复。", "关于数字政府的答复", True),  # punctuation
        ("title", "政府工作報告", "政府工作报告", False),  # traditional is not simplified
        ("title", "关于数字政府的答复函", "关于数字政府的答复", False),
        ("issuer", "中阳县政府", "中阳县人民政府", True),  # 政府 / 人民政府
        ("issuer", "静海区人民政府", "天津市静海区人民政府", True),  # parent jurisdiction dropped
        ("issuer", "静海区", "天津市静海区人民政府", True),  # missing 人民政府 suffix
        ("issuer", "应急管理局", "广州市应急管理局", False),  # a bare body is not the bureau of a city
        ("issuer", "静海区司法局", "天津市静海区人民政府", False),  # a department is not the government
        (
            "issuer",
            "岳阳市人民政府办公室",
            "中共岳阳市委办公室 岳阳市人民政府办公室",
            True,
        ),  # one joint issuer
        ("issuer", "岳阳市人民政府", "中共岳阳市委办公室 岳阳市人民政府办公室", False),
        ("issuer", "ＡＢ市人民政府", "AB市人民政府", True),  # NFKC
        ("region", "广东", "广东省", True),
        ("region", "昌吉回族自治州", "昌吉州", False),
        ("region", "海珠区", "海珠区", True),
        ("level", "County", "county", True),
        ("level", "county_dept", "county", False),
        ("doc_type", "other", "notice", False),
        ("year", "2021", "2021", True),
        ("year", 2021, "2020", False),
        ("published", "2021-3-9", "2021-03-09", True),
        ("published", "2021年3月9日", "2021-03-09", True),
        ("published", "2021-03-10", "2021-03-09", False),
        ("title", None, "政府工作报告", False),  # nothing predicted is never right
        ("issuer", "  ", "国务院", False),
    ],
)
def test_field_correct(field: str, predicted: object, gold: object, expected: bool) -> None:
    assert field_correct(field, predicted, gold) is expected


def test_field_correct_unknown_field() -> None:
    with pytest.raises(ValueError, match="unknown field"):
        field_correct("author", "a", "a")


@given(st.text(max_size=30))
def test_title_rule_ignores_spacing(title: str) -> None:
    spaced = " ".join(title)
    if title.strip():
        assert field_correct("title", spaced, title) == field_correct("title", title, title)


# ------------------------------------------------------------------------------------ the tables


def _frames() -> tuple[pl.DataFrame, pl.DataFrame]:
    gold = _gold(
        [
            {
                "source_file": "a.txt",
                "title": "甲",
                "issuer": "国务院",
                "level": "national",
                "doc_type": "other",
                "year": 2020,
            },
            {
                "source_file": "b.txt",
                "title": "乙",
                "issuer": "广东省人民政府",
                "level": "province",
                "doc_type": "notice",
            },
            {
                "source_file": "c.txt",
                "title": "丙",
                "level": "city",
                "doc_type": "notice",
                "year": 2021,
                "published": "2021-05-01",
            },
            {
                "source_file": "d.txt",
                "title": "丁",
                "level": "county",
                "doc_type": "other",
                "year": 2022,
            },  # not loaded
        ]
    )
    documents = pl.DataFrame(
        {
            "source_file": ["a.txt", "b.txt", "c.txt"],
            "title": ["甲", "乙 ", "戊"],
            "issuer": ["国务院", "广东省政府", None],
            "region": [None, "广东省", None],
            "level": ["unknown", "province", "city"],
            "doc_type": ["other", "other", "notice"],
            "period_start": [2020, None, 2021],
            "period_end": [2020, None, 2025],  # c's period is a span: not a year
            "published": [None, None, "2021-05-01"],
        }
    )
    return documents, gold


def test_metadata_accuracy_hand_computed() -> None:
    documents, gold = _frames()
    acc = metadata_accuracy(documents, gold)
    assert acc["field"].to_list() == list(FIELDS)
    got = {r["field"]: (r["n"], r["correct"]) for r in acc.iter_rows(named=True)}
    # title: a ✓, b ✓ (trailing space), c ✗, d ✗ (not loaded) → 2/4
    assert got["title"] == (4, 2)
    # issuer: a ✓, b ✓ (政府/人民政府) → 2/2; region has no gold → 0
    assert got["issuer"] == (2, 2)
    assert got["region"] == (0, 0)
    # level: a ✗, b ✓, c ✓, d ✗ → 2/4; doc_type: a ✓, b ✗, c ✓, d ✗ → 2/4
    assert got["level"] == (4, 2)
    assert got["doc_type"] == (4, 2)
    # year: a ✓ (single-year period), c ✗ (a span), d ✗ → 1/3; published: c ✓ → 1/1
    assert got["year"] == (3, 1)
    assert got["published"] == (1, 1)
    title = acc.filter(pl.col("field") == "title").row(0, named=True)
    assert title["accuracy"] == 0.5
    assert (title["ci_low"], title["ci_high"]) == pytest.approx(wilson_interval(2, 4))
    region = acc.filter(pl.col("field") == "region").row(0, named=True)
    assert region["accuracy"] is None and region["ci_low"] is None


def test_year_column_wins_over_period() -> None:
    documents, gold = _frames()
    documents = documents.with_columns(pl.Series("year", [2020, None, 2021]))
    got = metadata_accuracy(documents, gold).filter(pl.col("field") == "year").row(0, named=True)
    assert (got["n"], got["correct"]) == (3, 2)


def test_errors_lists_every_wrong_field() -> None:
    documents, gold = _frames()
    err = errors(documents, gold)
    assert err.columns == ["source_file", "field", "gold", "predicted"]
    acc = metadata_accuracy(documents, gold)
    assert err.height == int((acc["n"] - acc["correct"]).sum())
    row = err.filter((pl.col("source_file") == "a.txt") & (pl.col("field") == "level")).row(0, named=True)
    assert (row["gold"], row["predicted"]) == ("national", "unknown")
    assert err.filter(pl.col("source_file") == "d.txt")["predicted"].null_count() == 4


def test_scoring_is_deterministic_and_order_free() -> None:
    documents, gold = _frames()
    a = metadata_accuracy(documents, gold)
    b = metadata_accuracy(documents.reverse(), gold.reverse())
    assert a.equals(b)
    assert errors(documents, gold).equals(errors(documents.reverse(), gold.reverse()))


def test_bad_frames_raise() -> None:
    documents, gold = _frames()
    with pytest.raises(ValueError, match="source_file"):
        metadata_accuracy(documents.drop("source_file"), gold)
    with pytest.raises(ValueError, match="missing column"):
        metadata_accuracy(documents, gold.drop("level"))


def test_read_gold_rejects_bad_values(tmp_path: Path) -> None:
    header = ",".join(GOLD_COLUMNS)
    bad = tmp_path / "gold.csv"
    bad.write_text(header + "\nx.txt,u,t,i,r,prefecture,notice,2020,2020-01-01,\n", encoding="utf-8")
    with pytest.raises(ValueError, match="level 'prefecture'"):
        read_gold(bad)
    bad.write_text(header + "\nx.txt,u,t,i,r,city,notice,20,2020-13-01,\n", encoding="utf-8")
    with pytest.raises(ValueError, match="year"):
        read_gold(bad)
    bad.write_text(header + "\nx.txt,,,,,,,,,\nx.txt,,,,,,,,,\n", encoding="utf-8")
    with pytest.raises(ValueError, match="repeated"):
        read_gold(bad)


# ------------------------------------------------------------------------------------ the development set


def test_devset_dir_is_the_shipped_set() -> None:
    assert devset_dir().resolve() == DEVSET.resolve()


def test_devset_gold_is_complete_and_in_vocabulary() -> None:
    gold = read_gold(DEVSET / "gold.csv")  # raises on any value outside the vocabularies
    assert gold.columns == list(GOLD_COLUMNS)
    assert gold.height >= 50
    assert gold_problems(gold.with_columns(pl.col("year").cast(pl.String))) == []
    assert set(gold["level"].drop_nulls()) <= set(LEVELS)
    assert set(gold["doc_type"].drop_nulls()) <= set(DOC_TYPES)
    assert gold["source_url"].null_count() == 0
    assert gold["doc_type"].null_count() == 0  # every document has a genre


def test_devset_gold_files_exist_and_every_file_has_gold() -> None:
    gold = read_gold(DEVSET / "gold.csv")
    files = {p.name for p in (DEVSET / "docs").iterdir() if p.is_file()}
    assert set(gold["source_file"]) == files
    for name in files:
        text = (DEVSET / "docs" / name).read_text(encoding="utf-8")
        assert len(text) > 100, name


def test_devset_covers_levels_and_genres() -> None:
    gold = read_gold(DEVSET / "gold.csv")
    assert set(LEVELS) - {"unknown"} <= set(gold["level"].drop_nulls())
    assert set(DOC_TYPES) <= set(gold["doc_type"])


def test_score_devset_with_an_oracle_reader_is_perfect() -> None:
    """The scorer's plumbing end to end: a reader that returns gold itself scores 100% on every field."""
    gold = read_gold(DEVSET / "gold.csv")

    def oracle(folder: Path) -> pl.DataFrame:
        assert folder == DEVSET / "docs"
        return gold.drop("source_url", "notes")

    acc = score_devset(DEVSET, read=oracle)
    assert (acc["n"] > 0).all()
    assert (acc["correct"] == acc["n"]).all()


def test_devset_halves_split_by_the_parity_of_the_file_number() -> None:
    from fazhi.metadata_eval import devset_half

    assert devset_half("001_xinjiang.txt") == "development"
    assert devset_half("docs/010_yueyang.txt") == "check"
    assert devset_half("071_x.txt") == "development"
    with pytest.raises(ValueError, match="starts with its number"):
        devset_half("xinjiang.txt")
    gold = read_gold(DEVSET / "gold.csv")
    halves = [devset_half(f) for f in gold["source_file"]]
    assert abs(halves.count("development") - halves.count("check")) <= 4  # two halves of similar size


def test_score_devset_by_half_adds_up_to_the_whole() -> None:
    from fazhi.metadata_eval import score_devset_by_half

    gold = read_gold(DEVSET / "gold.csv")

    def oracle(folder: Path) -> pl.DataFrame:
        return gold.drop("source_url", "notes")

    table = score_devset_by_half(DEVSET, read=oracle)
    assert table["half"].unique(maintain_order=True).to_list() == ["development", "check", "all"]
    by = {h: table.filter(pl.col("half") == h) for h in ("development", "check", "all")}
    assert (by["development"]["n"] + by["check"]["n"]).to_list() == by["all"]["n"].to_list()
    assert by["development"]["documents"][0] + by["check"]["documents"][0] == gold.height
    assert (table["correct"] == table["n"]).all()
    one = score_devset(DEVSET, read=oracle, half="check")
    assert one["n"].to_list() == by["check"]["n"].to_list()
    with pytest.raises(ValueError, match="half must be"):
        score_devset(DEVSET, read=oracle, half="train")


def test_devset_summary_says_which_half_is_which() -> None:
    from fazhi.metadata_eval import devset_summary, score_devset_by_half

    gold = read_gold(DEVSET / "gold.csv")
    table = score_devset_by_half(DEVSET, read=lambda folder: gold.drop("source_url", "notes"))
    text = devset_summary(table)
    n_check = int(table.filter(pl.col("half") == "check")["documents"][0])
    assert text.startswith(
        f"Metadata inference on the {n_check} documents of the development set's check half"
    )
    assert "level 100%" in text and "development half" in text
    with pytest.raises(ValueError, match="no 'check' rows"):
        devset_summary(table.filter(pl.col("half") != "check"))


# ------------------------------------------------------------------------------------ the fresh set


def test_fresh_set_gold_is_complete_and_every_file_has_gold() -> None:
    from fazhi.metadata_eval import EVAL_SETS, eval_set_dir, fresh_dir

    fresh = fresh_dir()
    assert eval_set_dir("fresh") == fresh and eval_set_dir("devset") == devset_dir() and "fresh" in EVAL_SETS
    gold = read_gold(fresh / "gold.csv")  # raises on any value outside the vocabularies
    assert gold.columns == list(GOLD_COLUMNS) and gold.height >= 40
    assert gold["source_url"].null_count() == 0 and gold["doc_type"].null_count() == 0
    files = {p.name for p in (fresh / "docs").iterdir() if p.is_file()}
    assert set(gold["source_file"]) == files
    # no document of the fresh set is a document of the development set (by URL)
    old = set(read_gold(DEVSET / "gold.csv")["source_url"])
    assert not (set(gold["source_url"]) & old)
    readme = (fresh / "README.md").read_text(encoding="utf-8")
    assert "before" in readme and "Changes to gold after the first prediction" in readme


def test_eval_set_dir_rejects_an_unknown_name() -> None:
    from fazhi.metadata_eval import eval_set_dir

    with pytest.raises(ValueError, match="devset, fresh"):
        eval_set_dir("holdout")


# ------------------------------------------------------------------------------------ the held-out set


def test_heldout_set_gold_is_well_formed() -> None:
    """The held-out gold is complete and uses the schema's vocabularies (it asserts no accuracy)."""
    import csv

    from fazhi.metadata_eval import EVAL_SETS, eval_set_dir, fresh_dir, heldout_dir
    from fazhi.schema import DOC_TYPES as SCHEMA_DOC_TYPES
    from fazhi.schema import LEVELS as SCHEMA_LEVELS

    folder = heldout_dir()
    assert eval_set_dir("heldout") == folder and "heldout" in EVAL_SETS
    with (folder / "gold.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert rows and list(rows[0]) == list(GOLD_COLUMNS)
    for row in rows:
        assert row["level"] in SCHEMA_LEVELS, row["source_file"]
        assert row["doc_type"] in SCHEMA_DOC_TYPES, row["source_file"]
        assert row["source_url"].startswith("http"), row["source_file"]
        assert not row["year"] or 1949 <= int(row["year"]) <= 2100, row["source_file"]
    gold = read_gold(folder / "gold.csv")  # also raises on a malformed date or an unknown value
    assert gold.height == len(rows) and gold["source_file"].is_unique().all()
    files = {p.name for p in (folder / "docs").iterdir() if p.is_file()}
    assert set(gold["source_file"]) == files
    # no page of the held-out set is a page of the other two sets (by URL)
    seen = {
        *read_gold(DEVSET / "gold.csv")["source_url"],
        *read_gold(fresh_dir() / "gold.csv")["source_url"],
    }
    assert not (set(gold["source_url"]) & seen)
    readme = (folder / "README.md").read_text(encoding="utf-8")
    assert "Changes to gold after the first prediction" in readme and "no inference rule" in readme.lower()


# ------------------------------------------------------------------------------------ the second held-out set


def test_heldout2_set_gold_is_well_formed() -> None:
    """The second held-out gold is complete, in vocabulary and shares no page with the other sets.

    It asserts no accuracy and runs no inference: the set is scored once, after the rules are frozen.
    """
    import csv

    from fazhi.metadata_eval import EVAL_SETS, eval_set_dir, fresh_dir, heldout2_dir, heldout_dir
    from fazhi.schema import DOC_TYPES as SCHEMA_DOC_TYPES
    from fazhi.schema import LEVELS as SCHEMA_LEVELS

    folder = heldout2_dir()
    assert eval_set_dir("heldout2") == folder and "heldout2" in EVAL_SETS
    with (folder / "gold.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) >= 35 and list(rows[0]) == list(GOLD_COLUMNS)
    for row in rows:
        name = row["source_file"]
        assert row["level"] in SCHEMA_LEVELS and row["level"] != "unknown", name
        assert row["doc_type"] in SCHEMA_DOC_TYPES, name
        assert row["source_url"].startswith("http"), name
        assert row["notes"].strip(), name
        assert not row["year"] or 1949 <= int(row["year"]) <= 2100, name
    gold = read_gold(folder / "gold.csv")  # also raises on a malformed date or an unknown value
    assert gold.height == len(rows) and gold["source_file"].is_unique().all()
    assert gold["source_url"].is_unique().all()
    files = {p.name for p in (folder / "docs").iterdir() if p.is_file()}
    assert set(gold["source_file"]) == files
    # no page of this set is a page of the other three sets (by URL)
    seen = {
        *read_gold(DEVSET / "gold.csv")["source_url"],
        *read_gold(fresh_dir() / "gold.csv")["source_url"],
        *read_gold(heldout_dir() / "gold.csv")["source_url"],
    }
    assert not (set(gold["source_url"]) & seen)
    readme = (folder / "README.md").read_text(encoding="utf-8")
    assert "--set heldout2" in readme and "no inference" in readme.lower()
    assert "Changes to gold after the first prediction" in readme


def test_all_sets_score_every_unsealed_set(monkeypatch: pytest.MonkeyPatch) -> None:
    """``--set all`` scores every set not in ``SEALED_SETS`` (heldout2, heldout3 and heldout4 since they were
    unsealed, not the sealed heldout5); ``--set NAME`` names one (scoring is stubbed out)."""
    import importlib.util
    import sys

    from fazhi.metadata_eval import (
        EVAL_SETS,
        eval_set_dir,
        heldout2_dir,
        heldout3_dir,
        heldout4_dir,
        heldout5_dir,
    )

    path = Path(__file__).resolve().parents[1] / "benchmarks" / "metadata_devset.py"
    spec = importlib.util.spec_from_file_location("metadata_devset", path)
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    scored: list[Path] = []
    monkeypatch.setattr(bench, "report", lambda folder, **_: scored.append(folder))
    monkeypatch.setattr(sys, "argv", ["metadata_devset.py", "--set", "all"])
    bench.main()
    assert not {"heldout2", "heldout3", "heldout4"} & set(bench.SEALED_SETS)
    assert heldout3_dir() in scored and heldout4_dir() in scored
    assert "heldout5" in bench.SEALED_SETS and heldout5_dir() not in scored
    assert scored == [eval_set_dir(n) for n in EVAL_SETS if n not in bench.SEALED_SETS]
    scored.clear()
    monkeypatch.setattr(sys, "argv", ["metadata_devset.py", "--set", "heldout2"])
    bench.main()
    assert scored == [heldout2_dir()]
    scored.clear()
    monkeypatch.setattr(sys, "argv", ["metadata_devset.py", "--set", "heldout3"])
    bench.main()
    assert scored == [heldout3_dir()]
    scored.clear()
    monkeypatch.setattr(sys, "argv", ["metadata_devset.py", "--set", "heldout4"])
    bench.main()
    assert scored == [heldout4_dir()]
    scored.clear()
    monkeypatch.setattr(sys, "argv", ["metadata_devset.py", "--set", "heldout5"])
    bench.main()
    assert scored == [heldout5_dir()]


# ------------------------------------------------------------------ the third, fourth and fifth held-out sets


@pytest.mark.parametrize("name", ["heldout3", "heldout4", "heldout5"])
def test_later_heldout_set_gold_is_well_formed(name: str) -> None:
    """A later held-out gold is complete, in vocabulary and shares no page with the sets before it.

    It asserts no accuracy and runs no inference: the set is scored once, after the rules are frozen.
    """
    import csv

    from fazhi import metadata_eval
    from fazhi.metadata_eval import EVAL_SETS, eval_set_dir
    from fazhi.schema import DOC_TYPES as SCHEMA_DOC_TYPES
    from fazhi.schema import LEVELS as SCHEMA_LEVELS

    folder = getattr(metadata_eval, f"{name}_dir")()
    assert eval_set_dir(name) == folder and name in EVAL_SETS
    with (folder / "gold.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) >= 45 and list(rows[0]) == list(GOLD_COLUMNS)
    for row in rows:
        file = row["source_file"]
        assert row["level"] in SCHEMA_LEVELS and row["level"] != "unknown", file
        assert row["doc_type"] in SCHEMA_DOC_TYPES, file
        assert row["source_url"].startswith("http"), file
        assert row["notes"].strip(), file
        assert not row["year"] or 1949 <= int(row["year"]) <= 2100, file
    gold = read_gold(folder / "gold.csv")  # also raises on a malformed date or an unknown value
    assert gold.height == len(rows) and gold["source_file"].is_unique().all()
    assert gold["source_url"].is_unique().all()
    files = {p.name for p in (folder / "docs").iterdir() if p.is_file()}
    assert set(gold["source_file"]) == files
    # no page of this set is a page of any set built before it (by URL)
    earlier = EVAL_SETS[: EVAL_SETS.index(name)]
    assert earlier[:2] == ("devset", "fresh")
    seen = {url for other in earlier for url in read_gold(eval_set_dir(other) / "gold.csv")["source_url"]}
    assert not (set(gold["source_url"]) & seen)
    readme = (folder / "README.md").read_text(encoding="utf-8")
    assert f"--set {name}" in readme and "no inference" in readme.lower()
    assert "Changes to gold after the first prediction" in readme
