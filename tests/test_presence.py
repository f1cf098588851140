"""The contextual presence rules (fazhi.presence) and their data file."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from fazhi import presence as P
from hypothesis import given, settings
from hypothesis import strategies as st


def _present(text: str, theme: str) -> bool:
    f = P.unit_scores(text)
    return bool(f.filter(pl.col("theme") == theme)["present"].item())


def test_the_shipped_rules_load_and_cover_the_three_themes() -> None:
    rules = P.load_rules()
    assert rules.ids == ("digital_government", "emergency_response", "dispute_resolution")
    frame = rules.frame()
    assert frame.height == sum(len(c.terms) for t in rules.themes for c in t.cues)
    assert len(rules.hash) == 64


@pytest.mark.parametrize(
    ("text", "theme", "expected"),
    [
        ("推进政务数据共享，实现一网通办。", "digital_government", True),
        ("发展数字经济，建设大数据产业园。", "digital_government", False),
        ("完善行政执法信息系统，推行非现场监管。", "digital_government", True),
        ("修订应急预案，开展应急演练。", "emergency_response", True),
        ("感谢消防救援队伍的辛勤付出。", "emergency_response", False),
        ("重点加强水利、交通运输、应急管理等领域的执法监督。", "emergency_response", False),
        ("防汛抗旱、地震、地质灾害防治能力提升。", "emergency_response", True),
        ("化解地方政府债务风险，化解结构性矛盾。", "dispute_resolution", False),
        ("深入排查化解群众矛盾，畅通信访渠道。", "dispute_resolution", True),
    ],
)
def test_rules_follow_the_codebook(text: str, theme: str, expected: bool) -> None:
    assert _present(text, theme) is expected


def test_cue_hits_say_why_an_occurrence_did_not_count() -> None:
    h = P.cue_hits("发展数字经济，建设大数据产业园。").filter(pl.col("theme") == "digital_government")
    assert h.height >= 1 and not h["counted"].any()
    assert set(h["reason"]) <= {"no context word", "exclusion word"}


def test_full_width_text_matches_like_ascii() -> None:
    assert _present("深化“互联网＋监管”。", "digital_government")


@settings(max_examples=50, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("政务数据共享应急预案矛盾纠纷，。、经济产业")), max_size=60))
def test_any_text_scores_deterministically_and_offsets_point_at_the_term(text: str) -> None:
    h = P.cue_hits(text)
    norm = P.normalise(text)
    for s, e, term in h.select("start", "end", "term").iter_rows():
        assert norm[s:e] == term
    assert P.unit_scores(text).equals(P.unit_scores(text))
    assert (h["weight"] >= 0).all()


def test_a_malformed_rules_file_is_refused(tmp_path: Path) -> None:
    p = tmp_path / "r.toml"
    p.write_text(
        'version = "1"\n[[theme]]\nid = "x"\n[[theme.cue]]\nname = "c"\nterms = ["甲", "甲"]\n',
        encoding="utf-8",
    )
    with pytest.raises(P.RulesError, match="already a term"):
        P.load_rules(p)
    p.write_text('version = "1"\n[[theme]]\nid = "x"\nthreshold = 0\n', encoding="utf-8")
    with pytest.raises(P.RulesError, match="threshold"):
        P.load_rules(p)
