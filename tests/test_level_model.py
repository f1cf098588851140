"""The level-classifier experiment (benchmarks/level_model.py) on two small constructed sets (fast)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest


def _bench() -> ModuleType:
    path = Path(__file__).resolve().parents[1] / "benchmarks" / "level_model.py"
    spec = importlib.util.spec_from_file_location("level_model", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["level_model"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


# Made-up heads: each level speaks of itself with its own unit words; places differ between the sets.
_TEMPLATES = {
    "province": "{p}省人民政府关于印发实施方案的通知 各市人民政府，省政府各部门：我省将全面推进，全省各地",
    "county": "{p}县人民政府 关于县域工作的报告 各乡镇人民政府，县政府各部门：我县坚持，全县上下",
    "township": "{p}镇人民政府 镇党委镇政府召开会议 各村：我镇认真落实，全镇干部群众",
}
_PLACES = {"s1": ("甲", "乙", "丙", "丁"), "s2": ("戊", "己", "庚", "辛")}


def _docs(bench: ModuleType, *, same_text: bool = False) -> list:
    out = []
    for set_name, places in _PLACES.items():
        for level, template in _TEMPLATES.items():
            for i, p in enumerate(places):
                text = "通知全文如下" if same_text else template.format(p=p)
                out.append(
                    bench.Doc(
                        set_name=set_name,
                        source_file=f"{i:03d}_{level}.txt",
                        text=text,
                        rules=level,
                        gold=level,
                    )
                )
    return out


def test_leave_one_set_out_learns_levels_from_text() -> None:
    bench = _bench()
    docs = _docs(bench)
    pred = bench.leave_one_set_out(docs, head=400)
    assert pred.height == len(docs)
    assert pred["set"].unique(maintain_order=True).to_list() == ["s1", "s2"]
    for m in ("b", "c"):  # text only: trained on the other set's places, right on this one's
        assert (pred[f"pred_{m}"] == pred["gold"]).all(), m
    again = bench.leave_one_set_out(docs, head=400)
    assert again.equals(pred)  # deterministic


def test_rules_feature_is_what_model_a_adds() -> None:
    """With the same text for every document, only the rules' one-hot can tell the levels apart."""
    bench = _bench()
    pred = bench.leave_one_set_out(_docs(bench, same_text=True), head=400)
    assert (pred["pred_a"] == pred["gold"]).all()
    assert not (pred["pred_b"] == pred["gold"]).all()
    assert not (pred["pred_c"] == pred["gold"]).all()


def test_tables_count_right_and_disagreements() -> None:
    bench = _bench()
    docs = _docs(bench)
    # Make the rules wrong on the first document of each set; the models do not see gold at test time.
    docs = [
        bench.Doc(d.set_name, d.source_file, d.text, "unknown", d.gold)
        if d.source_file == "000_county.txt"
        else d
        for d in docs
    ]
    pred = bench.leave_one_set_out(docs, head=400, models=("c",))
    table = bench.accuracy_table(pred, models=("c",))
    assert table["set"].to_list() == ["s1", "s2", "pooled"]
    assert table.filter(table["set"] == "pooled")["rules_now"][0].startswith("22/24 ")
    assert table.filter(table["set"] == "pooled")["model_c"][0].startswith("24/24 ")
    dis = bench.disagreements(pred, models=("c",)).row(0, named=True)
    assert dis == {"model": "c", "disagree": 2, "model_right": 2, "rules_right": 0, "both_wrong": 0}


def test_bad_input_is_refused() -> None:
    bench = _bench()
    with pytest.raises(ValueError, match="sealed"):
        bench.load_docs(["devset", "heldout4"])
    docs = _docs(bench)
    with pytest.raises(ValueError, match="model must be"):
        bench.fit_predict(docs, docs, model="z")
    with pytest.raises(ValueError, match="two levels"):
        bench.fit_predict([d for d in docs if d.gold == "county"], docs, model="c")
    with pytest.raises(ValueError, match="two sets"):
        bench.leave_one_set_out([d for d in docs if d.set_name == "s1"])
