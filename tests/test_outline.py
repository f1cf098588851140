"""The Outline's eight systems and the heading → system rule, on headings beyond the seeds' own."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from fazhi import segment_text
from fazhi.outline import OUTLINE_FILE, assign_systems, heading_matches, heading_system, load_systems, systems

IDS = [
    "government_functions",
    "administrative_rules",
    "decision_making",
    "law_enforcement",
    "emergency_response",
    "dispute_resolution",
    "oversight",
    "digital_government",
]


def test_eight_systems_in_the_outlines_order() -> None:
    assert [s.id for s in load_systems()] == IDS
    assert [s.chapter for s in load_systems()] == list(range(3, 11))
    assert systems().height == 8
    raw = tomllib.loads(OUTLINE_FILE.read_text(encoding="utf-8"))
    assert all(s["heading_keywords"] for s in raw["system"]), "every system has visible heading rules"


def test_no_keyword_belongs_to_two_systems() -> None:
    seen: dict[str, str] = {}
    for s in load_systems():
        for k in s.heading_keywords:
            assert k not in seen, f"{k} in {seen.get(k)} and {s.id}"
            seen[k] = s.id


def test_each_systems_outline_title_names_it() -> None:
    for s in load_systems():
        assert heading_system(s.outline_title) == s.id, s.outline_title


@pytest.mark.parametrize(
    ("title", "system"),
    [
        # headings written by other governments, not found in the seeds
        ("全面建设数字法治政府", "digital_government"),
        ("加快推进“互联网+政务服务”和大数据应用", "digital_government"),
        ("提升应急管理和防灾减灾能力", "emergency_response"),
        ("依法妥善处置突发公共卫生事件", "emergency_response"),
        ("推进行政复议体制改革", "dispute_resolution"),
        ("坚持和发展新时代“枫桥经验”，推动矛盾纠纷源头化解", "dispute_resolution"),
        ("深化综合行政执法体制改革", "law_enforcement"),
        ("完善重大行政决策程序制度", "decision_making"),
        ("加强地方立法和行政规范性文件管理", "administrative_rules"),
        ("深化“放管服”改革，持续优化营商环境", "government_functions"),
        ("主动接受人大监督和政协民主监督", "oversight"),
        ("深入推进政务公开", "oversight"),
        ("加强党对法治政府建设的领导", None),
        ("其他需要报告的情况", None),
        ("强化执法监督", None),  # enforcement or oversight, equally: the title does not decide
        ("", None),
    ],
)
def test_heading_rule(title: str, system: str | None) -> None:
    assert heading_system(title) == system, heading_matches(title)


def test_full_width_and_half_width_keywords_alike() -> None:
    assert heading_system("推进“互联网＋监管”") == heading_system("推进“互联网+监管”") == "digital_government"


def test_descendants_inherit_and_titles_below_a_system_do_not_override() -> None:
    text = (
        "前言。\n一、健全突发事件应对体系\n（一）加强应急执法\n1.规范执法行为\n"
        "二、总体情况\n（一）推进行政复议改革\n（二）加强学习\n"
    )
    rows = assign_systems(segment_text(text))
    got = list(zip(rows["title"], rows["system"], rows["system_source"]))
    assert got == [
        (None, None, None),
        ("健全突发事件应对体系", "emergency_response", "heading"),
        ("加强应急执法", "emergency_response", "inherited"),
        ("规范执法行为", "emergency_response", "inherited"),
        ("总体情况", None, None),
        ("推进行政复议改革", "dispute_resolution", "heading"),
        ("加强学习", None, None),
    ]


def test_the_outline_file_is_read_in_one_place(tmp_path: Path) -> None:
    from fazhi.outline import outline_version, read_outline

    data = read_outline()
    assert [s["id"] for s in data["system"]] == [s.id for s in load_systems()]
    assert str(data["version"]) == outline_version()
    own = tmp_path / "outline.toml"
    own.write_text('version = "x"\n[[system]]\nid = "a"\n', encoding="utf-8")
    assert read_outline(own) == {"version": "x", "system": [{"id": "a"}]}
