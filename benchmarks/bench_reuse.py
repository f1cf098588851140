"""Text reuse stage: time and scaling at 250, 500 and 1,000 documents (~20 MB at 1,000), with planted reuse.

Builds a corpus of unrelated documents with known reuse:

- sources: the national government work reports of ``tests/data/corpora/gov-work-reports`` (real text),
  level national, one year before the documents;
- documents of ~7,000 characters (~20 KB of UTF-8), made by shuffling paragraphs of the seeds and the
  provincial government work reports; each document's characters are then passed through its own random
  substitution of the Chinese characters (a cipher), so that documents keep real lengths, punctuation and
  character frequencies but do not share text by construction (without it, every document would restate every
  other: the pool is ten times smaller than the corpus);
- into each document, ``--plant`` passages of one national report are planted with edits
  (``fazhi.reuse.plant``: an inserted place name, a changed number, 我省 for 全国, two clauses swapped).

Times ``fazhi.reuse.run_reuse`` (formulae, MinHash-LSH candidates, alignment, shares; sections are not
given, so shares are per document) and prints, per size: documents, characters, (document, source) pairs with
a passage, seconds, milliseconds per document (flat = linear), and the span-level recall and precision of the
planted passages. Target: under 3 minutes at 1,000 documents on the project's 2-core machine, near-linear.

Run: ``uv run python benchmarks/bench_reuse.py [--sizes 250 500 1000]``
"""

from __future__ import annotations

import argparse
import json
import random
import time
from pathlib import Path

import polars as pl
from fazhi.reuse import ReuseSettings, run_reuse
from fazhi.reuse.plant import plant
from fazhi.reuse.shares import covered

ROOT = Path(__file__).resolve().parents[1]
GWR = ROOT / "tests" / "data" / "corpora" / "gov-work-reports"
PROVINCES = (
    "河南省",
    "湖北省",
    "湖南省",
    "河北省",
    "山东省",
    "江苏省",
    "浙江省",
    "广东省",
    "四川省",
    "云南省",
)


def _sources() -> list[str]:
    rows = [
        json.loads(x)
        for x in (GWR / "national" / "government_work_reports.jsonl").read_text("utf-8").splitlines()
        if x.strip()
    ]
    return [
        r["content"]
        for r in rows
        if "政府工作报告" in r["title"] and r.get("year") and int(r["year"]) >= 2000
    ]


def _paragraphs() -> list[str]:
    texts = [p.read_text("utf-8") for p in sorted((ROOT / "seeds").glob("*.txt"))]
    for f in sorted(GWR.glob("provinces-*/*")):
        if f.suffix == ".txt":
            texts.append(f.read_text("utf-8"))
        elif f.suffix == ".jsonl":
            texts += [
                json.loads(x).get("content") or json.loads(x).get("text") or ""
                for x in f.read_text("utf-8").splitlines()
                if x.strip()
            ]
    return [p for t in texts for p in t.split("\n") if len(p) >= 20]


def corpus(
    n: int, *, seed: int = 0, chars: int = 7_000, n_plant: int = 3
) -> tuple[pl.DataFrame, dict[str, list]]:
    rng = random.Random(seed)
    sources, paras = _sources(), _paragraphs()
    han = sorted({c for p in paras for c in p if "\u4e00" <= c <= "\u9fff"})
    rows, truth = [], {}
    for k, src in enumerate(sources):
        rows.append((f"national/{k:03d}", "national", None, 2023, src))
    for d in range(n - len(sources)):
        body, size = [], 0
        while size < chars:
            p = rng.choice(paras)
            body.append(p)
            size += len(p) + 1
        perm = han[:]
        rng.shuffle(perm)
        text = "\n".join(body).translate(str.maketrans(dict(zip(han, perm))))
        text, spans = plant(sources[d % len(sources)], text, rng, n=n_plant)
        doc_id = f"local/{d:04d}"
        truth[doc_id] = [(a, b) for a, b, _, _ in spans]
        level = ("province", "city", "county")[d % 3]
        rows.append(
            (doc_id, level, PROVINCES[d % len(PROVINCES)] if level == "province" else None, 2024, text)
        )
    df = pl.DataFrame(rows, schema=["doc_id", "level", "region", "period_start", "text"], orient="row")
    df = df.with_columns(
        issuer=pl.lit(None, pl.String),
        doc_type=pl.lit("report"),
        period_start=pl.col("period_start").cast(pl.Int32),
    ).with_columns(period_end=pl.col("period_start"))
    return df, truth


def score(passages: pl.DataFrame, truth: dict[str, list]) -> tuple[float, float]:
    p = passages.filter(pl.col("relation") == "higher_earlier", pl.col("doc_id").is_in(list(truth)))
    hit = pred = 0
    for (doc,), g in p.group_by("doc_id"):
        spans = list(
            zip(g["start"].to_list(), g["end"].to_list())
        )  # from several sources: count a character once
        pred += covered(spans)
        hit += sum(
            covered([(max(s, ts), min(e, te)) for s, e in spans if s < te and e > ts])
            for ts, te in truth[doc]
        )
    true = sum(e - s for v in truth.values() for s, e in v)
    return hit / max(1, true), hit / max(1, pred)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[250, 500, 1000])
    args = ap.parse_args()
    print(f"{'docs':>6} {'MB':>6} {'pairs':>7} {'seconds':>8} {'ms/doc':>7} {'recall':>7} {'precision':>9}")
    for n in args.sizes:
        docs, truth = corpus(n)
        mb = docs["text"].str.len_bytes().sum() / 1e6
        t0 = time.perf_counter()
        out = run_reuse(docs, settings=ReuseSettings())
        dt = time.perf_counter() - t0
        p = out["reuse_passages"]
        pairs = p.select("doc_id", "source_id").unique().height
        recall, precision = score(p, truth)
        print(
            f"{n:>6} {mb:>6.1f} {pairs:>7} {dt:>8.1f} {1000 * dt / n:>7.1f} {recall:>7.3f} {precision:>9.3f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
