"""Tests of fazhi.validation.intrusion_results: the stored word-intrusion study read back and scored, and
constructed studies whose answers are known."""

from __future__ import annotations

import shutil
from pathlib import Path

import polars as pl
import pytest
from fazhi.validation.intrusion_results import (
    drawn_topics_match,
    model_difference,
    model_precision,
    read_intrusion_study,
    summary_sentences,
    topic_precision,
)

STUDY = Path(__file__).resolve().parent / "data" / "validation" / "intrusion"


@pytest.fixture(scope="module")
def stored():
    return read_intrusion_study(STUDY)


def test_the_stored_study_has_every_sheet_key_and_coder(stored) -> None:
    assert stored.coders == ("A", "B", "C")
    assert set(map(tuple, stored.key.select("corpus", "model").unique().rows())) == {
        ("gov", "lda"),
        ("gov", "nmf"),
        ("seeds", "lda"),
        ("seeds", "nmf"),
    }
    assert stored.manifest["commit"].startswith("6a97bd2") and stored.manifest["tasks_per_topic"] == 1
    # every coder's every task is either a scored answer or a listed rejection
    n = stored.key.height * len(stored.coders)
    assert stored.answers.height + stored.rejected.height == n
    # one task per topic
    assert stored.key.group_by("corpus", "model", "topic").len()["len"].max() == 1


def test_stored_precisions_lie_in_their_intervals(stored) -> None:
    topics = topic_precision(stored)
    assert topics.height == stored.key.height
    assert topics.select(
        ((pl.col("precision") >= 0) & (pl.col("precision") <= 1)).all(),
        ((pl.col("lo") <= pl.col("precision")) & (pl.col("precision") <= pl.col("hi"))).all(),
        (pl.col("hits") <= pl.col("answers")).all(),
    ).row(0) == (True, True, True)
    models = model_precision(stored)
    assert models.height == 4
    for r in models.iter_rows(named=True):
        assert 0 <= r["lo"] <= r["precision"] <= r["hi"] <= 1, r
        assert r["chance"] == pytest.approx(1 / 6)
        assert (
            r["hits"]
            == topics.filter((pl.col("corpus") == r["corpus"]) & (pl.col("model") == r["model"]))[
                "hits"
            ].sum()
        )
        assert 0 <= r["all_agree"] <= 1 and -1 <= r["fleiss_kappa"] <= 1
    assert models.equals(model_precision(stored))  # seeded: the same tables every time


def _copy_study(tmp_path: Path, answers: dict[str, dict[str, str]]) -> Path:
    """The stored sheets and keys of the seeds' LDA model, with constructed answers per coder."""
    folder = tmp_path / "study"
    for sub in ("tasks", "answer_key"):
        (folder / sub).mkdir(parents=True)
    stem = "intrusion_seeds_lda"
    shutil.copy(STUDY / "tasks" / f"{stem}.csv", folder / "tasks")
    shutil.copy(STUDY / "answer_key" / f"{stem}_key.csv", folder / "answer_key")
    sheet = pl.read_csv(folder / "tasks" / f"{stem}.csv", infer_schema=False)
    for coder, chosen in answers.items():
        (folder / "answers" / coder).mkdir(parents=True)
        sheet.with_columns(pl.col("task_id").replace_strict(chosen, default="").alias("answer")).write_csv(
            folder / "answers" / coder / f"{stem}.csv"
        )
    return folder


def test_constructed_answers_score_as_constructed_and_a_stray_word_is_rejected(tmp_path) -> None:
    key = pl.read_csv(STUDY / "answer_key" / "intrusion_seeds_lda_key.csv")
    sheet = pl.read_csv(STUDY / "tasks" / "intrusion_seeds_lda.csv", infer_schema=False)
    right = dict(key.select("task_id", "intruder").iter_rows())
    first_other = {
        r["task_id"]: next(r[f"option_{j}"] for j in range(1, 7) if r[f"option_{j}"] != right[r["task_id"]])
        for r in sheet.iter_rows(named=True)
    }
    stray_task = key["task_id"][0]
    folder = _copy_study(
        tmp_path,
        {
            "X": {**right, stray_task: "不在选项里"},  # every intruder, but one answer is no option
            "Y": right,
            "Z": first_other,  # never the intruder
        },
    )
    study = read_intrusion_study(folder)
    assert study.rejected.select("coder", "task_id", "answer", "reason").rows() == [
        ("X", stray_task, "不在选项里", "not one of the task's words")
    ]
    topics = topic_precision(study)
    n = key.height
    assert topics["answers"].sum() == 3 * n - 1 and topics["hits"].sum() == 2 * n - 1
    m = model_precision(study).row(0, named=True)
    assert m["precision"] == pytest.approx((2 * n - 1) / (3 * n - 1))
    assert m["topics_found"] == n - 1  # the stray topic: one hit of two answers is no majority
    assert m["lo"] <= m["precision"] <= m["hi"]
    assert m["tasks_complete"] == n - 1 and m["all_agree"] == 0  # Z always disagrees
    assert m["fleiss_kappa"] < 1


