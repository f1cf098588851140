"""Segmentation: gold outlines of the seeds, look-alikes, styles the seeds do not use, lossless tiling."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from fazhi import read_corpus, segment_text
from fazhi.segment import (
    chinese_numeral_value,
    read_gold_outline,
    score_against_gold,
    segment,
    segment_documents,
    split_sentences,
)
from hypothesis import given, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[1]
GOLD = ROOT / "tests" / "data" / "gold_outlines"


@pytest.fixture(scope="module")
def documents() -> pl.DataFrame:
    return read_corpus(ROOT / "seeds").documents


def read_gold(doc_id: str) -> pl.DataFrame:
    return read_gold_outline(GOLD / f"{doc_id}.tsv")


def assert_tiles(text: str, rows: pl.DataFrame) -> None:
    starts, ends = rows["start"].to_list(), rows["end"].to_list()
    assert starts[0] == 0 and ends[-1] == len(text)
    assert all(a == b for a, b in zip(ends, starts[1:])), "gap or overlap between sections"
    assert "".join(text[a:b] for a, b in zip(starts, ends)) == text
    assert rows["section_id"].to_list() == list(range(rows.height))
    levels = dict(zip(rows["section_id"], rows["level"]))
    for sid, parent, level in zip(rows["section_id"], rows["parent_id"], rows["level"]):
        if parent is None:
            assert level in (0, 1)
        else:
            assert parent < sid and level == levels[parent] + 1


# ------------------------------------------------------------------------------------ the gold standard


@pytest.mark.parametrize("doc_id", sorted(p.stem for p in GOLD.glob("*.tsv")))
def test_gold_outline(documents: pl.DataFrame, doc_id: str) -> None:
    text = documents.filter(pl.col("doc_id") == doc_id)["text"][0]
    rows = segment_text(text)
    assert_tiles(text, rows)
    score = score_against_gold(rows, read_gold(doc_id))
    assert score["precision"] >= 0.98, score
    assert score["recall"] >= 0.98, score
    assert score["level_accuracy"] >= 0.98, score


def test_all_five_seeds_have_gold(documents: pl.DataFrame) -> None:
    assert sorted(p.stem for p in GOLD.glob("*.tsv")) == sorted(documents["doc_id"].to_list())


def test_gold_scoring_detects_errors(documents: pl.DataFrame) -> None:
    doc_id = "004_2c106d032dd9e107"
    rows = segment_text(documents.filter(pl.col("doc_id") == doc_id)["text"][0])
    gold = read_gold(doc_id)
    assert score_against_gold(rows, gold)["f1"] == 1.0
    worse = score_against_gold(rows.filter(pl.col("kind") != "arabic"), gold)
    assert worse["recall"] < 0.6 and worse["precision"] == 1.0
    shifted = score_against_gold(rows.with_columns(pl.col("level") + 1), gold)
    assert shifted["level_accuracy"] == 0.0


def test_inline_seed_and_continuing_numbering(documents: pl.DataFrame) -> None:
    by_id = dict(zip(documents["doc_id"], documents["text"]))
    inline = segment_text(by_id["000_3ff28de5311d351f"])
    assert "\n" not in by_id["000_3ff28de5311d351f"].strip()  # one paragraph: every heading is inline
    assert inline.filter(pl.col("level") == 1)["marker"].to_list() == [f"{c}、" for c in "一二三四五六七八九"]
    plan = segment_text(by_id["004_2c106d032dd9e107"])
    arabic = plan.filter(pl.col("kind") == "arabic")
    assert arabic["ordinal"].to_list() == list(range(1, 26))  # 1 … 25 through eight parents
    assert arabic["parent_id"].n_unique() == 8


def test_lost_numerals_are_recovered_and_reported(documents: pl.DataFrame) -> None:
    text = documents.filter(pl.col("doc_id") == "003_f7489962509b7598")["text"][0]
    seg = segment(text)
    last = seg.sections.tail(5)
    assert last["ordinal"].to_list() == [1, 2, 3, 4, 5]
    assert last["marker"].to_list() == ["一是", "二是", "", "是", "是"]
    assert sorted(a.kind for a in seg.anomalies) == ["lost_marker", "lost_numeral", "lost_numeral"]


# --------------------------------------------------------------------------- styles the seeds do not use

FULL_WIDTH = """某市人民政府关于2024年法治政府建设工作的实施方案
为深入推进依法行政，制定本方案。
第一部分　总体要求
一、指导思想
以习近平法治思想为指导。
二、工作目标
到2025年，法治政府基本建成。
第二部分　重点任务
一、健全突发事件应对体系
（一）完善应急预案
１．修订专项预案
（1）防汛预案。修订防汛抗旱应急预案。
（2）地震预案。修订地震应急预案。
２．开展应急演练
全年演练30场次。
（二）提升处置能力
第一，加强队伍建设。组建救援队伍。第二，强化物资保障。储备救灾物资。
二、推进数字法治政府建设
（一）建设一体化平台
"""


def test_a_style_the_seeds_do_not_use() -> None:
    rows = segment_text(FULL_WIDTH)
    assert_tiles(FULL_WIDTH, rows)
    cols = ("level", "kind", "marker", "ordinal", "title")
    got = [tuple(r[c] for c in cols) for r in rows.iter_rows(named=True)][1:]
    assert got == [
        (1, "part", "第一部分", 1, "总体要求"),
        (2, "chinese_numeral", "一、", 1, "指导思想"),
        (2, "chinese_numeral", "二、", 2, "工作目标"),
        (1, "part", "第二部分", 2, "重点任务"),
        (2, "chinese_numeral", "一、", 1, "健全突发事件应对体系"),
        (3, "paren_numeral", "（一）", 1, "完善应急预案"),
        (4, "arabic", "１．", 1, "修订专项预案"),
        (5, "paren_arabic", "（1）", 1, "防汛预案"),
        (5, "paren_arabic", "（2）", 2, "地震预案"),
        (4, "arabic", "２．", 2, "开展应急演练"),
        (3, "paren_numeral", "（二）", 2, "提升处置能力"),
        (4, "enumeration", "第一，", 1, "加强队伍建设"),
        (4, "enumeration", "第二，", 2, "强化物资保障"),
        (2, "chinese_numeral", "二、", 2, "推进数字法治政府建设"),
        (3, "paren_numeral", "（一）", 1, "建设一体化平台"),
    ]
    assert rows["path"][8] == "第二部分/一、/（一）/１．/（1）"


@pytest.mark.parametrize(
    "text",
    [
        "前言。一、二级医院全部纳入监管。",
        "增长3.5%，达到历史新高。",
        "利用“12.4”宪法宣传日开展普法。",
        "2023.全年完成任务。",
        "印发《关于做好两类事项的通知：（一）类事项》。",
        "我们统一是为了工作。",
        "现报告如下：\n2023年。全年办结。",
    ],
)
def test_look_alikes_are_not_headings(text: str) -> None:
    rows = segment_text(text)
    assert rows.height == 1 and rows["level"][0] == 0, rows


def test_database_paragraph_numbers_are_not_headings() -> None:
    text = "(1)  前言部分。\n(2)  一、总体要求\n(3)  正文内容。"
    rows = segment_text(text)
    assert rows.filter(pl.col("level") > 0)["marker"].to_list() == ["一、"]


def test_sequence_logic_rejects_a_list_item_that_breaks_its_siblings() -> None:
    text = "一、总则。内容。二、措施。见附表（三）所列事项。五、其他。三、保障。"
    rows = segment_text(text)
    assert rows.filter(pl.col("level") == 1)["marker"].to_list() == ["一、", "二、", "三、"]


def test_skipped_and_repeated_numbers_at_line_start_are_kept_and_reported() -> None:
    seg = segment("一、甲\n正文。\n二、乙\n正文。\n四、丁\n正文。\n四、丁二\n正文。")
    assert seg.sections["ordinal"].to_list() == [1, 2, 4, 4]
    assert [a.kind for a in seg.anomalies] == ["skipped_number", "repeated_number"]


def test_numbering_that_restarts_under_each_parent() -> None:
    rows = segment_text("一、甲\n1.子一\n2.子二\n二、乙\n1.子三\n2.子四\n")
    paths = rows.filter(pl.col("kind") == "arabic")["path"].to_list()
    assert paths == ["一、/1.", "一、/2.", "二、/1.", "二、/2."]


def test_titles_end_at_the_first_full_stop_or_colon_or_line_end() -> None:
    rows = segment_text("一、总体要求：坚持依法行政。\n二、主要任务。推进改革。\n三、保障措施\n正文。")
    assert rows["title"].to_list() == ["总体要求：坚持依法行政", "主要任务", "保障措施"]
    assert segment_text("一、总体要求：\n坚持依法行政。")["title"].to_list() == ["总体要求"]


def test_no_headings_and_empty_text() -> None:
    rows = segment_text("没有任何标题的一段文字。第二句。")
    assert rows.height == 1 and rows["level"][0] == 0 and rows["kind"][0] is None
    empty = segment_text("")
    assert empty.height == 1 and empty["end"][0] == 0


def test_chinese_numerals() -> None:
    assert [chinese_numeral_value(s) for s in ["一", "十", "十二", "二十", "二十五", "一百零五", "两"]] == [
        1, 10, 12, 20, 25, 105, 2,
    ]  # fmt: skip


# ------------------------------------------------------------------------------------- property tests

_BODY_CHARS = "法治政府建设推进工作机制完善加强规范依法行政决策执行监督服务改革能力体系"
KIND_ORDER = ["part", "chinese_numeral", "paren_numeral", "arabic", "paren_arabic", "enumeration"]
_CN = ["", "一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二"]


def _marker(kind: str, n: int, full: bool, variant: int) -> str:
    wide = str.maketrans("0123456789", "０１２３４５６７８９")
    digits = str(n).translate(wide) if full and variant % 2 else str(n)
    lp, rp = ("（", "）") if full else ("(", ")")
    return {
        "part": f"第{_CN[n]}部分 ",
        "chinese_numeral": f"{_CN[n]}、",
        "paren_numeral": f"{lp}{_CN[n]}{rp}",
        "arabic": digits + ["．", ".", "、"][variant % 3] if full else str(n) + [".", "、"][variant % 2],
        "paren_arabic": f"{lp}{n}{rp}",
        "enumeration": f"{_CN[n]}是",
    }[kind]


@st.composite
def outlines(draw: st.DrawFn) -> tuple[list[str], list[dict], bool, bool, int, str]:
    n_kinds = draw(st.integers(1, 4))
    drawn = draw(st.lists(st.sampled_from(KIND_ORDER), min_size=n_kinds, max_size=n_kinds, unique=True))
    kinds = sorted(drawn, key=KIND_ORDER.index)
    words = st.text(alphabet=_BODY_CHARS, min_size=2, max_size=8)

    def tree(depth: int) -> list[dict]:
        if depth >= len(kinds):
            return []
        k = draw(st.integers(1 if depth == 0 else 0, 3))
        return [{"title": draw(words), "body": draw(words), "children": tree(depth + 1)} for _ in range(k)]

    return kinds, tree(0), draw(st.booleans()), draw(st.booleans()), draw(st.integers(0, 5)), draw(words)


def _render(
    kinds: list[str], nodes: list[dict], inline: bool, full: bool, variant: int, preamble: str
) -> tuple[str, list[tuple[int, str, int, str]]]:
    parts = [preamble + "。" + ("" if inline else "\n")]
    expected = []

    def walk(ns: list[dict], depth: int) -> None:
        for i, n in enumerate(ns, 1):
            kind = kinds[depth]
            expected.append((depth + 1, kind, i, n["title"]))
            if inline:
                parts.append(f"{_marker(kind, i, full, variant)}{n['title']}。{n['body']}。")
            else:
                parts.append(f"{_marker(kind, i, full, variant)}{n['title']}\n{n['body']}。\n")
            walk(n["children"], depth + 1)

    walk(nodes, 0)
    return "".join(parts), expected


@settings(max_examples=150, deadline=None)
@given(outlines())
def test_random_outlines_are_recovered(outline: tuple[list[str], list[dict], bool, bool, int, str]) -> None:
    kinds, nodes, inline, full, variant, preamble = outline
    text, expected = _render(kinds, nodes, inline, full, variant, preamble)
    rows = segment_text(text)
    assert_tiles(text, rows)
    headings = rows.filter(pl.col("level") > 0)
    got = list(zip(headings["level"], headings["kind"], headings["ordinal"], headings["title"]))
    assert got == expected


_NOISE = st.text(
    alphabet=st.sampled_from(
        list("一二三四五六七八九十是第部分章、．.，,（）()《》：:；。！？\n 　")
        + list("0123456789１２%法治政府")
    ),
    max_size=200,
)


@settings(max_examples=300, deadline=None)
@given(st.one_of(_NOISE, st.text(max_size=200)))
def test_arbitrary_text_always_tiles_and_never_raises(text: str) -> None:
    seg = segment(text)
    assert_tiles(text, seg.sections)
    assert all(0 <= a.section_id < seg.sections.height for a in seg.anomalies)
    for a, b in split_sentences(text):
        assert text[a:b].strip() == text[a:b] and b > a


# ------------------------------------------------------------------------------------ the stage's tables


def test_segment_documents_tables(documents: pl.DataFrame) -> None:
    out = segment_documents(documents)
    sections, sentences = out["sections"], out["sentences"]
    from fazhi.schema import validate

    for name, df in out.items():
        validate(name, df)
    texts = dict(zip(documents["doc_id"], documents["text"]))
    for doc_id, rows in sections.group_by("doc_id", maintain_order=True):
        assert_tiles(texts[doc_id[0]], rows.drop("doc_id"))
    # sentences lie inside their section and reproduce the text at their offsets
    spans = sections.select("doc_id", "section_id", s="start", e="end")
    joined = sentences.join(spans, on=["doc_id", "section_id"])
    assert joined.filter((pl.col("start") < pl.col("s")) | (pl.col("end") > pl.col("e"))).height == 0
    for row in sentences.sample(50, seed=0).iter_rows(named=True):
        assert texts[row["doc_id"]][row["start"] : row["end"]] == row["text"]
    for _, g in sentences.group_by("doc_id"):
        assert g["sentence_id"].sort().to_list() == list(range(g.height))
    at_end = sentences["text"].str.contains("[。！？；][”’」』）)\"']*$")
    inner = sentences["text"].str.contains("[。！？；]") & ~at_end
    assert not inner.any()  # a sentence holds end punctuation only at its end
    # the Outline label of the seeds' system headings
    emergency = sections.filter(pl.col("title").str.contains("突发事件应对体系"))
    assert emergency.height >= 3 and set(emergency["system"]) == {"emergency_response"}
    kids = sections.join(emergency.select("doc_id", parent_id="section_id"), on=["doc_id", "parent_id"])
    assert kids.height > 0 and set(kids["system"]) == {"emergency_response"}
    assert set(kids["system_source"]) == {"inherited"}


def test_tables_are_deterministic(documents: pl.DataFrame) -> None:
    a, b = segment_documents(documents), segment_documents(documents.reverse())
    for name in a:
        assert a[name].equals(b[name])
