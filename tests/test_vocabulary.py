"""Tests of fazhi.vocabulary: keyness against a hand-computed G², KWIC, boilerplate, slogans."""

from __future__ import annotations

import math

import polars as pl
import pytest
from fazhi.vocabulary import boilerplate, keyness, keyness_stats, kwic, quoted, slogans


def test_g2_and_chi2_hand_computed() -> None:
    # term: 10 of 100 target tokens, 5 of 200 reference tokens
    a, b, c, d = 10, 5, 90, 195
    n = a + b + c + d
    e = [(a + b) * (a + c) / n, (a + b) * (b + d) / n, (c + d) * (a + c) / n, (c + d) * (b + d) / n]
    g2 = 2 * (
        a * math.log(a / e[0]) + b * math.log(b / e[1]) + c * math.log(c / e[2]) + d * math.log(d / e[3])
    )
    chi2 = sum((abs(o - x) - 0.5) ** 2 / x for o, x in zip((a, b, c, d), e))
    s = keyness_stats(a, b, c, d)
    # by hand: E = 5, 10, 95, 190; G² = 2(10 ln 2 + 5 ln ½ + 90 ln(90/95) + 195 ln(195/190)) = 7.3298
    assert s["g2"] == pytest.approx(g2) and g2 == pytest.approx(7.3298, abs=1e-3)
    assert s["chi2"] == pytest.approx(chi2)
    assert s["log_ratio"] == pytest.approx(math.log2((10 / 100) / (5 / 200)))
    assert s["pct_diff"] == pytest.approx(300.0)
    # rarer in the target: negative
    assert keyness_stats(1, 20, 99, 180)["g2"] < 0


def _toy() -> tuple[pl.DataFrame, pl.DataFrame]:
    docs = pl.DataFrame({"doc_id": ["a", "b"], "level": ["city", "county"], "text": ["", ""]})
    rows = [("a", "执法")] * 10 + [("a", "其他")] * 90 + [("b", "执法")] * 5 + [("b", "其他")] * 195
    toks = pl.DataFrame(rows, schema={"doc_id": pl.String, "token": pl.String}, orient="row").with_columns(
        keep=pl.lit(True), sentence_id=pl.lit(0, pl.Int32)
    )
    return docs, toks


def test_keyness_table_matches_the_scalar_formula() -> None:
    docs, toks = _toy()
    k = keyness(toks, docs, min_count=1)
    row = k.filter((pl.col("level") == "city") & (pl.col("token") == "执法")).row(0, named=True)
    s = keyness_stats(10, 5, 90, 195)
    for col in ("g2", "chi2", "log_ratio", "pct_diff", "p_g2", "p_chi2"):
        assert row[col] == pytest.approx(s[col])
    assert (row["n_target"], row["n_reference"], row["target_total"], row["reference_total"]) == (
        10,
        5,
        100,
        200,
    )
    assert k.filter(pl.col("level") == "city")["rank"].to_list()[0] == 1


def test_keyness_excludes_boilerplate() -> None:
    docs, toks = _toy()
    bp = pl.DataFrame(
        {"doc_id": ["a"], "sentence_id": [0]}, schema={"doc_id": pl.String, "sentence_id": pl.Int32}
    )
    k = keyness(toks, docs, boilerplate=bp, min_count=1)
    assert k.filter(pl.col("level") == "city").height == 0


def test_kwic_matches_whole_tokens_and_phrases() -> None:
    text = "推进应急管理，加强应急处置。"
    docs = pl.DataFrame({"doc_id": ["d"], "text": [text]})
    toks = pl.DataFrame(
        {
            "doc_id": ["d"] * 6,
            "token_id": list(range(6)),
            "token": ["推进", "应急管理", "，", "加强", "应急", "处置"],
            "start": [0, 2, 6, 7, 9, 11],
            "end": [2, 6, 7, 9, 11, 13],
        }
    )
    hits = kwic("应急", toks, docs, window=3)
    assert hits["start"].to_list() == [9]  # not inside the token 应急管理
    phrase = kwic("应急处置", toks, docs, window=2)
    assert phrase.row(0, named=True) == {
        "doc_id": "d",
        "start": 9,
        "end": 13,
        "left": "加强",
        "keyword": "应急处置",
        "right": "。",
    }


def test_boilerplate_finds_recurring_sentences_only() -> None:
    formula = "以习近平新时代中国特色社会主义思想为指导"
    sents = pl.DataFrame(
        {
            "doc_id": ["a", "a", "b", "b", "c"],
            "sentence_id": [0, 1, 0, 1, 0],
            "text": [
                formula + "，",
                "甲县推进一网通办。",
                formula + "。",
                "乙市开展行政复议。",
                "丙省完善应急预案。",
            ],
        }
    )
    bp = boilerplate(sents, min_docs=2)
    assert sorted(bp.select("doc_id", "sentence_id").iter_rows()) == [("a", 0), ("b", 0)]
    assert set(bp["kind"]) == {"sentence"} and bp["n_docs"].to_list() == [2, 2]


def test_slogans_counted_by_level() -> None:
    assert quoted("推行“双随机、一公开”和“放管服”，“”") == ["双随机、一公开", "放管服"]
    docs = pl.DataFrame(
        {
            "doc_id": ["a", "b", "c"],
            "level": ["city", "city", "county"],
            "text": ["“放管服”“放管服”", "“放管服”“一网通办”", "“一网通办”"],
        }
    )
    s = slogans(docs)
    row = s.filter((pl.col("level") == "city") & (pl.col("slogan") == "放管服")).row(0, named=True)
    assert row["count"] == 3 and row["n_docs"] == 2
    assert s.filter(pl.col("level") == "county")["slogan"].to_list() == ["一网通办"]


