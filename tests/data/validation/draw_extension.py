"""Draw the extension sample of paragraphs for coding (issue 15: at least 60 positives per theme).

In: the government-work-report corpus shipped in tests/data/corpora/gov-work-reports/ and seeds/.
Out: extension_units.csv (unit_id, source, doc, para, stratum, stratum_size, stratum_n, weight, text).
How: paragraphs (one line of the source text) of 60–900 characters; those already in paragraphs_dev.csv
are left out. Each paragraph falls in one stratum by broad keyword lists (dispute first, then digital, then
emergency, else none: the rarer theme wins an overlap); a seeded simple random sample is drawn within
each stratum. The inclusion weight of a unit is stratum_size / stratum_n. National reports of every era
(1954–2025) are in the frame, so the sample covers seven decades of vocabulary.

A second draw (extension_units_2.csv, seed + 1) targets the two themes that the first left short of 60
coded positives (digital government, dispute resolution): narrow keyword strata over the paragraphs not
in either earlier sample, 90 and 60 units. Its weights are relative to that remaining frame.

Run: python tests/data/validation/draw_extension.py  (deterministic: seed 20261202 + 1, and + 2)
"""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
CORPUS = ROOT / "tests" / "data" / "corpora" / "gov-work-reports"
SEED = 20261203
SIZES = {"dispute": 85, "digital": 85, "emergency": 70, "none": 60}
KEYWORDS = {
    "dispute": [
        "矛盾",
        "纠纷",
        "调解",
        "复议",
        "诉讼",
        "信访",
        "仲裁",
        "应诉",
        "裁决",
        "诉源",
        "调处",
        "化解",
    ],
    "digital": [
        "数字",
        "数据",
        "网上",
        "网络",
        "信息化",
        "智慧",
        "智能",
        "互联网",
        "平台",
        "电子",
        "一网",
        "掌上",
        "政务服务",
        "热线",
        "大模型",
    ],
    "emergency": [
        "应急",
        "灾",
        "防汛",
        "抗旱",
        "突发",
        "救援",
        "疫情",
        "安全生产",
        "预警",
        "消防",
        "防疫",
        "地震",
        "森林火",
    ],
}


def paragraphs() -> list[dict[str, str]]:
    out: list[dict[str, str]] = []

    def add(source: str, doc: str, text: str) -> None:
        for i, line in enumerate(text.split("\n")):
            s = line.strip()
            if 60 <= len(s) <= 900:
                out.append({"source": source, "doc": doc, "para": str(i), "text": s})

    for line in (
        (CORPUS / "national" / "government_work_reports.jsonl").read_text(encoding="utf-8").splitlines()
    ):
        row = json.loads(line)
        if row.get("year"):
            add("national", str(row["year"]), row["content"])
    for p in sorted((CORPUS / "provinces-2025").glob("*.txt")):
        add("prov2025", p.stem, p.read_text(encoding="utf-8"))
    for p in sorted((CORPUS / "provinces-2026").glob("*.csv")):
        if p.name == "manifest.csv":
            continue
        with p.open(encoding="utf-8-sig", newline="") as f:
            for row in csv.DictReader(f):
                add("prov2026", row["province"], row["full_text"])
    for p in sorted((ROOT / "seeds").glob("*.txt")):
        add("seeds", p.stem, p.read_text(encoding="utf-8"))
    return out


NARROW = {
    "digital_narrow": [
        "数字政府",
        "电子政务",
        "政务服务",
        "一网通办",
        "一网统管",
        "政务数据",
        "互联网+政务",
        "网上办",
        "掌上办",
        "电子证照",
        "政务平台",
        "智慧监管",
        "互联网+监管",
        "非现场",
        "12345",
        "大数据",
        "信息化",
        "政务公开",
        "数据共享",
    ],
    "dispute_narrow": [
        "矛盾纠纷",
        "调解",
        "信访",
        "行政复议",
        "行政应诉",
        "行政诉讼",
        "仲裁",
        "诉源治理",
        "枫桥",
        "多元化解",
        "调处",
        "纠纷",
    ],
}
SIZES_2 = {"digital_narrow": 90, "dispute_narrow": 60}


def stratum(text: str) -> str:
    for name in ("dispute", "digital", "emergency"):
        if any(k in text for k in KEYWORDS[name]):
            return name
    return "none"


def main() -> None:
    with (HERE / "paragraphs_dev.csv").open(encoding="utf-8") as f:
        seen = {r["text"].strip() for r in csv.DictReader(f)}
    frame = [p for p in paragraphs() if p["text"] not in seen]
    unique: dict[str, dict[str, str]] = {}
    for p in frame:
        unique.setdefault(p["text"], p)  # a paragraph repeated verbatim is one unit
    by: dict[str, list[dict[str, str]]] = {k: [] for k in SIZES}
    for p in unique.values():
        by[stratum(p["text"])].append(p)
    rng = random.Random(SEED)
    rows = []
    for name, n in SIZES.items():
        pop = by[name]
        for p in rng.sample(pop, n):
            rows.append(
                {**p, "stratum": name, "stratum_size": len(pop), "stratum_n": n, "weight": len(pop) / n}
            )
    rng.shuffle(rows)
    cols = ["unit_id", "source", "doc", "para", "stratum", "stratum_size", "stratum_n", "weight", "text"]
    with (HERE / "extension_units.csv").open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=cols)
        w.writeheader()
        for i, r in enumerate(rows, 1):
            w.writerow({"unit_id": f"x{i:03d}", **r})
    print({k: len(v) for k, v in by.items()}, len(rows))
    _second_draw(unique, {r["text"] for r in rows}, cols)


def _second_draw(unique: dict[str, dict[str, str]], drawn: set[str], cols: list[str]) -> None:
    by: dict[str, list[dict[str, str]]] = {k: [] for k in SIZES_2}
    for text, p in unique.items():
        if text in drawn:
            continue
        for name in SIZES_2:  # digital first: the rarer positive in the first draw
            if any(k in text for k in NARROW[name]):
                by[name].append(p)
                break
    rng = random.Random(SEED + 1)
    rows = []
    for name, n in SIZES_2.items():
        pop = by[name]
        for p in rng.sample(pop, n):
            rows.append(
                {**p, "stratum": name, "stratum_size": len(pop), "stratum_n": n, "weight": len(pop) / n}
            )
    rng.shuffle(rows)
    with (HERE / "extension_units_2.csv").open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=cols)
        w.writeheader()
        for i, r in enumerate(rows, 1):
            w.writerow({"unit_id": f"y{i:03d}", **r})
    print({k: len(v) for k, v in by.items()}, len(rows))


if __name__ == "__main__":
    main()