def test_a_perfect_model_gets_an_interval_below_one_and_beats_a_chance_model(tmp_path) -> None:
    key = pl.read_csv(STUDY / "answer_key" / "intrusion_seeds_lda_key.csv")
    right = dict(key.select("task_id", "intruder").iter_rows())
    study = read_intrusion_study(_copy_study(tmp_path, {"A": right, "B": right}))
    m = model_precision(study).row(0, named=True)
    assert m["precision"] == 1 and m["lo"] < 0.9 and m["interval"] == "Wilson, topics as units"
    assert m["all_agree"] == 1 and m["fleiss_kappa"] == pytest.approx(1)


def test_missing_answers_and_a_mismatched_key_are_errors(tmp_path) -> None:
    folder = _copy_study(tmp_path, {"A": {}})
    (folder / "answers" / "B").mkdir()
    with pytest.raises(FileNotFoundError, match="coder B has no answers"):
        read_intrusion_study(folder)
    shutil.rmtree(folder / "answers" / "B")
    key = folder / "answer_key" / "intrusion_seeds_lda_key.csv"
    pl.read_csv(key).head(3).write_csv(key)
    with pytest.raises(ValueError, match="not those of"):
        read_intrusion_study(folder)


def test_blank_answers_are_rejected_not_scored(tmp_path) -> None:
    study = read_intrusion_study(_copy_study(tmp_path, {"A": {}}))
    assert study.answers.is_empty() and set(study.rejected["reason"]) == {"no answer"}
    assert topic_precision(study)["precision"].null_count() == study.key.height


def _current_topics(stored, corpus: str) -> pl.DataFrame:
    """A ``topics`` table holding exactly the words the sheets showed (rank 1..5, prob)."""
    sheet = stored.tasks.join(stored.key, on=["corpus", "model", "task_id"]).filter(
        pl.col("corpus") == corpus
    )
    rows = []
    for r in sheet.iter_rows(named=True):
        shown = [r[f"option_{j}"] for j in range(1, 7) if r[f"option_{j}"] != r["intruder"]]
        rows += [(r["model"], r["topic"], "prob", i, w) for i, w in enumerate(shown, start=1)]
    return pl.DataFrame(rows, schema=["model", "topic", "ranking", "rank", "term"], orient="row")


def test_drawn_topics_are_recognised_and_a_changed_topic_is_not(stored) -> None:
    current = _current_topics(stored, "gov")
    same = drawn_topics_match(stored, current, corpus="gov")
    assert same.height == 20 and same["same"].all()
    changed = current.with_columns(
        pl.when((pl.col("model") == "nmf") & (pl.col("topic") == 0) & (pl.col("rank") == 1))
        .then(pl.lit("别的词"))
        .otherwise(pl.col("term"))
        .alias("term")
    )
    result = drawn_topics_match(stored, changed, corpus="gov")
    assert result.filter(~pl.col("same")).select("model", "topic").rows() == [("nmf", 0)]
    assert not drawn_topics_match(stored, current.filter(pl.col("model") == "lda"), corpus="gov")[
        "same"
    ].all()


def test_summary_sentences_come_from_the_tables(stored) -> None:
    models = model_precision(stored)
    diff = model_difference(stored, "lda", "nmf")
    assert (
        diff.height == 2
        and (diff["lo"] <= diff["difference"]).all()
        and (diff["difference"] <= diff["hi"]).all()
    )
    text = summary_sentences(models, diff, names={"gov": "government work reports"})
    assert set(text) == {"gov", "seeds"}
    r = models.filter((pl.col("corpus") == "seeds") & (pl.col("model") == "lda")).row(0, named=True)
    assert (
        f"in {r['topics_found']} of {r['topics']} LDA topics (precision {r['precision']:.2f}" in text["seeds"]
    )
    assert text["gov"].startswith("**government work reports**") and "against chance 0.17" in text["gov"]
    d = diff.filter(pl.col("corpus") == "seeds").row(0, named=True)
    better = "NMF did better" if d["hi"] < 0 else "LDA did better" if d["lo"] > 0 else "neither model"
    assert better in text["seeds"]


def test_the_drawn_build_note_says_whether_the_current_topics_are_those_drawn(stored) -> None:
    from fazhi.validation.intrusion_results import drawn_build_note, models_for_reading

    current = {"gov": _current_topics(stored, "gov"), "seeds": _current_topics(stored, "seeds").head(0)}
    note = drawn_build_note(stored, current, names={"gov": "government work reports"})
    assert "**government work reports**" in note and "`6a97bd2`" in note
    assert "the same topics (all 20" in note and "LDA 10 of 10, NMF 10 of 10" in note
    assert "no topic table of this corpus" in note  # the seeds: nothing to compare with
    changed = current["gov"].filter(~((pl.col("model") == "lda") & (pl.col("topic") == 3)))
    note = drawn_build_note(stored, {"gov": changed})
    assert "**the current build's topics differ**: 19 of 20" in note and "LDA 9 of 10" in note
    shown = models_for_reading(model_precision(stored), names={"gov": "government work reports"})
    assert shown.height == 4 and set(shown["model"]) == {"LDA", "NMF"} and "Fleiss' κ" in shown.columns
