"""Heading marker styles as data (data/markers.toml): the table compiles, its pre-scan finds every marker,
a style added as data is recognised, and a malformed table is refused with the style named."""

from __future__ import annotations

import copy
import functools
import re
import tomllib
from typing import Any

import polars as pl
import pytest
from fazhi.markers import MARKERS_FILE, MarkerTable, MarkerTableError, Style, load_markers, marker_table
from fazhi.segment import gold_mismatches, score_against_gold, segment, segment_text
from hypothesis import given, settings
from hypothesis import strategies as st

_CN = ["", "一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二"]
_BODY_CHARS = "法治政府建设推进工作机制完善加强规范依法行政决策执行监督服务改革能力体系"


def shipped() -> dict[str, Any]:
    return tomllib.loads(MARKERS_FILE.read_text(encoding="utf-8"))


def with_styles(*extra: dict[str, Any], numerals: dict[str, Any] | None = None) -> MarkerTable:
    """The package's table plus ``extra`` styles (and numeral systems), compiled."""
    data = copy.deepcopy(shipped())
    data["style"] += list(extra)
    data["numerals"].update(numerals or {})
    return marker_table(data)


ARTICLE = {"name": "article", "rank": 15, "opens": ["第"], "numeral": ["chinese"], "closes": ["条"]}
# ① … ⑳ (read as 1 … 20 after NFKC), closed by a full-width space
CIRCLED = {"name": "circled", "rank": 45, "numeral": ["circled"], "closes": ["\u3000"]}


@functools.cache
def _circled_table() -> MarkerTable:
    return with_styles(ARTICLE, CIRCLED, numerals={"circled": {"chars": "①-⑳", "max_length": 1}})


# ------------------------------------------------------------------------------------ the shipped table


def test_the_shipped_table_keeps_the_families_in_their_order() -> None:
    t = load_markers()
    assert t.kinds == ("part", "chinese_numeral", "paren_numeral", "arabic", "paren_arabic", "enumeration")
    assert t.list_kinds == {"enumeration"} and t.bare_kinds == {"part"}
    assert [s.name for s in t.styles if s.kind == "enumeration"] == ["enumeration_ordinal", "enumeration"]


@functools.cache
def _chars(body: str) -> list[str]:
    cls = re.compile(f"[{body}]")
    return [chr(c) for c in range(0x20, 0x10000) if cls.fullmatch(chr(c))]


@st.composite
def written_markers(draw: st.DrawFn, table: MarkerTable) -> tuple[Style, str]:
    """A marker as some style of ``table`` may write it: opener, spaces, numeral characters, closer."""
    style = draw(st.sampled_from(table.styles))
    num = table.numerals[draw(st.sampled_from(style.numeral))]
    numeral = draw(st.text(alphabet=_chars(num.chars), min_size=1, max_size=num.max_length))
    space = st.sampled_from(["", " ", "\u3000", "\t"]) if style.spaces else st.just("")
    opens = draw(st.sampled_from(style.opens)) if style.opens else ""
    return style, opens + draw(space) + numeral + draw(space) + draw(st.sampled_from(style.closes))


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_the_prescan_finds_every_marker_the_styles_write(data: st.DataObject) -> None:
    for table in (load_markers(), _circled_table()):
        style, marker = data.draw(written_markers(table))
        m = table.pattern.match(marker)
        assert m is not None and m.end() == len(marker), (style.name, marker)
        assert table.prefilter.match(marker), (style.name, marker, table.prefilter.pattern)


# ------------------------------------------------------------------------------- a style added as data


def test_a_style_added_as_data_is_recognised_and_ranked() -> None:
    text = (
        "总则。\n第一条　为了规范行政行为，制定本办法。\n一、适用范围\n（一）本市行政机关。\n"
        "第二条　本办法自公布之日起施行。\n"
    )
    assert "article" not in set(segment_text(text)["kind"].drop_nulls())  # the shipped table does not know it
    rows = segment_text(text, markers=with_styles(ARTICLE))
    got = [(r["level"], r["kind"], r["marker"]) for r in rows.iter_rows(named=True) if r["level"]]
    assert got == [
        (1, "article", "第一条"),
        (2, "chinese_numeral", "一、"),
        (3, "paren_numeral", "（一）"),
        (1, "article", "第二条"),
    ]


def _numeral(style: Style, n: int) -> str:
    system = style.numeral[0]
    return {"chinese": _CN[n], "arabic": str(n), "circled": chr(0x2460 + n - 1)}[system]


