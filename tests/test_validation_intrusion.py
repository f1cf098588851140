"""Tests of fazhi.validation.intrusion: word-intrusion tasks and their scoring."""

from __future__ import annotations

import math

import polars as pl
import pytest
from fazhi.validation.intrusion import intrusion_tasks, read_answers, score_intrusion, write_intrusion_sheets

TERMS = {
    0: ["调解", "纠纷", "复议", "诉讼", "仲裁", "信访", "数据"],
    1: ["数据", "平台", "政务", "网上", "数字", "智慧", "共享"],
    2: ["应急", "防汛", "救援", "灾害", "预警", "消防", "安全"],
}


def _topics(terms: dict[int, list[str]] = TERMS) -> pl.DataFrame:
    rows = [
        ("nmf", 3, t, f"topic {t}", "prob", r, term, 1.0 / r, 0.5, 0.5)
        for t, words in terms.items()
        for r, term in enumerate(words, start=1)
    ]
    cols = ["model", "k", "topic", "label", "ranking", "rank", "term", "prob", "exclusivity", "frex"]
    return pl.DataFrame(rows, schema=cols, orient="row")


def test_tasks_show_top_words_and_a_foreign_intruder() -> None:
    tasks, key = intrusion_tasks(_topics(), n_words=5, pool=7, tasks_per_topic=3, seed=1)
    assert tasks.height == key.height == 9
    assert tasks["answer"].to_list() == [""] * 9
    assert "intruder" not in tasks.columns and "topic" not in tasks.columns
    for task, k in zip(tasks.iter_rows(named=True), key.iter_rows(named=True), strict=True):
        options = [task[f"option_{j}"] for j in range(1, 7)]
        assert sorted(options) == sorted([*TERMS[k["topic"]][:5], k["intruder"]])
        assert k["intruder"] not in TERMS[k["topic"]]  # low in this topic (here: absent)
        assert k["intruder"] in TERMS[k["intruder_topic"]][:7] and k["intruder_topic"] != k["topic"]
    # 数据 is listed by topic 0, so it is never topic 0's intruder.
    assert "数据" not in key.filter(pl.col("topic") == 0)["intruder"].to_list()


def test_tasks_are_seeded() -> None:
    a = intrusion_tasks(_topics(), tasks_per_topic=2, seed=3)
    b = intrusion_tasks(_topics(), tasks_per_topic=2, seed=3)
    c = intrusion_tasks(_topics(), tasks_per_topic=2, seed=4)
    assert a[0].equals(b[0]) and a[1].equals(b[1])
    assert not (a[0].equals(c[0]) and a[1].equals(c[1]))


def test_bad_tables_are_refused() -> None:
    with pytest.raises(ValueError, match="two topics"):
        intrusion_tasks(_topics({0: TERMS[0]}))
    with pytest.raises(ValueError, match="fewer than n_words"):
        intrusion_tasks(_topics(), n_words=8)
    two = pl.concat([_topics(), _topics().with_columns(pl.lit("lda").alias("model"))])
    with pytest.raises(ValueError, match="choose one"):
        intrusion_tasks(two)
    assert intrusion_tasks(two, model="lda")[1]["model"].unique().to_list() == ["lda"]


def test_sheets_keep_the_key_apart_and_answers_are_scored(tmp_path) -> None:
    tasks, key = intrusion_tasks(_topics(), tasks_per_topic=2, seed=2)
    paths = write_intrusion_sheets(tasks, key, tmp_path)
    assert paths["key"].parent != paths["csv"].parent
    assert "intruder" not in pl.read_csv(paths["csv"]).columns
    intruders = dict(zip(key["task_id"], key["intruder"], strict=True))
    # Coder A finds every intruder; coder B finds those of topic 2 only and answers one task with junk.
    sheet_a = tasks.with_columns(pl.col("task_id").replace_strict(intruders).alias("answer"))
    sheet_a.write_csv(tmp_path / "A.csv")
    wrong = {
        r["task_id"]: (r["intruder"] if r["topic"] == 2 else TERMS[r["topic"]][0])
        for r in key.iter_rows(named=True)
    }
    first = key["task_id"][0]
    wrong[first] = "不是选项"
    sheet_b = tasks.with_columns(pl.col("task_id").replace_strict(wrong).alias("answer"))
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "tasks"
    ws.append(sheet_b.columns)
    for row in sheet_b.iter_rows():
        ws.append(list(row))
    wb.save(tmp_path / "B.xlsx")
    a, rej_a = read_answers(tmp_path / "A.csv", tasks)
    b, rej_b = read_answers(tmp_path / "B.xlsx", tasks)
    assert rej_a.is_empty() and a.height == 6
    assert rej_b.rows() == [(first, "不是选项", "not one of the task's words")]
    scores = score_intrusion({"A": a, "B": b}, key)
    topic_of_first = key.filter(pl.col("task_id") == first)["topic"][0]
    for r in scores.iter_rows(named=True):
        n = 4 - (r["topic"] == topic_of_first)
        correct = n if r["topic"] == 2 else 2
        assert (r["tasks"], r["coders"], r["answers"], r["correct"]) == (2, 2, n, correct)
        assert r["precision"] == pytest.approx(correct / n)
        # Wilson interval by hand
        z = 1.959963984540054
        p = correct / n
        centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
        half = z * math.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / (1 + z**2 / n)
        assert r["lo"] == pytest.approx(centre - half) and r["hi"] == pytest.approx(centre + half)
    with pytest.raises(ValueError, match="not in the key"):
        score_intrusion({"A": pl.DataFrame({"task_id": ["X9"], "answer": ["a"]})}, key)