def test_kwic_matches_as_the_theme_lexicons_do() -> None:
    # One phrase matcher (fazhi.phrases) for vocabulary and themes: NFKC forms agree, hits never overlap.
    from fazhi.phrases import PhraseMatcher
    from fazhi.themes import Matcher, default_lexicons

    text = "拨打１２３４５热线，数字政府数字政府。"
    words = ["拨打", "１２３４５", "热线", "，", "数字", "政府", "数字", "政府", "。"]
    starts = [0, 2, 7, 9, 10, 12, 14, 16, 18]
    docs = pl.DataFrame({"doc_id": ["d"], "text": [text]})
    toks = pl.DataFrame(
        {
            "doc_id": ["d"] * 9,
            "token_id": list(range(9)),
            "token": words,
            "start": starts,
            "end": [s + len(w) for s, w in zip(starts, words, strict=True)],
        }
    )
    hotline = kwic("12345热线", toks, docs, window=2)
    assert hotline.select("start", "end", "keyword").row(0) == (2, 9, "１２３４５热线")
    theme_hits = Matcher(default_lexicons()).match(words)
    assert [(h.first, h.n_tokens) for h in theme_hits if h.term.term == "数字政府"] == [(4, 2), (6, 2)]
    assert kwic("数字政府", toks, docs)["start"].to_list() == [10, 14]
    assert [(h.first, h.n_tokens) for h in PhraseMatcher(["政府数字"]).match(words)] == [(5, 2)]


def _ngrams_one_by_one(tokens: pl.DataFrame, n: int) -> pl.DataFrame:
    """Every within-sentence n-gram, one document at a time in plain Python: the reference."""
    rows = []
    stream = tokens.filter(pl.col("sentence_id").is_not_null()).sort("doc_id", "token_id")
    for (doc_id,), df in stream.partition_by("doc_id", as_dict=True).items():
        toks, sids = df["token"].to_list(), df["sentence_id"].to_list()
        starts = [i for i in range(len(toks) - n + 1) if sids[i] == sids[i + n - 1]]
        rows += [(doc_id, sids[i], "".join(toks[i : i + n])) for i in starts]
    schema = {"doc_id": pl.String, "sentence_id": pl.Int32, "match": pl.String}
    return pl.DataFrame(rows, schema=schema, orient="row")


@pytest.mark.parametrize("batch_rows", [1, 3, 7, 1000])
def test_recurring_ngrams_in_batches_are_those_counted_one_by_one(batch_rows: int) -> None:
    from fazhi.vocabulary import recurring_ngrams

    formula = ["坚持", "以", "人民", "为", "中心", "的", "发展", "思想"]
    own = {"a": ["甲县", "推进"], "b": ["乙市", "开展", "复议"], "c": ["丙省"], "d": ["丁区", "完善", "预案"]}
    rows = []
    for doc, words in own.items():  # the formula in a, b, d; c has it cut by sentence boundaries
        toks = words + formula + words if doc != "c" else formula
        sids = [0] * len(words) + [1] * len(formula) + [2] * len(words)
        if doc == "c":
            sids = [0, 0, 0, 1, 1, 1, 2, 2]
        rows += [(doc, i, t, s) for i, (t, s) in enumerate(zip(toks, sids))]
    rows.append(("d", 99, "无句", None))  # a token outside every sentence never enters an n-gram
    tokens = pl.DataFrame(rows, schema=["doc_id", "token_id", "token", "sentence_id"], orient="row").sample(
        fraction=1.0, shuffle=True, seed=3
    )
    got = recurring_ngrams(tokens, n=4, min_docs=3, batch_rows=batch_rows)
    ref = _ngrams_one_by_one(tokens, 4)
    frequent = ref.group_by("match").agg(pl.col("doc_id").n_unique()).filter(pl.col("doc_id") >= 3)["match"]
    assert frequent.len() == 5  # the formula's five 4-grams, in a, b and d
    want = ref.filter(pl.col("match").is_in(frequent.implode()))
    key = ["doc_id", "sentence_id", "match"]
    assert got.filter(pl.col("match").is_in(frequent.implode())).sort(key).equals(want.sort(key))
    # the rest (hash collisions, documents counted twice across batches) the caller counts away exactly
    bp = boilerplate(
        pl.DataFrame({"doc_id": list(own), "sentence_id": [1] * 4, "text": ["x"] * 4}),
        tokens.with_columns(pl.col("sentence_id").cast(pl.Int32)),
        min_docs=3,
        ngram=4,
    )
    assert sorted(bp.select("doc_id", "sentence_id").iter_rows()) == [("a", 1), ("b", 1), ("d", 1)]
    assert set(bp["kind"]) == {"ngram"} and set(bp["n_docs"]) == {3}


def test_keyness_needs_no_sentences_unless_boilerplate_is_left_out() -> None:
    docs = pl.DataFrame({"doc_id": ["a", "b"], "level": ["city", "county"]})
    toks = pl.DataFrame(
        {
            "doc_id": ["a"] * 3 + ["b"] * 3,
            "token": ["法治", "法治", "政府", "法治", "政府", "政府"],
            "keep": [True] * 6,
        }
    )
    k = keyness(toks, docs, min_count=1, batch_rows=2)  # a slice per document
    row = k.filter((pl.col("level") == "city") & (pl.col("token") == "法治")).row(0, named=True)
    assert (row["n_target"], row["n_reference"], row["target_total"], row["reference_total"]) == (2, 1, 3, 3)