@st.composite
def data_outlines(draw: st.DrawFn) -> tuple[list[Style], list[dict], bool, str]:
    table = _circled_table()
    first_style = {}
    for s in table.styles:  # one style per family, the first the table lists
        first_style.setdefault(s.kind, s)
    families = sorted(first_style.values(), key=lambda s: s.rank)
    added = draw(st.sampled_from([s for s in families if s.kind in ("article", "circled")]))
    others = draw(st.lists(st.sampled_from(families), max_size=3, unique_by=lambda s: s.kind))
    chosen = sorted({s.kind: s for s in [added, *others]}.values(), key=lambda s: s.rank)
    words = st.text(alphabet=_BODY_CHARS, min_size=2, max_size=8)

    def tree(depth: int) -> list[dict]:
        if depth >= len(chosen):
            return []
        k = draw(st.integers(1 if depth == 0 else 0, 3))
        return [{"title": draw(words), "body": draw(words), "children": tree(depth + 1)} for _ in range(k)]

    return chosen, tree(0), draw(st.booleans()), draw(words)


@settings(max_examples=150, deadline=None)
@given(data_outlines())
def test_outlines_in_styles_added_as_data_are_recovered(
    outline: tuple[list[Style], list[dict], bool, str],
) -> None:
    styles, nodes, inline, preamble = outline
    parts, expected = [preamble + "。" + ("" if inline else "\n")], []

    def walk(ns: list[dict], depth: int) -> None:
        for i, n in enumerate(ns, 1):
            s = styles[depth]
            marker = (s.opens[0] if s.opens else "") + _numeral(s, i) + s.closes[0]
            expected.append((depth + 1, s.kind, i, n["title"]))
            sep = "。" if inline else "\n"
            parts.append(f"{marker}{n['title']}{sep}{n['body']}。" + ("" if inline else "\n"))
            walk(n["children"], depth + 1)

    walk(nodes, 0)
    text = "".join(parts)
    rows = segment_text(text, markers=_circled_table())
    assert "".join(text[a:b] for a, b in zip(rows["start"], rows["end"])) == text
    headings = rows.filter(pl.col("level") > 0)
    got = list(zip(headings["level"], headings["kind"], headings["ordinal"], headings["title"]))
    assert got == expected


def test_a_style_that_may_not_run_inline_is_found_only_at_a_line_start() -> None:
    data = shipped()
    for s in data["style"]:
        if s["name"] == "chinese_numeral":
            s["inline"] = False
    table = marker_table(data)
    inline = "前言。一、总则。内容。二、措施。内容。"
    assert segment_text(inline)["marker"].drop_nulls().to_list() == ["一、", "二、"]
    assert segment_text(inline, markers=table)["marker"].drop_nulls().to_list() == []
    lines = "前言。\n一、总则。内容。\n二、措施。内容。"
    assert segment_text(lines, markers=table)["marker"].drop_nulls().to_list() == ["一、", "二、"]


def test_a_lost_numeral_follows_the_table() -> None:
    text = "前言。\n一是加强领导。内容。\n是完善制度。内容。\n三是强化监督。内容。\n"
    assert [a.kind for a in segment(text).anomalies] == ["lost_numeral"]
    data = shipped()
    for s in data["style"]:
        s.pop("lost_numeral", None)
    assert segment(text, markers=marker_table(data)).anomalies[0].kind != "lost_numeral"


# ------------------------------------------------------------------------------------- a malformed table


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"colour": "red"}, "unknown field"),
        ({"rank": 20}, "rank 20 is already the rank of kind 'chinese_numeral'"),
        ({"kind": "enumeration"}, "styles of one kind must agree"),
        ({"numeral": ["roman"]}, "unknown numeral"),
        ({"reject_followed_by": "[unclosed"}, "does not compile"),
        ({"closes": []}, "closes needs at least one"),
        ({"lost_numeral": True}, "list styles only"),
        ({"name": "part"}, "used twice"),
    ],
)
def test_a_malformed_table_is_refused_naming_the_style(change: dict[str, Any], message: str) -> None:
    with pytest.raises(MarkerTableError, match=re.escape(message)):
        with_styles(dict(ARTICLE, **change))


# ------------------------------------------------------------------------------------------ gold outline


def test_gold_mismatches_agree_with_the_score() -> None:
    text = "前言。\n一、总则\n（一）目标\n二、措施\n1.细则\n"
    rows = segment_text(text)
    gold = pl.DataFrame(
        {
            "level": [1, 2, 1, 3],
            "marker": ["一、", "（一）", "二、", "2."],
            "title": ["总则", "目标", "措施", "细则"],
        },
        schema={"level": pl.Int32, "marker": pl.String, "title": pl.String},
    )
    score = score_against_gold(rows, gold)
    assert (score["gold"], score["predicted"], score["matched"]) == (4, 4, 3)
    miss = gold_mismatches(rows, gold)
    assert sorted(miss["where"].to_list()) == ["extra", "missed"]
    assert miss.filter(pl.col("where") == "extra")["predicted"].to_list() == ["1.|细则"]
