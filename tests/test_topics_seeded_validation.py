"""Seeded topics against coded paragraphs (fazhi.topics.validate) on constructed data."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from fazhi.schema import validate
from fazhi.topics.fitting import tfidf
from fazhi.topics.matrix import DTM
from fazhi.topics.seeded import fit_seeded
from fazhi.topics.settings import TopicSettings
from fazhi.topics.validate import (
    count_rows,
    project,
    seeded_validation,
    settings_from_table,
    tfidf_transformer,
)

# Three planted themes, each with its own words (common words the tokeniser keeps whole), plus filler.
WORDS = {
    "digital_government": ["政务", "数据", "平台", "网上", "信息化", "电子"],
    "emergency_response": ["应急", "救援", "灾害", "防汛", "抢险", "预案"],
    "dispute_resolution": ["纠纷", "调解", "仲裁", "诉讼", "信访", "矛盾"],
}
FILLER = ["经济", "农业", "教育", "文化"]
THEMES = tuple(WORDS)
N_BOOT = 200


def _text(rng: np.random.Generator, theme: str, n: int = 12) -> str:
    words = list(rng.choice(WORDS[theme], n)) + list(rng.choice(FILLER, 3))
    return "，".join(str(w) for w in words) + "。"


def _model():
    """A seeded model fitted on 60 single-theme units (counts built directly), each theme's lexicon being all
    its planted words: its seeded topics track the themes, the free topic takes the filler."""
    rng = np.random.default_rng(1)
    vocab = sorted({w for ws in WORDS.values() for w in ws} | set(FILLER))
    col = {w: i for i, w in enumerate(vocab)}
    X = np.zeros((60, len(vocab)), dtype=np.int64)
    for u in range(60):
        theme = THEMES[u % 3]
        for w in [*rng.choice(WORDS[theme], 12), *rng.choice(FILLER, 3)]:
            X[u, col[str(w)]] += 1
    from scipy import sparse

    units = pl.DataFrame({"unit_id": np.arange(60, dtype=np.int32), "n_tokens": X.sum(axis=1)})
    dtm = DTM(X=sparse.csr_matrix(X), vocab=vocab, units=units, unit="section")
    lex = pl.DataFrame(
        {"theme": [t for t in THEMES for _ in WORDS[t]], "term": [w for t in THEMES for w in WORDS[t]]}
    )
    fit = fit_seeded(dtm, lex, TopicSettings(seeded_free_topics=1))
    assert fit is not None and fit.themes == list(THEMES)
    return dtm, fit


@pytest.fixture(scope="module")
def model():
    return _model()


@pytest.fixture(scope="module")
def coded():
    rng = np.random.default_rng(7)
    themes = [THEMES[i % 3] for i in range(30)]
    return pl.DataFrame(
        {
            "unit_id": [f"p{i:02d}" for i in range(30)],
            "text": [_text(rng, t) for t in themes],
            **{t: [int(x == t) for x in themes] for t in THEMES},
        }
    )


def test_projection_uses_the_corpus_tfidf_and_finds_the_planted_topic(model, coded):
    dtm, fit = model
    assert np.allclose(
        tfidf_transformer(dtm).transform(dtm.X.astype(float)).toarray(), tfidf(dtm.X).toarray()
    )
    X = count_rows(coded["text"].to_list(), dtm.vocab)
    assert X.sum() == 30 * 15  # every planted word is cut whole and counted
    theta = project(fit, dtm, coded["text"].to_list())
    assert np.allclose(theta.sum(axis=1), 1.0)
    assert [THEMES[i] for i in theta[:, :3].argmax(axis=1)] == [THEMES[i % 3] for i in range(30)]
    empty = project(fit, dtm, ["今天天气很好"])  # no word of the vocabulary: no topic at all
    assert empty.sum() == 0


def test_a_topic_that_tracks_the_coding_has_f1_one(model, coded):
    dtm, fit = model
    out = seeded_validation(fit, dtm, coded, n_boot=N_BOOT)
    validate("topic_seeded_validation", out)
    seeded = out.filter(pl.col("measure") == "seeded_topic")
    assert seeded["theme"].to_list() == list(THEMES)
    assert seeded["topic"].to_list() == [0, 1, 2]
    assert seeded["f1"].to_list() == [1.0, 1.0, 1.0]
    assert seeded["f1_lo"].to_list() == [1.0, 1.0, 1.0]
    assert seeded["coded"].to_list() == [10, 10, 10]
    # the dictionary measures are reported beside it on the same paragraphs
    assert set(out["measure"]) == {"seeded_topic", "dictionary", "present"}
    assert out.filter(pl.col("measure") != "seeded_topic")["topic"].null_count() == 6
    assert (out["n"] == 30).all() and (out["no_vocab"] == 0).all() and (out["n_units_model"] == 60).all()


def test_a_shuffled_coding_gives_a_low_f1(model, coded):
    dtm, fit = model
    perm = np.random.default_rng(3).permutation(coded.height)
    shuffled = coded.with_columns(pl.col(t).gather(perm) for t in THEMES)
    seeded = seeded_validation(fit, dtm, shuffled, n_boot=N_BOOT).filter(pl.col("measure") == "seeded_topic")
    assert (seeded["f1"] < 0.6).all()
    assert (seeded["f1_lo"] < seeded["f1_hi"]).all()  # real uncertainty once the agreement is partial


def test_deterministic_and_threshold_is_recorded(model, coded):
    dtm, fit = model
    a = seeded_validation(fit, dtm, coded, n_boot=N_BOOT, threshold=0.5)
    b = seeded_validation(fit, dtm, coded, n_boot=N_BOOT, threshold=0.5)
    assert a.equals(b)
    assert a.filter(pl.col("measure") == "seeded_topic")["threshold"].to_list() == [0.5] * 3
    refit = _model()  # the model itself is deterministic too
    assert np.array_equal(refit[1].theta, fit.theta)


def test_a_theme_without_seeded_topic_and_bad_input(model, coded):
    dtm, fit = model
    with_oversight = coded.with_columns(oversight=pl.lit(0, pl.Int64))  # a theme the model has no topic for
    out = seeded_validation(
        fit, dtm, with_oversight, themes=("digital_government", "oversight"), n_boot=N_BOOT
    )
    assert out.filter(pl.col("measure") == "seeded_topic")["theme"].to_list() == ["digital_government"]
    assert out.filter(pl.col("theme") == "oversight")["measure"].sort().to_list() == ["dictionary", "present"]
    with pytest.raises(ValueError, match="threshold"):
        seeded_validation(fit, dtm, coded, threshold=0.0)
    with pytest.raises(ValueError, match="lack columns"):
        seeded_validation(fit, dtm, coded.drop("text"))


def test_settings_round_trip_through_their_table():
    s = TopicSettings(seeded_free_topics=3, seeded_strength=4.0, seeds=(1, 2, 5))
    assert settings_from_table(s.as_table()) == s
