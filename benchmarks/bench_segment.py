"""Segmentation throughput against a single ``re.finditer`` pass over the same text.

Builds a synthetic corpus (seed sections repeated and shuffled, ≥ 10 MB of text at full size), then
times, on the same documents:

- reference: one ``re.finditer`` pass per document with a plain heading regex (``一、`` / ``（一）`` /
  ``1.`` / ``一是`` at a line start or after 。：), consuming the matches — the least any regex-based
  segmenter must do;
- ``segment_text``: the full segmenter (marker pass, sequence logic, titles, the polars frame).

It prints characters per second and the ratio segment / reference at three corpus sizes (to show the
cost is linear in corpus size: the ratio and the per-character time stay flat). Target ratio ≤ 5×.

Run: ``uv run python benchmarks/bench_segment.py [--full-mb 10]``
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from fazhi.segment import segment_text
from synthetic import synthetic_corpus

REFERENCE = re.compile(
    r"(?:^|(?<=[\n。：:]))[ \t]*(?:[一二三四五六七八九十]+[、是]|"
    r"[（(][一二三四五六七八九十]+[）)]|\d{1,2}[.．、])"
)


def reference(docs: list[str]) -> int:
    n = 0
    for d in docs:
        for _ in REFERENCE.finditer(d):
            n += 1
    return n


def segmenter(docs: list[str]) -> int:
    return sum(segment_text(d).height for d in docs)


def best_of(fn, docs: list[str], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn(docs)
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument(
        "--full-mb", type=float, default=10.0, help="largest corpus size in millions of characters"
    )
    args = p.parse_args()
    full = int(args.full_mb * 1_000_000)
    corpus = synthetic_corpus(full, seed=0)
    sizes = [full // 4, full // 2, full]
    reference(corpus[:20]), segmenter(corpus[:20])  # warm up (imports, caches) outside the timings
    print(f"synthetic corpus: {len(corpus)} documents, {sum(map(len, corpus)):,} characters "
          f"({sum(len(d.encode()) for d in corpus) / 1e6:.1f} MB UTF-8)")  # fmt: skip
    print(f"{'chars':>12} {'docs':>6} {'reference s':>12} {'segment s':>10} {'ref Mchar/s':>12} "
          f"{'seg Mchar/s':>12} {'µs/kchar':>9} {'ratio':>6}")  # fmt: skip
    for target in sizes:
        docs, total = [], 0
        for d in corpus:
            if total >= target:
                break
            docs.append(d)
            total += len(d)
        repeat = 3
        t_ref = best_of(reference, docs, repeat)
        t_seg = best_of(segmenter, docs, repeat)
        print(
            f"{total:>12,} {len(docs):>6} {t_ref:>12.3f} {t_seg:>10.3f} {total / t_ref / 1e6:>12.1f} "
            f"{total / t_seg / 1e6:>12.1f} {t_seg / total * 1e9:>9.1f} {t_seg / t_ref:>5.2f}×"
        )
    print("target: ratio ≤ 5× (segment_text vs one re.finditer pass); linear: µs/kchar flat across sizes")


if __name__ == "__main__":
    main()
